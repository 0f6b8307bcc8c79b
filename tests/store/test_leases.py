"""Leases and turns in the store: one holder at a time, taken over once run out, and a
periodic job's turn once per period between every gateway sharing the store."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import update

from edigate.store import Store
from edigate.store.tables import LeaseRow
from edigate.store.types import utcnow
from tests.support.waiting import PATIENCE

SECOND = dt.timedelta(seconds=1)


def test_a_lease_has_one_holder_until_dropped_or_run_out(store: Store) -> None:
    assert store.take_lease("poll:acme", "a", dt.timedelta(minutes=5))
    assert not store.take_lease("poll:acme", "b")
    assert store.take_lease("poll:acme", "a")  # keeping it is taking it again
    assert store.take_lease("poll:bigbox", "b")  # another name is another lease
    store.drop_lease("poll:acme", "b")  # not b's to drop
    assert not store.take_lease("poll:acme", "b")
    store.drop_lease("poll:acme", "a")
    assert store.take_lease("poll:acme", "b", -SECOND)  # taken, and already run out
    assert not store.renew_lease("poll:acme", "a")
    assert store.take_lease("poll:acme", "c")
    assert not store.renew_lease("poll:acme", "b") and store.renew_lease("poll:acme", "c")


def test_hold_keeps_others_out_and_gives_back(store: Store) -> None:
    with store.hold("job:x", "a", ttl=dt.timedelta(seconds=3)) as lease:
        assert lease is not None and not lease.lost.is_set()
        with store.hold("job:x", "b") as other:
            assert other is None
    with store.hold("job:x", "b") as after:
        assert after is not None


def test_a_turn_comes_once_per_period(store: Store) -> None:
    hour = dt.timedelta(hours=1)
    assert store.take_turn("job:sweep", "a", hour)
    store.drop_lease("job:sweep", "a")
    assert not store.take_turn("job:sweep", "b", hour)  # it ran less than an hour ago
    assert store.take_turn("job:sweep", "b", dt.timedelta(0))  # due again (a zero period)
    assert not store.take_turn("job:sweep", "a", dt.timedelta(0))  # b holds it now


def test_a_holder_whose_lease_was_taken_over_is_told(store: Store) -> None:
    with store.hold("poll:acme", "a", ttl=dt.timedelta(seconds=0.3)) as lease:
        assert lease is not None
        with store._write() as s:  # as another gateway would after our lease ran out (we were paused)
            s.execute(update(LeaseRow).where(LeaseRow.name == "poll:acme").values(holder="b", expires_at=utcnow() + dt.timedelta(hours=1)))
        assert lease.lost.wait(PATIENCE)
    assert not store.take_lease("poll:acme", "c")  # b's still: giving back what we lost drops nothing


def test_a_poll_lock_says_whether_it_is_held(url: str, store: Store) -> None:
    with store.try_poll_lock("acme") as mine:
        assert mine and not mine.lost()
        with Store.open(url) as other, other.try_poll_lock("acme") as theirs:
            assert not theirs
