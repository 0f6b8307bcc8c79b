"""The base 850 maps keep what real orders carry: every 850 of the public corpus that
validates translates with its version's base map, and every value listed in the map's
header comment reaches the order; what no field reads is listed in the notes."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest

from edigate.errors import EdigateError
from edigate.mapping import InboundMap, load_inbound_map
from edigate.mapping.conformance import check_against_spec
from edigate.mapping.findings import Severity
from edigate.mapping.mapfile import load_map_source
from edigate.mapping.translate import translate_transaction, translate_with_map
from edigate.model import Order
from edigate.x12.envelope import EnvelopeReader, Transaction
from edigate.x12.spec import SpecLibrary
from edigate.x12.validate import Validator

from tests.support.paths import REPO, corpus_index, corpus_root

MAPS = REPO / "maps"
VALIDATOR = Validator()


def readable_850s() -> Iterator[tuple[str, Transaction]]:
    """Every 850 set of the corpus whose envelope can be read, with its file's path."""
    for entry in corpus_index():
        if "850" not in entry["sets"]:
            continue
        try:
            events = list(EnvelopeReader(corpus_root() / entry["path"]))
        except EdigateError:
            continue
        yield from ((entry["path"], e) for e in events if isinstance(e, Transaction) and e.set_id == "850")


def corpus_850s() -> list[tuple[str, Transaction]]:
    """The corpus's 850 sets that validate."""
    return [(path, tx) for path, tx in readable_850s()
            if not any(f.is_error for f in (*tx.findings, *VALIDATOR(tx)))]


def base_map(tx: Transaction) -> str:
    """The base map of the set's version: 004010VICS is read by 850-4010, 005010 by 850-5010."""
    version = tx.group.version if tx.group else ""
    return f"850-{version[2:6]}"


VERSIONS = ["003050", "003060", "004010", "004030", "004050", "004060", "005010", "005030", "006020"]
"""The versions edigate has set definitions for (edigate/x12/specs)."""


@pytest.mark.parametrize("version", VERSIONS)
def test_each_version_has_its_base_850_map(version: str) -> None:
    mapping = load_inbound_map(f"850-{version[2:6]}", MAPS)
    assert (mapping.set_id, mapping.version) == ("850", version)
    assert {"BEG", "PO1", "N1", "SDQ", "CTP", "AMT"} <= {sid for reads in mapping.reads for sid in reads.used}
    spec = SpecLibrary().get("850", version)
    assert spec is not None and check_against_spec(load_map_source(f"850-{version[2:6]}", MAPS), spec) == []


@pytest.mark.parametrize("name", ["860-4010", "860-5010"])
def test_the_860_maps_name_only_what_their_spec_has(name: str) -> None:
    source = load_map_source(name, MAPS)
    spec = SpecLibrary().get("860", source.scalar("version") or "")
    assert spec is not None and check_against_spec(source, spec) == []


def test_every_valid_corpus_850_translates_with_its_base_map() -> None:
    sets = corpus_850s()
    assert len(sets) >= 40
    maps: dict[str, InboundMap] = {}
    for path, tx in sets:
        name = base_map(tx)
        mapping = maps.get(name) or maps.setdefault(name, load_inbound_map(name, MAPS))
        result = translate_transaction(tx, mapping, "corpus")
        assert not [f for f in result.findings if f.code == "map.version"], path
        order = result.order
        assert result.ok and isinstance(order, Order), (path, [str(f) for f in result.findings])
        po1s = [s for s in tx.body if s.id == "PO1"]
        beg = next(s for s in tx.body if s.id == "BEG")
        assert order.po_number == beg.get(3) and order.purpose_code == beg.get(1)
        assert [line.quantity for line in order.lines] == [Decimal(s.get(2)) for s in po1s], path
        assert [line.uom for line in order.lines] == [s.get(3) for s in po1s], path
        numbers = [s.get(1) or str(n) for n, s in enumerate(po1s, 1)]
        assert [line.line_number for line in order.lines] == numbers, path
        ids = [(f.segment_id, f.segment_position) for f in result.findings if f.code == "map.unused"]
        assert all(f.severity is Severity.NOTE for f in result.findings if f.code == "map.unused")
        read = {s.id for s in tx.body} - {sid for sid, _ in ids}
        assert {"BEG", "PO1"} <= read


