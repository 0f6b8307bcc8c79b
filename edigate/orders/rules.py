"""Business validation of canonical orders: catalog, UOM, price, pack, ship-to, dates.

Each partner's ``rules:`` block says which checks run and how strictly; the reference data
they use (our catalog, with prices and pack sizes; known store and DC numbers) comes from
CSV files named there. Every problem is a `RuleFinding` with a code, the order line it
concerns and plain words; what to do with an order that has findings (hold, reject,
accept with changes) is `edigate.orders.decision`'s business.

Available to promise (``rules.atp``) needs the store: `edigate.orders.inventory` allocates each
line's stock there and hands back what it got as `Availability`; `check_availability`
turns a short line into a finding here, like every other rule.
"""

from __future__ import annotations

import csv
import dataclasses
import datetime as dt
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from decimal import ROUND_CEILING, Decimal, InvalidOperation
from fractions import Fraction
from pathlib import Path
from typing import Literal, TypeVar

from edigate.config.schema import build, setting
from edigate.config.yamlsource import Document, Map, Node, Scalar
from edigate.errors import ConfigError, ConfigProblem
from edigate.model import Order, OrderLine, Party
from edigate.orders.units import UnitTable, converted, plain

__all__ = [
    "AtpRule", "Availability", "Catalog", "CatalogItem", "RuleFinding", "RuleSet", "Rules", "check_availability",
    "check_order", "load_rules", "stock_sku",
]

Policy = Literal["hold", "reject", "accept_with_changes"]
_PLACES = Decimal("0.0001")
_T = TypeVar("_T")


@dataclass(frozen=True, slots=True)
class RuleFinding:
    """One business problem of an order: ``line`` is PO101 as sent, None for the header.

    Where it stands (PO number, control numbers, SKU and buyer item, segment) is filled in
    by `edigate.mapping.locate` once the order's rules have run.
    """

    code: str
    message: str
    line: str | None = None
    field: str = ""
    value: str | None = None
    expected: str | None = None
    hint: str = ""
    po_number: str | None = dataclasses.field(default=None, kw_only=True)
    isa13: str | None = dataclasses.field(default=None, kw_only=True)
    gs06: str | None = dataclasses.field(default=None, kw_only=True)
    st02: str | None = dataclasses.field(default=None, kw_only=True)
    sku: str | None = dataclasses.field(default=None, kw_only=True)
    """Our SKU for the line (the catalog's, else the vendor part, SKU or UPC sent)."""
    buyer_item: str | None = dataclasses.field(default=None, kw_only=True)
    """The buyer's own item number for the line (PO1 IN, else BP, else UPC)."""
    segment_id: str | None = dataclasses.field(default=None, kw_only=True)
    segment_position: int | None = dataclasses.field(default=None, kw_only=True)
    """The segment's position in its set, ST being 1."""
    element: int | None = dataclasses.field(default=None, kw_only=True)

    def __str__(self) -> str:
        po = f"PO {self.po_number} " if self.po_number else ""
        line = f"line {self.line} " if self.line else ""
        item = f"({self.sku or self.buyer_item}) " if self.sku or self.buyer_item else ""
        where = f"{po}{line}{item}".rstrip()
        return (f"{where}: " if where else "") + f"{self.code}: {self.message}" + (f"; {self.hint}" if self.hint else "")


@dataclass(frozen=True, slots=True)
class CatalogItem:
    """One sellable item as our catalog knows it."""

    sku: str
    upc: str = ""
    active: bool = True
    uom: str = "EA"
    pack: int = 1
    min_qty: Decimal = Decimal(1)
    price: Decimal | None = None


