"""An order once stored, decided: its partner's rules, its purpose (`edigate.orders.purposes`)
and its stock (`edigate.orders.inventory`), over an order book.

This is the whole of the "decide" arrow for a stored order, and what the domain's tests
drive on the in-memory book; the pipeline reaches it through the partner's `PartnerSetup`.
"""

from __future__ import annotations

import datetime as dt

from edigate.model import Order, Purpose
from edigate.orders.decision import Decision, with_export
from edigate.orders.inventory import Inventory
from edigate.orders.purposes import Amendments
from edigate.orders.rules import RuleSet, check_order

__all__ = ["decide_stored"]


def decide_stored(order: Order, document_id: int, partner: str, rules: RuleSet, stock: Inventory, *,
                  today: dt.date) -> Decision:
    """The decision on ``order`` (stored as ``document_id``): a cancel, change or replace is
    checked against the earlier order and, once the order is accepted, applied to it before
    the order takes its stock. An accepted order's ``export`` is the order as the 855 commits
    to it (what routing sends)."""
    amendments = Amendments(stock.book)
    amendment = amendments.check(order, document_id, partner)
    findings = [*(() if order.purpose is Purpose.CANCEL  # a cancel's content is not ours to judge any more
                  else check_order(order, rules, today=today)), *amendment.findings]
    decision = stock.promise(order, document_id, findings, rules, today=today,
                             on_accepted=lambda: amendments.apply(amendment, order))
    return with_export(order, decision, rules)
