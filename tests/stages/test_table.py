"""The stage table and the runner: one module per stage, the stored names unchanged, the
runner free of stage names, and the pipeline free of the order desk."""

from __future__ import annotations

import ast
from pathlib import Path

from edigate.stages import runner
from edigate.stages.table import CLAIMED, STAGES, TABLE, Resume

from tests.conftest import REPO

STAGES_DIR = REPO / "edigate" / "stages"


def _imports(path: Path) -> set[str]:
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom) and node.module:
            found.add(node.module)
        elif isinstance(node, ast.Import):
            found.update(a.name for a in node.names)
    return found


def test_the_table_lists_the_data_flow_in_order_each_stage_in_its_own_module() -> None:
    assert [s.name for s in TABLE] == ["receive", "envelope", "validate", "translate", "decide", "route",
                                       "answer", "send"]
    for stage in CLAIMED:
        assert stage.run is not None and stage.run.__module__ == f"edigate.stages.{stage.name}"
    assert (STAGES_DIR / "receive.py").is_file() and TABLE[0].resume is Resume.BEFORE_CLAIMS


def test_the_stored_stage_names_are_those_earlier_versions_recorded() -> None:
    # stored transmissions resume after an upgrade: their timeline names these stages
    assert STAGES == ("envelope", "validate", "map", "rules", "route", "outbound", "send")


def test_the_runner_names_no_stage() -> None:
    tree = ast.parse(Path(runner.__file__).read_text(encoding="utf-8"))
    strings = {n.value for n in ast.walk(tree) if isinstance(n, ast.Constant) and isinstance(n.value, str)}
    assert not strings & {s.stored for s in TABLE} - {"receive"}  # "receive": a transmission not yet staged


def test_the_stages_do_not_import_the_order_desk() -> None:
    for path in STAGES_DIR.glob("*.py"):
        assert not {m for m in _imports(path) if m.startswith("edigate.desk")}, path.name
