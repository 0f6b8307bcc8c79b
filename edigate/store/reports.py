"""Read-only aggregates for the KPI report and the alert checks.

Everything here is computed by the database where it can be (grouped joins, durations in
seconds, JSON fields pulled out of document bodies), so a report over a large store reads
one narrow row per order instead of loading ORM objects. The rows come back as frozen
records defined here; `edigate.report` turns them into KPIs.

An order's *origin* is when the partner's file first arrived: the ``received_at`` of the
first attempt of its transmission, followed back through reprocess attempts.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import ColumnElement, Float, Select, String, Subquery, and_, case, cast, exists, func, literal, or_, select
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import QueryableAttribute, aliased
from sqlalchemy.sql.expression import CTE

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
    "CodeCount", "FailingSpot", "OrderFacts", "OutboundFacts", "Period", "ReportsMixin", "ShipmentLines",
    "StaleFailure", "TransmissionCounts",
]

_BATCH = 2000
_Column = ColumnElement[Any] | QueryableAttribute[Any]
_ACKED_SETS = ("855", "856", "810")


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
    versions: int
    corrections: int
    """Override and release/reject events the order desk recorded against it."""
    findings: int
    """Rule findings (and map errors) of its transmission that concern this order."""
    rejected_by_partner: bool
    """A 997/999 from the partner rejected one of our documents for it."""


@dataclass(frozen=True, slots=True)
class ShipmentLines:
    """A shipment's date and its ``orders`` array as JSON text (items per PO line)."""

    partner: str
    ship_date: str
    orders_json: str


@dataclass(frozen=True, slots=True)
class OutboundFacts:
    """One 855/856/810 we sent: its ack status and, once acknowledged, the turnaround."""

    partner: str
    set_id: str
    ack_status: AckStatus
    turnaround: float | None
    overdue: bool


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


