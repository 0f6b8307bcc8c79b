"""A full disk during ingest: one clear line, nothing recorded, the file left to take again.

The disk is made "full" with RLIMIT_FSIZE in the child process (writes past the limit fail
with EFBIG, as they fail with ENOSPC on a full filesystem): no root, no mount needed.
"""

from __future__ import annotations

import json
import os
import resource
import subprocess
import sys
from pathlib import Path

import pytest

from edigate.store import Store
from tests.support.paths import REPO

SAMPLE = REPO / "samples" / "x12" / "bigbox-850-4010.x12"


def edigate(workspace: Path, *argv: str, file_limit: int | None = None) -> subprocess.CompletedProcess[str]:
    def limit() -> None:
        if file_limit is not None:
            resource.setrlimit(resource.RLIMIT_FSIZE, (file_limit, file_limit))

    env = {k: v for k, v in os.environ.items() if k != "EDIGATE_DEBUG"} | {"PYTHONPATH": str(REPO)}
    return subprocess.run([sys.executable, "-m", "edigate.cli.main", *argv], cwd=workspace, capture_output=True,
                          text=True, env=env, preexec_fn=limit, timeout=300, check=False)


@pytest.mark.slow
def test_a_full_disk_during_ingest_is_one_line_and_the_file_stays(tmp_path: Path) -> None:
    (tmp_path / "edigate.yaml").write_text(f"store: sqlite:///{tmp_path / 'edigate.db'}\n"
                                           f"maps_dir: {REPO / 'maps'}\npartners_dir: {REPO / 'partners'}\n")
    (tmp_path / "samples").symlink_to(REPO / "samples")
    Store.open(f"sqlite:///{tmp_path / 'edigate.db'}").close()  # the store exists before the disk fills
    assert edigate(tmp_path, "tx", "list", "--json").stdout.strip() == "[]"
    big = tmp_path / "big.x12"
    big.write_bytes(SAMPLE.read_bytes() + b"\n" * 2_000_000)  # 2 MB, over the 1 MB left
    done = edigate(tmp_path, "ingest", str(big), "--partner", "bigbox", file_limit=1_000_000)
    assert done.returncode == 2, done.stderr
    assert done.stderr.count("\n") == 1 and "Traceback" not in done.stderr
    assert done.stderr.startswith("edigate: error: archive ") and "File too large" in done.stderr
    assert "the file is left to be taken again" in done.stderr
    assert big.stat().st_size > 2_000_000  # the partner's file is untouched
    assert json.loads(edigate(tmp_path, "tx", "list", "--json").stdout) == []  # nothing half-recorded
    assert not [p for p in (tmp_path / "archive").rglob("*") if p.is_file()]  # no partial archive file
    again = edigate(tmp_path, "ingest", str(big), "--partner", "bigbox")  # room again: it goes through
    assert again.returncode in (0, 1), again.stderr
    [tx] = json.loads(edigate(tmp_path, "tx", "list", "--json").stdout)
    assert tx["status"] != "processing"
