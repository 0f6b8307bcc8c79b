"""Oracle Fusion Order Management against a local service: OAuth 2 client credentials,
the request checked against the resource's schema, one order however often it is sent
(a lost answer included), the status read back, the fulfillment lines that shipped
(Oracle's "Order Lines": ShippedQuantity, ActualShipDate; their "Line Details":
TrackingNumber, BillOfLadingNumber) as a Shipment whose 856 is valid, and Receivables'
invoices of the order as Invoices whose 810 is valid; Oracle's error answers are errors."""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator
from datetime import date
from decimal import Decimal

import pytest

from edigate.config.channels import OAuth2Auth
from edigate.config.connectors import OracleTarget
from edigate.config.partners import Destination
from edigate.config.secrets import SecretRef
from edigate.connectors.oracle import invoices_of, order_status, read_order, shipment_of
from edigate.errors import DataError
from edigate.orders.routing import Router
from edigate.transport import ChannelOptions, open_channel
from edigate.transport.http_channel import HttpClient
from edigate.transport.http_error import HttpError
from tests.support.erp import sample_orders, x12_ok
from tests.connectors.oracle_system import Fusion, error
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


def test_shipped_fulfillment_lines_become_one_shipment_of_what_was_not_taken(fusion: tuple[Fusion, str]) -> None:
    pod, url = fusion
    order = sample_orders("bigbox")[0]
    deliver(order, target(url))
    with HttpClient.for_target(target(url)) as client:
        waiting = read_order(client, target(url), partner="bigbox", po_number=order.po_number)
        pod.ship("bigbox-4500012345", "1", 24, "2026-12-10")
        pod.ship("bigbox-4500012345", "3", 10, "2026-12-11", tracking="1Z999AA10123456784")
        shipped = read_order(client, target(url), partner="bigbox", po_number=order.po_number)
    assert waiting is not None and shipped is not None
    assert [f.status for f in waiting.lines] == ["AWAIT_SHIP"] * 3 and shipment_of(waiting, order) is None
    assert [f.status for f in shipped.lines] == ["SHIPPED", "AWAIT_SHIP", "SHIPPED"]
    shipment = shipment_of(shipped, order)
    assert shipment is not None and shipment.ship_date == date(2026, 12, 11)
    assert shipment.shipment_id == f"{shipped.number}-{shipped.lines[0].id}"
    assert (shipment.tracking_number, shipment.bol_number) == ("1Z999AA10123456784", f"BOL{shipped.lines[2].id}")
    (so,) = shipment.orders
    assert so.po_number == order.po_number
    assert [(i.line_number, i.quantity_shipped) for i in so.items] == [("1", Decimal(24)), ("3", Decimal(10))]
    x12_ok("bigbox", "856", shipment)
    again = shipment_of(shipped, order, taken={shipped.lines[0].id})
    assert again is not None and [i.line_number for i in again.orders[0].items] == ["3"]
    assert shipment_of(shipped, order, taken={f.id for f in shipped.lines}) is None


def test_a_shipped_line_the_order_does_not_have_is_an_error(fusion: tuple[Fusion, str]) -> None:
    pod, url = fusion
    order = sample_orders("bigbox")[0]
    deliver(order, target(url))
    pod.ship("bigbox-4500012345", "2", 48, "2026-12-10")
    with HttpClient.for_target(target(url)) as client:
        found = read_order(client, target(url), partner="bigbox", po_number=order.po_number)
    assert found is not None
    with pytest.raises(DataError, match="ships line 2, which PO 4500012345 does not have") as raised:
        shipment_of(found, dataclasses.replace(order, lines=order.lines[:1]))
    assert raised.value.code == "oracle.reply"


