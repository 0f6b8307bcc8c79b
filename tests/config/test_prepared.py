"""Partners prepared at load: rules, data files, maps and expressions, every problem located."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from edigate.errors import ConfigError
from edigate.config.partner_setup import PartnerSetup
from edigate.config.partners import load_partner, load_partners
from edigate.config.prepared import PreparedPartners, prepare
from edigate.config.workspace import Workspace
from edigate.x12.writer import Counter

from tests.support.paths import REPO


@pytest.fixture
def ws(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Workspace:
    """A copy of the bundled partners, maps and data as the current directory."""
    for folder in ("partners", "maps", "samples/data"):
        shutil.copytree(REPO / folder, tmp_path / folder)
    monkeypatch.chdir(tmp_path)
    return Workspace(root=tmp_path)


def edit(path: Path, old: str, new: str) -> int:
    """Replace ``old`` in the file; the line it was on."""
    text = path.read_text(encoding="utf-8")
    assert old in text, old
    path.write_text(text.replace(old, new, 1), encoding="utf-8")
    return text[: text.index(old)].count("\n") + 1


def problems(ws: Workspace, partner: str = "bigbox") -> list[str]:
    return [str(p) for p in prepare(load_partner(Path(f"partners/{partner}.yaml"), root=ws.root), ws).problems]


def test_the_bundled_partners_are_ready_with_every_map_compiled(ws: Workspace) -> None:
    prepared = {pid: prepare(p, ws) for pid, p in load_partners(Path("partners"), root=ws.root).items()}
    assert {pid: p.reason for pid, p in prepared.items()} == {"bigbox": "", "distrib": "", "dropship": ""}
    assert sorted(prepared["dropship"].outbound) == ["940-4010", "dropship-810", "dropship-855", "dropship-856"]
    assert prepared["bigbox"].inbound["850"].name == "bigbox-850"
    assert prepared["bigbox"].rules is not None and prepared["bigbox"].rules.catalog is not None


def test_a_misspelt_rule_setting_is_found_at_load(ws: Workspace) -> None:
    line = edit(Path("partners/bigbox.yaml"), "tolerance_percent", "tolerence_percent")
    assert problems(ws) == [f"partners/bigbox.yaml:{line}: rules.prices.tolerence_percent: unknown key "
                            "(did you mean 'tolerance_percent'?)"]


def test_a_partner_with_problems_takes_no_files(ws: Workspace) -> None:
    edit(Path("partners/bigbox.yaml"), "tolerance_percent", "tolerence_percent")
    partner = load_partner(Path("partners/bigbox.yaml"), root=ws.root)
    prepared = prepare(partner, ws)
    assert not prepared.ready
    assert prepared.reason.startswith("partner bigbox has a configuration error: partners/bigbox.yaml:")
    assert "edigate partners check bigbox" in prepared.reason and "\n" not in prepared.reason
    with pytest.raises(ConfigError, match="rules.prices.tolerence_percent: unknown key"):
        PartnerSetup(ws, partner, Counter(), prepared=prepared)


def test_missing_and_broken_data_files_are_located(ws: Workspace) -> None:
    catalog_line = edit(Path("partners/bigbox.yaml"), "samples/data/catalog.csv", "samples/data/nope.csv")
    Path("samples/data/stores.csv").write_text("number\n1001\n")
    found = problems(ws)
    assert found[0].startswith(f"partners/bigbox.yaml:{catalog_line}: rules.catalog.file: ")
    assert "cannot read the catalog" in found[0]
    assert "rules.ship_to.stores_file: " in found[1] and "a CSV with a 'store' column" in found[1]
    assert len(found) == 2


def test_a_bad_catalog_row_names_the_csv_line(ws: Workspace) -> None:
    with Path("samples/data/catalog.csv").open("a", encoding="utf-8") as fh:
        fh.write("ACM-9,,yes,EA,two,1,1.00\n")
    rows = Path("samples/data/catalog.csv").read_text().count("\n")
    [problem] = problems(ws)
    assert problem.startswith(f"{ws.root / 'samples/data/catalog.csv'}:{rows}: bad catalog row")


def test_a_bad_inventory_feed_is_found_at_load(ws: Workspace) -> None:
    Path("samples/data/feed.csv").write_text("sku,on_hand\nACM-1001,lots\n")
    edit(Path("partners/bigbox.yaml"), "  prices:\n", "  atp:\n    file: samples/data/feed.csv\n  prices:\n")
    [problem] = problems(ws)
    assert problem.startswith(f"{ws.root / 'samples/data/feed.csv'}:2: bad inventory row")


def test_map_paths_are_checked_against_the_sets_spec(ws: Workspace) -> None:
    with Path("maps/bigbox-850.yaml").open("a", encoding="utf-8") as fh:
        fh.write("order:\n  contract_number: BXX02\n  release_number: BEG14\n"
                 "  currency: {from: 'REF[REF09=DP]/REF02'}\n")
    assert problems(ws) == [
        "maps/bigbox-850.yaml:17: order.contract_number: 'BXX02': the 850 (004010) spec has no segment BXX",
        "maps/bigbox-850.yaml:18: order.release_number: 'BEG14': BEG has no element 14 (it has 12)",
        "maps/bigbox-850.yaml:19: order.currency.from: 'REF[REF09=DP]/REF02': REF has no element 09 (it has 4)",
    ]


def test_an_unknown_template_filter_in_a_map_is_a_located_error(ws: Workspace) -> None:
    with Path("maps/bigbox-850.yaml").open("a", encoding="utf-8") as fh:
        fh.write("order:\n  po_number: {from: BEG03, expr: \"value | shout\"}\n")
    assert problems(ws) == ["maps/bigbox-850.yaml:17: order.po_number.expr: expression 'value | shout': "
                            "unknown filter 'shout' (did you mean 'sort'?)"]


def test_an_outbound_map_writing_what_the_spec_lacks(ws: Workspace) -> None:
    Path("maps/bigbox-855.yaml").write_text("extends: 855-4010\nsegments:\n  - BAK: [purpose_code, ack_type, "
                                            "po_number, {from: po_date, type: date}]\n"
                                            "  - XYZ: [po_number]\n  - REF: {9: po_number}\n")
    assert problems(ws) == [
        "maps/bigbox-855.yaml:4: segments[1].XYZ: 'XYZ': the 855 (004010) spec has no segment XYZ",
        "maps/bigbox-855.yaml:5: segments[2].REF[9]: REF has no element 09 (it has 4)",
    ]


def test_a_fix_is_picked_up_by_the_next_file(ws: Workspace) -> None:
    Path("samples/data/stores.csv").rename("samples/data/stores.bak")
    prepared = PreparedPartners(ws, load_partners(Path("partners"), root=ws.root))
    assert not prepared["bigbox"].ready and prepared["distrib"].ready
    Path("samples/data/stores.bak").rename("samples/data/stores.csv")
    assert prepared["bigbox"].ready
    ready = prepared["bigbox"]
    assert prepared["bigbox"] is ready  # nothing changed: not prepared again
    Path("samples/data/catalog.csv").write_text("sku,price\n")
    assert prepared["bigbox"] is not ready and prepared["bigbox"].rules is not None


def test_the_850_maps_units_reach_the_rules_and_their_mistakes_are_located(ws: Workspace) -> None:
    partner_map = ws.root / "maps" / "bigbox-850.yaml"
    partner_map.write_text(partner_map.read_text() + "\nunits:\n  CA[ACM-1001]: {EA: 6}\n")
    line = len(partner_map.read_text().splitlines())
    ready = prepare(load_partner(Path("partners/bigbox.yaml"), root=ws.root), ws)
    assert ready.rules is not None and ready.rules.units.map_file == "maps/bigbox-850.yaml"
    assert [(c.unit, c.into, c.factor, c.place) for c in ready.rules.units.conversions] == [
        ("CA", "EA", 6, f"maps/bigbox-850.yaml:{line}")]
    partner_map.write_text(partner_map.read_text() + "  QX: {EA: 0}\n")
    assert problems(ws) == [
        f"maps/bigbox-850.yaml:{line + 1}: units.QX.EA: factor '0' is not a positive number (how many EA one QX is)",
        f"maps/bigbox-850.yaml:{line + 1}: units.QX: unknown unit code 'QX': not an X12 unit (element 355) nor a "
        "unit of codes.uom; add it to codes.uom if the partner uses it"]


def test_units_beside_stock_taking_are_refused_until_allocation_converts(ws: Workspace) -> None:
    partner_map = ws.root / "maps" / "bigbox-850.yaml"
    partner_map.write_text(partner_map.read_text() + "\nunits:\n  CA: {EA: 12}\n")
    line = len(partner_map.read_text().splitlines())
    assert problems(ws) == []
    Path("samples/data/feed.csv").write_text("sku,on_hand\nACM-1001,100\n")
    edit(Path("partners/bigbox.yaml"), "  prices:\n", "  atp:\n    file: samples/data/feed.csv\n  prices:\n")
    [problem] = problems(ws)
    assert problem.startswith(f"maps/bigbox-850.yaml:{line}: units: partner bigbox takes stock (rules.atp in ")
    assert problem.endswith("a converted line would take stock in the buyer's unit; remove the units: section "
                            "or rules.atp")
