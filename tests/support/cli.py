"""The edigate command as a real process."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

__all__ = ["start_edigate"]


def start_edigate(root: Path, *args: str) -> subprocess.Popen[str]:
    """``edigate ARGS`` as a real process in ``root``, unbuffered, its output piped."""
    env = {**os.environ, "PYTHONUNBUFFERED": "1"}
    return subprocess.Popen([sys.executable, "-m", "edigate.cli.main", *args], cwd=root, env=env, text=True,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE)
