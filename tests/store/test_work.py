from __future__ import annotations

import datetime as dt
import multiprocessing
import threading

import pytest

from edigate.store import (
    MAX_CONTROL_NUMBER,
    ControlKind,
    Direction,
    ReservedNumbers,
    Status,
    Store,
)
from edigate.x12.writer import ControlNumbers
from tests.support import store_children
from tests.support.forked import children
from tests.support.received import receive

DRAWS, PROCESSES = 200, 4


def test_control_numbers_per_partner_direction_and_kind(store: Store) -> None:
    n = store.next_control_number
    assert [n("acme", ControlKind.INTERCHANGE) for _ in range(3)] == [1, 2, 3]
    assert n("acme", ControlKind.GROUP) == 1
    assert n("bigbox", ControlKind.INTERCHANGE) == 1
    assert n("acme", ControlKind.INTERCHANGE, Direction.IN) == 1


def test_control_numbers_wrap_after_the_largest(store: Store) -> None:
    store.set_control_number("acme", ControlKind.INTERCHANGE, MAX_CONTROL_NUMBER - 1)
    got = [store.next_control_number("acme", ControlKind.INTERCHANGE) for _ in range(3)]
    assert got == [MAX_CONTROL_NUMBER, 1, 2]


def test_the_store_is_the_writers_control_numbers(store: Store) -> None:
    numbers: ControlNumbers = store.control_numbers("acme")
    assert [numbers.next("interchange"), numbers.next("group"), numbers.next("interchange")] == [1, 1, 2]


def test_control_numbers_from_four_processes_are_unique_and_gapless(url: str, store: Store) -> None:
    ctx = children()
    queue = ctx.Queue()
    procs = [ctx.Process(target=store_children.draw, args=(url, DRAWS, queue)) for _ in range(PROCESSES)]
    for p in procs:
        p.start()
    drawn = [n for _ in procs for n in queue.get(timeout=120)]
    for p in procs:
        p.join(timeout=60)
        assert p.exitcode == 0
    assert sorted(drawn) == list(range(1, PROCESSES * DRAWS + 1))


def test_two_workers_never_claim_the_same_transmission(url: str, store: Store) -> None:
    ids = {receive(store, f"{i:064x}").transmission.id for i in range(60)}
    ctx = children()
    queue = ctx.Queue()
    procs = [ctx.Process(target=store_children.claim_all, args=(url, f"w{i}", queue)) for i in range(2)]
    for p in procs:
        p.start()
    claimed = [queue.get(timeout=120) for _ in procs]
    for p in procs:
        p.join(timeout=60)
    flat = [i for got in claimed for i in got]
    assert sorted(flat) == sorted(ids)
    assert {t.status for t in store.transmissions()} == {Status.PROCESSING}


