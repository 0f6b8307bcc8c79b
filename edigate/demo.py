"""`edigate demo`: the bundled samples, end to end, on embedded defaults.

At this stage the demo reads every bundled sample through the tokenizer and envelope
checks, prints its structure and writes the 997/999 (and TA1 where asked) that answer it;
later stages of the pipeline extend it.
"""

from __future__ import annotations

from pathlib import Path
from typing import TextIO

from edigate.errors import InputError
from edigate.x12.respond import answer_file
from edigate.x12.summary import summarize
from edigate.x12.writer import Counter

__all__ = ["run_demo", "samples_dir"]


def samples_dir() -> Path:
    """The bundled `samples/x12` folder: beside the package in a checkout, or under cwd."""
    for root in (Path(__file__).resolve().parent.parent, Path.cwd()):
        candidate = root / "samples" / "x12"
        if candidate.is_dir():
            return candidate
    raise InputError("cannot find the bundled samples folder samples/x12")


def run_demo(out: TextIO, output_dir: Path) -> int:
    from edigate.cli import print_summary

    folder = samples_dir()
    acks_dir = output_dir / "acks"
    acks_dir.mkdir(parents=True, exist_ok=True)
    numbers = Counter()
    written: list[Path] = []
    files = sorted(p for p in folder.iterdir() if p.suffix in (".x12", ".edi"))
    print(f"edigate demo: reading {len(files)} sample files from {folder}", file=out)
    invalid = []
    for path in files:
        summary = summarize(path)
        print_summary(summary, out)
        if not summary.valid and not path.name.startswith("bad-"):
            invalid.append(path.name)
        for answer in answer_file(path, numbers):
            target = acks_dir / f"{path.stem}.ack-{answer.answers_interchange}.x12"
            target.write_bytes(answer.data)
            written.append(target)
    print(f"\n{len(files)} files read from {folder}", file=out)
    print(f"acks written ({len(written)}):", file=out)
    for target in written:
        print(f"  {target}", file=out)
    if invalid:
        print(f"unexpectedly invalid: {', '.join(invalid)}", file=out)
        return 1
    return 0
