"""The CLI-facing functions: exit codes and text for translate and maps test."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from edigate.mapping.translate import maps_test, translate_command, translate_file
from edigate.model.change import OrderChange
from tests.support.paths import REPO

EXPECTED = Path(__file__).parent / "expected"


@pytest.fixture(autouse=True)
def _in_repo(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(REPO)


def test_translate_json() -> None:
    code, text = translate_command("samples/x12/distrib-850-5010.x12", "distrib", as_json=True)
    assert code == 0
    [result] = json.loads(text)
    assert (result["isa13"], result["gs06"], result["st02"]) == ("000023001", "501", "0001")
    assert result["order"]["po_number"] == "DP-778812"


def test_translate_text() -> None:
    code, text = translate_command("samples/x12/bigbox-850-4010.x12", "bigbox")
    assert code == 0
    assert text.splitlines() == [
        "ISA13 000000101 GS06 1001 ST02 0001: PO 4500012345, 3 lines",
        "ISA13 000000101 GS06 1001 ST02 0002: PO 4500012346, 2 lines",
    ]


def test_translate_unknown_partner_is_exit_2() -> None:
    code, text = translate_command("samples/x12/bigbox-850-4010.x12", "nobody")
    assert code == 2 and "nobody.yaml" in text


def test_a_set_the_partner_has_no_map_for_is_said_not_silently_skipped() -> None:
    code, text = translate_command("samples/x12/fastship-945-4010.x12", "bigbox")
    assert code == 1
    assert text.splitlines() == [
        "ISA13 000000501 GS06 501 ST02 0001: no order",
        "  ST: error map.no_map: set: partner 'bigbox' names no inbound map for the 945 (value '945'); "
        "name one under documents.inbound in its partner file",
    ]
    code, text = translate_command("samples/x12/fastship-945-4010.x12", "bigbox", as_json=True)
    [result] = json.loads(text)
    assert code == 1 and result["set_id"] == "945" and not result["ok"]
    assert [f["code"] for f in result["findings"]] == ["map.no_map"]


def test_the_example_partner_translates_its_860_to_a_change() -> None:
    """bigbox names an 860 map as shipped; what the change holds is tests/orders/test_changes.py's."""
    code, text = translate_command("samples/x12/changes/bigbox-860-4010.x12", "bigbox")
    assert (code, text) == (0, "ISA13 000000102 GS06 1002 ST02 0001: PO 4500012345, 3 lines")
    [result] = translate_file("samples/x12/changes/bigbox-860-4010.x12", "bigbox")
    assert result.ok and result.set_id == "860" and isinstance(result.order, OrderChange)


def test_a_file_without_sets_says_so(tmp_path: Path) -> None:
    isa_only = tmp_path / "isa.x12"
    isa_only.write_bytes(Path("samples/x12/bigbox-850-4010.x12").read_bytes().split(b"\n")[0])
    code, text = translate_command(str(isa_only), "bigbox")
    assert (code, text) == (1, f"{isa_only}: no transaction set in the file")
    assert translate_command(str(isa_only), "bigbox", as_json=True) == (1, "[]")


def test_the_text_prints_a_partners_po_number_escaped(tmp_path: Path) -> None:
    forged = tmp_path / "po.x12"
    forged.write_bytes(Path("samples/x12/bigbox-850-4010.x12").read_bytes().replace(b"4500012345", b"45\x1b[2J\r99"))
    code, text = translate_command(str(forged), "bigbox")
    assert code == 0 and text.splitlines()[0] == "ISA13 000000101 GS06 1001 ST02 0001: PO 45\\x1b[2J\\r99, 3 lines"


def test_translate_missing_file_is_exit_2() -> None:
    code, text = translate_command("samples/x12/missing.x12", "bigbox")
    assert code == 2 and "missing.x12" in text


def test_maps_test_matches_expectation() -> None:
    expect = EXPECTED / "dropship-850-4010.json"
    code, text = maps_test("dropship-850", "samples/x12/dropship-850-4010.x12",
                           expect=str(expect))
    assert code == 0 and text.endswith("matches")


def test_maps_test_shows_a_diff(tmp_path: Path) -> None:
    expected = json.loads((EXPECTED / "dropship-850-4010.json").read_text())
    expected[0]["order"]["lines"][0]["quantity"] = "2"
    expect = tmp_path / "expect.json"
    expect.write_text(json.dumps(expected))
    code, text = maps_test("dropship-850", "samples/x12/dropship-850-4010.x12",
                           expect=str(expect))
    assert code == 1
    assert '-          "quantity": "2",' in text and '+          "quantity": "1",' in text


def test_maps_test_without_expectation_prints_json() -> None:
    code, text = maps_test("distrib-850", "samples/x12/distrib-850-5010.x12")
    assert code == 0 and json.loads(text)[0]["order"]["lines"][3]["uom"] == "DZ"


def test_maps_test_bad_map_is_exit_2() -> None:
    code, text = maps_test("nope-850", "samples/x12/distrib-850-5010.x12")
    assert code == 2 and "nope-850.yaml" in text


def test_version_mismatch_is_a_warning() -> None:
    code, text = maps_test("bigbox-850", "samples/x12/distrib-850-5010.x12")
    [result] = json.loads(text)
    assert code == 0 and result["ok"]
    [finding] = result["findings"]
    assert (finding["code"], finding["severity"], finding["value"]) == (
        "map.version", "warning", "005010")
