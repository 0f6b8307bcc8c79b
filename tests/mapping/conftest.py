"""Fixtures for the map engine: the bundled maps folder and a helper for scratch maps."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from tests.support.paths import REPO


@pytest.fixture(scope="session")
def maps_dir() -> Path:
    return REPO / "maps"


@pytest.fixture
def write_map(tmp_path: Path, maps_dir: Path) -> Callable[[str, str], Path]:
    """Write a map into a scratch folder that also holds the bundled base maps."""
    for base in maps_dir.glob("[0-9]*.yaml"):
        (tmp_path / base.name).write_text(base.read_text())

    def write(name: str, text: str) -> Path:
        path = tmp_path / f"{name}.yaml"
        path.write_text(text)
        return path

    return write