@dataclass(frozen=True, slots=True)
class Catalog:
    """Items by our SKU and by UPC."""

    items: Mapping[str, CatalogItem]
    by_upc: Mapping[str, CatalogItem]

    @classmethod
    def load(cls, path: Path) -> Catalog:
        """Read a CSV with columns sku, upc, active, uom, pack, min_qty, price."""
        items: dict[str, CatalogItem] = {}
        try:
            with path.open(newline="", encoding="utf-8") as fh:
                for n, row in enumerate(csv.DictReader(fh), 2):
                    item = _catalog_item(row, path, n)
                    items[item.sku] = item
        except OSError as exc:
            raise ConfigError(f"{path}: cannot read the catalog: {exc.strerror}") from exc
        return cls(items, {i.upc: i for i in items.values() if i.upc})

    def find(self, line: OrderLine) -> CatalogItem | None:
        ids, items = line.product_ids, self.items
        for sku in (ids.vendor_part, ids.sku):
            if sku and (item := items.get(sku)) is not None:
                return item
        return self.by_upc.get(ids.upc or "")


def _catalog_item(row: Mapping[str, str], path: Path, n: int) -> CatalogItem:
    try:
        return CatalogItem(
            sku=row["sku"].strip(), upc=(row.get("upc") or "").strip(),
            active=(row.get("active") or "yes").strip().lower() in ("yes", "true", "1", "y"),
            uom=(row.get("uom") or "EA").strip(), pack=int(row.get("pack") or 1),
            min_qty=Decimal(row.get("min_qty") or 1),
            price=Decimal(row["price"]) if row.get("price") else None)
    except (KeyError, ValueError, InvalidOperation) as exc:
        raise ConfigError([ConfigProblem(str(path), n, "", f"bad catalog row: {exc}")]) from exc


@dataclass(frozen=True, slots=True, kw_only=True)
class CatalogRule:
    file: str = setting(hint="a CSV with columns sku, upc, active, uom, pack, min_qty, price")
    check_pack: bool = True


@dataclass(frozen=True, slots=True, kw_only=True)
class PriceRule:
    tolerance_percent: float = setting(0.0, minimum=0)
    file: str | None = setting(None, hint="a CSV with columns sku, price: this partner's contract prices")


@dataclass(frozen=True, slots=True, kw_only=True)
class ShipToRule:
    n1_qualifier: str | None = None
    require_store_number: bool = False
    stores_file: str | None = None
    consumer_address: bool = False
    allow_po_box: bool = True
    gln_check_digit: bool = False


@dataclass(frozen=True, slots=True, kw_only=True)
class DateRule:
    reject_past: bool = True
    ship_within_days: int | None = setting(None, minimum=0)


@dataclass(frozen=True, slots=True, kw_only=True)
class AtpRule:
    """Available to promise: stock is allocated as orders are accepted.

    ``short`` says what the 855 does with a line we cannot fill from stock: ``backorder``
    answers IB (with the feed's available date) and takes nothing from stock until it can
    take the whole line; ``reduce`` answers IQ with what is there and takes it.
    """

    file: str | None = setting(None, hint="an inventory feed CSV with columns sku, warehouse, on_hand, "
                                          "available_date")
    warehouse: str = ""
    short: Literal["backorder", "reduce"] = "backorder"


@dataclass(frozen=True, slots=True, kw_only=True)
class Rules:
    """A partner's ``rules:`` block; a missing rule does not run."""

    catalog: CatalogRule | None = None
    prices: PriceRule | None = None
    ship_to: ShipToRule | None = None
    dates: DateRule | None = None
    atp: AtpRule | None = None
    policy: Policy = "hold"


@dataclass(frozen=True, slots=True, kw_only=True)
class _PartnerRules:
    """The ``rules:`` key of a partner file, so that messages name ``rules.<rule>.<field>``."""

    rules: Rules = setting(factory=Rules)


@dataclass(frozen=True, slots=True)
class RuleSet:
    """Rules with their reference data loaded, ready to check orders."""

    rules: Rules
    catalog: Catalog | None = None
    stores: frozenset[str] = field(default=frozenset())
    prices: Mapping[str, Decimal] = field(default_factory=dict)
    """The partner's contract prices by SKU; the catalog price applies to the rest."""
    units: UnitTable = field(default_factory=UnitTable)
    """The conversions the partner's inbound 850 map declares (``units:``)."""

    def price_of(self, item: CatalogItem) -> Decimal | None:
        return self.prices.get(item.sku, item.price)


