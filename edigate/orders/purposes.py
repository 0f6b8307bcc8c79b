"""What an 850's purpose (BEG01) does to the earlier order of the same partner and PO number.

- 00 original: a new order (a second one for a PO we hold is a duplicate, caught when saved).
- 01 cancellation: the earlier order becomes ``cancelled`` and gives its stock back; the
  cancel is acknowledged and routed to the destinations that received the earlier order.
- 04 change, 05 replace: the earlier order becomes ``superseded``, gives its stock back, and
  the new one is decided afresh (rules, stock, 855) and routed as an order of its own.
- 06 confirmation, 07 duplicate: a copy of an order we hold waits for a specialist, so it
  is neither shipped twice nor lost; with no earlier order it is decided as an original.

A cancel, change or replace for a PO we never received, for an order already shipped or
invoiced, or for one already cancelled or replaced is a finding, never a silent success.
An amendment takes effect when the later order is accepted by the rules (a held replacement
leaves the earlier order in force until a specialist releases it), before the later order
takes its stock, so it can have what the earlier one gives back; a replacement then held
only because stock ran short has retired the earlier order already. Both orders link to
each other (`StoredOrder.amends`, and `OrderChain.amended_by`).
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace

from edigate.model import Order, Purpose, dumps, loads
from edigate.orders.book import DocumentStatus, OrderBook, StoredOrder
from edigate.orders.decision import AMENDING
from edigate.orders.rules import RuleFinding
from edigate.orders.warehouse import shipping_order_key

__all__ = ["AMENDING", "IN_FORCE", "READS_EARLIER", "Amendment", "Amendments", "cancel_destinations", "cancel_export",
           "earlier_order", "is_cancel", "order_key", "po_of_key"]

_COPIES = frozenset({Purpose.CONFIRMATION, Purpose.DUPLICATE})
READS_EARLIER = AMENDING | _COPIES
"""The purposes whose decision reads the earlier order of the same PO; an order of any other
is decided from itself, the partner's rules and the day (and its stock, under ``rules.atp``)."""
_LIVE = frozenset({DocumentStatus.ACCEPTED, DocumentStatus.ROUTED, DocumentStatus.HELD, DocumentStatus.REJECTED})
_WAITING = frozenset({DocumentStatus.HELD, DocumentStatus.REJECTED})
IN_FORCE = frozenset({DocumentStatus.ACCEPTED, DocumentStatus.ROUTED})
"""An order accepted (and routed, or on its way): the one that stands for its PO, to ship or to cancel."""
_SHIPPING_SETS = {"856": "shipped", "810": "invoiced"}


@dataclass(frozen=True, slots=True)
class Amendment:
    """The earlier order a later one amends (as it stood before), and why it cannot (findings)."""

    document_id: int
    purpose: Purpose
    earlier: StoredOrder | None = None
    findings: tuple[RuleFinding, ...] = ()
    applied: bool = False
    """The later order amended the earlier one already (an order decided a second time)."""

    @property
    def pending(self) -> bool:
        return self.earlier is not None and not self.findings and not self.applied


class Amendments:
    """Purposes checked against the orders of a book, and applied to them."""

    def __init__(self, book: OrderBook) -> None:
        self.book = book

    def check(self, order: Order, document_id: int, partner: str) -> Amendment:
        """The earlier order ``order`` (stored as ``document_id``) amends, or the findings
        that keep it from doing so."""
        if order.purpose not in READS_EARLIER:
            return Amendment(document_id, order.purpose)
        versions = self.book.order_versions(partner, order.po_number)
        me = next((d for d in versions if d.id == document_id), None)
        if me is not None and me.amends is not None:
            earlier = next((d for d in versions if d.id == me.amends), None)
            return Amendment(document_id, order.purpose, earlier, applied=True)
        earlier = earlier_order(versions, document_id)
        if order.purpose in _COPIES:
            return Amendment(document_id, order.purpose, None, _copy(order, earlier))
        return Amendment(document_id, order.purpose, earlier, self._refusals(order, versions, earlier))

    def _refusals(self, order: Order, versions: Sequence[StoredOrder],
                  earlier: StoredOrder | None) -> tuple[RuleFinding, ...]:
        po, what = order.po_number, _WORDS[order.purpose]
        if earlier is None:
            retired = [d for d in versions if d.status in (DocumentStatus.CANCELLED, DocumentStatus.SUPERSEDED)]
            if retired:
                return (RuleFinding("rule.purpose.retired", f"a {what} came for PO {po}, but order {retired[-1].id} "
                                    f"for it was already {retired[-1].status.value}", value=po,
                                    hint="check with the buyer which order stands; reject this one if it is a resend"),)
            return (RuleFinding("rule.purpose.unknown_po", f"a {what} came for PO {po}, which we never received",
                                value=po, hint="ask the buyer for the original order, or reject this one"),)
        done = {o.set_id: o for o in self.book.document_outbounds([earlier.id]) if o.set_id in _SHIPPING_SETS}
        if done:
            sent = " and ".join(f"{word} (an {s}, ISA13 {done[s].isa13})" for s, word in _SHIPPING_SETS.items()
                                if s in done)
            return (RuleFinding("rule.purpose.shipped", f"a {what} came for PO {po}, but order {earlier.id} was "
                                f"already {sent}; it cannot be {_DONE[order.purpose]} here", value=po,
                                hint="agree a return or a credit with the buyer, then reject this one"),)
        return ()

    def held(self, partner: str, po_number: str) -> Order | None:
        """The order in force for a PO, as the partner last sent it: what an 860 changes."""
        versions = self.book.order_versions(partner, po_number)
        earlier = earlier_order(versions, max((d.id for d in versions), default=0) + 1)
        return None if earlier is None else loads(Order, earlier.body)

    def apply(self, amendment: Amendment, order: Order) -> None:
        """Retire the earlier order and give its stock back, once; audited on both orders.
        For a cancel (``order``, the later one) what routing sends is saved with it (`cancel_export`)."""
        if not amendment.pending or amendment.earlier is None:
            return
        earlier = amendment.earlier
        export = cancel_export(order, earlier) if amendment.purpose is Purpose.CANCEL else None
        status = DocumentStatus.CANCELLED if amendment.purpose is Purpose.CANCEL else DocumentStatus.SUPERSEDED
        done = self.book.amend_order(earlier.id, amendment.document_id, status,
                                     decided=None if export is None else dumps(export))
        if not done.applied:
            return
        given = ", ".join(f"{a.quantity} {a.sku}" for a in done.released) or "no stock held"
        self.book.record_amendment(earlier.id, f"{status.value} by order {amendment.document_id} (a "
                                   f"{_WORDS[amendment.purpose]}; was {earlier.status.value}); stock given back: "
                                   f"{given}", transmission_id=earlier.transmission_id)
        self.book.record_amendment(amendment.document_id, f"{_DONE[amendment.purpose]} order {earlier.id}")
        if earlier.status is DocumentStatus.HELD and earlier.transmission_id is not None:
            self.book.finish_held_transmission(earlier.transmission_id)


