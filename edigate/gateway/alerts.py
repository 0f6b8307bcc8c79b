"""Scheduled checks that call for a person: overdue acks, async MDNs that did not come,
failed transmissions nobody took up, held orders, partners silent for longer than usual.

`run_alert_checks` runs every check once: each condition found for the first time becomes
an entry in the event log (kind ``alert``, code ``alert.<check>:<subject>``, so a condition
is raised once however often the checks run) and the new ones are sent together, by mail
and to a webhook where ``edigate.yaml`` configures them (`edigate.config.alerts`). A
delivery that fails is logged as ``alert.delivery_failed`` and never stops the checks.
The new ones are also queued as tickets where ``tickets:`` configures ticket systems
(`edigate.gateway.tickets`; sent by the scheduler's ``tickets`` job, never waited on here).
The scheduler calls it as a job; ``edigate alerts check`` runs it from the command line.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, replace
from functools import partial

from edigate.config.alerts import AlertSettings
from edigate.errors import TransportError
from edigate.stages.identify import UNKNOWN_PARTNER
from edigate.reports.kpi import format_seconds, quantile
from edigate.gateway.tickets import raise_tickets
from edigate.printable import shown
from edigate.orders.purposes import po_of_key
from edigate.store import DocumentKind, DocumentStatus, EventKind, Severity, Store
from edigate.transport.notify import post_webhook, send_mail
from edigate.config.workspace import Workspace

__all__ = ["ACK_OVERDUE", "DELIVERY_FAILED", "MDN_OVERDUE", "NOT_THEIRS", "ORDER_HELD", "PARTNER_SILENT", "TX_FAILED", "Alert",
           "run_alert_checks", "silence_threshold"]

ACK_OVERDUE = "alert.ack_overdue"
MDN_OVERDUE = "alert.mdn_overdue"
TX_FAILED = "alert.tx_failed"
NOT_THEIRS = "alert.envelope"
_ENVELOPE_CODES = frozenset({"envelope.unknown_partner", "envelope.partner_mismatch", "envelope.usage"})
PARTNER_SILENT = "alert.partner_silent"
ORDER_HELD = "alert.order_held"
DELIVERY_FAILED = "alert.delivery_failed"


@dataclass(frozen=True, slots=True)
class Alert:
    """One condition: ``code`` names the check, ``subject`` what it is about (``out42``,
    ``tx17``: for a silent partner, its last file)."""

    code: str
    subject: str
    severity: Severity
    message: str
    partner: str | None = None
    transmission_id: int | None = None
    delivery_problems: tuple[str, ...] = ()

    @property
    def event_code(self) -> str:
        return f"{self.code}:{self.subject}"


def run_alert_checks(store: Store, workspace: Workspace, now: dt.datetime) -> list[Alert]:
    """Run every check; log and send the alerts not raised before, and return them."""
    settings = workspace.alerts
    found = [*_overdue_acks(store, now), *_overdue_mdns(store, settings, now), *_not_theirs(store, now),
             *_stale_failures(store, settings, now), *_held_orders(store),
             *_silent_partners(store, workspace, settings, now)]
    seen = store.recorded_event_codes(EventKind.ALERT, [a.event_code for a in found])
    new = [a for a in dict((a.event_code, a) for a in found).values() if a.event_code not in seen]
    with store.unit():  # raised and ticketed together: a ticket that cannot be queued leaves the alert new
        for a in new:
            store.record_event(kind=EventKind.ALERT, code=a.event_code, message=a.message, severity=a.severity,
                               partner=a.partner, transmission_id=a.transmission_id, at=now)
        raise_tickets(store, workspace.tickets, new)
    problems = _deliver(store, settings, new, now) if new else ()
    return [replace(a, delivery_problems=problems) for a in new]


# -- the checks ----------------------------------------------------------------------

def _overdue_acks(store: Store, now: dt.datetime) -> Iterator[Alert]:
    for o in store.overdue_acks(now):
        due = f"{o.ack_due_at:%Y-%m-%d %H:%M}" if o.ack_due_at else "?"
        yield Alert(ACK_OVERDUE, f"out{o.id}", Severity.WARNING,
                    f"{o.partner} has not acknowledged our {o.set_id} (ISA13 {o.isa13}, GS06 {o.gs06}, {o.key}), "
                    f"due {due} UTC", o.partner, o.transmission_id)


def _overdue_mdns(store: Store, settings: AlertSettings, now: dt.datetime) -> Iterator[Alert]:
    for m in store.awaiting_mdns(older_than=now - dt.timedelta(minutes=settings.mdn_within_minutes)):
        yield Alert(MDN_OVERDUE, f"as2-{m.id}", Severity.WARNING,
                    f"{m.partner} ({m.as2_id}) has not posted the MDN for AS2 message {m.message_id}, sent "
                    f"{m.sent_at:%Y-%m-%d %H:%M} UTC; the file may not have been processed", m.partner)


def _stale_failures(store: Store, settings: AlertSettings, now: dt.datetime) -> Iterator[Alert]:
    for t in store.stale_failures(now - dt.timedelta(minutes=settings.failed_after_minutes)):
        yield Alert(TX_FAILED, f"tx{t.transmission_id}", Severity.ERROR,
                    f"transmission {t.transmission_id} from {t.partner} ({shown(t.file_name)}) failed at "
                    f"{t.stage or 'receipt'} {format_seconds((now - t.finished_at).total_seconds())} ago; nobody has "
                    f"reprocessed or resolved it (edigate tx errors {t.transmission_id})", t.partner, t.transmission_id)


def _held_orders(store: Store) -> Iterator[Alert]:
    """Orders the rules held for a specialist: raised once each, at once."""
    for d in store.documents(kind=DocumentKind.ORDER, status=DocumentStatus.HELD, current=True):
        yield Alert(ORDER_HELD, f"order{d.id}", Severity.WARNING,
                    f"order {d.id} from {d.partner} (PO {po_of_key(d.key)}) is held for review "
                    f"(edigate orders show {d.id})", d.partner, d.transmission_id)


def _not_theirs(store: Store, now: dt.datetime) -> Iterator[Alert]:
    """Files whose envelope names no partner, another partner or the wrong usage: raised at
    once, not after ``failed_after_minutes`` (someone else's orders may have reached us)."""
    for t in store.stale_failures(now + dt.timedelta(seconds=1)):
        if t.stage != "envelope":
            continue
        found = [e for e in store.errors(t.transmission_id) if e.code in _ENVELOPE_CODES]
        if found:
            yield Alert(NOT_THEIRS, f"tx{t.transmission_id}", Severity.ERROR,
                        f"transmission {t.transmission_id} ({shown(t.file_name)}, received as {t.partner}) was not "
                        f"processed: {found[0].code}: {shown(found[0].message, backslashes=False)} "
                        f"(edigate tx errors {t.transmission_id})",
                        t.partner, t.transmission_id)


def _silent_partners(store: Store, workspace: Workspace, settings: AlertSettings,
                     now: dt.datetime) -> Iterator[Alert]:
    last = store.last_receipts()
    configured = {p.stem for p in workspace.partners_path.glob("*.yaml")} if workspace.partners_path.is_dir() else set()
    watched = {p: v for p, v in last.items() if (not configured or p in configured) and p != UNKNOWN_PARTNER}
    if not watched:
        return
    history = dt.timedelta(days=settings.silence_history_days)
    times = store.receipt_times(min(at for _, at in watched.values()) - history)
    for partner, (tx_id, at) in sorted(watched.items()):
        threshold = silence_threshold([t for t in times.get(partner, []) if t >= at - history], settings)
        if threshold is not None and now - at > threshold:
            yield Alert(PARTNER_SILENT, f"tx{tx_id}", Severity.WARNING,
                        f"nothing received from {partner} for {format_seconds((now - at).total_seconds())} "
                        f"(last file at {at:%Y-%m-%d %H:%M} UTC; alert after "
                        f"{format_seconds(threshold.total_seconds())})", partner, tx_id)


def silence_threshold(receipts: Sequence[dt.datetime], settings: AlertSettings) -> dt.timedelta | None:
    """How long a partner may stay quiet, from its history: ``silence_factor`` times the
    95th percentile of its gaps between files, at least ``silence_minimum_hours``; None
    while it has fewer than ``silence_min_files`` files."""
    if len(receipts) < settings.silence_min_files:
        return None
    gaps = sorted((b - a).total_seconds() for a, b in zip(receipts, receipts[1:]))
    usual = quantile(gaps, 0.95) or 0.0
    return max(dt.timedelta(seconds=usual * settings.silence_factor),
               dt.timedelta(hours=settings.silence_minimum_hours))


# -- delivery ------------------------------------------------------------------------

def _deliver(store: Store, settings: AlertSettings, alerts: Sequence[Alert], now: dt.datetime) -> tuple[str, ...]:
    sends: list[Callable[[], None]] = []
    if settings.smtp is not None:
        sends.append(partial(send_mail, settings.smtp, _subject(alerts), _text(alerts)))
    if settings.webhook is not None:
        sends.append(partial(post_webhook, settings.webhook, _payload(alerts, now)))
    problems = []
    for send in sends:
        try:
            send()
        except TransportError as exc:
            problems.append(exc.message)
            store.record_event(kind=EventKind.ALERT, code=DELIVERY_FAILED, severity=Severity.WARNING, at=now,
                               message=f"{len(alerts)} alert(s) not delivered: {exc.message}")
    return tuple(problems)


def _subject(alerts: Sequence[Alert]) -> str:
    worst = "error" if any(a.severity is Severity.ERROR for a in alerts) else "warning"
    return f"edigate: {len(alerts)} new alert(s) ({worst})"


def _text(alerts: Sequence[Alert]) -> str:
    lines = [f"[{a.severity.value}] {a.code}: {a.message}" for a in alerts]
    return "\n".join([*lines, "", "Each alert is in the event log; it is raised once per condition."]) + "\n"


def _payload(alerts: Sequence[Alert], now: dt.datetime) -> dict[str, object]:
    return {"source": "edigate", "at": now.isoformat(), "alerts": [
        {"code": a.code, "subject": a.subject, "severity": a.severity.value, "partner": a.partner,
         "transmission_id": a.transmission_id, "message": a.message} for a in alerts]}
