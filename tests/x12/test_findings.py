"""Findings are capped per set, per interchange and per file; memory stays flat however
many broken segments a file holds."""

from __future__ import annotations

import tracemalloc
from collections.abc import Callable
from typing import TypeVar

from edigate.x12.envelope import EnvelopeReader, Transaction
from edigate.x12.findings import FileFindings, Finding, FindingLimits, Level, Severity
from edigate.x12.respond import answer_file
from edigate.x12.summary import summarize
from edigate.x12.tokenizer import tokenize
from edigate.x12.validate import Validator
from edigate.x12.writer import Counter

T = TypeVar("T")
HEAD = ("ISA*00*          *00*          *ZZ*BIGBOXRETAIL   *ZZ*EDIGATE        *261118*0930*U*00401*000000101*0*P*>~"
        "GS*PO*BIGBOX*EDIGATE*20261118*0930*1001*X*004010~")
BEG = "BEG*00*SA*4500012345**20261118~"


def broken_set(number: int, bad: int, segment: str = "A~") -> str:
    """An 850 whose body holds ``bad`` segments that are not segment IDs."""
    return f"ST*850*{number:04d}~{BEG}{segment * bad}CTT*0~SE*{bad + 4}*{number:04d}~"


def interchange(*sets: str) -> bytes:
    return (HEAD + "".join(sets) + f"GE*{len(sets)}*1001~IEA*1*000000101~").encode()


def peak(work: Callable[[], T]) -> tuple[T, int]:
    """What ``work`` returns, and the most memory Python held while it ran (bytes)."""
    tracemalloc.start()
    try:
        result = work()
        return result, tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


def only_set(data: bytes) -> Transaction:
    return next(e for e in EnvelopeReader(data) if isinstance(e, Transaction))


def test_a_set_lists_its_first_findings_then_says_how_many_more() -> None:
    found = Validator(limits=FindingLimits(per_set=10)).validate(only_set(interchange(broken_set(1, 500))))
    assert len(found) == 11 and [f.code for f in found[:10]] == ["1"] * 10
    more = found[-1]
    assert (more.level, more.code, more.severity) == (Level.TRANSACTION, "5", Severity.WARNING)  # errors listed
    assert more.message.startswith("491 more finding(s) in this set are not listed (at most 10 per set)")
    assert (more.transaction, more.group, more.interchange) == ("0001", "1001", "000000101")


def test_the_file_cap_keeps_a_rejected_set_rejected_in_the_ack() -> None:
    data = interchange(*(broken_set(n, 30) for n in range(1, 6)))
    [answer] = answer_file(data, Counter(), check=Validator(), max_findings=40)
    segments = list(tokenize(answer.data))
    assert [s.get(1) for s in segments if s.id == "AK5"] == ["R"] * 5
    assert [s.get(2) for s in segments if s.id == "AK5"][-3:] == ["5", "5", "5"]  # nothing listed, still R 5
    assert len([s for s in segments if s.id == "AK3"]) == 40
    assert next(s for s in segments if s.id == "AK9").elements[:4] == ("R", "5", "5", "0")


def test_an_ack_has_at_most_99_ak4_per_ak3() -> None:
    from edigate.x12.acks import SetOutcome, functional_ack
    from edigate.x12.envelope import FunctionalGroup

    group = next(e for e in EnvelopeReader(interchange(broken_set(1, 1))) if isinstance(e, FunctionalGroup))
    many = tuple(Finding(Level.ELEMENT, "7", "bad", segment_position=3, segment_id="BEG", element=n)
                 for n in range(1, 151))
    body = functional_ack(group.header, [SetOutcome("850", "0001", many)]).body
    assert [s.id for s in body].count("AK3") == 1 and [s.id for s in body].count("AK4") == 99


def test_stray_segments_are_capped_per_interchange() -> None:
    data = (HEAD + "ZZZ*1~" * 5_000 + f"{broken_set(1, 0)}GE*1*1001~IEA*1*000000101~").encode()
    summary = summarize(data)
    assert len(summary.findings) == 101
    assert summary.findings[-1].message.startswith("4900 more finding(s) in this interchange are not listed")
    assert (summary.findings[-1].level, summary.findings[-1].code) == (Level.INTERCHANGE, "022")


def test_a_file_lists_at_most_its_cap_then_one_finding_for_the_rest() -> None:
    data = interchange(*(broken_set(n, 300) for n in range(1, 21)))
    summary = summarize(data, check=Validator(), max_findings=250)
    assert len(summary.findings) == 251 and not summary.valid
    assert summary.findings[-1].message.startswith("1770 more finding(s) in this file are not listed")
    assert all(not s.accepted for i in summary.interchanges for g in i.groups for s in g.sets)


def test_file_findings_keep_order_and_count_the_rest() -> None:
    budget = FileFindings(2)
    findings = [Finding(Level.SEGMENT, str(n), severity=Severity.WARNING) for n in range(4)]
    assert budget.take(findings[:3]) == findings[:2]
    kept = budget.take_set([Finding(Level.SEGMENT, "8"), Finding(Level.TRANSACTION, "4")], transaction="0002")
    assert [(f.code, f.severity, f.transaction) for f in kept] == [("4", Severity.ERROR, None),
                                                                    ("5", Severity.WARNING, "0002")]
    [more] = budget.take_set([Finding(Level.ELEMENT, "7")], transaction="0003")  # no error listed: one now
    assert (more.code, more.severity, more.message[:1]) == ("5", Severity.ERROR, "1")
    rest = budget.rest()
    assert rest is not None and rest.message.startswith("3 more finding(s) in this file") and rest.is_error


def validate_all(data: bytes, keep: int) -> list[Finding]:
    """Every finding of every set, with sets kept up to ``keep`` segments (read in small
    chunks: a chunk's segments are in memory at once, whatever the sets hold)."""
    reader, validator, found = EnvelopeReader(data, chunk_size=1 << 14), Validator(), []
    reader.max_set_segments = keep
    for event in reader:
        found += event.findings
        if isinstance(event, Transaction):
            found += validator(event)
    return found


def test_memory_is_flat_however_many_broken_segments_a_set_holds() -> None:
    data = interchange(broken_set(1, 100_000))
    found, used = peak(lambda: validate_all(data, 5_000))
    assert len(found) == 102 and "more than 5,000 segments" in found[0].message
    assert found[-1].message.startswith("4899 more finding(s) in this set")  # of the 5,000 kept, 100 listed
    assert used < 6_000_000, used  # the set kept whole: about 16 MB; the tokenizer alone: about 3 MB


def test_the_se_count_still_counts_segments_that_were_not_kept() -> None:
    reader = EnvelopeReader(interchange(broken_set(1, 50)))
    reader.max_set_segments = 10
    tx = next(e for e in reader if isinstance(e, Transaction))
    assert len(tx.segments) == 11 and tx.segments[-1].id == "SE"
    assert [f.code for f in tx.findings] == ["5"]  # SE01 (54) agrees with every segment read


def test_an_se01_of_thousands_of_digits_is_a_count_mismatch() -> None:
    data = interchange(broken_set(1, 0).replace("SE*4*", "SE*" + "9" * 5_000 + "*"))
    [code] = [f.code for f in only_set(data).findings]
    assert code == "4"
