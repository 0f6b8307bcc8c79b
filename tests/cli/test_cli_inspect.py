"""`edigate x12 view`, `edigate tx view` and `edigate tx view --po` through `main`, on a
SQLite workspace the sample files were ingested into."""

from __future__ import annotations

import io
import json
from pathlib import Path

import pytest

from edigate.cli.main import main

from tests.conftest import REPO

SAMPLE = REPO / "samples" / "x12" / "bigbox-850-4010.x12"


def broken(data: bytes) -> bytes:
    """The sample with BEG03 (the PO number) removed, a letter in PO102 and its own ISA13."""
    return data.replace(b"BEG*00*SA*4500012345", b"BEG*00*SA*").replace(b"PO1*2*48*EA", b"PO1*2*4X8*EA") \
        .replace(b"000000101", b"000000401")


@pytest.fixture
def workspace(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    (tmp_path / "edigate.yaml").write_text(f"store: sqlite:///{tmp_path / 'edigate.db'}\n"
                                           f"maps_dir: {REPO / 'maps'}\npartners_dir: {REPO / 'partners'}\n")
    (tmp_path / "samples").symlink_to(REPO / "samples")
    (tmp_path / "bad.x12").write_bytes(broken(SAMPLE.read_bytes()))
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("NO_COLOR", raising=False)
    return tmp_path


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def test_x12_view_numbers_indents_and_marks_the_element(workspace: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run(capsys, "x12", "view", "bad.x12")
    lines = out.splitlines()
    assert code == 1 and err == "" and "\x1b[" not in out  # not a terminal: no colour
    assert lines[0].startswith("bad.x12: 59 segments, ")
    beg = lines.index("     4      BEG*00*SA***20261118")
    assert lines[beg + 3] == " " * 22 + "^ BEG03"
    assert "AK4 1 (validate): required element Purchase Order Number is missing" in lines[beg + 4]
    po1 = next(i for i, line in enumerate(lines) if "PO1*2*4X8*EA" in line)
    assert lines[po1].endswith("[loop PO1]") and lines[po1].startswith("    27        PO1")
    caret = next(line for line in lines[po1:] if line.endswith("PO102"))
    assert caret.index("^^^") == lines[po1].index("4X8") and "^^^ PO102" in caret
    assert "(value '4X8')" in lines[lines.index(caret) + 1]
    assert any(line.startswith("    25          PID") and line.endswith("[loop PID]") for line in lines)


def test_x12_view_json_has_the_documented_shape(workspace: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "x12", "view", "bad.x12", "--json")
    view = json.loads(out)
    assert code == 1 and view["counts"]["segments"] == 59 and view["counts"]["errors"] >= 4
    beg = view["segments"][3]
    assert (beg["number"], beg["id"], beg["st02"], beg["position"], beg["depth"]) == (4, "BEG", "0001", 2, 2)
    assert {"severity": "error", "code_list": "AK4", "code": "1", "element": 3}.items() <= \
        next(f for f in beg["findings"] if f["code_list"] == "AK4").items()


def test_x12_view_of_a_clean_file_and_of_a_missing_one(workspace: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "x12", "view", "samples/x12/bigbox-850-4010.x12")
    assert code == 0 and "0 error(s), 0 warning(s)" in out.splitlines()[0]
    code, out, err = run(capsys, "x12", "view", "nothing.x12")
    assert code == 2 and err == "edigate: error: nothing.x12: no such file\n"


def test_tx_view_shows_the_error_log_in_place(workspace: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert run(capsys, "ingest", str(SAMPLE), "bad.x12")[0] == 1
    code, out, _ = run(capsys, "tx", "view", "2")
    lines = out.splitlines()
    assert code == 0 and lines[0].startswith("bad.x12: 59 segments, ")
    beg = lines.index("     4      BEG*00*SA***20261118")
    assert "AK4 1 (validate): required element Purchase Order Number is missing" in lines[beg + 4]
    data = json.loads(run(capsys, "tx", "view", "2", "--json")[1])
    assert [f["code"] for f in data["segments"][3]["findings"]] == ["8", "1"]
    assert run(capsys, "tx", "view", "99")[0] == 2


def test_tx_view_escapes_partner_bytes(workspace: Path, capsys: pytest.CaptureFixture[str]) -> None:
    hostile = SAMPLE.read_bytes().replace(b"JANET ORTIZ", b"JANET\x1b[31mORTIZ").replace(b"000000101", b"000000501")
    (workspace / "hostile.x12").write_bytes(hostile)
    run(capsys, "ingest", "hostile.x12")
    code, out, _ = run(capsys, "tx", "view", "1")
    assert code == 0 and "\x1b" not in out and "PER*BD*JANET\\x1b[31mORTIZ*TE" in out


def test_tx_view_po_lays_the_850_beside_the_order_and_the_855(workspace: Path,
                                                              capsys: pytest.CaptureFixture[str]) -> None:
    run(capsys, "ingest", str(SAMPLE))
    code, out, _ = run(capsys, "tx", "view", "1", "--po", "4500012345")
    lines = out.splitlines()
    assert code == 0 and lines[0] == "order 1: PO 4500012345: accepted"
    assert [c.strip() for c in lines[1].split("|")] == ["850 received", "canonical order", "855 sent"]
    first = [c.strip() for c in lines[3].split("|")]
    assert first == ["3 ST*850*0001", "po_number: 4500012345", first[2]] and "ST*855*" in first[2]
    view = json.loads(run(capsys, "tx", "view", "1", "--po", "4500012345", "--json")[1])
    assert view["order"]["po_number"] == "4500012345"
    assert view["x12"][1]["text"] == "BEG*00*SA*4500012345**20261118"
    assert [s["id"] for s in view["answers"]][:2] == ["ST", "BAK"]


class Terminal(io.StringIO):
    """An output that says it is a terminal, as sys.stdout does on one."""

    def isatty(self) -> bool:
        return True


def test_colour_only_on_a_terminal_and_never_with_no_color(workspace: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from edigate.cli.inspect import use_colour
    from edigate.desk.inspect import file_view, render_view

    assert use_colour(Terminal()) and not use_colour(io.StringIO())
    monkeypatch.setenv("NO_COLOR", "1")
    assert not use_colour(Terminal())
    painted = "\n".join(render_view(file_view("bad.x12"), colour=True))
    assert "\x1b[31merror\x1b[0m AK4 1" in painted and "\x1b[31m^^^\x1b[0m PO102" in painted
