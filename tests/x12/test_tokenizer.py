from __future__ import annotations

import io
import string

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from edigate.errors import NotX12Error
from edigate.x12.delimiters import Delimiters
from edigate.x12.segment import Composite, Repeats, Segment
from edigate.x12.tokenizer import Tokenizer, tokenize
from edigate.x12.writer import SegmentWriter

from tests.support.paths import corpus_index

ISA = ("ISA*00*          *00*          *ZZ*SENDER         *ZZ*RECEIVER       *261126*1200*U*00401*"
       "000000001*0*P*>~")


def interchange(body: str, isa: str = ISA) -> bytes:
    return (isa + body + "IEA*1*000000001~").encode()


def ids(data: bytes | str, **kw: object) -> list[str]:
    return [s.id for s in tokenize(data if isinstance(data, bytes) else data.encode(), **kw)]  # type: ignore[arg-type]


def test_segments_carry_id_elements_index_and_offset() -> None:
    data = interchange("GS*PO*A*B*20261126*1200*1*X*004010~ST*850*0001~BEG*00*SA*PO1**20261126~")
    segs = list(tokenize(data))
    assert [s.id for s in segs] == ["ISA", "GS", "ST", "BEG", "IEA"]
    assert [s.index for s in segs] == [0, 1, 2, 3, 4]
    assert segs[3].elements == ("00", "SA", "PO1", "", "20261126")
    for s in segs:
        assert data[s.offset:s.offset + len(s.id)].decode() == s.id
    assert segs[0].elements[15] == ">"


def test_components_and_repetitions_are_split() -> None:
    isa = ISA.replace("*U*00401*", "*^*00501*")
    segs = list(tokenize(interchange("SLN*1**I*2*EA>12*5^6>7~", isa)))
    sln = segs[1]
    assert sln.elements[4] == Composite(("EA", "12"))
    assert sln.elements[5] == Repeats(("5", Composite(("6", "7"))))
    assert sln.get(5, 2) == "12" and sln.get(6) == "5" and sln.get(9) == ""


def test_iea_without_repetition_separator_keeps_caret() -> None:
    seg = list(tokenize(interchange("N1*ST*A^B~")))[1]
    assert seg.elements == ("ST", "A^B")


@pytest.mark.parametrize("prefix", [b"\xef\xbb\xbf", b"  \r\n\n", b"\xef\xbb\xbf\n "])
def test_bom_and_leading_whitespace_are_tolerated(prefix: bytes) -> None:
    t = Tokenizer(prefix + interchange("GS*PO~") + b"\r\n\r\n  \n")
    assert [s.id for s in t] == ["ISA", "GS", "IEA"]
    assert [n.code for n in t.notes] == (["bom"] if prefix.startswith(b"\xef") else [])


@pytest.mark.parametrize("suffix", ["\n", "\r\n", "\r"])
def test_line_break_after_terminator(suffix: str) -> None:
    body = suffix.join(["GS*PO*X", "ST*850*0001", "SE*2*0001", ""])
    t = Tokenizer((ISA + suffix + body.replace(suffix, "~" + suffix) + "IEA*1*000000001~" + suffix).encode())
    segs = list(t)
    assert [s.id for s in segs] == ["ISA", "GS", "ST", "SE", "IEA"]
    assert t.delimiters is not None and t.delimiters.suffix == suffix
    assert segs[1].elements == ("PO", "X")


def test_line_break_as_terminator() -> None:
    isa = ISA[:-1] + "\n"
    segs = list(tokenize(("".join([isa, "GS*PO\n", "ST*850*1\n", "IEA*1*1\n"])).encode()))
    assert [s.id for s in segs] == ["ISA", "GS", "ST", "IEA"]


def test_nel_0x85_terminator() -> None:
    isa = ISA[:-1] + "\x85"
    data = (isa + "GS*PO\x85IEA*1*000000001\x85").encode("latin-1")
    segs = list(tokenize(data))
    assert [s.id for s in segs] == ["ISA", "GS", "IEA"]


def test_blank_segments_are_skipped_with_a_note() -> None:
    t = Tokenizer(interchange("GS*PO~~ST*850*1~"))
    assert [s.id for s in t] == ["ISA", "GS", "ST", "IEA"]
    assert [n.code for n in t.notes] == ["blank-segment"]


def test_final_segment_without_terminator_and_ctrl_z() -> None:
    t = Tokenizer((ISA + "GS*PO~IEA*1*000000001\r\n\x1a").encode())
    segs = list(t)
    assert segs[-1].id == "IEA" and segs[-1].elements == ("1", "000000001")
    assert {n.code for n in t.notes} == {"no-final-terminator", "ctrl-z"}


def test_each_interchange_brings_its_own_delimiters() -> None:
    second = ISA.replace("*", "|").replace(">~", ":\x15")
    data = interchange("GS*PO~") + b"\n" + (second + "GS|IN\x15IEA|1|000000001\x15").encode()
    segs = list(tokenize(data))
    assert [(s.id, s.elements[:1]) for s in segs[3:]][1:] == [("GS", ("IN",)), ("IEA", ("1",))]
    assert segs[3].id == "ISA" and segs[3].elements[15] == ":"


def test_same_delimiters_in_next_interchange_stay_in_bulk() -> None:
    one = interchange("GS*PO~")
    segs = list(tokenize(one + one + one))
    assert [s.id for s in segs].count("ISA") == 3
    assert segs[3].offset == len(one)


