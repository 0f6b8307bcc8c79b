from __future__ import annotations

import datetime as dt

from edigate.store import EventKind, Severity, Store


def test_events_are_kept_and_filtered_newest_first(url: str) -> None:
    with Store.open(url) as store:
        t0 = dt.datetime(2026, 11, 1, tzinfo=dt.UTC)
        store.record_event(kind=EventKind.CHANNEL, code="channel.login_failed", message="auth refused",
                           severity=Severity.ERROR, partner="acme", channel="sftp", at=t0)
        store.record_event(kind=EventKind.ALERT, code="alert.overdue_ack", message="3 overdue",
                           severity=Severity.WARNING, partner="acme", at=t0 + dt.timedelta(hours=1))
        store.record_event(kind=EventKind.CHANNEL, code="channel.poll_ok", message="0 files",
                           partner="other", channel="in", at=t0 + dt.timedelta(hours=2))

        assert [e.code for e in store.events()] == ["channel.poll_ok", "alert.overdue_ack",
                                                    "channel.login_failed"]
        channel = store.events(kind=EventKind.CHANNEL, partner="acme")
        assert [(e.code, e.severity, e.channel, e.at) for e in channel] == [
            ("channel.login_failed", Severity.ERROR, "sftp", t0)]
        assert [e.code for e in store.events(since=t0 + dt.timedelta(minutes=30), limit=1)] == [
            "channel.poll_ok"]
        assert store.events(code="alert.overdue_ack")[0].message == "3 overdue"
