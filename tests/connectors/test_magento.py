"""Magento against a local REST service: integration token, orders search paged by
searchCriteria into canonical orders, a shipment with tracking posted back."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

import pytest

from edigate.config.channels import BearerAuth
from edigate.config.secrets import SecretRef
from edigate.connectors.magento import PAGE_SIZE, search_orders, ship
from edigate.model import Carrier, Shipment, ShippedItem, ShippedOrder
from edigate.transport.http_channel import HttpClient
from edigate.transport.http_error import HttpError
from tests.connectors.magento_system import Store
from tests.support.httpd import serve



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
