"""Transmissions: receipt, envelope, stage timeline, error log, status, history."""

from __future__ import annotations

import dataclasses
import datetime as dt
import functools
from collections.abc import Iterable, Sequence
from typing import Any

from sqlalchemy import Connection, bindparam, delete, func, insert, select, update
from sqlalchemy.orm import Session, selectinload

from edigate.errors import UsageError
from edigate.store import convert, core
from edigate.store.base import StoreBase
from edigate.store.records import (
    AuditAction,
    Direction,
    EnvelopeSet,
    ErrorEntry,
    Interchange,
    Outcome,
    Received,
    Replacement,
    Severity,
    StageEvent,
    Status,
    Transmission,
)
from edigate.store.tables import (
    AuditRow,
    EnvelopeSetRow,
    ErrorRow,
    InterchangeKeyRow,
    StageRow,
    TransmissionRow,
)
from edigate.store.types import utcnow

__all__ = ["TransmissionsMixin"]

_FINAL = (Status.DONE, Status.HELD, Status.FAILED, Status.DUPLICATE, Status.RESOLVED, Status.SUPERSEDED)


class TransmissionsMixin(StoreBase):

    def record_received(self, *, partner: str, channel: str, file_name: str, sha256: str,
                        size: int, archive_path: str | None = None,
                        direction: Direction = Direction.IN,
                        received_at: dt.datetime | None = None) -> Received:
        """Record a file whose bytes are archived; the same bytes again become a duplicate.

        ``file_name`` is kept as the partner sent it, for display only: never a path.
        """
        fields = {"partner": partner, "channel": channel, "file_name": file_name, "sha256": sha256,
                  "size": size, "archive_path": archive_path, "direction": direction,
                  "received_at": received_at or utcnow()}
        return self._write_retrying(lambda s: self._receive(s, fields))

    def _receive(self, s: Session, fields: dict[str, object]) -> Received:
        conn = s.connection()
        first = conn.execute(core.statement("first_receipt"), fields).scalar()
        if first is None:
            values = {**fields, "first_sha256": fields["sha256"], "status": Status.RECEIVED}
        else:
            values = {**fields, "status": Status.DUPLICATE, "parent_id": first, "finished_at": utcnow()}
        row = conn.execute(core.statement("insert_transmission"), {"attempt": 1, **values}).one()
        return Received(convert.transmission(row, ()), first)

    def record_envelope(self, transmission_id: int, *, isa13: str, usage: str,
                        sets: Sequence[EnvelopeSet] = ()) -> Transmission:
        """What the envelope stage read: ISA13, usage (T/P), groups and transaction sets."""
        with self._connection(write=True) as conn:
            conn.execute(core.statement("delete_sets"), {"tx_id": transmission_id})
            if sets:
                conn.execute(core.statement("insert_sets"), [
                    {"transmission_id": transmission_id, "gs06": e.gs06, "functional_id": e.functional_id,
                     "set_id": e.set_id, "st02": e.st02} for e in sets])
            return core.update_transmission(conn, transmission_id, {"isa13": isa13, "usage": usage})

    def check_interchange(self, transmission_id: int, *, partner: str, isa13: str,
                          window: dt.timedelta | None = None) -> Interchange | None:
        """The earlier interchange with this partner + ISA13 inside ``window``, else None.

        When there is none, this transmission becomes the holder of the number. A window of
        None means "ever". Attempts of the same transmission (reprocess) are not duplicates.
        """
        def work(s: Session) -> Interchange | None:
            now, conn = utcnow(), s.connection()
            key = {"partner": partner, "isa13": isa13}
            row = conn.execute(core.statement("interchange"), key).one_or_none()
            if (row is not None and not self._same_lineage(conn, row.transmission_id, transmission_id)
                    and (window is None or now - row.received_at <= window)):
                return Interchange(partner, isa13, row.transmission_id, row.received_at)
            held = {"transmission_id": transmission_id, "received_at": now}
            if row is None:
                conn.execute(core.statement("insert_interchange"), {**key, **held})
            else:
                conn.execute(core.statement("hold_interchange"), {"held_partner": partner, "held_isa13": isa13, **held})
            return None

        return self._write_retrying(work)

    @staticmethod
    def _same_lineage(conn: Connection, holder: int, transmission_id: int) -> bool:
        """Whether ``transmission_id`` is ``holder`` or a reprocess attempt descending from it."""
        current: int | None = transmission_id
        while current is not None:
            if current == holder:
                return True
            row = conn.execute(core.statement("lineage"), {"tx_id": current}).one_or_none()
            current = row.parent_id if row is not None and row.attempt > 1 else None
        return False

    def release_interchange(self, partner: str, isa13: str, transmission_id: int) -> bool:
        """Give up the partner + ISA13 this transmission holds (we rejected the interchange,
        so a corrected resend may use the number); False when another transmission holds it."""
        with self._write() as s:
            found = s.execute(delete(InterchangeKeyRow).where(
                InterchangeKeyRow.partner == partner, InterchangeKeyRow.isa13 == isa13,
                InterchangeKeyRow.transmission_id == transmission_id))
            return bool(found.rowcount)  # type: ignore[attr-defined]

    def mark_duplicate(self, transmission_id: int, *, of: int) -> Transmission:
        """Link a transmission to the earlier one it repeats (its ISA13), as a duplicate. A
        reprocess attempt keeps its link to the attempt it repeats (its lineage); the
        transmission holding its ISA13 is `interchange_holder`'s."""
        with self._write() as s:
            row = self._tx(s, transmission_id)
            if row.attempt == 1:
                row.parent_id = of
            s.flush()
            return convert.transmission(row)

    def interchange_holder(self, partner: str, isa13: str) -> int | None:
        """The transmission that holds the partner's ISA13 (the one a duplicate repeats)."""
        with self._read() as s:
            return s.scalar(select(InterchangeKeyRow.transmission_id).where(
                InterchangeKeyRow.partner == partner, InterchangeKeyRow.isa13 == isa13))

    def assign_partner(self, transmission_id: int, partner: str) -> Transmission:
        """Record the partner of a transmission received from no known partner (its
        envelope's sender was configured since)."""
        with self._write() as s:
            row = self._tx(s, transmission_id)
            row.partner = partner
            s.flush()
            return convert.transmission(row)

    def start_stage(self, transmission_id: int, stage: str, *, worker: str | None = None,
                    lease: dt.timedelta | None = None) -> StageEvent | None:
        """Mark the transmission as in ``stage`` and open its timeline entry, in one write.

        With ``worker``, the stage starts only under that worker's claim, renewed for
        ``lease``: None means the claim is no longer its own (the lease ran out and another
        worker took the transmission over) and nothing was written.
        """
        now = utcnow()
        params = {"tx_id": transmission_id, "stage": stage, "worker": worker,
                  "lease_until": now + lease if lease is not None else None}
        with self._connection(write=True, savepoint=False) as conn:
            attempt = conn.execute(_start_statement(worker is not None), params).scalar()
            if attempt is None:
                if worker is None:
                    raise UsageError(f"no transmission {transmission_id}", code="store.not_found")
                return None
            event = StageEvent(id=0, transmission_id=transmission_id, stage=stage, attempt=attempt,
                               started_at=now, outcome=Outcome.RUNNING)
            fields = {f: getattr(event, f) for f in _STAGE_FIELDS}
            return dataclasses.replace(event, id=conn.execute(_insert_stage(), fields).scalar_one())

    def start_stages(self, transmission_ids: Sequence[int], stage: str, *, worker: str,
                     lease: dt.timedelta | None = None) -> dict[int, StageEvent]:
        """`start_stage` for several transmissions under one worker's claim, in two
        statements: the entries opened, by transmission; one no longer the worker's is
        left out, and nothing is written for it."""
        if not transmission_ids:
            return {}
        now = utcnow()
        params = {"ids": list(transmission_ids), "stage": stage, "worker": worker,
                  "lease_until": now + lease if lease is not None else None}
        with self._connection(write=True, savepoint=False) as conn:
            attempts = {r.id: r.attempt for r in conn.execute(_start_many_statement(), params)}
            if not attempts:
                return {}
            events = [StageEvent(id=0, transmission_id=tx_id, stage=stage, attempt=attempts[tx_id],
                                 started_at=now, outcome=Outcome.RUNNING)
                      for tx_id in transmission_ids if tx_id in attempts]
            rows = [{f: getattr(e, f) for f in _STAGE_FIELDS} for e in events]
            ids = {r.transmission_id: r.id for r in conn.execute(_insert_stages(), rows)}
        return {e.transmission_id: dataclasses.replace(e, id=ids[e.transmission_id]) for e in events}

    def finish_stages(self, events: Sequence[StageEvent]) -> None:
        """Close several timeline entries in one statement, each as given: its start,
        finish, outcome, detail and duration (a batch's entries, opened together, each
        keeping its own transmission's times)."""
        if not events:
            return
        rows = [{"event_id": e.id, "started_at": e.started_at, "finished_at": e.finished_at,
                 "outcome": e.outcome, "detail": e.detail, "duration_ms": e.duration_ms} for e in events]
        with self._connection(write=True, savepoint=False) as conn:
            found = conn.execute(_finish_statement(started=True), rows)
            if conn.dialect.supports_sane_multi_rowcount and found.rowcount != len(rows):
                raise UsageError("a stage event to finish is missing", code="store.not_found")

    def finish_stage(self, event: StageEvent, outcome: Outcome, detail: str = "") -> StageEvent:
        """Close a timeline entry with its outcome and duration."""
        finished = utcnow()
        duration = int((finished - event.started_at).total_seconds() * 1000)
        with self._connection(write=True, savepoint=False) as conn:
            found = conn.execute(_finish_statement(), {"event_id": event.id, "finished_at": finished,
                                                    "outcome": outcome, "detail": detail, "duration_ms": duration})
            if not found.rowcount:
                raise UsageError(f"no stage event {event.id}", code="store.not_found")
        return dataclasses.replace(event, finished_at=finished, outcome=outcome, detail=detail,
                                   duration_ms=duration)

    def add_errors(self, transmission_id: int, entries: Iterable[ErrorEntry]) -> int:
        """Append entries to the error log of the transmission's current attempt."""
        with self._write() as s:
            tx = self._tx(s, transmission_id)
            rows = [convert.error_row(e, tx.id, tx.attempt) for e in entries]
            s.add_all(rows)
            return len(rows)

    def set_status(self, transmission_id: int, status: Status, *,
                   stage: str | None = None) -> Transmission:
        """Move a transmission on; final statuses stamp ``finished_at`` and drop the claim."""
        values: dict[str, Any] = {"status": status}
        if stage is not None:
            values["stage"] = stage
        if status in _FINAL:
            values.update(finished_at=utcnow(), claimed_by=None, lease_until=None)
        with self._connection(write=True) as conn:
            return core.update_transmission(conn, transmission_id, values)

    def reprocess(self, transmission_id: int, *, actor: str, note: str = "",
                  from_stage: str | None = None, replacement: Replacement | None = None,
                  worker: str | None = None, lease: dt.timedelta = dt.timedelta(minutes=10)) -> Transmission:
        """A new attempt of a transmission, linked to it, audited: from its archived bytes,
        or from ``replacement`` (a corrected file, archived already). With ``worker`` the
        attempt is created claimed by it (no other worker takes it first)."""
        with self._write() as s:
            old = self._tx(s, transmission_id)
            file = replacement or Replacement(old.file_name, old.sha256, old.size, old.archive_path)
            new = TransmissionRow(
                partner=old.partner, channel=old.channel, direction=old.direction,
                file_name=file.file_name, sha256=file.sha256, size=file.size,
                archive_path=file.archive_path, received_at=utcnow(), stage=from_stage, parent_id=old.id,
                attempt=old.attempt + 1, status=Status.RECEIVED if worker is None else Status.PROCESSING,
                claimed_by=worker, lease_until=None if worker is None else utcnow() + lease)
            s.add(new)
            s.flush()
            s.add(AuditRow(actor=actor, action=AuditAction.REPROCESS, target=f"tx:{old.id}",
                           note=note or f"attempt {new.attempt} is tx:{new.id}",
                           transmission_id=old.id, at=utcnow()))
            return convert.transmission(new)

    def supersede(self, transmission_id: int, *, by: int) -> bool:
        """Mark a failed attempt as got through by a later one (`Status.SUPERSEDED`); False
        when it is not failed (resolved by hand meanwhile, say)."""
        with self._write() as s:
            row = self._tx(s, transmission_id)
            if row.status is not Status.FAILED:
                return False
            row.status, row.claimed_by, row.lease_until = Status.SUPERSEDED, None, None
            s.add(AuditRow(actor="edigate", action=AuditAction.REPROCESS, target=f"tx:{row.id}",
                           note=f"superseded by tx:{by}", transmission_id=row.id, at=utcnow()))
            return True

    def received_as(self, partner: str, sha256: str) -> Transmission | None:
        """The first transmission from ``partner`` whose bytes (received or reprocessed)
        are these, else None."""
        with self._read() as s:
            row = s.scalar(select(TransmissionRow).where(
                TransmissionRow.partner == partner, TransmissionRow.direction == Direction.IN,
                (TransmissionRow.first_sha256 == sha256) | (TransmissionRow.sha256 == sha256))
                .order_by(TransmissionRow.id).limit(1))
            return None if row is None else convert.transmission(row)

    def resolve(self, transmission_id: int, *, actor: str, note: str) -> Transmission:
        """Close a held or failed transmission by hand, with the reason audited."""
        with self._write() as s:
            row = self._tx(s, transmission_id)
            row.status, row.finished_at, row.claimed_by = Status.RESOLVED, utcnow(), None
            s.add(AuditRow(actor=actor, action=AuditAction.RESOLVE, target=f"tx:{row.id}",
                           note=note, transmission_id=row.id, at=utcnow()))
            s.flush()
            return convert.transmission(row)

    def transmission(self, transmission_id: int) -> Transmission:
        """One transmission; `UsageError` when the id does not exist."""
        with self._connection(write=False) as conn:
            return core.load_transmission(conn, transmission_id)

    def transmissions(self, *, status: Status | None = None, partner: str | None = None,
                      since: dt.datetime | None = None, set_id: str | None = None,
                      limit: int | None = None) -> list[Transmission]:
        """Transmissions matching every filter given, newest first."""
        q = select(TransmissionRow).options(selectinload(TransmissionRow.sets)).order_by(TransmissionRow.id.desc())
        if status is not None:
            q = q.where(TransmissionRow.status == status)
        if partner is not None:
            q = q.where(TransmissionRow.partner == partner)
        if since is not None:
            q = q.where(TransmissionRow.received_at >= since)
        if set_id is not None:
            q = q.where(TransmissionRow.id.in_(
                select(EnvelopeSetRow.transmission_id).where(EnvelopeSetRow.set_id == set_id)))
        with self._read() as s:
            return [convert.transmission(r) for r in s.scalars(q.limit(limit))]

    def history(self, transmission_id: int) -> list[Transmission]:
        """Every attempt and duplicate linked to this transmission, oldest first."""
        with self._read() as s:
            root = self._tx(s, transmission_id)
            while root.parent_id is not None:
                root = self._tx(s, root.parent_id)
            found, frontier = [root], [root.id]
            while frontier:
                kids = list(s.scalars(select(TransmissionRow).options(selectinload(TransmissionRow.sets)).where(
                    TransmissionRow.parent_id.in_(frontier)).order_by(TransmissionRow.id)))
                found += kids
                frontier = [k.id for k in kids]
            return sorted((convert.transmission(r) for r in found), key=lambda t: t.id)

    def stages(self, transmission_id: int) -> list[StageEvent]:
        with self._connection(write=False) as conn:
            return [convert.stage(r) for r in conn.execute(core.statement("stage_events"), {"tx_id": transmission_id})]

    def stages_of(self, transmission_ids: Sequence[int]) -> dict[int, list[StageEvent]]:
        """`stages` of several transmissions in one read (a batch's claimed files): each
        id's, in the order `stages` gives them; an id without any maps to an empty list."""
        with self._connection(write=False) as conn:
            return core.by_transmission(conn, "stage_events", transmission_ids, convert.stage)

    def error_codes(self, transmission_id: int) -> set[tuple[str, str]]:
        """``(stage, code)`` of each error-severity entry in the transmission's log."""
        with self._connection(write=False) as conn:
            return {(r.stage, r.code) for r in conn.execute(core.statement("error_codes"), {"tx_id": transmission_id})}

    def errors(self, transmission_id: int) -> list[ErrorEntry]:
        with self._read() as s:
            q = select(ErrorRow).where(ErrorRow.transmission_id == transmission_id).order_by(ErrorRow.id)
            return [convert.error(r) for r in s.scalars(q)]


