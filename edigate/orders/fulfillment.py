"""Shipment confirmations into Shipments (for the 856), and Invoices from what shipped (810).

A warehouse confirms a shipment as CSV or JSON, one row per item in a carton:

    shipment_id, ship_date (YYYY-MM-DD), po_number, line_number, quantity, uom, sscc,
    pallet_sscc, tracking_number, carrier_scac, bol, weight, weight_uom

Rows are checked against the orders they ship: an item not on the order, more shipped than
ordered, or an SSCC whose GS1 check digit is wrong is a `DataError` naming every bad row.
An invoice bills what shipped, at the order's prices, never more than shipped; header
allowances and charges of a fixed amount are prorated to the share of the order billed.
"""

from __future__ import annotations

import csv
import datetime as dt
import json
from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from decimal import Decimal, InvalidOperation
from pathlib import Path

from edigate.errors import DataError, InputError
from edigate.model import (
    AllowanceCharge, Carrier, Carton, Invoice, InvoiceLine, Order, OrderLine, Party, Shipment, ShippedItem, ShippedOrder, Weight,
    is_valid_sscc, to_cents,
)

__all__ = ["ConfirmationRow", "build_shipment", "invoice_for", "read_confirmation"]

COLUMNS = ("shipment_id", "ship_date", "po_number", "line_number", "quantity", "uom", "sscc", "pallet_sscc",
           "tracking_number", "carrier_scac", "bol", "weight", "weight_uom")
_REQUIRED = ("shipment_id", "ship_date", "po_number", "line_number", "quantity")


@dataclass(frozen=True, slots=True)
class ConfirmationRow:
    """One item in one carton, as the warehouse reported it; ``row`` is its line in the file."""

    row: int
    shipment_id: str
    ship_date: dt.date
    po_number: str
    line_number: str
    quantity: Decimal
    uom: str = ""
    sscc: str = ""
    pallet_sscc: str = ""
    tracking_number: str = ""
    carrier_scac: str = ""
    bol: str = ""
    weight: Decimal | None = None
    weight_uom: str = "LB"


def read_confirmation(path: Path, data: bytes | None = None) -> list[ConfirmationRow]:
    """Rows of a CSV (header line) or JSON (a list of objects) shipment confirmation; ``data``
    is the file's content when the caller has read it already."""
    try:
        text = (data if data is not None else path.read_bytes()).decode("utf-8")
    except OSError as exc:
        raise InputError(f"{path}: cannot read: {exc.strerror}") from exc
    except UnicodeDecodeError as exc:
        raise InputError(f"{path}: not UTF-8 text: {exc}") from exc
    if path.suffix.lower() == ".json":
        try:
            records = json.loads(text)
        except json.JSONDecodeError as exc:
            raise InputError(f"{path}:{exc.lineno}: not JSON: {exc.msg}") from exc
        if not isinstance(records, list):
            raise InputError(f"{path}: expected a JSON list of rows")
        numbered = [(n, r) for n, r in enumerate(records, 1)]
    else:
        numbered = [(n, r) for n, r in enumerate(csv.DictReader(text.splitlines()), 2)]
    problems: list[str] = []
    rows = [row for n, raw in numbered if (row := _row(raw, n, path, problems)) is not None]
    if problems:
        raise DataError("\n".join(problems), code="shipment.confirmation")
    return rows


def _row(raw: object, n: int, path: Path, problems: list[str]) -> ConfirmationRow | None:
    if not isinstance(raw, Mapping):
        problems.append(f"{path}:{n}: a row must be an object with the documented columns")
        return None
    values = {k: str(v).strip() for k, v in raw.items() if v is not None}
    missing = [c for c in _REQUIRED if not values.get(c)]
    if missing:
        problems.append(f"{path}:{n}: missing {', '.join(missing)}")
        return None
    try:
        return ConfirmationRow(
            n, values["shipment_id"], dt.date.fromisoformat(values["ship_date"]), values["po_number"],
            values["line_number"], Decimal(values["quantity"]), values.get("uom", ""), values.get("sscc", ""),
            values.get("pallet_sscc", ""), values.get("tracking_number", ""), values.get("carrier_scac", ""),
            values.get("bol", ""), Decimal(values["weight"]) if values.get("weight") else None,
            values.get("weight_uom") or "LB")
    except (ValueError, InvalidOperation) as exc:
        problems.append(f"{path}:{n}: {exc}")
        return None


def build_shipment(rows: Sequence[ConfirmationRow], orders: Mapping[str, Order], *, ship_from: Party | None = None,
                   structure_code: str = "0001") -> Shipment:
    """One Shipment from the rows of one shipment, checked against the orders it ships."""
    if not rows:
        raise DataError("the confirmation has no rows", code="shipment.empty")
    problems = _check(rows, orders)
    if problems:
        raise DataError("\n".join(problems), code="shipment.mismatch")
    first = rows[0]
    by_po: dict[str, list[ConfirmationRow]] = defaultdict(list)
    for row in rows:
        by_po[row.po_number].append(row)
    shipped = tuple(_shipped_order(orders[po], po_rows) for po, po_rows in by_po.items())
    weights = [r.weight for r in rows if r.weight is not None]
    return Shipment(
        shipment_id=first.shipment_id, ship_date=first.ship_date, structure_code=structure_code,
        carrier=Carrier(scac=first.carrier_scac) if first.carrier_scac else None,
        bol_number=first.bol or None, tracking_number=first.tracking_number or None,
        gross_weight=Weight(sum(weights, Decimal(0)), first.weight_uom) if weights else None,
        lading_quantity=len({r.sscc for r in rows if r.sscc}) or None,
        ship_from=ship_from, ship_to=orders[first.po_number].ship_to, orders=shipped)


