"""The tables, as typed SQLAlchemy 2.0 declarative models.

Idempotency lives in unique constraints, so it holds across processes:

- ``transmissions (partner, direction, first_sha256)``: the first receipt of some bytes holds
  the hash in ``first_sha256``; duplicates and reprocess attempts leave it empty.
- ``interchange_keys (partner, isa13)``: the last interchange seen with that number and when,
  so a window can be applied (control numbers wrap around).
- ``documents (partner, kind, active_key)``: the current document per business key (PO number
  + purpose for orders); a superseded one gives its key up.
- ``outbound_documents (partner, key)``: one 997/855/... per purpose, so a resumed stage
  does not send twice.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import (
    Enum,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import (
    DeclarativeBase,
    Mapped,
    MappedColumn,
    mapped_column,
    relationship,
)

from edigate.store.records import (
    AckStatus,
    AuditAction,
    ControlKind,
    Direction,
    DocumentKind,
    DocumentStatus,
    EventKind,
    Outcome,
    Severity,
    Status,
)
from edigate.store.types import (
    BigId,
    UTCDateTime,
    bigid,
    created,
    hexdigest,
    ident,
    intpk,
    short,
    when,
)

__all__ = [
    "ArchiveBlobRow", "ArchiveChunkRow", "As2MdnOutRow", "As2MessageRow", "AuditRow", "Base", "ControlSequenceRow", "DocumentRow", "EnvelopeSetRow", "ErrorRow", "EventRow",
    "OutboundSetRow",
    "InterchangeKeyRow", "LeaseRow", "MarkRow", "OutboundRow", "StageRow", "TicketActionRow", "TicketLinkRow",
    "TransmissionRow",
]

NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


def _enum(cls: type, length: int = 16) -> Enum:
    """A StrEnum stored as its values in a VARCHAR, so new members need no type change."""
    return Enum(cls, native_enum=False, create_constraint=False, length=length,
                values_callable=lambda e: [m.value for m in e])


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING)


def _tx_fk(ondelete: str = "CASCADE") -> MappedColumn[Any]:
    return mapped_column(BigId, ForeignKey("transmissions.id", ondelete=ondelete), index=True)


class TransmissionRow(Base):
    __tablename__ = "transmissions"
    __table_args__ = (
        UniqueConstraint("partner", "direction", "first_sha256"),
        Index("ix_transmissions_status_id", "status", "id"),
        Index("ix_transmissions_partner_received", "partner", "received_at"),
    )

    id: Mapped[intpk]
    partner: Mapped[ident]
    channel: Mapped[ident]
    direction: Mapped[Direction] = mapped_column(_enum(Direction, 3))
    file_name: Mapped[str] = mapped_column(String(255))
    sha256: Mapped[hexdigest] = mapped_column(index=True)
    first_sha256: Mapped[str | None] = mapped_column(String(64))
    size: Mapped[int] = mapped_column(BigId)
    received_at: Mapped[created]
    finished_at: Mapped[when | None]
    status: Mapped[Status] = mapped_column(_enum(Status))
    stage: Mapped[short | None]
    isa13: Mapped[str | None] = mapped_column(String(9))
    usage: Mapped[str | None] = mapped_column(String(1))
    archive_path: Mapped[str | None] = mapped_column(String(255))
    parent_id: Mapped[int | None] = mapped_column(BigId, ForeignKey("transmissions.id"), index=True)
    attempt: Mapped[int] = mapped_column(Integer, default=1)
    claimed_by: Mapped[str | None] = mapped_column(String(128))
    lease_until: Mapped[when | None]

    sets: Mapped[list[EnvelopeSetRow]] = relationship(
        order_by="EnvelopeSetRow.id", cascade="all, delete-orphan")
    """Loaded when read: most writes touch a transmission without its sets, and lists of
    transmissions load them for all rows in one query (``selectinload``)."""


class EnvelopeSetRow(Base):
    """A functional group (GS06) or one transaction set (GS06 + ST02) of a transmission."""

    __tablename__ = "envelope_sets"
    __table_args__ = (Index("ix_envelope_sets_set_id", "set_id", "transmission_id"),)

    id: Mapped[intpk]
    transmission_id: Mapped[int] = _tx_fk()
    gs06: Mapped[str] = mapped_column(String(9))
    functional_id: Mapped[str] = mapped_column(String(2), default="")
    set_id: Mapped[str | None] = mapped_column(String(6))
    st02: Mapped[str | None] = mapped_column(String(9))


class InterchangeKeyRow(Base):
    __tablename__ = "interchange_keys"
    __table_args__ = (UniqueConstraint("partner", "isa13"),)

    id: Mapped[intpk]
    partner: Mapped[ident]
    isa13: Mapped[str] = mapped_column(String(9))
    received_at: Mapped[when]
    transmission_id: Mapped[int] = _tx_fk()


class StageRow(Base):
    """One run of one stage: the timeline `tx show` prints."""

    __tablename__ = "stage_events"

    id: Mapped[intpk]
    transmission_id: Mapped[int] = _tx_fk()
    stage: Mapped[short]
    attempt: Mapped[int] = mapped_column(Integer, default=1)
    started_at: Mapped[created]
    finished_at: Mapped[when | None]
    outcome: Mapped[Outcome] = mapped_column(_enum(Outcome))
    duration_ms: Mapped[int | None] = mapped_column(BigId)
    detail: Mapped[str] = mapped_column(Text, default="")


class ErrorRow(Base):
    __tablename__ = "error_entries"

    id: Mapped[intpk]
    transmission_id: Mapped[int] = _tx_fk()
    attempt: Mapped[int] = mapped_column(Integer, default=1)
    created_at: Mapped[created]
    stage: Mapped[short]
    severity: Mapped[Severity] = mapped_column(_enum(Severity, 8))
    code_list: Mapped[str | None] = mapped_column(String(8))
    code: Mapped[short]
    message: Mapped[str] = mapped_column(Text)
    isa13: Mapped[str | None] = mapped_column(String(9))
    gs06: Mapped[str | None] = mapped_column(String(9))
    st02: Mapped[str | None] = mapped_column(String(9))
    segment_position: Mapped[int | None] = mapped_column(Integer)
    segment_id: Mapped[str | None] = mapped_column(String(3))
    element_position: Mapped[int | None] = mapped_column(Integer)
    component_position: Mapped[int | None] = mapped_column(Integer)
    value: Mapped[str | None] = mapped_column(Text)
    hint: Mapped[str] = mapped_column(Text, default="")
    po_number: Mapped[str | None] = mapped_column(Text)
    line_number: Mapped[str | None] = mapped_column(Text)
    sku: Mapped[str | None] = mapped_column(Text)
    buyer_item: Mapped[str | None] = mapped_column(Text)


class DocumentRow(Base):
    __tablename__ = "documents"
    __table_args__ = (UniqueConstraint("partner", "kind", "active_key"),
                      Index("ix_documents_partner_kind_key", "partner", "kind", "key"))

    id: Mapped[intpk]
    kind: Mapped[DocumentKind] = mapped_column(_enum(DocumentKind))
    partner: Mapped[ident]
    key: Mapped[str] = mapped_column(String(128))
    active_key: Mapped[str | None] = mapped_column(String(128))
    body: Mapped[str] = mapped_column(Text)
    status: Mapped[DocumentStatus] = mapped_column(_enum(DocumentStatus))
    transmission_id: Mapped[int | None] = _tx_fk("SET NULL")
    created_at: Mapped[created]
    superseded_by: Mapped[int | None] = mapped_column(BigId, ForeignKey("documents.id"))
    amends: Mapped[int | None] = mapped_column(BigId, ForeignKey("documents.id"))
    decided: Mapped[str | None] = mapped_column(Text)
    ack_body: Mapped[str | None] = mapped_column(Text)


class OutboundRow(Base):
    __tablename__ = "outbound_documents"
    __table_args__ = (UniqueConstraint("partner", "key"),
                      Index("ix_outbound_documents_ack", "ack_status", "ack_due_at"))

    id: Mapped[intpk]
    partner: Mapped[ident]
    set_id: Mapped[str] = mapped_column(String(6))
    key: Mapped[str] = mapped_column(String(128))
    isa13: Mapped[str] = mapped_column(String(9))
    gs06: Mapped[str] = mapped_column(String(9))
    st02: Mapped[str] = mapped_column(String(9))
    archive_path: Mapped[str] = mapped_column(String(255))
    sha256: Mapped[hexdigest]
    created_at: Mapped[created]
    sent_at: Mapped[when | None]
    ack_due_at: Mapped[when | None]
    ack_status: Mapped[AckStatus] = mapped_column(_enum(AckStatus))
    ack_result: Mapped[str | None] = mapped_column(Text)
    ack_transmission_id: Mapped[int | None] = mapped_column(
        BigId, ForeignKey("transmissions.id", ondelete="SET NULL"))
    transmission_id: Mapped[int | None] = _tx_fk("SET NULL")
    document_id: Mapped[int | None] = mapped_column(
        BigId, ForeignKey("documents.id", ondelete="SET NULL"))


class As2MessageRow(Base):
    """An AS2 message we sent (recorded before it went) and the MDN it got, sync or async."""

    __tablename__ = "as2_messages"

    id: Mapped[intpk]
    message_id: Mapped[str] = mapped_column(String(255), unique=True)
    partner: Mapped[ident]
    as2_id: Mapped[str] = mapped_column(String(128))
    mic: Mapped[str | None] = mapped_column(String(255))
    outbound_id: Mapped[int | None] = mapped_column(
        BigId, ForeignKey("outbound_documents.id", ondelete="SET NULL"), index=True)
    sent_at: Mapped[created]
    mdn_at: Mapped[when | None]
    mdn_status: Mapped[str | None] = mapped_column(String(64))
    disposition: Mapped[str | None] = mapped_column(Text)
    mdn_text: Mapped[str | None] = mapped_column(Text)
    mdn_mode: Mapped[str] = mapped_column(String(8), default="async")
    mdn_message_id: Mapped[str | None] = mapped_column(String(255))
    mdn_verdict: Mapped[str | None] = mapped_column(String(32))
    mdn_mic: Mapped[str | None] = mapped_column(String(255))
    mdn_sha256: Mapped[str | None] = mapped_column(String(64))


class As2MdnOutRow(Base):
    """An async MDN we owe a partner, POSTed by the gateway's scheduler with bounded retries."""

    __tablename__ = "as2_mdn_outbox"

    id: Mapped[intpk]
    partner: Mapped[ident]
    original_message_id: Mapped[str] = mapped_column(String(255))
    url: Mapped[str] = mapped_column(String(2000))
    headers: Mapped[str] = mapped_column(Text)
    body: Mapped[bytes] = mapped_column(LargeBinary)
    created_at: Mapped[created]
    next_at: Mapped[when | None] = mapped_column(index=True)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    delivered_at: Mapped[when | None]
    last_error: Mapped[str | None] = mapped_column(Text)


