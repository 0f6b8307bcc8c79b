"""Shopify as an order source: ``orders/create`` webhooks in, fulfillments with tracking back.

The webhook (Shopify's "Webhooks: verify" and "orders/create" references): a POST whose
raw body is the order JSON, signed by ``X-Shopify-Hmac-Sha256`` (base64 HMAC-SHA256 of the
raw body under the app's client secret) and identified by ``X-Shopify-Webhook-Id``, the
same id on every retry of the same event. `WebhookApp` is a WSGI app for the gateway's
listener (`edigate.transport.listener.HttpListener`): a bad signature is ``401`` and nothing
happens; a webhook id seen before is answered ``200`` (so Shopify stops retrying) and not
processed again; a good one becomes a canonical `Order` handed to ``accept`` (the gateway
stores and runs it through the same rules, stock and routing as an EDI order).

Shipments go back as fulfillments (Admin REST API: ``GET orders/{id}/fulfillment_orders``
then ``POST fulfillments`` with ``line_items_by_fulfillment_order`` and ``tracking_info``),
authenticated by the ``X-Shopify-Access-Token`` header (``auth: {type: bearer, header:
X-Shopify-Access-Token}``).
"""

from __future__ import annotations

import json
import threading
from collections.abc import Callable, Iterable, Iterator
from datetime import datetime
from decimal import Decimal, InvalidOperation
from typing import TYPE_CHECKING, Any, Protocol

from edigate.config.secrets import SecretRef
from edigate.errors import DataError
from edigate.model import Address, Order, OrderLine, Party, PartyIds, ProductIds, SourceRef
from edigate.transport.http_auth import verify_hmac
from edigate.transport.http_channel import HttpClient

if TYPE_CHECKING:
    from _typeshed.wsgi import StartResponse, WSGIEnvironment

__all__ = ["API_VERSION", "MemorySeen", "SeenWebhooks", "WebhookApp", "fulfil", "order_from_shopify"]

API_VERSION = "2024-10"
MAX_BODY = 4 * 2**20
"""The largest webhook body read (Shopify's orders are far smaller)."""


class SeenWebhooks(Protocol):
    """Remembers webhook ids; `first_time` is atomic (the store implements it durably)."""

    def first_time(self, webhook_id: str) -> bool: ...

    def forget(self, webhook_id: str) -> None:
        """Undo `first_time` when the order could not be taken, so Shopify's retry is."""


class MemorySeen:
    """Webhook ids seen by this process (tests; a single gateway without a store)."""

    def __init__(self) -> None:
        self._ids: set[str] = set()
        self._lock = threading.Lock()

    def first_time(self, webhook_id: str) -> bool:
        with self._lock:
            if webhook_id in self._ids:
                return False
            self._ids.add(webhook_id)
            return True

    def forget(self, webhook_id: str) -> None:
        with self._lock:
            self._ids.discard(webhook_id)


def _dec(value: object, where: str) -> Decimal:
    try:
        return Decimal(str(value))
    except InvalidOperation as exc:
        raise DataError(f"Shopify order: {where} {value!r} is not a number", code="shopify.order") from exc


def _party(role: str, address: Any) -> Party | None:
    if not isinstance(address, dict):
        return None
    name = address.get("name") or " ".join(filter(None, (address.get("first_name"), address.get("last_name"))))
    lines = tuple(str(a) for a in (address.get("address1"), address.get("address2")) if a)
    return Party(role=role, name=name or address.get("company"),
                 address=Address(lines=lines, city=address.get("city"), state=address.get("province_code"),
                                 postal_code=address.get("zip"), country=address.get("country_code")))


def order_from_shopify(payload: Any, *, shop: str) -> Order:
    """A Shopify order (webhook or REST JSON) as a canonical order: ``name`` (``#1001``) is
    the PO number, line SKUs are the vendor part numbers, prices as sent."""
    if not isinstance(payload, dict) or not isinstance(payload.get("line_items"), list):
        raise DataError("Shopify order: no line_items", code="shopify.order")
    number = str(payload.get("name") or payload.get("order_number") or "").lstrip("#")
    created = str(payload.get("created_at") or "")
    try:
        po_date = datetime.fromisoformat(created).date()
    except ValueError as exc:
        raise DataError(f"Shopify order {number}: created_at {created!r} is not a date", code="shopify.order") from exc
    lines = tuple(_line(n, item, number) for n, item in enumerate(payload["line_items"], start=1))
    found = payload.get("customer")
    customer: dict[str, Any] = found if isinstance(found, dict) else {}
    buyer = Party(role="BY", name=" ".join(filter(None, (customer.get("first_name"), customer.get("last_name"))))
                  or payload.get("email"), ids=PartyIds((("ZZ", str(customer["id"])),)) if customer.get("id") else PartyIds())
    return Order(po_number=number, po_date=po_date, currency=payload.get("currency"), buyer=buyer,
                 ship_to=_party("ST", payload.get("shipping_address")),
                 bill_to=_party("BT", payload.get("billing_address")), lines=lines,
                 source=SourceRef(partner_id=shop, isa13="", gs06="", st02=str(payload.get("id") or "")))


