"""Fetch ahead: recorded before done, in order, and nothing lost when either side fails."""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Iterator

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from edigate.errors import StoreError, TransportError
from edigate.transport import MemoryChannel, Received, RemoteFile
from edigate.transport.fetching import fetch_ahead
from edigate.transport.ready import LEFT


class Flaky(MemoryChannel):
    """A memory channel whose n-th fetch or done fails, and which notes the thread it runs on."""

    def __init__(self, count: int, *, fail_fetch: int | None = None, fail_done: int | None = None) -> None:
        super().__init__("flaky", {f"f{n:03d}.edi": b"x" * n for n in range(count)})
        self.fail_fetch, self.fail_done = fail_fetch, fail_done
        self.fetches = self.dones = 0
        self.threads: set[int] = set()

    def fetch(self, file: RemoteFile) -> Received:
        self.threads.add(threading.get_ident())
        self.fetches += 1
        if self.fetches == self.fail_fetch:
            raise TransportError("flaky: connection lost")
        return super().fetch(file)

    def done(self, file: RemoteFile) -> None:
        self.threads.add(threading.get_ident())
        self.dones += 1
        if self.dones == self.fail_done:
            raise TransportError("flaky: rename refused")
        super().done(file)


def test_every_file_recorded_in_order_then_done() -> None:
    channel = Flaky(30)
    recorded: list[str] = []

    def record(got: Received) -> None:
        assert got.name in channel.inbox  # not done before it is recorded
        recorded.append(got.name)

    assert fetch_ahead(channel, channel.list(), record) == 30
    assert recorded == sorted(recorded) and len(recorded) == 30
    assert channel.inbox == {} and sorted(channel.archive) == recorded
    assert threading.get_ident() not in channel.threads and len(channel.threads) == 1


@settings(max_examples=60, deadline=None)
@given(count=st.integers(0, 12), fail_fetch=st.none() | st.integers(1, 12),
       fail_done=st.none() | st.integers(1, 12), fail_record=st.none() | st.integers(1, 12),
       together=st.booleans(), stop_after=st.none() | st.integers(0, 12))
def test_whatever_fails_each_file_is_recorded_once_or_left(count: int, fail_fetch: int | None,
                                                          fail_done: int | None, fail_record: int | None,
                                                          together: bool, stop_after: int | None) -> None:
    channel = Flaky(count, fail_fetch=fail_fetch, fail_done=fail_done)
    names = sorted(channel.inbox)
    recorded: list[str] = []

    def record(got: Received) -> None:
        if len(recorded) + 1 == fail_record:
            raise StoreError("store down")
        recorded.append(got.name)

    try:
        fetch_ahead(channel, channel.list(), record, depth=2, together=contextlib.nullcontext if together else None,
                    stopping=lambda: stop_after is not None and len(recorded) >= stop_after)
    except (TransportError, StoreError):
        pass
    assert set(channel.archive) <= set(recorded)  # done only after recorded
    assert recorded == sorted(recorded)  # in the order listed
    assert len(recorded) == len(set(recorded))
    assert sorted(set(recorded) | set(channel.inbox)) == names  # nothing lost
    assert set(channel.archive).isdisjoint(channel.inbox)


def test_a_fetch_failure_is_raised_after_the_recorded_files_are_done() -> None:
    channel = Flaky(10, fail_fetch=4)
    recorded: list[str] = []
    with pytest.raises(TransportError, match="connection lost"):
        fetch_ahead(channel, channel.list(), lambda got: recorded.append(got.name))
    assert recorded == ["f000.edi", "f001.edi", "f002.edi"] and sorted(channel.archive) == recorded


def test_a_done_failure_leaves_the_file_for_the_next_poll() -> None:
    channel = Flaky(10, fail_done=2)
    recorded: list[str] = []
    with pytest.raises(TransportError, match="rename refused"):
        fetch_ahead(channel, channel.list(), lambda got: recorded.append(got.name))
    assert "f001.edi" in channel.inbox and "f001.edi" in recorded
    assert list(channel.archive) == ["f000.edi"]


