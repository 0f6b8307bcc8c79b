from __future__ import annotations

import csv
import dataclasses
import json

import pytest
from lxml import etree

from edigate.errors import DataError
from edigate.model import from_json, Order, Purpose
from edigate.config.partners import load_partner
from edigate.orders.routing import XSD_PATH, Router, render, route

from tests.support.paths import REPO
from tests.support.orders import sample_order


def test_json_export_is_the_canonical_order() -> None:
    order = sample_order("bigbox", "bigbox-850-4010")
    assert from_json(Order, json.loads(render(order, "json", partner="bigbox"))) == order


def test_xml_export_validates_against_the_published_xsd() -> None:
    order = sample_order("distrib", "distrib-850-5010")
    data = render(order, "xml", partner="distrib")
    doc = etree.fromstring(data)
    assert etree.XMLSchema(etree.parse(str(XSD_PATH))).validate(doc)
    ns = {"o": "urn:edigate:order-export:1"}
    assert doc.findtext("o:poNumber", namespaces=ns) == "DP-778812"
    assert [e.get("number") for e in doc.findall("o:line", ns)] == ["1", "2", "3", "4"]
    assert doc.find("o:party[@role='ST']/o:id", ns).text == "0614141000029"
    assert doc.findtext("o:total", namespaces=ns) == "3132.00"


def test_csv_export_has_one_row_per_line() -> None:
    order = sample_order("bigbox", "bigbox-850-4010")
    rows = list(csv.DictReader(render(order, "csv", partner="bigbox").decode().splitlines()))
    assert [(r["line"], r["sku"], r["quantity"], r["ship_to"]) for r in rows] == [
        ("1", "ACM-1001", "24", "1482"), ("2", "ACM-2040", "48", "1482"), ("3", "ACM-3300", "12", "1482")]


def test_route_picks_destinations_by_condition() -> None:
    order = sample_order("bigbox", "bigbox-850-4010")
    partner = load_partner(REPO / "partners" / "bigbox.yaml")
    base = partner.routing[0]
    dests = [base, dataclasses.replace(base, name="big", format="xml", when="order.lines | length > 5"),
             dataclasses.replace(base, name="csv", format="csv", when="order.po_number.startswith('45')")]
    deliveries = route(order, dests, partner="bigbox", document=7)
    assert [(d.destination, d.file_name) for d in deliveries] == [
        ("erp", "bigbox-4500012345-original-7.json"), ("csv", "bigbox-4500012345-original-7.csv")]


def test_file_names_never_carry_partner_paths() -> None:
    order = dataclasses.replace(sample_order("bigbox", "bigbox-850-4010"), po_number="../../etc/passwd")
    [d] = route(order, [load_partner(REPO / "partners" / "bigbox.yaml").routing[0]], partner="bigbox", document=3)
    assert d.file_name == "bigbox-etc_passwd-original-3.json" and "/" not in d.file_name


def test_a_condition_cannot_escape_the_sandbox() -> None:
    from edigate.errors import ConfigError
    order = sample_order("bigbox", "bigbox-850-4010")
    base = load_partner(REPO / "partners" / "bigbox.yaml").routing[0]
    evil = dataclasses.replace(base, when="order.__class__.__mro__[1].__subclasses__()")
    with pytest.raises((ConfigError, DataError)):
        route(order, [evil], partner="bigbox", document=1)


def test_a_cancel_says_so_in_every_format_and_under_a_name_of_its_own() -> None:
    order = dataclasses.replace(sample_order("bigbox", "bigbox-850-4010"), purpose=Purpose.CANCEL, purpose_code="01")
    ns = {"o": "urn:edigate:order-export:1"}
    assert etree.fromstring(render(order, "xml", partner="bigbox")).findtext("o:purpose", namespaces=ns) == "cancel"
    rows = list(csv.DictReader(render(order, "csv", partner="bigbox").decode().splitlines()))
    assert {r["purpose"] for r in rows} == {"cancel"}
    assert json.loads(render(order, "json", partner="bigbox"))["purpose"] == "cancel"
    partner = load_partner(REPO / "partners" / "bigbox.yaml")
    text = render(order, "json", partner="bigbox").decode()
    assert [d.file_name for d in route(order, partner.routing[:1], partner="bigbox", document=9)] == [
        "bigbox-4500012345-cancel-9.json"]
    router = Router(partner.routing[:1], partner="bigbox")
    assert [d.file_name for d in router.route(text, document=9)] == ["bigbox-4500012345-cancel-9.json"]
    assert router.route(text, document=9, only=lambda name, fmt: name != partner.routing[0].name) == []