def load_rules(nodes: Mapping[str, Map | Scalar], *, file: str, root: Path) -> RuleSet:
    """Validate a partner's ``rules:`` nodes and load the data files they name; raise
    `ConfigError` with every problem, each located (the setting's file:line, or the CSV's)."""
    entries = tuple((Scalar(key, key, _line(node)), node) for key, node in nodes.items())
    first = min((_line(n) for n in nodes.values()), default=1)
    wrapped = Map(((Scalar("rules", "rules", first), Map(entries, first)),), first)
    built = build(_PartnerRules, Document(file, wrapped), base=root)
    rules, problems = built.value.rules, list[ConfigProblem]()

    def read(setting: str, relative: str, loader: Callable[[Path], _T]) -> _T | None:
        try:
            return loader(root / relative)
        except ConfigError as exc:
            fallback = ConfigProblem(file, built.line_of(setting), setting, exc.message)
            problems.extend(exc.problems or (fallback,))
            return None

    catalog = read("rules.catalog.file", rules.catalog.file, Catalog.load) if rules.catalog else None
    stores = read("rules.ship_to.stores_file", rules.ship_to.stores_file, _stores) \
        if rules.ship_to and rules.ship_to.stores_file else None
    prices = read("rules.prices.file", rules.prices.file, _prices) if rules.prices and rules.prices.file else None
    if problems:
        raise ConfigError(problems)
    return RuleSet(rules, catalog, stores or frozenset(), prices or {})


def _line(node: Node) -> int:
    return node.line


def _prices(path: Path) -> dict[str, Decimal]:
    try:
        with path.open(newline="", encoding="utf-8") as fh:
            return {row["sku"].strip(): Decimal(row["price"]) for row in csv.DictReader(fh)}
    except (OSError, KeyError, InvalidOperation) as exc:
        raise ConfigError(f"{path}: cannot read the price list (a CSV with sku, price): {exc}") from exc


def _stores(path: Path) -> frozenset[str]:
    try:
        with path.open(newline="", encoding="utf-8") as fh:
            return frozenset(row["store"].strip() for row in csv.DictReader(fh))
    except (OSError, KeyError) as exc:
        raise ConfigError(f"{path}: cannot read the store list (a CSV with a 'store' column): {exc}") from exc


def check_order(order: Order, rules: RuleSet, *, today: dt.date) -> list[RuleFinding]:
    """Every business problem of ``order`` under ``rules``."""
    findings: list[RuleFinding] = []
    r = rules.rules
    if rules.catalog is not None:
        for line in order.lines:
            findings += _line_checks(line, rules, r)
    if r.ship_to is not None:
        findings += _ship_to(order.ship_to, r.ship_to, rules.stores)
    if r.dates is not None:
        findings += _dates(order, r.dates, today)
    return findings


def _line_checks(line: OrderLine, rules: RuleSet, r: Rules) -> Iterator[RuleFinding]:
    assert rules.catalog is not None
    n = line.line_number
    item = rules.catalog.find(line)
    if item is None:
        ids = ", ".join(f"{q}={v}" for q, v in line.product_ids)
        yield RuleFinding("rule.sku.unknown", f"no catalog item for {ids or 'a line without product ids'}",
                          n, "product_ids", hint="add a cross-reference to the partner map or the catalog")
        return
    if not item.active:
        yield RuleFinding("rule.sku.inactive", f"item {item.sku} is not active", n, "product_ids", item.sku)
    if line.uom != item.uom:
        ours = _in_our_unit(line, item, rules.units)
        if not isinstance(ours, RuleFinding):
            yield from (_in_their_unit(f, line, *ours) for f in _item_checks(ours[0], item, rules, r))
            return
        yield ours  # and the line's checks as sent, as before any conversion was declared
    yield from _item_checks(line, item, rules, r)


def _item_checks(line: OrderLine, item: CatalogItem, rules: RuleSet, r: Rules) -> Iterator[RuleFinding]:
    price = rules.price_of(item)
    if r.prices is not None and price is not None and line.unit_price is not None:
        yield from _price(line, price, r.prices)
    if r.catalog is not None and r.catalog.check_pack:
        yield from _quantity(line, item)


