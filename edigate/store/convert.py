"""Rows to records: the ORM stays inside the store."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from edigate.store.records import (
    AuditEvent,
    Document,
    Event,
    EnvelopeSet,
    ErrorEntry,
    Outbound,
    OutboundSet,
    StageEvent,
    Transmission,
)
from edigate.store.tables import (
    AuditRow,
    DocumentRow,
    ErrorRow,
    EventRow,
    OutboundRow,
    OutboundSetRow,
    StageRow,
    TransmissionRow,
)

__all__ = ["audit", "document", "error", "event", "outbound", "outbound_set", "stage", "transmission"]


def transmission(row: TransmissionRow | Any, sets: Iterable[Any] | None = None) -> Transmission:
    """A transmission from its ORM row, or from a Core row of its columns and ``sets``,
    Core rows of its envelope sets."""
    sets = tuple(EnvelopeSet(gs06=s.gs06, functional_id=s.functional_id, set_id=s.set_id, st02=s.st02)
                 for s in (row.sets if sets is None else sets))
    return Transmission(
        id=row.id, partner=row.partner, channel=row.channel, direction=row.direction,
        file_name=row.file_name, sha256=row.sha256, size=row.size, received_at=row.received_at,
        status=row.status, stage=row.stage, finished_at=row.finished_at, isa13=row.isa13,
        usage=row.usage, archive_path=row.archive_path, parent_id=row.parent_id,
        attempt=row.attempt, claimed_by=row.claimed_by, sets=sets)


def stage(row: StageRow | Any) -> StageEvent:
    return StageEvent(id=row.id, transmission_id=row.transmission_id, stage=row.stage,
                      attempt=row.attempt, started_at=row.started_at, outcome=row.outcome,
                      finished_at=row.finished_at, duration_ms=row.duration_ms, detail=row.detail)


_ERROR_WRITTEN = ("stage", "code", "message", "severity", "code_list", "isa13", "gs06", "st02",
                  "segment_position", "segment_id", "element_position", "component_position",
                  "value", "hint", "po_number", "line_number", "sku", "buyer_item")
_ERROR_FIELDS = (*_ERROR_WRITTEN, "id", "transmission_id", "attempt", "created_at")


def error(row: ErrorRow) -> ErrorEntry:
    return ErrorEntry(**{f: getattr(row, f) for f in _ERROR_FIELDS})


def error_row(entry: ErrorEntry, transmission_id: int, attempt: int) -> ErrorRow:
    fields = {f: getattr(entry, f) for f in _ERROR_WRITTEN}
    return ErrorRow(transmission_id=transmission_id, attempt=attempt, **fields)


def document(row: DocumentRow | Any) -> Document:
    return Document(id=row.id, kind=row.kind, partner=row.partner, key=row.key, body=row.body,
                    status=row.status, transmission_id=row.transmission_id,
                    created_at=row.created_at, superseded_by=row.superseded_by,
                    amends=row.amends, decided=row.decided, ack_body=row.ack_body)


_OUTBOUND_FIELDS = ("id", "partner", "set_id", "key", "isa13", "gs06", "st02", "archive_path",
                    "sha256", "created_at", "ack_status", "transmission_id", "document_id",
                    "sent_at", "ack_due_at", "ack_result", "ack_transmission_id")


def outbound(row: OutboundRow | Any) -> Outbound:
    return Outbound(**{f: getattr(row, f) for f in _OUTBOUND_FIELDS})


def audit(row: AuditRow) -> AuditEvent:
    return AuditEvent(id=row.id, at=row.at, actor=row.actor, action=row.action, target=row.target,
                      note=row.note, transmission_id=row.transmission_id)


def event(row: EventRow) -> Event:
    return Event(id=row.id, at=row.at, kind=row.kind, severity=row.severity, code=row.code,
                 message=row.message, partner=row.partner, channel=row.channel,
                 transmission_id=row.transmission_id)


def outbound_set(row: OutboundSetRow) -> OutboundSet:
    return OutboundSet(outbound_id=row.outbound_id, st02=row.st02, document_id=row.document_id,
                       ack_status=row.ack_status, ack_result=row.ack_result)
