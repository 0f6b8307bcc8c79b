"""Where the tests find the repository, its samples and the public X12 corpus."""

from __future__ import annotations

import csv
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent.parent
"""The repository's root: tests read nothing outside it."""

SAMPLES = REPO / "samples" / "x12"

CORPUS = REPO / "tests" / "corpus"
"""The public X12 corpus, copied byte for byte from the shared folder with its sources and
licences, so a fresh clone's tests need nothing outside the repository."""

__all__ = ["CORPUS", "REPO", "SAMPLES", "corpus_index", "corpus_root"]


def corpus_root() -> Path:
    """`tests/corpus` in the repository."""
    if not (CORPUS / "index.tsv").is_file():
        raise RuntimeError(f"X12 corpus not found at {CORPUS}: every test run reads it")
    return CORPUS


def corpus_index() -> list[dict[str, str]]:
    with open(corpus_root() / "index.tsv", newline="") as fh:
        return list(csv.DictReader(fh, delimiter="\t"))