@pytest.mark.parametrize("po_number", ["4500012345", 'PO "7"\\B', "45/00"])
@pytest.mark.parametrize("purpose", [Purpose.ORIGINAL, Purpose.CANCEL])
def test_routing_stored_text_names_the_file_as_routing_the_order_does(po_number: str, purpose: Purpose) -> None:
    from edigate.model import dumps

    order = dataclasses.replace(sample_order("bigbox", "bigbox-850-4010"), po_number=po_number, purpose=purpose)
    base = load_partner(REPO / "partners" / "bigbox.yaml").routing[0]
    router = Router([dataclasses.replace(base, format="json", when=None)], partner="bigbox")
    [from_text], [from_order] = router.route(dumps(order), document=4), router.route(order, document=4)
    assert from_text.file_name == from_order.file_name
    assert from_text.file_name.endswith("-cancel-4.json") is (purpose is Purpose.CANCEL)


@pytest.mark.parametrize(("when", "why"), [
    ("order.total / 0 > 1", "division by zero"),
    ("(order.po_number * 100000000) | length > 0", "a value of 900,000,000 characters or items"),
    ("order.po_number | center(2000000000)", "a value of 2,000,000,000 characters or items"),
    ("order.line_count ** 100000000 > 0", "a number of more than 4300 digits"),
])
def test_a_condition_that_fails_names_its_file_and_line(when: str, why: str) -> None:
    import tracemalloc

    partner = load_partner(REPO / "partners" / "distrib.yaml")
    dests = [dataclasses.replace(partner.routing[1], when=when)]
    router = Router(dests, partner="distrib", file="partners/distrib.yaml", lines={"routing[0].when": 48})
    tracemalloc.start()
    try:
        with pytest.raises(DataError) as info:
            router.route(sample_order("distrib", "distrib-850-5010"), document=1)
        assert tracemalloc.get_traced_memory()[1] < 20_000_000
    finally:
        tracemalloc.stop()
    assert info.value.code == "route.when"
    assert info.value.message.startswith(f"routing erp: partners/distrib.yaml:48: routing[0].when: expression {when!r} "
                                         "failed: ") and why in info.value.message


def test_a_condition_sees_no_lipsum_range_or_private_name() -> None:
    from edigate.errors import ConfigError

    base = load_partner(REPO / "partners" / "bigbox.yaml").routing[0]
    for when in ("lipsum(n=2000000)", "range(10 ** 9) | list", "order._x"):
        with pytest.raises(ConfigError, match=r"^p.yaml:7: routing\[0\].when: expression"):
            Router([dataclasses.replace(base, when=when)], partner="bigbox", file="p.yaml",
                   lines={"routing[0].when": 7})


def test_punctuation_pos_get_names_of_their_own() -> None:
    base = dataclasses.replace(load_partner(REPO / "partners" / "bigbox.yaml").routing[0], when=None)
    router = Router([base], partner="bigbox")
    order = sample_order("bigbox", "bigbox-850-4010")
    names = [router.route(dataclasses.replace(order, po_number=po), document=n)[0].file_name
             for n, po in enumerate(["A/B", "A_B", "A B", "..", "../..", "\x1b[2J\n"], 1)]
    assert names == ["bigbox-A_B-original-1.json", "bigbox-A_B-original-2.json", "bigbox-A_B-original-3.json",
                     "bigbox-_-original-4.json", "bigbox-_-original-5.json", "bigbox-2J-original-6.json"]
