from __future__ import annotations

import csv
from pathlib import Path

import pytest

from edigate.errors import EdigateError
from edigate.x12.envelope import FunctionalGroup, Interchange, Transaction, read_envelopes
from edigate.x12.findings import Finding, Level, Severity
from edigate.x12.summary import summarize

from tests.support.paths import corpus_index

ISA = ("ISA*00*          *00*          *ZZ*SENDER         *ZZ*RECEIVER       *261126*1200*U*00401*"
       "000000001*0*P*>~")
GS = "GS*PO*SENDER*RECEIVER*20261126*1200*7*X*004010~"
SET = "ST*850*0001~BEG*00*SA*PO1**20261126~SE*3*0001~"
GE = "GE*1*7~"
IEA = "IEA*1*000000001~"


def findings(text: str) -> list[Finding]:
    return [f for f in summarize(text.encode(), name="t.x12").findings]


def codes(text: str, *, errors_only: bool = True) -> set[str]:
    return {f"{f.level.value}:{f.code}" for f in findings(text) if f.is_error or not errors_only}


def isa(**fields: str) -> str:
    parts = ISA[:-1].split("*")
    for key, value in fields.items():
        parts[int(key[3:])] = value
    return "*".join(parts) + "~"


def test_well_formed_interchange_has_no_findings() -> None:
    events = list(read_envelopes((ISA + GS + SET + GE + IEA).encode()))
    assert [type(e) for e in events] == [Transaction, FunctionalGroup, Interchange]
    tx = events[0]
    assert isinstance(tx, Transaction)
    assert (tx.set_id, tx.control_number, len(tx.segments), [s.id for s in tx.body]) == ("850", "0001", 3, ["BEG"])
    assert tx.group is not None and tx.group.control_number == "7"
    assert tx.interchange.sender.id == "SENDER" and not tx.findings


@pytest.mark.parametrize("fields, code", [
    ({"ISA01": "99"}, "010"), ({"ISA02": "short"}, "011"), ({"ISA03": "07"}, "012"),
    ({"ISA04": "x"}, "013"), ({"ISA05": "QQ"}, "005"), ({"ISA06": " " * 15}, "006"),
    ({"ISA07": "Z"}, "007"), ({"ISA08": "R"}, "008"), ({"ISA09": "261332"}, "014"),
    ({"ISA10": "2460"}, "015"), ({"ISA11": "X"}, "016"), ({"ISA12": "4010A"}, "017"),
    ({"ISA13": "00000000A"}, "018"), ({"ISA14": "2"}, "019"), ({"ISA15": "Q"}, "020"),
])
def test_isa_field_errors_have_their_ta1_code(fields: dict[str, str], code: str) -> None:
    text = isa(**fields) + GS + SET + GE + IEA
    if "ISA13" in fields:
        text = text.replace("IEA*1*000000001", "IEA*1*00000000A")
    found = [f for f in findings(text) if f.is_error]
    assert [(f.level, f.code) for f in found] == [(Level.INTERCHANGE, code)]
    element = int(next(iter(fields))[3:])
    assert found[0].element == element and found[0].segment_id == "ISA" and found[0].segment_index == 0


def test_iea_control_number_mismatch_is_001() -> None:
    found = findings(ISA + GS + SET + GE + "IEA*1*000000002~")
    assert [(f.code, f.element, f.value) for f in found] == [("001", 2, "000000002")]


def test_iea_group_count_is_021() -> None:
    assert codes(ISA + GS + SET + GE + "IEA*2*000000001~") == {"TA1:021"}


def test_missing_iea_is_023() -> None:
    found = findings(ISA + GS + SET + GE)
    assert [(f.level.value, f.code) for f in found] == [("TA1", "023")]
    assert "not closed by an IEA" in found[0].text


def test_iea02_numerically_equal_but_unpadded_is_a_warning() -> None:
    found = findings(ISA + GS + SET + GE + "IEA*1*1~")
    assert [(f.code, f.severity) for f in found] == [("018", Severity.WARNING)]


def test_bad_gs_and_bad_gs06_are_024() -> None:
    """A GS06 that is not digits cannot be named in an AK1, so TA1 024 answers it too."""
    gs = "GS*PO*SENDER*RECEIVER*20261131*2500*7X*Q*004010~"
    assert codes(ISA + gs + SET + "GE*1*7X~" + IEA) == {"TA1:024"}


def test_group_trailer_errors() -> None:
    assert codes(ISA + GS + SET + "GE*2*7~" + IEA) == {"AK9:5"}
    assert codes(ISA + GS + SET + "GE*1*8~" + IEA) == {"AK9:4"}
    assert codes(ISA + GS + SET + IEA) == {"AK9:3"}


def test_missing_gs08_is_ak9_2() -> None:
    assert codes(ISA + GS.replace("*004010~", "~") + SET + GE + IEA) == {"AK9:2"}


def test_set_trailer_errors() -> None:
    assert codes(ISA + GS + SET.replace("SE*3", "SE*4") + GE + IEA) == {"AK5:4"}
    assert codes(ISA + GS + SET.replace("SE*3*0001", "SE*3*0002") + GE + IEA) == {"AK5:3"}
    assert codes(ISA + GS + SET.replace("SE*3*0001~", "") + GE + IEA) == {"AK5:2"}


