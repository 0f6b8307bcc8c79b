"""One small interchange per structural error code, asserting the exact ack segments."""

from __future__ import annotations

import datetime as dt

import pytest

from edigate.x12.envelope import Transaction, read_envelopes
from edigate.x12.findings import Level, Severity
from edigate.x12.respond import answer_file
from edigate.x12.tokenizer import tokenize
from edigate.x12.validate import Validator
from edigate.x12.writer import Counter
from tests.support.interchanges import GOOD, interchange

VALIDATOR = Validator()


def ack_body(body: list[str], **kw: str) -> list[str]:
    data = interchange(body, **kw)
    [answer] = list(answer_file(data, Counter(), check=VALIDATOR, when=dt.datetime(2026, 11, 26)))
    segs = list(tokenize(answer.data))
    start = next(i for i, s in enumerate(segs) if s.id == "AK2")
    end = next(i for i, s in enumerate(segs) if s.id == "AK9")
    return [s.id + "*" + "*".join(e if isinstance(e, str) else ":".join(e) for e in s.elements) for s in segs[start:end]]


def test_a_valid_850_is_accepted_in_both_versions() -> None:
    assert ack_body(GOOD) == ["AK2*850*0001", "AK5*A"]
    assert ack_body(GOOD, version="005010") == ["AK2*850*0001", "IK5*A"]


@pytest.mark.parametrize("body, expected", [
    (["BEG*00*SA*PO123**20261126", "BEG*00*SA*PO123**20261126", *GOOD[1:]],
     ["AK3*BEG*3**5"]),
    (["BEG*00*SA*PO123**20261126", "XX!*1", *GOOD[1:]], ["AK3*XX*3**1"]),  # AK301 keeps what it can
    (["BEG*00*SA*PO123**20261126", "IT1*1*2*EA", *GOOD[1:]], ["AK3*IT1*3**6"]),
    ([GOOD[0], GOOD[2], GOOD[0], GOOD[3]], ["AK3*BEG*4*PO1*7"]),
    (GOOD[1:], ["AK3*BEG*2**3"]),
    (["BEG*00*SA*PO123**20261126", "N1*ST*STORE 12*92*0012", "CTT*1"], ["AK3*PO1*4*PO1*3"]),
])
def test_segment_errors(body: list[str], expected: list[str]) -> None:
    assert ack_body(body) == ["AK2*850*0001", *expected, "AK5*R*5"]


@pytest.mark.parametrize("beg, ak4", [
    ("BEG*00*SA**X*20261126", "AK4*3*324*1"),
    ("BEG*00*SA*PO123**20261126" + "*" * 7 + "*X", "AK4*13**3"),
    ("BEG*0*SA*PO123**20261126", "AK4*1*353*4*0"),
    ("BEG*00*SA*" + "P" * 23 + "**20261126", "AK4*3*324*5*" + "P" * 23),
    ("BEG*00*SA*PO\x07123**20261126", "AK4*3*324*6*PO?123"),
    ("BEG*00*SA*PO123**20261126**YY", "AK4*7*587*7*YY"),
    ("BEG*00*SA*PO123**20261131", "AK4*5*373*8*20261131"),
    ("BEG*00*SA*PO123**20261126*A>B", "AK4*6*367*13"),
])
def test_element_errors_on_beg(beg: str, ak4: str) -> None:
    assert ack_body([beg, *GOOD[1:]]) == ["AK2*850*0001", "AK3*BEG*2**8", ak4, "AK5*R*5"]


def test_time_and_number_errors() -> None:
    body = [GOOD[0], "DTM*002*20261201*2561", *GOOD[1:]]
    assert ack_body(body)[1:3] == ["AK3*DTM*3**8", "AK4*3*337*9*2561"]
    body = [*GOOD[:2], "PO1*1*1O*EA*2.50*PE*UP*012345678905", GOOD[3]]
    assert ack_body(body)[1:3] == ["AK3*PO1*4*PO1*8", "AK4*2*330*6*1O"]


def test_superscript_digit_is_not_a_whole_number() -> None:
    """Latin-1 0xB9 is '¹': str.isdigit accepts it, so the N fast path must ask for ASCII digits."""
    data = interchange([*GOOD[:3], "CTT*\xb92"]).decode().encode("latin-1")
    [answer] = list(answer_file(data, Counter(), check=VALIDATOR, when=dt.datetime(2026, 11, 26)))
    segs = [s.id + "*" + "*".join(e if isinstance(e, str) else ":".join(e) for e in s.elements)
            for s in tokenize(answer.data)]
    assert "AK4*1*354*6*\xb92" in segs