def test_lines_without_po101_are_numbered_and_any_unit_is_kept() -> None:
    corpus = corpus_root()
    mapping = load_inbound_map("850-4010", MAPS)
    [numbered] = translate_with_map(corpus / "bots-edi__bots-plugins" / "850-004010-06.x12", mapping)
    assert numbered.order is not None
    assert [line.line_number for line in numbered.order.lines] == [str(n) for n in
                                                                    range(1, len(numbered.order.lines) + 1)]
    [kit] = translate_with_map(corpus / "aaronhuggins__node-x12" / "850_3.edi", mapping)
    assert kit.ok and kit.order is not None and kit.order.lines[0].uom == "KI"


def test_a_number_given_to_a_line_without_po101_is_one_no_line_sends(tmp_path: Path) -> None:
    path = tmp_path / "po.x12"
    path.write_text(ORDER.replace("PO1**10*ST", "PO1*2*10*ST").replace("PO1*7*2*EA", "PO1**2*EA")
                    .replace("DTM*038*20261215~", "DTM*038*20261215~\nPO1**3*EA*1.00~").replace("SE*31*", "SE*32*"))
    [result] = translate_with_map(path, load_inbound_map("850-4010", MAPS))
    assert result.ok and result.order is not None
    assert [line.line_number for line in result.order.lines] == ["2", "4", "3"]


ORDER = """ISA*00*          *00*          *ZZ*BUYER          *ZZ*EDIGATE        *261118*0930*U*00401*000000501*0*P*>~
GS*PO*BUYER*EDIGATE*20261118*0930*501*X*004010~
ST*850*0001~
BEG*00*SA*PO-77**20261118~
REF*DP**HOUSEWARES~
PER*BD*ANN BUYER*TE*5550100*EM*ann@buyer.example~
CSH*SC~
SAC*C*D240*AB*FRT1*1250*3*2.5*0.75*EA*10**02*R-1**FREIGHT~
ITD*08*3*2*20261201*10*20261230*30*150*20270115*900*50*TERMS*15*C*1.5~
DTM*063*20261220~
DTM*064*20261210~
DTM*017*20261212~
TD5*O*2*UPSN*M*UPS GROUND**ZZ*DOCK 4****CG~
N9*L1*NOTES~
MSG*HANDLE WITH CARE~
N1*ST*STORE 12*92*0012~
REF*ST*S-12~
TD5*B*2*FDEG*M~
PO1**10*ST*4.50*PE*UP*012345678905~
PO3*ZZ*20261130*PRP*4.25*PE*5*ST*PROMO~
CTP*RS*RES*7.99*1*EA~
PID*S*08*VI*RED*RED MUG~
PO4*6*1*EA*CTN*G*3.5*LB*0.5*CF*12*10*8*IN*2~
PER*OC*LINE DESK*TE*5550199~
SDQ*ST*92*0012*4*0013*6~
DTM*038*20261215~
TD5*O*2*CNWY~
MAN*R*MARK-1~
SCH*6*ST***002*20261218*****R-9~
AMT*1*45.00~
PO1*7*2*EA*1.00~
CTT*2*12~
SE*31*0001~
GE*1*501~
IEA*1*000000501~
"""


@pytest.fixture(scope="module")
def order_result(tmp_path_factory: pytest.TempPathFactory):  # type: ignore[no-untyped-def]
    path = tmp_path_factory.mktemp("x12") / "po.x12"
    path.write_text(ORDER)
    [result] = translate_with_map(path, load_inbound_map("850-4010", MAPS))
    return result


def test_the_sample_order_is_a_valid_850() -> None:
    [tx] = [e for e in EnvelopeReader(ORDER.encode()) if isinstance(e, Transaction)]
    assert [str(f) for f in (*tx.findings, *VALIDATOR(tx))] == []


