"""Our generated set maps against Bots' X12 grammars, the test oracle (see bots_oracle.py).

For every version and set both define, segment by segment: loop, order, requirement and
maximum use; and for every segment our map uses, each element's requirement, type and
length. Every difference must be named in specs_oracle_known.tsv with the reason it stands,
and every row there must still name a difference. Regenerate the table's rows (keeping the
reasons already written) with ``python -m tests.x12.test_specs_oracle``.
"""

from __future__ import annotations

import csv
import sys
from functools import cache
from pathlib import Path

import pytest

from edigate.x12.spec import bundled_specs
from edigate.x12.specs.source import load_sets
from tests.x12.bots_oracle import Difference, Named, bots_defines, compare, ledger

KNOWN = Path(__file__).with_name("specs_oracle_known.tsv")
FIELDS = ("versions", "set_id", "where", "what", "ours", "bots", "reason")
LIBRARY = bundled_specs()  # the specs other tests in this process compiled too


def _pairs() -> list[tuple[str, str]]:
    return [(version, spec.id) for spec in load_sets() for version in spec.versions
            if bots_defines(version, spec.id)]


PAIRS = _pairs()


@cache
def _known() -> tuple[Named, ...]:
    with KNOWN.open(newline="", encoding="utf-8") as fh:
        rows = csv.DictReader((line for line in fh if not line.startswith("#")), delimiter="\t")
        return tuple(Named(**row) for row in rows)


@cache
def _differences(version: str, set_id: str) -> tuple[Difference, ...]:
    return tuple(compare(LIBRARY, version, set_id))


def test_bots_defines_the_sets_we_build() -> None:
    assert {s for _, s in PAIRS} >= {"810", "850", "855", "856", "860", "940", "945", "997"}
    assert {v for v, _ in PAIRS} >= {"003040", "003050", "003070", "004010", "004030", "005010", "005040",
                                     "006010", "006020"}


@pytest.mark.parametrize(("version", "set_id"), PAIRS)
def test_every_difference_from_bots_is_named(version: str, set_id: str) -> None:
    unnamed = [d for d in _differences(version, set_id) if not any(row.names(d) for row in _known())]
    assert unnamed == [], "\n".join(f"{d.where} {d.what}: ours {d.ours}, Bots {d.bots}" for d in unnamed)


def test_every_named_difference_still_occurs() -> None:
    every = [d for pair in PAIRS for d in _differences(*pair)]
    stale = [row for row in _known() if not any(row.names(d) for d in every)]
    assert stale == []


def test_the_named_defects_are_gone() -> None:
    every = {d.key() for pair in PAIRS for d in _differences(*pair)}
    for path in ("TAX", "CTB", "PAM", "LDT", "PO1/PO3", "PO1/QTY", "N1/NX2"):
        assert ("004010", "850", path, "segment") not in every
    for version in ("003040", "003050", "003060", "003070"):  # the 940's detail is the W01 loop
        assert {("LX", "segment"), ("W01", "segment"), ("W01/LX/N9", "segment")}.isdisjoint(
            (w, what) for v, s, w, what in every if (v, s) == (version, "940"))
    for version, path in (("003040", "W12/R4"), ("003060", "W12/LX/LM/LQ"), ("003070", "LX/W12/LS/LX"),
                          ("003070", "LX/W12/FA1/FA2")):
        assert (version, "945", path, "segment") not in every
    for set_id in ("810", "850", "855", "856", "860", "865"):  # 003070's SLN has 004010's positions
        assert ("003070", set_id, "SLN", "elements") not in every
    assert ("003070", "850", "PO1/SLN/SAC", "segment") not in every


def _rewrite() -> None:
    """Write the table anew from today's differences, keeping every reason already given."""
    reasons = {(r.set_id, r.where, r.what, r.ours, r.bots): r.reason for r in _known()} if KNOWN.exists() else {}
    versions_of: dict[str, list[str]] = {}
    for version, set_id in PAIRS:
        versions_of.setdefault(set_id, []).append(version)
    diffs = [d for pair in PAIRS for d in _differences(*pair)]
    header = KNOWN.read_text(encoding="utf-8").split("versions\t", 1)[0] if KNOWN.exists() else ""
    with KNOWN.open("w", newline="", encoding="utf-8") as fh:
        fh.write(header)
        writer = csv.writer(fh, delimiter="\t", lineterminator="\n")
        writer.writerow(FIELDS)
        for row in ledger(diffs, versions_of):
            reason = reasons.get((row.set_id, row.where, row.what, row.ours, row.bots), row.reason)
            writer.writerow([row.versions, row.set_id, row.where, row.what, row.ours, row.bots, reason])


if __name__ == "__main__":
    _known.cache_clear()
    _rewrite()
    sys.exit(0)
