"""Tickets in ticket systems: which ticket each exception has in each system, and the work
waiting for those systems.

A link is made once per system and event key (``tx_failed:tx17``), with an ``open`` queued;
a recurrence queues a ``comment`` on the same link, a resolution a ``close``. The gateway
(`edigate.gateway.tickets`) does the work in order per link and records the outcome here: a
failure leaves the work queued with its error and the time to try again, so a ticket system
that is down loses nothing and holds up nothing else.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from edigate.store.base import StoreBase
from edigate.store.records import AuditAction, AuditEvent
from edigate.store.tables import AuditRow, TicketActionRow, TicketLinkRow, TransmissionRow
from edigate.store import convert
from edigate.store.types import utcnow

__all__ = ["TicketLink", "TicketWork", "TicketsMixin"]

_RESOLVED = (AuditRow.action == AuditAction.RESOLVE) | (
    (AuditRow.action == AuditAction.REPROCESS) & AuditRow.note.startswith("superseded by "))
"""What closes an exception: a specialist's resolve, or `supersede`'s note on a failed attempt."""

PENDING, OPEN, CLOSED, CLOSED_THERE = "pending", "open", "closed", "closed-there"
"""A link's status: not opened yet, open, closed by us, closed on the other side."""


@dataclass(frozen=True, slots=True)
class TicketLink:
    id: int
    system: str
    event_key: str
    subject: str | None
    partner: str | None
    title: str
    external_id: str | None
    status: str
    remote_status: str | None
    created_at: dt.datetime
    opened_at: dt.datetime | None
    closed_at: dt.datetime | None
    checked_at: dt.datetime | None
    pending: int = 0
    """Work still queued for it."""
    last_error: str | None = None
    """Why its oldest queued work failed last, if it did."""


@dataclass(frozen=True, slots=True)
class TicketWork:
    """One queued action for a link: ``open`` (body: the ticket as JSON), ``comment`` or
    ``close`` (body: the text)."""

    id: int
    link: TicketLink
    action: str
    body: str
    attempts: int


def _link(row: TicketLinkRow, pending: int = 0, last_error: str | None = None) -> TicketLink:
    return TicketLink(row.id, row.system, row.event_key, row.subject, row.partner, row.title, row.external_id,
                      row.status, row.remote_status, row.created_at, row.opened_at, row.closed_at,
                      row.checked_at, pending, last_error)


