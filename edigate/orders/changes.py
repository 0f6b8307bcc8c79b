"""An 860 applied to the order it names: the order as the buyer now wants it.

The result is an `Order` whose purpose is the 860's (BCH01: 04 change, 01 cancel, 05
replace), so the gateway decides, stocks, routes and answers it exactly as it would an
850 change (`edigate.orders.purposes`): the earlier order is superseded (or cancelled) and gives
its stock back, and the changed one is decided afresh. Its ``source.set_id`` is ``860``,
so its answer is an 865.

- a change keeps every line the 860 does not name; POC02 ``DI`` deletes a line, ``AI``
  adds one (or replaces the line of that number), any other code replaces the values the
  POC sends (quantity, unit, price, ids, dates) and keeps the rest;
- header values the 860 sends (dates, parties, references, notes) replace the order's;
- a replacement (05) takes the 860's lines as the whole order;
- with no order held for the PO, the 860 stands alone (every line it sends but those it
  deletes), and the rules report the PO as unknown, as for an 850 change;
- a line it cannot apply (added without a quantity or unit, changed or deleted but not on
  the order) is a finding (``map.change``), never a silent success: an error when the line
  would be lost, a warning when a deleted line was not there anyway.
"""

from __future__ import annotations

import dataclasses
from dataclasses import replace
from decimal import Decimal
from typing import Any

from edigate.mapping.findings import MapFinding, Severity
from edigate.model import Dates, LineAck, LineChange, LineStatus, Order, OrderChange, OrderLine, PoAck, Purpose

__all__ = ["apply_change", "line_from_change", "with_deleted_lines"]

_HEADER = ("buyer", "seller", "ship_to", "bill_to", "ship_from", "mark_for")


def apply_change(change: OrderChange, earlier: Order | None) -> tuple[Order, list[MapFinding]]:
    """The order ``change`` makes of ``earlier`` (None when no order is held for the PO),
    and the lines it could not apply."""
    base = earlier or Order(change.po_number, change.po_date)
    problems: list[MapFinding] = []
    if change.purpose is Purpose.REPLACE:
        lines = tuple(line for c in change.lines if (line := _new_line(c, problems)) is not None)
    else:
        lines = _changed_lines(base.lines, change.lines, problems, held=earlier is not None)
    header: dict[str, Any] = {name: getattr(change, name) for name in _HEADER if getattr(change, name)}
    if change.other_parties:
        header["other_parties"] = change.other_parties
    source = change.source and replace(change.source, set_id="860")
    order = replace(base, purpose=change.purpose, purpose_code=change.purpose_code,
                    order_type=change.order_type or base.order_type,
                    release_number=change.release_number or base.release_number,
                    dates=_dates(base.dates, change.dates),
                    references=_merged(base.references, change.references, lambda r: r.qualifier),
                    notes=(*base.notes, *change.notes), lines=lines, source=source, **header)
    return order, problems


def _changed_lines(lines: tuple[OrderLine, ...], changes: tuple[LineChange, ...], problems: list[MapFinding],
                   *, held: bool) -> tuple[OrderLine, ...]:
    by_number = {line.line_number: line for line in lines}
    order = [line.line_number for line in lines]
    for change in changes:
        current = by_number.get(change.line_number)
        if change.deletes:
            if by_number.pop(change.line_number, None) is None and held:
                problems.append(_problem(change, "deletes a line the order does not have", Severity.WARNING))
            continue
        line = _new_line(change, problems) if change.adds or current is None else _changed_line(current, change)
        if line is None:
            continue
        if change.line_number not in by_number and change.line_number not in order:
            order.append(change.line_number)
        by_number[change.line_number] = line
    return tuple(by_number[n] for n in order if n in by_number)


def _new_line(change: LineChange, problems: list[MapFinding]) -> OrderLine | None:
    line = line_from_change(change)
    if line is None:
        problems.append(_problem(change, f"{'adds' if change.adds else 'changes'} a line the order does not "
                                         "have, without the quantity and unit a new line needs", Severity.ERROR))
    return line


def _problem(change: LineChange, what: str, severity: Severity) -> MapFinding:
    return MapFinding("map.change", f"POC line {change.line_number} ({change.change_code}) {what}", "line",
                      severity, segment_id="POC", element=1, value=change.line_number,
                      hint="ask the buyer which line is meant; the order they hold may differ from ours")


def line_from_change(change: LineChange) -> OrderLine | None:
    """A new order line from a POC (None when it lacks a quantity or a unit)."""
    if change.quantity is None or not change.uom:
        return None
    return OrderLine(change.line_number, change.quantity, change.uom, change.unit_price, change.price_basis,
                     change.product_ids, change.description, dates=change.dates,
                     references=change.references, notes=change.notes)


def _changed_line(line: OrderLine, change: LineChange) -> OrderLine:
    """The held line with the values the POC sends put in place of its own."""
    sent: dict[str, Any] = {name: value for name in ("quantity", "uom", "unit_price", "price_basis",
                                                     "description")
                            if (value := getattr(change, name)) is not None}
    if change.product_ids:
        sent["product_ids"] = type(line.product_ids)(_merged(line.product_ids, change.product_ids, lambda p: p[0]))
    return replace(line, dates=_dates(line.dates, change.dates),
                   references=_merged(line.references, change.references, lambda r: r.qualifier),
                   notes=(*line.notes, *change.notes), **sent)


def _dates(held: Dates, sent: Dates) -> Dates:
    """Dates moved: each date the 860 sends replaces the held one of its kind."""
    values = {f.name: getattr(sent, f.name) for f in dataclasses.fields(Dates)
              if f.name != "other" and getattr(sent, f.name) is not None}
    other = _merged(held.other, sent.other, lambda d: d[0])
    return replace(held, other=other, **values)


def _merged(held: tuple[Any, ...], sent: tuple[Any, ...], key: Any) -> tuple[Any, ...]:
    """``held`` with every item whose key the 860 sends replaced by the 860's items."""
    keys = {key(item) for item in sent}
    return (*(item for item in held if key(item) not in keys), *sent)


def with_deleted_lines(ack: PoAck, earlier: Order, changed: Order) -> PoAck:
    """The answer to a change, with each line the change deleted acknowledged as deleted
    (ACK ID, quantity 0), so the 865 answers every line the buyer named."""
    kept = {line.line_number for line in changed.lines}
    gone = tuple(LineAck(line.line_number, LineStatus.DELETED, Decimal(0), line.uom, product_ids=line.product_ids,
                         ordered_quantity=Decimal(0)) for line in earlier.lines if line.line_number not in kept)
    return replace(ack, lines=(*ack.lines, *gone)) if gone else ack
