from __future__ import annotations

import datetime as dt

import pytest
from hypothesis import given
from hypothesis import strategies as st

from edigate.errors import X12WriteError
from edigate.x12.delimiters import Delimiters
from edigate.x12.envelope import Party, read_envelopes
from edigate.x12.segment import Composite, Repeats, Segment
from edigate.x12.summary import summarize
from edigate.x12.writer import (
    Counter, Envelope, GroupContent, RenderedBody, SegmentWriter, TransactionContent, build_interchange,
    write_interchange, write_segments,
)

WHEN = dt.datetime(2026, 11, 26, 9, 5)
ENV = Envelope(Party("ZZ", "EDIGATE"), Party("01", "123456789"), "EDIGATE", "BUYER")


def test_trailing_empty_elements_and_components_are_dropped() -> None:
    w = SegmentWriter(Delimiters())
    assert w.render("N1", ("ST", "STORE", "", "")) == "N1*ST*STORE~\n"
    assert w.render("SLN", ("1", "", Composite(("EA", "", "")))) == "SLN*1**EA~\n"
    assert w.render("REF", ("", "", "")) == "REF~\n"


def test_repetitions_need_a_separator() -> None:
    assert SegmentWriter(Delimiters(repetition="^")).render("X", (Repeats(("A", "B")),)) == "X*A^B~\n"
    with pytest.raises(X12WriteError, match="X01: repeated element"):
        SegmentWriter(Delimiters()).render("X", (Repeats(("A", "B")),))


@pytest.mark.parametrize("value, element", [("A*B", 2), ("50% OFF~", 2), ("A>B", 2)])
def test_a_value_holding_a_delimiter_is_refused_naming_the_element(value: str, element: int) -> None:
    with pytest.raises(X12WriteError) as err:
        SegmentWriter(Delimiters()).render("PID", ("F", value))
    assert str(err.value).startswith(f"PID{element:02d}: value {value!r} contains the delimiter")
    assert err.value.segment == "PID" and err.value.element == element


def test_interchange_envelopes_counts_and_fixed_widths() -> None:
    body = (Segment("BEG", ("00", "SA", "PO1", "", "20261126")), Segment("CTT", ("1",)))
    groups = [GroupContent("PO", (TransactionContent("850", body), TransactionContent("850", body)))]
    data = write_interchange(ENV, groups, Counter(start=41), when=WHEN).decode()
    lines = data.splitlines()
    assert lines[0] == ("ISA*00*          *00*          *ZZ*EDIGATE        *01*123456789      *261126*0905*U*"
                        "00401*000000041*0*P*>~")
    assert len(lines[0]) == 106
    assert lines[1] == "GS*PO*EDIGATE*BUYER*20261126*0905*41*X*004010~"
    assert lines[2:6] == ["ST*850*0041~", "BEG*00*SA*PO1**20261126~", "CTT*1~", "SE*4*0041~"]
    assert lines[6] == "ST*850*0042~" and lines[9] == "SE*4*0042~"
    assert lines[-2:] == ["GE*2*41~", "IEA*1*000000041~"]
    summary = summarize(data.encode())
    assert summary.valid and summary.findings == ()


def test_a_body_written_already_goes_in_as_it_is_and_counts_its_segments() -> None:
    body = (Segment("BAK", ("00", "AD", "PO1", "20261126")), Segment("CTT", ("1",)))
    written = RenderedBody(write_segments(body, ENV.delimiters), len(body), ENV.delimiters)
    sets = (TransactionContent("855", body), TransactionContent("855", (), rendered=written))
    data = write_interchange(ENV, [GroupContent("PR", sets)], Counter(), when=WHEN)
    assert data == write_interchange(ENV, [GroupContent("PR", sets[:1] * 2)], Counter(), when=WHEN)
    assert b"ST*855*0002~\nBAK*00*AD*PO1*20261126~\nCTT*1~\nSE*4*0002~" in data
    other = RenderedBody(written.text, 2, Delimiters(element="|"))
    with pytest.raises(X12WriteError, match="other delimiters"):
        write_interchange(ENV, [GroupContent("PR", (TransactionContent("855", (), rendered=other),))], Counter())


def test_5010_puts_the_repetition_separator_in_isa11() -> None:
    env = Envelope(ENV.sender, ENV.receiver, "A", "B", version="00501", gs_version="005010",
                   delimiters=Delimiters("|", ":", "\n", "^", ""))
    isa = next(build_interchange(env, [], Counter(), when=WHEN))
    assert isa.elements[10] == "^" and isa.elements[11] == "00501"
    text = write_interchange(env, [], Counter(), when=WHEN).decode()
    assert text.split("\n")[0].endswith("|00501|000000001|0|P|:") and text.endswith("IEA|0|000000001\n")


def test_isa_value_too_long_is_refused() -> None:
    env = Envelope(Party("ZZ", "A" * 16), ENV.receiver, "A", "B")
    with pytest.raises(X12WriteError, match="ISA06"):
        write_interchange(env, [], Counter(), when=WHEN)


def test_control_numbers_come_from_the_sequence_given() -> None:
    class Fixed:
        def __init__(self) -> None:
            self.calls: list[str] = []

        def next(self, kind: str) -> int:
            self.calls.append(kind)
            return {"interchange": 900, "group": 77, "transaction": 12345}[kind]

    numbers = Fixed()
    segs = list(build_interchange(ENV, [GroupContent("FA", (TransactionContent("997", ()),))], numbers, when=WHEN))
    assert numbers.calls == ["interchange", "group", "transaction"]
    assert [s.get(2) for s in segs if s.id in ("ST", "SE")] == ["12345", "12345"]
    assert segs[0].get(13) == "000000900" and segs[-1].elements == ("1", "000000900")


@given(st.lists(st.integers(0, 30), min_size=1, max_size=5))
def test_counts_always_match_what_is_written(sizes: list[int]) -> None:
    sets = tuple(TransactionContent("850", tuple(Segment("N9", ("ZZ", str(i))) for i in range(n))) for n in sizes)
    data = write_interchange(ENV, [GroupContent("PO", sets)], Counter(), when=WHEN)
    events = list(read_envelopes(data))
    assert all(not e.findings for e in events)
    assert sum(1 for e in events if hasattr(e, "set_id")) == len(sizes)
