"""The inbound engine over the bundled samples and small scratch maps."""

from __future__ import annotations

import json
from collections.abc import Callable
from decimal import Decimal
from pathlib import Path

import pytest

from edigate.errors import ConfigError
from edigate.mapping.inbound import load_inbound_map, split_loops
from edigate.mapping.translate import translate_file, translate_with_map
from edigate.model import Purpose

EXPECTED = Path(__file__).parent / "expected"
SAMPLES = [("bigbox", "bigbox-850-4010"), ("distrib", "distrib-850-5010"),
           ("dropship", "dropship-850-4010")]

MapWriter = Callable[[str, str], Path]


@pytest.mark.parametrize(("partner", "sample"), SAMPLES)
def test_sample_translates_to_expected_json(partner: str, sample: str, samples: Path,
                                            maps_dir: Path) -> None:
    from tests.support.paths import REPO
    results = translate_file(samples / f"{sample}.x12", partner, maps_dir=maps_dir,
                             partners_dir=REPO / "partners")
    expected = json.loads((EXPECTED / f"{sample}.json").read_text())
    assert [r.to_json() for r in results] == expected


@pytest.mark.parametrize("name", ["850-4010", "850-5010", "bigbox-850", "distrib-850",
                                  "dropship-850"])
def test_bundled_maps_compile(name: str, maps_dir: Path) -> None:
    mapping = load_inbound_map(name, maps_dir)
    assert mapping.set_id == "850" and mapping.order and mapping.line


def test_partner_map_extends_base(maps_dir: Path) -> None:
    mapping = load_inbound_map("distrib-850", maps_dir)
    assert mapping.version == "005010"
    assert [Path(f).name for f in mapping.chain] == ["850-4010.yaml", "850-5010.yaml",
                                                     "distrib-850.yaml"]


def test_loops_split_once(samples: Path) -> None:
    from edigate.x12.envelope import EnvelopeReader, Transaction
    tx = next(e for e in EnvelopeReader(samples / "bigbox-850-4010.x12") if isinstance(e, Transaction))
    loops = split_loops(tx.body)
    assert [p["N1"][0].get(1) for p in loops.parties] == ["BT", "ST", "SU"]
    assert [len(line["PO1"]) for line in loops.lines] == [1, 1, 1]
    assert "SAC" in loops.header and not any("SAC" in line for line in loops.lines)
    assert loops.header["CTT"][0].get(1) == "3"


def _one(mapping_name: str, write_map: MapWriter, sample: Path):  # type: ignore[no-untyped-def]
    mapping = load_inbound_map(mapping_name, write_map("unused", "").parent)
    return translate_with_map(sample, mapping)


def test_override_field_by_field(write_map: MapWriter, samples: Path) -> None:
    write_map("p-850", """
extends: 850-4010
order:
  po_number: {from: "REF[REF01=DP]/REF02", required: true}
  release_number: {const: R1}
  currency: null
""")
    order = _one("p-850", write_map, samples / "bigbox-850-4010.x12")[0].order
    assert order is not None
    assert (order.po_number, order.release_number, order.currency) == ("042", "R1", None)
    assert order.po_date.isoformat() == "2026-11-18"  # inherited from the base


def test_unknown_code_is_a_finding(write_map: MapWriter, samples: Path) -> None:
    write_map("p-850", """
extends: 850-4010
codes:
  uom: {CA: null, "*": null}   # a closed list: without "*", a unit not listed is refused
""")
    result = _one("p-850", write_map, samples / "bigbox-850-4010.x12")[0]
    finding, model = result.findings
    assert (finding.code, finding.field, finding.value) == ("map.code", "line.uom", "CA")
    assert model.code == "map.model" and result.order is None  # a line needs its UOM
    assert (finding.segment_id, finding.element, finding.segment_position) == ("PO1", 3, 28)
    assert finding.map_file and finding.map_file.endswith("850-4010.yaml")
    assert not result.ok


def test_code_table_translates(write_map: MapWriter, samples: Path) -> None:
    write_map("p-850", """
extends: 850-4010
codes:
  uom: {CA: CS}
""")
    order = _one("p-850", write_map, samples / "bigbox-850-4010.x12")[0].order
    assert order is not None and order.purpose is Purpose.ORIGINAL
    assert [line.uom for line in order.lines] == ["EA", "EA", "CS"]


def test_xref_hit_and_miss(write_map: MapWriter, samples: Path) -> None:
    write_map("p-850", """
extends: 850-4010
xref:
  items: {"30012": OUR-1}
line:
  product_ids[VN]: {from: "PO1/product_id[qualifier=IN]", xref: items}
""")
    result = _one("p-850", write_map, samples / "bigbox-850-4010.x12")[0]
    assert result.order is not None
    assert result.order.lines[0].product_ids.vendor_part == "OUR-1"
    assert [(f.code, f.value) for f in result.findings] == [("map.xref", "30044"),
                                                           ("map.xref", "30107")]


