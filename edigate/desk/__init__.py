"""The order desk on the store: the exception queue, shipments and invoices, ack reconciliation.

Held orders wait in the queue (`edigate.desk.queue`) for a specialist: `release` accepts
one and continues what the pipeline stopped (stock, routing, the 855), `reject` answers it
with an RD 855, `override` changes a line's price and checks the rules again; each action
is audited. `ship` (`edigate.desk.shipping`) turns a warehouse's confirmation (CSV, JSON
or a 3PL's 945) into an 856, and an 810 when the partner takes invoices; `invoice` bills on
demand what shipped and was not billed yet. `reconcile_functional_ack`
(`edigate.stages.reconcile`) applies a partner's 997/999 to what we sent. Every outbound
document is archived and recorded against the order it concerns (`edigate.stages.outputs`)
and sent by the send stage (`edigate.stages.send`); release and reject answer through the
answer stage and route through the route stage,
so `order_chain` (`edigate.desk.stored`) shows 850 -> 855 -> 940 -> 856 -> 810 -> acks.
"""

from __future__ import annotations

from edigate.desk.outputs import ALL_CHANNELS
from edigate.desk.queue import Overridden, Rejected, Released, override, reject, release
from edigate.desk.shipping import Shipped, invoice, ship
from edigate.desk.stored import OrderChain, find_order, held_orders, order_chain
from edigate.stages.reconcile import Reconciled, overdue, reconcile_functional_ack

__all__ = [
    "ALL_CHANNELS", "OrderChain", "Overridden", "Reconciled", "Rejected", "Released", "Shipped", "find_order",
    "held_orders", "invoice", "order_chain", "overdue", "override", "reconcile_functional_ack", "reject", "release",
    "ship",
]
