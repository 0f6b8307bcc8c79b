"""The 860 tests' workspace: the example partner bigbox answering 860s with 865s."""

from __future__ import annotations

from pathlib import Path

from edigate.config.workspace import Workspace
from edigate.x12.envelope import EnvelopeReader, Transaction

from tests.support.orders import workspace
from tests.support.paths import REPO

__all__ = ["CHANGE", "ORDERS", "SETTINGS", "answers", "changing"]

ORDERS = REPO / "samples" / "x12" / "bigbox-850-4010.x12"
CHANGE = REPO / "samples" / "x12" / "changes" / "bigbox-860-4010.x12"


SETTINGS = {"    850: bigbox-850\n": "    850: bigbox-850\n    860: bigbox-860\n",
            "    855: bigbox-855\n": "    855: bigbox-855\n    865: 865-4010\n"}
"""The example partner bigbox, answering 860s with 865s (partners/<id>.yaml)."""


def changing(tmp_path: Path) -> Workspace:
    """The example workspace, with bigbox's 860 and 865 maps named in its partner file."""
    ws = workspace(tmp_path)
    path = ws.partners_path / "bigbox.yaml"
    text = path.read_text(encoding="utf-8")
    for old, new in SETTINGS.items():
        assert old in text
        text = text.replace(old, new)
    path.write_text(text, encoding="utf-8")
    return ws


def answers(data: bytes) -> list[Transaction]:
    return [e for e in EnvelopeReader(data) if isinstance(e, Transaction)]
