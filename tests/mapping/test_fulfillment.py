"""Outbound 855, 856 and 810: every generated set envelopes and passes the structural
validator in both versions; HL numbering and parents; TDS to the cent."""

from __future__ import annotations

import dataclasses
import datetime as dt
import functools
from decimal import ROUND_HALF_UP, Decimal

import pytest
from hypothesis import HealthCheck, given, settings

from edigate.model import (
    AckType,
    Address,
    AllowanceCharge,
    AllowanceOrCharge,
    Carrier,
    Carton,
    Fob,
    Invoice,
    InvoiceLine,
    LineAck,
    LineStatus,
    Order,
    Party,
    PartyIds,
    PoAck,
    ProductIds,
    Reference,
    Shipment,
    ShippedItem,
    ShippedOrder,
    Tax,
    Terms,
    Weight,
    sscc_check_digit,
)
from edigate.config.partners import load_partner
from tests.support.pyx12 import pyx12_validate
from edigate.x12.segment import Segment
from tests.support import strategies
from tests.support.outbound import assert_valid, interchange, outbound
from tests.support.paths import REPO
from tests.mapping import documents

SETTINGS = settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@functools.cache
def partner_maps() -> tuple[tuple[str, str], ...]:
    """(partner, map) for every outbound 855/865/856/810 a bundled partner names (read once:
    the collection asks twice)."""
    out = []
    for path in sorted((REPO / "partners").glob("*.yaml")):
        partner = load_partner(path)
        for set_id, name in sorted(partner.documents.outbound.items()):
            out.append((path.stem, name))
    return tuple(out)


# -- random documents, both versions ----------------------------------------------------

@pytest.mark.parametrize("version", ["4010", "5010"])
@SETTINGS
@given(acks=documents.po_acks().map(lambda a: [a]))
def test_random_855_validates(acks: list[PoAck], version: str) -> None:
    assert_valid(outbound(f"855-{version}"), acks)


@pytest.mark.parametrize("name", ["856-4010", "856-5010", "856-4010-tare", "856-5010-tare"])
@SETTINGS
@given(shipment=documents.shipments())
def test_random_856_validates(shipment: Shipment, name: str) -> None:
    assert_valid(outbound(name), [shipment])


@pytest.mark.parametrize("version", ["4010", "5010"])
@SETTINGS
@given(invoice=documents.invoices())
def test_random_810_validates(invoice: Invoice, version: str) -> None:
    assert_valid(outbound(f"810-{version}"), [invoice])


@pytest.mark.parametrize("version", ["4010", "5010"])
@SETTINGS
@given(order=documents.orders())
def test_random_940_validates_for_edigate_and_pyx12(order: Order, version: str) -> None:
    doc_map = outbound(f"940-{version}")
    assert_valid(doc_map, [order])
    result = pyx12_validate(interchange(doc_map, [order]))
    assert result.ok and all(s.accepted for s in result.sets), [str(f) for f in result.findings]


