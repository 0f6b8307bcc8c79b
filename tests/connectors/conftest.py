"""Fixtures of the connector tests: a workspace with the example partners, and the command."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.support.cli import Cli, cli_runner, example_root


@pytest.fixture
def root(tmp_path: Path, url: str) -> Path:
    """A workspace on the backend under test, with the example partners, maps and data."""
    return example_root(tmp_path, url)


@pytest.fixture
def cli(root: Path) -> Cli:
    return cli_runner(root)
