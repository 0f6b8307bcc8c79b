"""`edigate kpi` and `edigate alerts check` in a workspace whose store holds the fixture."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from edigate.cli.dates import TIME_HELP
from edigate.cli.main import main
from edigate.store import Store
from tests.support import report_fixture

MARCH = ["--since", "2026-03-01", "--until", "2026-03-31"]


@pytest.fixture
def workspace(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    with Store.open(f"sqlite:///{tmp_path / 'edigate.db'}") as store:
        report_fixture.build(store)
    monkeypatch.chdir(tmp_path)
    return tmp_path


def test_table(workspace: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["kpi", *MARCH]) == 0
    out = capsys.readouterr().out.splitlines()
    assert out[0] == "KPIs of the orders received 2026-03-01 to 2026-03-31 (UTC)"
    assert out[1].split() == ["all", "acme", "bigbox"]
    assert out[2].split() == ["orders", "received", "7", "5", "2"]
    assert "OTIF" in out[6] and "40.0% (2/5)" in out[6]
    assert out[-1] == "top failing elements: BEG03 2 (7), ISA13 1 (022), PO102 1 (8)"


def test_json_for_one_partner(workspace: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["kpi", *MARCH, "--partner", "bigbox", "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["since"] == "2026-03-01T00:00:00+00:00" and data["until"] == "2026-04-01T00:00:00+00:00"
    assert data["total"]["orders"] == 2 and [p["partner"] for p in data["partners"]] == ["bigbox"]
    assert data["total"]["otif"] == {"hits": 1, "total": 2, "value": 0.5}


def test_html(workspace: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["kpi", *MARCH, "--html", "out.html"]) == 0
    assert capsys.readouterr().out == "out.html: KPI report of 7 orders\n"
    assert 'data-chart="otif"' in (workspace / "out.html").read_text(encoding="utf-8")


@pytest.mark.parametrize(("args", "message"), [
    (["--since", "March"], "--since 'March' is not a time: use " + TIME_HELP),
    (["--until", "2026-02-30"], "--until '2026-02-30' is not a time: use " + TIME_HELP),
    (["--since", "2026-03-05", "--until", "2026-03-01"], "--until 2026-03-01 is before --since 2026-03-05"),
    (["--partner", "nobody"], "no partner 'nobody'; known: acme, bigbox"),
    (["--html", "no/such/dir/out.html"], "no/such/dir/out.html: cannot write: No such file or directory"),
])
def test_bad_input_is_one_line_and_exit_2(workspace: Path, capsys: pytest.CaptureFixture[str], args: list[str],
                                          message: str) -> None:
    assert main(["kpi", *args]) == 2
    captured = capsys.readouterr()
    assert captured.err == f"edigate: error: {message}\n" and captured.out == ""


def test_alerts_check_raises_each_alert_once(workspace: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["alerts", "check"]) == 0
    first = capsys.readouterr().out.splitlines()
    assert first[-1] == "3 new alert(s)"  # B2, held for an unknown SKU, is the third
    assert first[0].split()[:3] == ["warning", "alert.ack_overdue", "acme"]
    assert [line.split()[:3] for line in first if "order_held" in line] == [["warning", "alert.order_held", "bigbox"]]
    assert main(["alerts", "check", "--json"]) == 0
    assert json.loads(capsys.readouterr().out) == []


def test_help_names_the_commands(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit):
        main(["--help"])
    out = capsys.readouterr().out
    assert "order desk KPIs for a period" in out and "alert checks" in out
