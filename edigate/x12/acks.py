"""Functional acknowledgments (997 for 004010 groups, 999 for 005010) and TA1.

Findings carry the code list and position an ack needs; this module only arranges them:
AK3/IK3 per segment in error, AK4/IK4 per element, AK5/IK5 per set, AK9 per group, and a
TA1 per interchange when the sender asked (ISA14=1) or the envelope is broken. The ack goes
back in the sender's interchange turned around: their delimiters, our control numbers.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from itertools import groupby
from typing import Literal

from edigate.x12.checks import ascii_digits, valid_date, valid_id_qualifier, valid_time
from edigate.x12.delimiters import Delimiters
from edigate.x12.codes import describe
from edigate.x12.envelope import GroupHeader, InterchangeHeader, Party
from edigate.x12.findings import Finding, Level
from edigate.x12.segment import Composite, Segment
from edigate.x12.writer import Envelope, TransactionContent

__all__ = [
    "AckKind", "GroupAck", "SetAck", "SetOutcome", "read_functional_ack", "ack_envelope", "ack_kind_for", "functional_ack", "group_status", "set_status", "ta1",
]

AckKind = Literal["997", "999"]
_MAX_AK5_CODES = 5
_MAX_AK9_CODES = 5
_MAX_AK4 = 99
"""AK4 (IK4) repeats at most 99 times per AK3 (IK3) in the 997 and 999."""


@dataclass(frozen=True, slots=True)
class SetOutcome:
    """What the ack says of one transaction set: its identity and its findings."""

    set_id: str
    control_number: str
    findings: tuple[Finding, ...] = ()
    implementation_reference: str = ""
    business_id: tuple[str, str] | None = None
    """For 999 CTX: the element naming the document and its value, e.g. ("BEG03", "PO123")."""


def ack_kind_for(group: GroupHeader) -> AckKind:
    """997 answers groups before 005010, 999 answers 005010 and later."""
    return "999" if group.version[:6] >= "005010" else "997"


def set_status(outcome: SetOutcome) -> str:
    """A accepted, R rejected: a set with any error is rejected."""
    return "R" if any(f.is_error for f in outcome.findings) else "A"


def group_status(statuses: Sequence[str], group_findings: Sequence[Finding]) -> str:
    """AK901: A all accepted, R none (or the group itself in error), P some."""
    if any(f.is_error for f in group_findings) or (statuses and all(s == "R" for s in statuses)):
        return "R"
    return "P" if "R" in statuses else "A"


def functional_ack(group: GroupHeader, sets: Sequence[SetOutcome], group_findings: Sequence[Finding] = (),
                   *, kind: AckKind | None = None, received: int | None = None) -> TransactionContent:
    """The 997 or 999 transaction set answering one functional group."""
    kind = kind or ack_kind_for(group)
    ak1 = (group.functional_id, group.control_number) + ((group.version,) if kind == "999" else ())
    body: list[Segment] = [Segment("AK1", ak1)]
    statuses = []
    for outcome in sets:
        status = set_status(outcome)
        statuses.append(status)
        if _nameable(outcome):
            body += _set_response(outcome, status, kind)
    codes = _codes(group_findings, Level.GROUP, _MAX_AK9_CODES)
    included = received if received is not None else len(sets)
    status = group_status(statuses, group_findings)
    accepted = 0 if status == "R" else statuses.count("A")
    body.append(Segment("AK9", (status, str(included), str(len(sets)), str(accepted), *codes)))
    reference = "005010X231A1" if kind == "999" else ""
    return TransactionContent(kind, tuple(body), reference)


def _nameable(outcome: SetOutcome) -> bool:
    """Whether an AK2 can name the set (ST01 three characters, ST02 four to nine).

    A set whose ST cannot be named still counts as received and not accepted in AK9.
    """
    return _plain(outcome.set_id, 3, 3) and _plain(outcome.control_number, 4, 9)


def _plain(text: str, low: int, high: int) -> bool:
    return low <= len(text) <= high and text.isascii() and text.isalnum()


def _set_response(outcome: SetOutcome, status: str, kind: AckKind) -> Iterator[Segment]:
    ak2: tuple[str, ...] = (outcome.set_id, outcome.control_number)
    if kind == "999" and outcome.implementation_reference:
        ak2 += (outcome.implementation_reference,)
    yield Segment("AK2", ak2)
    yield from _segment_errors(outcome, kind)
    codes = _codes(outcome.findings, Level.TRANSACTION, _MAX_AK5_CODES)
    if status == "R" and not codes:
        codes = ["I5" if kind == "999" and _only_implementation(outcome.findings) else "5"]
    yield Segment("IK5" if kind == "999" else "AK5", (status, *codes))


def _only_implementation(findings: Iterable[Finding]) -> bool:
    errors = [f for f in findings if f.is_error and f.level in (Level.SEGMENT, Level.ELEMENT)]
    return bool(errors) and all(f.code.startswith("I") for f in errors)


def _segment_errors(outcome: SetOutcome, kind: AckKind) -> Iterator[Segment]:
    located = [f for f in outcome.findings if f.is_error and f.level in (Level.SEGMENT, Level.ELEMENT)]
    located.sort(key=lambda f: (f.segment_position or 0, f.level is Level.ELEMENT))
    for _, same in groupby(located, key=lambda f: f.segment_position or 0):
        errors = list(same)
        first = errors[0]
        code = first.code if first.level is Level.SEGMENT else "8"
        yield Segment("IK3" if kind == "999" else "AK3",
                      (_segment_code(first.segment_id), str(first.segment_position or 0), first.loop_id or "", code))
        if kind == "999" and outcome.business_id:
            yield Segment("CTX", (Composite(outcome.business_id),))
        for f in [f for f in errors if f.level is Level.ELEMENT][:_MAX_AK4]:
            yield _element_error(f, kind)


def _element_error(f: Finding, kind: AckKind) -> Segment:
    parts = [str(f.element or 0)]
    if f.component is not None or f.repetition is not None:
        parts.append(str(f.component) if f.component is not None else "")
    if f.repetition is not None:
        parts.append(str(f.repetition))
    position = Composite(parts) if len(parts) > 1 else parts[0]
    value = _safe(f.value or "")[:99]
    return Segment("IK4" if kind == "999" else "AK4", (position, _element_ref(f.element_ref), f.code, value))


def _element_ref(ref: str | None) -> str:
    """AK402/IK402 is a data element number (N0, 1-4 digits); a composite's id such as C040
    has none, and the position already names it, so it is left out."""
    return ref if ref and ascii_digits(ref) and len(ref) <= 4 else ""


def _segment_code(segment_id: str | None) -> str:
    """AK301 must be 2-3 letters or digits even when the segment it names had a broken ID."""
    kept = "".join(c for c in (segment_id or "") if c.isascii() and c.isalnum()).upper()[:3]
    return kept.ljust(2, "X")


def _safe(value: str) -> str:
    """A bad value is copied into AK404, which must not carry delimiters or control bytes."""
    return "".join(c if c.isalnum() or c in " .-/&(),#'" else "?" for c in value)


def _codes(findings: Iterable[Finding], level: Level, limit: int) -> list[str]:
    codes: list[str] = []
    for f in findings:
        if f.is_error and f.level is level and f.code not in codes:
            codes.append(f.code)
    return codes[:limit]


def ta1(header: InterchangeHeader, findings: Sequence[Finding]) -> Segment:
    """TA1 answering one interchange: R with the first error's note code, else A 000."""
    errors = [f for f in findings if f.is_error and f.level is Level.INTERCHANGE]
    status, code = ("R", errors[0].code) if errors else ("A", "000")
    number = header.control_number if header.control_number.isdigit() and len(header.control_number) == 9 \
        else "000000000"  # an ISA13 that is not 9 digits cannot be echoed; 018 says why
    date = header.date if valid_date(header.date) and len(header.date) == 6 else "000101"
    time = header.time if valid_time(header.time) and len(header.time) == 4 else "0000"
    return Segment("TA1", (number, date, time, status, code))


