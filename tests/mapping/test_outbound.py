"""Outbound maps: 855 from a PoAck, 850 from an Order, and Order -> 850 -> Order round trips."""

from __future__ import annotations

import dataclasses
import datetime as dt
import functools
import string
from collections.abc import Callable
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from edigate.errors import ConfigError
from edigate.mapping import InboundMap, load_inbound_map
from edigate.mapping.outbound import OutboundMap, load_outbound_map
from edigate.mapping.translate import translate_file, translate_with_map
from edigate.model import (
    AckType,
    Address,
    AllowanceCharge,
    AllowanceOrCharge,
    Carrier,
    Contact,
    Dates,
    DeclaredTotals,
    Fob,
    LineAck,
    LineStatus,
    Note,
    Order,
    OrderLine,
    Pack,
    Party,
    PartyIds,
    PoAck,
    ProductIds,
    Purpose,
    Reference,
    Terms,
)
from edigate.model._types import QualifiedIds, omitted_when_empty
from edigate.config.partners import load_partner
from edigate.x12.envelope import Party as IsaParty
from edigate.x12.writer import (
    Counter,
    Envelope,
    GroupContent,
    TransactionContent,
    write_interchange,
    write_segments,
)
from tests.support.paths import REPO

PARTNERS = ("bigbox", "distrib", "dropship")
MapWriter = Callable[[str, str], Path]


def interchange(order_map: OutboundMap, orders: list[Order], partner: str) -> bytes:
    """Orders as one interchange with the partner's delimiters and the map's version."""
    delimiters = load_partner(REPO / "partners" / f"{partner}.yaml").delimiters.to_x12()
    five = order_map.version.startswith("005")
    env = Envelope(IsaParty("ZZ", "SENDER"), IsaParty("ZZ", "RECEIVER"), "SENDER", "RECEIVER",
                   version="00501" if five else "00401", gs_version=order_map.version,
                   delimiters=delimiters)
    sets = tuple(TransactionContent("850", order_map.render(o)) for o in orders)
    return write_interchange(env, [GroupContent("PO", sets)], Counter(),
                             when=dt.datetime(2026, 11, 18, 9, 30))


@functools.cache
def maps_for(version: str) -> tuple[OutboundMap, InboundMap]:
    return (load_outbound_map(f"850-{version}-outbound", REPO / "maps"),
            load_inbound_map(f"850-{version}", REPO / "maps"))


def round_trip(orders: list[Order], version: str, partner: str, tmp: Path) -> list[Order | None]:
    out_map, in_map = maps_for(version)
    path = tmp / f"{partner}-{version}.x12"
    path.write_bytes(interchange(out_map, orders, partner))
    results = translate_with_map(path, in_map, partner)
    assert all(not r.findings for r in results), [str(f) for r in results for f in r.findings]
    return [compared(dataclasses.replace(r.order, source=None), read_back=True) if isinstance(r.order, Order)
            else None for r in results]


def compared(record: Any, read_back: bool = False) -> Any:
    """What the 850 outbound map writes of a record: the inbound map also reads the fields
    only some partners send (declared with `added`, which the outbound map leaves out), the
    code of the N9 a note is written in, and that N9 itself (L1 NOTES) as a reference."""
    if isinstance(record, tuple) and not isinstance(record, QualifiedIds):
        kept = (r for r in record if not (read_back and isinstance(r, Reference) and (r.qualifier, r.value) == ("L1", "NOTES")))
        return tuple(compared(r, read_back) for r in kept)
    if not dataclasses.is_dataclass(record) or isinstance(record, type):
        return record
    values = {f.name: (f.default if f.name in omitted_when_empty(type(record)) else
                       compared(getattr(record, f.name), read_back)) for f in dataclasses.fields(record)}
    if isinstance(record, Note):
        values["code"] = None
    return dataclasses.replace(record, **values)


# -- 855 --------------------------------------------------------------------------------

ACK = PoAck(
    "4500012345", dt.date(2026, 11, 18), AckType.ACCEPTED_WITH_CHANGES, dt.date(2026, 11, 19),
    ack_number="SO-1",
    lines=(LineAck("1", LineStatus.ACCEPTED, Decimal(24), "EA", Decimal("12.49"),
                   dt.date(2026, 12, 1), ProductIds((("UP", "012345678905"),)), Decimal(24)),
           LineAck("2", LineStatus.BACKORDERED, Decimal(0), "EA", ordered_quantity=Decimal(48))),
)


