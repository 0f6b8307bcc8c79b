"""NetSuite end to end against a local service: TBA signatures, the upsert by external id,
SuiteQL paging, NetSuite's error bodies, and the read-back as valid 856 and 810."""

from __future__ import annotations

import threading
from collections.abc import Iterator

import pytest

from edigate.config.channels import OAuth1Auth
from edigate.config.connectors import NetSuiteTarget
from edigate.config.partners import Destination
from edigate.config.secrets import SecretRef
from edigate.connectors.netsuite import external_id, fulfillments, invoices, orders_by_external_id
from edigate.model import Order
from edigate.orders.routing import Router
from edigate.transport import ChannelOptions, open_channel
from edigate.transport.http_channel import HttpClient
from edigate.transport.http_error import HttpError
from tests.connectors.netsuite_system import NetSuite, problem
from tests.support.erp import sample_orders, x12_ok
from tests.support.httpd import serve

ACCOUNT = "1234567_SB1"


def auth() -> OAuth1Auth:
    return OAuth1Auth(consumer_key="ck", consumer_secret=SecretRef("env", "NS_CONSUMER_SECRET"), token_id="tk",
                      token_secret=SecretRef("env", "NS_TOKEN_SECRET"), realm=ACCOUNT)


@pytest.fixture
def netsuite(monkeypatch: pytest.MonkeyPatch) -> Iterator[NetSuite]:
    monkeypatch.setenv("NS_CONSUMER_SECRET", "cons-secret")
    monkeypatch.setenv("NS_TOKEN_SECRET", "tok-secret")
    system = NetSuite(ACCOUNT, "cons-secret", "tok-secret")
    with serve(system) as server:
        system.url = server.url
        yield system


def target(system: NetSuite, **changes: object) -> NetSuiteTarget:
    settings: dict[str, object] = dict(url=system.url, auth=auth(), customer="4242", location="7",
                                       backoff_seconds=0.0)
    settings.update(changes)
    return NetSuiteTarget(**settings)  # type: ignore[arg-type]


def deliver(order: Order, ns_target: NetSuiteTarget, partner: str = "bigbox", document: int = 1) -> None:
    router = Router([Destination(name="ns", format="netsuite-salesorder", target=ns_target)], partner=partner)
    (delivery,) = router.route(order, document=document)
    assert delivery.error is None, delivery.error
    with open_channel(delivery.target, f"{partner}:ns", ChannelOptions(sleep=lambda s: None)) as channel:
        channel.send(delivery.file_name, delivery.payload)


def test_orders_upserted_by_external_id_and_read_back_as_valid_856_and_810(netsuite: NetSuite) -> None:
    orders = sample_orders("bigbox")
    for order in orders:
        deliver(order, target(netsuite))
        deliver(order, target(netsuite))  # a replay updates the same order
    assert netsuite.created == len(orders) == len(netsuite.orders)
    eid = external_id("bigbox", orders[0].po_number)
    assert netsuite.orders[eid]["otherRefNum"] == orders[0].po_number
    assert netsuite.orders[eid]["entity"] == {"id": "4242"}
    for key in netsuite.orders:
        netsuite.fulfil_and_bill(key)
    with HttpClient.for_target(target(netsuite)) as client:
        by_eid = orders_by_external_id("bigbox", orders)
        shipments, bills = fulfillments(client, by_eid), invoices(client, by_eid)
    assert len(shipments) == len(bills) == len(orders)
    assert sum(len(s.orders[0].items) for s in shipments) == sum(len(o.lines) for o in orders)
    assert shipments[0].tracking_number == "1Z999AA10123456784"
    assert len(netsuite.queries) > 2  # pages of two rows each were followed
    for shipment, bill in zip(shipments, bills, strict=True):
        x12_ok("bigbox", "856", shipment)
        x12_ok("bigbox", "810", bill)


def test_a_wrong_token_secret_is_netsuites_invalid_login(netsuite: NetSuite, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("NS_TOKEN_SECRET", "stale")
    with pytest.raises(HttpError, match="INVALID_LOGIN") as raised:
        deliver(sample_orders("bigbox")[0], target(netsuite))
    assert raised.value.status == 401 and netsuite.orders == {}


def test_the_wrong_realm_is_refused(netsuite: NetSuite) -> None:
    wrong = OAuth1Auth(consumer_key="ck", consumer_secret=SecretRef("env", "NS_CONSUMER_SECRET"), token_id="tk",
                       token_secret=SecretRef("env", "NS_TOKEN_SECRET"), realm="7654321")
    with pytest.raises(HttpError, match="INVALID_LOGIN"):
        deliver(sample_orders("bigbox")[0], target(netsuite, auth=wrong))


def test_concurrency_limit_and_server_errors_are_retried_to_one_order(netsuite: NetSuite) -> None:
    netsuite.fail = [problem(429, "Too Many Requests", "CONCURRENCY_LIMIT_EXCEEDED",
                             "Concurrent request limit exceeded. Request blocked."),
                     problem(500, "Internal Server Error", "UNEXPECTED_ERROR", "An unexpected error occurred.")]
    deliver(sample_orders("bigbox")[0], target(netsuite))
    assert netsuite.created == 1 and netsuite.fail == []


def test_a_record_netsuite_refuses_is_an_exception_with_its_error_code(netsuite: NetSuite) -> None:
    netsuite.fail = [problem(400, "Bad Request", "USER_ERROR", "Please enter value(s) for: Location")]
    with pytest.raises(HttpError, match="USER_ERROR") as raised:
        deliver(sample_orders("bigbox")[0], target(netsuite))
    assert raised.value.code == "transport.http.rejected" and netsuite.orders == {}


def test_netsuite_that_never_answers_is_a_timeout(netsuite: NetSuite) -> None:
    hung = threading.Event()
    release = threading.Event()

    def hang(system: NetSuite = netsuite) -> None:
        hung.set()
        release.wait(60)

    original = NetSuite.__call__
    try:
        NetSuite.__call__ = lambda self, r: (hang(), original(self, r))[1]  # type: ignore[method-assign]
        with pytest.raises(HttpError, match="no answer in time") as raised:
            deliver(sample_orders("bigbox")[0], target(netsuite, timeout_seconds=0.5, attempts=2))
    finally:
        NetSuite.__call__ = original  # type: ignore[method-assign]
        release.set()
    assert hung.is_set() and raised.value.code == "transport.http.timeout"