def test_header_values_reach_the_order(order_result) -> None:  # type: ignore[no-untyped-def]
    order = order_result.order
    assert order is not None and order_result.ok, [str(f) for f in order_result.findings]
    assert [(r.qualifier, r.value, r.description) for r in order.references] == [
        ("DP", "", "HOUSEWARES"), ("L1", "NOTES", None)]
    assert [(c.function, c.name, c.phone, c.email) for c in order.contacts] == [
        ("BD", "ANN BUYER", "5550100", "ann@buyer.example")]
    [sac] = order.allowances_charges
    assert (sac.code, sac.agency_qualifier, sac.agency_code, sac.amount, sac.percent_qualifier, sac.percent,
            sac.rate, sac.uom, sac.quantity, sac.handling_code, sac.reference, sac.description) == (
        "D240", "AB", "FRT1", Decimal("12.50"), "3", Decimal("2.5"), Decimal("0.75"), "EA", Decimal(10), "02",
        "R-1", "FREIGHT")
    terms = order.terms
    assert terms is not None
    assert (terms.discount_due_date, terms.net_due_date, terms.discount_amount, terms.deferred_due_date,
            terms.deferred_amount, terms.percent_payable, terms.day_of_month, terms.payment_method,
            terms.percent) == (date(2026, 12, 1), date(2026, 12, 30), Decimal("1.50"), date(2027, 1, 15),
                               Decimal("9.00"), Decimal(50), 15, "C", Decimal("1.5"))
    assert (order.dates.deliver_not_after, order.dates.deliver_not_before) == (date(2026, 12, 20),
                                                                               date(2026, 12, 10))
    assert order.dates.other == (("017", date(2026, 12, 12)),)
    carrier = order.carrier
    assert carrier is not None and (carrier.sequence_code, carrier.scac, carrier.location_qualifier,
                                    carrier.location, carrier.service_level) == ("O", "UPSN", "ZZ", "DOCK 4", "CG")
    assert [(n.text, n.code) for n in order.notes] == [("HANDLE WITH CARE", "L1")]  # the N9 it follows
    assert order.sales_requirement == "SC"
    store = order.ship_to
    assert store is not None and [(r.qualifier, r.value) for r in store.references] == [("ST", "S-12")]
    assert store.carrier is not None and store.carrier.scac == "FDEG"


def test_line_values_reach_the_order(order_result) -> None:  # type: ignore[no-untyped-def]
    first, second = order_result.order.lines
    assert (first.line_number, first.uom, second.line_number) == ("1", "ST", "7")
    [price] = first.prices
    assert (price.class_of_trade, price.type, price.amount, price.quantity, price.uom) == (
        "RS", "RES", Decimal("7.99"), Decimal(1), "EA")
    [pid] = first.descriptions
    assert (pid.type, pid.characteristic, pid.agency, pid.code, pid.text) == ("S", "08", "VI", "RED", "RED MUG")
    [po3] = first.item_details
    assert (po3.reason_code, po3.date, po3.price_code, po3.unit_price, po3.quantity, po3.uom, po3.description) == (
        "ZZ", date(2026, 11, 30), "PRP", Decimal("4.25"), Decimal(5), "ST", "PROMO")
    pack = first.pack
    assert pack is not None and (pack.packaging_code, pack.weight, pack.weight_uom, pack.volume, pack.length,
                                 pack.width, pack.height, pack.dimension_uom, pack.inner_pack) == (
        "CTN", Decimal("3.5"), "LB", Decimal("0.5"), Decimal(12), Decimal(10), Decimal(8), "IN", 2)
    assert [(d.ship_to.ids.buyer_location, d.quantity, d.uom) for d in first.destinations] == [
        ("0012", Decimal(4), "ST"), ("0013", Decimal(6), "ST")]
    assert [(a.qualifier, a.amount) for a in first.amounts] == [("1", Decimal("45.00"))]
    assert first.dates.ship_no_later == date(2026, 12, 15)
    assert [(c.function, c.name, c.phone) for c in first.contacts] == [("OC", "LINE DESK", "5550199")]
    assert first.carrier is not None and first.carrier.scac == "CNWY" and second.carrier is None
    [schedule] = first.schedules
    assert (schedule.quantity, schedule.uom, schedule.date_qualifier, schedule.date, schedule.reference) == (
        Decimal(6), "ST", "002", date(2026, 12, 18), "R-9")


