"""What the store hands out and takes in: frozen values, never ORM objects.

The enumerations are the vocabulary the pipeline and the CLI share with the database; their
values are what is stored, so renaming a member means a migration.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from enum import StrEnum

from edigate.errors import Severity
from edigate.orders.book import DocumentStatus

__all__ = [
    "As2MdnOut", "As2Message", "AckStatus", "AuditAction", "AuditEvent", "ControlKind", "Direction", "Document",
    "DocumentKind", "DocumentStatus", "EnvelopeSet", "ErrorEntry", "Interchange", "NewDocument",
    "Event", "EventKind", "Outbound", "OutboundSet",
    "Outcome", "Received", "SavedDocument", "Severity", "StageEvent", "Status", "Transmission",
]


class Direction(StrEnum):
    IN = "in"
    OUT = "out"


class Status(StrEnum):
    """Where a transmission stands; ``failed`` and ``held`` name the stage in ``stage``."""

    RECEIVED = "received"
    PROCESSING = "processing"
    DONE = "done"
    HELD = "held"
    FAILED = "failed"
    DUPLICATE = "duplicate"
    RESOLVED = "resolved"
    SUPERSEDED = "superseded"
    """A failed attempt a later attempt (``tx reprocess``) got through: nothing left to do."""

    @property
    def is_open(self) -> bool:
        """Still needs work or a person: its archived bytes must be kept."""
        return self in (Status.RECEIVED, Status.PROCESSING, Status.HELD, Status.FAILED)


class Outcome(StrEnum):
    RUNNING = "running"
    OK = "ok"
    HELD = "held"
    FAILED = "failed"
    SKIPPED = "skipped"


class EventKind(StrEnum):
    """What wrote an entry in the event log: a channel (poll, connect, send) or an alert."""

    CHANNEL = "channel"
    ALERT = "alert"
    SCHEDULER = "scheduler"


class DocumentKind(StrEnum):
    ORDER = "order"
    POACK = "poack"
    SHIPMENT = "shipment"
    INVOICE = "invoice"
    ACK = "ack"


class AckStatus(StrEnum):
    NOT_EXPECTED = "not_expected"
    PENDING = "pending"
    ACCEPTED = "accepted"
    PARTIAL = "partial"
    REJECTED = "rejected"


class AuditAction(StrEnum):
    REPROCESS = "reprocess"
    RESOLVE = "resolve"
    OVERRIDE = "override"
    RESEND = "resend"
    CONFIG_CHANGE = "config-change"
    AMEND = "amend"


class ControlKind(StrEnum):
    INTERCHANGE = "interchange"
    GROUP = "group"
    TRANSACTION = "transaction"


@dataclass(frozen=True, slots=True)
class EnvelopeSet:
    """One functional group, or one transaction set inside it, of a transmission."""

    gs06: str
    functional_id: str = ""
    set_id: str | None = None
    st02: str | None = None


@dataclass(frozen=True, slots=True)
class Transmission:
    id: int
    partner: str
    channel: str
    direction: Direction
    file_name: str
    sha256: str
    size: int
    received_at: dt.datetime
    status: Status
    stage: str | None = None
    finished_at: dt.datetime | None = None
    isa13: str | None = None
    usage: str | None = None
    archive_path: str | None = None
    parent_id: int | None = None
    attempt: int = 1
    claimed_by: str | None = None
    sets: tuple[EnvelopeSet, ...] = ()


@dataclass(frozen=True, slots=True)
class Replacement:
    """A corrected file a reprocess attempt runs instead of the archived bytes (archived already)."""

    file_name: str
    sha256: str
    size: int
    archive_path: str | None


@dataclass(frozen=True, slots=True)
class Received:
    """The outcome of recording a file: its transmission, and the original when a duplicate."""

    transmission: Transmission
    duplicate_of: int | None = None

    @property
    def is_duplicate(self) -> bool:
        return self.duplicate_of is not None


@dataclass(frozen=True, slots=True)
class Interchange:
    """An earlier interchange with the same partner and ISA13, inside the window."""

    partner: str
    isa13: str
    transmission_id: int
    received_at: dt.datetime


@dataclass(frozen=True, slots=True)
class StageEvent:
    id: int
    transmission_id: int
    stage: str
    attempt: int
    started_at: dt.datetime
    outcome: Outcome
    finished_at: dt.datetime | None = None
    duration_ms: int | None = None
    detail: str = ""


@dataclass(frozen=True, slots=True)
class ErrorEntry:
    """One line of a transmission's error log (DESIGN.md, "Error log entries")."""

    stage: str
    code: str
    message: str
    severity: Severity = Severity.ERROR
    code_list: str | None = None
    isa13: str | None = None
    gs06: str | None = None
    st02: str | None = None
    segment_position: int | None = None
    segment_id: str | None = None
    element_position: int | None = None
    component_position: int | None = None
    value: str | None = None
    hint: str = ""
    po_number: str | None = None
    """For an order's finding: its PO number, PO1 line number (PO101), our SKU and the
    buyer's item number."""
    line_number: str | None = None
    sku: str | None = None
    buyer_item: str | None = None
    id: int | None = None
    transmission_id: int | None = None
    attempt: int | None = None
    created_at: dt.datetime | None = None


