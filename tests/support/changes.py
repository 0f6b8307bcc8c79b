"""The 860 tests' samples: the example partner bigbox's 850 and the 860 that changes it
(bigbox answers 860s with 865s as shipped), and a workspace where it names no 860 map."""

from __future__ import annotations

from pathlib import Path

from edigate.config.workspace import Workspace
from edigate.x12.envelope import EnvelopeReader, Transaction

from tests.support.orders import workspace
from tests.support.paths import REPO

__all__ = ["CHANGE", "NO_860_MAP", "ORDERS", "answers", "without_860_map"]

ORDERS = REPO / "samples" / "x12" / "bigbox-850-4010.x12"
CHANGE = REPO / "samples" / "x12" / "changes" / "bigbox-860-4010.x12"


NO_860_MAP = {"    860: bigbox-860\n": ""}
"""The edit to bigbox.yaml that takes its 860 map away."""


def without_860_map(tmp_path: Path) -> Workspace:
    """The example workspace, with bigbox's 860 map no longer named in its partner file."""
    ws = workspace(tmp_path)
    path = ws.partners_path / "bigbox.yaml"
    text = path.read_text(encoding="utf-8")
    for old, new in NO_860_MAP.items():
        assert old in text
        text = text.replace(old, new)
    path.write_text(text, encoding="utf-8")
    return ws


def answers(data: bytes) -> list[Transaction]:
    return [e for e in EnvelopeReader(data) if isinstance(e, Transaction)]