def ack_envelope(inbound: InterchangeHeader, group: GroupHeader | None, *, version: str | None = None,
                 usage: str | None = None) -> Envelope:
    """The inbound interchange turned around: our side sends, theirs receives, same delimiters.

    An inbound envelope can be broken in the very fields an answer is addressed with (an
    ISA06 too long, a qualifier holding a control byte); such values are cleaned so the
    TA1 that reports the problem can still be written. The pipeline addresses answers with
    the partner's configured identities instead.
    """
    isa_version = version if version else inbound.version if _is_version(inbound.version) else "00401"
    banned = inbound.delimiters.chars
    return Envelope(
        sender=_clean_party(inbound.receiver, banned), receiver=_clean_party(inbound.sender, banned),
        gs_sender=_clean(group.receiver if group else inbound.receiver.id, 15, "UNKNOWN", banned),
        gs_receiver=_clean(group.sender if group else inbound.sender.id, 15, "UNKNOWN", banned),
        version=isa_version, gs_version=_ack_gs_version(group),
        usage=usage if usage else inbound.usage if inbound.usage in ("P", "T", "I") else "P",
        delimiters=_answerable_delimiters(inbound.delimiters),
    )


def _ack_gs_version(group: GroupHeader | None) -> str:
    """GS08 of our answer: 005010X231A1 for a 999; for a 997 the version of the group it
    answers (003050 ... 004060, read without an industry suffix such as VICS), else 004010."""
    if group and ack_kind_for(group) == "999":
        return "005010X231A1"
    base = group.version[:6] if group else ""
    return base if base.isdigit() and "003040" <= base < "005010" else "004010"


