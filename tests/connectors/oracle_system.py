"""A local stand-in for an Oracle Fusion Cloud pod, as Oracle's REST API for SCM documents it:
an OAuth 2 client-credentials token endpoint (401 for a request without the current token),
and the "Sales Orders for Order Hub" resource: the ``q=`` finder by source system and
number, and create (``application/vnd.oracle.adf.resourceitem+json``, the body checked
against ``schemas/oracle-salesOrdersForOrderHub.schema.json``; 400 with Oracle's text for a
bad body or an order the source system already has). ``StatusCode`` starts ``OPEN``.

Each created line becomes a fulfillment line (the child resource "Order Lines", Oracle's
"Get one order line": ``FulfillLineId``, ``SourceTransactionLineId``, ``StatusCode``
starting ``AWAIT_SHIP``, ``ShippedQuantity``, ``ShippedUOMCode`` and ``ActualShipDate`` empty
until `Fusion.ship`), returned only when the query asks ``expand=lines`` (``expand=all``
too); another child name is Oracle's 400."""

from __future__ import annotations

import json
import threading
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import jsonschema

from tests.support.httpd import Answer, Request

SCHEMA = json.loads((Path(__file__).parent / "schemas" / "oracle-salesOrdersForOrderHub.schema.json").read_text())
RESOURCE = "/fscmRestApi/resources/11.13.18.05/salesOrdersForOrderHub"


class Fusion:
    """The pod: a token endpoint and the salesOrdersForOrderHub resource."""

    def __init__(self) -> None:
        self.orders: dict[tuple[str, str], dict[str, object]] = {}
        self.fulfill_lines = 0
        self.tokens = 0
        self.stall_next_create = threading.Event()
        self.release = threading.Event()

    def __call__(self, r: Request) -> Answer:
        if r.path == "/oauth2/v1/token":
            self.tokens += 1
            return 200, {}, json.dumps({"access_token": f"tok{self.tokens}", "expires_in": 3600}).encode()
        if r.header("authorization") != f"Bearer tok{self.tokens}":
            return 401, {}, b'{"title":"Unauthorized"}'
        parts = urlsplit(r.path)
        if r.method == "GET" and parts.path == RESOURCE:
            query = parse_qs(parts.query)
            terms = dict(t.split("=", 1) for t in query["q"][0].split(";"))
            key = (terms["SourceTransactionSystem"].strip("'"), terms["SourceTransactionNumber"].strip("'"))
            expand = set(query.get("expand", [""])[0].split(",")) - {""}
            if expand - {"lines", "all"}:
                return 400, {"Content-Type": "text/plain"}, f"Invalid expand: {sorted(expand)}".encode()
            found = [self.orders[key]] if key in self.orders else []
            if not expand:
                found = [{k: v for k, v in order.items() if k != "lines"} for order in found]
            return 200, {}, json.dumps({"items": found, "count": len(found), "hasMore": False}).encode()
        if r.method == "POST" and parts.path == RESOURCE:
            return self.create(r)
        return 404, {}, b""

    def create(self, r: Request) -> Answer:
        if r.header("content-type") != "application/vnd.oracle.adf.resourceitem+json":
            return 415, {}, b"Unsupported Media Type"
        body = json.loads(r.body)
        try:
            jsonschema.validate(body, SCHEMA, format_checker=jsonschema.Draft202012Validator.FORMAT_CHECKER)
        except jsonschema.ValidationError as exc:
            return 400, {"Content-Type": "text/plain"}, f"Invalid payload: {exc.message}".encode()
        key = (body["SourceTransactionSystem"], body["SourceTransactionNumber"])
        if key in self.orders:
            return 400, {"Content-Type": "text/plain"}, b"The sales order already exists in the source system."
        lines = [self.fulfill_line(line) for line in body["lines"]]
        self.orders[key] = {**body, "OrderNumber": str(500000 + len(self.orders)), "StatusCode": "OPEN",
                            "lines": lines}
        if self.stall_next_create.is_set():
            self.stall_next_create.clear()
            self.release.wait(60)  # created, but the answer never comes in time
        return 201, {}, json.dumps(self.orders[key]).encode()

    def fulfill_line(self, line: dict[str, object]) -> dict[str, object]:
        self.fulfill_lines += 1
        return {**line, "FulfillLineId": 300000100000000 + self.fulfill_lines, "StatusCode": "AWAIT_SHIP",
                "ShippedQuantity": None, "ShippedUOMCode": None, "ActualShipDate": None}

    def ship(self, number: str, line: str, quantity: float, on: str) -> None:
        """The warehouse ships ``quantity`` of the order's line ``line`` (its
        ``SourceTransactionLineId``) on ``on`` (YYYY-MM-DD): the fulfillment line is Shipped."""
        order = self.orders[("EDIGATE", number)]
        for item in order["lines"]:  # type: ignore[attr-defined]
            if str(item["SourceTransactionLineId"]) == line:
                item.update(StatusCode="SHIPPED", ShippedQuantity=quantity, ShippedUOMCode=item["OrderedUOMCode"],
                            ActualShipDate=f"{on}T15:30:00+00:00")
