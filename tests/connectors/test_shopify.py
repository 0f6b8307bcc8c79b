"""Shopify: signed orders/create webhooks into canonical orders over the gateway's listener
(replays refused), and fulfillments with tracking back to a local Admin API."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path

import httpx
import pytest

from edigate.config.channels import BearerAuth, HttpTarget
from edigate.config.partners import Destination
from edigate.config.secrets import SecretRef
from edigate.connectors.shopify import MemorySeen, WebhookApp, fulfil, order_from_shopify
from edigate.model import Order
from edigate.orders.routing import Router
from edigate.transport.http_channel import HttpClient
from edigate.transport.listener import HttpListener
from tests.connectors.shopify_system import Admin
from tests.support.httpd import serve

HERE = Path(__file__).parent
ORDER_JSON = (HERE / "data" / "shopify-orders-create.json").read_bytes()


def sign(body: bytes, secret: bytes = b"shpss_secret") -> str:
    return base64.b64encode(hmac.new(secret, body, hashlib.sha256).digest()).decode()


@pytest.fixture
def webhook(monkeypatch: pytest.MonkeyPatch) -> Iterator[tuple[str, list[Order]]]:
    monkeypatch.setenv("SHOPIFY_SECRET", "shpss_secret")
    taken: list[Order] = []
    app = WebhookApp(SecretRef("env", "SHOPIFY_SECRET"), "acme-shop", lambda order, raw: taken.append(order),
                     MemorySeen())
    listener = HttpListener(app, "127.0.0.1", 0)
    listener.start()
    try:
        yield listener.url + "webhooks/orders-create", taken
    finally:
        listener.stop()


def post(url: str, body: bytes, *, signature: str, webhook_id: str = "b54557e4-bdd9-4b37-8a5f-bf7d70bcd043",
         topic: str = "orders/create") -> httpx.Response:
    headers = {"X-Shopify-Hmac-Sha256": signature, "X-Shopify-Webhook-Id": webhook_id, "X-Shopify-Topic": topic,
               "X-Shopify-Shop-Domain": "acme-shop.myshopify.com", "Content-Type": "application/json"}
    with httpx.Client(timeout=30) as client:
        return client.post(url, content=body, headers=headers)


def test_a_signed_order_becomes_a_canonical_order(webhook: tuple[str, list[Order]]) -> None:
    url, taken = webhook
    answer = post(url, ORDER_JSON, signature=sign(ORDER_JSON))
    assert answer.status_code == 200
    (order,) = taken
    assert order.po_number == "9999" and str(order.po_date) == "2026-11-30" and order.currency == "USD"
    assert [(line.product_ids.vendor_part, line.quantity, line.unit_price) for line in order.lines] == [
        ("IPOD2008PINK", Decimal(1), Decimal("199.00")), ("IPOD2008BLUE", Decimal(2), Decimal("102.00"))]
    assert order.ship_to is not None and order.ship_to.address is not None
    assert order.ship_to.address.city == "Shippington" and order.ship_to.address.lines[1] == "Suite 4"
    assert order.total_amount == Decimal("403.00")  # what Shopify says the order is worth


def test_a_bad_signature_is_refused_and_nothing_is_taken(webhook: tuple[str, list[Order]]) -> None:
    url, taken = webhook
    assert post(url, ORDER_JSON, signature=sign(ORDER_JSON, b"other")).status_code == 401
    assert post(url, ORDER_JSON + b" ", signature=sign(ORDER_JSON)).status_code == 401
    assert post(url, ORDER_JSON, signature="").status_code == 401
    assert taken == []


def test_a_replayed_webhook_is_answered_but_not_taken_twice(webhook: tuple[str, list[Order]]) -> None:
    url, taken = webhook
    for _ in range(3):
        assert post(url, ORDER_JSON, signature=sign(ORDER_JSON)).status_code == 200
    assert post(url, ORDER_JSON, signature=sign(ORDER_JSON), webhook_id="another-event").status_code == 200
    assert len(taken) == 2


def test_a_signed_body_that_is_not_an_order_is_unprocessable(webhook: tuple[str, list[Order]]) -> None:
    url, taken = webhook
    body = b'{"id": 1, "line_items": "none"}'
    assert post(url, body, signature=sign(body)).status_code == 422 and taken == []


def test_a_shopify_order_routes_as_an_edi_order_does(tmp_path: Path) -> None:
    order = order_from_shopify(json.loads(ORDER_JSON), shop="acme-shop")
    dest = Destination(name="erp", format="xml", target=HttpTarget(url="http://erp.invalid"))
    (delivery,) = Router([dest], partner="acme-shop").route(order, document=4)
    assert delivery.error is None and b"IPOD2008PINK" in delivery.payload


def test_a_shipment_goes_back_as_a_fulfillment_with_tracking(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SHOPIFY_TOKEN", "shpat_token")
    admin = Admin()
    waits: list[float] = []
    with serve(admin) as server:
        auth = BearerAuth(token=SecretRef("env", "SHOPIFY_TOKEN"), header="X-Shopify-Access-Token")
        with HttpClient(server.url, auth, sleep=waits.append) as client:
            done = fulfil(client, "820982911946154508", tracking_number="1Z2345", company="UPS", key="shipment-77")
    assert done["status"] == "success" and waits and waits[0] >= 2.0
    (sent,) = admin.fulfillments
    assert sent["tracking_info"] == {"number": "1Z2345", "company": "UPS"}
    assert sent["line_items_by_fulfillment_order"] == [{"fulfillment_order_id": 1046000778}]