# Each stage of each transmission writes these, so they are built once: building a statement
# costs more than running it.

_STAGE_FIELDS = ("transmission_id", "stage", "attempt", "started_at", "outcome", "detail")


@functools.cache
def _start_statement(claimed: bool) -> Any:
    """Mark a transmission in a stage (under a worker's claim, renewing its lease if given)."""
    table = TransmissionRow.metadata.tables["transmissions"]
    where = [table.c.id == bindparam("tx_id")]
    values: dict[str, Any] = {"status": Status.PROCESSING, "stage": bindparam("stage")}
    if claimed:
        where += [table.c.claimed_by == bindparam("worker"), table.c.status == Status.PROCESSING]
        values["lease_until"] = func.coalesce(bindparam("lease_until", type_=table.c.lease_until.type),
                                              table.c.lease_until)
    return update(table).where(*where).values(**values).returning(table.c.attempt)


@functools.cache
def _insert_stage() -> Any:
    table = StageRow.metadata.tables["stage_events"]
    return insert(table).values({f: bindparam(f, type_=table.c[f].type) for f in _STAGE_FIELDS}) \
        .returning(table.c.id)


@functools.cache
def _start_many_statement() -> Any:
    """`_start_statement` under a claim, for several transmissions at once."""
    table = TransmissionRow.metadata.tables["transmissions"]
    return update(table).where(
        table.c.id.in_(bindparam("ids", expanding=True)), table.c.claimed_by == bindparam("worker"),
        table.c.status == Status.PROCESSING,
    ).values(status=Status.PROCESSING, stage=bindparam("stage"), lease_until=func.coalesce(
        bindparam("lease_until", type_=table.c.lease_until.type), table.c.lease_until),
    ).returning(table.c.id, table.c.attempt)


@functools.cache
def _insert_stages() -> Any:
    """`_insert_stage` for several rows in one statement: each row returned names its
    transmission, so their order does not matter (SQLAlchemy then sends them as one)."""
    table = StageRow.metadata.tables["stage_events"]
    return insert(table).returning(table.c.id, table.c.transmission_id)


@functools.cache
def _finish_statement(started: bool = False) -> Any:
    table = StageRow.metadata.tables["stage_events"]
    fields = ("started_at",) * started + ("finished_at", "outcome", "detail", "duration_ms")
    return update(table).where(table.c.id == bindparam("event_id")).values(
        {f: bindparam(f, type_=table.c[f].type) for f in fields})
