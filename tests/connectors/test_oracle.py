"""Oracle Fusion Order Management against a local service: OAuth 2 client credentials,
the request checked against the resource's schema, one order however often it is sent
(a lost answer included), and the status read back."""

from __future__ import annotations

from collections.abc import Iterator

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
from tests.connectors.oracle_system import Fusion
from tests.support.httpd import serve



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
