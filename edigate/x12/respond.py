"""Answers to a received file: one ack interchange per inbound interchange.

Each answer holds a TA1 when the sender asked for one (ISA14=1) or the interchange
envelope is in error, and a functional group of 997s or 999s, one per inbound group.
An answer never contradicts itself: an interchange rejected (an envelope error, or a
group header no AK1 can name) gets a rejecting TA1, whatever the TA1 policy, and no
functional acks; the TA1 carries the code the envelope finding has (TA1 024 for a GS07
of ``U``, say), the one `edigate x12 validate` reports.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from typing import Literal

from edigate.x12.acks import AckKind, SetOutcome, ack_envelope, ack_kind_for, functional_ack, ta1
from edigate.x12.checks import ascii_digits
from edigate.x12.findings import FileFindings, Finding, FindingLimits, Level
from edigate.x12.envelope import EnvelopeReader, FunctionalGroup, GroupHeader, Interchange, Transaction
from edigate.x12.leniency import STRICT, Leniency
from edigate.x12.summary import FileSummary, Summarizer, TransactionCheck
from edigate.x12.tokenizer import Source
from edigate.x12.writer import ControlNumbers, GroupContent, TransactionContent, write_interchange

__all__ = ["AckRequest", "Answer", "Responder", "answer_file", "summarize_and_answer"]


@dataclass(frozen=True, slots=True)
class AckRequest:
    """Which acks to write: a functional ack kind (or the version's own), and TA1 policy."""

    functional: AckKind | Literal["auto", "none"] = "auto"
    ta1: Literal["requested", "always", "never"] = "requested"


@dataclass(frozen=True, slots=True)
class Answer:
    """One ack interchange, ready to send, and the inbound control number it answers."""

    answers_interchange: str
    data: bytes
    ta1: bool
    functional_acks: int
    rejected: bool = False
    """The interchange was rejected (TA1 R): none of its sets is to be processed."""


@dataclass
class _Pending:
    sets: list[SetOutcome] = field(default_factory=list)
    acks: list[tuple[AckKind, TransactionContent]] = field(default_factory=list)
    first_group: GroupHeader | None = None
    unaddressable: bool = False
    envelope_findings: list[Finding] = field(default_factory=list)
    """Interchange-level findings its groups carry (a GS that a TA1 024 answers)."""


def _addressable(group: GroupHeader, kind: AckKind) -> bool:
    """Whether an AK1 can name the group: GS01 two letters, GS06 one to nine digits, and for
    a 999 (whose AK103 repeats it) GS08 text."""
    fid, number, version = group.functional_id, group.control_number, group.version
    plain_version = 1 <= len(version) <= 12 and version.isascii() and version.isprintable()
    named = len(fid) == 2 and fid.isalnum() and number.isdigit() and len(number) <= 9
    return named and (plain_version or kind == "997")


def _kind(request: AckRequest, group: GroupHeader) -> AckKind | None:
    if request.functional == "none" or group.functional_id == "FA":
        return None  # acks are never acknowledged
    return ack_kind_for(group) if request.functional == "auto" else request.functional


class Responder:
    """Answers built from an `EnvelopeReader`'s events, one event at a time.

    The caller runs the per-set check and hands its findings in, so the same pass can
    also build the file's summary (`summarize_and_answer`).
    """

    def __init__(self, numbers: ControlNumbers, request: AckRequest = AckRequest(), *,
                 when: dt.datetime | None = None, max_findings: int = FindingLimits().per_file) -> None:
        self.numbers, self.request, self.when = numbers, request, when
        self.budget = FileFindings(max_findings)
        self.pending = _Pending()

    def add(self, event: Transaction | FunctionalGroup | Interchange,
            extra: Sequence[Finding] = ()) -> Answer | None:
        """Take one event; the answer to an interchange once its IEA (or the end) is read."""
        pending = self.pending
        if isinstance(event, Transaction):
            found = self.budget.take_set((*event.findings, *extra), transaction=event.control_number,
                                         set_id=event.set_id)
            pending.sets.append(SetOutcome(event.set_id, event.control_number, tuple(found),
                                           event.implementation_reference))
        elif isinstance(event, FunctionalGroup):
            self._group(event)
        else:
            self.pending = _Pending()
            return _answer(event, pending, self.numbers, self.request, self.when)
        return None

    def _group(self, event: FunctionalGroup) -> None:
        pending = self.pending
        pending.envelope_findings += [f for f in event.findings if f.level is Level.INTERCHANGE]
        kind = _kind(self.request, event.header)
        if kind is not None and not _addressable(event.header, kind):
            pending.unaddressable = True  # no AK1 can name this group: answer with TA1 024
        elif kind is not None:
            declared = event.trailer.get(1) if event.trailer else ""
            included = int(declared) if ascii_digits(declared) else event.set_count
            pending.acks.append((kind, functional_ack(event.header, pending.sets, event.findings,
                                                      kind=kind, received=included)))
        pending.first_group = pending.first_group or event.header
        pending.sets.clear()


def answer_file(source: Source, numbers: ControlNumbers, *, request: AckRequest = AckRequest(),
                check: TransactionCheck | None = None, name: str | None = None,
                when: dt.datetime | None = None, max_findings: int = FindingLimits().per_file,
                leniency: Leniency = STRICT) -> Iterator[Answer]:
    """Read ``source`` and yield the answer to each interchange in it.

    ``check`` adds structural findings per transaction (the validator); without it the
    acks report envelope findings only. The acks list at most ``max_findings`` of the
    file's set findings; a set whose findings did not fit is still rejected (AK5 5).
    ``leniency`` is the partner's profile: what it accepts is a warning, and acks report
    errors only.
    """
    responder = Responder(numbers, request, when=when, max_findings=max_findings)
    for event in EnvelopeReader(source, name=name, leniency=leniency):
        extra = check(event) if check is not None and isinstance(event, Transaction) else ()
        if (answer := responder.add(event, extra)) is not None:
            yield answer


def summarize_and_answer(source: Source, numbers: ControlNumbers, *, request: AckRequest = AckRequest(),
                         check: TransactionCheck | None = None, name: str | None = None,
                         max_findings: int = FindingLimits().per_file) -> tuple[FileSummary, list[Answer]]:
    """The file's summary and its answers from one read and one structural check per set:
    what `edigate x12 validate --ack` prints and writes."""
    reader = EnvelopeReader(source, name=name)
    summarizer = Summarizer(reader.name, FileFindings(max_findings))
    responder = Responder(numbers, request, max_findings=max_findings)
    answers: list[Answer] = []
    for event in reader:
        extra = check(event) if check is not None and isinstance(event, Transaction) else ()
        summarizer.add(event, extra)
        if (answer := responder.add(event, extra)) is not None:
            answers.append(answer)
    return summarizer.finish(reader), answers


def _answer(event: Interchange, pending: _Pending, numbers: ControlNumbers, request: AckRequest,
            when: dt.datetime | None) -> Answer | None:
    findings = (*event.findings, *pending.envelope_findings)
    if pending.unaddressable and not any(f.code == "024" and f.is_error for f in findings):
        findings += (Finding(Level.INTERCHANGE, "024", "a functional group header cannot be acknowledged"),)
    rejected = any(f.is_error and f.level is Level.INTERCHANGE for f in findings)
    wants_ta1 = rejected or request.ta1 == "always" or (request.ta1 == "requested" and event.header.ack_requested)
    service = (ta1(event.header, findings),) if wants_ta1 else ()
    acks = [] if rejected else pending.acks  # a rejected interchange: its groups are not acknowledged
    groups = [GroupContent("FA", tuple(t for k, t in acks if k == kind),
                           version="005010X231A1" if kind == "999" else "004010")
              for kind in ("997", "999") if any(k == kind for k, _ in acks)]
    if not service and not groups:
        return None
    only_999 = bool(acks) and all(k == "999" for k, _ in acks)
    env = ack_envelope(event.header, pending.first_group, version="00501" if only_999 else None)
    data = write_interchange(env, groups, numbers, when=when, service=service)
    return Answer(event.header.control_number, data, bool(service), len(acks), rejected)
