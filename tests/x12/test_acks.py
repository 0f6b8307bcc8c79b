from __future__ import annotations

import datetime as dt
from pathlib import Path

from edigate.x12.acks import SetOutcome, functional_ack, ta1
from edigate.x12.envelope import GroupHeader, read_envelopes
from edigate.x12.findings import Finding, Level
from edigate.x12.respond import AckRequest, answer_file
from edigate.x12.segment import Segment
from edigate.x12.summary import summarize
from edigate.x12.tokenizer import tokenize
from edigate.x12.validate import Validator
from edigate.x12.writer import Counter

WHEN = dt.datetime(2026, 11, 26, 10, 0)
ISA = ("ISA*00*          *00*          *ZZ*SENDER         *ZZ*EDIGATE        *261126*1200*U*00401*"
       "000000042*{ack}*P*>~")
GS = "GS*PO*SENDER*EDIGATE*20261126*1200*7*X*{version}~"
SET = "ST*850*{n}~BEG*00*SA*PO{n}**20261126~SE*3*{n}~"


def interchange(sets: str, *, ack: str = "0", version: str = "004010", ge: str | None = None,
                iea: str = "IEA*1*000000042~") -> bytes:
    count = sets.count("ST*")
    return (ISA.format(ack=ack) + GS.format(version=version) + sets + (ge or f"GE*{count}*7~") + iea).encode()


def answer(data: bytes, request: AckRequest = AckRequest()) -> list[str]:
    [a] = list(answer_file(data, Counter(start=900), request=request, when=WHEN))
    return [f"{s.id}*{'*'.join(map(str, s.elements))}" for s in tokenize(a.data)]


def test_997_for_an_accepted_4010_group() -> None:
    lines = answer(interchange(SET.format(n="0001") + SET.format(n="0002")))
    assert lines == [
        "ISA*00*          *00*          *ZZ*EDIGATE        *ZZ*SENDER         *261126*1000*U*00401*000000900*0*P*>",
        "GS*FA*EDIGATE*SENDER*20261126*1000*900*X*004010", "ST*997*0900", "AK1*PO*7",
        "AK2*850*0001", "AK5*A", "AK2*850*0002", "AK5*A", "AK9*A*2*2*2", "SE*8*0900", "GE*1*900",
        "IEA*1*000000900"]


def test_997_rejects_a_set_with_a_bad_count_and_reports_partial() -> None:
    sets = SET.format(n="0001") + SET.format(n="0002").replace("SE*3", "SE*5")
    lines = answer(interchange(sets))
    assert lines[3:9] == ["AK1*PO*7", "AK2*850*0001", "AK5*A", "AK2*850*0002", "AK5*R*4", "AK9*P*2*2*1"]


def test_group_trailer_errors_reject_the_group() -> None:
    lines = answer(interchange(SET.format(n="0001"), ge="GE*3*8~"))
    assert lines[3:7] == ["AK1*PO*7", "AK2*850*0001", "AK5*A", "AK9*R*3*1*0*5*4"]


def test_999_for_a_5010_group_with_ik5_and_implementation_reference() -> None:
    data = interchange(SET.format(n="0001").replace("SE*3*0001", "SE*3*0009"), version="005010")
    lines = answer(data)
    assert lines[0].split("*")[11:14] == ["^", "00501", "000000900"]
    assert lines[1] == "GS*FA*EDIGATE*SENDER*20261126*1000*900*X*005010X231A1"
    assert lines[2:8] == ["ST*999*0900*005010X231A1", "AK1*PO*7*005010", "AK2*850*0001", "IK5*R*3",
                          "AK9*R*1*1*0", "SE*6*0900"]


def test_ta1_when_requested_and_when_the_envelope_is_broken() -> None:
    lines = answer(interchange(SET.format(n="0001"), ack="1"))
    assert lines[1] == "TA1*000000042*261126*1200*A*000"
    lines = answer(interchange(SET.format(n="0001"), iea="IEA*1*000000043~"))
    assert lines[1] == "TA1*000000042*261126*1200*R*001"
    lines = answer(interchange(SET.format(n="0001")), AckRequest("none", "always"))
    assert lines[1:] == ["TA1*000000042*261126*1200*A*000", "IEA*0*000000900"]


