from __future__ import annotations

import pytest

from edigate.mapping.paths import Path, PathError, parse_path
from edigate.x12.segment import Composite, Segment


def scope(*segments: Segment) -> dict[str, list[Segment]]:
    out: dict[str, list[Segment]] = {}
    for seg in segments:
        out.setdefault(seg.id, []).append(seg)
    return out


N1_BT = Segment("N1", ("BT", "BIGBOX STORES INC", "92", "0001"))
N1_ST = Segment("N1", ("ST", "BIGBOX STORE 1482", "92", "1482"))
PO1 = Segment("PO1", ("1", "24", "EA", "12.49", "PE", "UP", "012345678905", "VN", "ACM-1001",
                      "IN", "30012"))


def test_plain_element() -> None:
    path = parse_path("BEG03")
    assert (path.segment, path.element, path.conditions) == ("BEG", 3, ())
    assert path.read(scope(Segment("BEG", ("00", "SA", "4500012345"))))[0] == "4500012345"


def test_element_of_two_letter_segment() -> None:
    assert (parse_path("N104").segment, parse_path("N104").element) == ("N1", 4)


def test_qualified_segment() -> None:
    path = parse_path("N1[N101=ST]/N104")
    value, seg = path.read(scope(N1_BT, N1_ST))
    assert (value, seg) == ("1482", N1_ST)


def test_alternatives_and_negation() -> None:
    refs = scope(Segment("REF", ("DP", "042")), Segment("REF", ("IA", "77120")))
    assert parse_path("REF[REF01=XX|IA]/REF02").read(refs)[0] == "77120"
    assert parse_path("REF[REF01!=DP]/REF02").read(refs)[0] == "77120"


def test_component() -> None:
    seg = Segment("TD5", ("O", Composite(("A", "B"))))
    assert parse_path("TD502-2").read(scope(seg))[0] == "B"


def test_pair_group_by_qualifier() -> None:
    path = parse_path("PO1/product_id[qualifier=VN]")
    assert path.read(scope(PO1))[0] == "ACM-1001"
    assert path.element_position == 6


def test_pair_group_all_pairs() -> None:
    path = parse_path("PO1/product_id")
    assert path.pairs_in(PO1) == [("UP", "012345678905"), ("VN", "ACM-1001"), ("IN", "30012")]


def test_bare_segment() -> None:
    path = parse_path("SAC[SAC01=A]")
    assert path.names_segment
    sacs = scope(Segment("SAC", ("A", "C310")), Segment("SAC", ("C", "G830")))
    assert [s.get(2) for s in path.segments(sacs)] == ["C310"]


def test_missing_value_reads_empty_with_segment() -> None:
    beg = Segment("BEG", ("00", "SA"))
    assert parse_path("BEG03").read(scope(beg)) == ("", beg)
    assert parse_path("CUR02").read(scope(beg)) == ("", None)


@pytest.mark.parametrize(("text", "words"), [
    ("beg03", "is not a path"),
    ("N1[N101=ST]/N204", "not in segment N1"),
    ("N1[N201=ST]/N104", "names a segment other than N1"),
    ("N1[N101]/N104", "is not like"),
    ("PO1/product_ids[qualifier=VN]", "unknown pair group 'product_ids'; PO1 has product_id"),
    ("BEG00", "start at 01"),
])
def test_malformed_paths(text: str, words: str) -> None:
    with pytest.raises(PathError, match=words.replace("[", r"\[")):
        parse_path(text)


def test_path_is_a_value() -> None:
    assert parse_path("BEG03") == parse_path("BEG03")
    assert isinstance(parse_path("BEG03"), Path)
