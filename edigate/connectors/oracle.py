"""Oracle Fusion Cloud Order Management: orders through ``salesOrdersForOrderHub``, status back.

Oracle's REST API for SCM, resource "Sales Orders for Order Hub": an order is a POST of
a header (``SourceTransactionSystem``, ``SourceTransactionNumber``, ``BusinessUnitName``,
``BuyingPartyNumber``, ``CustomerPONumber``, ``TransactionalCurrencyCode``,
``TransactionOn``, ``SubmittedFlag``) with ``lines`` (``SourceTransactionLineId``,
``SourceTransactionLineNumber``, ``SourceScheduleNumber``, ``SourceTransactionScheduleId``,
``ProductNumber``, ``OrderedQuantity``, ``OrderedUOMCode``, ``UnitListPrice``,
``RequestedShipDate``). Oracle keeps one order per source system and source number, and a
POST is not idempotent, so `OracleChannel` first looks the order up (``q=`` finder) and
posts only when it is not there: a resend after a lost answer finds the order it made.
`order_status` reads its ``StatusCode`` back.

`read_order` reads the order with its fulfillment lines (the same finder with
``expand=lines``; Oracle's reference, "Sales Orders for Order Hub > Order Lines", Get one
order line: ``FulfillLineId``, ``SourceTransactionLineId``, ``StatusCode``,
``ShippedQuantity``, ``ShippedUOMCode``, ``ActualShipDate``). `shipment_of` turns the lines
that shipped (a shipped quantity and an actual ship date; the status then reads
``SHIPPED`` or a later one, ``AWAIT_BILLING``, ``BILLED``, ``CLOSED``) and were not taken
before into one Shipment: its lines matched to ours by ``SourceTransactionLineId``, which
we set to our line number when the order was created. A line's shipping details (its
child "Line Details", ``expand=lines.lineDetails``: ``TrackingNumber``,
``BillOfLadingNumber``) give the Shipment's tracking number (the 856's ``REF*CN``) and bill
of lading (``REF*BM``); there is no carton or SSCC, so the 856 is of structure 0001 with the
items straight under the order, as NetSuite's is.

`invoices_of` reads what Oracle billed from Receivables (REST API for Oracle Fusion Cloud
Financials, "Receivables Invoices": ``GET receivablesInvoices?q=PurchaseOrder=...`` with
``expand=receivablesInvoiceLines``; header ``TransactionNumber``, ``TransactionDate``,
``InvoiceCurrencyCode``, ``PurchaseOrder``; lines ``ItemNumber``, ``Quantity``,
``UnitSellingPrice``, ``SalesOrder``). An invoice is the order's when its lines name
Oracle's order number as ``SalesOrder`` (another customer's PO may share the number); its
lines are matched to ours by item, as NetSuite's are.
"""

from __future__ import annotations

import json
from collections.abc import Collection
from dataclasses import dataclass
from datetime import date
from decimal import Decimal, InvalidOperation
from typing import Any
from urllib.parse import quote

from edigate.config.connectors import OracleTarget
from edigate.errors import DataError
from edigate.model import Invoice, InvoiceLine, Order, OrderLine, Shipment, ShippedItem, ShippedOrder
from edigate.transport.base import ChannelOptions, Sent
from edigate.transport.http_channel import HttpClient, SendOnlyChannel

__all__ = ["INVOICES", "RESOURCE", "FulfillLine", "OracleChannel", "OracleOrder", "invoices_of", "order_status",
           "read_order", "sales_order_payload", "shipment_of"]

RESOURCE = "/fscmRestApi/resources/11.13.18.05/salesOrdersForOrderHub"
INVOICES = "/fscmRestApi/resources/11.13.18.05/receivablesInvoices"
BILLED = frozenset({"BILLED", "CLOSED"})
"""Fulfillment line statuses once Receivables has invoiced the line."""
_PAGE = 500
_UOM = {"EA": "Ea", "CA": "CS", "CS": "CS", "DZ": "DZ", "BX": "BX", "LB": "LB", "KG": "KG"}
"""X12 units to Oracle's UOM codes where they differ."""


def sales_order_payload(order: Order, target: OracleTarget, *, partner: str) -> bytes:
    """The ``salesOrdersForOrderHub`` body for ``order``."""
    number = f"{partner}-{order.po_number}"
    body: dict[str, Any] = {
        "SourceTransactionSystem": target.source_system, "SourceTransactionNumber": number,
        "SourceTransactionId": number, "BusinessUnitName": target.business_unit,
        "BuyingPartyNumber": target.buying_party_number, "CustomerPONumber": order.po_number,
        "TransactionalCurrencyCode": order.currency or "USD",
        "TransactionOn": f"{order.po_date.isoformat()}T00:00:00+00:00", "SubmittedFlag": target.submit,
        "lines": [_line(line, order) for line in order.lines],
    }
    return json.dumps(body, separators=(",", ":")).encode()