def _line(n: int, item: Any, number: str) -> OrderLine:
    if not isinstance(item, dict):
        raise DataError(f"Shopify order {number}: line_items[{n - 1}] is not an object", code="shopify.order")
    ids = tuple((q, str(v)) for q, v in (("VN", item.get("sku")), ("SK", item.get("sku")),
                                         ("ZZ", item.get("variant_id"))) if v)
    return OrderLine(line_number=str(n), quantity=_dec(item.get("quantity"), f"line {n} quantity"), uom="EA",
                     unit_price=_dec(item.get("price"), f"line {n} price"), product_ids=ProductIds(ids),
                     description=item.get("title"))


class WebhookApp:
    """The ``orders/create`` endpoint, as a WSGI app."""

    def __init__(self, secret: SecretRef, shop: str, accept: Callable[[Order, bytes], None],
                 seen: SeenWebhooks) -> None:
        self.secret, self.shop, self.accept, self.seen = secret, shop, accept, seen

    def __call__(self, environ: WSGIEnvironment, start_response: StartResponse) -> Iterable[bytes]:
        status, text = self.handle(environ)
        start_response(status, [("Content-Type", "text/plain"), ("Content-Length", str(len(text)))])
        return [text]

    def handle(self, environ: WSGIEnvironment) -> tuple[str, bytes]:
        if environ.get("REQUEST_METHOD") != "POST":
            return "405 Method Not Allowed", b"POST only\n"
        length = int(environ.get("CONTENT_LENGTH") or 0)
        if length > MAX_BODY:
            return "413 Payload Too Large", b"too large\n"
        body = environ["wsgi.input"].read(length) if length else b""
        signature = environ.get("HTTP_X_SHOPIFY_HMAC_SHA256")
        if not verify_hmac(self.secret.resolve().encode(), body, signature):
            return "401 Unauthorized", b"signature does not verify\n"
        if environ.get("HTTP_X_SHOPIFY_TOPIC") != "orders/create":
            return "200 OK", b"topic ignored\n"
        webhook_id = environ.get("HTTP_X_SHOPIFY_WEBHOOK_ID") or ""
        if not webhook_id:
            return "400 Bad Request", b"X-Shopify-Webhook-Id missing\n"
        try:
            order = order_from_shopify(json.loads(body), shop=self.shop)
        except (ValueError, DataError) as exc:
            return "422 Unprocessable Entity", f"{exc}\n".encode()
        if not self.seen.first_time(webhook_id):
            return "200 OK", b"already received\n"
        try:
            self.accept(order, body)
        except Exception:
            self.seen.forget(webhook_id)  # not taken: Shopify's retry must be
            raise
        return "200 OK", b"received\n"


def _fulfillment_orders(client: HttpClient, order_id: str) -> Iterator[dict[str, Any]]:
    answer = client.request("GET", f"/admin/api/{API_VERSION}/orders/{order_id}/fulfillment_orders.json").json()
    for fo in answer.get("fulfillment_orders", []) if isinstance(answer, dict) else []:
        if isinstance(fo, dict) and fo.get("status") in ("open", "in_progress"):
            yield fo


def fulfil(client: HttpClient, order_id: str, *, tracking_number: str | None, company: str | None,
           key: str) -> dict[str, Any]:
    """Fulfil every open fulfillment order of a Shopify order, with tracking; ``key`` (our
    shipment id) makes the POST safe to repeat. Returns Shopify's fulfillment."""
    open_orders = [{"fulfillment_order_id": fo["id"]} for fo in _fulfillment_orders(client, order_id)]
    if not open_orders:
        raise DataError(f"Shopify order {order_id}: nothing left to fulfil", code="shopify.fulfil")
    body: dict[str, Any] = {"fulfillment": {"line_items_by_fulfillment_order": open_orders, "notify_customer": True}}
    if tracking_number:
        body["fulfillment"]["tracking_info"] = {"number": tracking_number, "company": company}
    answer = client.request("POST", f"/admin/api/{API_VERSION}/fulfillments.json", body=json.dumps(body).encode(),
                            content_type="application/json", idempotency=("Idempotency-Key", key)).json()
    if not isinstance(answer, dict) or not isinstance(answer.get("fulfillment"), dict):
        raise DataError(f"Shopify order {order_id}: no fulfillment in the answer", code="shopify.fulfil")
    return answer["fulfillment"]  # type: ignore[no-any-return]