def test_utf8_text_is_decoded_and_other_bytes_kept() -> None:
    data = interchange("N1*ST*Café~")
    latin = interchange("N1*ST*Caf~").replace(b"Caf", b"Caf\xe9")
    assert list(tokenize(data))[1].elements[1] == "Café"
    assert list(tokenize(latin))[1].elements[1] == "Caf\xe9"


@pytest.mark.parametrize("data, message", [
    (b"", "empty"),
    (b"   \n\n", "empty"),
    (bytes(range(256)) * 3, "does not start with an ISA"),
    (b"ISA*00*", "truncated"),
    (ISA[:90].encode(), "truncated"),
    (b"ISA*00*          *00*          *ZZ*SENDER         *ZZ*RECEIVER       *261126*1200*U*00401*0*0*P*>",
     "shorter than 106"),
    (b"GS*PO*A~", "does not start with an ISA"),
    (ISA.replace(">~", "*~").encode() + b"GS~", "unusable delimiters"),
])
def test_unreadable_input_raises_not_x12(data: bytes, message: str) -> None:
    with pytest.raises(NotX12Error, match=message):
        list(tokenize(data, name="in.x12"))


def test_data_after_iea_that_is_not_isa() -> None:
    with pytest.raises(NotX12Error, match="data after IEA"):
        list(tokenize(interchange("GS*PO~") + b"junk*1~"))


def test_segment_without_terminator_is_bounded(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("edigate.x12.tokenizer.MAX_SEGMENT", 1000)
    with pytest.raises(NotX12Error, match="no segment terminator"):
        list(Tokenizer((ISA + "GS" + "*A" * 5000).encode(), chunk_size=256))


def test_text_stream_is_refused() -> None:
    from edigate.errors import InputError
    with pytest.raises(InputError, match="binary mode"):
        list(tokenize(io.StringIO(ISA)))  # type: ignore[arg-type]


# -- round trips ---------------------------------------------------------------------

_SPECIALS = "*~>^|:!\x1d\x1c\x1e\x15\x07+'`\\}{@#$%&"


@st.composite
def delimiter_sets(draw: st.DrawFn) -> Delimiters:
    chars = draw(st.lists(st.sampled_from(_SPECIALS), min_size=4, max_size=4, unique=True))
    suffix = draw(st.sampled_from(["", "\n", "\r\n"]))
    return Delimiters(chars[0], chars[1], chars[2], chars[3], suffix)


_text = st.text(alphabet=st.characters(min_codepoint=32, max_codepoint=126, blacklist_characters=_SPECIALS),
                max_size=12)


_SEGMENT_IDS = st.builds(lambda first, rest: first + rest, st.sampled_from(string.ascii_uppercase),
                        st.text(alphabet=string.ascii_uppercase + string.digits, min_size=1, max_size=2)).filter(
    lambda s: s not in ("ISA", "IEA", "GS", "GE", "ST", "SE"))


_COMPOSITE = st.builds(lambda head, last: Composite([*head, last]),  # 2-4 parts, the last not empty
                       st.lists(_text, min_size=1, max_size=3), _text.filter(bool))
_REPEATS = st.lists(st.one_of(_text, _COMPOSITE), min_size=2, max_size=3).map(Repeats)
_ELEMENTS = st.lists(st.one_of(_text, _COMPOSITE, _REPEATS), min_size=1, max_size=8)
"""Built once: built inside `segments`, they were built and validated again for every segment."""


@st.composite
def segments(draw: st.DrawFn) -> Segment:
    seg_id = draw(_SEGMENT_IDS)
    elements = draw(_ELEMENTS)
    while elements and elements[-1] == "":
        elements.pop()
    return Segment(seg_id, tuple(elements))


def _isa_for(d: Delimiters) -> str:
    return (f"ISA{d.element}00{d.element}{' ' * 10}{d.element}00{d.element}{' ' * 10}{d.element}ZZ{d.element}"
            f"{'S'.ljust(15)}{d.element}ZZ{d.element}{'R'.ljust(15)}{d.element}261126{d.element}1200{d.element}"
            f"{d.repetition}{d.element}00501{d.element}000000001{d.element}0{d.element}P{d.element}{d.component}"
            f"{d.segment}{d.suffix}")


@settings(max_examples=300, deadline=None)
@given(delimiter_sets(), st.lists(segments(), min_size=1, max_size=12), st.integers(1, 64))
def test_write_then_tokenize_is_identity(d: Delimiters, segs: list[Segment], chunk: int) -> None:
    writer = SegmentWriter(d)
    text = _isa_for(d) + "".join(writer.segment(s) for s in segs)
    got = list(Tokenizer(text.encode("latin-1"), chunk_size=chunk))[1:]
    assert [(s.id, s.elements) for s in got] == [(s.id, s.elements) for s in segs]


def test_every_chunk_boundary_gives_the_same_segments(samples: object) -> None:
    from pathlib import Path
    for path in sorted(Path(str(samples)).glob("*.x12")):
        data = path.read_bytes()
        expected = list(tokenize(data))
        for chunk in range(1, 130):
            assert list(Tokenizer(data, chunk_size=chunk)) == expected, (path.name, chunk)


def test_every_corpus_file_reads_without_crash(corpus: object) -> None:
    from pathlib import Path
    for row in corpus_index():
        path = Path(str(corpus)) / row["path"]
        try:
            segs = list(Tokenizer(path, chunk_size=97))
        except NotX12Error as exc:
            assert str(path) in str(exc)
            continue
        assert segs and segs[0].id == "ISA", row["path"]
        assert segs == list(tokenize(path)), row["path"]