class OutboundSetRow(Base):
    """Each transaction set of an outbound file: its ST02, the document it carries, and
    what the partner's 997/999 said of it (a bulk 855 holds up to 1,000 orders)."""

    __tablename__ = "outbound_sets"
    __table_args__ = (UniqueConstraint("outbound_id", "st02"),)

    id: Mapped[intpk]
    outbound_id: Mapped[int] = mapped_column(BigId, ForeignKey("outbound_documents.id", ondelete="CASCADE"))
    st02: Mapped[str] = mapped_column(String(9))
    document_id: Mapped[int | None] = mapped_column(
        BigId, ForeignKey("documents.id", ondelete="SET NULL"), index=True)
    ack_status: Mapped[AckStatus] = mapped_column(_enum(AckStatus))
    ack_result: Mapped[str | None] = mapped_column(Text)


class ControlSequenceRow(Base):
    """The last control number issued per partner, direction and kind."""

    __tablename__ = "control_sequences"

    partner: Mapped[str] = mapped_column(String(64), primary_key=True)
    direction: Mapped[Direction] = mapped_column(_enum(Direction, 3), primary_key=True)
    kind: Mapped[ControlKind] = mapped_column(_enum(ControlKind, 12), primary_key=True)
    last_value: Mapped[bigid]
    updated_at: Mapped[created]


