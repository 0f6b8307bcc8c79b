"""A local stand-in for Adobe Commerce (Magento) REST, as its reference documents it: the
integration's bearer token (401 with Magento's authorization message otherwise), ``GET
/rest/V1/orders`` with ``searchCriteria`` (a ``created_at`` ``gteq`` filter, pages of
``pageSize``), and ``POST /rest/V1/order/{id}/ship`` checked against
``schemas/magento-ship.schema.json`` (400 otherwise), answering the new shipment's id."""

from __future__ import annotations

import json
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import jsonschema

from tests.support.httpd import Answer, Request

SHIP = json.loads((Path(__file__).parent / "schemas" / "magento-ship.schema.json").read_text())
UNAUTHORIZED = b'{"message":"The consumer isn\'t authorized to access %resources.","parameters":{"resources":"Magento_Sales::actions_view"}}'


def magento_order(n: int) -> dict[str, object]:
    """An order as Magento's REST API returns it (a configurable product: parent and child rows)."""
    return {
        "entity_id": 1000 + n, "increment_id": f"0000{n:05d}", "created_at": "2026-11-30 10:15:00",
        "order_currency_code": "USD", "customer_firstname": "Veronica", "customer_lastname": "Costello",
        "billing_address": {"firstname": "Veronica", "lastname": "Costello", "street": ["6146 Honey Bluff Parkway"],
                            "city": "Calder", "region_code": "MI", "postcode": "49628-7978", "country_id": "US"},
        "items": [
            {"item_id": 10 * n + 1, "sku": "MH01-XS-Black", "name": "Chaz Kangeroo Hoodie", "qty_ordered": 2,
             "price": 52, "product_type": "configurable"},
            {"item_id": 10 * n + 2, "parent_item_id": 10 * n + 1, "sku": "MH01-XS-Black", "name": "Chaz Kangeroo Hoodie-XS-Black",
             "qty_ordered": 2, "price": 0, "product_type": "simple"},
            {"item_id": 10 * n + 3, "sku": "24-MB01", "name": "Joust Duffle Bag", "qty_ordered": 1, "price": "34.00",
             "product_type": "simple"}],
        "extension_attributes": {"shipping_assignments": [{"shipping": {"address": {
            "firstname": "Veronica", "lastname": "Costello", "street": ["6146 Honey Bluff Parkway", "Apt 2"],
            "city": "Calder", "region_code": "MI", "postcode": "49628-7978", "country_id": "US"}}}]},
    }


class Store:
    """A Magento store with ``count`` orders and the shipments posted to it."""

    def __init__(self, count: int) -> None:
        self.orders = [magento_order(n) for n in range(1, count + 1)]
        self.shipments: list[dict[str, object]] = []

    def __call__(self, r: Request) -> Answer:
        if r.header("authorization") != "Bearer integration-token":
            return 401, {"Content-Type": "application/json"}, UNAUTHORIZED
        parts = urlsplit(r.path)
        if r.method == "GET" and parts.path == "/rest/V1/orders":
            q = {k: v[0] for k, v in parse_qs(parts.query).items()}
            assert q["searchCriteria[filter_groups][0][filters][0][condition_type]"] == "gteq"
            size, page = int(q["searchCriteria[pageSize]"]), int(q["searchCriteria[currentPage]"])
            since = q["searchCriteria[filter_groups][0][filters][0][value]"]
            found = [o for o in self.orders if str(o["created_at"]) >= since]
            items = found[(page - 1) * size: page * size]
            return 200, {}, json.dumps({"items": items, "total_count": len(found),
                                        "search_criteria": {"page_size": size, "current_page": page}}).encode()
        if r.method == "POST" and parts.path.startswith("/rest/V1/order/") and parts.path.endswith("/ship"):
            body = json.loads(r.body)
            try:
                jsonschema.validate(body, SHIP)
            except jsonschema.ValidationError as exc:
                return 400, {}, json.dumps({"message": exc.message}).encode()
            self.shipments.append(body)
            return 200, {}, str(5000 + len(self.shipments)).encode()
        return 404, {}, b'{"message":"Request does not match any route."}'
