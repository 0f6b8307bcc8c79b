"""The README's walkthrough, run as written: each command of its block as a process, in the
demo's workspace, with ``--json`` on every ``edigate`` step; the KPI report drawn by Chromium."""

from __future__ import annotations

import json
import re
import shlex
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest

from tests.support.cli import cli_runner
from tests.support.paths import REPO

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")


def _walkthrough() -> list[str]:
    """The commands of the README's walkthrough block, comments dropped."""
    text = (REPO / "README.md").read_text(encoding="utf-8")
    section = text[text.index("### Walkthrough"):]
    block = section[section.index("```sh\n") + 6:section.index("\n```", section.index("```sh\n"))]
    commands = []
    for line in block.splitlines():
        command = line.split("   # ", 1)[0].strip() if not line.lstrip().startswith("#") else ""
        if command:
            commands.append(command)
    return commands


def _chromium_dom(tmp_path: Path, page: Path) -> subprocess.CompletedProcess[str]:
    assert CHROMIUM is not None
    return subprocess.run(
        [CHROMIUM, "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
         "--disable-background-networking", "--disable-component-update", "--disable-sync",
         f"--user-data-dir={tmp_path / 'profile'}", "--enable-logging=stderr", "--v=0", "--dump-dom", page.as_uri()],
        capture_output=True, text=True, timeout=120, check=True)


def _check(step: str, data: Any, root: Path) -> None:
    """What each step's JSON must say for the walkthrough to have done what the README claims."""
    words = shlex.split(step)[1:3]
    if words == ["tx", "list"]:
        assert {(t["id"], t["file_name"]) for t in data} == {(4, "bigbox-850-failing.edi"), (5, "bigbox-850-newitem.edi")}
    elif words == ["tx", "show"]:
        xrefs = [e for e in data["errors"] if e["code"] == "map.xref"]
        assert len(xrefs) == 1, data["errors"]
        [xref] = xrefs
        assert (xref["segment_id"], xref["element_position"], xref["value"]) == ("PO1", 11, "30245")
        assert [o["set_id"] for o in data["outputs"]] == ["997"]
    elif words == ["tx", "view"]:
        [po1] = [s for s in data["segments"] if s["findings"] and s["id"] == "PO1"]
        [finding] = [f for f in po1["findings"] if f["code"] == "map.xref"]
        assert (po1["number"], po1["id"], finding["element"]) == (27, "PO1", 11)
        assert "'bigbox_items' in maps/bigbox-850.yaml (its last entry is line 15)" in finding["hint"]
    elif words == ["tx", "reprocess"]:
        assert (data["reprocessed"], data["transmission"]["status"]) == (5, "done")
    elif words == ["orders", "show"]:
        assert (data["order"]["po_number"], data["order"]["status"]) == ("4500019005", "accepted")
        assert [o["set_id"] for o in data["outbounds"]] == ["855"]  # no second 997: the first attempt's stands
    elif words == ["orders", "list"]:
        assert [(o["po_number"], o["status"]) for o in data] == [("4500019001", "held")]
    elif words == ["orders", "release"]:
        assert data["status"] == "accepted" and data["reason"] == "buyer confirmed the price"
    elif words[0] in ("ship", "invoice"):
        assert [o["set_id"] for o in data["outputs"]] == (["856"] if words[0] == "ship" else ["810"])
    elif words[0] == "audit":
        said = {(e["action"], e["target"], e["note"]) for e in data}
        assert ("resolve", "order:4", "released from the queue: buyer confirmed the price") in said
        assert any(a == "reprocess" and t == "tx:5" for a, t, _ in said)
    elif words[0] == "kpi":
        assert data["html"] == "report.html" and data["total"]["orders"] == 7
        assert (root / "report.html").is_file()


def test_the_readme_walkthrough_runs_as_written(tmp_path: Path) -> None:
    demo = cli_runner(tmp_path)("demo", "--json")
    assert demo.returncode == 0, demo.stderr
    made = json.loads(demo.stdout)
    assert made["unexpected"] == []
    assert sorted(t["status"] for t in made["transmissions"]) == ["done", "done", "done", "failed", "failed", "held"]
    steps = _walkthrough()
    commands = [n["command"] for n in made["next"]]
    for step in steps:  # the demo prints the walkthrough's fix and reprocess with the same ids
        if step.startswith(("printf", "edigate tx reprocess", "edigate tx view")):
            assert any(step in c for c in commands), step
    cwd = tmp_path
    seen = []
    for step in steps:
        if step.startswith(". "):
            continue  # activating the venv: the tests run the package as it is
        if step.startswith("cd "):
            cwd = cwd / step[3:]
            continue
        if not step.startswith("edigate "):
            subprocess.run(["sh", "-c", step], cwd=cwd, check=True, timeout=30)
            continue
        done = cli_runner(cwd)(*shlex.split(step)[1:], "--json")
        assert done.returncode == 0, (step, done.stderr)
        _check(step, json.loads(done.stdout), cwd)
        seen.append(" ".join(shlex.split(step)[1:3]))
    assert len(seen) == 11
    if CHROMIUM is None:
        pytest.skip("Debian's chromium is not installed: the report is written, not rendered")
    rendered = _chromium_dom(tmp_path, cwd / "report.html")
    assert [line for line in rendered.stderr.splitlines() if ":CONSOLE" in line or "Uncaught" in line] == []
    assert "Order desk KPIs" in rendered.stdout and re.search(r"<svg[^>]*data-chart=", rendered.stdout)