def test_syntax_notes_paired_conditional_and_exclusion() -> None:
    body = [*GOOD[:2], "PO1*1*10*EA*2.50*PE*UP", GOOD[3]]
    assert ack_body(body)[1:3] == ["AK3*PO1*4*PO1*8", "AK4*7*234*2"]


def test_repetition_in_a_simple_element_is_too_many_repetitions() -> None:
    body = ["BEG*00*SA*PO1^PO2**20261126", *GOOD[1:]]
    assert ack_body(body, version="005010")[1:3] == ["IK3*BEG*2**8", "IK4*3*324*12"]


def test_999_carries_ik3_and_ik4_with_component_positions() -> None:
    body = [GOOD[0], "REF*DP*12***XX>1", *GOOD[1:]]
    lines = ack_body(body, version="005010")
    assert lines[0] == "AK2*850*0001"
    assert lines[1].startswith("IK3*REF*3**8")


def test_loop_over_its_maximum_is_code_4() -> None:
    n1 = ["N1*ST*STORE*92*0012"] * 201
    assert ack_body([GOOD[0], *n1, GOOD[2], GOOD[3]])[1:2] == ["AK3*N1*203*N1*4"]


def test_unsupported_set_is_ak5_1() -> None:
    assert ack_body(["W17*F*20261126*1"], set_id="944", fid="RE") == ["AK2*944*0001", "AK5*R*1"]


def test_misplaced_segment_is_reported_once_not_for_every_later_segment() -> None:
    body = [GOOD[0], GOOD[2], "BEG*00*SA*PO1**20261126", "PO1*2*1*EA*1.00*PE*UP*012345678912", "PID*F****ITEM",
            GOOD[3]]
    lines = ack_body(body)
    assert [line for line in lines if line.startswith("AK3")] == ["AK3*BEG*4*PO1*7"]


def test_ctt_count_mismatch_is_a_warning() -> None:
    [tx] = [e for e in read_envelopes(interchange([*GOOD[:3], "CTT*2"])) if isinstance(e, Transaction)]
    [finding] = VALIDATOR(tx)
    assert (finding.level, finding.severity, finding.element, finding.value) == (Level.ELEMENT, Severity.WARNING, 1, "2")
    assert "CTT01 says 2 line items, the set has 1 PO1 loops" in finding.text


def test_partial_code_list_only_warns() -> None:
    body = [GOOD[0], "REF*ZZZ*1", *GOOD[1:]]
    [tx] = [e for e in read_envelopes(interchange(body)) if isinstance(e, Transaction)]
    [finding] = VALIDATOR(tx)
    assert (finding.code, finding.severity, finding.value) == ("I6", Severity.WARNING, "ZZZ")
    assert "partner map's code table" in finding.hint and "specs" not in finding.hint  # not the package's source
    assert ack_body(body) == ["AK2*850*0001", "AK5*A"]


def test_every_generated_ack_validates_against_the_997_and_999_specs() -> None:
    for version in ("004010", "005010"):
        data = interchange(["BEG*00*SA*PO123**20261131**YY", GOOD[2], "XX!*1", GOOD[0], GOOD[3]], version=version)
        [answer] = list(answer_file(data, Counter(), check=VALIDATOR, when=dt.datetime(2026, 11, 26)))
        [ack] = [e for e in read_envelopes(answer.data) if isinstance(e, Transaction)]
        assert ack.findings == () and VALIDATOR(ack) == [], [str(f) for f in VALIDATOR(ack)]


def test_corpus_structure_is_pinned(corpus) -> None:  # type: ignore[no-untyped-def]
    import csv
    from pathlib import Path

    from edigate.errors import EdigateError
    from tests.support.paths import corpus_index

    with open(Path(__file__).with_name("corpus_structure.tsv"), newline="") as fh:
        rows = list(csv.DictReader((line for line in fh if not line.startswith("#")), delimiter="\t"))
    pinned = {(r["path"], r["ordinal"]): r for r in rows}
    seen = set()
    for entry in corpus_index():
        try:
            events = list(read_envelopes(corpus / entry["path"]))
        except EdigateError:
            continue
        txs = [e for e in events if isinstance(e, Transaction)]
        for n, tx in enumerate(txs, 1):
            if VALIDATOR.library.get(tx.set_id, tx.group.version if tx.group else "") is None:
                continue
            errors = [f for f in VALIDATOR(tx) if f.is_error]
            row = pinned[(entry["path"], str(n))]
            seen.add((entry["path"], str(n)))
            assert (row["control_number"], row["set"]) == (tx.control_number, tx.set_id)
            assert row["outcome"] == ("rejected" if errors else "accepted"), (entry["path"], n)
            assert row["codes"] == ",".join(sorted({f"{f.level.value}:{f.code}" for f in errors})), (entry["path"], n)
            first = min(errors, key=lambda f: f.segment_position or 0) if errors else None
            assert row["first"] == (f"{first.segment_id}@{first.segment_position}" if first else "")
            assert bool(row["reason"]) == bool(errors)
    assert seen == set(pinned)