def _check(rows: Sequence[ConfirmationRow], orders: Mapping[str, Order]) -> list[str]:
    problems = []
    totals: dict[tuple[str, str], Decimal] = defaultdict(Decimal)
    for row in rows:
        where = f"row {row.row}"
        order = orders.get(row.po_number)
        line = _line(order, row.line_number) if order else None
        if len({r.shipment_id for r in rows}) > 1 and row.shipment_id != rows[0].shipment_id:
            problems.append(f"{where}: shipment {row.shipment_id} differs from {rows[0].shipment_id}")
        if order is None:
            problems.append(f"{where}: PO {row.po_number} is not an order we received")
        elif line is None:
            problems.append(f"{where}: PO {row.po_number} has no line {row.line_number}")
        for name, code in (("sscc", row.sscc), ("pallet_sscc", row.pallet_sscc)):
            if code and not is_valid_sscc(code):
                problems.append(f"{where}: {name} {code} is not 18 digits with a valid GS1 check digit")
        totals[(row.po_number, row.line_number)] += row.quantity
    for (po, n), quantity in totals.items():
        line = _line(orders[po], n) if po in orders else None
        if line is not None and quantity > line.quantity:
            problems.append(f"PO {po} line {n}: ships {quantity}, ordered {line.quantity}")
    return problems


def _line(order: Order, number: str) -> OrderLine | None:
    return next((line for line in order.lines if line.line_number == number), None)


def _shipped_order(order: Order, rows: list[ConfirmationRow]) -> ShippedOrder:
    cartons: dict[str, list[ConfirmationRow]] = defaultdict(list)
    loose: list[ConfirmationRow] = []
    for row in rows:
        (cartons[row.sscc] if row.sscc else loose).append(row)
    return ShippedOrder(
        po_number=order.po_number, po_date=order.po_date,
        cartons=tuple(Carton(sscc=sscc, items=tuple(_item(order, r) for r in carton_rows),
                             tracking_number=carton_rows[0].tracking_number or None,
                             pallet_sscc=carton_rows[0].pallet_sscc or None)
                      for sscc, carton_rows in cartons.items()),
        items=tuple(_item(order, r) for r in loose))


def _item(order: Order, row: ConfirmationRow) -> ShippedItem:
    line = _line(order, row.line_number)
    assert line is not None
    return ShippedItem(line_number=row.line_number, quantity_shipped=row.quantity, uom=row.uom or line.uom,
                       product_ids=line.product_ids, ordered_quantity=line.quantity)


def invoice_for(order: Order, shipment: Shipment, *, invoice_number: str, invoice_date: dt.date) -> Invoice:
    """Bill what ``shipment`` shipped of ``order``, at the order's prices."""
    shipped: dict[str, Decimal] = defaultdict(Decimal)
    for so in shipment.orders:
        if so.po_number == order.po_number:
            for item in [*so.items, *(i for c in so.cartons for i in c.items)]:
                shipped[item.line_number] += item.quantity_shipped
    if not shipped:
        raise DataError(f"shipment {shipment.shipment_id} ships nothing of PO {order.po_number}",
                        code="invoice.nothing_shipped")
    lines = tuple(_invoice_line(line, shipped[line.line_number]) for line in order.lines if line.line_number in shipped)
    billed = sum((line.quantity * line.unit_price for line in lines), Decimal(0))
    ordered = sum((line.quantity * (line.unit_price or 0) for line in order.lines), Decimal(0))
    return Invoice(
        invoice_number=invoice_number, invoice_date=invoice_date, po_number=order.po_number, po_date=order.po_date,
        currency=order.currency, ship_date=shipment.ship_date, buyer=order.buyer, seller=order.seller,
        ship_to=order.ship_to, bill_to=order.bill_to, terms=order.terms, fob=order.fob, carrier=shipment.carrier,
        lines=lines, allowances_charges=_prorated(order.allowances_charges, billed, ordered), source=order.source)


def _prorated(adjustments: tuple[AllowanceCharge, ...], billed: Decimal, ordered: Decimal) -> tuple[AllowanceCharge, ...]:
    """Header allowances and charges in proportion to the share of the order billed now.

    A fixed amount on the whole order would otherwise be taken in full from a partial
    shipment's invoice; a percentage already applies to what is billed.
    """
    if billed >= ordered or not ordered:
        return adjustments
    share = billed / ordered
    return tuple(replace(a, amount=to_cents(a.amount * share)) if a.amount is not None else a for a in adjustments)


def _invoice_line(line: OrderLine, quantity: Decimal) -> InvoiceLine:
    if line.unit_price is None:
        raise DataError(f"PO line {line.line_number} has no unit price to invoice", code="invoice.no_price")
    return InvoiceLine(line_number=line.line_number, quantity=min(quantity, line.quantity), uom=line.uom,
                       unit_price=line.unit_price, price_basis=line.price_basis, product_ids=line.product_ids,
                       description=line.description, allowances_charges=line.allowances_charges)
