from __future__ import annotations

import dataclasses
import datetime as dt

import pytest

from edigate.errors import UsageError
from edigate.store import (
    AuditAction,
    Direction,
    EnvelopeSet,
    ErrorEntry,
    Outcome,
    Received,
    Severity,
    Status,
    Store,
)
from tests.support.received import SHA_B, receive


def test_a_received_file_is_recorded_with_utc_times(store: Store) -> None:
    got = receive(store)
    tx = got.transmission
    assert not got.is_duplicate
    assert (tx.status, tx.partner, tx.direction, tx.attempt) == (Status.RECEIVED, "acme", Direction.IN, 1)
    assert tx.file_name == "../po 1.x12"
    assert tx.received_at.tzinfo is dt.UTC
    assert store.transmission(tx.id) == tx


def test_the_same_bytes_again_are_a_duplicate_linked_to_the_first(store: Store) -> None:
    first = receive(store).transmission
    again = receive(store)
    assert again.duplicate_of == first.id
    assert again.transmission.status is Status.DUPLICATE
    assert again.transmission.parent_id == first.id
    assert again.transmission.finished_at is not None


def test_same_bytes_from_another_partner_or_direction_are_new(store: Store) -> None:
    receive(store)
    assert not receive(store, partner="bigbox").is_duplicate
    assert not receive(store, direction=Direction.OUT).is_duplicate


def test_an_unknown_id_is_a_usage_error(store: Store) -> None:
    with pytest.raises(UsageError, match="no transmission 999"):
        store.transmission(999)


def test_stage_timeline_has_outcomes_and_durations(store: Store) -> None:
    tx = receive(store).transmission
    ev = store.start_stage(tx.id, "envelope")
    assert ev is not None
    assert store.transmission(tx.id).status is Status.PROCESSING
    assert store.transmission(tx.id).stage == "envelope"
    done = store.finish_stage(ev, Outcome.OK, "1 interchange")
    assert done.duration_ms is not None and done.duration_ms >= 0
    assert store.stages(tx.id) == [done]
    second = store.start_stage(tx.id, "validate")
    assert second is not None
    store.finish_stage(second, Outcome.FAILED)
    assert [(e.stage, e.outcome) for e in store.stages(tx.id)] == [
        ("envelope", Outcome.OK), ("validate", Outcome.FAILED)]


def test_a_stage_starts_only_under_the_workers_own_claim(store: Store) -> None:
    tx = receive(store).transmission
    claimed = store.claim(tx.id, "alive", lease=dt.timedelta(seconds=1))
    assert claimed is not None
    assert store.start_stage(tx.id, "envelope", worker="dead", lease=dt.timedelta(hours=1)) is None
    assert store.stages(tx.id) == []
    ev = store.start_stage(tx.id, "envelope", worker="alive", lease=dt.timedelta(hours=1))
    assert ev is not None and [e.id for e in store.stages(tx.id)] == [ev.id]
    # the lease was renewed with the start: nobody can claim it now
    assert store.claim_next("other") is None


def test_a_batch_of_stages_starts_under_the_workers_claims_and_finishes_as_given(store: Store) -> None:
    ours, lost = receive(store).transmission, receive(store, sha=SHA_B).transmission
    lease = dt.timedelta(hours=1)
    assert store.claim(ours.id, "alive", lease=lease) and store.claim(lost.id, "other", lease=lease)
    with store.unit():
        opened = store.start_stages([ours.id, lost.id], "envelope", worker="alive", lease=lease)
    assert list(opened) == [ours.id] and store.stages(lost.id) == []  # not its claim: nothing written
    assert store.transmission(ours.id).stage == "envelope"
    ev = opened[ours.id]
    started = ev.started_at + dt.timedelta(milliseconds=5)
    done = dataclasses.replace(ev, started_at=started, finished_at=started + dt.timedelta(milliseconds=20),
                               outcome=Outcome.OK, duration_ms=20)
    with store.unit():
        store.finish_stages([done])
    assert store.stages(ours.id) == [done]
    assert store.start_stages([ours.id], "validate", worker="alive", lease=lease)[ours.id].attempt == ev.attempt