def test_claims_in_threads_are_exclusive(store: Store) -> None:
    for i in range(30):
        receive(store, f"{i:064x}")
    got: list[int] = []

    def work(name: str) -> None:
        while (tx := store.claim_next(name)) is not None:
            got.append(tx.id)

    threads = [threading.Thread(target=work, args=(f"t{i}",)) for i in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(got) == sorted(set(got)) and len(got) == 30


def test_an_expired_lease_is_claimed_again(store: Store) -> None:
    tx = receive(store).transmission
    first = store.claim_next("dead", lease=dt.timedelta(seconds=-1))
    assert first is not None and first.claimed_by == "dead"
    again = store.claim_next("alive")
    assert again is not None and (again.id, again.claimed_by) == (tx.id, "alive")
    assert not store.renew(tx.id, "dead")
    assert store.renew(tx.id, "alive")
    assert store.claim_next("other") is None
    assert store.release(tx.id, "alive")
    assert store.transmission(tx.id).status is Status.RECEIVED


def test_claim_some_takes_the_oldest_waiting_up_to_the_limit_once(store: Store) -> None:
    ids = [receive(store, sha=f"{n:064x}").transmission.id for n in range(1, 4)]
    held = receive(store, sha=f"{9:064x}").transmission
    store.set_status(held.id, Status.HELD)
    first = store.claim_some("w1", limit=2)
    assert [(t.id, t.status, t.claimed_by) for t in first] == [(i, Status.PROCESSING, "w1") for i in ids[:2]]
    assert [t.id for t in store.claim_some("w2", limit=5)] == ids[2:]
    assert store.claim_some("w3", limit=5) == []


def test_claims_skip_held_failed_and_duplicates(store: Store) -> None:
    tx = receive(store).transmission
    receive(store)  # duplicate
    store.set_status(tx.id, Status.HELD)
    assert store.claim_next("w") is None


def test_poll_lock_is_single_flight_per_partner(url: str, store: Store) -> None:
    with Store.open(url) as other:
        with store.try_poll_lock("acme") as got:
            assert got
            with other.try_poll_lock("acme") as second:
                assert not second
            with other.try_poll_lock("bigbox") as third:
                assert third
        with other.try_poll_lock("acme") as after:
            assert after


def test_a_reserved_block_is_consecutive_and_committed(store: Store) -> None:
    assert store.next_control_number("acme", ControlKind.TRANSACTION) == 1
    assert store.reserve_control_numbers("acme", ControlKind.TRANSACTION, 500) == range(2, 502)
    assert store.next_control_number("acme", ControlKind.TRANSACTION) == 502


def test_a_block_that_would_pass_the_largest_starts_again_at_one(store: Store) -> None:
    store.set_control_number("acme", ControlKind.GROUP, MAX_CONTROL_NUMBER - 2)
    assert store.reserve_control_numbers("acme", ControlKind.GROUP, 5) == range(1, 6)


def test_reserved_numbers_feed_the_writer() -> None:
    numbers: ControlNumbers = ReservedNumbers({"interchange": range(7, 8), "transaction": range(1, 3)})
    assert [numbers.next("interchange"), numbers.next("transaction"), numbers.next("transaction")] == [7, 1, 2]
    with pytest.raises(LookupError, match="no reserved group"):
        numbers.next("group")


def _record(numbers: object, key: str, isa13: int) -> tuple[object, bool]:
    return numbers.record(set_id="855", key=key, isa13=f"{isa13:09d}", gs06=str(isa13), st02="0001",  # type: ignore[attr-defined]
                          archive_path="aa/aa/" + "a" * 64, sha256="a" * 64)


def test_outbound_numbers_are_spent_only_with_their_record(store: Store) -> None:
    with store.outbound_numbers("acme") as numbers:
        assert numbers.next("interchange") == 1  # left without a record: given back
    with store.outbound_numbers("acme") as numbers:
        block = numbers.blocks(1, 3)
        assert (block.next("interchange"), block.next("group")) == (1, 1)
        assert [block.next("transaction") for _ in range(3)] == [1, 2, 3]
        first, new = _record(numbers, "855:1", 1)
        assert new
        assert numbers.next("interchange") == 2
        numbers.discard()
        assert numbers.next("interchange") == 2
        again, new = _record(numbers, "855:1", 2)  # a resumed stage: already recorded, nothing spent
        assert (again, new) == (first, False)
    assert store.next_control_number("acme", ControlKind.INTERCHANGE) == 2
    assert store.next_control_number("acme", ControlKind.TRANSACTION) == 4


def _draw_and_die(url: str) -> None:
    import os
    import signal

    store = Store.open(url)
    numbers = store.outbound_numbers("acme")
    numbers.blocks(1, 5)
    os.kill(os.getpid(), signal.SIGKILL)  # between writing an interchange and recording it


def test_a_worker_killed_between_draw_and_record_leaves_no_gap(url: str) -> None:
    with Store.open(url) as store:
        assert store.next_control_number("acme", ControlKind.INTERCHANGE) == 1
    child = multiprocessing.get_context("fork").Process(target=_draw_and_die, args=(url,))
    child.start()
    child.join(60)
    assert child.exitcode == -9
    with Store.open(url) as store:
        assert store.next_control_number("acme", ControlKind.INTERCHANGE) == 2
        assert store.next_control_number("acme", ControlKind.TRANSACTION) == 1


def test_claiming_one_transmission_respects_live_leases(store: Store) -> None:
    tx = receive(store).transmission
    mine = store.claim(tx.id, "ingest-1", lease=dt.timedelta(minutes=5))
    assert mine is not None and (mine.status, mine.claimed_by) == (Status.PROCESSING, "ingest-1")
    assert store.claim(tx.id, "gateway") is None and store.claim_next("gateway") is None
    store.set_status(tx.id, Status.DONE)
    assert store.claim(tx.id, "gateway") is None  # nothing left to do

    crashed = receive(store, "c" * 64).transmission
    assert store.claim(crashed.id, "ingest-2", lease=dt.timedelta(seconds=-1)) is not None  # then it died
    taken = store.claim_next("gateway")
    assert taken is not None and (taken.id, taken.claimed_by) == (crashed.id, "gateway")
