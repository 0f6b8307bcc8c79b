"""What happens to an order after the business rules: accept, hold or reject, and the 855.

The partner's policy decides: ``hold`` puts an order with findings in the exception queue
for a specialist (no 855 until released); ``reject`` answers RJ; ``accept_with_changes``
accepts what can be accepted, answering IP (our price), IQ (quantity rounded up to the
pack, or cut to the stock available), IB (backordered, with the date more stock comes) or
IR (an item we cannot sell, or none in stock to cut to) per line, and AC for the order.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass, replace
from decimal import Decimal
from enum import StrEnum

from edigate.model import AckType, LineAck, LineStatus, Order, OrderLine, PoAck, Purpose
from edigate.orders.rules import Policy, RuleFinding, RuleSet
from edigate.orders.units import converted

__all__ = ["AMENDING", "Decision", "Outcome", "as_decided", "decide", "po_ack", "with_export"]

_LINE_REJECTING = frozenset({"rule.sku.unknown", "rule.sku.inactive", "rule.uom.mismatch"})
_ORDER_REJECTING = frozenset({"rule.ship_to.missing", "rule.ship_to.store_missing", "rule.ship_to.store_unknown",
                              "rule.ship_to.incomplete", "rule.ship_to.po_box", "rule.dates.past",
                              "rule.dates.window", "rule.purpose.unknown_po", "rule.purpose.shipped",
                              "rule.purpose.retired"})
AMENDING = frozenset({Purpose.CANCEL, Purpose.CHANGE, Purpose.REPLACE})
"""The purposes that act on an earlier order; a 855 answering one echoes it (BAK01)."""
_NEEDS_A_PERSON = frozenset({"rule.purpose.copy"})
"""Findings held for a specialist whatever the partner's policy: answering them is a judgment."""


class Outcome(StrEnum):
    ACCEPTED = "accepted"
    HELD = "held"
    REJECTED = "rejected"


@dataclass(frozen=True, slots=True)
class Decision:
    """The outcome for one order, the findings behind it, and the 855 to send (if any)."""

    outcome: Outcome
    findings: tuple[RuleFinding, ...]
    ack: PoAck | None
    export: Order | None = None
    """What routing sends when that is not the order as received (see `as_decided`)."""


def decide(order: Order, findings: Sequence[RuleFinding], policy: Policy, *, today: dt.date) -> Decision:
    """Apply the partner's policy to an order and its rule findings."""
    found = tuple(findings)
    if not found:
        return Decision(Outcome.ACCEPTED, found, po_ack(order, found, today=today))
    if policy == "hold" or any(f.code in _NEEDS_A_PERSON for f in found):
        return Decision(Outcome.HELD, found, None)
    if policy == "reject" or any(f.code in _ORDER_REJECTING for f in found):
        return Decision(Outcome.REJECTED, found, po_ack(order, found, today=today, reject=True))
    ack = po_ack(order, found, today=today)
    accepted = any(not line.status.is_rejection for line in ack.lines)
    return Decision(Outcome.ACCEPTED if accepted else Outcome.REJECTED, found, ack)


def po_ack(order: Order, findings: Sequence[RuleFinding], *, today: dt.date, reject: bool = False) -> PoAck:
    """The 855 for ``order``: per line what we accept, change or refuse."""
    by_line: dict[str, list[RuleFinding]] = {}
    for f in findings:
        by_line.setdefault(f.line or "", []).append(f)
    lines = tuple(_line_ack(line, by_line.get(line.line_number, []), reject) for line in order.lines)
    if reject:
        ack_type = AckType.REJECTED_WITH_DETAIL
    elif order.purpose is Purpose.CANCEL:
        ack_type, lines = AckType.ACCEPTED, tuple(replace(a, status=LineStatus.DELETED, quantity=Decimal(0))
                                                  for a in lines)
    elif all(line.status is LineStatus.ACCEPTED for line in lines):
        ack_type = AckType.ACCEPTED_NO_CHANGE
    else:
        ack_type = AckType.ACCEPTED_WITH_CHANGES
    echoed = order.purpose in AMENDING  # BAK01 is the 855's own purpose: it cancels, changes or replaces ours
    return PoAck(po_number=order.po_number, po_date=order.po_date, ack_type=ack_type, ack_date=today,
                 purpose=order.purpose if echoed else Purpose.ORIGINAL,
                 purpose_code=(order.purpose_code or "00") if echoed else "00", buyer=order.buyer,
                 seller=order.seller, ship_to=order.ship_to, lines=lines, source=order.source)


