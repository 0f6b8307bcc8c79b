"""The package stays mypy --strict clean (STYLE: types on every public function)."""

from __future__ import annotations

import subprocess
import sys

import pytest

from tests.support.paths import REPO


@pytest.mark.slow
def test_mypy_strict_is_clean() -> None:
    pytest.importorskip("mypy", reason="mypy is in the test extras; install them to type-check")
    proc = subprocess.run([sys.executable, "-m", "mypy", "--strict", "edigate"], cwd=REPO,
                          capture_output=True, text=True, timeout=600)
    assert proc.returncode == 0, proc.stdout + proc.stderr
