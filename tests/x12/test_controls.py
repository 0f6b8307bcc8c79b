"""Control numbers read back from what we wrote: the quick split agrees with the envelope reader."""

from __future__ import annotations

import dataclasses
import datetime as dt
from pathlib import Path

from hypothesis import given
from hypothesis import strategies as st

from edigate.x12.controls import _read, _written, read_controls
from edigate.x12.delimiters import Delimiters
from edigate.x12.envelope import Party
from edigate.x12.segment import Segment
from edigate.x12.writer import Counter, Envelope, GroupContent, TransactionContent, write_interchange

ENV = Envelope(Party("ZZ", "EDIGATE"), Party("01", "123456789"), "EDIGATE", "BUYER")
DELIMITERS = st.sampled_from([Delimiters(), Delimiters("|", "^", "\n", None, ""), Delimiters("\x1d", "\x1f", "\x1c", None, ""),
                              Delimiters("*", ":", "'", "^", "\r\n"), Delimiters("\x85", ">", "~", None, "")])


@given(st.lists(st.integers(0, 12), min_size=0, max_size=6), DELIMITERS, st.integers(1, 999_999_999))
def test_what_we_write_reads_back_quickly_as_the_envelope_reader_reads_it(
        sizes: list[int], delimiters: Delimiters, start: int) -> None:
    sets = tuple(TransactionContent("855", tuple(Segment("N9", ("ZZ", f"ST{i}")) for i in range(n))) for n in sizes)
    env = dataclasses.replace(ENV, delimiters=delimiters)
    data = write_interchange(env, [GroupContent("PR", sets)] if sets else [], Counter(start % 99_999_999 + 1),
                             when=dt.datetime(2026, 11, 26, 9, 5))
    quick = _written(data)
    assert quick is not None and quick == _read(data) == read_controls(data)
    assert len(quick.st02) == len(sizes)


def test_files_not_of_our_making_read_the_same_or_go_to_the_envelope_reader(corpus: Path, samples: Path) -> None:
    checked = 0
    for path in [*sorted(corpus.rglob("*")), *sorted(samples.glob("*.x12"))]:
        if not path.is_file() or path.suffix in (".tsv", ".md"):
            continue
        data = path.read_bytes()
        quick = _written(data)
        if quick is not None and data.isascii() and b"\nISA" not in data[1:] and data.count(b"ISA") == 1:
            assert quick == _read(data), path
            checked += 1
    assert checked >= 10