def test_the_stages_of_several_transmissions_are_each_ones_own_timeline(store: Store) -> None:
    first, second, none = (receive(store, sha=c * 64).transmission for c in "abc")
    for tx, stage in ((first, "envelope"), (second, "envelope"), (first, "validate")):
        ev = store.start_stage(tx.id, stage)
        assert ev is not None
        store.finish_stage(ev, Outcome.OK)
    got = store.stages_of([first.id, second.id, none.id])
    assert got == {first.id: store.stages(first.id), second.id: store.stages(second.id), none.id: []}
    assert [e.stage for e in got[first.id]] == ["envelope", "validate"]


def test_a_unit_commits_its_calls_together_or_not_at_all(store: Store) -> None:
    tx = receive(store).transmission
    with pytest.raises(RuntimeError), store.unit():
        store.start_stage(tx.id, "envelope")
        raise RuntimeError("crash inside the unit")
    assert store.stages(tx.id) == [] and store.transmission(tx.id).status is Status.RECEIVED
    with store.unit():
        ev = store.start_stage(tx.id, "envelope")
        with pytest.raises(UsageError):
            store.add_errors(999_999, [])  # fails alone: its savepoint is rolled back
        assert ev is not None
        store.finish_stage(ev, Outcome.OK)
    assert [(e.stage, e.outcome) for e in store.stages(tx.id)] == [("envelope", Outcome.OK)]


def test_error_log_keeps_every_field(store: Store) -> None:
    tx = receive(store).transmission
    entry = ErrorEntry(stage="validate", code="7", message="Invalid code value", code_list="AK4",
                       severity=Severity.ERROR, isa13="000000905", gs06="905", st02="0001",
                       segment_position=4, segment_id="BEG", element_position=1,
                       component_position=None, value="XX", hint="BEG01 must be 00 or 06",
                       po_number="4500012346", line_number="2", sku="ACM-4520", buyer_item="30232")
    assert store.add_errors(tx.id, [entry, ErrorEntry(stage="rules", code="price", message="m",
                                                      severity=Severity.WARNING)]) == 2
    first, second = store.errors(tx.id)
    assert first.id is not None and first.attempt == 1 and first.transmission_id == tx.id
    assert first.created_at is not None
    from dataclasses import replace
    assert replace(first, id=None, transmission_id=None, attempt=None, created_at=None) == entry
    assert second.severity is Severity.WARNING


def test_envelope_and_listing_filters_newest_first(store: Store) -> None:
    a = receive(store).transmission
    b = receive(store, SHA_B, partner="bigbox").transmission
    store.record_envelope(a.id, isa13="000000001", usage="T",
                          sets=[EnvelopeSet("1", "PO", "850", "0001"), EnvelopeSet("1", "PO", "850", "0002")])
    assert [t.id for t in store.transmissions()] == [b.id, a.id]
    assert [t.id for t in store.transmissions(partner="acme")] == [a.id]
    assert [t.id for t in store.transmissions(set_id="850")] == [a.id]
    assert store.transmissions(status=Status.DONE) == []
    assert store.transmissions(since=dt.datetime.now(dt.UTC) + dt.timedelta(hours=1)) == []
    got = store.transmission(a.id)
    assert (got.isa13, got.usage, [s.st02 for s in got.sets]) == ("000000001", "T", ["0001", "0002"])


def test_final_status_stamps_finish_and_drops_the_claim(store: Store) -> None:
    tx = receive(store).transmission
    assert store.claim_next("w1") is not None
    done = store.set_status(tx.id, Status.FAILED, stage="map")
    assert (done.status, done.stage, done.claimed_by) == (Status.FAILED, "map", None)
    assert done.finished_at is not None


