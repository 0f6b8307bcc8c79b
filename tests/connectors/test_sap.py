"""SAP S/4HANA end to end: the sample 850s in, ORDERS05 IDocs to a local SAP service, and
SAP's ORDRSP, DESADV and INVOIC back as 855, 856 and 810 that pass our validator and pyx12."""

from __future__ import annotations

from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path

import pytest
from lxml import etree

from edigate.config.channels import BasicAuth
from edigate.config.connectors import SapTarget
from edigate.config.partners import Destination
from edigate.connectors.sap_orders import ORDERS05_XSD, orders05, validate_idoc
from edigate.connectors.sap_replies import document, invoice, po_ack, shipment
from edigate.errors import DataError
from edigate.model import AckType, LineStatus, Order
from edigate.orders.routing import Router
from edigate.transport import ChannelOptions, open_channel
from edigate.transport.http_error import HttpError
from edigate.config.secrets import SecretRef
from tests.connectors.sap_system import SapSystem, desadv, invoic, ordrsp
from tests.support.erp import sample_orders, x12_ok
from tests.support.httpd import serve

PARTNERS = ("bigbox", "distrib", "dropship")


def target(url: str, **changes: object) -> SapTarget:
    settings: dict[str, object] = dict(
        url=url + "/sap/bc/idoc_xml?sap-client=100", auth=BasicAuth(user="EDI_USER", password=SecretRef("env", "SAP_PW")),
        client="100", sender_partner="EDIGATE", receiver_port="SAPS4H", receiver_partner="S4HCLNT100",
        sold_to="100042", sales_org="1000", backoff_seconds=0.0)
    settings.update(changes)
    return SapTarget(**settings)  # type: ignore[arg-type]


@pytest.fixture
def sap(monkeypatch: pytest.MonkeyPatch) -> Iterator[tuple[SapSystem, str]]:
    monkeypatch.setenv("SAP_PW", "s3cret")
    system = SapSystem("EDI_USER", "s3cret")
    with serve(system) as server:
        yield system, server.url


def deliver(order: Order, sap_target: SapTarget, partner: str, document: int) -> None:
    """Route the order to the SAP destination and send it over the registered channel."""
    router = Router([Destination(name="s4", format="idoc-orders05", target=sap_target)], partner=partner)
    (delivery,) = router.route(order, document=document)
    assert delivery.error is None and delivery.file_name.endswith(".xml")
    with open_channel(delivery.target, f"{partner}:s4", ChannelOptions(sleep=lambda s: None)) as channel:
        channel.send(delivery.file_name, delivery.payload)


@pytest.mark.parametrize("partner", PARTNERS)
def test_850_to_sap_and_back_as_valid_855_856_810(partner: str, sap: tuple[SapSystem, str]) -> None:
    system, url = sap
    for n, order in enumerate(sample_orders(partner)):
        deliver(order, target(url), partner, 100 + n)
        idoc = system.idocs[-1]
        ack, shipped, billed = po_ack(ordrsp(idoc)), shipment(desadv(idoc)), invoice(invoic(idoc))
        assert ack.po_number == order.po_number and len(ack.lines) == len(order.lines)
        assert shipped.orders[0].po_number == order.po_number
        assert shipped.quantity_total == order.quantity_total
        assert billed.po_number == order.po_number and len(billed.lines) == len(order.lines)
        x12_ok(partner, "855", ack)
        x12_ok(partner, "856", shipped)
        x12_ok(partner, "810", billed)


def test_an_idoc_is_taken_by_its_message_type_and_any_other_refused(sap: tuple[SapSystem, str]) -> None:
    system, url = sap
    order = sample_orders(PARTNERS[0])[0]
    deliver(order, target(url), PARTNERS[0], 100)
    idoc = system.idocs[-1]
    assert document(ordrsp(idoc)) == po_ack(ordrsp(idoc))
    assert document(desadv(idoc)) == shipment(desadv(idoc))
    assert document(invoic(idoc)) == invoice(invoic(idoc))
    with pytest.raises(DataError) as refused:
        document(idoc)  # our own ORDERS IDoc: not a reply
    assert refused.value.code == "reply.message" and "ORDERS is not one we take" in refused.value.message