@pytest.mark.parametrize("partner", PARTNERS)
def test_855_from_poack(partner: str) -> None:
    ack_map = load_outbound_map(f"{partner}-855", REPO / "maps")
    text = write_segments(ack_map.render(ACK), load_partner(
        REPO / "partners" / f"{partner}.yaml").delimiters.to_x12())
    segments = [line for line in text.replace("~", "\n").splitlines() if line]
    sep = "|" if partner == "distrib" else "*"
    assert [s.replace(sep, "*") for s in segments] == [
        "BAK*00*AC*4500012345*20261118****SO-1*20261119",
        "PO1*1*24*EA*12.49*PE*UP*012345678905",
        "ACK*IA*24*EA*068*20261201",
        "PO1*2*48*EA",
        "ACK*IB*0*EA",
        "CTT*2",
    ]


def test_map_refuses_the_wrong_document() -> None:
    ack_map = load_outbound_map("855-4010", REPO / "maps")
    with pytest.raises(TypeError, match="writes PoAck, not Order"):
        ack_map.render(Order("1", dt.date(2026, 1, 1)))


# -- samples round trip -----------------------------------------------------------------

@pytest.mark.parametrize(("partner", "sample", "version"), [
    ("bigbox", "bigbox-850-4010", "4010"), ("distrib", "distrib-850-5010", "5010"),
    ("dropship", "dropship-850-4010", "4010")])
def test_sample_orders_round_trip(partner: str, sample: str, version: str, samples: Path,
                                  tmp_path: Path) -> None:
    results = translate_file(samples / f"{sample}.x12", partner, maps_dir=REPO / "maps",
                             partners_dir=REPO / "partners")
    orders = [dataclasses.replace(r.order, source=None) for r in results if isinstance(r.order, Order)]
    assert round_trip(orders, version, partner, tmp_path) == [compared(o) for o in orders]


# -- random orders round trip -----------------------------------------------------------

_TEXT = st.from_regex(r"[A-Z0-9](?:[A-Z0-9 .-]{0,10}[A-Z0-9])?", fullmatch=True)
_CODE = st.sampled_from(["DP", "IA", "VR", "CO", "PD", "ZZ"])
_DATES = st.dates(dt.date(2000, 1, 1), dt.date(2099, 12, 31))


def _money(places: int = 2) -> st.SearchStrategy[Decimal]:
    return st.integers(0, 10**7).map(lambda n: Decimal(n).scaleb(-places))


def _opt(strategy: st.SearchStrategy) -> st.SearchStrategy:  # type: ignore[type-arg]
    return st.none() | strategy


def _some(cls: type, **fields: st.SearchStrategy) -> st.SearchStrategy:  # type: ignore[type-arg]
    """Records of ``cls`` with at least one field set (an all-empty one is not written);
    list fields are given as lists that may be empty."""
    return st.builds(cls, **{k: v if k == "lines" else _opt(v) for k, v in fields.items()}
                     ).filter(lambda r: any(getattr(r, k) not in (None, ()) for k in fields))


_ADDRESS = _some(Address, lines=st.lists(_TEXT, max_size=2).map(tuple),
                 city=_TEXT, state=st.sampled_from(["AR", "OH", "ON"]),
                 postal_code=st.from_regex(r"[0-9]{5}", fullmatch=True),
                 country=st.sampled_from(["US", "CA"]))
_CONTACT = st.builds(Contact, function=st.sampled_from(["BD", "IC"]), name=_opt(_TEXT),
                     phone=_opt(st.from_regex(r"[0-9]{10}", fullmatch=True)),
                     email=_opt(st.from_regex(r"[a-z]{1,8}@[a-z]{1,8}\.example", fullmatch=True)),
                     fax=_opt(st.from_regex(r"[0-9]{10}", fullmatch=True)))


def _party(role: str) -> st.SearchStrategy[Party]:
    return st.builds(
        Party, role=st.just(role), name=_opt(_TEXT),
        additional_names=st.lists(_TEXT, max_size=2).map(tuple), address=_opt(_ADDRESS),
        contacts=st.lists(_CONTACT, max_size=2).map(tuple),
        ids=st.lists(st.tuples(st.sampled_from(["92", "UL", "1", "9"]), _TEXT), max_size=1
                     ).map(PartyIds))


