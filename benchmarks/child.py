"""Run one benchmark function in a fresh Python process, so each timing and peak RSS is its own."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

__all__ = ["in_child"]

REPO = Path(__file__).resolve().parent.parent


def in_child(module: str, function: str, *args: str) -> dict[str, float]:
    """``benchmarks.<module>.<function>(*args)`` in a child process; the dict it returns."""
    code = (f"import json,sys;sys.path.insert(0,{str(REPO)!r});from benchmarks.{module} import {function};"
            f"print(json.dumps({function}(*json.loads(sys.argv[1]))))")
    proc = subprocess.run([sys.executable, "-c", code, json.dumps(args)], capture_output=True, text=True,
                          cwd=REPO, check=False)
    if proc.returncode != 0:
        raise SystemExit(f"{function} failed:\n{proc.stderr[-3000:]}")
    return json.loads(proc.stdout.strip().splitlines()[-1])  # type: ignore[no-any-return]
