"""The composition root: commands find their workspace, reading commands never create a
store, `edigate init` makes a workspace that works at once, and only the context builder
opens the store."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from edigate.cli.main import main
from tests.conftest import REPO

PACKAGE = REPO / "edigate"
TEMPLATE = PACKAGE / "data" / "workspace"

READING = [["tx", "list"], ["tx", "show", "1"], ["tx", "errors", "1"], ["orders", "list"], ["orders", "show", "1"],
           ["kpi"], ["acks", "overdue"], ["inventory", "show"], ["channels", "status"], ["alerts", "check"]]


@pytest.fixture
def workspace(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> Path:
    root = tmp_path / "ws"
    assert main(["init", str(root)]) == 0
    capsys.readouterr()
    return root


@pytest.mark.parametrize("command", READING, ids=" ".join)
def test_a_reading_command_outside_a_workspace_says_where_it_looked_and_creates_nothing(
        command: list[str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
        capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("EDIGATE_WORKSPACE", raising=False)
    assert main(command) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "Traceback" not in err
    assert f"no edigate.yaml in {tmp_path.resolve()} or any parent" in err
    assert "--workspace DIR" in err and "edigate init DIR" in err
    assert list(tmp_path.iterdir()) == []


def test_init_makes_a_workspace_that_partners_check_accepts(workspace: Path, monkeypatch: pytest.MonkeyPatch,
                                                            capsys: pytest.CaptureFixture[str]) -> None:
    assert (workspace / "edigate.db").is_file()
    monkeypatch.chdir(workspace)
    assert main(["partners", "check"]) == 0
    assert capsys.readouterr().out == "bigbox: ok\n"
    assert main(["tx", "list"]) == 0  # the store is there: an empty table, no error
    assert main(["ingest", "samples/x12/bigbox-850-4010.x12"]) == 0
    assert " done " in capsys.readouterr().out


def test_init_refuses_a_folder_that_holds_a_workspace_already(workspace: Path,
                                                              capsys: pytest.CaptureFixture[str]) -> None:
    before = (workspace / "partners" / "bigbox.yaml").read_bytes()
    assert main(["init", str(workspace)]) == 2
    assert "already holds edigate.yaml and" in capsys.readouterr().err
    assert (workspace / "partners" / "bigbox.yaml").read_bytes() == before


def test_commands_find_the_workspace_from_a_subfolder(workspace: Path, monkeypatch: pytest.MonkeyPatch,
                                                      capsys: pytest.CaptureFixture[str]) -> None:
    deep = workspace / "a" / "b"
    deep.mkdir(parents=True)
    monkeypatch.chdir(deep)
    monkeypatch.delenv("EDIGATE_WORKSPACE", raising=False)
    assert main(["ingest", str(workspace / "samples" / "x12" / "bigbox-850-4010.x12")]) == 0
    capsys.readouterr()
    assert main(["orders", "list", "--json"]) == 0
    assert len(re.findall(r'"po_number"', capsys.readouterr().out)) == 2
    assert not (deep / "edigate.db").exists() and not (deep / "archive").exists()
    assert (workspace / "demo" / "erp" / "orders").is_dir()  # the partner's paths are the workspace's


@pytest.mark.parametrize("where", ["before", "after", "env"])
def test_the_workspace_can_be_named(where: str, workspace: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                    capsys: pytest.CaptureFixture[str]) -> None:
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    monkeypatch.chdir(elsewhere)
    monkeypatch.delenv("EDIGATE_WORKSPACE", raising=False)
    command = {"before": ["--workspace", str(workspace), "partners", "list"],
               "after": ["partners", "list", "--workspace", str(workspace)],
               "env": ["partners", "list"]}[where]
    if where == "env":
        monkeypatch.setenv("EDIGATE_WORKSPACE", str(workspace))
    assert main(command) == 0
    assert capsys.readouterr().out.startswith("bigbox ")


def test_a_workspace_that_does_not_exist_is_one_line(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["--workspace", str(tmp_path / "nowhere"), "tx", "list"]) == 2
    assert capsys.readouterr().err == f"edigate: error: workspace {tmp_path / 'nowhere'}: no such directory\n"


def test_a_workspace_without_a_store_yet_says_so(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                 capsys: pytest.CaptureFixture[str]) -> None:
    (tmp_path / "edigate.yaml").write_text("log_level: INFO\n")
    monkeypatch.chdir(tmp_path)
    assert main(["tx", "list"]) == 2
    assert capsys.readouterr().err.startswith(f"edigate: error: no store yet at {tmp_path.resolve() / 'edigate.db'}")
    assert not (tmp_path / "edigate.db").exists()


def test_the_bundled_workspace_is_the_repository_sample_partner() -> None:
    """`edigate init` copies the package's template: it must not drift from the repository's
    bigbox partner, its maps and the data files its rules read."""
    for path in sorted(p for p in TEMPLATE.rglob("*") if p.is_file() and p.name != "edigate.yaml"):
        assert path.read_bytes() == (REPO / path.relative_to(TEMPLATE)).read_bytes(), path


def test_only_the_context_builder_opens_the_store() -> None:
    opens = sorted(p.relative_to(PACKAGE).as_posix() for p in PACKAGE.rglob("*.py")
                   if "Store.open(" in p.read_text(encoding="utf-8") and p.parent.name != "store")
    assert opens == ["cli/context.py"]


def test_the_order_domain_never_sees_the_context() -> None:
    importing = re.compile(r"^\s*(from|import)\s+edigate\.(cli|config\.context)\b", re.MULTILINE)
    offenders = [p.name for p in (PACKAGE / "orders").rglob("*.py") if importing.search(p.read_text(encoding="utf-8"))]
    assert offenders == []
