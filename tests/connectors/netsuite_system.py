"""A local stand-in for NetSuite's REST web services, behaving as Oracle documents them.

- Token-based authentication: the ``Authorization: OAuth`` header's HMAC-SHA256 signature is
  recomputed (RFC 5849) and its realm must be the account id; otherwise 401 with NetSuite's
  ``INVALID_LOGIN`` error body.
- ``PUT /services/rest/record/v1/salesOrder/eid:<externalId>``: an upsert (created once,
  updated after), the body checked against ``schemas/netsuite-salesOrder.schema.json``;
  204 No Content with a ``Location`` header; a bad body is 400 with ``o:errorDetails``.
- ``POST /services/rest/query/v1/suiteql?limit=&offset=`` with ``Prefer: transient``: rows
  of the fulfillments/invoices the test recorded, in pages (``hasMore``, ``offset``).
- Error bodies follow NetSuite's RFC 9457-style problem details with ``o:errorDetails``.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, unquote, urlsplit

import jsonschema

from tests.support.httpd import Answer, Request
from tests.support.oauth1 import authorization_params, expected_signature

SCHEMA = json.loads((Path(__file__).parent / "schemas" / "netsuite-salesOrder.schema.json").read_text())
_JSON = {"Content-Type": "application/vnd.oracle.resource+json; type=error"}


def problem(status: int, title: str, code: str, detail: str) -> Answer:
    """NetSuite's error body."""
    body = {"type": f"https://www.rfc-editor.org/rfc/rfc9110.html#section-15.{5 if status < 500 else 6}.1",
            "title": title, "status": status, "o:errorDetails": [{"detail": detail, "o:errorCode": code}]}
    return status, _JSON, json.dumps(body).encode()


@dataclass
class NetSuite:
    """The fake account: its credentials, its sales orders, and the rows SuiteQL returns."""

    account: str
    consumer_secret: str
    token_secret: str
    url: str = ""
    orders: dict[str, dict[str, Any]] = field(default_factory=dict)
    created: int = 0
    rows: dict[str, list[dict[str, Any]]] = field(default_factory=lambda: {"ItemShip": [], "CustInvc": []})
    fail: list[Answer] = field(default_factory=list)
    page_size: int = 2
    queries: list[str] = field(default_factory=list)

    def __call__(self, r: Request) -> Answer:
        if not self._signed(r):
            return problem(401, "Unauthorized", "INVALID_LOGIN", "Invalid login attempt. For more details, see "
                           "the Login Audit Trail in the NetSuite UI at Setup > Users/Roles > User Management > "
                           "View Login Audit Trail.")
        if self.fail:
            return self.fail.pop(0)
        path = urlsplit(r.path).path
        if r.method == "PUT" and path.startswith("/services/rest/record/v1/salesOrder/eid:"):
            return self._upsert(unquote(path.rsplit("eid:", 1)[1]), r)
        if r.method == "POST" and path == "/services/rest/query/v1/suiteql":
            return self._suiteql(r)
        return problem(404, "Not Found", "NONEXISTENT_ID", f"Record not found: {path}")

    def _signed(self, r: Request) -> bool:
        header = r.header("authorization") or ""
        if not header.startswith("OAuth "):
            return False
        params = authorization_params(header)
        good = expected_signature(r.method, self.url + r.path, params, self.consumer_secret, self.token_secret)
        return params.get("realm") == self.account and params.get("oauth_signature") == good \
            and params.get("oauth_signature_method") == "HMAC-SHA256"

    def _upsert(self, eid: str, r: Request) -> Answer:
        try:
            record = json.loads(r.body)
            jsonschema.validate(record, SCHEMA)
        except (ValueError, jsonschema.ValidationError) as exc:
            message = exc.message if isinstance(exc, jsonschema.ValidationError) else str(exc)
            return problem(400, "Bad Request", "INVALID_CONTENT", f"Invalid content in the request body: {message}")
        if record["externalId"] != eid:
            return problem(400, "Bad Request", "INVALID_VALUE", "externalId does not match the eid in the URL")
        if eid not in self.orders:
            self.created += 1
        self.orders[eid] = record
        return 204, {"Location": f"{self.url}/services/rest/record/v1/salesOrder/{1000 + len(self.orders)}"}, b""

    def _suiteql(self, r: Request) -> Answer:
        if r.header("prefer") != "transient":
            return problem(400, "Bad Request", "INVALID_PARAMETER", "Prefer: transient header is required")
        query = json.loads(r.body)["q"]
        self.queries.append(query)
        kind = "ItemShip" if "'ItemShip'" in query else "CustInvc"
        ids = set(re.findall(r"'([^']+)'", query.split("IN (", 1)[1].split(")", 1)[0]))
        since = re.search(r"t\.trandate >= TO_DATE\('(\d{4}-\d\d-\d\d)', 'YYYY-MM-DD'\)", query)
        rows = [row for row in self.rows[kind] if row["external_id"] in ids
                and (since is None or row["trandate"] >= since[1])]
        args = parse_qs(urlsplit(r.path).query)
        offset, limit = int(args["offset"][0]), min(int(args["limit"][0]), self.page_size)
        page = rows[offset:offset + limit]
        body = {"links": [], "count": len(page), "hasMore": offset + len(page) < len(rows),
                "items": [{**row, "links": []} for row in page], "offset": offset, "totalResults": len(rows)}
        return 200, {"Content-Type": "application/json"}, json.dumps(body).encode()

    def fulfil_and_bill(self, eid: str, *, bill: bool = True) -> None:
        """Ship every line of the order in full in one fulfillment, then (``bill``) invoice it."""
        record, number = self.orders[eid], list(self.orders).index(eid) + 1
        for n, line in enumerate(record["item"]["items"]):
            base = {"external_id": eid, "sku": line["item"]["externalId"], "quantity": line["quantity"],
                    "rate": line.get("rate", 1.0)}
            self.rows["ItemShip"].append({**base, "tranid": f"IF{number}", "trandate": "2026-12-09",
                                          "tracking": "1Z999AA10123456784" if n == 0 else None})
            if bill:
                self.rows["CustInvc"].append({**base, "tranid": f"INV{number}", "trandate": "2026-12-10",
                                              "tracking": None})