def _line(line: Any, order: Order) -> dict[str, Any]:
    ids = line.product_ids
    product = ids.vendor_part or ids.sku or ids.buyer_part or ids.upc
    if not product:
        raise DataError(f"line {line.line_number}: no item number for Oracle", code="oracle.item")
    entry: dict[str, Any] = {
        "SourceTransactionLineId": line.line_number, "SourceTransactionLineNumber": line.line_number,
        "SourceScheduleNumber": "1", "SourceTransactionScheduleId": line.line_number,
        "ProductNumber": product, "OrderedQuantity": float(line.quantity),
        "OrderedUOMCode": _UOM.get(line.uom, line.uom), "TransactionCategoryCode": "ORDER"}
    if line.unit_price is not None:
        entry["UnitListPrice"] = float(line.unit_price)
    ship = line.dates.requested_ship or order.dates.requested_ship
    if ship is not None:
        entry["RequestedShipDate"] = f"{ship.isoformat()}T00:00:00+00:00"
    return entry


def _finder(system: str, number: str, expand: str | None = None) -> str:
    """The ``q=`` query that finds one order by its source system and number."""
    q = f"SourceTransactionSystem='{system}';SourceTransactionNumber='{number}'"
    return f"{RESOURCE}?q={quote(q, safe='')}&onlyData=true" + (f"&expand={expand}" if expand else "")


def _find(client: HttpClient, system: str, number: str, expand: str | None = None) -> dict[str, Any] | None:
    answer = client.request("GET", _finder(system, number, expand)).json()
    items = answer.get("items") if isinstance(answer, dict) else None
    return items[0] if isinstance(items, list) and items and isinstance(items[0], dict) else None


def order_status(client: HttpClient, target: OracleTarget, *, partner: str, po_number: str) -> str | None:
    """The order's ``StatusCode`` (``OPEN``, ``CLOSED`` ...), or None if Oracle has no such order."""
    found = _find(client, target.source_system, f"{partner}-{po_number}")
    return str(found.get("StatusCode")) if found and found.get("StatusCode") else None


@dataclass(frozen=True, slots=True)
class FulfillLine:
    """One fulfillment line as Oracle reports it: which of our lines, its status, and what shipped."""

    id: str
    line_number: str
    status: str
    shipped: Decimal | None = None
    ship_date: date | None = None
    tracking: str | None = None
    bill_of_lading: str | None = None


@dataclass(frozen=True, slots=True)
class OracleOrder:
    """An order in Oracle: its number, header status and fulfillment lines."""

    number: str
    status: str | None
    lines: tuple[FulfillLine, ...] = ()


def read_order(client: HttpClient, target: OracleTarget, *, partner: str, po_number: str) -> OracleOrder | None:
    """The order with its fulfillment lines, or None if Oracle has no such order; a line
    Oracle describes in a way we cannot read is a `DataError` (``oracle.reply``)."""
    found = _find(client, target.source_system, f"{partner}-{po_number}", expand="lines.lineDetails")
    if found is None:
        return None
    lines = found.get("lines")
    lines = lines if isinstance(lines, list) else []
    status = str(found["StatusCode"]) if found.get("StatusCode") else None
    return OracleOrder(str(found.get("OrderNumber") or ""), status, tuple(_fulfill_line(x) for x in lines))


def _fulfill_line(item: object) -> FulfillLine:
    unreadable = DataError(f"Oracle answered a fulfillment line we cannot read: {item!r:.200}", code="oracle.reply")
    if not isinstance(item, dict):
        raise unreadable
    try:
        shipped, when = item.get("ShippedQuantity"), item.get("ActualShipDate")
        details = item.get("lineDetails") or []
        if not isinstance(details, list) or not all(isinstance(d, dict) for d in details):
            raise unreadable
        return FulfillLine(id=str(item["FulfillLineId"]), line_number=str(item["SourceTransactionLineId"]),
                           status=str(item.get("StatusCode") or ""),
                           shipped=Decimal(str(shipped)) if shipped is not None else None,
                           ship_date=date.fromisoformat(str(when)[:10]) if when else None,
                           tracking=_first(details, "TrackingNumber"),
                           bill_of_lading=_first(details, "BillOfLadingNumber"))
    except (KeyError, ValueError, InvalidOperation) as exc:
        raise unreadable from exc


def _first(details: list[dict[str, Any]], name: str) -> str | None:
    return next((str(d[name]) for d in details if d.get(name)), None)