def _in_our_unit(line: OrderLine, item: CatalogItem, units: UnitTable) -> tuple[OrderLine, Fraction] | RuleFinding:
    """``line`` in the catalog's unit by the map's declared conversion, or the finding that
    says why it cannot be (none declared, or a quantity that would not be whole)."""
    n, declared = line.line_number, units.factor(line, item.sku, line.uom, item.uom)
    message = f"ordered in {line.uom}, {item.sku} sells in {item.uom}"
    if declared is None:
        return RuleFinding("rule.uom.mismatch", message, n, "uom", line.uom, item.uom,
                           f"if one {line.uom} is a fixed number of {item.uom}, declare it in {units.where} "
                           f"({line.uom}: {{{item.uom}: N}}, or {line.uom}[{item.sku}] for this item only); "
                           f"else agree the quantity in {item.uom} with the buyer, or reject the order "
                           "(a code table only renames a unit, it never converts quantities)")
    ours = converted(line, item.uom, declared[0])
    if ours is None:
        amount = line.quantity * declared[0].numerator / declared[0].denominator
        return RuleFinding("rule.uom.mismatch", f"{message}: {line.quantity} {line.uom} is {plain(amount)} "
                           f"{item.uom} by {declared[1].place}, not a whole number", n, "quantity",
                           str(line.quantity), None, f"agree a quantity in whole {item.uom} with the buyer "
                           "(edigate orders override --unit), or reject the order")
    return ours, declared[0]


def _in_their_unit(f: RuleFinding, line: OrderLine, ours: OrderLine, factor: Fraction) -> RuleFinding:
    """A finding on the line as converted (``factor`` of our unit per theirs), said in the
    unit the buyer ordered in, as the 855 answers: a price per their unit, a quantity of
    their units (rounded up)."""
    def back(text: str | None) -> str | None:
        if text is None:
            return None
        if f.field == "unit_price":
            return str(plain((Decimal(text) * factor.numerator / factor.denominator).quantize(_PLACES)))
        whole = (Decimal(text) * factor.denominator / factor.numerator).to_integral_value(rounding=ROUND_CEILING)
        return str(plain(whole))
    said = f"{f.message} (as {ours.quantity} {ours.uom} at {ours.unit_price}: {line.quantity} {line.uom} converted)"
    return dataclasses.replace(f, message=said, value=back(f.value), expected=back(f.expected))


def _price(line: OrderLine, price: Decimal, rule: PriceRule) -> Iterator[RuleFinding]:
    assert line.unit_price is not None
    allowed = price * Decimal(str(rule.tolerance_percent)) / 100
    if abs(line.unit_price - price) > allowed:
        yield RuleFinding("rule.price.mismatch", f"price {line.unit_price} differs from the price list "
                          f"{price} by more than {rule.tolerance_percent}%", line.line_number, "unit_price",
                          str(line.unit_price), str(price))


