"""`edigate audit`, the actor of every change (`--as`, EDIGATE_ACTOR, the OS user), the
notes in `tx show`, and the filters of `tx list` and `orders list`, through `main` on a
SQLite workspace the samples were ingested into."""

from __future__ import annotations

import datetime as dt
import getpass
import json
from pathlib import Path

import pytest

from edigate.cli.dates import parse_time
from edigate.cli.main import main
from edigate.errors import UsageError

from tests.conftest import REPO

SAMPLE = REPO / "samples" / "x12" / "bigbox-850-4010.x12"


@pytest.fixture
def workspace(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    (tmp_path / "edigate.yaml").write_text(f"store: sqlite:///{tmp_path / 'edigate.db'}\n"
                                           f"maps_dir: {REPO / 'maps'}\npartners_dir: {REPO / 'partners'}\n")
    (tmp_path / "samples").symlink_to(REPO / "samples")
    held = SAMPLE.read_bytes().replace(b"PO1*1*24*", b"PO1*1*25*").replace(b"000000101", b"000000201") \
        .replace(b"4500012345", b"4500099999")
    (tmp_path / "held.x12").write_bytes(held)
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("EDIGATE_ACTOR", raising=False)
    return tmp_path


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def test_who_what_when_and_why(workspace: Path, capsys: pytest.CaptureFixture[str],
                               monkeypatch: pytest.MonkeyPatch) -> None:
    run(capsys, "ingest", str(SAMPLE), "held.x12")
    assert run(capsys, "--as", "maria", "tx", "resolve", "2", "--note", "called the buyer")[0] == 0
    code, out, _ = run(capsys, "tx", "show", "2")
    assert code == 0 and any(line.endswith("maria        resolve       tx:2: called the buyer")
                             for line in out.splitlines())
    assert json.loads(run(capsys, "tx", "show", "2", "--json")[1])["audit"][0]["note"] == "called the buyer"
    monkeypatch.setenv("EDIGATE_ACTOR", "ana")
    held = json.loads(run(capsys, "orders", "list", "--status", "held", "--json")[1])[0]["id"]
    run(capsys, "orders", "reject", str(held), "--reason", "price dispute")
    monkeypatch.delenv("EDIGATE_ACTOR")
    run(capsys, "tx", "resend", "1", "--set", "997")
    events = json.loads(run(capsys, "audit", "--json")[1])
    assert [(e["actor"], e["action"], e["target"]) for e in events] == [
        ("maria", "resolve", "tx:2"), ("ana", "resolve", f"order:{held}"), (getpass.getuser(), "resend", "tx:1")]
    assert events[1]["note"] == "rejected: price dispute" and "cli" not in {e["actor"] for e in events}
    assert [e["target"] for e in json.loads(run(capsys, "audit", "--tx", "1", "--json")[1])] == ["tx:1"]
    assert [e["actor"] for e in json.loads(run(capsys, "audit", "--order", "4500099999", "--json")[1])] == ["ana"]
    assert json.loads(run(capsys, "audit", "--since", "1h", "--json")[1]) == events
    code, out, _ = run(capsys, "audit", "--since", "2099-01-01")
    assert code == 0 and out.splitlines() == ["AT (UTC)             ACTOR        ACTION        TARGET: NOTE"]


def test_filters_and_their_errors(workspace: Path, capsys: pytest.CaptureFixture[str]) -> None:
    run(capsys, "ingest", str(SAMPLE), "held.x12")
    ids = [t["id"] for t in json.loads(run(capsys, "tx", "list", "--since", "yesterday", "--json")[1])]
    assert ids == [2, 1]
    assert [t["id"] for t in json.loads(run(capsys, "tx", "list", "--po", "4500099999", "--json")[1])] == [2]
    assert [t["id"] for t in json.loads(run(capsys, "tx", "list", "--sku", "ACM-2040", "--json")[1])] == [2, 1]
    assert json.loads(run(capsys, "tx", "list", "--status", "held", "--since", "2h", "--json")[1])[0]["id"] == 2
    orders = json.loads(run(capsys, "orders", "list", "--po", "4500012346", "--since", "today", "--json")[1])
    assert [o["po_number"] for o in orders] == ["4500012346"]
    assert [o["po_number"] for o in json.loads(run(capsys, "orders", "list", "--sku", "acm-1001", "--status",
                                                    "held", "--json")[1])] == ["4500099999"]
    code, out, err = run(capsys, "tx", "list", "--status", "bogus")
    assert code == 2 and out == "" and err == ("edigate: error: --status 'bogus' is not one of: received, "
                                               "processing, done, held, failed, duplicate, resolved, superseded\n")
    code, _, err = run(capsys, "orders", "list", "--status", "open")
    assert code == 2 and "accepted, held, rejected, routed, superseded, cancelled" in err
    code, _, err = run(capsys, "tx", "list", "--since", "last week")
    assert code == 2 and err.startswith("edigate: error: --since 'last week' is not a time: use 2h, 3d")


NOW = dt.datetime(2026, 3, 10, 15, 30, tzinfo=dt.UTC)


@pytest.mark.parametrize(("text", "end", "expected"), [
    ("2h", False, NOW - dt.timedelta(hours=2)),
    ("3d", False, NOW - dt.timedelta(days=3)),
    ("1w", False, NOW - dt.timedelta(weeks=1)),
    ("45m", False, NOW - dt.timedelta(minutes=45)),
    ("today", False, dt.datetime(2026, 3, 10, tzinfo=dt.UTC)),
    ("yesterday", False, dt.datetime(2026, 3, 9, tzinfo=dt.UTC)),
    ("yesterday", True, dt.datetime(2026, 3, 10, tzinfo=dt.UTC)),
    ("2026-03-01", False, dt.datetime(2026, 3, 1, tzinfo=dt.UTC)),
    ("2026-03-31", True, dt.datetime(2026, 4, 1, tzinfo=dt.UTC)),
    ("2026-03-01T08:00:00+02:00", False, dt.datetime(2026, 3, 1, 6, tzinfo=dt.UTC)),
])
def test_one_time_parser(text: str, end: bool, expected: dt.datetime) -> None:
    assert parse_time(text, end=end, now=NOW) == expected


def test_a_bad_time_names_the_option() -> None:
    with pytest.raises(UsageError, match=r"--until 'soon' is not a time"):
        parse_time("soon", option="--until")