class AuditRow(Base):
    __tablename__ = "audit_events"

    id: Mapped[intpk]
    at: Mapped[created]
    actor: Mapped[str] = mapped_column(String(128))
    action: Mapped[AuditAction] = mapped_column(_enum(AuditAction, 16))
    target: Mapped[str] = mapped_column(String(128), index=True)
    note: Mapped[str] = mapped_column(Text, default="")
    transmission_id: Mapped[int | None] = _tx_fk("SET NULL")



class EventRow(Base):
    """The event log: channel trouble when nothing was received, alerts, scheduler notes."""

    __tablename__ = "events"
    __table_args__ = (Index("ix_events_kind_at", "kind", "at"),)

    id: Mapped[intpk]
    at: Mapped[created]
    kind: Mapped[EventKind] = mapped_column(_enum(EventKind, 16))
    severity: Mapped[Severity] = mapped_column(_enum(Severity, 8))
    code: Mapped[str] = mapped_column(String(64))
    message: Mapped[str] = mapped_column(Text)
    partner: Mapped[str | None] = mapped_column(String(64), index=True)
    channel: Mapped[str | None] = mapped_column(String(64))
    transmission_id: Mapped[int | None] = _tx_fk("SET NULL")


class ArchiveBlobRow(Base):
    """An archived file in the database (the ``postgresql`` archive): its hash, size, and
    when it was last put (the retention sweep's clock). Its bytes are its chunks."""

    __tablename__ = "archive_blobs"

    sha256: Mapped[str] = mapped_column(String(64), primary_key=True)
    size: Mapped[bigid]
    chunks: Mapped[int] = mapped_column(Integer)
    touched_at: Mapped[when] = mapped_column(index=True)


