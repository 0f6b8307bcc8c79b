"""Run one benchmark function in a fresh Python process, so each timing and peak RSS is its own."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
from pathlib import Path

__all__ = ["TreeRss", "in_child"]

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


class TreeRss:
    """The peak of this process's RSS plus its children's, sampled while in use (Linux).

    ``ru_maxrss`` cannot give a child's own peak: a child started by fork+exec is charged
    the parent's pages it held before the exec.
    """

    def __init__(self, interval: float = 0.02) -> None:
        self.interval = interval
        self.peak_mb = 0.0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._sample, daemon=True)

    def __enter__(self) -> "TreeRss":
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()

    def _sample(self) -> None:
        while not self._stop.wait(self.interval):
            self.peak_mb = max(self.peak_mb, sum(_rss_mb(pid) for pid in (os.getpid(), *_children(os.getpid()))))


def _children(pid: int) -> list[int]:
    found = []
    for task in Path(f"/proc/{pid}/task").iterdir():
        try:
            found += [int(c) for c in (task / "children").read_text().split()]
        except OSError:
            continue
    return found


def _rss_mb(pid: int) -> float:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return 0.0