def earlier_order(versions: Sequence[StoredOrder], document_id: int) -> StoredOrder | None:
    """The newest order for the PO received before ``document_id`` that is still in force
    (a cancellation is never an order to amend). A copy (06, 07) still waiting for a specialist
    is passed over while an order it copies stands: a cancel or change after it means that order."""
    live = [d for d in versions if d.id < document_id and d.status in _LIVE and not is_cancel(d)]
    standing = [d for d in live if not (_is_copy(d) and d.status in _WAITING)]
    chosen = standing or live
    return chosen[-1] if chosen else None


def cancel_export(cancel: Order, earlier: StoredOrder | None) -> Order | None:
    """What routing sends for a cancellation: the earlier order as it was routed, marked
    cancelled; None when the earlier order never went out (it was held or rejected)."""
    if earlier is None or earlier.status not in IN_FORCE:
        return None
    sent = loads(Order, earlier.decided or earlier.body)
    return replace(sent, purpose=Purpose.CANCEL, purpose_code=cancel.purpose_code, source=cancel.source)


def is_cancel(doc: StoredOrder) -> bool:
    return doc.key.endswith(f":{Purpose.CANCEL.value}")


def _is_copy(doc: StoredOrder) -> bool:
    return any(doc.key.endswith(f":{p.value}") for p in _COPIES)


def cancel_destinations(book: OrderBook, doc: StoredOrder) -> Callable[[str, str], bool] | None:
    """For a cancel, which destinations (name, format) received the earlier order: every one
    its conditions chose, but a 3PL only if its 940 went out. None for any other order."""
    earlier = doc.amends
    if not is_cancel(doc) or earlier is None:
        return None
    sent = {o.key for o in book.document_outbounds([earlier]) if o.set_id == "940"}
    return lambda name, fmt: fmt != "x12-940" or shipping_order_key(doc.partner, earlier, name) in sent


def order_key(order: Order) -> str:
    """An order's business key: ``PO:purpose``, so the same order sent again is a duplicate.
    A change or a replacement adds a digest of its content (``PO:change@1f0c…``): a buyer
    may change an order several times, and each different change is new, while the same
    change resent (under new control numbers) is still a duplicate."""
    key = f"{order.po_number}:{order.purpose.value}"
    if order.purpose not in (Purpose.CHANGE, Purpose.REPLACE):
        return key
    content = dumps(replace(order, source=None)).encode()
    return f"{key}@{hashlib.sha256(content).hexdigest()[:16]}"


def po_of_key(key: str) -> str:
    """The PO number of an order key made by `order_key` (``PO:purpose``; a PO may hold colons)."""
    return key.rsplit(":", 1)[0]


def _copy(order: Order, earlier: StoredOrder | None) -> tuple[RuleFinding, ...]:
    if earlier is None:
        return ()
    return (RuleFinding("rule.purpose.copy", f"PO {order.po_number} is a {_WORDS[order.purpose]} (BEG01 "
                        f"{order.purpose_code}) of order {earlier.id}, which we hold; nothing was shipped twice",
                        value=order.po_number, hint="reject it if it is a copy, release it if the buyer means a "
                        "second order"),)


_WORDS = {Purpose.CANCEL: "cancellation", Purpose.CHANGE: "change", Purpose.REPLACE: "replacement",
          Purpose.CONFIRMATION: "confirmation", Purpose.DUPLICATE: "duplicate", Purpose.ORIGINAL: "original",
          Purpose.OTHER: "order"}
_DONE = {Purpose.CANCEL: "cancelled", Purpose.CHANGE: "changed", Purpose.REPLACE: "replaced"}