def test_a_segment_no_field_reads_is_noted(order_result) -> None:  # type: ignore[no-untyped-def]
    notes = [f for f in order_result.findings if f.code == "map.unused"]
    assert [(f.segment_id, f.segment_position, f.severity) for f in notes] == [("MAN", 26, Severity.NOTE)]


def test_extensions_carry_a_partners_own_fields(tmp_path: Path) -> None:
    for base in MAPS.glob("850-*.yaml"):
        (tmp_path / base.name).write_text(base.read_text())
    (tmp_path / "p-850.yaml").write_text("extends: 850-4010\norder:\n"
                                         "  extensions[department]: REF[REF01=DP]/REF03\n"
                                         "line:\n  extensions[retail]: CTP[CTP02=RES]/CTP03\n")
    path = tmp_path / "po.x12"
    path.write_text(ORDER)
    [result] = translate_with_map(path, load_inbound_map("p-850", tmp_path))
    order = result.order
    assert isinstance(order, Order) and order.extensions.get("department") == "HOUSEWARES"
    assert order.lines[0].extensions.get("retail") == "7.99" and not order.lines[1].extensions


def test_a_repeat_of_a_segment_read_once_is_noted(tmp_path: Path) -> None:
    path = tmp_path / "po.x12"
    path.write_text(ORDER.replace("N9*L1*NOTES~", "TD5*Z*2*UPSN*A~\nN9*L1*NOTES~"))
    [result] = translate_with_map(path, load_inbound_map("850-4010", MAPS))
    notes = [(f.segment_id, f.segment_position, f.message) for f in result.findings if f.code == "map.unused"]
    assert notes[0] == ("TD5", 12, "2 TD5 segments in this loop: the map's order section reads the first")
    assert result.ok and isinstance(result.order, Order) and result.order.carrier is not None
    assert result.order.carrier.sequence_code == "O"  # the first


@pytest.mark.parametrize(("field", "message"), [
    ("dates.other: {each: DTM, values: [DTM02]}", "dates.other.values: expected 2 paths, one per item of (str, date)"),
    ("notes: [{from: MSG01}]", "notes[0]: each item of a list of blocks needs 'each'"),
    ("references: {distribution: SDQ}", "line.references: 'distribution' needs the destinations field"),
    ("line_number: {from: PO101, number: 1}", "line.line_number.number: expected true or false"),
])
def test_map_mistakes_in_the_new_forms_are_located(tmp_path: Path, field: str, message: str) -> None:
    from edigate.errors import ConfigError

    for base in MAPS.glob("850-*.yaml"):
        (tmp_path / base.name).write_text(base.read_text())
    (tmp_path / "p-850.yaml").write_text(f"extends: 850-4010\nline:\n  {field}\n")
    with pytest.raises(ConfigError) as caught:
        load_inbound_map("p-850", tmp_path)
    assert any(str(p).endswith(message) and ":3: " in str(p) for p in caught.value.problems), \
        [str(p) for p in caught.value.problems]


def test_corpus_850s_the_validator_refuses_today_translate_too() -> None:
    """The set definitions grow (PO3, TAX ... join the 850): the sets refused today for a
    segment the definition lacks must translate once they validate."""
    translated = 0
    for path, tx in readable_850s():
        name = base_map(tx)
        if (MAPS / f"{name}.yaml").is_file():
            result = translate_transaction(tx, load_inbound_map(name, MAPS), "corpus")
            assert result.ok, (path, [str(f) for f in result.findings if f.is_error])
            translated += 1
    assert translated >= 60
