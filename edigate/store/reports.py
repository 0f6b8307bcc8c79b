"""Read-only aggregates for the KPI report and the alert checks.

Everything here is computed by the database where it can be (grouped joins, durations in
seconds, JSON fields pulled out of document bodies), so a report over a large store reads
one narrow row per order instead of loading ORM objects. The rows come back as frozen
records defined here; `edigate.reports.kpi` turns them into KPIs.

An order's *origin* is when the partner's file first arrived: the ``received_at`` of the
first attempt of its transmission, followed back through reprocess attempts.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import Any, Unpack

from sqlalchemy import ColumnElement, Float, Integer, Numeric, Select, String, Subquery, and_, case, cast, func, or_, select
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.engine import Result, Row
from sqlalchemy.orm import QueryableAttribute, Session, aliased

from edigate.store.base import StoreBase
from edigate.store.records import (
    AckStatus,
    AuditAction,
    Direction,
    DocumentKind,
    DocumentStatus,
    EventKind,
    Severity,
    Status,
)
from edigate.store.tables import AuditRow, DocumentRow, ErrorRow, EventRow, OutboundRow, TransmissionRow

__all__ = [
    "AckCount", "CodeCount", "FailingSpot", "OrderFacts", "Period", "ReportsMixin", "ShipmentLines",
    "StaleFailure", "TransmissionCounts",
]

_BATCH = 2000
_Column = ColumnElement[Any] | QueryableAttribute[Any]
_ACKED_SETS = ("855", "856", "810")
_FAILED = (Status.FAILED, Status.SUPERSEDED)
"""Attempts that failed: a superseded one failed before a later attempt got through."""


@dataclass(frozen=True, slots=True)
class Period:
    """``since <= t < until``; either end may be open. ``partner`` narrows to one partner."""

    since: dt.datetime | None = None
    until: dt.datetime | None = None
    partner: str | None = None


@dataclass(frozen=True, slots=True)
class OrderFacts:
    """One current order and the times of what answered it, as seconds after its origin."""

    document_id: int
    partner: str
    key: str
    status: DocumentStatus
    transmission_id: int
    received_at: dt.datetime
    requested_ship: str | None
    """Header requested ship date (DTM 010), else ship-no-later (038), as ISO text."""
    to_997: float | None
    to_855: float | None
    to_shipped: float | None
    shipped_to_invoiced: float | None
    revised: bool
    """It replaced an earlier version (a price override)."""
    corrections: int
    """Override and release/reject events the order desk recorded against it."""
    findings: int
    """Rule findings (and map errors) of its transmission that concern this order."""
    rejected_by_partner: bool
    """A 997/999 from the partner rejected one of our documents for it."""
    line_count: int | None
    """How many lines it has; read only for orders that shipped."""


@dataclass(frozen=True, slots=True)
class ShipmentLines:
    """A shipment's date and its ``orders`` array as JSON text (items per PO line)."""

    partner: str
    ship_date: str
    orders_json: str


@dataclass(frozen=True, slots=True)
class AckCount:
    """How many 855/856/810 of a partner have one ack status, and how many of them are overdue."""

    partner: str
    ack_status: AckStatus
    count: int
    overdue: int


@dataclass(frozen=True, slots=True)
class TransmissionCounts:
    partner: str
    received: int
    duplicates: int
    failed: int
    """Attempts that ended failed."""
    fixed: int
    """Failed attempts whose reprocess attempt finished (done, or resolved)."""
    resolved: int
    """Held or failed transmissions closed by hand."""


@dataclass(frozen=True, slots=True)
class CodeCount:
    partner: str
    code: str
    count: int
    code_list: str | None = None
    """The X12 code list (TA1, AK5, AK3 ...) a code belongs to; None for edigate's own."""


@dataclass(frozen=True, slots=True)
class FailingSpot:
    partner: str
    segment_id: str
    element_position: int | None
    code: str
    count: int


@dataclass(frozen=True, slots=True)
class StaleFailure:
    transmission_id: int
    partner: str
    file_name: str
    stage: str | None
    finished_at: dt.datetime


