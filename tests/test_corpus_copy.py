"""The repository's copy of the public X12 corpus stays the shared folder's, byte for byte.

A fresh clone reads `tests/corpus` alone; where the shared folder sits beside the checkout
(as on the developers' machines and in CI), a file added to or changed in it is caught here
so the copy is brought up to date instead of drifting.
"""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest

from tests.support.paths import CORPUS, REPO

SHARED = REPO.parent / "shared" / "x12-corpus"


def _digests(root: Path) -> dict[str, str]:
    return {p.relative_to(root).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(root.rglob("*")) if p.is_file()}


def test_the_copy_has_its_sources_and_licences() -> None:
    names = _digests(CORPUS)
    assert {"SOURCES.md", "index.tsv"} <= set(names)
    licences = {n.split("/", 1)[1].rsplit(".", 1)[0] for n in names if n.startswith("LICENSES/")}
    folders = {n.split("/", 1)[0] for n in names if "/" in n and not n.startswith("LICENSES/")}
    assert folders <= licences, f"corpus folders without a licence text: {sorted(folders - licences)}"


@pytest.mark.skipif(not (SHARED / "index.tsv").is_file(), reason="no shared corpus beside the checkout")
def test_the_copy_matches_the_shared_corpus() -> None:
    ours, shared = _digests(CORPUS), _digests(SHARED)
    assert sorted(set(shared) - set(ours)) == [], "new in the shared corpus: copy it into tests/corpus"
    assert sorted(set(ours) - set(shared)) == [], "gone from the shared corpus"
    assert sorted(n for n in ours if ours[n] != shared[n]) == [], "changed in the shared corpus"
