"""`interchange_open`: a file cut anywhere before its last IEA is still being written."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from edigate.x12.closing import interchange_open

SAMPLES = sorted((Path(__file__).resolve().parents[2] / "samples" / "x12").glob("*.x12"))


@pytest.mark.parametrize("sample", SAMPLES, ids=lambda p: p.name)
def test_every_cut_before_the_last_iea_is_open(sample: Path) -> None:
    data = sample.read_bytes()
    end = data.rstrip(b"\r\n~").rfind(b"IEA")
    assert not interchange_open(data)
    assert all(interchange_open(data[:n]) for n in range(end + 3 + 1 + 9))  # up to IEA02's last digit


@given(st.integers(min_value=0, max_value=3), st.data())
def test_several_interchanges_are_open_until_the_last_iea(extra: int, data: st.DataObject) -> None:
    one = SAMPLES[0].read_bytes()
    files = one + b"".join(one.replace(b"000000101", b"%09d" % (200 + n)) for n in range(extra))
    cut = data.draw(st.integers(min_value=len(files) - len(one) + 1, max_value=len(files) - 20))
    assert interchange_open(files[:cut]) and not interchange_open(files)


def test_an_iea_for_another_interchange_does_not_close_the_last() -> None:
    one = SAMPLES[0].read_bytes()
    two = one.replace(b"000000101", b"000000202")
    head, _, iea = two.rpartition(b"IEA")
    assert interchange_open(head + iea.replace(b"000000202", b"000000101"))


@pytest.mark.parametrize("junk", [b"\r\n", b"\x1a", b"\x00" * 8, b"\r\n\x1a\x00"])
def test_what_the_tokenizer_ignores_after_the_iea_does_not_open_it(junk: bytes) -> None:
    assert not interchange_open(SAMPLES[0].read_bytes() + junk)


def test_isa_inside_a_value_is_not_an_interchange() -> None:
    one = SAMPLES[0].read_bytes()
    element = one[3:4]
    visa = one.replace(b"BEG" + element, b"BEG" + element + b"VISA" + element, 1)
    assert not interchange_open(visa)


@pytest.mark.parametrize("data", [b"", b"  \r\n", b"I", b"IS", b"ISA*00*", b"\xef\xbb\xbfISA"])
def test_empty_and_a_partial_isa_are_open(data: bytes) -> None:
    assert interchange_open(data)


@pytest.mark.parametrize("data", [b"<?xml version='1.0'?><order/>" * 5, b"hello world" * 20])
def test_what_is_not_x12_is_not_waited_for(data: bytes) -> None:
    assert not interchange_open(data)


def test_a_large_file_is_answered_without_copying_it() -> None:
    import tracemalloc

    filler = b"NTE*GEN*" + b"x" * 70 + b"~\n"
    body = SAMPLES[0].read_bytes().replace(b"\nCTT", b"\n" + filler * 250_000 + b"CTT", 1)  # about 20 MB
    cut = body[:-30]
    assert len(body) > 10_000_000
    tracemalloc.start()
    try:
        answers = interchange_open(body), interchange_open(cut)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert answers == (False, True) and peak < 1_000_000
