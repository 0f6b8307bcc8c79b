"""A partner's files of any version we have set definitions for are read by a map of that
version: the partner's own map when it is for that version, else the version's base map."""

from __future__ import annotations

from pathlib import Path

import pytest

from edigate.config.partners import VERSIONS, load_partner
from edigate.mapping import load_inbound_map
from edigate.mapping.translate import translate_file, translate_transaction
from edigate.model import Order
from edigate.x12.envelope import EnvelopeReader, Transaction

from tests.conftest import REPO

SAMPLE = (REPO / "samples" / "x12" / "bigbox-850-4010.x12").read_text().replace("*VN*ACM-1001", "")
"""The bigbox sample, its first line without the vendor part that bigbox's map derives from IN."""


def as_version(version: str) -> str:
    """The bigbox sample under GS08 ``version`` (and its ISA12)."""
    isa12 = version[:5]
    text = SAMPLE if version >= "004010" else "~".join(  # dates had six digits (YYMMDD) before 004010
        seg.replace("*2026", "*26") if seg.lstrip().startswith(("BEG*", "DTM*")) else seg for seg in SAMPLE.split("~"))
    return text.replace("*U*00401*", f"*{'U' if isa12 < '00402' else '^'}*{isa12}*").replace(
        "*X*004010~", f"*X*{version}~")


def vendor_parts(order: Order) -> list[str | None]:
    """What bigbox's own map adds to the base map: the VN cross-referenced from PO1 IN."""
    return [line.product_ids.get("VN") for line in order.lines]


VARIANTS = [f"{v}{suffix}" for v in VERSIONS for suffix in ("", "VICS", "UCS")]


@pytest.mark.parametrize("version", VARIANTS)
def test_every_version_is_translated_by_a_map_of_its_version(tmp_path: Path, version: str) -> None:
    path = tmp_path / "po.x12"
    path.write_text(as_version(version))
    results = translate_file(path, "bigbox", maps_dir=REPO / "maps", partners_dir=REPO / "partners")
    assert len(results) == 2
    for result in results:
        assert result.ok and isinstance(result.order, Order), [str(f) for f in result.findings]
        assert [f.code for f in result.findings if f.code == "map.version"] == []
    first = results[0].order
    assert isinstance(first, Order)
    assert (vendor_parts(first)[0] is not None) == version.startswith("004010")  # bigbox-850 is for 004010
    assert (first.po_number, str(first.po_date), first.currency) == ("4500012345", "2026-11-18", "USD")
    assert [(line.line_number, line.quantity, line.uom, line.product_ids.get("UP")) for line in first.lines] == [
        ("1", 24, "EA", "012345678905"), ("2", 48, "EA", "012345678912"), ("3", 12, "CA", "012345678929")]
    assert first.ship_to is not None and first.ship_to.address.city == "ROGERS"
    assert [(r.qualifier, r.value) for r in first.references][:2] == [("DP", "042"), ("IA", "77120")]


def test_every_version_has_a_base_850_map() -> None:
    for version in VERSIONS:
        mapping = load_inbound_map(f"850-{version[2:6]}", REPO / "maps")
        assert (mapping.set_id, mapping.version) == ("850", version)


def test_a_version_without_a_base_map_keeps_the_partners_map_and_says_so(tmp_path: Path) -> None:
    path = tmp_path / "po.x12"
    path.write_text(as_version("004040"))  # a version with no definitions and no base map
    [first, _] = translate_file(path, "bigbox", maps_dir=REPO / "maps", partners_dir=REPO / "partners")
    assert [f.code for f in first.findings][:1] == ["map.version"]
    assert isinstance(first.order, Order) and vendor_parts(first.order)[0] == "ACM-1001"


def test_a_partner_map_for_the_files_version_wins(tmp_path: Path) -> None:
    for base in (REPO / "maps").glob("850-*.yaml"):
        (tmp_path / base.name).write_text(base.read_text())
    (tmp_path / "p-850.yaml").write_text('extends: 850-5010\nversion: "005010"\n'
                                         "order:\n  extensions[dept]: {const: HOUSE}\n")
    mapping = load_inbound_map("p-850", tmp_path)
    [tx, *_] = [e for e in EnvelopeReader(as_version("005010VICS").encode()) if isinstance(e, Transaction)]
    result = translate_transaction(tx, mapping, "p")
    assert isinstance(result.order, Order) and result.order.extensions.get("dept") == "HOUSE"
    [tx, *_] = [e for e in EnvelopeReader(as_version("003060").encode()) if isinstance(e, Transaction)]
    result = translate_transaction(tx, mapping, "p")
    assert isinstance(result.order, Order) and result.order.extensions.get("dept") is None
    assert mapping.for_version("003060").name == "850-3060" and mapping.for_version("005010") is mapping


@pytest.mark.parametrize(("version", "ack"), [("003040", "997"), ("003060", "997"), ("003070VICS", "997"),
                                              ("004060", "997"), ("005030", "999"), ("005040", "999"),
                                              ("006010", "999"), ("006020", "999"), ("006050UCS", "999"),
                                              ("005010UCS", "999")])
def test_a_partner_may_use_every_version(tmp_path: Path, version: str, ack: str) -> None:
    (tmp_path / "partners").mkdir()
    path = tmp_path / "partners" / "acme.yaml"
    path.write_text("id: acme\nname: Acme\nidentity:\n  theirs: {isa_qualifier: ZZ, isa_id: ACME, gs_id: ACME}\n"
                    f'version: "{version}"\n')
    partner = load_partner(path)
    assert partner.acks.functional == ack and partner.isa_version == version[:5]
    assert (partner.delimiters.repetition is not None) == (ack == "999")