def test_segment_and_element_errors_become_ak3_ak4_and_ik3_ctx_ik4() -> None:
    group = GroupHeader("PO", "S", "R", "20261126", "1200", "7", "X", "004010", Segment("GS", ()))
    findings = (
        Finding(Level.ELEMENT, "7", segment_id="BEG", segment_position=2, element=1, element_ref="353", value="99"),
        Finding(Level.ELEMENT, "6", segment_id="BEG", segment_position=2, element=3, element_ref="324", value="P*1"),
        Finding(Level.SEGMENT, "3", segment_id="CTT", segment_position=9, loop_id=""),
        Finding(Level.ELEMENT, "5", segment_id="PO1", segment_position=5, element=7, component=None,
                element_ref="234", loop_id="PO1", value="X" * 60),
    )
    outcome = SetOutcome("850", "0001", findings, business_id=("BEG03", "PO1"))
    body = functional_ack(group, [outcome], kind="997").body
    assert [(s.id, s.elements) for s in body] == [
        ("AK1", ("PO", "7")), ("AK2", ("850", "0001")),
        ("AK3", ("BEG", "2", "", "8")), ("AK4", ("1", "353", "7", "99")), ("AK4", ("3", "324", "6", "P?1")),
        ("AK3", ("PO1", "5", "PO1", "8")), ("AK4", ("7", "234", "5", "X" * 60)),
        ("AK3", ("CTT", "9", "", "3")), ("AK5", ("R", "5")), ("AK9", ("R", "1", "1", "0"))]
    body999 = functional_ack(group, [outcome], kind="999").body
    assert [s.id for s in body999[:6]] == ["AK1", "AK2", "IK3", "CTX", "IK4", "IK4"]
    assert body999[3].elements == (("BEG03", "PO1"),)


def test_a_composite_in_error_leaves_the_element_reference_out() -> None:
    group = GroupHeader("PO", "S", "R", "20261126", "1200", "7", "X", "005010X", Segment("GS", ()))
    composite = Finding(Level.ELEMENT, "1", segment_id="REF", segment_position=3, element=4, element_ref="C040",
                        value="")  # found by hypothesis: IK402 must be a number (element 725, N0 1-4)
    body = functional_ack(group, [SetOutcome("850", "0001", (composite,))], kind="999").body
    [ik4] = [s for s in body if s.id == "IK4"]
    assert ik4.elements == ("4", "", "1", "")


def test_acks_read_back_as_valid_x12(tmp_path: Path) -> None:
    for version in ("004010", "005010"):
        data = interchange(SET.format(n="0001").replace("SE*3", "SE*4"), ack="1", version=version)
        [a] = list(answer_file(data, Counter(), when=WHEN))
        summary = summarize(a.data)
        assert summary.valid and summary.set_count == 1, summary.findings


def test_ten_thousand_broken_sets_get_one_complete_997(tmp_path: Path) -> None:
    path = tmp_path / "broken.x12"
    sets = "".join(SET.format(n=f"{n:05d}").replace("SE*3", "SE*2") for n in range(1, 10001))
    path.write_bytes(interchange(sets))
    [a] = list(answer_file(path, Counter(), when=WHEN))
    segs = list(tokenize(a.data))
    assert sum(s.id == "AK5" and s.elements == ("R", "4") for s in segs) == 10000
    ak9 = next(s for s in segs if s.id == "AK9")
    assert ak9.elements == ("R", "10000", "10000", "0")
    [tx] = [e for e in read_envelopes(a.data) if hasattr(e, "set_id")]
    assert not tx.findings and len(tx.segments) == 20004


def test_reading_our_own_ack_back() -> None:
    from edigate.x12.acks import read_functional_ack
    from edigate.x12.envelope import Transaction

    sets = SET.format(n="0001") + SET.format(n="0002").replace("SE*3", "SE*5")
    [a] = list(answer_file(interchange(sets), Counter(), when=WHEN))
    [tx] = [e for e in read_envelopes(a.data) if isinstance(e, Transaction)]
    group = read_functional_ack(tx.body)
    assert (group.functional_id, group.control_number, group.status) == ("PO", "7", "partially accepted")
    assert (group.included, group.received, group.accepted) == (2, 2, 1)
    assert [(s.control_number, s.status, s.codes) for s in group.sets] == [
        ("0001", "accepted", ()), ("0002", "rejected", ("4",))]


def test_reading_a_received_997_names_segment_and_element(corpus: Path) -> None:
    from edigate.x12.acks import read_functional_ack
    from edigate.x12.envelope import Transaction

    [tx] = [e for e in read_envelopes(corpus / "xlate__staedi/simple997.edi") if isinstance(e, Transaction)]
    group = read_functional_ack(tx.body)
    assert (group.functional_id, group.status, group.accepted) == ("HC", "rejected", 0)
    [s] = group.sets
    assert s.control_number == "0021" and not s.accepted and s.codes == ("5",)
    assert s.errors[:2] == ("segment NM1 at 8: Segment has data element errors",
                            "  element 8 (66): Invalid code value, value 'MI'")


