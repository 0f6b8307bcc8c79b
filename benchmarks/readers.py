"""The readers `benchmarks/run.py` compares; each returns the number of segments read."""

from __future__ import annotations

import importlib
import resource
import time
from collections.abc import Callable
from pathlib import Path


def edigate_envelopes(path: str) -> int:
    from edigate.x12.envelope import EnvelopeReader

    reader = EnvelopeReader(path)
    for _ in reader:
        pass
    return reader.segment_count


def pyx12_reader(path: str) -> int:
    from pyx12.x12file import X12Reader

    count = 0
    for _ in X12Reader(path):
        count += 1
    return count


def edigate_validate(path: str) -> int:
    """Envelope + structural validation of every set + the 997/999 that answers the file."""
    from edigate.x12.respond import answer_file
    from edigate.x12.validate import Validator
    from edigate.x12.writer import Counter

    validator = Validator()
    counted = [0]

    def check(tx):  # type: ignore[no-untyped-def]
        counted[0] += len(tx.segments)
        return validator(tx)

    for _ in answer_file(path, Counter(), check=check):
        pass
    return counted[0]


def pyx12_validate(path: str) -> int:
    """pyx12's x12n_document with edigate's specs (its own 997 left unwritten)."""
    from edigate.x12.pyx12_bridge import count_segments_validated

    return count_segments_validated(path)


def bare_split(path: str) -> int:
    """The floor: split on the terminator and the element separator, nothing else."""
    count = 0
    with open(path, "rb") as fh:
        tail = b""
        while chunk := fh.read(1 << 20):
            parts = (tail + chunk).split(b"~")
            tail = parts.pop()
            for part in parts:
                part.split(b"*")
                count += 1
    return count


READERS: dict[str, Callable[[str], int]] = {
    "edigate": edigate_envelopes, "pyx12": pyx12_reader, "bytes.split": bare_split,
    "edigate-validate": edigate_validate, "pyx12-validate": pyx12_validate,
}


_IMPORTS = {
    "edigate": ["edigate.x12.envelope"], "pyx12": ["pyx12.x12file"], "bytes.split": [],
    "edigate-validate": ["edigate.x12.respond", "edigate.x12.validate"],
    "pyx12-validate": ["edigate.x12.pyx12_bridge", "pyx12.x12n_document"],
}


def measure(name: str, path: str) -> dict[str, float]:
    """Run one reader over one file; imports happen before the clock starts, for both sides."""
    for module in _IMPORTS[name]:
        importlib.import_module(module)
    start = time.perf_counter()
    segments = READERS[name](path)
    seconds = time.perf_counter() - start
    rss_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    return {"segments": segments, "seconds": seconds, "mb": Path(path).stat().st_size / 1e6, "rss_mb": rss_mb}
