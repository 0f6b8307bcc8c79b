"""A local stand-in for Shopify's Admin REST API (2024-10) for one order, as Shopify documents
it: the ``X-Shopify-Access-Token`` checked (401 with Shopify's error text otherwise), the
order's fulfillment orders (``GET orders/{id}/fulfillment_orders.json``), and fulfillments
(``POST fulfillments.json``) checked against ``schemas/shopify-fulfillment.schema.json``
(422 otherwise), the first one throttled with Shopify's 429 and ``Retry-After``."""

from __future__ import annotations

import json
from pathlib import Path

import jsonschema

from tests.support.httpd import Answer, Request

FULFILLMENT = json.loads((Path(__file__).parent / "schemas" / "shopify-fulfillment.schema.json").read_text())


class Admin:
    """Shopify's Admin REST API for one order: its fulfillment orders, and fulfillments."""

    def __init__(self) -> None:
        self.fulfillments: list[dict[str, object]] = []
        self.throttled = 1
        self.down = False
        """Answer fulfillments with Shopify's 500 ("Internal Server Error")."""

    def __call__(self, r: Request) -> Answer:
        if r.header("x-shopify-access-token") != "shpat_token":
            return 401, {"Content-Type": "application/json"}, \
                b'{"errors":"[API] Invalid API key or access token (unrecognized login or wrong password)"}'
        if r.method == "GET" and r.path == "/admin/api/2024-10/orders/820982911946154508/fulfillment_orders.json":
            status = "closed" if self.fulfillments else "open"
            return 200, {}, json.dumps({"fulfillment_orders": [{"id": 1046000778, "status": status}]}).encode()
        if r.method == "POST" and r.path == "/admin/api/2024-10/fulfillments.json":
            if self.down:
                return 500, {"Content-Type": "application/json"}, b'{"errors":"Internal Server Error"}'
            if self.throttled:
                self.throttled -= 1
                return 429, {"Retry-After": "2.0"}, b'{"errors":"Exceeded 2 calls per second for api client. Reduce request rates to resume uninterrupted service."}'
            body = json.loads(r.body)
            try:
                jsonschema.validate(body, FULFILLMENT)
            except jsonschema.ValidationError as exc:
                return 422, {}, json.dumps({"errors": [exc.message]}).encode()
            self.fulfillments.append(body["fulfillment"])
            return 201, {}, json.dumps({"fulfillment": {"id": 255858046, "status": "success",
                                                        "tracking_number": body["fulfillment"]["tracking_info"]["number"]}}).encode()
        return 404, {}, b'{"errors":"Not Found"}'
