"""`edigate demo`: the bundled samples, end to end, on embedded defaults.

At this stage the demo reads every bundled sample through the tokenizer and envelope
checks and prints its structure; later stages of the pipeline extend it.
"""

from __future__ import annotations

from pathlib import Path
from typing import TextIO

from edigate.errors import InputError
from edigate.x12.summary import summarize

__all__ = ["run_demo", "samples_dir"]


def samples_dir() -> Path:
    """The bundled `samples/x12` folder: beside the package in a checkout, or under cwd."""
    for root in (Path(__file__).resolve().parent.parent, Path.cwd()):
        candidate = root / "samples" / "x12"
        if candidate.is_dir():
            return candidate
    raise InputError("cannot find the bundled samples folder samples/x12")


def run_demo(out: TextIO) -> int:
    from edigate.cli import print_summary

    folder = samples_dir()
    files = sorted(p for p in folder.iterdir() if p.suffix in (".x12", ".edi"))
    print(f"edigate demo: reading {len(files)} sample files from {folder}", file=out)
    invalid = []
    for path in files:
        summary = summarize(path)
        print_summary(summary, out)
        if not summary.valid and not path.name.startswith("bad-"):
            invalid.append(path.name)
    print(f"\n{len(files)} files read; samples are in {folder}", file=out)
    if invalid:
        print(f"unexpectedly invalid: {', '.join(invalid)}", file=out)
        return 1
    return 0