def test_the_idoc_carries_the_order_in_sap_segments(sap: tuple[SapSystem, str]) -> None:
    system, url = sap
    order = sample_orders("bigbox")[0]
    deliver(order, target(url), "bigbox", 7)
    doc = etree.fromstring(system.idocs[0], etree.XMLParser(resolve_entities=False, no_network=True))
    idoc = doc.find("IDOC")
    assert idoc is not None
    assert idoc.findtext("EDI_DC40/DOCNUM") == "0000000000000007"
    assert idoc.findtext("EDI_DC40/IDOCTYP") == "ORDERS05" and idoc.findtext("EDI_DC40/MESTYP") == "ORDERS"
    assert [e.findtext("PARVW") for e in idoc.iterfind("E1EDKA1")][0] == "AG"
    assert idoc.findtext("E1EDKA1/PARTN") == "100042"
    assert {e.findtext("QUALF"): e.findtext("ORGID") for e in idoc.iterfind("E1EDK14")}["008"] == "1000"
    assert idoc.findtext("E1EDK02/BELNR") == order.po_number
    items = idoc.findall("E1EDP01")
    assert [i.findtext("POSEX") for i in items] == [line.line_number for line in order.lines]
    assert [Decimal(i.findtext("MENGE") or "") for i in items] == [line.quantity for line in order.lines]
    assert all(i.find("E1EDP20") is not None and i.find("E1EDP19") is not None for i in items)


def test_the_xsd_refuses_segments_out_of_sap_order() -> None:
    order = sample_orders("bigbox")[0]
    data = orders05(order, target("http://sap.invalid"), document=1, partner="bigbox")
    doc = etree.fromstring(data, etree.XMLParser(resolve_entities=False, no_network=True))
    item = doc.find("IDOC/E1EDP01")
    assert item is not None
    p19 = item.find("E1EDP19")
    assert p19 is not None
    item.remove(p19)
    item.insert(0, p19)  # E1EDP19 before the item's own fields
    with pytest.raises(DataError, match="ORDERS05.xsd") as raised:
        validate_idoc(etree.tostring(doc), ORDERS05_XSD, "test")
    assert raised.value.code == "sap.idoc"


def test_a_short_and_a_rejected_line_make_an_855_with_changes() -> None:
    order = sample_orders("bigbox")[0]
    idoc = orders05(order, target("http://sap.invalid"), document=1, partner="bigbox")
    ack = po_ack(ordrsp(idoc, short_line=0, rejected_line=1))
    assert ack.ack_type is AckType.ACCEPTED_WITH_CHANGES
    assert [line.status for line in ack.lines][:2] == [LineStatus.QUANTITY_CHANGED, LineStatus.REJECTED]
    assert ack.lines[0].quantity == order.lines[0].quantity / 2 and ack.lines[1].quantity == 0
    x12_ok("bigbox", "855", ack)


def test_an_invoice_whose_total_disagrees_is_refused() -> None:
    idoc = orders05(sample_orders("bigbox")[0], target("http://sap.invalid"), document=1, partner="bigbox")
    with pytest.raises(DataError, match=r"E1EDS01 \(011\) total"):
        invoice(invoic(idoc, total_off_by=Decimal("0.01")))


def test_idoc_xml_with_an_external_entity_is_not_resolved(tmp_path: Path) -> None:
    secret = tmp_path / "secret.txt"
    secret.write_text("TOPSECRET")
    evil = (f'<?xml version="1.0"?><!DOCTYPE x [<!ENTITY e SYSTEM "file://{secret}">]>'
            '<ORDERS05><IDOC BEGIN="1"><E1EDK02 SEGMENT="1"><QUALF>001</QUALF><BELNR>&e;</BELNR>'
            '<DATUM>20261201</DATUM></E1EDK02></IDOC></ORDERS05>').encode()
    try:
        ack = po_ack(evil)
    except DataError:
        return
    assert "TOPSECRET" not in ack.po_number


def test_wrong_password_is_an_auth_exception_with_sap_answer(sap: tuple[SapSystem, str]) -> None:
    system, url = sap
    bad = target(url, auth=BasicAuth(user="EDI_USER", password=SecretRef("env", "SAP_WRONG")))
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("SAP_WRONG", "nope")
        with pytest.raises(HttpError, match="Logon failed") as raised:
            deliver(sample_orders("bigbox")[0], bad, "bigbox", 1)
    assert raised.value.status == 401 and raised.value.code == "transport.http.auth"
    assert system.idocs == []


def test_sap_busy_then_accepting_delivers_once(sap: tuple[SapSystem, str]) -> None:
    system, url = sap
    system.fail = [(503, {"Retry-After": "0"}, b"Service unavailable"), (429, {"Retry-After": "0"}, b"")]
    deliver(sample_orders("bigbox")[0], target(url), "bigbox", 1)
    assert len(system.idocs) == 1


def test_an_unknown_receiver_is_an_exception_after_the_tries(sap: tuple[SapSystem, str]) -> None:
    system, url = sap
    with pytest.raises(HttpError, match="No partner profile") as raised:
        deliver(sample_orders("bigbox")[0], target(url, receiver_partner="OTHER", attempts=2), "bigbox", 1)
    assert raised.value.status == 500 and system.idocs == []
