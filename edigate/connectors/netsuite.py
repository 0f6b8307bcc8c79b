"""NetSuite: sales orders in through the REST record service, fulfillments and invoices back
through SuiteQL.

An order becomes a ``salesOrder`` whose ``externalId`` is the partner and the PO number, sent
as an upsert (``PUT /services/rest/record/v1/salesOrder/eid:<externalId>``, NetSuite's REST
web services guide, "Using External IDs" and "Upsert Operation"): a retry, a resend or a
replay updates the same order and never creates a second one. Authentication is token-based
(OAuth 1.0a, HMAC-SHA256, realm = account id), configured as ``auth: {type: oauth1}``.

What NetSuite shipped and billed is read back with SuiteQL (``POST
/services/rest/query/v1/suiteql`` with ``Prefer: transient``, paged by ``limit``/``offset``
while ``hasMore``): item fulfillments (``ItemShip``) become Shipments and invoices
(``CustInvc``) become Invoices. Their lines are tied to the sales order through
``PreviousTransactionLineLink`` and matched to the order's lines by item: the items are
expected to carry our SKU as both their item id and their external id (how the sales
order refers to them); package tracking numbers come from ``itemfulfillmentpackage``.
"""

from __future__ import annotations

import builtins
import json
from collections.abc import Iterator, Mapping, Sequence
from datetime import date
from decimal import Decimal
from typing import Any
from urllib.parse import quote

from edigate.config.connectors import NetSuiteTarget
from edigate.errors import DataError
from edigate.model import Invoice, InvoiceLine, Order, OrderLine, Shipment, ShippedItem, ShippedOrder
from edigate.transport.base import ChannelOptions, Sent
from edigate.transport.http_channel import HttpClient, SendOnlyChannel

__all__ = ["NetSuiteChannel", "external_id", "fulfillments", "invoices", "sales_order_payload", "suiteql"]

RECORD = "/services/rest/record/v1/salesOrder"
SUITEQL = "/services/rest/query/v1/suiteql"
_PAGE = 1000
_LINES = """SELECT so.externalid AS external_id, t.tranid AS tranid,
 TO_CHAR(t.trandate, 'YYYY-MM-DD') AS trandate, BUILTIN.DF(tl.item) AS sku,
 ABS(tl.quantity) AS quantity, tl.rate AS rate, {tracking} AS tracking
FROM transaction t
 JOIN transactionline tl ON tl.transaction = t.id
 JOIN previoustransactionlinelink ptll ON ptll.nextdoc = t.id AND ptll.nextline = tl.id
 JOIN transaction so ON so.id = ptll.previousdoc
WHERE t.type = '{type}' AND so.type = 'SalesOrd' AND tl.mainline = 'F' AND so.externalid IN ({ids}){since}
ORDER BY t.tranid, tl.linesequencenumber"""
_TRACKING = {
    "ItemShip": "(SELECT MIN(p.packagetrackingnumber) FROM itemfulfillmentpackage p WHERE p.itemfulfillment = t.id)",
    "CustInvc": "NULL",
}


def external_id(partner: str, po_number: str) -> str:
    """The sales order's external id: partner and PO, so one PO is one order in NetSuite."""
    return f"{partner}-{po_number}"


def _item_ref(line: OrderLine) -> str:
    ids = line.product_ids
    sku = ids.vendor_part or ids.sku or ids.buyer_part or ids.upc
    if not sku:
        raise DataError(f"line {line.line_number}: no item number (VN, SK, BP or UP) for NetSuite",
                        code="netsuite.item")
    return sku


def sales_order_payload(order: Order, target: NetSuiteTarget, *, partner: str) -> bytes:
    """The ``salesOrder`` record (REST record service JSON) for ``order``."""
    record: dict[str, Any] = {
        "externalId": external_id(partner, order.po_number),
        "entity": {"id": target.customer},
        "otherRefNum": order.po_number,
        "tranDate": order.po_date.isoformat(),
        "memo": f"EDI {partner} PO {order.po_number}",
        "item": {"items": [_item(line) for line in order.lines]},
    }
    if target.subsidiary:
        record["subsidiary"] = {"id": target.subsidiary}
    if target.location:
        record["location"] = {"id": target.location}
    if order.dates.requested_ship:
        record["shipDate"] = order.dates.requested_ship.isoformat()
    return json.dumps(record, separators=(",", ":")).encode()


def _item(line: OrderLine) -> dict[str, Any]:
    entry: dict[str, Any] = {"item": {"externalId": _item_ref(line)}, "quantity": float(line.quantity)}
    if line.unit_price is not None:
        entry["rate"] = float(line.unit_price)
    if line.description:
        entry["description"] = line.description[:4000]
    return entry


