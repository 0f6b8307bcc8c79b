"""Fuzzing: damaged interchanges never crash the reader, the validator or the acks.

Whatever the bytes, the only exception allowed is `NotX12Error` (the input has no usable
ISA), and every answer written is itself readable X12.
"""

from __future__ import annotations

import datetime as dt

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from edigate.errors import NotX12Error
from edigate.x12.envelope import EnvelopeReader, Transaction
from edigate.x12.respond import AckRequest, answer_file
from edigate.x12.summary import summarize
from edigate.x12.validate import Validator
from edigate.x12.writer import Counter

from tests.support.paths import REPO

SAMPLES = [p.read_bytes() for p in sorted((REPO / "samples" / "x12").glob("*.x12"))]
VALIDATOR = Validator()
FUZZ = settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@st.composite
def damaged(draw: st.DrawFn) -> bytes:
    data = bytearray(draw(st.sampled_from(SAMPLES)))
    for _ in range(draw(st.integers(1, 6))):
        kind = draw(st.sampled_from(["flip", "delete", "insert", "truncate", "duplicate"]))
        at = draw(st.integers(0, max(len(data) - 1, 0)))
        if kind == "flip" and data:
            data[at] = draw(st.integers(0, 255))
        elif kind == "delete":
            del data[at:at + draw(st.integers(1, 40))]
        elif kind == "insert":
            data[at:at] = draw(st.binary(min_size=1, max_size=20))
        elif kind == "truncate":
            del data[at:]
        else:
            end = min(len(data), at + draw(st.integers(1, 200)))
            data[at:at] = data[at:end]
    return bytes(data)


@FUZZ
@given(damaged())
def test_reader_and_validator_survive_damage(data: bytes) -> None:
    try:
        reader = EnvelopeReader(data, name="fuzz.x12")
        for event in reader:
            if isinstance(event, Transaction):
                for finding in VALIDATOR(event):
                    assert finding.code and finding.text
    except NotX12Error as exc:
        assert str(exc).startswith("fuzz.x12")


@FUZZ
@given(damaged())
def test_acks_for_damaged_input_are_valid_x12(data: bytes) -> None:
    try:
        answers = list(answer_file(data, Counter(), request=AckRequest(ta1="always"), check=VALIDATOR,
                                   when=dt.datetime(2026, 11, 26)))
    except NotX12Error:
        return
    for answer in answers:
        summary = summarize(answer.data, check=VALIDATOR)
        assert summary.valid, [str(f) for f in summary.findings]


@FUZZ
@given(st.binary(max_size=400))
def test_random_bytes_are_refused_cleanly(data: bytes) -> None:
    try:
        summarize(b"ISA" + data, name="junk.x12")
    except NotX12Error as exc:
        assert str(exc).startswith("junk.x12")