@dataclass(frozen=True, slots=True)
class _Findings:
    """Error-log entries that concern one order: rule findings and map errors naming its
    ST02, and rule findings without an ST02 when its transmission holds only this order."""

    by_st02: dict[tuple[int, str], int]
    loose: dict[int, int]
    peers: dict[int, int]

    def count(self, tx: int, st02: str | None) -> int:
        named = self.by_st02.get((tx, st02), 0) if st02 is not None else 0
        return named + (self.loose.get(tx, 0) if self.peers.get(tx) == 1 else 0)


class ReportsMixin(StoreBase):

    # -- orders ---------------------------------------------------------------------

    def order_facts(self, period: Period = Period()) -> Iterator[OrderFacts]:
        """Every current order whose origin falls in ``period``, with its cycle times."""
        with self._read() as s:
            findings, revised, corrections = self._order_notes(s, period.since)
            result = s.connection().execute(self._order_facts_query(period))
            for (doc, partner, key, status, tx, origin, fields, to_997, to_855, to_shipped, to_invoiced, rejected,
                 lines) in _rows(result):
                requested, no_later, st02 = json.loads(fields) if fields else (None, None, None)
                yield OrderFacts(doc, partner, key, status, tx, origin, requested or no_later, to_997, to_855,
                                 to_shipped, to_invoiced, doc in revised, corrections.get(f"order:{doc}", 0),
                                 findings.count(tx, st02), bool(rejected), lines)

    def _order_facts_query(self, period: Period) -> Select[Unpack[tuple[Any, ...]]]:
        d, o, t = DocumentRow, OutboundRow, TransmissionRow
        reprocessed = self._reprocessed()
        origin = func.coalesce(reprocessed.c.origin, t.received_at)
        sent = func.coalesce(o.sent_at, o.created_at)
        ack = select(o.transmission_id.label("tx"), func.min(sent).label("at")).where(
            o.set_id.in_(("997", "999"))).group_by(o.transmission_id).subquery()
        bulk = select(o.transmission_id.label("tx"), func.min(sent).label("at")).where(
            o.set_id == "855", o.document_id.is_(None)).group_by(o.transmission_id).subquery()
        per_doc = select(
            o.document_id.label("doc"),
            func.min(case((o.set_id == "855", sent))).label("po_ack"),
            func.min(case((o.set_id == "856", sent))).label("shipped"),
            func.min(case((o.set_id == "810", sent))).label("invoiced"),
            func.max(case((o.ack_status == AckStatus.REJECTED, 1), else_=0)).label("rejected"),
        ).where(o.document_id.is_not(None)).group_by(o.document_id).subquery()
        po_ack = func.coalesce(per_doc.c.po_ack, bulk.c.at)
        q = select(
            d.id, d.partner, d.key, d.status, d.transmission_id, origin.label("origin"),
            self._json_fields(d.body, ("dates", "requested_ship"), ("dates", "ship_no_later"), ("source", "st02")),
            self._seconds(ack.c.at, origin), self._seconds(po_ack, origin),
            self._seconds(per_doc.c.shipped, origin), self._seconds(per_doc.c.invoiced, per_doc.c.shipped),
            per_doc.c.rejected, case((per_doc.c.shipped.is_not(None), self._json_length(d.body, "lines"))),
        ).select_from(d).join(t, t.id == d.transmission_id).outerjoin(reprocessed, reprocessed.c.id == t.id)
        q = q.outerjoin(ack, ack.c.tx == d.transmission_id).outerjoin(bulk, bulk.c.tx == d.transmission_id)
        q = q.outerjoin(per_doc, per_doc.c.doc == d.id)
        q = q.where(d.kind == DocumentKind.ORDER, d.superseded_by.is_(None))
        return q.where(*self._within(origin, d.partner, period))

    def _order_notes(self, s: Session, since: dt.datetime | None) -> tuple[_Findings, set[int], dict[str, int]]:
        """What the error log, earlier versions and the audit trail say about orders:
        findings, orders that replaced a version, corrections by target. Entries before
        ``since`` are skipped: they come after the order they are about, which is older."""
        e, d = ErrorRow, DocumentRow
        attributable = or_(e.stage == "rules", and_(e.stage == "map", e.severity == Severity.ERROR))
        recent = [e.created_at >= since] if since is not None else []
        by_st02 = s.execute(select(e.transmission_id, e.st02, func.count()).where(
            attributable, e.st02.is_not(None), *recent).group_by(e.transmission_id, e.st02))
        loose = s.execute(select(e.transmission_id, func.count()).where(
            e.stage == "rules", e.st02.is_(None), *recent).group_by(e.transmission_id))
        findings = _Findings({(tx, st02): n for tx, st02, n in by_st02 if st02 is not None},
                             {tx: n for tx, n in loose}, {})
        if findings.loose:
            peers = s.execute(select(d.transmission_id, func.count()).where(
                d.kind == DocumentKind.ORDER, d.superseded_by.is_(None),
                d.transmission_id.in_(list(findings.loose))).group_by(d.transmission_id))
            findings.peers.update((tx, n) for tx, n in peers if tx is not None)
        revised = {i for i in s.scalars(select(d.superseded_by).where(
            d.kind == DocumentKind.ORDER, d.superseded_by.is_not(None))) if i is not None}
        audited = [AuditRow.at >= since] if since is not None else []
        corrections = {target: n for target, n in s.execute(select(AuditRow.target, func.count()).where(
            AuditRow.action.in_((AuditAction.OVERRIDE, AuditAction.RESOLVE)),
            AuditRow.target.like("order:%"), *audited).group_by(AuditRow.target))}
        return findings, revised, corrections

    def shipment_lines(self, period: Period = Period()) -> Iterator[ShipmentLines]:
        """Shipments recorded from ``period.since`` on (an order's shipments follow its
        receipt, so later ones count for it too), with their ``orders`` as JSON text."""
        d = DocumentRow
        q = select(d.partner, self._json_text(d.body, "ship_date"), self._json_text(d.body, "orders")).where(
            d.kind == DocumentKind.SHIPMENT)
        q = q.where(*self._within(d.created_at, d.partner, Period(period.since, None, period.partner)))
        with self._read() as s:
            for row in _rows(s.connection().execute(q)):
                yield ShipmentLines(row[0], row[1] or "", row[2] or "[]")

    # -- outbound documents, transmissions, error log ---------------------------------

    def ack_counts(self, period: Period = Period(), *, now: dt.datetime) -> list[AckCount]:
        """Our 855s, 856s and 810s sent (or generated) in ``period``, counted per partner and
        ack status; ``overdue`` as of ``now``."""
        o = OutboundRow
        sent = func.coalesce(o.sent_at, o.created_at)
        overdue = func.sum(case((and_(o.ack_status == AckStatus.PENDING, o.ack_due_at < now), 1), else_=0))
        q = select(o.partner, o.ack_status, func.count(), overdue).where(
            o.set_id.in_(_ACKED_SETS), *self._within(sent, o.partner, period)).group_by(o.partner, o.ack_status)
        with self._read() as s:
            return [AckCount(r[0], r[1], int(r[2]), int(r[3] or 0)) for r in s.execute(q)]

    def ack_turnarounds(self, period: Period = Period()) -> Iterator[tuple[str, float]]:
        """``(partner, seconds)`` from sending each acknowledged 855/856/810 to the 997/999."""
        o = OutboundRow
        ack_tx = aliased(TransmissionRow)
        sent = func.coalesce(o.sent_at, o.created_at)
        q = select(o.partner, self._seconds(ack_tx.received_at, sent)).join(
            ack_tx, ack_tx.id == o.ack_transmission_id).where(o.set_id.in_(_ACKED_SETS),
                                                              *self._within(sent, o.partner, period))
        with self._read() as s:
            for partner, seconds in _rows(s.connection().execute(q)):
                yield partner, seconds

    def transmission_counts(self, period: Period = Period()) -> list[TransmissionCounts]:
        """Per partner: inbound files received, duplicates, failed attempts, fixed and resolved."""
        t = TransmissionRow
        c = aliased(TransmissionRow)
        fixed = t.id.in_(select(c.parent_id).where(c.attempt > 1, c.status.in_((Status.DONE, Status.RESOLVED))))
        q = select(
            t.partner,
            func.sum(case((and_(t.attempt == 1, t.status != Status.DUPLICATE), 1), else_=0)),
            func.sum(case((t.status == Status.DUPLICATE, 1), else_=0)),
            func.sum(case((t.status.in_(_FAILED), 1), else_=0)),
            func.sum(case((and_(t.status.in_(_FAILED), fixed), 1), else_=0)),
            func.sum(case((t.status == Status.RESOLVED, 1), else_=0)),
        ).where(t.direction == Direction.IN).group_by(t.partner).order_by(t.partner)
        q = q.where(*self._within(t.received_at, t.partner, period))
        with self._read() as s:
            return [TransmissionCounts(r[0], *(int(n or 0) for n in r[1:])) for r in s.execute(q)]

    def exception_counts(self, period: Period = Period()) -> list[CodeCount]:
        """Error-log entries per partner and code: errors of any stage and every rule
        finding (an order accepted with changes is an exception too)."""
        e, t = ErrorRow, TransmissionRow
        q = select(t.partner, e.code, func.count(), e.code_list).join(t, t.id == e.transmission_id).where(
            or_(e.severity == Severity.ERROR, e.stage == "rules")).group_by(t.partner, e.code, e.code_list)
        q = q.where(*self._within(t.received_at, t.partner, period))
        with self._read() as s:
            return [CodeCount(r[0], r[1], int(r[2]), r[3]) for r in s.execute(q)]

    def failing_spots(self, period: Period = Period()) -> list[FailingSpot]:
        """Errors that name a segment, per partner, segment, element and code."""
        e, t = ErrorRow, TransmissionRow
        q = select(t.partner, e.segment_id, e.element_position, e.code, func.count()).join(
            t, t.id == e.transmission_id).where(e.severity == Severity.ERROR, e.segment_id.is_not(None)).group_by(
            t.partner, e.segment_id, e.element_position, e.code)
        q = q.where(*self._within(t.received_at, t.partner, period))
        with self._read() as s:
            return [FailingSpot(r[0], r[1] or "", r[2], r[3], int(r[4])) for r in s.execute(q)]

    # -- for the alert checks ---------------------------------------------------------

    def known_partners(self) -> set[str]:
        """Every partner the store has seen a transmission or an outbound document for."""
        with self._read() as s:
            inbound = s.scalars(select(TransmissionRow.partner).distinct())
            outbound = s.scalars(select(OutboundRow.partner).distinct())
            return set(inbound) | set(outbound)

    def receipt_times(self, since: dt.datetime) -> dict[str, list[dt.datetime]]:
        """Per partner, when its files arrived (first attempts, duplicates included), oldest first."""
        t = TransmissionRow
        q = select(t.partner, t.received_at).where(t.direction == Direction.IN, t.attempt == 1,
                                                   t.received_at >= since).order_by(t.partner, t.received_at)
        found: dict[str, list[dt.datetime]] = {}
        with self._read() as s:
            for partner, at in s.execute(q).yield_per(_BATCH):
                found.setdefault(partner, []).append(at)
        return found

    def last_receipts(self) -> dict[str, tuple[int, dt.datetime]]:
        """Per partner, its newest inbound first attempt: transmission id and time."""
        t = TransmissionRow
        first = and_(t.direction == Direction.IN, t.attempt == 1)
        newest = select(t.partner, func.max(t.received_at).label("at")).where(first).group_by(t.partner).subquery()
        q = select(t.partner, t.id, t.received_at).join(
            newest, and_(newest.c.partner == t.partner, newest.c.at == t.received_at)).where(first).order_by(t.id)
        with self._read() as s:
            return {r[0]: (r[1], r[2]) for r in s.execute(q)}

    def stale_failures(self, before: dt.datetime) -> list[StaleFailure]:
        """Failed transmissions, finished before the cut-off, that no attempt has taken up since."""
        t = TransmissionRow
        c = aliased(TransmissionRow)
        retried = t.id.in_(select(c.parent_id).where(c.attempt > 1, c.parent_id.is_not(None)))
        q = select(t.id, t.partner, t.file_name, t.stage, t.finished_at).where(
            t.status == Status.FAILED, t.finished_at < before, ~retried).order_by(t.id)
        with self._read() as s:
            return [StaleFailure(r[0], r[1], r[2], r[3], r[4] or before) for r in s.execute(q)]

    def recorded_event_codes(self, kind: EventKind, codes: Sequence[str]) -> set[str]:
        """Which of ``codes`` the event log already holds for ``kind``."""
        found: set[str] = set()
        with self._read() as s:
            for start in range(0, len(codes), _BATCH):
                chunk = codes[start:start + _BATCH]
                found.update(s.scalars(select(EventRow.code).where(EventRow.kind == kind, EventRow.code.in_(chunk))))
        return found

    # -- helpers ----------------------------------------------------------------------

    @staticmethod
    def _reprocessed() -> Subquery:
        """``(id, origin)`` of each reprocess attempt: the time its oldest ancestor arrived.

        The walk starts from the attempts (few) and goes up by primary key, so it costs
        nothing for the many transmissions that were never reprocessed.
        """
        t, p, a = TransmissionRow, aliased(TransmissionRow), aliased(TransmissionRow)
        walk = select(t.id.label("id"), t.parent_id.label("up")).where(
            t.attempt > 1, t.parent_id.is_not(None)).cte("walk", recursive=True)
        walk = walk.union_all(select(walk.c.id, p.parent_id).join(p, p.id == walk.c.up).where(
            p.attempt > 1, p.parent_id.is_not(None)))
        return select(walk.c.id, func.min(a.received_at).label("origin")).join(a, a.id == walk.c.up).group_by(
            walk.c.id).subquery("reprocessed")

    @staticmethod
    def _within(at: _Column, partner: _Column, period: Period) -> list[ColumnElement[bool]]:
        """The conditions that keep rows of ``period``: ``at`` in it, for its partner."""
        conditions = []
        if period.since is not None:
            conditions.append(at >= period.since)
        if period.until is not None:
            conditions.append(at < period.until)
        if period.partner is not None:
            conditions.append(partner == period.partner)
        return conditions

    def _json_text(self, column: _Column, *path: str) -> ColumnElement[str]:
        """A field of a JSON text column, as text (objects and arrays as JSON text)."""
        if self.dialect == "postgresql":
            return func.jsonb_extract_path_text(cast(column, JSONB), *path, type_=String)
        return func.json_extract(column, "$." + ".".join(path), type_=String)

    def _json_fields(self, column: _Column, *paths: tuple[str, ...]) -> ColumnElement[str]:
        """Several fields of a JSON text column as one JSON array text (one parse on SQLite)."""
        if self.dialect == "postgresql":
            body = cast(column, JSONB)
            return cast(func.jsonb_build_array(*(func.jsonb_extract_path_text(body, *p) for p in paths)), String)
        return func.json_extract(column, *("$." + ".".join(p) for p in paths), type_=String)

    def _json_length(self, column: _Column, *path: str) -> ColumnElement[int]:
        if self.dialect == "postgresql":
            return func.jsonb_array_length(func.jsonb_extract_path(cast(column, JSONB), *path))
        return func.json_array_length(column, "$." + ".".join(path), type_=Integer)

    def _seconds(self, later: _Column, earlier: _Column) -> ColumnElement[float]:
        """``later - earlier`` in seconds to the millisecond, computed by the database (NULL
        when either is); SQLite's julianday arithmetic is a few microseconds off otherwise."""
        if self.dialect == "postgresql":
            return cast(func.round(cast(func.extract("epoch", later - earlier), Numeric), 3), Float)
        return cast(func.round((func.julianday(later) - func.julianday(earlier)) * 86400.0, 3), Float)


def _rows(result: Result[Unpack[tuple[Any, ...]]]) -> Iterator[Row[Unpack[tuple[Any, ...]]]]:
    """A result's rows fetched a batch at a time: memory stays bounded, and rows come out
    of the driver in bulk rather than one call each."""
    for batch in result.partitions(_BATCH):
        yield from batch