class NetSuiteChannel(SendOnlyChannel):
    """Delivers ``netsuite-salesorder`` payloads: one upsert by external id per order."""

    what = "a NetSuite target"

    def __init__(self, config: NetSuiteTarget, channel_id: str, options: ChannelOptions) -> None:
        self.id = channel_id
        self.config = config
        self.client = HttpClient.for_target(config, sleep=options.sleep)


    def send(self, name: str, data: bytes) -> Sent:
        """PUT the record under its external id (an upsert: safe to repeat)."""
        try:
            eid = json.loads(data)["externalId"]
        except (ValueError, KeyError, TypeError) as exc:
            raise DataError(f"{name}: not a salesOrder record with an externalId", code="netsuite.payload") from exc
        self.client.request("PUT", f"{RECORD}/eid:{quote(eid, safe='')}", body=data,
                            content_type="application/json")
        return Sent.of(self.id, name, data)

    def probe(self) -> str:
        self.client.request("POST", SUITEQL + "?limit=1", body=json.dumps({"q": "SELECT 1 AS one FROM dual"}).encode(),
                            content_type="application/json", headers={"Prefer": "transient"})
        return "SuiteQL answers: credentials accepted"

    def close(self) -> None:
        self.client.close()


def suiteql(client: HttpClient, query: str) -> Iterator[Mapping[str, Any]]:
    """Every row of a SuiteQL query, page by page (a POST that reads: safe to repeat)."""
    offset = 0
    while True:
        answer = client.request("POST", f"{SUITEQL}?limit={_PAGE}&offset={offset}",
                                body=json.dumps({"q": query}).encode(), content_type="application/json",
                                headers={"Prefer": "transient"}, repeatable=True)
        page = answer.json()
        if not isinstance(page, dict) or not isinstance(page.get("items"), list):
            raise DataError("SuiteQL answer has no items list", code="netsuite.suiteql")
        yield from (row for row in page["items"] if isinstance(row, dict))
        if not page.get("hasMore"):
            return
        offset += len(page["items"])


def _query(kind: str, orders: Mapping[str, Order], since: date | None = None) -> str:
    ids = ", ".join("'" + eid.replace("'", "''") + "'" for eid in sorted(orders))
    after = f"\n AND t.trandate >= TO_DATE('{since.isoformat()}', 'YYYY-MM-DD')" if since else ""
    return _LINES.format(type=kind, ids=ids, tracking=_TRACKING[kind], since=after)


def _line_of(order: Order, sku: str) -> OrderLine:
    if (line := order.line_for_item(sku)) is None:
        raise DataError(f"PO {order.po_number}: NetSuite item {sku} is on no line of the order", code="netsuite.item")
    return line


def _grouped(rows: Iterator[Mapping[str, Any]]) -> dict[str, list[Mapping[str, Any]]]:
    out: dict[str, list[Mapping[str, Any]]] = {}
    for row in rows:
        out.setdefault(str(row["tranid"]), []).append(row)
    return out


def fulfillments(client: HttpClient, orders: Mapping[str, Order], *,
                 since: date | None = None) -> builtins.list[Shipment]:
    """Item fulfillments of the orders (by external id) as Shipments, one per fulfillment;
    with ``since``, only those dated that day or later."""
    if not orders:
        return []
    result = []
    for tranid, rows in _grouped(suiteql(client, _query("ItemShip", orders, since))).items():
        by_po: dict[str, list[ShippedItem]] = {}
        for row in rows:
            order = orders[str(row["external_id"])]
            line = _line_of(order, str(row["sku"]))
            by_po.setdefault(order.po_number, []).append(ShippedItem(
                line_number=line.line_number, quantity_shipped=Decimal(str(row["quantity"])), uom=line.uom,
                product_ids=line.product_ids, ordered_quantity=line.quantity))
        first = rows[0]
        result.append(Shipment(shipment_id=tranid, ship_date=date.fromisoformat(str(first["trandate"])),
                               tracking_number=_first_tracking(first.get("tracking")),
                               orders=tuple(ShippedOrder(po_number=po, po_date=_po_date(orders, po), items=tuple(items))
                                            for po, items in by_po.items())))
    return result


def _first_tracking(value: object) -> str | None:
    text = str(value).replace(",", " ").split() if value else []
    return text[0] if text else None


def _po_date(orders: Mapping[str, Order], po: str) -> date | None:
    return next((o.po_date for o in orders.values() if o.po_number == po), None)


def invoices(client: HttpClient, orders: Mapping[str, Order], *,
             since: date | None = None) -> builtins.list[Invoice]:
    """Invoices of the orders (by external id) as our Invoices, one per NetSuite invoice;
    with ``since``, only those dated that day or later."""
    if not orders:
        return []
    result = []
    for tranid, rows in _grouped(suiteql(client, _query("CustInvc", orders, since))).items():
        order = orders[str(rows[0]["external_id"])]
        lines = []
        for row in rows:
            line = _line_of(order, str(row["sku"]))
            lines.append(InvoiceLine(line_number=line.line_number, quantity=Decimal(str(row["quantity"])),
                                     uom=line.uom, unit_price=Decimal(str(row["rate"])), product_ids=line.product_ids))
        result.append(Invoice(invoice_number=tranid, invoice_date=date.fromisoformat(str(rows[0]["trandate"])),
                              po_number=order.po_number, po_date=order.po_date, currency=order.currency,
                              buyer=order.buyer, ship_to=order.ship_to, lines=tuple(lines)))
    return result


def orders_by_external_id(partner: str, orders: Sequence[Order]) -> dict[str, Order]:
    """The map `fulfillments` and `invoices` take."""
    return {external_id(partner, o.po_number): o for o in orders}
