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


def test_pruning_keeps_alerts_and_the_newest_of_each_kind(url: str) -> None:
    with Store.open(url) as store:
        t0 = dt.datetime(2026, 1, 1, tzinfo=dt.UTC)

        def at(days: int, code: str, kind: EventKind = EventKind.CHANNEL, partner: str = "acme") -> int:
            return store.record_event(kind=kind, code=code, message=code, partner=partner, channel="in",
                                      at=t0 + dt.timedelta(days=days)).id

        old_polls = [at(d, "channel.polled") for d in range(5)]
        last_old_failure = at(1, "channel.poll_failed")
        alert = at(0, "alert.ack_overdue:out1", EventKind.ALERT)
        other = at(2, "channel.polled", partner="other")
        recent = at(100, "channel.polled")
        cutoff = t0 + dt.timedelta(days=90)

        assert store.prune_events(cutoff, dry_run=True) == 5
        assert len(store.events()) == 9
        assert store.prune_events(cutoff) == 5
        kept = {e.id for e in store.events()}
        assert kept == {last_old_failure, alert, other, recent}
        assert not kept & set(old_polls)
        assert store.prune_events(cutoff) == 0
        latest = store.latest_events(kind=EventKind.CHANNEL)
        assert {k: e.id for k, e in latest.items()} == {
            ("acme", "in", "channel.polled"): recent, ("acme", "in", "channel.poll_failed"): last_old_failure,
            ("other", "in", "channel.polled"): other}