class ReportsMixin(StoreBase):

    # -- orders ---------------------------------------------------------------------

    def order_facts(self, period: Period = Period()) -> Iterator[OrderFacts]:
        """Every current order whose origin falls in ``period``, with its cycle times."""
        q = self._order_facts_query(period)
        with self._read() as s:
            for row in s.execute(q).yield_per(_BATCH):
                yield OrderFacts(
                    document_id=row.id, partner=row.partner, key=row.key, status=row.status,
                    transmission_id=row.transmission_id, received_at=row.origin,
                    requested_ship=row.requested_ship or row.ship_no_later, to_997=_ms(row.to_997),
                    to_855=_ms(row.to_855), to_shipped=_ms(row.to_shipped), shipped_to_invoiced=_ms(row.to_invoiced),
                    versions=row.versions or 1, corrections=row.corrections or 0, findings=row.findings or 0,
                    rejected_by_partner=bool(row.rejected))

    def _order_facts_query(self, period: Period) -> Select[tuple[object, ...]]:
        d, o = DocumentRow, OutboundRow
        origins = self._origins()
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
        versions = select(d.partner, d.key, func.count().label("n")).where(
            d.kind == DocumentKind.ORDER).group_by(d.partner, d.key).subquery()
        audits = select(AuditRow.target, func.count().label("n")).where(
            AuditRow.action.in_((AuditAction.OVERRIDE, AuditAction.RESOLVE))).group_by(AuditRow.target).subquery()
        findings, joins = self._findings(d)
        po_ack = func.coalesce(per_doc.c.po_ack, bulk.c.at)
        q = select(
            d.id, d.partner, d.key, d.status, d.transmission_id, origins.c.origin,
            self._json_text(d.body, "dates", "requested_ship").label("requested_ship"),
            self._json_text(d.body, "dates", "ship_no_later").label("ship_no_later"),
            self._seconds(ack.c.at, origins.c.origin).label("to_997"),
            self._seconds(po_ack, origins.c.origin).label("to_855"),
            self._seconds(per_doc.c.shipped, origins.c.origin).label("to_shipped"),
            self._seconds(per_doc.c.invoiced, per_doc.c.shipped).label("to_invoiced"),
            versions.c.n.label("versions"), audits.c.n.label("corrections"), findings.label("findings"),
            per_doc.c.rejected.label("rejected"),
        ).select_from(d).join(origins, origins.c.id == d.transmission_id)
        q = q.outerjoin(ack, ack.c.tx == d.transmission_id).outerjoin(bulk, bulk.c.tx == d.transmission_id)
        q = q.outerjoin(per_doc, per_doc.c.doc == d.id)
        q = q.outerjoin(versions, and_(versions.c.partner == d.partner, versions.c.key == d.key))
        q = q.outerjoin(audits, audits.c.target == literal("order:", String) + cast(d.id, String))
        for sub, on in joins:
            q = q.outerjoin(sub, on)
        q = q.where(d.kind == DocumentKind.ORDER, d.superseded_by.is_(None))
        return q.where(*self._within(origins.c.origin, d.partner, period)).order_by(origins.c.origin, d.id)

    def _findings(self, d: type[DocumentRow]) -> tuple[ColumnElement[int], list[tuple[Subquery, ColumnElement[bool]]]]:
        """Error-log entries that concern one order: rule findings and map errors naming its
        ST02, and rule findings without an ST02 when the transmission holds only this order."""
        e = ErrorRow
        by_st02 = select(e.transmission_id.label("tx"), e.st02.label("st02"), func.count().label("n")).where(
            e.st02.is_not(None), or_(e.stage == "rules", and_(e.stage == "map", e.severity == Severity.ERROR)),
        ).group_by(e.transmission_id, e.st02).subquery()
        loose = select(e.transmission_id.label("tx"), func.count().label("n")).where(
            e.stage == "rules", e.st02.is_(None)).group_by(e.transmission_id).subquery()
        peers = select(d.transmission_id.label("tx"), func.count().label("n")).where(
            d.kind == DocumentKind.ORDER, d.superseded_by.is_(None)).group_by(d.transmission_id).subquery()
        st02 = self._json_text(d.body, "source", "st02")
        total = func.coalesce(by_st02.c.n, 0) + case((peers.c.n == 1, func.coalesce(loose.c.n, 0)), else_=0)
        return total, [(by_st02, and_(by_st02.c.tx == d.transmission_id, by_st02.c.st02 == st02)),
                       (loose, loose.c.tx == d.transmission_id), (peers, peers.c.tx == d.transmission_id)]

    def order_lines(self, document_ids: Sequence[int]) -> Iterator[tuple[int, str]]:
        """``(document id, its lines array as JSON text)`` for the orders asked for."""
        d = DocumentRow
        with self._read() as s:
            for start in range(0, len(document_ids), _BATCH):
                chunk = document_ids[start:start + _BATCH]
                q = select(d.id, self._json_text(d.body, "lines")).where(d.id.in_(chunk))
                for row in s.execute(q):
                    yield row[0], row[1] or "[]"

    def shipment_lines(self, period: Period = Period()) -> Iterator[ShipmentLines]:
        """Shipments recorded from ``period.since`` on (an order's shipments follow its
        receipt, so later ones count for it too), with their ``orders`` as JSON text."""
        d = DocumentRow
        q = select(d.partner, self._json_text(d.body, "ship_date"), self._json_text(d.body, "orders")).where(
            d.kind == DocumentKind.SHIPMENT)
        q = q.where(*self._within(d.created_at, d.partner, Period(period.since, None, period.partner)))
        with self._read() as s:
            for row in s.execute(q).yield_per(_BATCH):
                yield ShipmentLines(row[0], row[1] or "", row[2] or "[]")

    # -- outbound documents, transmissions, error log ---------------------------------

    def outbound_facts(self, period: Period = Period(), *, now: dt.datetime) -> Iterator[OutboundFacts]:
        """Our 855s, 856s and 810s sent (or generated) in ``period``; ``overdue`` as of ``now``."""
        o = OutboundRow
        ack_tx = aliased(TransmissionRow)
        sent = func.coalesce(o.sent_at, o.created_at)
        overdue = case((and_(o.ack_status == AckStatus.PENDING, o.ack_due_at < now), 1), else_=0)
        q = select(o.partner, o.set_id, o.ack_status, self._seconds(ack_tx.received_at, sent), overdue).select_from(
            o).outerjoin(ack_tx, ack_tx.id == o.ack_transmission_id).where(o.set_id.in_(_ACKED_SETS))
        q = q.where(*self._within(sent, o.partner, period))
        with self._read() as s:
            for row in s.execute(q).yield_per(_BATCH):
                yield OutboundFacts(row[0], row[1], row[2], _ms(row[3]), bool(row[4]))

    def transmission_counts(self, period: Period = Period()) -> list[TransmissionCounts]:
        """Per partner: inbound files received, duplicates, failed attempts, fixed and resolved."""
        t = TransmissionRow
        child = aliased(TransmissionRow)
        fixed = exists().where(child.parent_id == t.id, child.attempt > 1,
                               child.status.in_((Status.DONE, Status.RESOLVED)))
        q = select(
            t.partner,
            func.sum(case((and_(t.attempt == 1, t.status != Status.DUPLICATE), 1), else_=0)),
            func.sum(case((t.status == Status.DUPLICATE, 1), else_=0)),
            func.sum(case((t.status == Status.FAILED, 1), else_=0)),
            func.sum(case((and_(t.status == Status.FAILED, fixed), 1), else_=0)),
            func.sum(case((t.status == Status.RESOLVED, 1), else_=0)),
        ).where(t.direction == Direction.IN).group_by(t.partner).order_by(t.partner)
        q = q.where(*self._within(t.received_at, t.partner, period))
        with self._read() as s:
            return [TransmissionCounts(r[0], *(int(n or 0) for n in r[1:])) for r in s.execute(q)]

    def exception_counts(self, period: Period = Period()) -> list[CodeCount]:
        """Error-log entries per partner and code: errors of any stage and every rule
        finding (an order accepted with changes is an exception too)."""
        e, t = ErrorRow, TransmissionRow
        q = select(t.partner, e.code, func.count()).join(t, t.id == e.transmission_id).where(
            or_(e.severity == Severity.ERROR, e.stage == "rules")).group_by(t.partner, e.code)
        q = q.where(*self._within(t.received_at, t.partner, period))
        with self._read() as s:
            return [CodeCount(r[0], r[1], int(r[2])) for r in s.execute(q)]

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
        child = aliased(TransmissionRow)
        retried = exists().where(child.parent_id == t.id, child.attempt > 1)
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

    def _origins(self) -> CTE:
        """Each inbound transmission's id with the time its first attempt arrived."""
        t = TransmissionRow
        first = select(t.id.label("id"), t.received_at.label("origin")).where(
            t.direction == Direction.IN, t.attempt == 1).cte("origins", recursive=True)
        later = select(t.id, first.c.origin).join(first, t.parent_id == first.c.id).where(t.attempt > 1)
        return first.union_all(later)

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

    def _seconds(self, later: _Column, earlier: _Column) -> ColumnElement[float]:
        """``later - earlier`` in seconds, computed by the database (NULL when either is)."""
        if self.dialect == "postgresql":
            return cast(func.extract("epoch", later - earlier), Float)
        return cast((func.julianday(later) - func.julianday(earlier)) * 86400.0, Float)


def _ms(seconds: float | None) -> float | None:
    """Seconds to the millisecond: SQLite's julianday arithmetic is a few microseconds off."""
    return None if seconds is None else round(seconds, 3)
