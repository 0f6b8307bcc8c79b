"""A map's ``units:`` section: conversions compiled into the partner's unit table, merged
along ``extends``, and every mistake one located line (at load, or against the set's spec)."""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal
from fractions import Fraction
from pathlib import Path

import pytest

from edigate.errors import ConfigError
from edigate.mapping.conformance import check_against_spec
from edigate.mapping.inbound import load_inbound_map
from edigate.mapping.mapfile import load_map_source
from edigate.model import OrderLine
from edigate.model.common import ProductIds
from edigate.x12.spec import SpecLibrary

MapWriter = Callable[[str, str], Path]


def _line(*ids: tuple[str, str]) -> OrderLine:
    return OrderLine(line_number="1", quantity=Decimal(2), uom="CA", product_ids=ProductIds(ids))


def test_conversions_compile_with_their_place_and_the_most_specific_fits(write_map: MapWriter) -> None:
    path = write_map("p-850", "extends: 850-4010\nunits:\n  CA: {EA: 12}\n  CA[ACM-1001]: {EA: 6}\n"
                              "  CA[IN=30012]: {EA: 3}\n  LB: {KG: 0.4536}\n")
    units = load_inbound_map("p-850", path.parent).units
    assert units.map_file.endswith("p-850.yaml") and "units:" in units.where
    assert [(c.unit, c.into, c.factor, c.item, c.line) for c in units.conversions] == [
        ("CA", "EA", 12, None, 3), ("CA", "EA", 6, "ACM-1001", 4), ("CA", "EA", 3, "IN=30012", 5),
        ("LB", "KG", Fraction("0.4536"), None, 6)]
    found = units.factor(_line(("IN", "30012")), "ACM-1001", "CA", "EA")
    assert found is not None and found[0] == 3 and found[1].place == f"{units.conversions[2].file}:5"
    assert units.factor(_line(("IN", "99999")), "ACM-1001", "CA", "EA") == (6, units.conversions[1])
    assert units.factor(_line(), "ACM-2040", "CA", "EA") == (12, units.conversions[0])
    assert units.factor(_line(), "ACM-2040", "EA", "CA") == (Fraction(1, 12), units.conversions[0])  # both ways
    assert units.factor(_line(), "ACM-2040", "CA", "PK") is None


def test_a_partner_map_replaces_its_bases_conversion_key_by_key(write_map: MapWriter) -> None:
    write_map("b-850", "extends: 850-4010\nunits:\n  CA: {EA: 12}\n  DZ: {EA: 12}\n  BX: {EA: 10}\n")
    path = write_map("p-850", "extends: b-850\nunits:\n  CA: {EA: 24}\n  BX: null\n")
    units = load_inbound_map("p-850", path.parent).units
    assert sorted((c.unit, c.factor, Path(c.file).name) for c in units.conversions) == [
        ("CA", 24, "p-850.yaml"), ("DZ", 12, "b-850.yaml")]
    assert load_inbound_map("850-4010", path.parent).units.conversions == ()


@pytest.mark.parametrize(("text", "line", "words"), [
    ("  CA: {EA: 0}\n", 3, "units.CA.EA: factor '0' is not a positive number (how many EA one CA is)"),
    ("  CA: {EA: -2}\n", 3, "factor '-2' is not a positive number"),
    ("  CA: {EA: twelve}\n", 3, "factor 'twelve' is not a positive number"),
    ("  CA: {EA: [12]}\n", 3, "factor (a list or mapping) is not a positive number"),
    ("  CA: {EA: .inf}\n", 3, "factor '.inf' is not a positive number"),
    ("  case: {EA: 12}\n", 3, "units.case: not a unit code"),
    ("  CA: 12\n", 3, "units.CA: expected a mapping of units to factors; e.g. CA: {EA: 12}"),
    ("  CA: {each: 12}\n", 3, "'each' is not a unit code"),
    ("  CA: {CA: 2}\n", 3, "a unit converted into itself"),
    ("  CA: {EA: 12}\n  EA:\n    CA: 0.25\n", 5, "units.EA.CA: EA -> CA is declared already, at "),
    ("  CA: {EA: 12}\n  CA:\n    EA: 6\n", 4, "duplicate key (first on line 3)"),
])
def test_each_mistake_is_one_located_line(write_map: MapWriter, text: str, line: int, words: str) -> None:
    path = write_map("p-850", "extends: 850-4010\nunits:\n" + text)
    with pytest.raises(ConfigError) as info:
        load_inbound_map("p-850", path.parent)
    [problem] = info.value.problems
    assert str(problem).startswith(f"{path}:{line}: ") and words in str(problem)


def test_the_same_conversion_for_another_item_is_no_duplicate(write_map: MapWriter) -> None:
    path = write_map("p-850", "extends: 850-4010\nunits:\n  CA: {EA: 12}\n  EA[ACM-1001]: {CA: 0.5}\n")
    assert len(load_inbound_map("p-850", path.parent).units.conversions) == 2


def test_a_unit_the_spec_and_the_code_table_do_not_know_is_located(tmp_path: Path) -> None:
    spec = SpecLibrary().get("850", "004010")
    assert spec is not None
    (tmp_path / "m.yaml").write_text("set: '850'\nunits:\n  QX: {EA: 12}\n  CA: {ZQ: 2, EA: 12}\n")
    assert [f"{p.line}: {p.path}: {p.message}" for p in check_against_spec(load_map_source("m", tmp_path), spec)] == [
        "3: units.QX: unknown unit code 'QX': not an X12 unit (element 355) nor a unit of codes.uom; add it "
        "to codes.uom if the partner uses it",
        "4: units.CA.ZQ: unknown unit code 'ZQ': not an X12 unit (element 355) nor a unit of codes.uom; add it "
        "to codes.uom if the partner uses it"]
    (tmp_path / "m.yaml").write_text("set: '850'\ncodes:\n  uom: {QX: QX}\nunits:\n  QX: {EA: 12}\n")
    assert check_against_spec(load_map_source("m", tmp_path), spec) == []