def test_duplicate_interchange_inside_the_window(store: Store) -> None:
    a = receive(store).transmission
    b = receive(store, SHA_B).transmission
    assert store.check_interchange(a.id, partner="acme", isa13="000000007") is None
    assert store.check_interchange(a.id, partner="acme", isa13="000000007") is None  # resumed stage
    dup = store.check_interchange(b.id, partner="acme", isa13="000000007", window=dt.timedelta(days=30))
    assert dup is not None and dup.transmission_id == a.id
    assert store.check_interchange(b.id, partner="bigbox", isa13="000000007") is None


def test_same_isa13_outside_the_window_takes_the_number_over(store: Store) -> None:
    a = receive(store).transmission
    b = receive(store, SHA_B).transmission
    store.check_interchange(a.id, partner="acme", isa13="000000007")
    assert store.check_interchange(b.id, partner="acme", isa13="000000007", window=dt.timedelta(0)) is None
    c = receive(store, "c" * 64).transmission
    dup = store.check_interchange(c.id, partner="acme", isa13="000000007")
    assert dup is not None and dup.transmission_id == b.id


def test_reprocess_is_a_new_attempt_with_history_and_audit(store: Store) -> None:
    tx = receive(store).transmission
    store.check_interchange(tx.id, partner="acme", isa13="000000001")
    store.set_status(tx.id, Status.FAILED, stage="map")
    again = store.reprocess(tx.id, actor="ana", note="map fixed", from_stage="map")
    assert (again.parent_id, again.attempt, again.status, again.stage) == (tx.id, 2, Status.RECEIVED, "map")
    assert again.sha256 == tx.sha256 and again.archive_path == tx.archive_path
    assert store.check_interchange(again.id, partner="acme", isa13="000000001") is None
    assert [t.id for t in store.history(again.id)] == [tx.id, again.id]
    [event] = store.audit_events(transmission_id=tx.id)
    assert (event.actor, event.action, event.note) == ("ana", AuditAction.REPROCESS, "map fixed")


def test_resolve_closes_with_an_audit_note(store: Store) -> None:
    tx = receive(store).transmission
    store.set_status(tx.id, Status.HELD, stage="rules")
    assert store.resolve(tx.id, actor="ana", note="price confirmed by phone").status is Status.RESOLVED
    assert store.audit_events(target=f"tx:{tx.id}")[0].action is AuditAction.RESOLVE


def test_the_same_bytes_from_racing_workers_are_one_original(store: Store) -> None:
    import threading

    got: list[Received] = []
    threads = [threading.Thread(target=lambda: got.append(receive(store))) for _ in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    originals = [r for r in got if not r.is_duplicate]
    assert len(originals) == 1
    assert {r.duplicate_of for r in got if r.is_duplicate} == {originals[0].transmission.id}


def test_a_tickets_attempt_chain_is_its_reprocess_attempts_not_the_duplicates_linked_to_it(store: Store) -> None:
    def received(sha: str) -> int:
        return store.record_received(partner="bigbox", channel="folder", file_name="po.x12", size=1,
                                     sha256=sha * 64).transmission.id

    first, copy = received("a"), received("b")
    store.mark_duplicate(copy, of=first)  # a first attempt whose parent is the file it repeats
    store.set_status(first, Status.FAILED, stage="validate")
    second = store.reprocess(first, actor="ana", note="map fixed").id
    assert (store.first_attempt(second), store.first_attempt(copy)) == (first, copy)
    store.audit(actor="ana", action=AuditAction.RESOLVE, target=f"tx:{copy}", note="a copy, nothing to do")
    since = dt.datetime.now(dt.UTC) - dt.timedelta(minutes=1)
    assert store.resolutions([f"tx:{first}"], since) == {}  # resolving the copy does not close the original's ticket
    store.audit(actor="ana", action=AuditAction.RESOLVE, target=f"tx:{second}", note="done by hand")
    assert store.resolutions([f"tx:{first}"], since)[f"tx:{first}"].target == f"tx:{second}"