class TicketsMixin(StoreBase):

    def queue_ticket(self, system: str, event_key: str, *, title: str, ticket: str, comment: str,
                     subject: str | None = None, partner: str | None = None) -> str:
        """Queue ``open`` (a new link, body ``ticket``) or, when ``event_key`` has a ticket in
        ``system`` already, ``comment``; which one."""
        def work(s: Session) -> str:
            row = s.scalar(select(TicketLinkRow).where(TicketLinkRow.system == system,
                                                       TicketLinkRow.event_key == event_key))
            if row is None:
                row = TicketLinkRow(system=system, event_key=event_key, subject=subject, partner=partner,
                                    title=title, status=PENDING)
                s.add(row)
                s.flush()
                s.add(TicketActionRow(link_id=row.id, action="open", body=ticket))
                return "open"
            s.add(TicketActionRow(link_id=row.id, action="comment", body=comment))
            return "comment"
        return self._write_retrying(work)

    def queue_ticket_close(self, link_id: int, note: str) -> bool:
        """Queue ``close`` for a link not closed yet and with no close queued; whether queued."""
        with self._write() as s:
            row = s.get_one(TicketLinkRow, link_id)
            queued = s.scalar(select(TicketActionRow.id).where(
                TicketActionRow.link_id == link_id, TicketActionRow.action == "close",
                TicketActionRow.done_at.is_(None)))
            if row.status in (CLOSED, CLOSED_THERE) or queued is not None:
                return False
            s.add(TicketActionRow(link_id=link_id, action="close", body=note))
            return True

    def ticket_links(self, *, open_only: bool = False, event_key: str | None = None) -> list[TicketLink]:
        """Links, oldest first, with how much work each still has queued."""
        q = select(TicketLinkRow).order_by(TicketLinkRow.id)
        if open_only:
            q = q.where(TicketLinkRow.status.in_((PENDING, OPEN)))
        if event_key is not None:
            q = q.where(TicketLinkRow.event_key == event_key)
        a = TicketActionRow
        with self._read() as s:
            links = list(s.scalars(q))
            queued = {r[0]: r[1] for r in s.execute(
                select(a.link_id, func.count()).where(a.done_at.is_(None)).group_by(a.link_id))}
            errors = {r.link_id: r.last_error for r in s.scalars(
                select(a).where(a.done_at.is_(None), a.last_error.is_not(None)).order_by(a.id.desc()))}
            return [_link(r, int(queued.get(r.id, 0)), errors.get(r.id)) for r in links]

    def ticket_work(self, now: dt.datetime) -> list[TicketWork]:
        """The next queued action of each link whose time has come, oldest first: a link's
        actions are done one after the other (no comment before its ticket is open)."""
        a = TicketActionRow
        first = select(func.min(a.id)).where(a.done_at.is_(None)).group_by(a.link_id)
        q = select(a, TicketLinkRow).join(TicketLinkRow, TicketLinkRow.id == a.link_id).where(
            a.id.in_(first), (a.next_at.is_(None)) | (a.next_at <= now)).order_by(a.id)
        with self._read() as s:
            return [TicketWork(w.id, _link(link), w.action, w.body, w.attempts) for w, link in s.execute(q)]

    def ticket_work_done(self, work_id: int, *, external_id: str | None = None,
                         now: dt.datetime | None = None) -> None:
        """Record queued work as done: an ``open`` gives the link its id, a ``close`` closes it."""
        at = now or utcnow()
        with self._write() as s:
            work = s.get_one(TicketActionRow, work_id)
            link = s.get_one(TicketLinkRow, work.link_id)
            work.done_at, work.last_error = at, None
            if work.action == "open":
                link.external_id, link.status, link.opened_at = external_id, OPEN, at
            elif work.action == "close" and link.status != CLOSED_THERE:
                link.status, link.closed_at = CLOSED, at

    def ticket_work_failed(self, work_id: int, error: str, retry_at: dt.datetime, *, drop: bool = False) -> None:
        """Record a failed try: tried again from ``retry_at``, or with ``drop`` not again."""
        with self._write() as s:
            work = s.get_one(TicketActionRow, work_id)
            work.attempts, work.last_error, work.next_at = work.attempts + 1, error[:2000], retry_at
            if drop:
                work.done_at = retry_at

    def ticket_checked(self, link_id: int, remote_status: str, closed: bool, now: dt.datetime) -> bool:
        """Record a link's state read back; a ticket closed there closes the link (its queued
        work is dropped: nothing left to say). Whether it was closed there just now."""
        with self._write() as s:
            link = s.get_one(TicketLinkRow, link_id)
            link.remote_status, link.checked_at = remote_status, now
            if not closed or link.status != OPEN:
                return False
            link.status, link.closed_at = CLOSED_THERE, now
            for work in s.scalars(select(TicketActionRow).where(TicketActionRow.link_id == link_id,
                                                                TicketActionRow.done_at.is_(None))):
                work.done_at, work.last_error = now, f"not done: the ticket was closed in {link.system}"
            return True

    def resolutions(self, subjects: Sequence[str], since: dt.datetime) -> dict[str, AuditEvent]:
        """The newest ``resolve`` audited since ``since`` for each subject (``tx:17`` takes in
        every later attempt of transmission 17; ``order:5`` is one order), or the note that a
        failed attempt was superseded (a later attempt got through)."""
        found: dict[str, AuditEvent] = {}
        with self._read() as s:
            for subject in subjects:
                kind, _, ident = subject.partition(":")
                targets = [subject] if kind != "tx" else [f"tx:{i}" for i in self._attempts(s, int(ident))]
                row = s.scalar(select(AuditRow).where(
                    _RESOLVED, AuditRow.target.in_(targets), AuditRow.at >= since).order_by(AuditRow.id.desc()).limit(1))
                if row is not None:
                    found[subject] = convert.audit(row)
        return found

    def first_attempt(self, transmission_id: int) -> int:
        """The transmission a chain of reprocess attempts started from. Only a reprocess
        attempt (attempt > 1) climbs: a first attempt's parent is the file it duplicates,
        another chain with its own ticket."""
        with self._read() as s:
            current = transmission_id
            while (row := s.execute(select(TransmissionRow.parent_id, TransmissionRow.attempt).where(
                    TransmissionRow.id == current)).one_or_none()) and row.parent_id and row.attempt > 1:
                current = row.parent_id
            return current

    @staticmethod
    def _attempts(s: Session, first: int) -> list[int]:
        """``first`` and every reprocess attempt made from it, however many times reprocessed
        (not the duplicates that link to it)."""
        found, frontier = [first], [first]
        while frontier:
            frontier = list(s.scalars(select(TransmissionRow.id).where(TransmissionRow.parent_id.in_(frontier),
                                                                       TransmissionRow.attempt > 1)))
            found.extend(frontier)
        return found
