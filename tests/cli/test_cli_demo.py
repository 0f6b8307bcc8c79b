"""`edigate demo`: a complete workspace to work in afterwards, with a failed file and a held order."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import re
from pathlib import Path

from tests.support.cli import cli_runner
from tests.support.paths import REPO


def _digests() -> dict[str, str]:
    return {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in (REPO / "samples").rglob("*") if p.is_file()}


def test_demo_leaves_a_workspace_with_a_failed_file_and_a_held_order(tmp_path: Path) -> None:
    bundled = _digests()
    done = cli_runner(tmp_path)("demo")
    assert done.returncode == 0, done.stderr
    out = done.stdout
    assert "6 transmissions: 3 done, 2 failed, 1 held; 0 unexpected" in out
    outputs = out[out.index("outputs"):out.index("next, try")]
    assert "demo/bigbox/out/997-bigbox-" in outputs and "demo/distrib/out/999-distrib-" in outputs
    assert not re.search(r"bigbox .*[0-9a-f]{64}", outputs)  # the partner's own folder, not the archive hash
    for line in outputs.splitlines():
        if "demo/" in line and "out/" in line:
            assert (tmp_path / "edigate-demo" / line.split(": ", 1)[1]).is_file(), line
    root = tmp_path / "edigate-demo"
    cli = cli_runner(root)
    rows = json.loads(cli("tx", "list", "--json").stdout)
    by_file = {t["file_name"]: t["id"] for t in rows}
    assert sorted(t["status"] for t in rows) == ["done", "done", "done", "failed", "failed", "held"]
    envelope, mapped = by_file["bigbox-850-failing.edi"], by_file["bigbox-850-newitem.edi"]
    for step in ("cd edigate-demo && edigate tx list", f"edigate tx show {envelope} ",
                 f"edigate tx view {mapped} ", "printf '    \"30245\": ACM-5120\\n' >> maps/bigbox-850.yaml",
                 f"edigate tx reprocess {mapped} ", "edigate orders list --held",
                 'edigate orders release 4500019001 --reason "', "edigate invoice 4500012345 --partner bigbox",
                 "edigate audit", "edigate kpi --html report.html", "--partner bigbox"):
        assert step in out, step
    [envelope_error] = json.loads(cli("tx", "errors", str(envelope), "--json").stdout)
    assert envelope_error["stage"] == "envelope"
    assert [e["code"] for e in json.loads(cli("tx", "errors", str(mapped), "--json").stdout)] == [
        "map.xref", "order.not_stored"]
    [held] = json.loads(cli("orders", "list", "--held", "--json").stdout)
    assert held["status"] == "held"
    shipped = cli("ship", "samples/data/bigbox-shipment.csv", "--partner", "bigbox")
    assert shipped.returncode == 0, shipped.stderr
    kpi = json.loads(cli("kpi", "--json").stdout)["total"]
    assert kpi["on_time"]["hits"] == kpi["on_time"]["total"] == 1  # the samples are dated from today
    assert cli("partners", "check").stdout.split() == ["bigbox:", "ok", "distrib:", "ok", "dropship:", "ok"]
    assert _digests() == bundled
    again = cli_runner(tmp_path)("demo")  # the demo folder starts afresh
    assert again.returncode == 0 and "0 unexpected" in again.stdout


def test_demo_refuses_a_folder_it_did_not_make(tmp_path: Path) -> None:
    (tmp_path / "keep.txt").write_text("mine")
    done = cli_runner(tmp_path)("demo", "--out", str(tmp_path))
    assert done.returncode == 2 and "is not a demo folder" in done.stderr and (tmp_path / "keep.txt").exists()
    assert len(done.stderr.splitlines()) == 1


def test_dated_moves_order_dates_to_today_and_keeps_the_rest() -> None:
    from edigate.cli.demo_samples import dated, dated_shipment

    sample = (REPO / "samples" / "x12" / "bigbox-850-4010.x12").read_bytes()
    moved = dated(sample, dt.date(2027, 3, 1)).decode()
    assert "BEG*00*SA*4500012345**20270301~" in moved
    assert "DTM*010*20270314~" in moved and "DTM*001*20270328~" in moved  # 13 and 27 days after, as before
    assert moved.count("~") == sample.decode().count("~") and "*261118*0930*" in moved  # ISA as it was
    assert dated(b"not x12", dt.date(2027, 3, 1)) == b"not x12"
    csv = "shipment_id,ship_date,po_number\nS1,2026-11-30,4500012345\n"
    assert dated_shipment(csv, dt.date(2027, 3, 2)) == "shipment_id,ship_date,po_number\nS1,2027-03-02,4500012345\n"
