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
too); each line's shipping and billing details (its child "Line Details": ``TrackingNumber``,
``BillOfLadingNumber``, ``Quantity``, ``BillingTransactionNumber``) only with
``expand=lines.lineDetails``; another child name is Oracle's 400.

Receivables (REST API for Oracle Fusion Cloud Financials, "Receivables Invoices"):
``GET receivablesInvoices?q=PurchaseOrder='...'`` with ``expand=receivablesInvoiceLines``,
paged by ``limit``/``offset`` (``hasMore``); each invoice `Fusion.bill` makes is checked
against ``schemas/oracle-receivablesInvoices.schema.json``. Answers queued in ``fail`` are
given first (Oracle's error bodies: `error`)."""

from __future__ import annotations

import json
import threading
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import jsonschema

from tests.support.httpd import Answer, Request

SCHEMA = json.loads((Path(__file__).parent / "schemas" / "oracle-salesOrdersForOrderHub.schema.json").read_text())
INVOICE_SCHEMA = json.loads((Path(__file__).parent / "schemas" / "oracle-receivablesInvoices.schema.json").read_text())
RESOURCE = "/fscmRestApi/resources/11.13.18.05/salesOrdersForOrderHub"
INVOICES = "/fscmRestApi/resources/11.13.18.05/receivablesInvoices"


def error(status: int, title: str, detail: str) -> Answer:
    """Oracle's REST error body (``application/vnd.oracle.adf.error+json``)."""
    body = {"title": title, "status": str(status), "o:errorDetails": [{"detail": detail, "o:errorCode": str(status)}]}
    return status, {"Content-Type": "application/vnd.oracle.adf.error+json"}, json.dumps(body).encode()


class Fusion:
    """The pod: a token endpoint and the salesOrdersForOrderHub resource."""

    def __init__(self) -> None:
        self.orders: dict[tuple[str, str], dict[str, Any]] = {}
        self.invoices: list[dict[str, Any]] = []
        self.fail: list[Answer] = []
        self.reads: list[str] = []
        self.page_size = 1
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
        if self.fail:
            return self.fail.pop(0)
        parts = urlsplit(r.path)
        if r.method == "GET" and parts.path == RESOURCE:
            return self.find(parse_qs(parts.query))
        if r.method == "GET" and parts.path == INVOICES:
            return self.find_invoices(parse_qs(parts.query))
        if r.method == "POST" and parts.path == RESOURCE:
            return self.create(r)
        return 404, {}, b""

    def find(self, query: dict[str, list[str]]) -> Answer:
        terms = dict(t.split("=", 1) for t in query["q"][0].split(";"))
        key = (terms["SourceTransactionSystem"].strip("'"), terms["SourceTransactionNumber"].strip("'"))
        self.reads.append(key[1])
        expand = set(query.get("expand", [""])[0].split(",")) - {""}
        if expand - {"lines", "lines.lineDetails", "all"}:
            return 400, {"Content-Type": "text/plain"}, f"Invalid expand: {sorted(expand)}".encode()
        found = [self.orders[key]] if key in self.orders else []
        if not expand:
            found = [{k: v for k, v in order.items() if k != "lines"} for order in found]
        elif not expand & {"lines.lineDetails", "all"}:
            found = [{**order, "lines": [{k: v for k, v in line.items() if k != "lineDetails"}
                                         for line in order["lines"]]} for order in found]
        return 200, {}, json.dumps({"items": found, "count": len(found), "hasMore": False}).encode()

    def find_invoices(self, query: dict[str, list[str]]) -> Answer:
        name, _, value = query["q"][0].partition("=")
        if name != "PurchaseOrder" or query.get("expand") != ["receivablesInvoiceLines"]:
            return 400, {"Content-Type": "text/plain"}, f"Invalid query: {query}".encode()
        found = [i for i in self.invoices if i["PurchaseOrder"] == value.strip("'")]
        offset, limit = int(query["offset"][0]), min(int(query["limit"][0]), self.page_size)
        page = found[offset:offset + limit]
        return 200, {}, json.dumps({"items": page, "count": len(page), "hasMore": offset + limit < len(found),
                                    "limit": limit, "offset": offset}).encode()

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
                "ShippedQuantity": None, "ShippedUOMCode": None, "ActualShipDate": None, "lineDetails": []}

    def line(self, number: str, line: str) -> dict[str, Any]:
        order = self.orders[("EDIGATE", number)]
        return next(item for item in order["lines"] if str(item["SourceTransactionLineId"]) == line)

    def ship(self, number: str, line: str, quantity: float, on: str, *, tracking: str | None = None) -> None:
        """The warehouse ships ``quantity`` of the order's line ``line`` (its
        ``SourceTransactionLineId``) on ``on`` (YYYY-MM-DD): the fulfillment line is Shipped,
        with a shipping detail carrying ``tracking`` and a bill of lading."""
        item = self.line(number, line)
        item.update(StatusCode="SHIPPED", ShippedQuantity=quantity, ShippedUOMCode=item["OrderedUOMCode"],
                    ActualShipDate=f"{on}T15:30:00+00:00")
        item["lineDetails"].append({
            "FulfillLineDetailId": 400000100000000 + len(item["lineDetails"]),
            "FulfillLineId": item["FulfillLineId"], "TaskType": "Shipment", "Quantity": quantity,
            "TrackingNumber": tracking, "BillOfLadingNumber": f"BOL{item['FulfillLineId']}" if tracking else None,
            "DeliveryName": f"D{item['FulfillLineId']}"})

    def bill(self, number: str, lines: list[str], on: str) -> str:
        """Receivables invoices the shipped ``lines`` of the order (AutoInvoice): one invoice,
        its lines naming the order; the fulfillment lines become Billed. Its number."""
        order = self.orders[("EDIGATE", number)]
        invoice_number = str(700100 + len(self.invoices))
        billed = [self.line(number, n) for n in lines]
        invoice = {
            "CustomerTransactionId": 300000200000000 + len(self.invoices), "TransactionNumber": invoice_number,
            "TransactionDate": on, "TransactionType": "Invoice", "TransactionSource": "Distributed Order Orchestration",
            "InvoiceCurrencyCode": order["TransactionalCurrencyCode"], "PurchaseOrder": order["CustomerPONumber"],
            "BillToCustomerNumber": order["BuyingPartyNumber"],
            "receivablesInvoiceLines": [{
                "CustomerTransactionLineId": 300000300000000 + n, "LineNumber": n + 1,
                "ItemNumber": item["ProductNumber"], "Description": str(item["ProductNumber"]),
                "Quantity": item["ShippedQuantity"], "UnitOfMeasure": item["OrderedUOMCode"],
                "UnitSellingPrice": item.get("UnitListPrice", 1.0),
                "LineAmount": float(item["ShippedQuantity"]) * float(item.get("UnitListPrice", 1.0)),
                "SalesOrder": order["OrderNumber"]} for n, item in enumerate(billed)]}
        jsonschema.validate(invoice, INVOICE_SCHEMA)
        self.invoices.append(invoice)
        for item in billed:
            item["StatusCode"] = "BILLED"
            item["lineDetails"].append({"FulfillLineDetailId": 400000900000000 + len(self.invoices),
                                        "FulfillLineId": item["FulfillLineId"], "TaskType": "Invoice",
                                        "BillingTransactionNumber": invoice_number})
        return invoice_number
