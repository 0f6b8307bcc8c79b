"""`edigate tx list` prints what a partner named its file without letting it forge rows."""

from __future__ import annotations

import io
import json
from pathlib import Path

from tests.support.cli import cli_runner
from tests.support.paths import REPO


def test_a_file_name_with_a_newline_and_escapes_cannot_forge_rows(tmp_path: Path) -> None:
    (tmp_path / "edigate.yaml").write_text(f"store: sqlite:///{tmp_path / 'edigate.db'}\n"
                                           f"maps_dir: {REPO / 'maps'}\npartners_dir: {REPO / 'partners'}\n")
    (tmp_path / "samples").symlink_to(REPO / "samples")
    forged = "po.x12\n    99  2026-12-07 00:00:00  bigbox     done       send                000000001  \x1b[2J\x1b[32mok"
    (tmp_path / forged).write_bytes((REPO / "samples" / "x12" / "bigbox-850-4010.x12").read_bytes())
    cli = cli_runner(tmp_path)
    ingested = cli("ingest", forged, "--partner", "bigbox")
    assert ingested.returncode == 0 and "\x1b" not in ingested.stdout
    assert ingested.stdout.splitlines()[0].endswith("po.x12\\n    99  2026-12-07 00:00:00  bigbox     done       send"
                                                    "                000000001  \\x1b[2J\\x1b[32mok")
    listing = cli("tx", "list")
    lines = listing.stdout.splitlines()
    assert len(lines) == 2 and "\x1b" not in listing.stdout  # the header and one row
    assert lines[1].endswith("po.x12\\n    99  2026-12-07 00:00:00  bigbox     done       send"
                             "                000000001  \\x1b[2J\\x1b[32mok")
    [row] = json.loads(cli("tx", "list", "--json").stdout)
    assert row["file_name"] == forged  # kept as sent; JSON escapes it itself


def test_print_transmissions_escapes_isa13_too() -> None:
    import datetime as dt
    from types import SimpleNamespace

    from edigate.cli.transmissions import print_transmissions
    from edigate.store import Status

    row = SimpleNamespace(id=1, received_at=dt.datetime(2026, 12, 7), partner="bigbox", status=Status.FAILED,
                          stage="envelope", isa13="\x1b[2J", file_name="a\rb")
    out = io.StringIO()
    print_transmissions([row], out)
    assert out.getvalue().splitlines()[1].split()[-2:] == ["\\x1b[2J", "a\\rb"]


def test_tx_errors_prints_a_partners_bytes_escaped(tmp_path: Path) -> None:
    (tmp_path / "edigate.yaml").write_text(f"store: sqlite:///{tmp_path / 'edigate.db'}\n"
                                           f"maps_dir: {REPO / 'maps'}\npartners_dir: {REPO / 'partners'}\n")
    (tmp_path / "samples").symlink_to(REPO / "samples")
    sample = (REPO / "samples" / "x12" / "bigbox-850-4010.x12").read_bytes()
    (tmp_path / "po.x12").write_bytes(sample.replace(b"ST*850*0001~", b"ST*850*00\x1b[2J\n~", 1))
    cli = cli_runner(tmp_path)
    cli("ingest", "po.x12", "--partner", "bigbox")
    printed = cli("tx", "errors", "1")
    assert printed.returncode == 0 and printed.stdout and "\x1b" not in printed.stdout
    assert "\\x1b[2J" in printed.stdout