def test_receivables_invoices_of_the_order_become_invoices_whose_810_is_valid(fusion: tuple[Fusion, str]) -> None:
    pod, url = fusion
    order = sample_orders("bigbox")[0]
    deliver(order, target(url))
    for line, quantity in (("1", 24), ("2", 48)):
        pod.ship("bigbox-4500012345", line, quantity, "2026-12-10")
    first = pod.bill("bigbox-4500012345", ["1"], "2026-12-11")
    second = pod.bill("bigbox-4500012345", ["2"], "2026-12-12")
    pod.invoices.append({**pod.invoices[0], "TransactionNumber": "OTHER",  # another customer's order, same PO
                         "receivablesInvoiceLines": [{**pod.invoices[0]["receivablesInvoiceLines"][0],
                                                      "SalesOrder": "999999"}]})
    with HttpClient.for_target(target(url)) as client:
        found = read_order(client, target(url), partner="bigbox", po_number=order.po_number)
        assert found is not None and [f.status for f in found.lines] == ["BILLED", "BILLED", "AWAIT_SHIP"]
        bills = invoices_of(client, found, order)  # three pages of one
    assert [(b.invoice_number, b.invoice_date) for b in bills] == [(first, date(2026, 12, 11)),
                                                                    (second, date(2026, 12, 12))]
    assert [(line.line_number, line.quantity, line.unit_price) for b in bills for line in b.lines] == [
        ("1", Decimal(24), Decimal("12.49")), ("2", Decimal(48), Decimal("4.75"))]
    assert {b.po_number for b in bills} == {order.po_number} and bills[0].ship_to == order.ship_to
    for bill in bills:
        x12_ok("bigbox", "810", bill)


@pytest.mark.parametrize("answers", [
    [error(500, "Internal Server Error", "JBO-27122: SQL error during statement preparation.")] * 2,
    [error(400, "Bad Request", "URL request parameter q with value PurchaseOrder is invalid.")],
    [(401, {}, b'{"title":"Unauthorized"}')] * 2,
], ids=["500", "400", "401"])
def test_an_error_answer_reading_invoices_is_an_error_and_the_next_read_finds_them(
        fusion: tuple[Fusion, str], answers: list[tuple[int, dict[str, str], bytes]]) -> None:
    pod, url = fusion
    order = sample_orders("bigbox")[0]
    deliver(order, target(url))
    pod.ship("bigbox-4500012345", "1", 24, "2026-12-10")
    pod.bill("bigbox-4500012345", ["1"], "2026-12-11")
    oracle = target(url, attempts=2)
    with HttpClient.for_target(oracle) as client:
        found = read_order(client, oracle, partner="bigbox", po_number=order.po_number)
        assert found is not None
        pod.fail.extend(answers)
        with pytest.raises(HttpError) as raised:
            invoices_of(client, found, order)
        assert str(answers[0][0]) in raised.value.message
        assert [b.invoice_number for b in invoices_of(client, found, order)] == ["700100"]


def test_a_rate_limited_read_waits_as_asked_and_an_unreadable_invoice_is_an_error(fusion: tuple[Fusion, str]) -> None:
    pod, url = fusion
    order = sample_orders("bigbox")[0]
    deliver(order, target(url))
    pod.ship("bigbox-4500012345", "1", 24, "2026-12-10")
    pod.bill("bigbox-4500012345", ["1"], "2026-12-11")
    waited: list[float] = []
    with HttpClient.for_target(target(url), sleep=waited.append) as client:
        found = read_order(client, target(url), partner="bigbox", po_number=order.po_number)
        assert found is not None
        pod.fail.append((429, {"Retry-After": "2"}, b"Too Many Requests"))
        assert [b.invoice_number for b in invoices_of(client, found, order)] == ["700100"]
        pod.invoices[0]["receivablesInvoiceLines"][0]["ItemNumber"] = "NOT-OURS"
        with pytest.raises(DataError, match="Oracle item NOT-OURS is on no line") as raised:
            invoices_of(client, found, order)
    assert len(waited) == 1 and 2.0 <= waited[0] < 3 and raised.value.code == "oracle.reply"  # Retry-After, with jitter
