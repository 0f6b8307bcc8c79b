"""What the scheduled gateway asks of the store: its job store, queued sends, one-off notes.

`job_store` hands APScheduler a job store on the store's own engine, so schedules survive a
restart without the scheduler importing SQLAlchemy. APScheduler creates its table
(``apscheduler_jobs``) itself; it holds pickled triggers, nothing edigate reads.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import or_, select

from edigate.store import convert
from edigate.store.base import StoreBase
from edigate.store.records import EventKind, Outbound, Status
from edigate.store.tables import EventRow, OutboundRow, TransmissionRow
from edigate.store.types import utcnow

__all__ = ["JOB_TABLE", "SchedulingMixin", "job_store"]

JOB_TABLE = "apscheduler_jobs"


def job_store(store: StoreBase) -> Any:
    """An APScheduler ``SQLAlchemyJobStore`` on ``store``'s engine, which it leaves open."""
    from apscheduler.jobstores.sqlalchemy import SQLAlchemyJobStore  # type: ignore[import-untyped]

    class _OnTheStoresEngine(SQLAlchemyJobStore):  # type: ignore[misc]
        def shutdown(self) -> None:
            pass  # the engine is the store's: its connections stay the store's to close

    return _OnTheStoresEngine(engine=store.engine, tablename=JOB_TABLE)


class SchedulingMixin(StoreBase):

    def unsent_outbounds(self, *, older_than: dt.timedelta = dt.timedelta(0),
                         now: dt.datetime | None = None) -> list[Outbound]:
        """Outbound documents never sent, oldest first, leaving those a worker is processing
        (its own send stage is about to send them) and those younger than ``older_than``."""
        cutoff = (now or utcnow()) - older_than
        busy = select(TransmissionRow.id).where(TransmissionRow.status == Status.PROCESSING)
        q = (select(OutboundRow)
             .where(OutboundRow.sent_at.is_(None), OutboundRow.created_at <= cutoff,
                    or_(OutboundRow.transmission_id.is_(None), OutboundRow.transmission_id.not_in(busy)))
             .order_by(OutboundRow.id))
        with self._read() as s:
            return [convert.outbound(r) for r in s.scalars(q)]

    def has_event(self, *, kind: EventKind, code: str, subject: str,
                  partner: str | None = None) -> bool:
        """Whether an entry with ``code`` was written about ``subject`` (its message starts
        with ``subject`` and a colon): how an alert is raised once per document."""
        q = select(EventRow.id).where(EventRow.kind == kind, EventRow.code == code,
                                      EventRow.message.startswith(f"{subject}:", autoescape=True))
        if partner is not None:
            q = q.where(EventRow.partner == partner)
        with self._read() as s:
            return s.scalar(q.limit(1)) is not None
