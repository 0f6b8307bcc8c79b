"""Documents (canonical JSON), outbound documents and their acks, the audit trail."""

from __future__ import annotations

import dataclasses
import datetime as dt
import functools
from collections.abc import Collection, Iterator, Mapping, Sequence
from typing import Any

from sqlalchemy import bindparam, func, insert, select, update
from sqlalchemy.orm import Session

from edigate.errors import UsageError
from edigate.store import convert, core
from edigate.store.base import StoreBase
from edigate.store.records import (
    AckStatus,
    AuditAction,
    AuditEvent,
    ControlKind,
    Direction,
    Document,
    DocumentKind,
    DocumentStatus,
    NewDocument,
    Outbound,
    OutboundSet,
    SavedDocument,
    Status,
)
from edigate.store.tables import AuditRow, DocumentRow, OutboundRow, OutboundSetRow, TransmissionRow
from edigate.store.types import utcnow
from edigate.store.numbers import OutboundNumbers

__all__ = ["DocumentsMixin", "OutboundNumbers"]

_IN_CHUNK = 500
"""Ids or keys per ``IN (...)``: well under SQLite's and PostgreSQL's parameter limits."""


class DocumentsMixin(StoreBase):

    def outbound_numbers(self, partner: str, direction: Direction = Direction.OUT) -> OutboundNumbers:
        """Control numbers spent only with the outbound document they number (see `OutboundNumbers`)."""
        return OutboundNumbers(self, partner, direction)

    def save_document(self, *, kind: DocumentKind, partner: str, key: str, body: str,
                      transmission_id: int | None, status: DocumentStatus = DocumentStatus.ACCEPTED,
                      supersedes: int | None = None) -> SavedDocument:
        """Save a document under its business key (orders: `edigate.orders.purposes.order_key`).

        Another transmission's current document with the same key makes this one a
        duplicate (nothing saved); the same transmission's makes the call a no-op, so a
        resumed stage creates nothing twice. ``supersedes`` retires an earlier attempt's
        document and gives its key to the new one.
        """
        doc = NewDocument(kind, partner, key, body, transmission_id, status, supersedes)
        return self.save_documents([doc])[0]

    def adopt_documents(self, document_ids: Sequence[int], transmission_id: int) -> None:
        """Move documents to a transmission: a reprocess attempt carries on the orders a
        failed attempt stored but did not finish."""
        with self._write() as s:
            s.execute(update(DocumentRow).where(DocumentRow.id.in_(document_ids))
                      .values(transmission_id=transmission_id))

    def save_documents(self, documents: Sequence[NewDocument]) -> list[SavedDocument]:
        """`save_document` for many documents in one transaction (one stage, one commit)."""
        if any(d.supersedes is not None for d in documents):
            return self._write_retrying(lambda s: [self._save(s, d) for d in documents])
        return self._write_retrying(lambda s: self._save_new(s, documents))

    def _save_new(self, s: Session, documents: Sequence[NewDocument]) -> list[SavedDocument]:
        """The batch way for documents that supersede nothing: the keys already held are
        read in a few queries and the new rows inserted in one flush (a 10k-order file
        would otherwise cost a query and a flush per order)."""
        conn = s.connection()
        held: dict[tuple[str, DocumentKind, str], Any] = {}
        wanted: dict[tuple[str, DocumentKind], list[str]] = {}
        for doc in documents:
            wanted.setdefault((doc.partner, doc.kind), []).append(doc.key)
        for (partner, kind), keys in wanted.items():
            for start in range(0, len(keys), _IN_CHUNK):
                found = conn.execute(core.statement("held_documents"),
                                     {"partner": partner, "kind": kind, "keys": keys[start:start + _IN_CHUNK]})
                held.update(((r.partner, r.kind, r.key), r) for r in found)
        new: dict[tuple[str, DocumentKind, str], dict[str, Any]] = {}
        for doc in documents:
            if (doc.partner, doc.kind, doc.key) not in held:
                new.setdefault((doc.partner, doc.kind, doc.key), {
                    "kind": doc.kind, "partner": doc.partner, "key": doc.key, "active_key": doc.key, "body": doc.body,
                    "status": doc.status, "transmission_id": doc.transmission_id, "created_at": utcnow()})
        created = set(new)
        if new:
            held.update(((r.partner, r.kind, r.key), r)
                        for r in conn.execute(core.statement("insert_documents"), list(new.values())))
        outcome = []
        for doc in documents:
            row, ident = held[(doc.partner, doc.kind, doc.key)], (doc.partner, doc.kind, doc.key)
            if ident in created:
                outcome.append(SavedDocument(convert.document(row), created=True))
                created.discard(ident)  # the same key twice in one batch: the second is no new row
            elif row.transmission_id != doc.transmission_id:
                outcome.append(SavedDocument(None, duplicate_of=convert.document(row), created=False))
            else:
                outcome.append(SavedDocument(convert.document(row), created=False))
        return outcome

    def _save(self, s: Session, doc: NewDocument) -> SavedDocument:
        if doc.supersedes is not None:
            self._supersede(s, doc.supersedes)
        held = s.scalar(select(DocumentRow).where(
            DocumentRow.partner == doc.partner, DocumentRow.kind == doc.kind,
            DocumentRow.active_key == doc.key))
        if held is not None:
            if held.transmission_id == doc.transmission_id:
                return SavedDocument(convert.document(held), created=False)
            return SavedDocument(None, duplicate_of=convert.document(held), created=False)
        row = DocumentRow(kind=doc.kind, partner=doc.partner, key=doc.key, active_key=doc.key,
                          body=doc.body, status=doc.status, transmission_id=doc.transmission_id,
                          created_at=utcnow())
        s.add(row)
        s.flush()
        if doc.supersedes is not None:
            s.get_one(DocumentRow, doc.supersedes).superseded_by = row.id
        return SavedDocument(convert.document(row))

    @staticmethod
    def _supersede(s: Session, document_id: int) -> None:
        old = s.get(DocumentRow, document_id)
        if old is None:
            raise UsageError(f"no document {document_id}", code="store.not_found")
        old.active_key, old.status = None, DocumentStatus.SUPERSEDED
        s.flush()

    def set_document_status(self, document_id: int, status: DocumentStatus, *,
                            decided: str | None = None, ack_body: str | None = None) -> Document:
        """One document's status (and its ``decided`` body, when given); ``ack_body`` is the
        855 body a specialist's decision answers with (None: none kept)."""
        with self._write() as s:
            row = s.get(DocumentRow, document_id)
            if row is None:
                raise UsageError(f"no document {document_id}", code="store.not_found")
            row.status, row.ack_body = status, ack_body  # set by hand: the rules' 855 no longer holds
            if decided is not None:
                row.decided = decided
            return convert.document(row)

    def record_decisions(self, decisions: Mapping[int, tuple[DocumentStatus, str | None, str | None]]) -> None:
        """The rules stage's decisions, one commit: each document's status, the 855 body
        rendered for it (None for none), which the outbound stage sends without deciding
        again, and the order as decided when that differs from the order as received (None
        when it does not), which routing sends."""
        rows = [{"id": i, "status": status, "ack_body": body, "decided": export}
                for i, (status, body, export) in decisions.items()]
        if rows:
            with self._write() as s:
                s.execute(update(DocumentRow), rows)

    def documents(self, *, transmission_id: int | None = None, partner: str | None = None,
                  kind: DocumentKind | None = None, key: str | None = None, key_prefix: str | None = None,
                  current: bool = False, status: DocumentStatus | None = None,
                  after: int | None = None, limit: int | None = None) -> list[Document]:
        """Documents matching every filter, oldest first; ``current`` drops superseded ones.

        ``after`` (an id) and ``limit`` read a page: a stage walks a 10k-order transmission
        page by page instead of holding every body at once.
        """
        params = {name: value for name, value in (("transmission_id", transmission_id), ("partner", partner),
                                                  ("kind", kind), ("key", key), ("status", status), ("after", after))
                  if value is not None}
        q = core.documents(tuple(p for p in params if p != "after"), current, after is not None, limit)
        if key_prefix is not None:  # a desk's search, not the pipeline's path: built per call
            q = q.where(DocumentRow.key.startswith(key_prefix, autoescape=True))
        with self._connection(write=False) as conn:
            return [convert.document(r) for r in conn.execute(q, params)]

    def document(self, document_id: int) -> Document:
        """One document; `UsageError` when the id does not exist."""
        with self._read() as s:
            row = s.get(DocumentRow, document_id)
            if row is None:
                raise UsageError(f"no document {document_id}", code="store.not_found")
            return convert.document(row)

    def count_documents(self, *, transmission_id: int, kind: DocumentKind,
                        excluding: Collection[DocumentStatus] = ()) -> int:
        """How many current documents of one kind a transmission holds, ``excluding`` some statuses."""
        params = {"transmission_id": transmission_id, "kind": kind, "excluding": list(excluding)}
        with self._connection(write=False) as conn:
            return int(conn.execute(core.count_documents(bool(excluding)), params).scalar() or 0)

    def document_pages(self, *, transmission_id: int, kind: DocumentKind, size: int = 500) -> Iterator[list[Document]]:
        """A transmission's current documents of one kind, ``size`` at a time, oldest first."""
        after: int | None = None
        while page := self.documents(transmission_id=transmission_id, kind=kind, current=True,
                                     after=after, limit=size):
            yield page
            if len(page) < size:
                return  # the last page: no need to ask for an empty one
            after = page[-1].id

    def record_outbound(self, *, partner: str, set_id: str, key: str, isa13: str, gs06: str,
                        st02: str, archive_path: str, sha256: str,
                        transmission_id: int | None = None, document_id: int | None = None,
                        ack_due_at: dt.datetime | None = None,
                        sets: Sequence[tuple[str, int | None]] = ()) -> tuple[Outbound, bool]:
        """Record a generated outbound file once per ``key`` (e.g. ``"997:tx42"``), with its
        transaction sets as (ST02, document id) pairs.

        Returns the record and whether it was new; an existing one is returned untouched.
        """
        def work(s: Session) -> tuple[Outbound, bool]:
            found = self._recorded(s, partner, key)
            if found is not None:
                return found, False
            return self._outbound_row(s, partner=partner, set_id=set_id, key=key, isa13=isa13, gs06=gs06,
                                      st02=st02, archive_path=archive_path, sha256=sha256,
                                      transmission_id=transmission_id, document_id=document_id,
                                      ack_due_at=ack_due_at, sets=sets), True

        return self._write_retrying(work)

    @staticmethod
    def _recorded(s: Session, partner: str, key: str) -> Outbound | None:
        row = s.connection().execute(core.statement("recorded"), {"partner": partner, "key": key}).one_or_none()
        return None if row is None else convert.outbound(row)

    @staticmethod
    def _outbound_row(s: Session, *, partner: str, set_id: str, key: str, isa13: str, gs06: str, st02: str,
                      archive_path: str, sha256: str, transmission_id: int | None = None,
                      document_id: int | None = None, ack_due_at: dt.datetime | None = None,
                      sets: Sequence[tuple[str, int | None]] = ()) -> Outbound:
        """Insert an outbound document and its sets (Core statements built once: every 997
        and 855 goes through here)."""
        status = AckStatus.PENDING if ack_due_at else AckStatus.NOT_EXPECTED
        out = Outbound(id=0, partner=partner, set_id=set_id, key=key, isa13=isa13, gs06=gs06, st02=st02,
                       archive_path=archive_path, sha256=sha256, created_at=utcnow(), ack_status=status,
                       transmission_id=transmission_id, document_id=document_id, ack_due_at=ack_due_at)
        inserted, inserted_sets = _insert_outbound()
        out = dataclasses.replace(out, id=s.scalar(inserted, {f: getattr(out, f) for f in _INSERTED}))
        if sets:
            s.execute(inserted_sets, [{"outbound_id": out.id, "st02": number, "document_id": doc,
                                       "ack_status": status} for number, doc in sets])
        return out

    def mark_sent(self, outbound_id: int, at: dt.datetime | None = None) -> None:
        """Stamp an outbound document as sent (now, unless ``at``)."""
        with self._connection(write=True) as conn:
            found = conn.execute(_mark_sent(), {"outbound_id": outbound_id, "sent_at": at or utcnow()})
            if not found.rowcount:
                raise UsageError(f"no outbound document {outbound_id}", code="store.not_found")

    def mark_sent_many(self, outbound_ids: Sequence[int], at: dt.datetime | None = None) -> None:
        """`mark_sent` for the outputs of a batch sent together, in one statement."""
        if outbound_ids:
            sent_at = at or utcnow()
            with self._connection(write=True) as conn:
                conn.execute(_mark_sent(), [{"outbound_id": i, "sent_at": sent_at} for i in outbound_ids])

    def record_ack(self, *, partner: str, gs06: str, status: AckStatus, result: str = "",
                   ack_transmission_id: int | None = None) -> list[Outbound]:
        """Apply a received 997/999's group verdict to every outbound file of group ``gs06``
        and to each of their sets."""
        with self._write() as s:
            rows = list(s.scalars(select(OutboundRow).where(OutboundRow.partner == partner, OutboundRow.gs06 == gs06)))
            for row in rows:
                row.ack_status, row.ack_result, row.ack_transmission_id = status, result, ack_transmission_id
                s.execute(update(OutboundSetRow).where(OutboundSetRow.outbound_id == row.id)
                          .values(ack_status=status, ack_result=result))
            return [convert.outbound(r) for r in rows]

    def record_set_ack(self, *, partner: str, gs06: str, st02: str, status: AckStatus,
                       result: str) -> list[tuple[Outbound, list[OutboundSet]]]:
        """Record one set's ack (AK2/IK2 ``st02`` of group ``gs06``) on every file carrying it;
        each file touched, with all its sets as they now stand (a file of one set recorded
        without set rows counts when its own ST02 matches). What that makes of the file's own
        ack is the caller's to decide (`edigate.desk.acks`) and `set_ack` to record."""
        with self._write() as s:
            touched = []
            for row in list(s.scalars(select(OutboundRow).where(OutboundRow.partner == partner,
                                                                OutboundRow.gs06 == gs06))):
                sets = list(s.scalars(select(OutboundSetRow).where(OutboundSetRow.outbound_id == row.id)
                                      .order_by(OutboundSetRow.id)))
                hit = [x for x in sets if x.st02 == st02]
                if hit or (row.st02 == st02 and not sets):
                    for x in hit:
                        x.ack_status, x.ack_result = status, result
                    touched.append((convert.outbound(row), [convert.outbound_set(x) for x in sets]))
            return touched

    def set_ack(self, outbound_id: int, status: AckStatus, result: str, *,
                ack_transmission_id: int | None = None) -> Outbound:
        """Record an outbound file's own ack status and result."""
        with self._write() as s:
            row = self._outbound(s, outbound_id)
            row.ack_status, row.ack_result, row.ack_transmission_id = status, result, ack_transmission_id
            return convert.outbound(row)

    def outbound_sets(self, *, outbound_id: int | None = None,
                      document_ids: Collection[int] = ()) -> list[OutboundSet]:
        """The sets of one outbound file, or those carrying any of ``document_ids``."""
        q = select(OutboundSetRow).order_by(OutboundSetRow.id)
        if outbound_id is not None:
            q = q.where(OutboundSetRow.outbound_id == outbound_id)
        if document_ids:
            q = q.where(OutboundSetRow.document_id.in_(list(document_ids)))
        with self._read() as s:
            return [convert.outbound_set(r) for r in s.scalars(q)]

    def overdue_acks(self, now: dt.datetime | None = None) -> list[Outbound]:
        """Outbound documents still waiting for an ack after their window."""
        q = select(OutboundRow).where(OutboundRow.ack_status == AckStatus.PENDING,
                                      OutboundRow.ack_due_at < (now or utcnow())).order_by(OutboundRow.ack_due_at)
        with self._read() as s:
            return [convert.outbound(r) for r in s.scalars(q)]

    def outbound(self, outbound_id: int) -> Outbound:
        with self._read() as s:
            return convert.outbound(self._outbound(s, outbound_id))

    def outbounds(self, transmission_id: int) -> list[Outbound]:
        with self._connection(write=False) as conn:
            return [convert.outbound(r) for r in conn.execute(core.statement("outbound_documents"),
                                                              {"tx_id": transmission_id})]

    def outbounds_of(self, transmission_ids: Sequence[int]) -> dict[int, list[Outbound]]:
        """`outbounds` of several transmissions in one read (a batch's send): each id's, in
        the order `outbounds` gives them; an id without any maps to an empty list."""
        with self._connection(write=False) as conn:
            return core.by_transmission(conn, "outbound_documents", transmission_ids, convert.outbound)

    @staticmethod
    def _outbound(s: Session, outbound_id: int) -> OutboundRow:
        row = s.get(OutboundRow, outbound_id)
        if row is None:
            raise UsageError(f"no outbound document {outbound_id}", code="store.not_found")
        return row

    def audit(self, *, actor: str, action: AuditAction, target: str, note: str = "",
              transmission_id: int | None = None) -> AuditEvent:
        """Record who changed what, and why."""
        with self._write() as s:
            row = AuditRow(actor=actor, action=action, target=target, note=note,
                           transmission_id=transmission_id, at=utcnow())
            s.add(row)
            s.flush()
            return convert.audit(row)

    def audit_events(self, *, target: str | None = None,
                     transmission_id: int | None = None) -> list[AuditEvent]:
        q = select(AuditRow).order_by(AuditRow.id)
        if target is not None:
            q = q.where(AuditRow.target == target)
        if transmission_id is not None:
            q = q.where(AuditRow.transmission_id == transmission_id)
        with self._read() as s:
            return [convert.audit(r) for r in s.scalars(q)]

    def pinned_hashes(self) -> set[str]:
        """Archive hashes still needed: open transmissions and unacknowledged outbound files."""
        open_ = [st for st in Status if st.is_open]
        with self._read() as s:
            inbound = s.scalars(select(TransmissionRow.sha256).where(TransmissionRow.status.in_(open_)))
            outbound = s.scalars(select(OutboundRow.sha256).where(OutboundRow.ack_status == AckStatus.PENDING))
            return set(inbound) | set(outbound)


@functools.cache
def _mark_sent() -> Any:
    """Built once: every output of every transmission is stamped with it."""
    table = OutboundRow.metadata.tables["outbound_documents"]
    return update(table).where(table.c.id == bindparam("outbound_id")).values(
        sent_at=bindparam("sent_at", type_=table.c.sent_at.type))


_INSERTED = ("partner", "set_id", "key", "isa13", "gs06", "st02", "archive_path", "sha256", "created_at",
             "ack_status", "transmission_id", "document_id", "ack_due_at")


@functools.cache
def _insert_outbound() -> tuple[Any, Any]:
    documents = OutboundRow.metadata.tables["outbound_documents"]
    sets = OutboundRow.metadata.tables["outbound_sets"]
    one = insert(documents).values({f: bindparam(f, type_=documents.c[f].type) for f in _INSERTED}) \
        .returning(documents.c.id)
    return one, insert(sets)
