"""Shared fixtures: the bundled samples and the public X12 corpus, reached one way."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent


CORPUS = REPO / "tests" / "corpus"
"""The public X12 corpus, copied byte for byte from the shared folder with its sources and
licences, so a fresh clone's tests need nothing outside the repository."""


def corpus_root() -> Path:
    """`tests/corpus` in the repository."""
    if not (CORPUS / "index.tsv").is_file():
        raise RuntimeError(f"X12 corpus not found at {CORPUS}: every test run reads it")
    return CORPUS


def corpus_index() -> list[dict[str, str]]:
    with open(corpus_root() / "index.tsv", newline="") as fh:
        return list(csv.DictReader(fh, delimiter="\t"))


@pytest.fixture(scope="session")
def corpus() -> Path:
    return corpus_root()


@pytest.fixture(scope="session")
def samples() -> Path:
    return REPO / "samples" / "x12"
