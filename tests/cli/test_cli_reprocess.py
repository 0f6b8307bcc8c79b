"""`edigate tx reprocess|resolve|resend` as a specialist corrects and resends: a corrected
file run as a new attempt, the duplicate checks forced with a reason, one 997 per
interchange, the failed attempt superseded. Through the real command, on SQLite and (with
EDIGATE_TEST_PG_URL) PostgreSQL."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.support.cli import BIGBOX, Cli, cli_runner, example_root, put_file

UNKNOWN_ITEM = BIGBOX.replace(b"IN*30012", b"IN*99999")


@pytest.fixture
def root(tmp_path: Path, url: str) -> Path:
    return example_root(tmp_path, url)


@pytest.fixture
def cli(root: Path) -> Cli:
    return cli_runner(root)


def _outbox(root: Path) -> list[str]:
    out = root / "demo" / "bigbox" / "out"
    return sorted(p.name.split("-")[0] for p in out.iterdir()) if out.is_dir() else []


def test_a_corrected_file_runs_as_the_next_attempt_with_one_997(cli: Cli, root: Path) -> None:
    bad = cli("ingest", put_file(root, "po.x12", UNKNOWN_ITEM))
    assert bad.returncode == 1 and bad.stdout.split()[:2] == ["1", "failed"]
    assert _outbox(root) == ["855", "997"]
    fixed = cli("--as", "maria", "tx", "reprocess", "1", "--file", put_file(root, "fixed.x12", BIGBOX), "--json")
    said = json.loads(fixed.stdout)
    assert fixed.returncode == 0, fixed.stdout + fixed.stderr
    assert (said["reprocessed"], said["file"], said["forced"], said["ack_again"]) == (1, "fixed.x12", None, False)
    attempt = said["transmission"]
    assert (attempt["id"], attempt["status"], attempt["parent_id"], attempt["attempt"]) == (2, "done", 1, 2)
    assert _outbox(root) == ["855", "855", "997"]  # the interchange was answered by the first attempt
    shown = json.loads(cli("tx", "show", "1", "--json").stdout)
    assert shown["status"] == "superseded" and shown["sha256"] != attempt["sha256"]
    for sha in (shown["sha256"], attempt["sha256"]):  # both files kept in the archive
        assert (root / "archive" / sha[:2] / sha[2:4] / sha).is_file()
    assert json.loads(cli("tx", "list", "--status", "failed", "--json").stdout) == []
    [event] = [e for e in json.loads(cli("audit", "--tx", "1", "--json").stdout) if e["action"] == "reprocess"
               and e["actor"] == "maria"]
    assert event["note"] == "edigate tx reprocess; corrected file fixed.x12"


def test_ack_again_sends_a_second_997(cli: Cli, root: Path) -> None:
    cli("ingest", put_file(root, "po.x12", UNKNOWN_ITEM))
    again = cli("tx", "reprocess", "1", "--file", put_file(root, "fixed.x12", BIGBOX), "--ack-again")
    assert (again.returncode, again.stdout.strip()) == (0, "transmission 1 reprocessed as 2: done")
    assert _outbox(root) == ["855", "855", "997", "997"]


def test_a_skipped_answer_leaves_no_gap_in_our_control_numbers(cli: Cli, root: Path) -> None:
    """The corrected file carries the answered interchange and a new one: the first gets no
    second 997, and the numbers its answer would have taken go to the next one's."""
    assert cli("ingest", put_file(root, "po.x12", UNKNOWN_ITEM)).returncode == 1
    second = BIGBOX.replace(b"000000101", b"000000102").replace(b"*1001*X*", b"*1002*X*").replace(
        b"GE*2*1001", b"GE*2*1002").replace(b"45000123", b"45000555")
    fixed = cli("tx", "reprocess", "1", "--file", put_file(root, "fixed.x12", BIGBOX + second), "--json")
    assert fixed.returncode == 0 and json.loads(fixed.stdout)["transmission"]["status"] == "done", fixed.stderr
    out = sorted((root / "demo" / "bigbox" / "out").iterdir())
    numbers = sorted(int(p.stem.rsplit("-", 1)[1]) for p in out)
    assert numbers == list(range(1, len(numbers) + 1)) and len(numbers) == 6, [p.name for p in out]
    assert sorted(p.name.split("-")[0] for p in out) == ["855", "855", "855", "855", "997", "997"]
    shown = json.loads(cli("tx", "show", "2", "--json").stdout)
    assert [o["isa13"] for o in shown["outputs"] if o["set_id"] == "997"] == ["000000003"]


