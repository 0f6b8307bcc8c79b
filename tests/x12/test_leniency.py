"""Leniency profiles: strict by default; a partner's profile turns what it names into warnings,
and the 997/999 follows (it reports errors only)."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from edigate.config import build, load_yaml
from edigate.errors import ConfigError
from edigate.x12.envelope import Interchange, Transaction, read_envelopes
from edigate.x12.findings import Finding, Severity
from edigate.x12.leniency import STRICT, Leniency
from edigate.x12.respond import answer_file
from edigate.x12.tokenizer import tokenize
from edigate.x12.validate import Validator
from edigate.x12.writer import Counter
from tests.support.interchanges import GOOD, ISA4, interchange

STRICT_VALIDATOR = Validator()
EVERYTHING = Leniency(isa_padding=True, unlisted_codes=True, trailing_separators=True, lowercase=True,
                      segment_order=True)


def _ack(data: bytes, leniency: Leniency) -> list[str]:
    validator = STRICT_VALIDATOR.lenient(leniency)
    [answer] = list(answer_file(data, Counter(), check=validator, leniency=leniency,
                                when=dt.datetime(2026, 11, 26)))
    return [s.id + "*" + "*".join(e if isinstance(e, str) else ":".join(e) for e in s.elements)
            for s in tokenize(answer.data) if s.id in ("AK3", "AK4", "AK5", "AK9", "TA1")]


def _findings(body: list[str], leniency: Leniency) -> list[Finding]:
    [tx] = [e for e in read_envelopes(interchange(body)) if isinstance(e, Transaction)]
    return STRICT_VALIDATOR.lenient(leniency).validate(tx)


CASES = {
    "trailing_separators": [GOOD[0], "N1*ST*STORE 12*92*0012*", *GOOD[2:]],
    "unlisted_codes": [GOOD[0], GOOD[1], GOOD[2], "SAC*Z*D240", GOOD[3]],
    "lowercase": [GOOD[0], GOOD[1], GOOD[2], "SAC*c*D240", GOOD[3]],
    "segment_order": [GOOD[0], "N1*ST*STORE 12*92*0012", "N4*PORTLAND*OR*97205", "N3*1 MAIN ST", *GOOD[2:]],
}


@pytest.mark.parametrize("option", sorted(CASES))
def test_strict_by_default_each_departure_rejects_the_set(option: str) -> None:
    ack = _ack(interchange(CASES[option]), STRICT)
    assert "AK5*R*5" in ack
    assert any(f.is_error for f in _findings(CASES[option], STRICT))


@pytest.mark.parametrize("option", sorted(CASES))
def test_a_profile_accepts_what_it_names_with_a_warning(option: str) -> None:
    profile = Leniency(**{option: True})
    found = _findings(CASES[option], profile)
    assert [f for f in found if f.is_error] == []
    [warning] = [f for f in found if f.severity is Severity.WARNING]
    assert warning.hint == f"accepted by the partner's leniency profile ({option})"
    assert _ack(interchange(CASES[option]), profile) == ["AK5*A", "AK9*A*1*1*1"]


def test_a_profile_accepts_only_what_it_names() -> None:
    profile = Leniency(trailing_separators=True)
    assert any(f.is_error for f in _findings(CASES["unlisted_codes"], profile))
    assert any(f.is_error for f in _findings(CASES["segment_order"], profile))


def test_lowercase_is_not_an_unlisted_code() -> None:
    found = _findings(CASES["lowercase"], Leniency(unlisted_codes=False, lowercase=True))
    assert not any(f.is_error for f in found)
    assert any(f.is_error for f in _findings(CASES["unlisted_codes"], Leniency(lowercase=True)))


def test_lowercase_segment_ids_are_read_in_upper_case() -> None:
    body = [GOOD[0], "n1*ST*STORE 12*92*0012", *GOOD[2:]]
    assert any(f.is_error for f in _findings(body, STRICT))
    found = _findings(body, Leniency(lowercase=True))
    assert [(f.severity, f.segment_id) for f in found] == [(Severity.WARNING, "n1")]


def test_segment_order_keeps_the_walk_where_it_was() -> None:
    body = [GOOD[0], "N1*ST*STORE 12*92*0012", "N4*PORTLAND*OR*97205", "N3*1 MAIN ST", "N3*2 MAIN ST",
            "N3*3 MAIN ST", *GOOD[2:]]
    found = _findings(body, Leniency(segment_order=True))
    assert [f.code for f in found if f.is_error] == ["5"]  # N3 is used at most twice in the N1 loop


UNPADDED = ISA4.replace("SENDER         ", "SENDER").replace("000000042", "42")


def test_unpadded_isa_fields_are_rejected_unless_the_profile_accepts_them() -> None:
    data = interchange(GOOD).replace(ISA4.encode(), UNPADDED.encode()).replace(b"IEA*1*000000042", b"IEA*1*42")
    [strict] = [e for e in read_envelopes(data) if isinstance(e, Interchange)]
    assert sorted((f.code, f.element) for f in strict.findings if f.is_error) == [("006", 6), ("018", 13)]
    [lenient] = [e for e in read_envelopes(data, leniency=Leniency(isa_padding=True)) if isinstance(e, Interchange)]
    assert [f for f in lenient.findings if f.is_error] == []
    notes = {f.element: f.hint for f in lenient.findings}
    assert notes[6] == notes[13] == "accepted by the partner's leniency profile (isa_padding)"


def test_a_partner_yaml_reads_its_profile(tmp_path: Path) -> None:
    path = tmp_path / "p.yaml"
    path.write_text("unlisted_codes: true\nlowercase: true\n", encoding="utf-8")
    built = build(Leniency, load_yaml(path), base=tmp_path)
    assert built.value == Leniency(unlisted_codes=True, lowercase=True)
    assert built.value.options == ("unlisted_codes", "lowercase")
    assert Leniency() == STRICT and STRICT.options == ()
    path.write_text("lowercase: yes please\n", encoding="utf-8")
    with pytest.raises(ConfigError):
        build(Leniency, load_yaml(path), base=tmp_path)


def _version_findings(body: list[str], version: str, leniency: Leniency) -> list[tuple[str, str, str]]:
    [tx] = [e for e in read_envelopes(interchange(body, version=version)) if isinstance(e, Transaction)]
    return [(f.code, f.severity.value, f.element_ref) for f in STRICT_VALIDATOR.lenient(leniency).validate(tx)
            if f.element_ref]


def test_a_code_outside_a_complete_004010_list_is_an_error_unless_the_profile_accepts_it() -> None:
    """PO103 "XQ" is in no 004010 unit list (codes-004010.yaml has 355's whole list): AK4 7 under
    the strict profile, a warning under one with unlisted_codes; 005010's list is partial: I6."""
    body = [GOOD[0], GOOD[1], GOOD[2].replace("*EA*", "*XQ*", 1), GOOD[3]]
    assert "*XQ*" in body[2]
    assert _version_findings(body, "004010", STRICT) == [("7", "error", "355")]
    assert _version_findings(body, "004010VICS", STRICT) == [("7", "error", "355")]
    assert _version_findings(body, "004010", Leniency(unlisted_codes=True)) == [("7", "warning", "355")]
    assert _version_findings(body, "005010", STRICT) == [("I6", "warning", "355")]
    every_004010_unit = [GOOD[0], GOOD[1], GOOD[2].replace("*EA*", "*ST*", 1), GOOD[3]]  # ST (set)
    assert _version_findings(every_004010_unit, "004010", STRICT) == []