def test_stopping_finishes_the_file_in_hand() -> None:
    channel = Flaky(50)
    recorded: list[str] = []
    assert fetch_ahead(channel, channel.list(), lambda got: recorded.append(got.name),
                       stopping=lambda: len(recorded) == 3) == 3
    assert sorted(channel.archive) == recorded and len(channel.inbox) == 47


class Changing(MemoryChannel):
    """A memory channel that leaves one file at its fetch (not finished yet), and one at its
    done (the partner wrote on after the fetch)."""

    def __init__(self) -> None:
        super().__init__("changing", {f"f{n}.edi": b"x" * (n + 1) for n in range(5)})

    def fetch(self, file: RemoteFile) -> Received:
        if file.name == "f1.edi":
            raise TransportError("changing: f1.edi is left for the next poll: it is not finished", code=LEFT)
        return super().fetch(file)

    def done(self, file: RemoteFile) -> None:
        if file.name == "f3.edi":
            raise TransportError("changing: f3.edi changed since it was listed", code=LEFT)
        super().done(file)


def test_files_the_channel_leaves_are_neither_recorded_nor_done_and_the_others_go_on() -> None:
    channel = Changing()
    recorded: list[str] = []
    assert fetch_ahead(channel, channel.list(), lambda got: recorded.append(got.name)) == 4
    assert recorded == ["f0.edi", "f2.edi", "f3.edi", "f4.edi"]  # f3 was recorded before it changed
    assert sorted(channel.archive) == ["f0.edi", "f2.edi", "f4.edi"]
    assert sorted(channel.inbox) == ["f1.edi", "f3.edi"]  # both there for the next poll


class Counted(Flaky):
    """A flaky channel whose caller can wait until it fetched so many files."""

    def __init__(self, count: int) -> None:
        super().__init__(count)
        self.fetched = threading.Condition()

    def fetch(self, file: RemoteFile) -> Received:
        got = super().fetch(file)
        with self.fetched:
            self.fetched.notify_all()
        return got

    def wait_fetched(self, count: int) -> None:
        with self.fetched:
            self.fetched.wait_for(lambda: self.fetches >= count)


def test_together_records_the_files_ready_in_one_block_and_marks_them_done_after_it() -> None:
    channel = Counted(9)
    blocks: list[list[str]] = []

    @contextlib.contextmanager
    def together() -> Iterator[None]:
        blocks.append([])
        yield
        assert all(name in channel.inbox for name in blocks[-1])  # none done before its block ended
        if len(blocks) == 1:  # the next four fetched meanwhile, and one more waiting for room
            channel.wait_fetched(min(9, len(blocks[0]) + 5))

    assert fetch_ahead(channel, channel.list(), lambda got: blocks[-1].append(got.name), together=together,
                       depth=4) == 9
    assert [n for b in blocks for n in b] == sorted(channel.archive) and channel.inbox == {}
    assert len(blocks[1]) == min(4, 9 - len(blocks[0])) and all(1 <= len(b) <= 4 for b in blocks)


def test_a_block_that_raises_records_none_of_its_files_and_leaves_them() -> None:
    channel = Flaky(10)
    recorded: list[str] = []
    kept: list[str] = []

    @contextlib.contextmanager
    def together() -> Iterator[None]:
        start = len(recorded)
        yield
        if "f005.edi" in recorded[start:]:
            raise StoreError("the commit failed")
        kept.extend(recorded[start:])

    with pytest.raises(StoreError, match="the commit failed"):
        fetch_ahead(channel, channel.list(), lambda got: recorded.append(got.name), together=together)
    assert sorted(channel.archive) == kept and "f005.edi" in channel.inbox
    assert sorted(channel.archive) + sorted(channel.inbox) == sorted(f"f{n:03d}.edi" for n in range(10))
