"""Map paths checked against the set's spec: what the spec lacks is a located problem."""

from __future__ import annotations

from pathlib import Path

from edigate.mapping.conformance import check_against_spec
from edigate.mapping.mapfile import load_map_source
from edigate.x12.spec import SpecLibrary

REPO = Path(__file__).resolve().parents[2]
SPECS = SpecLibrary()


def problems(tmp_path: Path, text: str, set_id: str = "850", version: str = "004010") -> list[str]:
    (tmp_path / "m.yaml").write_text(text)
    spec = SPECS.get(set_id, version)
    assert spec is not None
    return [f"{p.line}: {p.path}: {p.message}" for p in check_against_spec(load_map_source("m", tmp_path), spec)]


def test_every_bundled_map_conforms_to_its_spec() -> None:
    for path in sorted((REPO / "maps").glob("*.yaml")):
        source = load_map_source(path.stem, REPO / "maps")
        set_id, version = source.scalar("set") or "", source.scalar("version") or "004010"
        spec = SPECS.get(set_id, version)
        assert spec is not None and check_against_spec(source, spec) == [], path.name


def test_paths_in_each_place_a_map_reads_them(tmp_path: Path) -> None:
    text = ("set: '850'\nline:\n"
            "  notes:\n    each: 'MSG[MSG09=X]'\n    value: MSG01\n"
            "  references:\n    each: REF\n    fields:\n      qualifier: REF01\n      value: REF07-3\n"
            "  description: {expr: \"el('PID05') ~ el('PIX05')\"}\n"
            "  uom: {from: PO103}\n"
            "  product_ids: {pairs: PO1/product_id}\n")
    assert problems(tmp_path, text) == [
        "4: line.notes.each: 'MSG[MSG09=X]': MSG has no element 09 (it has 3)",
        "10: line.references.fields.value: 'REF07-3': REF has no element 07 (it has 4)",
        "11: line.description.expr: 'PIX05': the 850 (004010) spec has no segment PIX",
    ]


def test_a_component_of_a_simple_element(tmp_path: Path) -> None:
    assert problems(tmp_path, "set: '850'\norder:\n  po_number: BEG03-2\n") == [
        "3: order.po_number: 'BEG03-2': BEG03 has no component 2"]
