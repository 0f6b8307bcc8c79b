"""Fixtures of the connector tests: a workspace with the example partners, and the command."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from tests.support.cli import Cli, cli_runner, example_root


@pytest.fixture
def root(tmp_path: Path, url: str) -> Path:
    """A workspace on the backend under test, with the example partners, maps and data.

    DropShip's SFTP server (``sftp.shopanywhere.example``) is not ours to reach: its channels
    are folders here, so each ``run --once`` does not spend seconds retrying a name that does
    not resolve."""
    root = example_root(tmp_path, url)
    dropship = root / "partners" / "dropship.yaml"
    folders = "channels:\n  inbound:\n    type: folder\n    path: demo/dropship/in\n" \
              "  outbound:\n    type: folder\n    path: demo/dropship/out\n"
    dropship.write_text(re.sub(r"^channels:\n(?:  .*\n)+", lambda _m: folders, dropship.read_text(), flags=re.M))
    return root


@pytest.fixture
def cli(root: Path) -> Cli:
    return cli_runner(root)