def with_export(order: Order, decision: Decision, rules: RuleSet) -> Decision:
    """``decision`` with its ``export``, when the order as decided differs from ``order``:
    an accepted order as its 855 commits to it (`as_decided`), which routing sends."""
    export = as_decided(order, decision.ack, rules) if decision.outcome is Outcome.ACCEPTED else order
    return decision if export is order else replace(decision, export=export)


def as_decided(order: Order, ack: PoAck | None, rules: RuleSet | None = None) -> Order:
    """The order as decided: each line at the quantity and price its 855 line commits to,
    refused lines left out, and in the catalog's unit where the partner's map declares the
    conversion (``rules.units``; the 855 answers in the buyer's); ``order`` itself when the
    decision changed nothing."""
    if ack is None or ack.purpose is Purpose.CANCEL:
        return order
    decided = _as_acked(order, ack)
    if rules is None or rules.catalog is None:
        return decided
    lines = tuple(_in_our_unit(line, rules) for line in decided.lines)
    return decided if lines == decided.lines else replace(decided, lines=lines)


def _in_our_unit(line: OrderLine, rules: RuleSet) -> OrderLine:
    item = rules.catalog.find(line) if rules.catalog is not None else None
    if item is None or item.uom == line.uom:
        return line
    declared = rules.units.factor(line, item.sku, line.uom, item.uom)
    return (converted(line, item.uom, declared[0]) or line) if declared is not None else line


def _as_acked(order: Order, ack: PoAck) -> Order:
    by_line = {a.line_number: a for a in ack.lines}
    lines: list[OrderLine] = []
    for line in order.lines:
        a = by_line.get(line.line_number)
        if a is None:
            lines.append(line)
        elif not a.status.is_rejection:
            lines.append(replace(line, quantity=a.quantity, unit_price=a.unit_price)
                         if (a.quantity, a.unit_price) != (line.quantity, line.unit_price) else line)
    return order if lines == list(order.lines) else replace(order, lines=tuple(lines))


def _line_ack(line: OrderLine, findings: list[RuleFinding], reject: bool) -> LineAck:
    codes = {f.code: f for f in findings}
    price = line.unit_price
    if "rule.price.mismatch" in codes:
        price = Decimal(codes["rule.price.mismatch"].expected or price or 0)
    quantity = Decimal(codes["rule.qty.pack"].expected or line.quantity) if "rule.qty.pack" in codes else line.quantity
    scheduled: dt.date | None = None
    if "rule.atp.short" in codes:
        quantity = Decimal(codes["rule.atp.short"].expected or 0)
    if reject or codes.keys() & _LINE_REJECTING or "rule.qty.minimum" in codes or quantity <= 0:
        status, quantity = LineStatus.REJECTED, Decimal(0)
    elif "rule.atp.backorder" in codes:
        status, expected = LineStatus.BACKORDERED, codes["rule.atp.backorder"].expected
        scheduled = dt.date.fromisoformat(expected) if expected else None
    elif quantity != line.quantity:
        status = LineStatus.QUANTITY_CHANGED
    elif price != line.unit_price:
        status = LineStatus.PRICE_CHANGED
    else:
        status = LineStatus.ACCEPTED
    return LineAck(line_number=line.line_number, status=status, quantity=quantity, uom=line.uom, unit_price=price,
                   scheduled_date=scheduled, product_ids=line.product_ids, ordered_quantity=line.quantity)
