"""`edigate ingest` and `edigate tx` as a specialist meets them: the partner from the envelope,
every failure recorded and shown, the partner answered, duplicates that say what to do.
Through the real command, on SQLite and (with EDIGATE_TEST_PG_URL) PostgreSQL."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest

from edigate.x12.tokenizer import tokenize

from tests.support.cli import BIGBOX, Cli, cli_runner, example_root, put_file
from tests.support.paths import REPO



@pytest.fixture
def root(tmp_path: Path, url: str) -> Path:
    """A workspace on the backend under test, with the example partners, maps and data."""
    return example_root(tmp_path, url)


@pytest.fixture
def cli(root: Path) -> Cli:
    return cli_runner(root)


_file = put_file


def _outbox(root: Path, partner: str = "bigbox") -> list[str]:
    out = root / "demo" / partner / "out"
    return sorted(p.name.split("-")[0] for p in out.iterdir()) if out.is_dir() else []


def _ak5(root: Path) -> list[tuple[str, ...]]:
    [ack] = (root / "demo" / "bigbox" / "out").glob("997-*")
    return [s.elements for s in tokenize(ack.read_bytes()) if s.id == "AK5"]


def _row(done: subprocess.CompletedProcess[str]) -> list[str]:
    return done.stdout.split()[:3]


def test_a_good_file_with_and_without_partner(cli: Cli, root: Path) -> None:
    plain = cli("ingest", _file(root, "po.x12", BIGBOX))
    assert (plain.returncode, _row(plain)) == (0, ["1", "done", "bigbox"]), plain.stdout + plain.stderr
    assert _outbox(root) == ["855", "855", "997"] and _ak5(root) == [("A",), ("A",)]
    told = cli("ingest", str(REPO / "samples" / "x12" / "distrib-850-5010.x12"), "--partner", "distrib")
    assert (told.returncode, _row(told)) == (0, ["2", "done", "distrib"])
    assert _outbox(root, "distrib") == ["855", "999"]


def test_a_file_from_someone_else_is_failed_and_shown(cli: Cli, root: Path) -> None:
    wrong = cli("ingest", _file(root, "po.x12", BIGBOX), "--partner", "distrib")
    assert (wrong.returncode, _row(wrong)) == (1, ["1", "failed", "distrib"]) and wrong.stderr == ""
    assert "envelope.partner_mismatch: ISA05/ISA06 ZZ:BIGBOXRETAIL is bigbox's identity" in wrong.stdout
    stranger = cli("ingest", _file(root, "who.x12", BIGBOX.replace(b"BIGBOXRETAIL", b"SOMEONE")))
    assert (stranger.returncode, _row(stranger)) == (1, ["2", "failed", "(unknown)"])
    failed = json.loads(cli("tx", "list", "--status", "failed", "--json").stdout)
    assert [(t["id"], t["partner"], t["stage"]) for t in failed] == [(2, "(unknown)", "envelope"),
                                                                     (1, "distrib", "envelope")]
    errors = json.loads(cli("tx", "errors", "2", "--json").stdout)
    assert [(e["code"], e["value"]) for e in errors] == [("envelope.unknown_partner", "SOMEONE")]
    assert _outbox(root) == [] and _outbox(root, "distrib") == [] and not (root / "demo" / "erp").exists()
    shown = cli("tx", "show", "2")
    assert shown.returncode == 0 and "partner (unknown)" in shown.stdout
    alerts = json.loads(cli("alerts", "check", "--json").stdout)
    assert {a["subject"] for a in alerts if a["code"] == "alert.envelope"} == {"tx1", "tx2"}


def test_an_unknown_item_is_an_open_exception_naming_the_set(cli: Cli, root: Path) -> None:
    done = cli("ingest", _file(root, "po.x12", BIGBOX.replace(b"IN*30012", b"IN*99999")))
    assert (done.returncode, _row(done)) == (1, ["1", "failed", "bigbox"])
    errors = [e for e in json.loads(cli("tx", "errors", "1", "--json").stdout) if e["severity"] == "error"]
    assert [(e["stage"], e["code"], e["isa13"], e["gs06"], e["st02"]) for e in errors] == [
        ("map", "map.xref", "000000101", "1001", "0001"), ("map", "order.not_stored", "000000101", "1001", "0001")]
    assert _outbox(root) == ["855", "997"] and _ak5(root) == [("A",), ("A",)]
    assert [t["id"] for t in json.loads(cli("tx", "list", "--status", "failed", "--json").stdout)] == [1]


def test_a_broken_structure_is_rejected_and_the_997_is_sent(cli: Cli, root: Path) -> None:
    broken = BIGBOX.replace(b"BEG*00*SA*4500012345", b"BEG*00*SA*").replace(b"BEG*00*SA*4500012346", b"BEG*00*SA*")
    done = cli("ingest", _file(root, "po.x12", broken))
    assert (done.returncode, _row(done)) == (1, ["1", "done", "bigbox"])  # each set rejected and answered
    assert _outbox(root) == ["997"] and _ak5(root) == [("R", "5"), ("R", "5")]
    shown = json.loads(cli("tx", "show", "1", "--json").stdout)
    assert shown["documents"] == [] and [o["sent_at"] is not None for o in shown["outputs"]] == [True]


def test_a_configuration_error_then_fix_and_reprocess(cli: Cli, root: Path) -> None:
    partner_file = root / "partners" / "bigbox.yaml"
    partner_file.write_text(partner_file.read_text().replace("tolerance_percent", "tolerence_percent"))
    first = cli("ingest", _file(root, "po.x12", BIGBOX))
    assert (first.returncode, _row(first)) == (2, ["1", "failed", "bigbox"]), first.stderr
    assert "validate: config:" in first.stdout and "tolerence_percent" in first.stdout
    [said] = first.stderr.splitlines()
    assert said.startswith("edigate: error: transmission 1: ") and "bigbox.yaml:" in said
    assert [t["status"] for t in json.loads(cli("tx", "list", "--json").stdout)] == ["failed"]
    partner_file.write_text(partner_file.read_text().replace("tolerence_percent", "tolerance_percent"))
    again = cli("ingest", "po.x12")
    assert (again.returncode, _row(again)) == (0, ["2", "duplicate", "bigbox"])
    assert "duplicate of transmission 1 (failed); to run it again after a fix: edigate tx reprocess 1" in again.stdout
    shown = json.loads(cli("tx", "show", "2", "--json").stdout)
    assert shown["duplicate_of"]["id"] == 1 and shown["duplicate_of"]["status"] == "failed"
    fixed = cli("tx", "reprocess", "1")
    assert (fixed.returncode, fixed.stdout.strip()) == (0, "transmission 1 reprocessed as 3: done")
    assert _outbox(root) == ["855", "855", "997"]
    later = cli("tx", "show", "2")
    assert "duplicate of transmission 1, reprocessed as 3 (done)" in later.stdout


def test_an_answer_the_outbound_channel_refused_is_named_on_stderr(cli: Cli, root: Path) -> None:
    (root / "demo" / "bigbox").mkdir(parents=True)
    (root / "demo" / "bigbox" / "out").write_text("a file where the outbound folder should be")
    done = cli("ingest", _file(root, "po.x12", BIGBOX))
    assert (done.returncode, _row(done)) == (0, ["1", "done", "bigbox"])
    said = [line for line in done.stderr.splitlines() if "not delivered" in line]
    assert [line.split(": ")[:3] for line in said] == [["edigate", "warning", "not delivered"]] * 3
    assert "997-bigbox-000000001.x12 (997 ISA13 000000001 of transmission 1)" in said[0]
    assert all(line.endswith("edigate run --once sends it") for line in said)
    shown = json.loads(cli("tx", "show", "1", "--json").stdout)
    assert [o["sent_at"] for o in shown["outputs"]] == [None, None, None]


def test_a_route_the_destination_refused_names_each_set(cli: Cli, root: Path) -> None:
    (root / "demo" / "erp").mkdir(parents=True)
    (root / "demo" / "erp" / "orders").write_text("a file where the ERP folder should be")
    done = cli("ingest", _file(root, "po.x12", BIGBOX))
    assert (done.returncode, _row(done)) == (1, ["1", "failed", "bigbox"])
    errors = json.loads(cli("tx", "errors", "1", "--json").stdout)
    assert [(e["stage"], e["code"], e["po_number"], e["st02"]) for e in errors] == [
        ("route", "route.send", "4500012345", "0001"), ("route", "route.send", "4500012346", "0002")]
    assert all("bigbox:erp" in e["message"] and e["hint"].endswith("edigate tx reprocess 1") for e in errors)
    assert _outbox(root) == ["997"]  # no 855 for an order that did not reach the ERP