def test_superscript_digits_are_not_numbers() -> None:
    """Latin-1 0xB9 is '¹', which str.isdigit accepts and int refuses: a finding, not a crash."""
    text = isa(ISA10="\xb9930") + GS + SET.replace("SE*3", "SE*\xb9") + GE.replace("GE*1", "GE*\xb9") + \
        IEA.replace("IEA*1", "IEA*\xb9")
    found = {f"{f.level.value}:{f.code}" for f in summarize(text.encode("latin-1"), name="t.x12").findings
             if f.is_error}
    assert found == {"TA1:015", "AK5:4", "AK9:5", "TA1:021"}


def test_set_header_errors() -> None:
    assert codes(ISA + GS + SET.replace("ST*850", "ST*8") + GE + IEA) == {"AK5:6"}
    assert codes(ISA + GS + SET.replace("0001", "01") + GE + IEA) == {"AK5:7"}


def test_duplicate_control_numbers_depend_on_version() -> None:
    two = SET + SET
    assert codes(ISA + GS + two + GE.replace("*1*", "*2*") + IEA) == set()
    assert codes(ISA + GS + two + GE.replace("*1*", "*2*") + IEA, errors_only=False) == {"AK5:23"}
    gs5 = GS.replace("004010", "005010X231")
    assert codes(ISA + gs5 + two + GE.replace("*1*", "*2*") + IEA) == {"AK5:23"}
    groups = ISA + gs5 + SET + GE + gs5 + SET + GE + IEA.replace("*1*", "*2*")
    assert codes(groups) == {"AK9:19"}


def test_set_in_wrong_group_is_a_warning() -> None:
    found = findings(ISA + GS.replace("GS*PO", "GS*IN") + SET + GE + IEA)
    assert [(f.code, f.severity, f.hint) for f in found] == [("6", Severity.WARNING, "GS01 should be PO")]


def test_set_outside_a_group_and_stray_segments() -> None:
    assert codes(ISA + SET + IEA.replace("*1*", "*0*")) == {"AK5:18"}
    assert codes(ISA + GS + SET + "REF*DP*1~" + GE + IEA) == {"TA1:022"}
    assert codes(ISA + "TA1*000000001*261126*1200*A*000~" + GS + SET + GE + IEA) == set()


def test_component_separator_in_an_envelope_element_is_022() -> None:
    found = findings(ISA + GS + SET + "GE*1*7>~" + IEA)
    assert [(f.code, f.segment_id, f.element, f.value) for f in found] == [("022", "GE", 2, "7>")]


def test_findings_carry_control_numbers_and_positions() -> None:
    [f] = findings(ISA + GS + SET.replace("SE*3", "SE*9") + GE + IEA)
    assert (f.interchange, f.group, f.transaction, f.set_id) == ("000000001", "7", "0001", "850")
    assert (f.segment_id, f.segment_index, f.segment_position, f.element, f.value) == ("SE", 4, 3, 1, "9")
    assert str(f).startswith("t.x12: ISA13 000000001, GS06 7, ST02 0001, SE01 at segment 5: error AK5 4:")


def test_garbage_after_a_good_interchange_is_a_file_finding() -> None:
    summary = summarize((ISA + GS + SET + GE + IEA + "garbage*1~").encode())
    assert [i.header.control_number for i in summary.interchanges] == ["000000001"]
    assert [(f.code, f.level.value) for f in summary.findings] == [("022", "TA1")]


def test_truncated_file_closes_every_open_level() -> None:
    assert codes(ISA + GS + "ST*850*0001~BEG*00*SA~") == {"AK5:2", "AK9:3", "TA1:023"}


def test_every_set_of_a_large_group_is_yielded(tmp_path: Path) -> None:
    body = "".join(f"ST*850*{n:04d}~BEG*00*SA*PO{n}**20261126~SE*3*{n:04d}~" for n in range(1, 2001))
    path = tmp_path / "many.x12"
    path.write_text(ISA + GS + body + "GE*2000*7~" + IEA)
    events = read_envelopes(path)
    sets = sum(1 for e in events if isinstance(e, Transaction))
    assert sets == 2000


# -- the public corpus ---------------------------------------------------------------

def _pinned() -> dict[str, dict[str, str]]:
    with open(Path(__file__).with_name("corpus_envelopes.tsv"), newline="") as fh:
        rows = csv.DictReader((line for line in fh if not line.startswith("#")), delimiter="\t")
        return {r["path"]: r for r in rows}


def _outcome(path: Path) -> tuple[str, str]:
    try:
        summary = summarize(path)
    except EdigateError as exc:
        return "unreadable", type(exc).__name__
    found = sorted({f"{f.level.value}:{f.code}" for f in summary.findings if f.is_error})
    return ("valid" if summary.valid else "invalid"), ",".join(found)


def test_corpus_envelopes_match_the_index_and_pinned_table(corpus: Path) -> None:
    pinned = _pinned()
    index = corpus_index()
    assert {r["path"] for r in index} == set(pinned), "corpus_envelopes.tsv must list every corpus file"
    for row in index:
        expected = pinned[row["path"]]
        outcome, found = _outcome(corpus / row["path"])
        assert (outcome, found) == (expected["outcome"], expected["codes"]), row["path"]
        agrees = (row["expected"] == "valid") == (outcome == "valid")
        assert agrees or expected["reason"], f"{row['path']}: differs from index.tsv without a reason"
