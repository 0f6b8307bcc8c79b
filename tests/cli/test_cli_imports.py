"""The x12 commands start without the store: its imports (SQLAlchemy, Alembic) cost about a
second, more than parsing a 10,000-order file. ``edigate run --once`` imports neither the
servers nor the HTTP client nor what only some partners use (the crash tests start it often)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from edigate.cli.init import make_workspace
from edigate.cli.transmissions import STATUSES
from edigate.store import Status

from tests.support.databases import seed_sqlite

REPO = Path(__file__).resolve().parents[2]
SAMPLE = REPO / "samples" / "x12" / "bigbox-850-4010.x12"


def test_the_statuses_in_the_help_are_the_stores() -> None:
    assert STATUSES == tuple(s.value for s in Status)


def test_x12_parse_and_validate_do_not_import_the_store() -> None:
    code = ("import sys\nfrom edigate.cli.main import main\n"
            f"main(['x12', 'parse', '--json', {str(SAMPLE)!r}])\n"
            f"main(['x12', 'validate', '--ack', '997', {str(SAMPLE)!r}])\n"
            "print(sorted(m for m in sys.modules if m.split('.')[0] in ('sqlalchemy', 'alembic')"
            " or m.startswith('edigate.store')), file=sys.stderr)")
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True,
                          env={**os.environ, "PYTHONPATH": str(REPO)})
    assert proc.stderr.strip().splitlines()[-1] == "[]"


UNUSED_BY_A_PASS = ("alembic", "waitress", "httpx", "jsonschema", "edigate.transport.listener", "edigate.gateway.alerts",
                    "edigate.gateway.tickets", "edigate.mapping.export", "edigate.transport.http_channel")


def test_a_pass_over_folder_channels_imports_no_server_http_client_or_export_templates(tmp_path: Path) -> None:
    make_workspace(tmp_path)
    seed_sqlite(f"sqlite:///{tmp_path / 'edigate.db'}")
    for folder in ("in", "out"):
        (tmp_path / "demo" / "bigbox" / folder).mkdir(parents=True, exist_ok=True)
    code = ("import sys\nfrom edigate.cli.main import main\n"
            "code = main(['run', '--once'])\n"
            f"print(code, sorted(m for m in sys.modules if m.split('.')[0] in {UNUSED_BY_A_PASS!r}"
            f" or m in {UNUSED_BY_A_PASS!r}), file=sys.stderr)")
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=tmp_path,
                          env={**os.environ, "PYTHONPATH": str(REPO)})
    assert proc.stderr.strip().splitlines()[-1] == "0 []"
