"""On time, in full: each order judged against its shipments.

An order is judged when it has a requested ship date (DTM 010, else ship-no-later 038),
was not rejected, and has shipped or is past that date. It is *on time* when its first
shipment's ship date is on or before the requested date, and *in full* when by that date
every line shipped its ordered quantity. Shipments carry each line's ordered quantity,
and `edigate.orders.fulfillment` refuses to ship more than ordered, so only the order's line
count is read from the order itself; order JSON is never decoded here.
"""

from __future__ import annotations

import datetime as dt
import json
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation

from edigate.orders.purposes import po_of_key
from edigate.store import DocumentStatus, Store
from edigate.store.reports import OrderFacts, Period

__all__ = ["Judged", "judge_fulfillment"]


@dataclass(frozen=True, slots=True)
class Judged:
    on_time: bool
    in_full: bool


@dataclass
class _Shipped:
    """What shipped of one PO: ship dates, and per line (date, quantity, quantity ordered)."""

    dates: list[dt.date] = field(default_factory=list)
    lines: list[tuple[dt.date, str, Decimal, Decimal | None]] = field(default_factory=list)


def judge_fulfillment(store: Store, period: Period, facts: Sequence[OrderFacts],
                       today: dt.date) -> dict[int, Judged]:
    """On time and in full for each order that has a requested ship date, was not
    rejected, and has shipped or is past its date; others are not judged."""
    due = [(f, d) for f in facts if f.status is not DocumentStatus.REJECTED
           and (d := _date(f.requested_ship)) is not None]
    if not due:
        return {}
    shipped = _shipments(store, period, {(f.partner, po_of_key(f.key)) for f, _ in due})
    judged = {}
    for f, requested in due:
        mine = shipped.get((f.partner, po_of_key(f.key)))
        if mine is not None:
            judged[f.document_id] = _judge(mine, f.line_count, requested)
        elif requested < today:
            judged[f.document_id] = Judged(False, False)
    return judged


def _judge(shipped: _Shipped, line_count: int | None, requested: dt.date) -> Judged:
    """Shipments carry each line's ordered quantity, and no line ships more than ordered
    (`edigate.orders.fulfillment` refuses it): in full means every line of the order shipped its
    quantity by the requested date."""
    by_line: dict[str, Decimal] = defaultdict(Decimal)
    ordered: dict[str, Decimal | None] = {}
    for day, line, quantity, asked in shipped.lines:
        if day <= requested:
            by_line[line] += quantity
            ordered[line] = asked
    on_time = min(shipped.dates) <= requested
    full = all(q >= (ordered[line] or q) and q > 0 for line, q in by_line.items())
    return Judged(on_time, on_time and full and len(by_line) >= (line_count or 1))


def _shipments(store: Store, period: Period, wanted: set[tuple[str, str]]) -> dict[tuple[str, str], _Shipped]:
    found: dict[tuple[str, str], _Shipped] = {}
    for s in store.shipment_lines(period):
        day = _date(s.ship_date)
        if day is None:
            continue
        for order in json.loads(s.orders_json):
            key = (s.partner, order.get("po_number", ""))
            if key not in wanted:
                continue
            entry = found.setdefault(key, _Shipped())
            entry.dates.append(day)
            items = [*order.get("items", ()), *(i for c in order.get("cartons", ()) for i in c.get("items", ()))]
            entry.lines += [(day, i["line_number"], _decimal(i.get("quantity_shipped")),
                             _decimal(i["ordered_quantity"]) if i.get("ordered_quantity") is not None else None)
                            for i in items]
    return found


def _decimal(value: object) -> Decimal:
    try:
        return Decimal(str(value))
    except InvalidOperation:
        return Decimal(0)


def _date(text: str | None) -> dt.date | None:
    try:
        return dt.date.fromisoformat(text) if text else None
    except ValueError:
        return None

