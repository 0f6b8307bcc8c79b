"""A specialist's corrections of a held order, and how its 855 says them.

An `Override` changes one line (price, quantity, unit, item, its dates) or the order (ship-to,
its dates). A change of unit converts the quantity and the price together, so the line's
amount stays what the buyer ordered: by the conversion the partner's map declares
(``units:``, `edigate.orders.units`) when it declares one, else between a pack unit (CA, BX,
PK, CT) and eaches by the line's pack (PO401, inner units per outer pack) or else the catalog
item's pack, between dozens and eaches by 12; `Conversion` says which was used.
`acknowledge` then answers each changed line of the 855: IS for another item, IQ for
another quantity, IC for the same quantity in another unit, IP for another price, DR with
the new date for a date moved; a new ship-to makes the 855 say "accepted with changes" and
carries the new N1*ST.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, replace
from decimal import Decimal, InvalidOperation
from fractions import Fraction
from typing import Any

from edigate.errors import UsageError
from edigate.model import Order, OrderLine, Party, PoAck
from edigate.model.ack import AckType, LineAck, LineStatus
from edigate.model.common import Dates, PartyIds, ProductIds
from edigate.orders.rules import CatalogItem, RuleSet
from edigate.orders.units import UnitTable, plain

__all__ = ["PACK_UNITS", "Conversion", "Override", "acknowledge", "apply_override", "conversion", "unit_conversion",
           "unit_factor"]

PACK_UNITS = frozenset({"CA", "BX", "PK", "CT"})
"""Units that hold a pack of eaches: converted by the line's or the item's pack."""
_FIXED = {("DZ", "EA"): Fraction(12)}
_PRICE_PLACES = Decimal("0.0001")


@dataclass(frozen=True, slots=True)
class Override:
    """What a specialist changes; None leaves it as it is. ``line`` is needed for the line's
    fields (price, quantity, unit, item) and puts the dates on that line instead of the order."""

    line: str | None = None
    price: Decimal | None = None
    quantity: Decimal | None = None
    unit: str | None = None
    item: str | None = None
    """Our SKU, from the catalog."""
    ship_to: str | None = None
    """A store or DC number, under the partner's ship-to qualifier."""
    ship_date: dt.date | None = None
    deliver_date: dt.date | None = None
    cancel_after: dt.date | None = None

    @property
    def is_empty(self) -> bool:
        return all(getattr(self, name) is None for name in self.__slots__ if name != "line")

    @property
    def on_line(self) -> bool:
        return any(v is not None for v in (self.price, self.quantity, self.unit, self.item))


@dataclass(frozen=True, slots=True)
class Conversion:
    """How a line's unit was converted: ``factor`` ``into`` per ``unit``, and what said so."""

    line: str
    unit: str
    into: str
    factor: Fraction
    by: str
    """``map`` (its ``units:``), ``po4`` (the line's pack), ``catalog`` (the item's pack) or ``fixed`` (DZ)."""
    source: str
    """In words: ``maps/bigbox-850.yaml:14``, ``the line's PO4 pack``, ``the catalog's pack of ACM-1001``."""

    def json(self) -> dict[str, str]:
        factor = str(self.factor.numerator) if self.factor.denominator == 1 else str(self.factor)
        return {"line": self.line, "from": self.unit, "to": self.into, "factor": factor, "by": self.by,
                "source": self.source}


def unit_conversion(order: Order, change: Override, rules: RuleSet) -> Conversion | None:
    """The conversion ``change``'s new unit takes (None when it changes no unit); raises
    `UsageError` as `apply_override` does when there is none."""
    if change.unit is None or change.line is None:
        return None
    line = _line(order, change.line)
    if change.unit == line.uom:
        return None
    if change.item is not None:
        line = replace(line, product_ids=_with_ids(line.product_ids, {"VN": change.item}))
    return conversion(line, line.uom, change.unit, _known(rules, line), rules.units)


def apply_override(order: Order, change: Override, rules: RuleSet) -> tuple[Order, tuple[str, ...]]:
    """``order`` with ``change`` made, and each change said as "what old -> new" for the audit."""
    if change.is_empty:
        raise UsageError("nothing to override: give --price, --quantity, --unit, --item, --ship-to or a date")
    said: list[str] = []
    if change.on_line or (change.line is not None):
        line = _line(order, change.line)
        new = _changed_line(line, change, rules, said)
        order = replace(order, lines=tuple(new if n.line_number == line.line_number else n for n in order.lines))
    else:
        order = replace(order, dates=_dates(order.dates, change, said, "order"))
    if change.ship_to is not None:
        order = replace(order, ship_to=_ship_to(order.ship_to, change.ship_to, rules, said))
    return order, tuple(said)


