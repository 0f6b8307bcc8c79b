"""A file's envelope structure as one value: what `edigate x12 parse` prints.

The summary keeps per set only its id, control number, size and position, so it stays
small for large files; the segments themselves are not kept.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from edigate.x12.envelope import (
    EnvelopeReader, FunctionalGroup, GroupHeader, Interchange, InterchangeHeader, Transaction,
)
from edigate.x12.findings import FileFindings, Finding, FindingLimits, no_errors
from edigate.x12.tokenizer import Note, Source

TransactionCheck = Callable[[Transaction], Sequence[Finding]]

__all__ = ["FileSummary", "GroupSummary", "InterchangeSummary", "SetSummary", "Summarizer", "summarize"]


@dataclass(frozen=True, slots=True)
class SetSummary:
    set_id: str
    control_number: str
    segment_count: int
    offset: int
    accepted: bool

    def to_json(self) -> dict[str, Any]:
        return {"id": self.set_id, "control_number": self.control_number,
                "segments": self.segment_count, "offset": self.offset, "accepted": self.accepted}


@dataclass(frozen=True, slots=True)
class GroupSummary:
    header: GroupHeader | None
    sets: tuple[SetSummary, ...]

    def to_json(self) -> dict[str, Any]:
        h = self.header
        head: dict[str, Any] = {} if h is None else {
            "functional_id": h.functional_id, "sender": h.sender, "receiver": h.receiver,
            "date": h.date, "time": h.time, "control_number": h.control_number,
            "agency": h.agency, "version": h.version, "offset": h.segment.offset}
        return {**head, "sets": [s.to_json() for s in self.sets]}


@dataclass(frozen=True, slots=True)
class InterchangeSummary:
    header: InterchangeHeader
    groups: tuple[GroupSummary, ...]
    closed: bool

    def to_json(self) -> dict[str, Any]:
        h = self.header
        return {
            "control_number": h.control_number,
            "sender": {"qualifier": h.sender.qualifier, "id": h.sender.id},
            "receiver": {"qualifier": h.receiver.qualifier, "id": h.receiver.id},
            "date": h.date, "time": h.time, "version": h.version, "usage": h.usage,
            "ack_requested": h.ack_requested, "delimiters": h.delimiters.to_json(),
            "offset": h.segment.offset, "closed": self.closed,
            "groups": [g.to_json() for g in self.groups],
        }


@dataclass(frozen=True, slots=True)
class FileSummary:
    file: str
    segment_count: int
    interchanges: tuple[InterchangeSummary, ...]
    findings: tuple[Finding, ...]
    notes: tuple[Note, ...]

    @property
    def valid(self) -> bool:
        return no_errors(self.findings)

    @property
    def set_count(self) -> int:
        return sum(len(g.sets) for i in self.interchanges for g in i.groups)

    def to_json(self) -> dict[str, Any]:
        return {
            "file": self.file, "valid": self.valid, "segments": self.segment_count,
            "interchanges": [i.to_json() for i in self.interchanges],
            "findings": [f.to_json() for f in self.findings],
            "notes": [{"code": n.code, "message": n.message, "offset": n.offset} for n in self.notes],
        }


@dataclass
class Summarizer:
    """Builds a `FileSummary` from an `EnvelopeReader`'s events, one event at a time.

    The caller runs the per-set check, so one validation pass can feed both the summary
    and the acks (`edigate.x12.respond.summarize_and_answer`). ``on_interchange`` sees
    each interchange as soon as it closes, for output that streams.
    """

    file: str
    budget: FileFindings = field(default_factory=lambda: FileFindings(FindingLimits().per_file))
    on_interchange: Callable[[InterchangeSummary], None] | None = None
    interchanges: list[InterchangeSummary] = field(default_factory=list)
    groups: list[GroupSummary] = field(default_factory=list)
    sets: list[SetSummary] = field(default_factory=list)
    findings: list[Finding] = field(default_factory=list)

    def add(self, event: Transaction | FunctionalGroup | Interchange, extra: Sequence[Finding] = ()) -> None:
        """Take one event; ``extra`` holds the set's findings from the structural check."""
        if isinstance(event, Transaction):
            accepted = True  # a set without findings, most of a large file's, needs no more
            if event.findings or extra:
                self.findings += self.budget.take(event.findings)
                located = [f.located(file=self.file) for f in extra]
                self.findings += self.budget.take(located)
                accepted = event.accepted and no_errors(located)
            self.sets.append(SetSummary(event.set_id, event.control_number, len(event.segments),
                                        event.segments[0].offset, accepted))
            return
        self.findings += self.budget.take(event.findings)
        if isinstance(event, FunctionalGroup):
            self.groups.append(GroupSummary(event.header, tuple(self.sets)))
            self.sets.clear()
        else:
            if self.sets:
                self.groups.append(GroupSummary(None, tuple(self.sets)))
                self.sets.clear()
            closed = InterchangeSummary(event.header, tuple(self.groups), event.trailer is not None)
            self.groups.clear()
            if self.on_interchange is None:
                self.interchanges.append(closed)
            else:
                self.on_interchange(closed)

    def finish(self, reader: EnvelopeReader) -> FileSummary:
        """The summary, once ``reader`` is exhausted (its file-level findings and notes)."""
        self.findings += self.budget.take(reader.file_findings)
        if (rest := self.budget.rest(file=reader.name)) is not None:
            self.findings.append(rest)
        return FileSummary(reader.name, reader.segment_count, tuple(self.interchanges),
                           tuple(self.findings), tuple(reader.notes))


def summarize(source: Source, *, name: str | None = None, check: TransactionCheck | None = None,
              max_findings: int = FindingLimits().per_file,
              on_interchange: Callable[[InterchangeSummary], None] | None = None) -> FileSummary:
    """Read a whole file and summarize its envelopes, findings and tolerated quirks.

    ``check`` adds findings per transaction set (the structural validator). Past
    ``max_findings``, one finding says how many more there were. With ``on_interchange``
    each interchange goes there as it closes and the summary keeps none of them.
    """
    reader = EnvelopeReader(source, name=name)
    summarizer = Summarizer(reader.name, FileFindings(max_findings), on_interchange)
    for event in reader:
        extra = check(event) if check is not None and isinstance(event, Transaction) else ()
        summarizer.add(event, extra)
    return summarizer.finish(reader)
