"""Magento (Adobe Commerce) as an order source: orders from the REST orders search, shipments
with tracking back.

Adobe Commerce REST reference: ``GET /rest/V1/orders`` with ``searchCriteria`` (filter
groups, ``pageSize``, ``currentPage``; the answer has ``items`` and ``total_count``), and
``POST /rest/V1/order/{orderId}/ship`` (``salesShipOrderV1``: ``items`` of
``order_item_id``/``qty``, ``tracks`` of ``track_number``/``title``/``carrier_code``,
``notify``) answering the new shipment's id. Authentication is an integration's access
token as a bearer token. An order's lines are numbered by Magento's ``item_id`` so that
what ships can be told back to Magento line by line.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any
from urllib.parse import urlencode

from edigate.errors import DataError
from edigate.model import Address, Order, OrderLine, Party, ProductIds, Shipment, SourceRef
from edigate.transport.http_channel import HttpClient

__all__ = ["MagentoOrder", "order_from_magento", "search_orders", "ship"]

PAGE_SIZE = 100


@dataclass(frozen=True, slots=True)
class MagentoOrder:
    """An order as Magento holds it: its ``entity_id`` (for shipments) and our canonical order."""

    entity_id: int
    order: Order
    created_at: str = ""
    """Magento's ``created_at`` (``YYYY-MM-DD HH:MM:SS``, UTC), where a search resumes."""


def _address(role: str, data: Any) -> Party | None:
    if not isinstance(data, dict):
        return None
    name = " ".join(filter(None, (data.get("firstname"), data.get("lastname")))) or data.get("company")
    found = data.get("street")
    street: list[Any] = found if isinstance(found, list) else []
    return Party(role=role, name=name, address=Address(
        lines=tuple(str(s) for s in street if s), city=data.get("city"), state=data.get("region_code"),
        postal_code=data.get("postcode"), country=data.get("country_id")))


def _shipping(payload: dict[str, Any]) -> Any:
    assignments = (payload.get("extension_attributes") or {}).get("shipping_assignments") or []
    return ((assignments[0].get("shipping") or {}).get("address")) if assignments else None


def order_from_magento(payload: Any, *, store: str) -> MagentoOrder:
    """A Magento order (REST JSON) as a canonical order: ``increment_id`` is the PO number;
    configurable products' child rows are left out (the parent row carries SKU and price)."""
    if not isinstance(payload, dict) or not isinstance(payload.get("items"), list):
        raise DataError("Magento order: no items", code="magento.order")
    number = str(payload.get("increment_id") or "")
    try:
        created = datetime.fromisoformat(str(payload.get("created_at"))).date()
        lines = tuple(OrderLine(line_number=str(item["item_id"]), quantity=Decimal(str(item["qty_ordered"])),
                                uom="EA", unit_price=Decimal(str(item["price"])),
                                product_ids=ProductIds((("VN", str(item["sku"])), ("SK", str(item["sku"])))),
                                description=item.get("name"))
                      for item in payload["items"] if isinstance(item, dict) and not item.get("parent_item_id"))
        entity = int(payload["entity_id"])
    except (KeyError, ValueError, ArithmeticError) as exc:
        raise DataError(f"Magento order {number}: {exc!r} is missing or not a value", code="magento.order") from exc
    order = Order(po_number=number, po_date=created, currency=payload.get("order_currency_code"),
                  buyer=Party(role="BY", name=" ".join(filter(None, (payload.get("customer_firstname"),
                                                                     payload.get("customer_lastname")))) or None),
                  ship_to=_address("ST", _shipping(payload)), bill_to=_address("BT", payload.get("billing_address")),
                  lines=lines, source=SourceRef(partner_id=store, isa13="", gs06="", st02=str(entity)))
    return MagentoOrder(entity, order, str(payload.get("created_at") or ""))


def _criteria(since: datetime, page: int) -> str:
    prefix = "searchCriteria[filter_groups][0][filters][0]"
    return urlencode({f"{prefix}[field]": "created_at", f"{prefix}[value]": since.strftime("%Y-%m-%d %H:%M:%S"),
                      f"{prefix}[condition_type]": "gteq", "searchCriteria[pageSize]": PAGE_SIZE,
                      "searchCriteria[currentPage]": page})


def search_orders(client: HttpClient, since: datetime, *, store: str) -> list[MagentoOrder]:
    """Every order created since ``since``, page by page."""
    found: list[MagentoOrder] = []
    page = 1
    while True:
        answer = client.request("GET", f"/rest/V1/orders?{_criteria(since, page)}").json()
        if not isinstance(answer, dict) or not isinstance(answer.get("items"), list):
            raise DataError("Magento orders search: no items in the answer", code="magento.search")
        found += [order_from_magento(item, store=store) for item in answer["items"]]
        if not answer["items"] or page * PAGE_SIZE >= int(answer.get("total_count") or 0):
            return found
        page += 1


def ship(client: HttpClient, entity_id: int, shipment: Shipment, *, carrier_code: str = "custom") -> int:
    """Tell Magento what shipped (line numbers are its item ids) with the tracking number;
    the shipment id makes the POST safe to repeat. Returns Magento's shipment id."""
    items = [{"order_item_id": int(item.line_number), "qty": float(item.quantity_shipped)}
             for shipped in shipment.orders for item in shipped.all_items()]
    body: dict[str, Any] = {"items": items, "notify": True}
    tracking = shipment.tracking_number or next(
        (c.tracking_number for o in shipment.orders for c in o.cartons if c.tracking_number), None)
    if tracking:
        carrier = shipment.carrier.scac if shipment.carrier and shipment.carrier.scac else carrier_code
        body["tracks"] = [{"track_number": tracking, "title": carrier, "carrier_code": carrier_code}]
    answer = client.request("POST", f"/rest/V1/order/{entity_id}/ship", body=json.dumps(body).encode(),
                            content_type="application/json",
                            idempotency=("Idempotency-Key", f"{entity_id}-{shipment.shipment_id}")).json()
    if not isinstance(answer, (int, str)) or not str(answer).isdigit():
        raise DataError(f"Magento order {entity_id}: no shipment id in the answer", code="magento.ship")
    return int(answer)