class ArchiveChunkRow(Base):
    """One piece of an archived file, in order. A write in progress keys its chunks by a
    temporary id and renames them to the hash when the last one is in, in one transaction."""

    __tablename__ = "archive_chunks"

    blob: Mapped[str] = mapped_column(String(64), primary_key=True)
    seq: Mapped[int] = mapped_column(Integer, primary_key=True)
    data: Mapped[bytes] = mapped_column(LargeBinary)


class LeaseRow(Base):
    """A lease one gateway holds for a while (polling a channel, running a job) and renews,
    so gateways sharing the store never do it twice; one that dies lets it run out."""

    __tablename__ = "gateway_leases"

    name: Mapped[str] = mapped_column(String(128), primary_key=True)
    holder: Mapped[str | None] = mapped_column(String(128))
    expires_at: Mapped[when]
    last_run_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())


class TicketLinkRow(Base):
    """One exception's ticket in one ticket system: our event key, the system's ticket id
    once opened, where it stands on both sides."""

    __tablename__ = "ticket_links"
    __table_args__ = (UniqueConstraint("system", "event_key"),)

    id: Mapped[intpk]
    system: Mapped[ident]
    event_key: Mapped[str] = mapped_column(String(128), index=True)
    subject: Mapped[str | None] = mapped_column(String(64))
    partner: Mapped[str | None] = mapped_column(String(64))
    title: Mapped[str] = mapped_column(Text)
    external_id: Mapped[str | None] = mapped_column(String(128))
    status: Mapped[str] = mapped_column(String(16))
    remote_status: Mapped[str | None] = mapped_column(String(64))
    created_at: Mapped[created]
    opened_at: Mapped[when | None]
    closed_at: Mapped[when | None]
    checked_at: Mapped[when | None]


class TicketActionRow(Base):
    """Work for a ticket system (open, comment, close), done in order per ticket and tried
    again after a failure, so a system that is down loses nothing and blocks nothing."""

    __tablename__ = "ticket_actions"

    id: Mapped[intpk]
    link_id: Mapped[int] = mapped_column(BigId, ForeignKey("ticket_links.id", ondelete="CASCADE"), index=True)
    action: Mapped[str] = mapped_column(String(8))
    body: Mapped[str] = mapped_column(Text)
    created_at: Mapped[created]
    next_at: Mapped[when | None]
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    done_at: Mapped[when | None]
    last_error: Mapped[str | None] = mapped_column(Text)


class MarkRow(Base):
    """What the gateway must remember about systems around it, one row per (kind, key):
    a payload delivered to a destination, a webhook id seen, a poller's high-water mark,
    a fulfillment told back. The unique key makes "first time" atomic across processes."""

    __tablename__ = "connector_marks"
    __table_args__ = (UniqueConstraint("kind", "key"),)

    id: Mapped[intpk]
    kind: Mapped[str] = mapped_column(String(32))
    key: Mapped[str] = mapped_column(String(255))
    value: Mapped[str] = mapped_column(Text, default="")
    at: Mapped[created]
