"""Oracle Fusion Order Management against a local service: OAuth 2 client credentials,
the request checked against the resource's schema, one order however often it is sent
(a lost answer included), and the status read back."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import jsonschema
import pytest

from edigate.config.channels import OAuth2Auth
from edigate.config.connectors import OracleTarget
from edigate.config.partners import Destination
from edigate.config.secrets import SecretRef
from edigate.connectors.oracle import order_status
from edigate.orders.routing import Router
from edigate.transport import ChannelOptions, open_channel
from edigate.transport.http_channel import HttpClient
from edigate.transport.http_error import HttpError
from tests.support.erp import sample_orders
from tests.support.httpd import Answer, Request, serve

SCHEMA = json.loads((Path(__file__).parent / "schemas" / "oracle-salesOrdersForOrderHub.schema.json").read_text())
RESOURCE = "/fscmRestApi/resources/11.13.18.05/salesOrdersForOrderHub"


class Fusion:
    """The pod: a token endpoint and the salesOrdersForOrderHub resource."""

    def __init__(self) -> None:
        self.orders: dict[tuple[str, str], dict[str, object]] = {}
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
            q = parse_qs(parts.query)["q"][0]
            terms = dict(t.split("=", 1) for t in q.split(";"))
            key = (terms["SourceTransactionSystem"].strip("'"), terms["SourceTransactionNumber"].strip("'"))
            found = [self.orders[key]] if key in self.orders else []
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
        self.orders[key] = {**body, "OrderNumber": str(500000 + len(self.orders)), "StatusCode": "OPEN"}
        if self.stall_next_create.is_set():
            self.stall_next_create.clear()
            self.release.wait(60)  # created, but the answer never comes in time
        return 201, {}, json.dumps(self.orders[key]).encode()


@pytest.fixture
def fusion(monkeypatch: pytest.MonkeyPatch) -> Iterator[tuple[Fusion, str]]:
    monkeypatch.setenv("ORACLE_SECRET", "secret")
    pod = Fusion()
    with serve(pod) as server:
        yield pod, server.url
        pod.release.set()


def target(url: str, **changes: object) -> OracleTarget:
    settings: dict[str, object] = dict(
        url=url, auth=OAuth2Auth(token_url=url + "/oauth2/v1/token", client_id="edigate",
                                 client_secret=SecretRef("env", "ORACLE_SECRET")),
        source_system="EDIGATE", business_unit="Vision Operations", buying_party_number="1006",
        backoff_seconds=0.0)
    settings.update(changes)
    return OracleTarget(**settings)  # type: ignore[arg-type]


def deliver(order: object, oracle: OracleTarget) -> None:
    router = Router([Destination(name="fusion", format="oracle-salesorder", target=oracle)], partner="bigbox")
    (delivery,) = router.route(order, document=1)  # type: ignore[arg-type]
    assert delivery.error is None, delivery.error
    with open_channel(oracle, "bigbox:fusion", ChannelOptions(sleep=lambda s: None)) as channel:
        channel.send(delivery.file_name, delivery.payload)


def test_orders_are_created_once_and_their_status_read_back(fusion: tuple[Fusion, str]) -> None:
    pod, url = fusion
    orders = sample_orders("bigbox")
    for order in orders * 2:
        deliver(order, target(url))
    assert len(pod.orders) == len(orders)
    with HttpClient.for_target(target(url)) as client:
        assert order_status(client, target(url), partner="bigbox", po_number=orders[0].po_number) == "OPEN"
        assert order_status(client, target(url), partner="bigbox", po_number="NOPE") is None


def test_a_lost_answer_then_a_resend_makes_no_second_order(fusion: tuple[Fusion, str]) -> None:
    pod, url = fusion
    order = sample_orders("bigbox")[0]
    pod.stall_next_create.set()
    with pytest.raises(HttpError, match="no answer in time") as raised:
        deliver(order, target(url, timeout_seconds=0.5))
    assert raised.value.code == "transport.http.timeout"
    deliver(order, target(url))  # the order waits in the queue and is sent again
    assert len(pod.orders) == 1
