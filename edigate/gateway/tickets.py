"""Alerts become tickets: one per exception in each configured ticket system, a comment when
it happens again, closed when a specialist resolves it, read back when closed there.

`raise_tickets` is the ticket sink of the alert checks (`edigate.gateway.alerts`): for each
new alert it only queues work in the store (an ``open`` for a new event key, a ``comment``
for one seen before), so the checks never wait on a ticket system. `sync_tickets` is the
scheduler's ``tickets`` job (and ``edigate tickets sync``): it queues a ``close`` for each
ticket whose transmission or order was resolved (``tx resolve``, ``orders release``,
``orders reject`` audit a ``resolve``; a later attempt got through; the overdue ack came;
the silent partner sent again), does the queued work in order per ticket, and reads
back the state of open tickets every ``poll_minutes``. A ticket system that fails is logged
(event ``ticket.failed``) and its work tried again after ``retry_minutes``, up to
``max_tries`` (then ``ticket.dropped``); nothing else waits for it. A recurrence after the
ticket was closed is still a comment on it (the systems keep closed tickets' history).

Event keys: ``tx_failed:tx17`` (17 is the first attempt, so a reprocess that fails again
comments on the same ticket), ``order_held:order5``, ``ack_overdue:out42``,
``mdn_overdue:as2-3``, ``partner_silent:acme``.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import fnmatch
import json
import logging
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from edigate.config.tickets import TicketRoute, TicketSettings, TicketSystem
from edigate.connectors.tickets import LogLine, Placement, Ticket, TicketConnector, connector
from edigate.connectors.tickets.base import Priority
from edigate.errors import EdigateError
from edigate.store import AckStatus, AuditAction, ErrorEntry, EventKind, Severity, Store, TicketLink, TicketWork

if TYPE_CHECKING:
    from edigate.gateway.alerts import Alert

__all__ = ["TicketSync", "raise_tickets", "sync_tickets", "ticket_of"]

log = logging.getLogger(__name__)

MAX_LOG_LINES = 25
"""Error log entries a ticket carries (the rest: ``edigate tx errors``)."""

_LABELS = {"tx_failed": "transmission failed", "order_held": "order held", "ack_overdue": "997/999 overdue",
           "mdn_overdue": "MDN overdue", "partner_silent": "partner silent"}

_EVENTS = {"alert.tx_failed": "tx_failed", "alert.envelope": "tx_failed", "alert.order_held": "order_held",
           "alert.ack_overdue": "ack_overdue", "alert.mdn_overdue": "mdn_overdue",
           "alert.partner_silent": "partner_silent"}
"""The event each alert code is; a file that is not the partner's is a failed transmission
(the same ticket as its ``tx_failed`` alert half an hour later)."""

Connectors = Callable[[TicketSystem], TicketConnector]


@dataclass(frozen=True, slots=True)
class TicketSync:
    """What one sync did: work done, work failed (left queued), tickets found closed there."""

    done: int = 0
    failed: int = 0
    closed_there: int = 0
    problems: tuple[str, ...] = ()


# -- alerts in ---------------------------------------------------------------------------

def raise_tickets(store: Store, settings: TicketSettings, alerts: Iterable[Alert]) -> int:
    """Queue an open (or a comment) in every system for each alert, placed by the routes; how many."""
    if not settings.systems:
        return 0
    queued = 0
    for alert in alerts:
        event = _EVENTS.get(alert.code)
        if event is None:
            continue
        key, subject, first = _key(store, event, alert)
        errors = _log(store.errors(alert.transmission_id)) if alert.transmission_id and subject else ()
        codes = {e.code for e in errors} | {event}
        for name in settings.systems:
            place = _placement(settings.routes, name, alert.partner, codes, alert.severity)
            ticket = Ticket(key, _title(event, alert, first), alert.message, errors,
                            _commands(event, alert, first), alert.partner, place)
            store.queue_ticket(name, key, title=ticket.title, ticket=_dump(ticket), comment=_again(ticket),
                               subject=subject, partner=alert.partner)
            queued += 1
    return queued


def _key(store: Store, event: str, alert: Alert) -> tuple[str, str | None, int | None]:
    """The event key, the audit subject whose resolve closes it, and the first attempt."""
    if event == "tx_failed" and alert.transmission_id is not None:
        first = store.first_attempt(alert.transmission_id)
        return f"tx_failed:tx{first}", f"tx:{first}", first
    if event == "order_held":
        return f"order_held:{alert.subject}", f"order:{alert.subject.removeprefix('order')}", None
    if event == "partner_silent":
        return f"partner_silent:{alert.partner}", f"partner:{alert.partner}", None
    if event == "ack_overdue":
        return f"ack_overdue:{alert.subject}", f"out:{alert.subject.removeprefix('out')}", None
    return f"{event}:{alert.subject}", None, None


def _placement(routes: Sequence[TicketRoute], system: str, partner: str | None, codes: set[str],
               severity: Severity) -> Placement:
    """Where the first route that matches (and covers ``system``) puts the ticket there."""
    default: Priority = "high" if severity is Severity.ERROR else "medium"
    for route in routes:
        if route.partner not in (None, partner) or (route.systems and system not in route.systems):
            continue
        if route.code is not None and not any(fnmatch.fnmatchcase(c, route.code) for c in codes):
            continue
        return Placement(route.project, route.assignee, route.priority or default)
    return Placement(priority=default)


def _log(entries: Sequence[ErrorEntry]) -> tuple[LogLine, ...]:
    return tuple(LogLine(e.code, e.message, _segment(e), _element(e), e.value, e.hint)
                 for e in entries[:MAX_LOG_LINES] if e.severity is not Severity.INFO)


def _segment(e: ErrorEntry) -> str | None:
    if e.segment_id is None:
        return None
    return e.segment_id + (f" (segment {e.segment_position})" if e.segment_position else "")


def _element(e: ErrorEntry) -> str | None:
    if e.element_position is None:
        return None
    name = f"{e.segment_id or ''}{e.element_position:02d}"
    return name + (f"-{e.component_position}" if e.component_position else "")


def _title(event: str, alert: Alert, first: int | None) -> str:
    about = f"transmission {first}" if first is not None else alert.subject
    return f"edigate: {_LABELS[event]}: {alert.partner or 'unknown partner'}, {about}"


def _commands(event: str, alert: Alert, first: int | None) -> tuple[str, ...]:
    tx = alert.transmission_id
    if event == "tx_failed" and tx is not None:
        return (f"edigate tx view {tx}", f"edigate tx errors {tx}", f"edigate tx reprocess {tx} --file FIXED",
                f"edigate tx resolve {tx} --note TEXT")
    if event == "order_held":
        order = alert.subject.removeprefix("order")
        return (f"edigate orders show {order}", f"edigate orders release {order} --reason TEXT",
                f"edigate orders reject {order} --reason TEXT")
    if event == "ack_overdue" and tx is not None:
        return ("edigate acks overdue", f"edigate tx show {tx}", f"edigate tx resend {tx}")
    return ("edigate channels status", f"edigate tx list --partner {alert.partner}" if alert.partner
            else "edigate tx list")


def _again(ticket: Ticket) -> str:
    lines = [f"Happened again: {ticket.summary}"]
    lines += [f"- {e.code}: {e.message}" + (f" ({e.hint})" if e.hint else "") for e in ticket.errors[:5]]
    return "\n".join(lines)


def _dump(ticket: Ticket) -> str:
    return json.dumps(dataclasses.asdict(ticket))


def ticket_of(text: str) -> Ticket:
    """A queued ticket read back from its JSON."""
    raw = json.loads(text)
    return Ticket(raw["key"], raw["title"], raw["summary"], tuple(LogLine(**e) for e in raw["errors"]),
                  tuple(raw["commands"]), raw["partner"], Placement(**raw["placement"]))


# -- the sync ----------------------------------------------------------------------------

def sync_tickets(store: Store, settings: TicketSettings, now: dt.datetime,
                 connectors: Connectors = connector) -> TicketSync:
    """Queue closes for what was resolved, do the queued work, read back open tickets."""
    if not settings.systems:
        return TicketSync()
    _queue_closes(store)
    made: dict[str, TicketConnector] = {}
    try:
        done, failed, problems = _do_work(store, settings, now, lambda name: _made(made, settings, name, connectors))
        closed, more = _read_back(store, settings, now, lambda name: _made(made, settings, name, connectors))
    finally:
        for c in made.values():
            c.shutdown()
    return TicketSync(done, failed, closed, problems + more)


def _made(made: dict[str, TicketConnector], settings: TicketSettings, name: str,
          connectors: Connectors) -> TicketConnector:
    if name not in made:
        made[name] = connectors(settings.systems[name])
    return made[name]


def _queue_closes(store: Store) -> None:
    receipts: dict[str, tuple[int, dt.datetime]] | None = None
    for link in store.ticket_links(open_only=True):
        if link.subject is None:
            continue
        if link.subject.startswith("partner:") and receipts is None:
            receipts = store.last_receipts()
        note = _resolution(store, link, link.subject, receipts or {})
        if note is not None:
            store.queue_ticket_close(link.id, note)


def _resolution(store: Store, link: TicketLink, subject: str,
                receipts: dict[str, tuple[int, dt.datetime]]) -> str | None:
    """Why the exception behind ``link`` is over, if it is: a specialist resolved it (``tx
    resolve``, ``orders release``/``reject``), a later attempt got through, the ack came,
    the partner sent again."""
    kind, _, ident = subject.partition(":")
    if kind == "out":
        out = store.outbound(int(ident))
        return None if out.ack_status is AckStatus.PENDING else \
            f"{out.partner} acknowledged our {out.set_id} (ISA13 {out.isa13}): {out.ack_status.value}"
    if kind == "partner":
        tx, at = receipts.get(ident, (0, link.created_at))
        return f"{ident} sent again: transmission {tx} at {at:%Y-%m-%d %H:%M} UTC" if at > link.created_at else None
    found = store.resolutions([subject], link.created_at).get(subject)
    if found is None:
        return None
    why = "A later attempt got through" if found.action is AuditAction.REPROCESS else \
        f"Resolved in edigate by {found.actor}"
    return f"{why}: {found.note}"


def _do_work(store: Store, settings: TicketSettings, now: dt.datetime,
             get: Callable[[str], TicketConnector]) -> tuple[int, int, tuple[str, ...]]:
    done, down, problems = 0, set[str](), list[str]()
    for work in store.ticket_work(now):
        name = work.link.system
        if name not in settings.systems or name in down:
            continue  # a system no longer configured keeps its work; one that failed is left till next time
        try:
            store.ticket_work_done(work.id, external_id=_do(get(name), work), now=now)
            done += 1
        except EdigateError as exc:
            down.add(name)
            problems.append(_failed(store, settings, work, exc, now))
    return done, len(problems), tuple(problems)


def _do(conn: TicketConnector, work: TicketWork) -> str | None:
    link = work.link
    if work.action == "open":
        ticket = ticket_of(work.body)
        return conn.find(ticket.key) or conn.open(ticket)
    assert link.external_id is not None  # an open always comes first
    if work.action == "comment":
        conn.comment(link.external_id, work.body)
    else:
        conn.close(link.external_id, work.body)
    return link.external_id


def _failed(store: Store, settings: TicketSettings, work: TicketWork, exc: EdigateError, now: dt.datetime) -> str:
    tries = work.attempts + 1
    drop = tries >= settings.max_tries
    problem = (f"{work.link.system}: {work.action} {work.link.event_key} failed (try {tries}"
               f"{', dropped' if drop else ''}): {exc.message}")
    store.ticket_work_failed(work.id, exc.message, now + dt.timedelta(minutes=settings.retry_minutes), drop=drop)
    store.record_event(kind=EventKind.CHANNEL, code="ticket.dropped" if drop else "ticket.failed", message=problem,
                       severity=Severity.ERROR if drop else Severity.WARNING, partner=work.link.partner,
                       channel=f"tickets:{work.link.system}", at=now)
    log.warning("%s", problem)
    return problem


def _read_back(store: Store, settings: TicketSettings, now: dt.datetime,
               get: Callable[[str], TicketConnector]) -> tuple[int, tuple[str, ...]]:
    closed, problems = 0, list[str]()
    every = dt.timedelta(minutes=settings.poll_minutes)
    for link in _due(store.ticket_links(open_only=True), settings, now - every):
        assert link.external_id is not None
        try:
            state = get(link.system).state(link.external_id)
        except EdigateError as exc:
            problems.append(f"{link.system}: reading {link.external_id} failed: {exc.message}")
            continue
        if store.ticket_checked(link.id, state.status, state.closed, now):
            closed += 1
            store.record_event(kind=EventKind.CHANNEL, code="ticket.closed_there", partner=link.partner,
                               channel=f"tickets:{link.system}", at=now,
                               message=f"{link.system} ticket {link.external_id} ({link.event_key}) was closed "
                                       f"there: {state.status}")
    return closed, tuple(problems)


def _due(links: Iterable[TicketLink], settings: TicketSettings, before: dt.datetime) -> Iterable[TicketLink]:
    return [link for link in links if link.system in settings.systems and link.external_id is not None
            and link.status == "open" and link.pending == 0 and (link.checked_at is None or link.checked_at <= before)]
