"""Magento against a local REST service: integration token, orders search paged by
searchCriteria into canonical orders, a shipment with tracking posted back."""

from __future__ import annotations

import json
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import jsonschema
import pytest

from edigate.config.channels import BearerAuth
from edigate.config.secrets import SecretRef
from edigate.connectors.magento import PAGE_SIZE, search_orders, ship
from edigate.model import Carrier, Shipment, ShippedItem, ShippedOrder
from edigate.transport.http_channel import HttpClient
from edigate.transport.http_error import HttpError
from tests.support.httpd import Answer, Request, serve

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
            items = self.orders[(page - 1) * size: page * size]
            return 200, {}, json.dumps({"items": items, "total_count": len(self.orders),
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


@pytest.fixture
def token(monkeypatch: pytest.MonkeyPatch) -> BearerAuth:
    monkeypatch.setenv("MAGENTO_TOKEN", "integration-token")
    return BearerAuth(token=SecretRef("env", "MAGENTO_TOKEN"))


def test_orders_are_searched_page_by_page_into_canonical_orders(token: BearerAuth) -> None:
    store = Store(PAGE_SIZE + 3)
    with serve(store) as server, HttpClient(server.url, token) as client:
        found = search_orders(client, datetime(2026, 11, 1), store="luma")
    assert len(found) == PAGE_SIZE + 3 and len({f.order.po_number for f in found}) == PAGE_SIZE + 3
    first = found[0].order
    assert first.po_date == date(2026, 11, 30) and found[0].entity_id == 1001
    assert [(line.line_number, line.product_ids.vendor_part, line.quantity) for line in first.lines] == [
        ("11", "MH01-XS-Black", Decimal(2)), ("13", "24-MB01", Decimal(1))]  # the child row is not a line
    assert first.total_amount == Decimal("138.00")
    assert first.ship_to is not None and first.ship_to.address is not None
    assert first.ship_to.address.lines == ("6146 Honey Bluff Parkway", "Apt 2")


def test_a_shipment_goes_back_with_its_tracking_number(token: BearerAuth) -> None:
    store = Store(1)
    shipment = Shipment(shipment_id="SH1", ship_date=date(2026, 12, 2), tracking_number="1Z999AA10123456784",
                        carrier=Carrier(scac="UPSN"), orders=(ShippedOrder(po_number="000000001", items=(
                            ShippedItem(line_number="11", quantity_shipped=Decimal(2), uom="EA"),
                            ShippedItem(line_number="13", quantity_shipped=Decimal(1), uom="EA"))),))
    with serve(store) as server, HttpClient(server.url, token) as client:
        assert ship(client, 1001, shipment, carrier_code="ups") == 5001
    (sent,) = store.shipments
    assert sent["items"] == [{"order_item_id": 11, "qty": 2.0}, {"order_item_id": 13, "qty": 1.0}]
    assert sent["tracks"] == [{"track_number": "1Z999AA10123456784", "title": "UPSN", "carrier_code": "ups"}]


def test_a_token_without_the_resource_is_magentos_authorization_error(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MAGENTO_TOKEN", "revoked")
    with serve(Store(1)) as server, HttpClient(server.url, BearerAuth(token=SecretRef("env", "MAGENTO_TOKEN"))) as client:
        with pytest.raises(HttpError, match="isn't authorized") as raised:
            search_orders(client, datetime(2026, 11, 1), store="luma")
    assert raised.value.status == 401
