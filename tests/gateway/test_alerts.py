"""Alert checks against a real store, mailed to a real SMTP server and posted to a real
HTTP server, both on loopback."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import socket
import threading
from collections.abc import Iterator
from email import message_from_bytes
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, Envelope, LoginPassword, Session, SMTP

from edigate.gateway.alerts import ACK_OVERDUE, DELIVERY_FAILED, MDN_OVERDUE, NOT_THEIRS, PARTNER_SILENT, TX_FAILED, \
    run_alert_checks, silence_threshold
from edigate.config.alerts import AlertSettings
from edigate.errors import ConfigError
from edigate.store import ErrorEntry, EventKind, MdnVerdict, Status, Store
from edigate.config.workspace import Workspace, load_workspace

NOW = dt.datetime.now(dt.UTC) + dt.timedelta(hours=2)  # failures recorded "now" are 2 h old by then
HOUR = dt.timedelta(hours=1)


def _receive(store: Store, partner: str, at: dt.datetime) -> int:
    data = f"{partner} {at.isoformat()}".encode()
    return store.record_received(partner=partner, channel="folder", file_name="in.x12", size=len(data),
                                 sha256=hashlib.sha256(data).hexdigest(), received_at=at).transmission.id


def _overdue(store: Store, partner: str, n: int) -> None:
    store.record_outbound(partner=partner, set_id="855", key=f"855:{n}", isa13=f"{n:09d}", gs06=str(n), st02="0001",
                          archive_path="x", sha256="0" * 64, ack_due_at=NOW - HOUR)


def _troubles(store: Store) -> None:
    for hours in range(10):  # every hour for 10 hours, then nothing for two days
        _receive(store, "quiet", NOW - dt.timedelta(days=2, hours=hours))
    for hours in range(10):  # every hour, the last one 30 minutes ago
        _receive(store, "busy", NOW - dt.timedelta(minutes=30) - hours * HOUR)
    for days in (30, 60):  # two files: no usual yet
        _receive(store, "new", NOW - dt.timedelta(days=days))
    failed = _receive(store, "busy", NOW - 3 * HOUR)
    store.set_status(failed, Status.FAILED, stage="validate")
    _overdue(store, "busy", 1)
    store.record_outbound(partner="busy", set_id="855", key="855:on-time", isa13="000000002", gs06="2", st02="0001",
                          archive_path="x", sha256="0" * 64, ack_due_at=NOW + HOUR)


def test_each_condition_is_raised_once(store: Store, tmp_path: Path) -> None:
    _troubles(store)
    ws = Workspace(root=tmp_path)
    raised = run_alert_checks(store, ws, NOW)
    assert sorted((a.code, a.partner) for a in raised) == [
        (ACK_OVERDUE, "busy"), (PARTNER_SILENT, "quiet"), (TX_FAILED, "busy")]
    silent = next(a for a in raised if a.code == PARTNER_SILENT)
    assert "nothing received from quiet for 2d" in silent.message and "alert after 3h" in silent.message
    logged = store.events(kind=EventKind.ALERT)
    assert sorted(e.code.split(":")[0] for e in logged) == sorted(a.code for a in raised)
    assert all(e.at == NOW for e in logged)

    assert run_alert_checks(store, ws, NOW + HOUR) == []  # nothing new
    _overdue(store, "busy", 3)
    [late] = [o for o in store.overdue_acks(NOW) if o.key == "855:3"]
    again = run_alert_checks(store, ws, NOW + HOUR)
    assert [(a.code, a.subject) for a in again] == [(ACK_OVERDUE, f"out{late.id}")]
    assert len(store.events(kind=EventKind.ALERT)) == 4


def test_a_reprocessed_failure_is_not_an_alert(store: Store, tmp_path: Path) -> None:
    failed = _receive(store, "busy", NOW - 3 * HOUR)
    store.set_status(failed, Status.FAILED, stage="map")
    store.reprocess(failed, actor="ann")
    assert run_alert_checks(store, Workspace(root=tmp_path), NOW) == []


def test_a_partners_file_name_and_bytes_stay_one_line_in_an_alert(store: Store, tmp_path: Path) -> None:
    tx = store.record_received(partner="busy", channel="folder", file_name="po\x1b[2J\n.x12", size=1,
                               sha256="0" * 64, received_at=NOW - 3 * HOUR).transmission.id
    store.add_errors(tx, [ErrorEntry("envelope", "envelope.unknown_partner", "ISA06 'EVIL\u202e' is no partner's")])
    store.set_status(tx, Status.FAILED, stage="envelope")
    raised = run_alert_checks(store, Workspace(root=tmp_path), NOW)
    assert sorted(a.code for a in raised) == [NOT_THEIRS, TX_FAILED]  # at once, and as any failure
    assert all(a.message.isprintable() and "po\\x1b[2J\\n.x12" in a.message for a in raised)
    [envelope] = [a for a in raised if a.code == NOT_THEIRS]
    assert "'EVIL\\u202e'" in envelope.message


def test_an_async_mdn_that_did_not_come_is_an_alert_once(store: Store, tmp_path: Path) -> None:
    late = store.await_mdn(message_id="<late@edigate>", partner="busy", as2_id="BUSYAS2", mic="abc, sha256")
    store.await_mdn(message_id="<answered@edigate>", partner="busy", as2_id="BUSYAS2", mic=None)
    store.record_mdn("<answered@edigate>", MdnVerdict(status="processed", disposition="processed"))
    ws = Workspace(root=tmp_path)
    assert run_alert_checks(store, ws, NOW - HOUR - HOUR) == []  # sent "now": not overdue yet
    [alert] = run_alert_checks(store, ws, NOW)
    assert (alert.code, alert.subject, alert.partner) == (MDN_OVERDUE, f"as2-{late.id}", "busy")
    assert "<late@edigate>" in alert.message
    store.record_mdn("<late@edigate>", MdnVerdict(status="processed", disposition="processed"))
    assert run_alert_checks(store, ws, NOW + HOUR) == []


def test_silence_threshold_comes_from_the_partners_history() -> None:
    settings = AlertSettings(silence_factor=2.0, silence_minimum_hours=1.0, silence_min_files=4)
    start = dt.datetime(2026, 3, 2, tzinfo=dt.UTC)
    daily = [start + dt.timedelta(days=n) for n in range(8)]
    assert silence_threshold(daily, settings) == dt.timedelta(days=2)
    assert silence_threshold(daily[:3], settings) is None
    minutes = [start + dt.timedelta(minutes=n) for n in range(8)]
    assert silence_threshold(minutes, settings) == dt.timedelta(hours=1)  # the floor


# -- delivery --------------------------------------------------------------------------

class _Inbox:
    def __init__(self) -> None:
        self.messages: list[tuple[str, list[str], bytes]] = []
        self.logins: list[tuple[str, str]] = []

    async def handle_DATA(self, server: SMTP, session: Session, envelope: Envelope) -> str:
        self.messages.append((envelope.mail_from or "", list(envelope.rcpt_tos), envelope.content or b""))
        return "250 OK"

    def __call__(self, server: SMTP, session: Session, envelope: Envelope, mechanism: str, data: Any) -> AuthResult:
        assert isinstance(data, LoginPassword)
        self.logins.append((data.login.decode(), data.password.decode()))
        return AuthResult(success=data.password == b"s3cret", handled=False)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture
def smtp_server() -> Iterator[tuple[_Inbox, int]]:
    inbox = _Inbox()
    port = _free_port()
    controller = Controller(inbox, hostname="127.0.0.1", port=port, authenticator=inbox, auth_require_tls=False)
    controller.start()
    try:
        yield inbox, port
    finally:
        controller.stop()


class _Hook(BaseHTTPRequestHandler):
    received: list[tuple[dict[str, str], bytes]] = []
    status = 204

    def do_POST(self) -> None:
        body = self.rfile.read(int(self.headers["Content-Length"]))
        type(self).received.append((dict(self.headers), body))
        self.send_response(self.status)
        self.end_headers()

    def log_message(self, *args: Any) -> None:
        pass


@pytest.fixture
def webhook() -> Iterator[tuple[type[_Hook], int]]:
    handler = type("Hook", (_Hook,), {"received": [], "status": 204})
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield handler, server.server_address[1]
    finally:
        server.shutdown()
        server.server_close()
        thread.join()


def _workspace(tmp_path: Path, smtp_port: int, hook_port: int) -> Workspace:
    (tmp_path / "hook-token").write_text("t0ken\n")
    (tmp_path / "edigate.yaml").write_text(f"""\
