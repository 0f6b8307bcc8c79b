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
"""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import quote

from edigate.config.connectors import OracleTarget
from edigate.errors import DataError
from edigate.model import Order
from edigate.transport.base import ChannelOptions, Sent
from edigate.transport.http_channel import HttpClient, SendOnlyChannel

__all__ = ["RESOURCE", "OracleChannel", "order_status", "sales_order_payload"]

RESOURCE = "/fscmRestApi/resources/11.13.18.05/salesOrdersForOrderHub"
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


def _finder(system: str, number: str) -> str:
    """The ``q=`` query that finds one order by its source system and number."""
    q = f"SourceTransactionSystem='{system}';SourceTransactionNumber='{number}'"
    return f"{RESOURCE}?q={quote(q, safe='')}&onlyData=true"


def _find(client: HttpClient, system: str, number: str) -> dict[str, Any] | None:
    answer = client.request("GET", _finder(system, number)).json()
    items = answer.get("items") if isinstance(answer, dict) else None
    return items[0] if isinstance(items, list) and items and isinstance(items[0], dict) else None


def order_status(client: HttpClient, target: OracleTarget, *, partner: str, po_number: str) -> str | None:
    """The order's ``StatusCode`` (``OPEN``, ``CLOSED`` ...), or None if Oracle has no such order."""
    found = _find(client, target.source_system, f"{partner}-{po_number}")
    return str(found.get("StatusCode")) if found and found.get("StatusCode") else None


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