def _line(order: Order, number: str | None) -> OrderLine:
    if number is None:
        raise UsageError("--price, --quantity, --unit and --item change a line: give --line N")
    for line in order.lines:
        if line.line_number == number:
            return line
    raise UsageError(f"the order has no line {number}; its lines are {', '.join(n.line_number for n in order.lines)}")


def _changed_line(line: OrderLine, change: Override, rules: RuleSet, said: list[str]) -> OrderLine:
    n = line.line_number
    new = line
    if change.item is not None:
        item = _catalog_item(rules, change.item)
        new = replace(new, product_ids=_with_ids(line.product_ids, {"VN": item.sku, "UP": item.upc}))
        said.append(f"line {n} item {line.product_ids.vendor_part or '-'} -> {item.sku}")
    if change.unit is not None and change.unit != line.uom:
        factor = conversion(line, line.uom, change.unit, _known(rules, new), rules.units).factor
        quantity = line.quantity * factor.numerator / factor.denominator
        if change.quantity is None and quantity != quantity.to_integral_value():
            raise UsageError(f"line {n}: {line.quantity} {line.uom} is {quantity.normalize()} {change.unit}, not a "
                             f"whole number; give --quantity in {change.unit} too")
        price = None if line.unit_price is None else \
            plain((line.unit_price * factor.denominator / factor.numerator).quantize(_PRICE_PLACES))
        new = replace(new, uom=change.unit, quantity=plain(quantity), unit_price=price)
        said.append(f"line {n} unit {line.quantity} {line.uom} at {line.unit_price} -> {new.quantity} "
                    f"{change.unit} at {price}")
    if change.quantity is not None:
        if not change.quantity > 0:
            raise UsageError(f"line {n}: quantity {change.quantity} is not positive; reject the order instead")
        said.append(f"line {n} quantity {new.quantity} -> {change.quantity}")
        new = replace(new, quantity=change.quantity)
    if change.price is not None:
        said.append(f"line {n} price {new.unit_price} -> {change.price}")
        new = replace(new, unit_price=change.price)
    dates = _dates(line.dates, change, said, f"line {n}")
    return replace(new, dates=dates) if dates != line.dates else new


def _with_ids(ids: ProductIds, values: dict[str, str]) -> ProductIds:
    """``ids`` with each qualifier of ``values`` set (in place, or added); empty values skipped."""
    values = {q: v for q, v in values.items() if v}
    pairs = [(q, values.pop(q)) if q in values else (q, v) for q, v in ids]
    return ProductIds((*pairs, *values.items()))


def unit_factor(line: OrderLine, old: str, new: str, item: CatalogItem | None,
                units: UnitTable | None = None) -> Fraction:
    """How many ``new`` units one ``old`` unit of ``line`` is (exact: 1/3 stays a third)."""
    return conversion(line, old, new, item, units).factor


def conversion(line: OrderLine, old: str, new: str, item: CatalogItem | None,
               units: UnitTable | None = None) -> Conversion:
    """How ``line`` converts from ``old`` to ``new``: the map's declaration first (it wins over
    the line's PO4 and the catalog), then the built-in rules."""
    n = line.line_number
    sku = item.sku if item is not None else (line.product_ids.vendor_part or line.product_ids.sku)
    declared = units.factor(line, sku, old, new) if units is not None else None
    if declared is not None:
        return Conversion(n, old, new, declared[0], "map", declared[1].place)
    if (old, new) in _FIXED:
        return Conversion(n, old, new, _FIXED[old, new], "fixed", f"12 {new} to the {old}")
    if (new, old) in _FIXED:
        return Conversion(n, old, new, 1 / _FIXED[new, old], "fixed", f"12 {old} to the {new}")
    pack = line.pack.pack if line.pack is not None and line.pack.pack else None
    by, source = "po4", "the line's PO4 pack"
    if pack is None and item is not None and item.uom in PACK_UNITS and item.pack > 1:
        by, source, pack = "catalog", f"the catalog's pack of {item.sku}", item.pack
    if old in PACK_UNITS and new == "EA" and pack:
        return Conversion(n, old, new, Fraction(pack), by, f"{source} ({pack})")
    if old == "EA" and new in PACK_UNITS and pack:
        return Conversion(n, old, new, Fraction(1, pack), by, f"{source} ({pack})")
    where = units.where if units is not None else "the `units:` section of the partner's inbound 850 map"
    raise UsageError(f"line {n}: no conversion from {old} to {new} (the partner's map declares none, and the "
                     f"line's PO4 and the catalog give no pack for it); declare it in {where}, or give "
                     f"--quantity and --price in {new} too", code="orders.override.unit")