_ADJUSTMENT = st.builds(AllowanceCharge, indicator=st.sampled_from(list(AllowanceOrCharge)),
                        code=_opt(st.sampled_from(["C310", "G830", "D240"])),
                        amount=_opt(_money()), percent=_opt(_money(3)), description=_opt(_TEXT))
_REFERENCE = st.builds(Reference, qualifier=_CODE, value=_TEXT, description=_opt(_TEXT))
_LINE = st.builds(
    OrderLine, line_number=st.from_regex(r"[1-9][0-9]{0,3}", fullmatch=True),
    quantity=_money(0) | _money(2), uom=st.sampled_from(["EA", "CA", "DZ"]),
    unit_price=_opt(_money(2) | _money(4)), price_basis=_opt(st.sampled_from(["PE", "UM"])),
    product_ids=st.lists(st.tuples(st.sampled_from(["UP", "VN", "IN", "SK", "EN", "BP"]), _TEXT),
                         max_size=10).map(ProductIds),
    description=_opt(_TEXT),
    pack=_opt(_some(Pack, pack=st.integers(1, 999), size=_money(1),
                    size_uom=st.sampled_from(["EA", "OZ"]))),
    dates=_some(Dates, requested_ship=_DATES, requested_delivery=_DATES) | st.just(Dates()),
    allowances_charges=st.lists(_ADJUSTMENT, max_size=2).map(tuple),
    references=st.lists(_REFERENCE, max_size=2).map(tuple),
    notes=st.lists(st.builds(Note, text=_TEXT), max_size=1).map(tuple),
)
_PURPOSES = {"00": Purpose.ORIGINAL, "01": Purpose.CANCEL, "04": Purpose.CHANGE,
             "05": Purpose.REPLACE, "06": Purpose.CONFIRMATION, "07": Purpose.DUPLICATE}


# The parts of an order, built once: a strategy built inside `orders` is built and validated
# again at every draw (two thirds of the test's CPU). The same strategies, drawn in the same order.
_PURPOSE_CODES = st.sampled_from(sorted(_PURPOSES))
_ORDER_REFERENCES = st.lists(_REFERENCE | st.builds(Reference, st.just("CT"), _TEXT), max_size=3).map(tuple)
_ORDER_PARTIES = {name: _opt(_party(role)) for name, role in (
    ("buyer", "BY"), ("seller", "SE"), ("ship_to", "ST"), ("bill_to", "BT"),
    ("ship_from", "SF"), ("mark_for", "Z7"))}
_ORDER_TYPES = st.sampled_from(["SA", "DS", "RL", "NE"])
_CURRENCIES = _opt(st.sampled_from(["USD", "CAD"]))
_OPT_TEXT = _opt(_TEXT)
_OTHER_PARTIES = st.lists(_party("PJ"), max_size=1).map(tuple)
_ORDER_DATES = _some(Dates, requested_ship=_DATES, requested_delivery=_DATES,
                     cancel_after=_DATES, ship_not_before=_DATES, ship_no_later=_DATES)
_TERMS = _opt(_some(Terms, type_code=st.sampled_from(["01", "05"]),
                    basis_date_code=st.just("3"), discount_percent=_money(1),
                    discount_days=st.integers(0, 90), net_days=st.integers(0, 120),
                    description=_TEXT))
_CARRIER = _opt(_some(Carrier, scac=st.sampled_from(["FDEG", "UPSN"]), routing=_TEXT,
                      transport_method=st.sampled_from(["M", "ZZ"])))
_FOB = _opt(st.builds(Fob, st.sampled_from(["CC", "PP"]), _opt(st.just("OR")), _opt(_TEXT)))
_NOTES = st.lists(st.builds(Note, text=_TEXT), max_size=2).map(tuple)
_ADJUSTMENTS = st.lists(_ADJUSTMENT, max_size=2).map(tuple)
_LINES = st.lists(_LINE, max_size=4).map(tuple)
_TOTALS = _opt(st.builds(  # CTT01 is mandatory; AMT only comes inside the CTT loop
    DeclaredTotals, line_count=st.integers(0, 999), hash_total=_opt(_money(0)), amount=_opt(_money())))