# -- one answer, never contradicting itself -----------------------------------------------


def test_a_rejected_interchange_gets_a_rejecting_ta1_and_no_group_ack() -> None:
    broken = interchange(SET.format(n="0001"), iea="IEA*1*000000043~")
    for request in (AckRequest(), AckRequest("997", "never"), AckRequest("auto", "always")):
        assert answer(broken, request) == [answer(broken, request)[0], "TA1*000000042*261126*1200*R*001",
                                           "IEA*0*000000900"]
    [a] = list(answer_file(broken, Counter(), when=WHEN))
    assert a.rejected and a.ta1 and a.functional_acks == 0
    [accepted] = list(answer_file(interchange(SET.format(n="0001")), Counter(), when=WHEN))
    assert not accepted.rejected and accepted.functional_acks == 1


def test_a_group_header_error_is_the_ta1_code_validate_reports() -> None:
    data = interchange(SET.format(n="0001")).replace(b"*7*X*", b"*7*U*")
    [reported] = [f for f in summarize(data).findings if f.is_error]
    assert (reported.level, reported.code, reported.element) == (Level.INTERCHANGE, "024", 7)
    for request in (AckRequest("none", "always"), AckRequest("997", "requested")):
        assert answer(data, request)[1:] == ["TA1*000000042*261126*1200*R*024", "IEA*0*000000900"]


def test_a_group_no_ak1_can_name_is_reported_and_answered_as_024() -> None:
    data = interchange(SET.format(n="0001")).replace(b"*7*X*", b"*7A*X*").replace(b"GE*1*7~", b"GE*1*7A~")
    assert {(f.level, f.code) for f in summarize(data).findings if f.is_error} == {(Level.INTERCHANGE, "024")}
    assert answer(data)[1] == "TA1*000000042*261126*1200*R*024"


def test_a_997_names_a_group_without_a_version() -> None:
    data = interchange(SET.format(n="0001"), version="").replace(b"*X*~", b"*X~")
    assert {f.code for f in summarize(data).findings if f.is_error} == {"2"}
    lines = answer(data)
    assert "AK9*R*1*1*0*2" in lines and not any(line.startswith("TA1") for line in lines)


def test_a_997_answers_in_the_version_of_the_group_it_answers() -> None:
    from edigate.x12.acks import ack_envelope
    from edigate.x12.envelope import FunctionalGroup, Interchange, read_envelopes

    def gs08(version: str) -> str:
        data = _group_of_version(version)
        header = next(e for e in read_envelopes(data) if isinstance(e, Interchange)).header
        group = next(e for e in read_envelopes(data) if isinstance(e, FunctionalGroup)).header
        return ack_envelope(header, group).gs_version

    assert gs08("004030VICS") == "004030"
    assert gs08("003050") == "003050"
    assert gs08("004010UCS") == "004010"
    assert gs08("005010") == "005010X231A1"


def _group_of_version(version: str) -> bytes:
    isa = ("ISA*00*          *00*          *ZZ*SENDER         *ZZ*EDIGATE        *261126*1200*U*00401*"
           "000000042*0*P*>~")
    return (isa + f"GS*PO*SENDER*EDIGATE*20261126*1200*7*X*{version}~ST*850*0001~BEG*00*SA*1**20261126~"
            "SE*3*0001~GE*1*7~IEA*1*000000042~").encode()


LATER_VERSIONS = ("005020", "005030", "005040", "006010", "006020", "006050")
VALIDATOR = Validator()


def test_a_group_of_every_version_from_005010_on_gets_a_999_that_validates() -> None:
    for version in LATER_VERSIONS:
        [a] = list(answer_file(_group_of_version(version), Counter(), when=WHEN))
        summary = summarize(a.data, check=VALIDATOR)
        assert summary.valid and summary.set_count == 1, (version, summary.findings)
        assert b"ST*999*" in a.data and f"AK1*PO*7*{version}~".encode() in a.data


def test_a_999_received_in_every_version_from_005010_on_validates() -> None:
    for version in LATER_VERSIONS:
        ak = ("ISA*00*          *00*          *ZZ*SENDER         *ZZ*EDIGATE        *261126*1200*^*00501*"
              f"000000043*0*P*>~GS*FA*SENDER*EDIGATE*20261126*1200*8*X*{version}~ST*999*0001~"
              f"AK1*PO*7*{version}~AK2*850*0001~IK3*N1*4**8~IK4*2*98*7*ZZ~IK5*R*5~AK9*R*1*1*0~SE*8*0001~"
              "GE*1*8~IEA*1*000000043~").encode()
        summary = summarize(ak, check=VALIDATOR)
        assert summary.valid and summary.set_count == 1, (version, summary.findings)
