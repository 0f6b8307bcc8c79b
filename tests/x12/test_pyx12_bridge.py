"""The pyx12 bridge: pyx12's verdict, translated into findings with exact codes and positions."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from edigate.x12.findings import Finding, Level
from edigate.x12.pyx12_bridge import (
    DROPPED, Pyx12Maps, Pyx12Result, base_element_ref, count_segments_validated, validate_with_pyx12)
from tests.support.paths import REPO, corpus_index
from tests.support.pyx12 import pyx12_validate

PO_850 = ["BEG*00*SA*4500000001**20261118", "REF*DP*058", "N1*ST*STORE 8095*92*8095",
          "PO1*1*133*EA*73.21*PE*UP*012345783317", "PID*F****SKILLET", "CTT*1"]
ACK_855 = ["BAK*00*AD*4500000001*20261118", "PO1*1*133*EA*73.21**UP*012345783317",
           "ACK*IA*133*EA", "CTT*1"]
INV_810 = ["BIG*20261118*INV001**4500000001", "N1*ST*STORE 8095*92*8095",
           "IT1*1*133*EA*73.21**UP*012345783317", "TDS*973693", "CTT*1"]
SETS = {"850": ("PO", PO_850), "855": ("PR", ACK_855), "810": ("IN", INV_810)}


def interchange(body: list[str] | None = None, *, st: str = "850", v5010: bool = False,
                se_count: int | None = None) -> bytes:
    """One interchange, one group, one set (ST02 0001); SE01 counted unless given."""
    fg, default = SETS[st]
    segments = [f"ST*{st}*0001", *(default if body is None else body)]
    segments.append(f"SE*{se_count or len(segments) + 1}*0001")
    isa11, isa12, gs08 = ("^", "00501", "005010") if v5010 else ("U", "00401", "004010")
    isa = (f"ISA*00*          *00*          *ZZ*SENDER         *ZZ*RECEIVER       "
           f"*261118*0930*{isa11}*{isa12}*000000101*0*P*>")
    gs = f"GS*{fg}*SENDER*RECEIVER*20261118*0930*1001*X*{gs08}"
    return ("~\n".join([isa, gs, *segments, "GE*1*1001", "IEA*1*000000101"]) + "~\n").encode()


def replaced(body: list[str], old: str, new: str) -> list[str]:
    return [new if s == old else s for s in body]


def located(result: Pyx12Result) -> list[tuple[str, str, str | None, int | None, int | None]]:
    """(level, code, segment, position in set, element) of every finding, in order."""
    return [(f.level.value, f.code, f.segment_id, f.segment_position, f.element)
            for f in result.findings]


def only_set(result: Pyx12Result) -> tuple[bool, tuple[Finding, ...]]:
    assert result.ok, result.reason
    [one] = result.sets
    assert one.key == ("000000101", "1001", "0001") and one.ordinal == 1
    return one.accepted, one.findings


# ----------------------------------------------------------------- valid input


@pytest.mark.parametrize("st", sorted(SETS))
@pytest.mark.parametrize("v5010", [False, True], ids=["4010", "5010"])
def test_valid_set_has_no_findings(st: str, v5010: bool) -> None:
    result = pyx12_validate(interchange(st=st, v5010=v5010))
    assert only_set(result) == (True, ())
    assert result.valid and result.envelope_findings == ()
    assert result.segments == len(SETS[st][1]) + 6


# ----------------------------------------------------------------- one error each


def test_element_too_long_is_ak4_5_with_the_4010_length() -> None:
    body = replaced(PO_850, "REF*DP*058", "REF*DP*" + "9" * 31)
    accepted, [f] = only_set(pyx12_validate(interchange(body)))
    assert not accepted
    assert (f.level, f.code, f.segment_id, f.segment_position, f.element) == (
        Level.ELEMENT, "5", "REF", 3, 2)
    assert f.element_ref == "127" and f.value == "9" * 31 and f.segment_index == 4
    assert (f.interchange, f.group, f.transaction, f.set_id) == ("000000101", "1001", "0001", "850")


def test_element_too_long_follows_5010_lengths() -> None:
    body = replaced(PO_850, "REF*DP*058", "REF*DP*" + "9" * 31)
    assert only_set(pyx12_validate(interchange(body, v5010=True))) == (True, ())
    body = replaced(PO_850, "REF*DP*058", "REF*DP*" + "9" * 51)
    result = pyx12_validate(interchange(body, v5010=True))
    assert located(result) == [("AK4", "5", "REF", 3, 2)]


def test_invalid_code_is_ak4_7() -> None:
    body = replaced(PO_850, PO_850[0], "BEG*99*SA*4500000001**20261118")
    result = pyx12_validate(interchange(body), strict_codes=True)
    assert located(result) == [("AK4", "7", "BEG", 2, 1)]
    assert result.findings[0].value == "99" and result.findings[0].element_ref == "353"
    assert located(pyx12_validate(interchange(body))) == [("AK4", "7", "BEG", 2, 1)]  # 353's whole 004010 list


def test_invalid_code_in_5010_855_is_ak4_7() -> None:
    body = replaced(ACK_855, ACK_855[0], "BAK*XX*AD*4500000001*20261118")
    result = pyx12_validate(interchange(body, st="855", v5010=True), strict_codes=True)
    assert located(result) == [("AK4", "7", "BAK", 2, 1)]
    assert located(pyx12_validate(interchange(body, st="855", v5010=True))) == []  # 353 is partial in 005010


def test_missing_mandatory_element_is_ak4_1() -> None:
    body = replaced(PO_850, PO_850[0], "BEG*00*SA***20261118")
    result = pyx12_validate(interchange(body))
    assert located(result) == [("AK4", "1", "BEG", 2, 3)]
    assert result.findings[0].value is None


@pytest.mark.parametrize("v5010", [False, True], ids=["4010", "5010"])
def test_bad_date_is_ak4_8(v5010: bool) -> None:
    body = replaced(PO_850, PO_850[0], "BEG*00*SA*4500000001**20260230")
    result = pyx12_validate(interchange(body, v5010=v5010))
    assert located(result) == [("AK4", "8", "BEG", 2, 5)]
    assert result.findings[0].value == "20260230"


@pytest.mark.parametrize("v5010", [False, True], ids=["4010", "5010"])
def test_wrong_se_count_is_ak5_4(v5010: bool) -> None:
    result = pyx12_validate(interchange(se_count=3, v5010=v5010))
    assert located(result) == [("AK5", "4", None, None, None)]
    assert not result.sets[0].accepted


def test_unrecognized_segment_is_ak3_1_at_its_position() -> None:
    body = PO_850[:2] + ["ZZZ*1"] + PO_850[2:]
    result = pyx12_validate(interchange(body))
    assert located(result) == [("AK3", "1", "ZZZ", 4, None)]
    assert result.findings[0].segment_index == 5


def test_misplaced_segment_is_blamed_on_the_next_one() -> None:
    """pyx12 quirk: TD5 after PO1 is legal (the PO1 loop has a TD5), so the PID after it is 'not found'."""
    body = PO_850[:4] + ["TD5*O*2*FDEG"] + PO_850[4:]
    assert located(pyx12_validate(interchange(body))) == [("AK3", "1", "PID", 7, None)]


def test_repeated_header_segment_is_reported_as_loop_count_ak3_4() -> None:
    """pyx12 quirk: a second BEG is 'Loop HEADER exceeded max count' (AK3 4), not AK3 5."""
    result = pyx12_validate(interchange(PO_850[:1] + PO_850))
    assert located(result) == [("AK3", "4", "BEG", 3, None)]


def test_missing_mandatory_segment_is_ak3_3_after_the_next_segment_is_refused() -> None:
    """pyx12 quirk: without TDS the CTT is 'not found' (AK3 1) first, then TDS is missing (AK3 3)."""
    body = [s for s in INV_810 if not s.startswith("TDS")]
    result = pyx12_validate(interchange(body, st="810"))
    assert located(result) == [("AK3", "1", "CTT", 5, None), ("AK3", "3", "TDS", 5, None)]


def test_missing_first_segment_makes_every_header_segment_not_found() -> None:
    body = [s for s in PO_850 if not s.startswith("BEG")]
    assert located(pyx12_validate(interchange(body))) == [
        ("AK3", "1", "REF", 2, None), ("AK3", "1", "N1", 3, None), ("AK3", "3", "BEG", 4, None)]


@pytest.mark.parametrize(("st", "v5010", "old", "new", "note", "position"), [
    ("850", False, PO_850[3], "PO1*1*133*EA*73.21*PE*UP", "P0607", 5),
    ("850", True, PO_850[3], "PO1*1*133*EA*73.21**UP", "P0607", 5),
    ("810", True, INV_810[2], "IT1*1**EA*73.21**UP*012345783317", "P020304", 4),
])
def test_syntax_note_is_ak3_8_naming_the_note(
        st: str, v5010: bool, old: str, new: str, note: str, position: int) -> None:
    """pyx12 4.0.0 quirk: syntax notes become AK3 8 on the segment, not AK4 2 on an element."""
    body = replaced(SETS[st][1], old, new)
    result = pyx12_validate(interchange(body, st=st, v5010=v5010))
    assert located(result) == [("AK3", "8", new[:3], position, None)]
    assert result.findings[0].element_ref == note


def test_envelope_errors_are_kept_even_where_pyx12_drops_them() -> None:
    data = (interchange().replace(b"ST*850*0001~", b"ST*850*0001*X~")
            .replace(b"SE*8*", b"SE*8X*").replace(b"GE*1*1001", b"GE*1*1002")
            .replace(b"IEA*1*", b"IEA*2*"))
    result = pyx12_validate(data)
    assert located(result) == [("TA1", "021", None, None, None), ("AK9", "4", None, None, None),
                               ("AK5", "4", None, None, None), ("AK3", "8", "ST", 1, None),
                               ("AK4", "6", "SE", None, 1)]
    assert result.findings[3].hint == DROPPED and result.findings[3].value == "X"


# ----------------------------------------------------------------- pyx12 cannot run


@pytest.mark.parametrize(("data", "reason"), [
    (b"hello, not X12", "does not look like an X12 data file"),
    (interchange().replace(b"*00401*", b"*00400*"), "ISA12 00400 is not one pyx12 reads"),
    (interchange().replace(b"*004010~", b"*004099~"), "Map not found"),
    (b"", "does not look like an X12 data file"),
])
def test_unreadable_input_is_not_ok_with_a_reason(data: bytes, reason: str) -> None:
    result = pyx12_validate(data, name="x.edi")
    assert (result.ok, result.sets, result.name) == (False, (), "x.edi")
    assert reason in result.reason


def test_bom_is_removed_before_pyx12_reads() -> None:
    assert pyx12_validate(b"\xef\xbb\xbf" + interchange()).valid


def test_element_refs_lose_their_version_suffix() -> None:
    assert [base_element_ref(r) for r in ("127.004010", "127", None)] == ["127", "127", None]


def test_set_for_finds_by_control_numbers() -> None:
    result = pyx12_validate(interchange())
    assert result.set_for("0001", "1001").ordinal == 1
    with pytest.raises(KeyError):
        result.set_for("0002")


def test_importing_edigate_does_not_load_pyx12() -> None:
    code = "import sys, edigate.x12.pyx12_bridge, edigate.cli.main; print('pyx12' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"


def test_kept_maps_give_the_verdict_of_maps_parsed_afresh() -> None:
    """The tests run pyx12 on `Pyx12Maps` (parsed once, kept for every run): same results,
    every time, as pyx12 parsing its XML maps itself."""
    maps = Pyx12Maps()
    bad = interchange(replaced(PO_850, "REF*DP*058", "REF*DP*" + "9" * 31) + PO_850[:1])
    inputs = [(bad, False), (bad, True), (interchange().replace(b"*004010~", b"*004099~"), False),
              ((REPO / "samples" / "x12" / "distrib-850-5010.x12").read_bytes(), False)]
    for data, strict in inputs:
        afresh = validate_with_pyx12(data, strict_codes=strict)
        assert afresh.sets or not afresh.ok
        assert validate_with_pyx12(data, strict_codes=strict, maps=maps) == afresh  # parsed, then kept
        assert validate_with_pyx12(data, strict_codes=strict, maps=maps) == afresh  # from the kept copy


def test_count_segments_validated(tmp_path: Path) -> None:
    path = tmp_path / "one.x12"
    path.write_bytes(interchange())
    assert count_segments_validated(path) == 12


# ----------------------------------------------------------------- corpus


@pytest.mark.parametrize("row", corpus_index(), ids=lambda r: r["path"])
def test_bridge_never_raises_on_corpus(row: dict[str, str], corpus: Path) -> None:
    result = pyx12_validate((corpus / row["path"]).read_bytes(), name=row["path"])
    assert result.ok or result.reason
    for one in result.sets:
        assert all(f.transaction == one.transaction for f in one.findings)
        assert one.accepted or one.findings or not result.valid