def _quantity(line: OrderLine, item: CatalogItem) -> Iterator[RuleFinding]:
    if line.quantity < item.min_qty:
        yield RuleFinding("rule.qty.minimum", f"quantity {line.quantity} is below the minimum {item.min_qty}",
                          line.line_number, "quantity", str(line.quantity), str(item.min_qty))
    elif item.pack > 1 and line.quantity % item.pack:
        up = (line.quantity // item.pack + 1) * item.pack
        yield RuleFinding("rule.qty.pack", f"quantity {line.quantity} is not a multiple of the pack of "
                          f"{item.pack}", line.line_number, "quantity", str(line.quantity), str(up))


def _ship_to(party: Party | None, rule: ShipToRule, stores: frozenset[str]) -> Iterator[RuleFinding]:
    if party is None:
        yield RuleFinding("rule.ship_to.missing", "the order has no ship-to party", field="ship_to")
        return
    store = party.ids.get(rule.n1_qualifier) if rule.n1_qualifier else None
    if rule.require_store_number and not store:
        yield RuleFinding("rule.ship_to.store_missing", f"ship-to has no store number (qualifier "
                          f"{rule.n1_qualifier})", field="ship_to.ids")
    elif store and stores and store not in stores:
        yield RuleFinding("rule.ship_to.store_unknown", f"ship-to store {store} is not a known store or DC",
                          field="ship_to.ids", value=store, hint="add it to the store list if it opened recently")
    if rule.consumer_address:
        yield from _address(party, rule)
    gln = party.ids.gln
    if rule.gln_check_digit and gln and not _gs1_valid(gln, 13):
        yield RuleFinding("rule.ship_to.gln", f"ship-to GLN {gln} is not 13 digits with a valid check digit",
                          field="ship_to.ids", value=gln)


def _gs1_valid(number: str, length: int) -> bool:
    """GS1 mod-10: weights 3 and 1 from the right, over all digits but the check digit."""
    if len(number) != length or not number.isdigit():
        return False
    total = sum(int(d) * (3 if i % 2 == 0 else 1) for i, d in enumerate(reversed(number[:-1])))
    return (10 - total % 10) % 10 == int(number[-1])


def _address(party: Party, rule: ShipToRule) -> Iterator[RuleFinding]:
    a = party.address
    missing = [name for name, value in (("name", party.name), ("street", a and a.lines), ("city", a and a.city),
                                        ("state", a and a.state), ("postal code", a and a.postal_code)) if not value]
    if missing:
        yield RuleFinding("rule.ship_to.incomplete", f"consumer ship-to lacks {', '.join(missing)}",
                          field="ship_to.address")
    if a and not rule.allow_po_box and any("PO BOX" in ln.upper().replace(".", "") for ln in a.lines):
        yield RuleFinding("rule.ship_to.po_box", "carrier cannot deliver to a PO box", field="ship_to.address")


def _dates(order: Order, rule: DateRule, today: dt.date) -> Iterator[RuleFinding]:
    d = order.dates
    if d.ship_not_before and d.cancel_after and d.ship_not_before > d.cancel_after:
        yield RuleFinding("rule.dates.window", f"ship-not-before {d.ship_not_before} is after cancel-after "
                          f"{d.cancel_after}", field="dates")
    if rule.reject_past and d.cancel_after and d.cancel_after < today:
        yield RuleFinding("rule.dates.past", f"cancel-after {d.cancel_after} is already past", field="dates.cancel_after",
                          value=d.cancel_after.isoformat())
    ship = d.requested_ship
    if rule.ship_within_days is not None and ship and ship > today + dt.timedelta(days=rule.ship_within_days):
        yield RuleFinding("rule.dates.ship_late", f"requested ship date {ship} is more than {rule.ship_within_days} "
                          "days out", field="dates.requested_ship", value=ship.isoformat())


@dataclass(frozen=True, slots=True)
class Availability:
    """What the stock gave one order line: ``promised`` of ``requested``; more on ``available_date``."""

    line_number: str
    sku: str
    requested: Decimal
    promised: Decimal
    available_date: dt.date | None = None


def stock_sku(line: OrderLine, rules: RuleSet) -> str | None:
    """The SKU a line draws stock of: our catalog's, else the vendor part, SKU or UPC sent."""
    item = rules.catalog.find(line) if rules.catalog is not None else None
    ids = line.product_ids
    return item.sku if item is not None else (ids.vendor_part or ids.sku or ids.upc)


def check_availability(availability: Iterable[Availability], rule: AtpRule) -> list[RuleFinding]:
    """A finding per line the stock could not fill, worded for the partner's ``short`` policy."""
    findings = []
    for a in availability:
        if a.promised >= a.requested:
            continue
        if rule.short == "backorder":
            when = f"; more expected {a.available_date}" if a.available_date else "; no date for more yet"
            findings.append(RuleFinding("rule.atp.backorder", f"{a.requested} of {a.sku} ordered, not enough in "
                                        f"stock{when}", a.line_number, "quantity", str(a.requested),
                                        a.available_date.isoformat() if a.available_date else None,
                                        "the 855 says IB (backordered)"))
        else:
            findings.append(RuleFinding("rule.atp.short", f"only {a.promised} of {a.requested} {a.sku} available",
                                        a.line_number, "quantity", str(a.requested), str(a.promised),
                                        "the 855 says IQ with what is available"))
    return findings
