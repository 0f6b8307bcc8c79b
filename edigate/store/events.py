"""The event log: what happened outside a transmission's own error log.

Channel failures when nothing was received (a poll that could not log in), alerts raised by
scheduled checks, scheduler starts and stops. `edigate channels status` and the alert
senders read it; entries are never updated, only added, and pruned past their retention
(`prune_events`).
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import delete, func, select

from edigate.store import convert
from edigate.store.base import StoreBase
from edigate.store.records import Event, EventKind, Severity
from edigate.store.tables import EventRow
from edigate.store.types import utcnow

__all__ = ["EventsMixin"]


class EventsMixin(StoreBase):

    def record_event(self, *, kind: EventKind, code: str, message: str,
                     severity: Severity = Severity.INFO, partner: str | None = None,
                     channel: str | None = None, transmission_id: int | None = None,
                     at: dt.datetime | None = None) -> Event:
        """Add one entry; ``code`` is a dotted name such as ``channel.login_failed``."""
        with self._write() as s:
            row = EventRow(kind=kind, severity=severity, code=code, message=message,
                           partner=partner, channel=channel, transmission_id=transmission_id,
                           at=at or utcnow())
            s.add(row)
            s.flush()
            return convert.event(row)

    def events(self, *, kind: EventKind | None = None, partner: str | None = None,
               channel: str | None = None, code: str | None = None,
               since: dt.datetime | None = None, limit: int | None = None) -> list[Event]:
        """Entries matching every filter given, newest first."""
        q = select(EventRow).order_by(EventRow.id.desc())
        if kind is not None:
            q = q.where(EventRow.kind == kind)
        if partner is not None:
            q = q.where(EventRow.partner == partner)
        if channel is not None:
            q = q.where(EventRow.channel == channel)
        if code is not None:
            q = q.where(EventRow.code == code)
        if since is not None:
            q = q.where(EventRow.at >= since)
        with self._read() as s:
            return [convert.event(r) for r in s.scalars(q.limit(limit))]

    def latest_events(self, *, kind: EventKind) -> dict[tuple[str | None, str | None, str], Event]:
        """The newest entry of each partner, channel and code of ``kind``, in one query."""
        newest = select(func.max(EventRow.id)).where(EventRow.kind == kind).group_by(
            EventRow.partner, EventRow.channel, EventRow.code)
        with self._read() as s:
            return {(r.partner, r.channel, r.code): convert.event(r)
                    for r in s.scalars(select(EventRow).where(EventRow.id.in_(newest)))}

    def prune_events(self, before: dt.datetime, *, dry_run: bool = False) -> int:
        """Delete entries older than ``before``; how many (would) go.

        Alerts stay: each is how its condition is raised only once. So does the newest entry
        of each kind, partner, channel and code, however old: `edigate channels status`
        shows when a channel last worked, or last failed.
        """
        newest = select(func.max(EventRow.id)).group_by(EventRow.kind, EventRow.partner, EventRow.channel,
                                                        EventRow.code)
        old = [EventRow.at < before, EventRow.kind != EventKind.ALERT, EventRow.id.not_in(newest)]
        if dry_run:
            with self._read() as s:
                return int(s.scalar(select(func.count()).select_from(EventRow).where(*old)) or 0)
        with self._write() as s:
            return int(s.execute(delete(EventRow).where(*old)).rowcount)  # type: ignore[attr-defined]