def shipment_of(found: OracleOrder, order: Order, *, taken: Collection[str] = ()) -> Shipment | None:
    """The fulfillment lines of ``found`` that shipped and are not in ``taken`` (their
    ``FulfillLineId``), as one Shipment of ``order`` dated the latest ship date; None if none.
    Its id is Oracle's order number and the first such line's id, the same on every read."""
    shipped = [f for f in found.lines if f.shipped and f.shipped > 0 and f.ship_date and f.id not in taken]
    if not shipped:
        return None
    ours = {line.line_number: line for line in order.lines}
    items = []
    for f in shipped:
        line = ours.get(f.line_number)
        if line is None:
            raise DataError(f"Oracle order {found.number} ships line {f.line_number}, which PO {order.po_number} "
                            "does not have", code="oracle.reply")
        items.append(ShippedItem(line_number=line.line_number, quantity_shipped=f.shipped or Decimal(0),
                                 uom=line.uom, product_ids=line.product_ids, ordered_quantity=line.quantity))
    latest = max(d for d in (f.ship_date for f in shipped) if d is not None)
    return Shipment(shipment_id=f"{found.number}-{shipped[0].id}", ship_date=latest,
                    tracking_number=next((f.tracking for f in shipped if f.tracking), None),
                    bol_number=next((f.bill_of_lading for f in shipped if f.bill_of_lading), None),
                    orders=(ShippedOrder(po_number=order.po_number, po_date=order.po_date, items=tuple(items)),))


def invoices_of(client: HttpClient, found: OracleOrder, order: Order) -> list[Invoice]:
    """Receivables' invoices of ``found`` (``order`` as we hold it), each as our Invoice;
    one Oracle describes in a way we cannot read is a `DataError` (``oracle.reply``)."""
    q = quote(f"PurchaseOrder='{order.po_number}'", safe="")
    items = _pages(client, f"{INVOICES}?q={q}&expand=receivablesInvoiceLines&onlyData=true")
    return [bill for item in items if (bill := _invoice(item, found.number, order)) is not None]


def _pages(client: HttpClient, path: str) -> list[object]:
    """Every item of a collection, page by page (``limit``/``offset`` while ``hasMore``)."""
    items: list[object] = []
    while True:
        page = client.request("GET", f"{path}&limit={_PAGE}&offset={len(items)}").json()
        if not isinstance(page, dict) or not isinstance(page.get("items"), list):
            raise DataError(f"Oracle answered no items list: {page!r:.200}", code="oracle.reply")
        items += page["items"]
        if not page.get("hasMore") or not page["items"]:
            return items


def _invoice(item: object, number: str, order: Order) -> Invoice | None:
    unreadable = DataError(f"Oracle answered an invoice we cannot read: {item!r:.200}", code="oracle.reply")
    if not isinstance(item, dict) or not isinstance(item.get("receivablesInvoiceLines"), list):
        raise unreadable
    ours = [x for x in item["receivablesInvoiceLines"] if isinstance(x, dict) and str(x.get("SalesOrder")) == number]
    if not ours:
        return None
    try:
        lines = tuple(_invoice_line(x, order) for x in ours)
        return Invoice(invoice_number=str(item["TransactionNumber"]),
                       invoice_date=date.fromisoformat(str(item["TransactionDate"])[:10]),
                       po_number=order.po_number, po_date=order.po_date,
                       currency=str(item.get("InvoiceCurrencyCode") or order.currency or "") or None,
                       buyer=order.buyer, ship_to=order.ship_to, lines=lines)
    except (KeyError, ValueError, InvalidOperation) as exc:
        raise unreadable from exc


def _invoice_line(x: dict[str, Any], order: Order) -> InvoiceLine:
    line = _line_of(order, str(x["ItemNumber"]))
    return InvoiceLine(line_number=line.line_number, quantity=Decimal(str(x["Quantity"])), uom=line.uom,
                       unit_price=Decimal(str(x["UnitSellingPrice"])), product_ids=line.product_ids)


def _line_of(order: Order, item: str) -> OrderLine:
    if (line := order.line_for_item(item)) is None:
        raise DataError(f"PO {order.po_number}: Oracle item {item} is on no line of the order", code="oracle.reply")
    return line


class OracleChannel(SendOnlyChannel):
    """Delivers ``oracle-salesorder`` payloads: look up, then create if absent."""

    what = "an Oracle target"

    def __init__(self, config: OracleTarget, channel_id: str, options: ChannelOptions) -> None:
        self.id = channel_id
        self.config = config
        self.client = HttpClient.for_target(config, sleep=options.sleep)


    def send(self, name: str, data: bytes) -> Sent:
        try:
            body = json.loads(data)
            system, number = body["SourceTransactionSystem"], body["SourceTransactionNumber"]
        except (ValueError, KeyError, TypeError) as exc:
            raise DataError(f"{name}: not a salesOrdersForOrderHub body", code="oracle.payload") from exc
        if _find(self.client, system, number) is None:
            self.client.request("POST", RESOURCE, body=data,
                                content_type="application/vnd.oracle.adf.resourceitem+json")
        return Sent.of(self.id, name, data)

    def close(self) -> None:
        self.client.close()
