"""The values an envelope walk yields: a `Transaction` (ST..SE), a `FunctionalGroup`
(at GE) and an `Interchange` (at IEA), with the ISA and GS headers they name.

`edigate.x12.envelope.EnvelopeReader` builds them; everything downstream (validation,
acks, maps) reads them, so they are values, frozen, with their findings.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Union

from edigate.x12.delimiters import Delimiters
from edigate.x12.findings import Finding, no_errors
from edigate.x12.segment import Segment

__all__ = ["Event", "FunctionalGroup", "GroupHeader", "Interchange", "InterchangeHeader", "Party", "Transaction"]


@dataclass(frozen=True, slots=True)
class Party:
    """An interchange identity: ID qualifier and ID, without the padding."""

    qualifier: str
    id: str

    def __str__(self) -> str:
        return f"{self.qualifier}:{self.id}"


@dataclass(frozen=True, slots=True)
class InterchangeHeader:
    """What an ISA says, plus where it stood."""

    sender: Party
    receiver: Party
    date: str
    time: str
    control_number: str
    version: str
    usage: str
    ack_requested: bool
    delimiters: Delimiters
    segment: Segment

    @property
    def timestamp(self) -> dt.datetime | None:
        try:
            return dt.datetime.strptime(self.date + self.time, "%y%m%d%H%M")
        except ValueError:
            return None


@dataclass(frozen=True, slots=True)
class GroupHeader:
    """What a GS says."""

    functional_id: str
    sender: str
    receiver: str
    date: str
    time: str
    control_number: str
    agency: str
    version: str
    segment: Segment


@dataclass(frozen=True, slots=True)
class Transaction:
    """One transaction set: ST, body and SE (when present), and its envelope findings."""

    set_id: str
    control_number: str
    segments: tuple[Segment, ...]
    interchange: InterchangeHeader
    group: GroupHeader | None
    findings: tuple[Finding, ...] = ()

    @property
    def implementation_reference(self) -> str:
        return self.segments[0].get(3)

    @property
    def body(self) -> tuple[Segment, ...]:
        end = -1 if self.segments[-1].id == "SE" and len(self.segments) > 1 else None
        return self.segments[1:end]

    @property
    def accepted(self) -> bool:
        return no_errors(self.findings)


@dataclass(frozen=True, slots=True)
class FunctionalGroup:
    """A closed functional group: header, how many sets it held, trailer, findings."""

    header: GroupHeader
    interchange: InterchangeHeader
    set_count: int
    trailer: Segment | None
    findings: tuple[Finding, ...] = ()

    @property
    def accepted(self) -> bool:
        return no_errors(self.findings)


@dataclass(frozen=True, slots=True)
class Interchange:
    """A closed interchange: header, group count, trailer, service segments, findings."""

    header: InterchangeHeader
    group_count: int
    trailer: Segment | None
    service_segments: tuple[Segment, ...] = ()
    findings: tuple[Finding, ...] = ()

    @property
    def accepted(self) -> bool:
        return no_errors(self.findings)


Event = Union[Transaction, FunctionalGroup, Interchange]