def test_an_xref_miss_names_the_element_holding_it_and_where_to_add_it(write_map: MapWriter, samples: Path) -> None:
    write_map("p-850", """
extends: 850-4010
line:
  product_ids[VN]: {from: "PO1/product_id[qualifier=IN]", xref: items}
xref:
  items:
    "30012": OUR-1
    "30044": OUR-2
""")
    [miss] = _one("p-850", write_map, samples / "bigbox-850-4010.x12")[0].findings
    assert (miss.segment_id, miss.element, miss.value) == ("PO1", 11, "30107")  # PO1*3*...*IN*30107: PO111
    assert miss.hint.startswith("add it to xref table 'items' in ") and miss.hint.endswith(
        "p-850.yaml (its last entry is line 8), or ask the partner")
    assert (miss.map_line, Path(miss.map_file or "").name) == (4, "p-850.yaml")


def test_missing_required_field_is_a_finding(write_map: MapWriter, samples: Path) -> None:
    write_map("p-850", """
extends: 850-4010
order:
  release_number: {from: BEG04, required: true}
""")
    result = _one("p-850", write_map, samples / "bigbox-850-4010.x12")[0]
    [finding] = result.findings
    assert (finding.code, finding.segment_id, finding.element, finding.segment_position) == (
        "map.missing", "BEG", 4, 2)
    assert "BEG04 at segment 2" in str(finding)


def test_bad_number_is_a_finding_and_no_order(write_map: MapWriter, samples: Path) -> None:
    write_map("p-850", """
extends: 850-4010
line:
  quantity: {from: PO103, type: decimal, required: true}
""")
    result = _one("p-850", write_map, samples / "bigbox-850-4010.x12")[0]
    assert result.order is None
    assert {f.code for f in result.findings} >= {"map.value", "map.model"}


def test_expression_computes_a_value(write_map: MapWriter, samples: Path) -> None:
    write_map("p-850", """
extends: 850-4010
line:
  unit_price:
    from: PO104
    type: decimal
    expr: "Decimal(value) / 100 if el('PO105') == 'HP' else value"
  description: {from: "PID[PID01=F]/PID05", expr: "value | title"}
""")
    order = _one("p-850", write_map, samples / "bigbox-850-4010.x12")[0].order
    assert order is not None
    assert order.lines[0].unit_price == Decimal("12.49")
    assert order.lines[0].description == "Stainless Steel Mixing Bowl 3qt"


@pytest.mark.parametrize(("text", "line", "words"), [
    ("order:\n  po_numbr: BEG03\n", 3,
     "order.po_numbr: unknown field 'po_numbr' of Order (did you mean 'po_number'?)"),
    ("order:\n  po_number: BEG3\n", 3, "order.po_number: 'BEG3' is not a path"),
    ("line:\n  uom: {from: PO103, codes: uoms}\n", 3,
     "line.uom.codes: no codes table 'uoms' (did you mean 'uom'?)"),
    ("line:\n  uom: {from: PO103, codes: [uom]}\n", 3, "line.uom.codes: expected a single value"),
    ("line:\n  quantity: {from: PO102, type: decimel}\n", 3,
     "unknown type 'decimel' (did you mean 'decimal'?)"),
    ("line:\n  quantity: {from: PO102, type: decimal, required: yess}\n", 3,
     "line.quantity.required: expected true or false"),
    ("line:\n  uom: {form: PO103}\n", 3, "line.uom.form: unknown key (did you mean 'from'?)"),
    ("party_roles:\n  ST: shipto\n", 3, "unknown party field 'shipto' (did you mean 'ship_to'?)"),
    ("ordr: {}\n", 2, "ordr: unknown key (did you mean 'order'?)"),
    ("line:\n  quantity: PO102\n", 3,
     "line.quantity: type str does not fit this field, which holds Decimal"),
    ("line:\n  uom: {pairs: PO1/product_id}\n", 3, "'pairs' needs a field of qualified ids"),
    ("line:\n  notes: {each: MSG}\n", 3, "line.notes: 'each' needs 'fields', 'value' or 'values'"),
    ("line:\n  description: {each: PID}\n", 3, "line.description: 'each' needs a list field"),
    ("line:\n  notes: {each: MSG01, value: MSG01}\n", 3, "expected a segment such as REF"),
])
def test_mistake_is_one_located_line(write_map: MapWriter, text: str, line: int,
                                     words: str) -> None:
    path = write_map("p-850", "extends: 850-4010\n" + text)
    with pytest.raises(ConfigError) as info:
        load_inbound_map("p-850", path.parent)
    [problem] = info.value.problems
    assert str(problem).startswith(f"{path}:{line}: ")
    assert words in str(problem)


def test_missing_base_map(write_map: MapWriter) -> None:
    path = write_map("p-850", "extends: 850-9999\n")
    with pytest.raises(ConfigError, match=r"p-850.yaml:1: extends: map '850-9999' not found"):
        load_inbound_map("p-850", path.parent)


def test_extends_cycle(write_map: MapWriter) -> None:
    write_map("a-850", "extends: b-850\n")
    path = write_map("b-850", "extends: a-850\n")
    with pytest.raises(ConfigError, match="extends itself"):
        load_inbound_map("a-850", path.parent)