alerts:
  failed_after_minutes: 60
  smtp:
    host: 127.0.0.1
    port: {smtp_port}
    security: none
    username: edigate
    password: env:EDIGATE_TEST_SMTP_PASSWORD
    sender: edigate@example.com
    to: ops@example.com
  webhook:
    url: http://127.0.0.1:{hook_port}/alerts
    token: file:hook-token
""")
    return load_workspace(tmp_path)


def test_new_alerts_are_mailed_and_posted(store: Store, tmp_path: Path, smtp_server: tuple[_Inbox, int],
                                          webhook: tuple[type[_Hook], int], monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("EDIGATE_TEST_SMTP_PASSWORD", "s3cret")
    inbox, smtp_port = smtp_server
    hook, hook_port = webhook
    _troubles(store)
    ws = _workspace(tmp_path, smtp_port, hook_port)
    raised = run_alert_checks(store, ws, NOW)
    assert len(raised) == 3 and all(a.delivery_problems == () for a in raised)

    assert inbox.logins == [("edigate", "s3cret")]
    [(sender, to, raw)] = inbox.messages
    mail = message_from_bytes(raw)
    assert (sender, to, mail["Subject"]) == ("edigate@example.com", ["ops@example.com"],
                                             "edigate: 3 new alert(s) (error)")
    body = mail.get_payload()
    assert isinstance(body, str) and body.count("[") == 3 and "quiet" in body

    [(headers, data)] = hook.received
    assert headers["Authorization"] == "Bearer t0ken" and headers["Content-Type"] == "application/json"
    posted = json.loads(data)
    assert posted["source"] == "edigate" and {a["code"] for a in posted["alerts"]} == {
        ACK_OVERDUE, TX_FAILED, PARTNER_SILENT}

    assert run_alert_checks(store, ws, NOW) == []
    assert len(inbox.messages) == 1 and len(hook.received) == 1  # nothing new, nothing sent


def test_a_failed_delivery_is_logged_not_raised(store: Store, tmp_path: Path, webhook: tuple[type[_Hook], int],
                                                monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("EDIGATE_TEST_SMTP_PASSWORD", "s3cret")
    hook, hook_port = webhook
    hook.status = 500
    _overdue(store, "busy", 1)
    ws = _workspace(tmp_path, _free_port(), hook_port)  # nobody listens on the SMTP port
    [alert] = run_alert_checks(store, ws, NOW)
    assert len(alert.delivery_problems) == 2
    smtp, web = alert.delivery_problems
    assert smtp.startswith(f"SMTP 127.0.0.1:{ws.alerts.smtp.port}: ") if ws.alerts.smtp else False
    assert web == f"webhook http://127.0.0.1:{hook_port}: answered 500 Internal Server Error"
    failures = store.events(kind=EventKind.ALERT, code=DELIVERY_FAILED)
    assert len(failures) == 2 and all("1 alert(s) not delivered" in e.message for e in failures)


def test_a_wrong_password_is_a_delivery_problem(store: Store, tmp_path: Path, smtp_server: tuple[_Inbox, int],
                                                webhook: tuple[type[_Hook], int],
                                                monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("EDIGATE_TEST_SMTP_PASSWORD", "wrong")
    _overdue(store, "busy", 1)
    [alert] = run_alert_checks(store, _workspace(tmp_path, smtp_server[1], webhook[1]), NOW)
    assert [p.split(": ", 1)[1][:3] for p in alert.delivery_problems] == ["535"]
    assert "wrong" not in alert.delivery_problems[0]


def test_alert_settings_are_checked_at_load(tmp_path: Path) -> None:
    (tmp_path / "edigate.yaml").write_text("alerts:\n  smtp:\n    host: mail\n    sender: nobody\n"
                                           "    to: []\n    password: hunter2\n  webhook:\n    url: ftp://x\n")
    with pytest.raises(ConfigError) as caught:
        load_workspace(tmp_path)
    text = str(caught.value)
    assert "alerts.smtp.sender: expected an e-mail address" in text
    assert "alerts.smtp.password: secrets may not be written inline" in text and "hunter2" not in text
    assert "alerts.webhook.url: expected an http:// or https:// URL" in text
