"""`edigate orders|ship|invoice|acks` on a workspace in a temporary folder (SQLite store)."""

from __future__ import annotations

import argparse
import datetime as dt
import io
import json
import shutil
from pathlib import Path

import pytest

from edigate.store.archive import Archive
from edigate.cli.orders import add_commands
from edigate.errors import EdigateError
from edigate.config.partners import load_partners
from edigate.stages.pipeline import Pipeline
from edigate.store import Store
from edigate.config.workspace import default_workspace

from tests.support.paths import REPO

SAMPLE = REPO / "samples" / "x12" / "bigbox-850-4010.x12"
SHIPMENT = REPO / "samples" / "data" / "bigbox-shipment.csv"


@pytest.fixture
def workspace(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    (tmp_path / "edigate.yaml").write_text(f"store: sqlite:///{tmp_path / 'edigate.db'}\n"
                                           f"maps_dir: {REPO / 'maps'}\npartners_dir: {REPO / 'partners'}\n")
    (tmp_path / "samples").symlink_to(REPO / "samples")
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("EDIGATE_ACTOR", "ana")
    return tmp_path


def ingest(root: Path, data: bytes, partner: str = "bigbox") -> None:
    ws = default_workspace(root)
    path = root / "po.x12"
    path.write_bytes(data)
    with Store.open(ws.store) as store:
        Pipeline(ws, store, Archive(ws.archive_path), load_partners(ws.partners_path),
                 channel_types=("folder",)).ingest(path, partner)


def run(*argv: str) -> tuple[int, str, str]:
    """The commands as `edigate.cli.main.main` runs them: exit code, stdout, stderr."""
    parser = argparse.ArgumentParser(prog="edigate")
    add_commands(parser.add_subparsers(dest="command", required=True))
    args = parser.parse_args(argv)
    out, err = io.StringIO(), io.StringIO()
    try:
        code = args.handler(args, out)
    except EdigateError as exc:
        err.write(f"edigate: error: {exc}\n")
        code = exc.exit_code
    return code, out.getvalue(), err.getvalue()


def test_list_show_override_and_release(workspace: Path) -> None:
    ingest(workspace, SAMPLE.read_bytes().replace(b"PO1*1*24*EA*12.49", b"PO1*1*25*EA*14.00"))
    code, out, _ = run("orders", "list", "--held", "--json")
    [held] = json.loads(out)
    assert code == 0 and (held["po_number"], held["status"]) == ("4500012345", "held")
    code, out, _ = run("orders", "override", str(held["id"]), "--line", "1", "--price", "12.49",
                         "--reason", "contract price")
    assert code == 0 and "rule.qty.pack" in out
    assert out.startswith(f"order {held['id']} (PO 4500012345, version 2): line 1 price 14.00 -> 12.49; still held")
    code, out, _ = run("orders", "show", "4500012345")
    assert f"order {held['id']} (version 2, document " in out and ": held" in out.splitlines()[0]
    findings = [line.strip() for line in out.splitlines() if line.strip().startswith("finding")]
    assert any("rule.price" in f and f.endswith("(resolved by override)") for f in findings), findings
    assert any("rule.qty.pack" in f and "resolved" not in f for f in findings), findings
    new_id = json.loads(run("orders", "list", "--held", "--json")[1])[0]["id"]
    code, out, _ = run("orders", "release", "4500012345", "--reason", "buyer confirmed by phone")
    assert code == 0 and f"order {held['id']} (PO 4500012345, version 2): accepted; 855 ISA13" in out
    assert "routed to erp" in out
    code, out, _ = run("orders", "show", "4500012345")
    assert code == 0 and out.startswith(f"order {held['id']} (version 2, document {new_id}): PO 4500012345 "
                                        f"from bigbox: accepted")
    assert "ana override" in out and "ana resolve" in out and " 855 ISA13 " in out
    assert "released from the queue: buyer confirmed by phone" in out
    code, out, _ = run("orders", "show", str(held["id"]), "--json")
    chain = json.loads(out)
    assert [o["set_id"] for o in chain["outbounds"]] == ["855"] and len(chain["versions"]) == 2


def test_release_needs_a_reason_and_decisions_speak_json(workspace: Path, capsys: pytest.CaptureFixture[str]) -> None:
    ingest(workspace, SAMPLE.read_bytes().replace(b"PO1*1*24*", b"PO1*1*25*"))
    [held] = json.loads(run("orders", "list", "--held", "--json")[1])
    with pytest.raises(SystemExit) as refused:
        run("orders", "release", "4500012345")
    assert refused.value.code == 2 and "--reason" in capsys.readouterr().err
    code, out, _ = run("orders", "override", "4500012345", "--line", "1", "--price", "12.49", "--reason", "contract",
                         "--json")
    over = json.loads(out)
    assert code == 0 and (over["order"], over["po"], over["version"], over["status"]) == (
        held["id"], "4500012345", 2, "held")
    assert over["document"] != held["id"] and [f["code"] for f in over["findings"]] == ["rule.qty.pack"]
    code, out, _ = run("orders", "reject", "4500012345", "--reason", "pack size wrong", "--json")
    said = json.loads(out)
    assert code == 0 and (said["order"], said["status"], said["reason"]) == (held["id"], "rejected",
                                                                            "pack size wrong")
    assert said["po_ack"]["set_id"] == "855" and said["problems"] == []


def test_errors_are_one_line_with_exit_codes(workspace: Path) -> None:
    ingest(workspace, SAMPLE.read_bytes())
    assert run("orders", "release", "1", "--reason", "checked")[0] == 2
    code, _, err = run("orders", "show", "999999")
    assert (code, err) == (2, "edigate: error: no order '999999'\n")
    over = workspace / "over.csv"
    over.write_text(SHIPMENT.read_text().replace(",1,24,", ",1,25,", 1))
    code, _, err = run("ship", str(over), "--partner", "bigbox")
    assert code == 1 and "ships 25, ordered 24" in err
    assert run("ship", str(SHIPMENT), "--partner", "nobody")[0] == 2
    assert run("orders", "override", "1", "--line", "1", "--price", "abc", "--reason", "typo")[0] == 2


def test_ship_invoice_and_overdue(workspace: Path) -> None:
    ingest(workspace, SAMPLE.read_bytes())
    code, out, _ = run("ship", str(SHIPMENT), "--partner", "bigbox")
    assert code == 0 and out.splitlines()[0] == "shipment SHP-26-0001: 1 order(s)"
    assert [line.split()[0] for line in out.splitlines()[1:]] == ["856", "810"]
    code, _, err = run("invoice", "4500012345", "--partner", "bigbox")
    assert code == 1 and "already invoiced" in err
    code, out, _ = run("acks", "overdue", "--json")
    assert (code, json.loads(out)) == (0, [])
    with Store.open(default_workspace(workspace).store) as store:
        store.record_outbound(partner="bigbox", set_id="855", key="855:late", isa13="000000099", gs06="99",
                              st02="0001", archive_path="x", sha256="e" * 64,
                              ack_due_at=dt.datetime.now(dt.UTC) - dt.timedelta(hours=2))
    code, out, _ = run("acks", "overdue")
    assert code == 0 and len(out.splitlines()) == 2 and "855:late" in out


def test_inventory_and_a_945_from_the_3pl(workspace: Path) -> None:
    partners = workspace / "partners"
    shutil.copytree(REPO / "partners", partners)
    text = (partners / "dropship.yaml").read_text(encoding="utf-8")
    start = text.index("  outbound:\n    type: sftp")
    end = text.index("documents:")
    (partners / "dropship.yaml").write_text(text[:start] + "  outbound: {type: folder, path: demo/dropship/out}\n"
                                            + text[end:], encoding="utf-8")
    (workspace / "edigate.yaml").write_text(f"store: sqlite:///{workspace / 'edigate.db'}\n"
                                            f"maps_dir: {REPO / 'maps'}\npartners_dir: {partners}\n")
    ingest(workspace, (REPO / "samples" / "x12" / "dropship-850-4010.x12").read_bytes(), "dropship")
    code, out, _ = run("inventory", "show", "--sku", "ACM-2040", "--json")
    assert (code, json.loads(out)) == (0, [{"sku": "ACM-2040", "warehouse": "", "on_hand": "240", "allocated": "2",
                                            "available": "238", "available_date": None}])
    code, out, _ = run("ship", str(REPO / "samples" / "x12" / "fastship-945-4010.x12"), "--partner", "dropship")
    assert code == 0 and out.splitlines()[0] == "shipment SHP-945-0001: 1 order(s)"
    assert [line.split()[0] for line in out.splitlines()[1:]] == ["856", "810"]
    code, out, _ = run("inventory", "show")
    assert code == 0 and "ACM-2040" in out and len(out.splitlines()) == 7
    code, out, _ = run("orders", "show", "MKT-99018832")
    assert code == 0 and [line.split()[0] for line in out.splitlines()[2:6]] == ["940", "855", "856", "810"]
    feed = workspace / "feed.csv"
    feed.write_text("sku,on_hand\nACM-2040,5\n", encoding="utf-8")
    assert run("inventory", "load", str(feed))[1] == f"{feed}: 1 SKU level(s) loaded\n"
    assert run("inventory", "load", str(feed))[1] == f"{feed}: 1 SKU level(s) unchanged since the last load\n"
    feed.write_text("sku,on_hand\nACM-2040,lots\n", encoding="utf-8")
    code, _, err = run("inventory", "load", str(feed))
    assert code == 2 and len(err.splitlines()) == 1 and "bad inventory row" in err


def test_show_and_list_tell_a_cancelled_order_and_its_cancel(workspace: Path) -> None:
    ingest(workspace, SAMPLE.read_bytes())
    cancel = SAMPLE.read_bytes().replace(b"BEG*00*SA*4500012345", b"BEG*01*SA*4500012345")
    ingest(workspace, cancel.replace(b"000000101", b"000000102"))
    code, out, _ = run("orders", "list", "--json")
    by_key = {d["key"]: d for d in json.loads(out)}
    earlier, later = by_key["4500012345:original"], by_key["4500012345:cancel"]
    assert (earlier["status"], later["status"], later["amends"]) == ("cancelled", "accepted", earlier["id"])
    code, out, _ = run("orders", "show", "4500012345")
    assert code == 0 and out.startswith(f"order {later['id']}: PO 4500012345 from bigbox: accepted")
    assert f"  order {earlier['id']} (original): cancelled (cancel order {later['id']} retired it)" in out
    assert f"  order {later['id']} (cancel): accepted (amends order {earlier['id']})" in out
    assert f"edigate amend order:{earlier['id']}: cancelled by order {later['id']}" in out
    chain = json.loads(run("orders", "show", str(earlier["id"]), "--json")[1])
    assert {v["id"]: v["amended_by"] for v in chain["versions"]} == {earlier["id"]: later["id"], later["id"]: None}


@pytest.mark.parametrize(("price", "why"), [
    ("NaN", "price NaN is not a finite number"), ("sNaN", "price sNaN is not a finite number"),
    ("-Infinity", "price -Infinity is not a finite number"), ("-0.01", "price -0.01 is negative"),
    ("1e999", "price 1E+999 has 1000 digits; PO104 holds at most 17"),
    ("123456789012345678", "has 18 digits; PO104 holds at most 17"),
    ("1e-17", "price 1E-17 has 18 digits; PO104 holds at most 17"),  # written 0.00000000000000001
    ("-0", "price -0 is negative"),
    ("1e99999999999999999", "has too many digits")])
def test_an_override_the_855_cannot_carry_is_refused_in_one_line(workspace: Path, price: str, why: str) -> None:
    ingest(workspace, SAMPLE.read_bytes().replace(b"PO1*1*24*", b"PO1*1*25*"))
    [held] = json.loads(run("orders", "list", "--held", "--json")[1])
    code, out, err = run("orders", "override", str(held["id"]), "--line", "1", f"--price={price}", "--reason", "r")
    assert (code, out) == (2, "") and why in err and err.count("\n") == 1
    assert json.loads(run("orders", "list", "--held", "--json")[1]) == [held]  # no new version was made


def test_a_price_for_a_line_without_a_positive_quantity_is_refused(workspace: Path) -> None:
    ingest(workspace, SAMPLE.read_bytes().replace(b"PO1*1*24*", b"PO1*1*-5*"))
    [held] = json.loads(run("orders", "list", "--held", "--json")[1])
    code, out, err = run("orders", "override", str(held["id"]), "--line", "1", "--price", "12.49",
                         "--reason", "contract price")
    assert (code, out) == (2, "")
    assert err == (f"edigate: error: order {held['id']} line 1 has quantity -5: a price needs a positive quantity "
                   f"to answer; reject the order instead (edigate orders reject {held['id']})\n")


def test_show_names_only_the_orders_own_findings(workspace: Path) -> None:
    """Two orders in one file, one with a wrong price: the other shows no finding."""
    ingest(workspace, SAMPLE.read_bytes().replace(b"PO1*2*60*EA*15.00", b"PO1*2*60*EA*16.00"))
    code, out, _ = run("orders", "show", "4500012346")
    assert code == 0 and [line.strip() for line in out.splitlines() if "finding" in line] == [
        "finding line 2 (ACM-4520) rule.price.mismatch: price 16.00 differs from the price list 15.00 by more "
        "than 0.0%"]
    code, out, _ = run("orders", "show", "4500012345")
    assert code == 0 and "finding" not in out


def test_override_unit_item_ship_to_and_dates_with_a_reason_and_the_855_says_so(workspace: Path) -> None:
    # line 3 ordered as 48 eaches at 9.60: ACM-3300 sells in cases of 4, so the order is held
    ingest(workspace, SAMPLE.read_bytes().replace(b"PO1*3*12*CA*38.40", b"PO1*3*48*EA*9.60"))
    [held] = json.loads(run("orders", "list", "--held", "--json")[1])
    code, out, _ = run("orders", "override", "4500012345", "--line", "3", "--unit", "CA", "--reason",
                       "buyer meant cases", "--json")
    over = json.loads(out)
    assert code == 0 and (over["order"], over["version"], over["findings"]) == (held["id"], 2, [])
    assert over["changes"] == ["line 3 unit 48 EA at 9.60 -> 12 CA at 38.4"] and over["reason"] == "buyer meant cases"
    code, out, _ = run("orders", "override", "4500012345", "--line", "2", "--item", "ACM-4410", "--ship-to", "6094",
                       "--ship-date", "2026-12-09", "--reason", "substitute agreed", "--json")
    assert code == 0 and json.loads(out)["changes"] == [
        "line 2 item ACM-2040 -> ACM-4410", "line 2 requested ship - -> 2026-12-09", "ship-to 1482 -> 6094"]
    shown = run("orders", "show", "4500012345")[1]
    assert f"order {held['id']} (version 3, document " in shown
    assert any("rule.uom.mismatch" in line and line.endswith("(resolved by override)") for line in shown.splitlines())
    assert "ana override" in shown and "buyer meant cases" in shown and "substitute agreed" in shown
    for refused, why in ((["--line", "3", "--unit", "LB"], "no conversion from CA to LB"),
                         (["--ship-date", "tomorrow"], "is not a date"), ([], "nothing to override")):
        code, out, err = run("orders", "override", "4500012345", *refused, "--reason", "r")
        assert (code, out) == (2, "") and why in err and err.count("\n") == 1
    code, out, _ = run("orders", "release", "4500012345", "--reason", "all agreed", "--json")
    released = json.loads(out)
    assert code == 0 and released["order"] == held["id"] and released["status"] == "accepted"
    ws = default_workspace(workspace)
    body = (Archive(ws.archive_path).root / released["po_ack"]["archive_path"]).read_text()
    segments = [s.strip() for s in body.split("~")]
    assert "BAK*00*AC*4500012345" in body and "N1*ST**92*6094" in segments
    acks = [s for s in segments if s.startswith("ACK*")]
    assert acks[1].startswith("ACK*IS*48*EA") and acks[2].startswith("ACK*IC*12*CA")
    assert any(s.startswith("PO1*3*12*CA*38.4") for s in segments)


def test_override_unit_by_the_conversion_the_partners_map_declares(workspace: Path) -> None:
    shutil.copytree(REPO / "maps", workspace / "maps")
    partner_map = workspace / "maps" / "bigbox-850.yaml"
    partner_map.write_text(partner_map.read_text() + "\nunits:\n  CA[ACM-3300]: {EA: 4}\n")
    declared = f"maps/bigbox-850.yaml:{len(partner_map.read_text().splitlines())}"
    (workspace / "edigate.yaml").write_text(f"store: sqlite:///{workspace / 'edigate.db'}\nmaps_dir: maps\n"
                                            f"partners_dir: {REPO / 'partners'}\n")
    # held for line 1's price; line 3 comes in cases, as ACM-3300 sells
    ingest(workspace, SAMPLE.read_bytes().replace(b"PO1*1*24*EA*12.49", b"PO1*1*24*EA*12.50"))
    code, out, _ = run("orders", "override", "4500012345", "--line", "3", "--unit", "EA", "--reason",
                       "the buyer counts eaches", "--json")
    over = json.loads(out)
    assert code == 0 and over["changes"] == ["line 3 unit 12 CA at 38.40 -> 48 EA at 9.6"]
    assert over["conversion"] == {"line": "3", "from": "CA", "to": "EA", "factor": "4", "by": "map",
                                  "source": declared}
    # 48 EA is 12 CA by the same declaration: no rule.uom.mismatch, only line 1's price is left
    assert [(f["code"], f["line"]) for f in over["findings"]] == [("rule.price.mismatch", "1")]
    shown = run("orders", "show", "4500012345")[1]
    assert f"(unit converted by {declared})" in shown and "the buyer counts eaches" in shown