def _known(rules: RuleSet, line: OrderLine) -> CatalogItem | None:
    return rules.catalog.find(line) if rules.catalog is not None else None


def _catalog_item(rules: RuleSet, sku: str) -> CatalogItem:
    if rules.catalog is None:
        raise UsageError("the partner has no catalog (rules.catalog): an item override needs one to check the SKU")
    item = rules.catalog.items.get(sku)
    if item is None:
        raise UsageError(f"no catalog item {sku!r}")
    return item


def _dates(dates: Dates, change: Override, said: list[str], where: str) -> Dates:
    for name, value in (("requested_ship", change.ship_date), ("requested_delivery", change.deliver_date),
                        ("cancel_after", change.cancel_after)):
        if value is not None:
            said.append(f"{where} {name.replace('_', ' ')} {getattr(dates, name) or '-'} -> {value}")
            moved: dict[str, Any] = {name: value}
            dates = replace(dates, **moved)
    return dates


def _ship_to(party: Party | None, store: str, rules: RuleSet, said: list[str]) -> Party:
    if rules.stores and store not in rules.stores:
        raise UsageError(f"store {store!r} is not in the partner's store list")
    qualifier = (rules.rules.ship_to.n1_qualifier if rules.rules.ship_to else None) or "92"
    old = party.ids.get(qualifier) if party is not None else None
    said.append(f"ship-to {old or '-'} -> {store}")
    return Party(role=party.role if party is not None else "ST", ids=PartyIds(((qualifier, store),)))


def acknowledge(ack: PoAck, original: Order, current: Order, units: UnitTable | None = None) -> PoAck:
    """``ack`` (the 855 of ``current``, the order as overridden) saying, line by line, what
    the overrides changed from ``original``, the order as received (a unit converted as the
    override did, by the map's ``units`` first)."""
    before = {n.line_number: n for n in original.lines}
    now = {n.line_number: n for n in current.lines}
    header_moved = current.dates != original.dates
    lines = tuple(_answered(a, before.get(a.line_number), now.get(a.line_number), current, header_moved, units)
                  for a in ack.lines)
    changed = current.ship_to != original.ship_to or any(a.status is not LineStatus.ACCEPTED for a in lines)
    ack_type = AckType.ACCEPTED_WITH_CHANGES if changed and ack.ack_type is AckType.ACCEPTED_NO_CHANGE else ack.ack_type
    return replace(ack, lines=lines, ack_type=ack_type)


def _answered(a: LineAck, was: OrderLine | None, now: OrderLine | None, current: Order,
              header_moved: bool, units: UnitTable | None) -> LineAck:
    if was is None or now is None or a.status is not LineStatus.ACCEPTED:
        return a
    if now.product_ids.vendor_part != was.product_ids.vendor_part:
        return replace(a, status=LineStatus.SUBSTITUTED, ordered_quantity=now.quantity)
    if now.uom != was.uom:
        same = _same_amount(was, now, units)
        status = LineStatus.CHANGES_MADE if now.quantity == same else LineStatus.QUANTITY_CHANGED
        return replace(a, status=status, ordered_quantity=same)
    if now.quantity != was.quantity:
        return replace(a, status=LineStatus.QUANTITY_CHANGED, ordered_quantity=was.quantity)
    if now.unit_price != was.unit_price:
        return replace(a, status=LineStatus.PRICE_CHANGED)
    ship = now.dates.requested_ship or current.dates.requested_ship
    if (now.dates != was.dates or header_moved) and ship is not None:
        return replace(a, status=LineStatus.DATE_RESCHEDULED, scheduled_date=ship)
    return a


def _same_amount(was: OrderLine, now: OrderLine, units: UnitTable | None) -> Decimal:
    """The quantity ordered, in the unit the line is now in (so PO1 and ACK speak one unit)."""
    try:
        factor = unit_factor(was, was.uom, now.uom, None, units)
        return plain(was.quantity * factor.numerator / factor.denominator)
    except (UsageError, InvalidOperation):
        return now.quantity