def _is_version(text: str) -> bool:
    return len(text) == 5 and text.isdigit()


def _clean(text: str, width: int, fallback: str, banned: frozenset[str]) -> str:
    kept = "".join(c for c in text if c.isascii() and c.isprintable() and c not in banned)
    kept = kept.strip()[:width].strip()
    return kept if len(kept) >= 2 else fallback


def _clean_party(party: Party, banned: frozenset[str]) -> Party:
    qualifier = party.qualifier if valid_id_qualifier(party.qualifier) else "ZZ"
    return Party(qualifier, _clean(party.id, 15, "UNKNOWN", banned))


def _answerable_delimiters(d: Delimiters) -> Delimiters:
    """The sender's delimiters, unless ISA11/ISA16 are not ASCII (TA1 027): then plain ones."""
    if d.component.isascii() and (d.repetition is None or d.repetition.isascii()):
        return d
    used = {d.element, d.segment}
    component = next(c for c in ">:^|" if c not in used)
    repetition = next(c for c in "^|!`" if c not in used | {component}) if d.repetition else None
    return Delimiters(d.element, component, d.segment, repetition, d.suffix)


_STATUS = {"A": "accepted", "E": "accepted with errors", "P": "partially accepted", "R": "rejected",
           "M": "rejected", "W": "rejected", "X": "rejected"}


@dataclass(frozen=True, slots=True)
class SetAck:
    """What a received 997/999 says of one of our transaction sets."""

    set_id: str
    control_number: str
    status: str
    codes: tuple[str, ...]
    errors: tuple[str, ...]
    """Each AK3/IK3 and AK4/IK4 in plain words, in the order received."""

    @property
    def accepted(self) -> bool:
        return self.status.startswith("accepted")


@dataclass(frozen=True, slots=True)
class GroupAck:
    """What a received 997/999 says of one of our functional groups."""

    functional_id: str
    control_number: str
    status: str
    included: int
    received: int
    accepted: int
    codes: tuple[str, ...]
    sets: tuple[SetAck, ...]


def read_functional_ack(body: Sequence[Segment]) -> GroupAck:
    """Read the body of a received 997 or 999 (segments between ST and SE)."""
    group: tuple[str, str] = ("", "")
    sets: list[SetAck] = []
    current: dict[str, object] | None = None
    for seg in body:
        if seg.id == "AK1":
            group = (seg.get(1), seg.get(2))
        elif seg.id == "AK2":
            current = {"id": seg.get(1), "number": seg.get(2), "errors": []}
        elif seg.id in ("AK3", "IK3") and current is not None:
            current["errors"].append(  # type: ignore[attr-defined]
                f"segment {seg.get(1)} at {seg.get(2)}: {describe('AK3', seg.get(4))}")
        elif seg.id in ("AK4", "IK4") and current is not None:
            current["errors"].append(  # type: ignore[attr-defined]
                f"  element {seg.get(1)} ({seg.get(2) or '?'}): {describe('AK4', seg.get(3))}"
                + (f", value {seg.get(4)!r}" if seg.get(4) else ""))
        elif seg.id in ("AK5", "IK5") and current is not None:
            codes = tuple(seg.get(n) for n in range(2, 7) if seg.get(n))
            sets.append(SetAck(str(current["id"]), str(current["number"]), _STATUS.get(seg.get(1), "rejected"),
                               codes, tuple(current["errors"])))  # type: ignore[arg-type]
            current = None
        elif seg.id == "AK9":
            included, received, accepted = (int(v) if ascii_digits(v) else 0
                                            for v in (seg.get(2), seg.get(3), seg.get(4)))
            codes = tuple(seg.get(n) for n in range(5, 10) if seg.get(n))
            return GroupAck(group[0], group[1], _STATUS.get(seg.get(1), "rejected"), included, received, accepted,
                            codes, tuple(sets))
    return GroupAck(group[0], group[1], "rejected", 0, 0, 0, ("AK9 missing",), tuple(sets))
