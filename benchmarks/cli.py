"""The command line against pyx12 on the same files, as ratios in one run.

``edigate x12 parse --json`` against pyx12's ``X12Reader`` on the 10k-order file, and
``edigate x12 validate --ack 997`` against pyx12's ``x12n_document`` (same specs) on the
1k-order file. Each side runs as a process of its own and is timed whole (start-up and
imports included for edigate, whose users pay them; pyx12's side is a library call
after its imports). Wall time and CPU time are both printed: on a busy machine the CPU
ratio is the one to read.
"""

from __future__ import annotations

import resource
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))

from benchmarks.generate import write_file  # noqa: E402

OUT = HERE / "out"
EDIGATE = [sys.executable, "-m", "edigate.cli.main"]


def _timed(command: list[str]) -> tuple[float, float]:
    """Wall and CPU seconds of one child process (its output discarded)."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    subprocess.run(command, stdout=subprocess.DEVNULL, check=False, cwd=HERE.parent)
    wall = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    return wall, (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)


def _pyx12(function: str, path: Path) -> list[str]:
    code = f"import sys;sys.path.insert(0,{str(HERE.parent)!r});from benchmarks.readers import {function};{function}(sys.argv[1])"
    return [sys.executable, "-c", code, str(path)]


def compare(title: str, ours: list[str], theirs: list[str], bar: float) -> None:
    our_wall, our_cpu = _timed(ours)
    their_wall, their_cpu = _timed(theirs)
    print(f"{title}\n  edigate {our_wall:7.2f} s wall {our_cpu:7.2f} s CPU   pyx12 {their_wall:7.2f} s wall "
          f"{their_cpu:7.2f} s CPU   ratio {their_wall / our_wall:5.1f}x wall {their_cpu / our_cpu:5.1f}x CPU "
          f"(bar {bar:g}x)")


def main(argv: list[str] | None = None) -> None:
    del argv
    big = write_file(OUT / "850-10000x20-4010.x12", 10_000, 20)
    small = write_file(OUT / "850-1000x20-4010.x12", 1_000, 20)
    print("\nThrough the command line")
    compare(f"x12 parse --json on {big.name}", [*EDIGATE, "x12", "parse", "--json", str(big)],
            _pyx12("pyx12_reader", big), 5)
    compare(f"x12 validate --ack 997 on {small.name}", [*EDIGATE, "x12", "validate", "--ack", "997", str(small)],
            _pyx12("pyx12_validate", small), 15)


if __name__ == "__main__":
    main()