def test_exclusion_note_is_ak4_10() -> None:
    body = [GOOD[0], "N1*ST*STORE 12*92*0012", "N4*PORTLAND*OR*97205*US***ORX", GOOD[2], GOOD[3]]
    assert ack_body(body, version="005010")[1:3] == ["IK3*N4*4*N1*8", "IK4*7*1715*10"]


def test_unit_of_measure_set_is_a_valid_code() -> None:
    body = [GOOD[0], GOOD[1], "PO1*1*2*ST*25.00*PE*UP*012345678905", GOOD[3]]
    [tx] = [e for e in read_envelopes(interchange(body)) if isinstance(e, Transaction)]
    assert VALIDATOR(tx) == []


@pytest.mark.parametrize("version", ["004010", "004010VICS", "004030", "004050UCS", "004060", "005010VICS",
                                     "005030", "006020"])
def test_standard_850_segments_are_accepted_in_every_version(version: str) -> None:
    body = [GOOD[0], "TAX*123456789", "PAM*01*5*EA", "CTB*OR*NO BACKORDERS", GOOD[1], GOOD[2],
            "PO3*ZZ*****1*EA", GOOD[3]]
    [tx] = [e for e in read_envelopes(interchange(body, version=version)) if isinstance(e, Transaction)]
    assert VALIDATOR(tx) == []


def test_a_version_without_a_map_is_still_not_supported() -> None:
    [tx] = [e for e in read_envelopes(interchange(GOOD, version="002001")) if isinstance(e, Transaction)]
    assert [(f.code, f.message) for f in VALIDATOR(tx)] == [("1", "transaction set 850 version 002001 is not supported")]


@pytest.mark.parametrize("version", ["003040", "003040VICS", "003070", "003070UCS", "005040", "006010VICS",
                                     "006050", "006050UCS"])
def test_the_versions_added_last_are_supported(version: str) -> None:
    """003040 and 003070 still wrote six-digit dates (YYMMDD); the others eight."""
    date = "261126" if version < "004010" else "20261126"
    body = [f"BEG*00*SA*PO123**{date}", f"DTM*002*{date}", *GOOD[1:]]
    [tx] = [e for e in read_envelopes(interchange(body, version=version)) if isinstance(e, Transaction)]
    assert VALIDATOR(tx) == []


W940_HEAD = ["W05*N*PO123*PO123", "N1*ST*STORE 12*92*0012"]
W945_HEAD = ["W06*N*PO123*261126*SHIP1", "N1*ST*STORE 12*92*0012"]


@pytest.mark.parametrize(("version", "set_id", "fid", "body", "codes"), [
    ("003040", "940", "OW", [*W940_HEAD, "W01*12*CA**VN*ABC-1", "QTY*01*12", "LX*1", "N9*LI*1"], []),
    ("003070", "940", "OW", [*W940_HEAD, "W01*12*CA**VN*ABC-1", "PER*IC*JO", "LX*1", "LH1*EA*12"], []),
    ("003070", "940", "OW", [*W940_HEAD, "LX*1", "W01*12*CA**VN*ABC-1"], ["7"]),  # 004010's layout
    ("003050", "945", "SW", [*W945_HEAD, "W12*CC*12*12**CA**VN*ABC-1", "R4*1", "W03*12"], []),
    ("003070", "945", "SW", [*W945_HEAD, "LX*1", "W12*CC*12*12**CA**VN*ABC-1", "LS*1", "LX*1", "LE*1",
                             "W03*12"], []),
    ("003070", "850", "PO", ["BEG*00*SA*PO123**261126", "PO1*1*2*EA*9.99**VN*ABC-1", "SLN*1**I*2*EA",
                             "SAC*C*D240", "CTT*1"], []),
    ("003070", "850", "PO", ["BEG*00*SA*PO123**261126", "DTM*002", "PO1*1*2*EA*9.99**VN*ABC-1", "CTT*1"], ["8", "2"]),
])
def test_the_003040_to_003070_layouts(version: str, set_id: str, fid: str, body: list[str],
                                       codes: list[str]) -> None:
    """940 (W01 loop) and 945 (W12 loop, LX in 003070) before 004010, 003070's SLN (004010's
    positions, its SAC loop) and DTM (its syntax notes name its own positions)."""
    [tx] = [e for e in read_envelopes(interchange(body, version=version, set_id=set_id, fid=fid))
            if isinstance(e, Transaction)]
    assert [f.code for f in VALIDATOR(tx) if f.is_error] == codes, VALIDATOR(tx)