@dataclass(frozen=True, slots=True)
class Document:
    id: int
    kind: DocumentKind
    partner: str
    key: str
    body: str
    status: DocumentStatus
    transmission_id: int | None
    created_at: dt.datetime
    superseded_by: int | None = None
    """A newer version of this document under the same key (our correction, e.g. a price override)."""
    amends: int | None = None
    """The earlier order this one cancels, replaces or changes (the buyer's BEG01)."""
    decided: str | None = None
    """The order as decided, when that differs from ``body`` as received: what routing sends."""
    ack_body: str | None = None
    """The 855 body the rules stage rendered for this order (see `edigate.x12.segment.dump_segments`),
    or the one a specialist's release answers with; None when it has none, or when a specialist
    changed the order's status otherwise since."""


@dataclass(frozen=True, slots=True)
class NewDocument:
    """A document to save: ``key`` is its business key (orders: PO number + purpose, see `edigate.orders.purposes.order_key`)."""

    kind: DocumentKind
    partner: str
    key: str
    body: str
    transmission_id: int | None
    status: DocumentStatus = DocumentStatus.ACCEPTED
    supersedes: int | None = None


@dataclass(frozen=True, slots=True)
class SavedDocument:
    """A saved document; ``duplicate_of`` is set when another transmission already holds its key."""

    document: Document | None
    duplicate_of: Document | None = None
    created: bool = True


@dataclass(frozen=True, slots=True)
class Outbound:
    id: int
    partner: str
    set_id: str
    key: str
    isa13: str
    gs06: str
    st02: str
    archive_path: str
    sha256: str
    created_at: dt.datetime
    ack_status: AckStatus
    transmission_id: int | None = None
    document_id: int | None = None
    sent_at: dt.datetime | None = None
    ack_due_at: dt.datetime | None = None
    ack_result: str | None = None
    ack_transmission_id: int | None = None


@dataclass(frozen=True, slots=True)
class OutboundSet:
    """One transaction set of an outbound file, the document it carries and its ack."""

    outbound_id: int
    st02: str
    document_id: int | None
    ack_status: AckStatus
    ack_result: str | None = None


@dataclass(frozen=True, slots=True)
class AuditEvent:
    id: int
    at: dt.datetime
    actor: str
    action: AuditAction
    target: str
    note: str = ""
    transmission_id: int | None = None


@dataclass(frozen=True, slots=True)
class Event:
    """One line of the event log: what happened outside any transmission's own error log
    (a channel that could not connect, an alert raised, a scheduler start or stop)."""

    id: int
    at: dt.datetime
    kind: EventKind
    severity: Severity
    code: str
    message: str
    partner: str | None = None
    channel: str | None = None
    transmission_id: int | None = None


@dataclass(frozen=True, slots=True)
class As2Message:
    """An AS2 message we sent, recorded before it went, and its MDN once it came
    (``mdn_status`` None while it is awaited; anything but ``processed`` is a failure;
    ``mdn_verdict`` says whether the MDN's signature and MIC held; ``mdn_sha256`` is the
    MDN as received, in the archive)."""

    id: int
    message_id: str
    partner: str
    as2_id: str
    mic: str | None
    outbound_id: int | None
    sent_at: dt.datetime
    mdn_at: dt.datetime | None = None
    mdn_status: str | None = None
    disposition: str | None = None
    mdn_text: str | None = None
    mdn_mode: str = "async"
    mdn_message_id: str | None = None
    mdn_verdict: str | None = None
    mdn_mic: str | None = None
    mdn_sha256: str | None = None

    @property
    def ok(self) -> bool:
        return self.mdn_status == "processed"


@dataclass(frozen=True, slots=True)
class As2MdnOut:
    """An async MDN we owe a partner: where it goes, what it is, how delivery went."""

    id: int
    partner: str
    original_message_id: str
    url: str
    headers: tuple[tuple[str, str], ...]
    body: bytes
    created_at: dt.datetime
    attempts: int = 0
    next_at: dt.datetime | None = None
    delivered_at: dt.datetime | None = None
    last_error: str | None = None