@st.composite
def orders(draw: st.DrawFn) -> Order:
    """Orders that an 850 can carry: every field the maps write and read back."""
    code = draw(_PURPOSE_CODES)
    references = draw(_ORDER_REFERENCES)
    parties = {name: draw(strategy) for name, strategy in _ORDER_PARTIES.items()}
    return Order(
        po_number=draw(_TEXT), po_date=draw(_DATES), purpose=_PURPOSES[code], purpose_code=code,
        order_type=draw(_ORDER_TYPES), currency=draw(_CURRENCIES), release_number=draw(_OPT_TEXT),
        contract_number=next((r.value for r in references if r.qualifier == "CT"), None),
        **parties,
        other_parties=draw(_OTHER_PARTIES),
        dates=draw(_ORDER_DATES),
        terms=draw(_TERMS),
        carrier=draw(_CARRIER),
        fob=draw(_FOB),
        notes=draw(_NOTES),
        allowances_charges=draw(_ADJUSTMENTS),
        references=references,
        lines=draw(_LINES),
        totals=draw(_TOTALS),
    )


@pytest.mark.parametrize("version", ["4010", "5010"])
@pytest.mark.parametrize("partner", PARTNERS)
@settings(max_examples=15, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(batch=st.lists(orders(), min_size=1, max_size=3))
def test_random_orders_round_trip(batch: list[Order], partner: str, version: str,
                                  tmp_path: Path) -> None:
    assert round_trip(batch, version, partner, tmp_path) == [compared(o) for o in batch]


# -- outbound map mistakes --------------------------------------------------------------

@pytest.mark.parametrize(("text", "line", "words"), [
    ("  - BEG: [po_numbr]\n", 5,
     "'po_numbr': unknown field 'po_numbr' of Order (did you mean 'po_number'?)"),
    ("  - BEG: {x: po_number}\n", 5, "'x' is not an element position"),
    ("  - BEG: [{from: po_date, type: datum}]\n", 5, "unknown type 'datum'"),
    ("  - BEG: [{form: po_date}]\n", 5, "unknown key (did you mean 'from'?)"),
    ("  - each: lines\n    segments:\n      - PO1: [line_number, {pairs: uom}]\n", 7,
     "needs a field of qualified ids"),
    ("  - each: po_number\n    segments: []\n", 5, "needs records to loop over"),
    ("  - BEG: [\"{{ ''.__class__ }}\"]\n", 5, "is not a field path"),
    ("  - BEG: [{expr: \"''.__class__\"}]\n", 5, "sandbox"),
    ("  - hl: s\n    segments: []\n", 5, "expected an HL03 level code such as S, O, T, P or I"),
    ("  - each: lines\n    segmets: []\n", 6, "unknown key (did you mean 'segments'?)"),
    ("  - each: lines\n", 5, "'each' needs 'segments'"),
    ("  - CTT: [{count: hl}]\n", 5, "expected a segment id such as HL or PO1, got 'hl'"),
])
def test_outbound_mistake_is_one_located_line(write_map: MapWriter, text: str, line: int,
                                              words: str) -> None:
    path = write_map("p-850-out", "set: \"850\"\nversion: \"004010\"\ndirection: outbound\n"
                                  "segments:\n" + text + "document: order\n")
    with pytest.raises(ConfigError) as info:
        load_outbound_map("p-850-out", path.parent)
    [problem] = info.value.problems
    assert str(problem).startswith(f"{path}:{line}: ")
    assert words in str(problem)


def test_outbound_map_needs_a_known_document(write_map: MapWriter) -> None:
    path = write_map("p-855", "extends: 855-4010\ndocument: receipt\n")
    with pytest.raises(ConfigError, match=r"p-855.yaml:2: document: expected one of order, poack, "
                                          r"shipment, invoice, got 'receipt'"):
        load_outbound_map("p-855", path.parent)


def test_partner_outbound_map_replaces_segments(write_map: MapWriter) -> None:
    path = write_map("p-855", "extends: 855-4010\nsegments:\n  - BAK: [purpose_code, ack_type,"
                              " po_number, {from: po_date, type: date}]\n")
    ack_map = load_outbound_map("p-855", path.parent)
    assert [s.id for s in ack_map.render(ACK)] == ["BAK"]


def test_alphabet_has_no_delimiters() -> None:
    assert not set("*>~|:^") & set(string.ascii_uppercase + string.digits + " .-@")