@pytest.mark.parametrize(("partner", "name"), partner_maps())
@settings(max_examples=10, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(ack=documents.po_acks(), shipment=documents.shipments(), invoice=documents.invoices())
def test_random_documents_validate_per_partner_for_edigate_and_pyx12(partner: str, name: str, ack: PoAck,
                                               shipment: Shipment, invoice: Invoice) -> None:
    doc_map = outbound(name)
    doc = {"855": ack, "865": ack, "856": shipment, "810": invoice}[doc_map.set_id]
    assert_valid(doc_map, [doc], partner)
    result = pyx12_validate(interchange(doc_map, [doc], partner))
    assert result.ok and all(s.accepted for s in result.sets), [str(f) for f in result.findings]


OUTBOUND_MAPS = sorted({name for _, name in partner_maps()}
                       | {f"{kind}-{v}" for kind in ("855", "856", "810") for v in ("4010", "5010")}
                       | {"856-4010-tare", "856-5010-tare"})


@pytest.mark.parametrize("name", OUTBOUND_MAPS)
@SETTINGS
@given(ack=strategies.po_acks(), shipment=strategies.shipments(), invoice=strategies.invoices())
def test_any_document_renders(name: str, ack: PoAck, shipment: Shipment, invoice: Invoice) -> None:
    """Any document the model allows renders to segments; whether X12 can carry its text
    is the validator's call (above, with X12-sized values)."""
    doc_map = outbound(name)
    segments = doc_map.render({"855": ack, "865": ack, "856": shipment, "810": invoice}[doc_map.set_id])
    assert all(isinstance(e, str) for s in segments for e in s.elements)


# -- hand-built documents per partner ----------------------------------------------------

def sscc(serial: int) -> str:
    body = f"0061414{serial:010d}"
    return body + sscc_check_digit(body)


def item(line: str, quantity: int, upc: str) -> ShippedItem:
    return ShippedItem(line, Decimal(quantity), "EA", ProductIds((("UP", upc), ("VN", f"ACM-{line}"))),
                       Decimal(quantity))


STORE = Party("ST", "BIGBOX STORE 1234", address=Address(("500 MAIN ST",), "BENTONVILLE", "AR",
                                                         "72712", "US"), ids=PartyIds((("92", "1234"),)))
WAREHOUSE = Party("SF", "ACME DC", address=Address(("1 DOCK RD",), "DAYTON", "OH", "45402", "US"),
                  ids=PartyIds((("1", "123456789"),)))
SHIPMENT = Shipment(
    "SHP-0001", dt.date(2026, 11, 24), dt.time(14, 5), carrier=Carrier("UPSN", "UPS GROUND", "M"),
    tracking_number="1Z999AA10123456784", bol_number="BOL123", gross_weight=Weight(Decimal("42.5"), "LB"),
    lading_quantity=3, packaging_code="CTN25", estimated_delivery=dt.date(2026, 11, 27),
    ship_from=WAREHOUSE, ship_to=STORE, references=(Reference("IA", "V12345"),),
    orders=(
        ShippedOrder("4500012345", dt.date(2026, 11, 18), cartons=(
            Carton(sscc(1), (item("1", 12, "012345678905"), item("2", 6, "012345678912"))),
            Carton(sscc(2), (item("1", 12, "012345678905"),), weight=Weight(Decimal(14), "LB")),
        )),
        ShippedOrder("4500012346", dt.date(2026, 11, 19), cartons=(
            Carton(sscc(3), (item("1", 24, "012345678929"),), tracking_number="1Z999AA10123456791"),
        )),
    ),
)
INVOICE = Invoice(
    "INV-1001", dt.date(2026, 11, 25), "4500012345", dt.date(2026, 11, 18), currency="USD",
    ship_date=dt.date(2026, 11, 24), seller=Party("SE", "ACME SUPPLY", ids=PartyIds((("1", "123456789"),))),
    ship_to=STORE, remit_to=Party("RI", "ACME LOCKBOX", address=Address(("PO BOX 1",), "DAYTON", "OH", "45401")),
    terms=Terms("08", "3", Decimal(2), 10, 30, "2% 10 NET 30"), fob=Fob("PP", "OR", "DAYTON OH"),
    carrier=Carrier("UPSN", "UPS GROUND", "M"), references=(Reference("IA", "V12345"), Reference("BM", "BOL123")),
    lines=(
        InvoiceLine("1", Decimal(24), "EA", Decimal("12.4950"), "PE",
                    ProductIds((("UP", "012345678905"), ("VN", "ACM-1"))), "WIDGET BLUE"),
        InvoiceLine("2", Decimal(6), "EA", Decimal("3.333"), "PE", ProductIds((("UP", "012345678912"),)),
                    allowances_charges=(AllowanceCharge(AllowanceOrCharge.ALLOWANCE, "C310", percent=Decimal(5)),)),
    ),
    allowances_charges=(AllowanceCharge(AllowanceOrCharge.CHARGE, "D240", Decimal("15.00"), description="FREIGHT"),
                        AllowanceCharge(AllowanceOrCharge.ALLOWANCE, "C310", Decimal("4.25"))),
    taxes=(Tax("ST", Decimal("21.46"), Decimal("6.5")),),
)
ACK = PoAck("4500012345", dt.date(2026, 11, 18), AckType.ACCEPTED_WITH_CHANGES, dt.date(2026, 11, 19),
            ack_number="SO-1", ship_to=STORE, lines=(
                LineAck("1", LineStatus.ACCEPTED, Decimal(24), "EA", Decimal("12.495"), dt.date(2026, 12, 1),
                        ProductIds((("UP", "012345678905"),)), Decimal(24)),
                LineAck("2", LineStatus.BACKORDERED, Decimal(0), "EA", ordered_quantity=Decimal(6))))
HAND_BUILT = {"855": ACK, "865": ACK, "856": SHIPMENT, "810": INVOICE}


@pytest.mark.parametrize(("partner", "name"), partner_maps())
def test_hand_built_documents_validate_per_partner(partner: str, name: str) -> None:
    doc_map = outbound(name)
    assert_valid(doc_map, [HAND_BUILT[doc_map.set_id]], partner)


@pytest.mark.parametrize(("partner", "name"), partner_maps())
def test_hand_built_documents_are_accepted_by_pyx12(partner: str, name: str) -> None:
    doc_map = outbound(name)
    result = pyx12_validate(interchange(doc_map, [HAND_BUILT[doc_map.set_id]], partner))
    assert result.ok, result.reason
    assert [s.accepted for s in result.sets] == [True], [str(f) for f in result.findings]


@pytest.mark.parametrize("name", ["855-4010", "855-5010", "856-4010", "856-5010", "856-4010-tare",
                                  "856-5010-tare", "810-4010", "810-5010"])
def test_hand_built_documents_in_base_maps_are_accepted_by_pyx12(name: str) -> None:
    doc_map = outbound(name)
    doc = HAND_BUILT[doc_map.set_id]
    if name.endswith("-tare"):
        doc = dataclasses.replace(SHIPMENT, orders=tuple(dataclasses.replace(order, cartons=tuple(
            dataclasses.replace(c, pallet_sscc=sscc(900)) for c in order.cartons))
            for order in SHIPMENT.orders))
    assert_valid(doc_map, [doc])
    result = pyx12_validate(interchange(doc_map, [doc]))
    assert result.ok and all(s.accepted for s in result.sets), [str(f) for f in result.findings]


# -- 856 hierarchy ---------------------------------------------------------------------

def hl_rows(segments: tuple[Segment, ...]) -> list[tuple[str, ...]]:
    return [tuple(s.get(n) for n in range(1, 5)) for s in segments if s.id == "HL"]


def test_pick_pack_hierarchy_numbers_and_parents() -> None:
    segments = outbound("bigbox-856").render(SHIPMENT)
    assert hl_rows(segments) == [
        ("1", "", "S", "1"),
        ("2", "1", "O", "1"), ("3", "2", "P", "1"), ("4", "3", "I", "0"), ("5", "3", "I", "0"),
        ("6", "2", "P", "1"), ("7", "6", "I", "0"),
        ("8", "1", "O", "1"), ("9", "8", "P", "1"), ("10", "9", "I", "0"),
    ]
    assert segments[0].elements[4] == "0001"
    assert segments[-1] == Segment("CTT", ("10",))
    man = [s.elements for s in segments if s.id == "MAN"]
    assert man == [("GM", sscc(1)), ("GM", sscc(2)), ("GM", sscc(3)), ("CP", "1Z999AA10123456791")]


def test_pick_pack_levels_hold_their_segments() -> None:
    segments = outbound("bigbox-856").render(SHIPMENT)
    levels: dict[str, list[str]] = {}
    level = ""
    for seg in segments:
        if seg.id == "HL":
            level = seg.get(3)
        elif level:
            levels.setdefault(level, []).append(seg.id)
    assert levels["S"] == ["TD1", "TD5", "REF", "REF", "REF", "N1", "N3", "N4", "N1", "N3", "N4"]
    assert set(levels["O"]) == {"PRF"}
    assert set(levels["P"]) == {"MAN", "TD1"}
    assert set(levels["I"]) == {"LIN", "SN1", "CTT"}  # CTT follows the last item


def test_standard_carton_hierarchy() -> None:
    segments = outbound("dropship-856").render(SHIPMENT)
    assert segments[0].elements[4] == "0004"
    assert hl_rows(segments) == [
        ("1", "", "S", "1"),
        ("2", "1", "O", "1"), ("3", "2", "I", "0"), ("4", "2", "I", "0"), ("5", "2", "I", "0"),
        ("6", "1", "O", "1"), ("7", "6", "I", "0"),
    ]
    assert segments[-1] == Segment("CTT", ("7",))


def test_tare_hierarchy_groups_cartons_by_pallet() -> None:
    pallets = (sscc(901), sscc(902))
    orders = tuple(dataclasses.replace(order, cartons=tuple(
        dataclasses.replace(carton, pallet_sscc=pallets[i % 2 if n == 0 else 1])
        for i, carton in enumerate(order.cartons))) for n, order in enumerate(SHIPMENT.orders))
    segments = outbound("856-4010-tare").render(dataclasses.replace(SHIPMENT, orders=orders))
    assert segments[0].elements[4] == "0009"
    assert hl_rows(segments) == [
        ("1", "", "S", "1"),
        ("2", "1", "O", "1"),
        ("3", "2", "T", "1"), ("4", "3", "P", "1"), ("5", "4", "I", "0"), ("6", "4", "I", "0"),
        ("7", "2", "T", "1"), ("8", "7", "P", "1"), ("9", "8", "I", "0"),
        ("10", "1", "O", "1"), ("11", "10", "T", "1"), ("12", "11", "P", "1"), ("13", "12", "I", "0"),
    ]
    man = [s.elements[1] for s in segments if s.id == "MAN" and s.elements[0] == "GM"]
    assert man == [pallets[0], sscc(1), pallets[1], sscc(2), pallets[1], sscc(3)]


@SETTINGS
@given(shipment=strategies.shipments())
def test_hl_parents_precede_their_children(shipment: Shipment) -> None:
    rows = hl_rows(outbound("856-4010").render(shipment))
    seen: dict[str, str] = {}
    for number, (hl01, hl02, level, child) in enumerate(rows, 1):
        assert hl01 == str(number)
        assert hl02 == "" if level == "S" else hl02 in seen
        seen[hl01] = level
        has_children = any(r[1] == hl01 for r in rows)
        assert child == ("1" if has_children else "0")
    cartons = sum(len(o.cartons) for o in shipment.orders)
    items = sum(len(o.all_items()) for o in shipment.orders)
    assert len(rows) == 1 + len(shipment.orders) + cartons + items


# -- 810 totals -------------------------------------------------------------------------

def cents(amount: Decimal) -> int:
    return int(amount.quantize(Decimal("0.01"), rounding=ROUND_HALF_UP).scaleb(2))


def adjustment_cents(adjustments: tuple[AllowanceCharge, ...], base_cents: int) -> int:
    total = 0
    for ac in adjustments:
        value = cents(ac.amount) if ac.amount is not None else \
            cents(Decimal(base_cents) * (ac.percent or 0) / 10000) if ac.percent is not None else 0
        total += {"A": -value, "C": value}.get(ac.indicator.value, 0)
    return total


def expected_tds(invoice: Invoice) -> int:
    """Lines + charges - allowances + taxes, computed here in integer cents."""
    lines = [cents(line.quantity * line.unit_price) for line in invoice.lines]
    nets = [amount + adjustment_cents(line.allowances_charges, amount)
            for amount, line in zip(lines, invoice.lines)]
    header = adjustment_cents(invoice.allowances_charges, sum(lines))
    return sum(nets) + header + sum(cents(t.amount) for t in invoice.taxes)


def tds(invoice: Invoice, name: str = "810-4010") -> int:
    [segment] = [s for s in outbound(name).render(invoice) if s.id == "TDS"]
    return int(segment.get(1))


def test_hand_built_invoice_total() -> None:
    # 24 x 12.495 = 299.88; 6 x 3.333 = 20.00 less 5 % = 19.00; + 15.00 - 4.25 + 21.46
    assert tds(INVOICE) == 29988 + 1900 + 1500 - 425 + 2146
    assert tds(INVOICE, "bigbox-810") == INVOICE.tds_amount_cents


@SETTINGS
@given(invoice=strategies.invoices())
def test_tds_is_lines_plus_charges_less_allowances_plus_tax(invoice: Invoice) -> None:
    assert tds(invoice) == expected_tds(invoice) == invoice.tds_amount_cents