def test_force_passes_a_duplicate_with_the_reason_audited(cli: Cli, root: Path) -> None:
    assert cli("ingest", put_file(root, "po.x12", BIGBOX)).returncode == 0
    resent = BIGBOX.replace(b"4500012345", b"4500077777")  # new content under the same ISA13
    dup = cli("ingest", put_file(root, "resent.x12", resent))
    assert dup.stdout.split()[:2] == ["2", "duplicate"]
    same = cli("tx", "reprocess", "2", "--file", "po.x12")
    assert same.returncode == 2 and "the same bytes as transmission 1 (done)" in same.stderr
    assert "--force --reason TEXT" in same.stderr and len(same.stderr.splitlines()) == 1
    unforced = cli("tx", "reprocess", "2", "--force")
    assert unforced.returncode == 2 and "--force and --reason go together" in unforced.stderr
    forced = cli("tx", "reprocess", "2", "--force", "--reason", "buyer reused ISA13 for a new PO", "--json")
    assert forced.returncode == 0 and json.loads(forced.stdout)["transmission"]["status"] == "done"
    assert json.loads(forced.stdout)["forced"] == "buyer reused ISA13 for a new PO"
    audit = cli("audit")
    assert "forced past the duplicate checks: buyer reused ISA13 for a new PO" in audit.stdout
    orders = {o["po_number"] for o in json.loads(cli("orders", "list", "--json").stdout)}
    assert "4500077777" in orders


def test_a_reprocess_found_a_duplicate_keeps_its_link_to_the_attempt_it_repeats(cli: Cli, root: Path) -> None:
    assert cli("ingest", put_file(root, "po.x12", BIGBOX)).returncode == 0
    resent = BIGBOX.replace(b"4500012345", b"4500077777")  # new content under the same ISA13
    assert cli("ingest", put_file(root, "resent.x12", resent)).stdout.split()[:2] == ["2", "duplicate"]
    again = json.loads(cli("tx", "reprocess", "2", "--json").stdout)
    attempt = again["transmission"]
    assert (attempt["id"], attempt["status"], attempt["parent_id"], attempt["attempt"]) == (3, "duplicate", 2, 2)
    assert again["why"] == ["duplicate of transmission 1 (done); nothing to do; to run it again anyway: "
                            "edigate tx reprocess 1"]
    shown = json.loads(cli("tx", "show", "3", "--json").stdout)
    assert (shown["parent_id"], shown["duplicate_of"]["id"], shown["duplicate_of"]["text"]) == (
        2, 1, "transmission 1 (done)")  # 1 has no attempt of its own: 3 is 2's
    assert json.loads(cli("tx", "show", "2", "--json").stdout)["duplicate_of"]["id"] == 1


def test_resolve_and_resend_speak_json(cli: Cli, root: Path) -> None:
    cli("ingest", put_file(root, "po.x12", UNKNOWN_ITEM))
    resolved = json.loads(cli("--as", "maria", "tx", "resolve", "1", "--note", "item retired", "--json").stdout)
    assert (resolved["transmission"]["status"], resolved["note"], resolved["actor"]) == (
        "resolved", "item retired", "maria")
    resent = json.loads(cli("tx", "resend", "1", "--set", "997", "--json").stdout)
    assert resent["transmission"] == 1 and [o["set_id"] for o in resent["resent"]] == ["997"]


def test_reprocess_help_states_the_ack_policy(cli: Cli) -> None:
    helped = cli("tx", "reprocess", "--help")
    assert "no second 997/999" in " ".join(helped.stdout.split()) and "--ack-again" in helped.stdout
