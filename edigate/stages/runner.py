"""The runner: claims transmissions, renews their lease as each stage starts, commits each
stage's work with its timeline entry, and runs worker processes. What the stages do, and
how each resumes, is theirs (`edigate.stages.table`).

Every stage commits what it produced before the next starts and reads its input from the
archive or the store, so a crash resumes at the stage it stopped in. A small file's stage
commits once, its timeline entry included (`SMALL_FILE`); a large file's commits page by
page. Work left by a worker that died is claimed again once its lease has run out.
"""

from __future__ import annotations

import multiprocessing
import queue
from collections.abc import Callable
from contextlib import nullcontext
from dataclasses import dataclass
from functools import partial
from typing import TypeVar

from edigate.stages import batch, envelope
from edigate.stages.context import ClaimLost, Parts, Retry, Run, failed
from edigate.stages.errorlog import UNANSWERED, UNDECIDED
from edigate.stages.resends import earlier_attempts
from edigate.stages.commerce import is_commerce
from edigate.stages.replies import is_reply
from edigate.stages.table import CLAIMED, COMMERCE, REPLY, STAGES, Resume, Stage
from edigate.store import DocumentKind, DocumentStatus, Outcome, StageEvent, Status, Transmission

__all__ = ["BATCH", "SMALL_FILE", "WorkersResult", "process", "process_many", "run_workers", "take", "work"]

T = TypeVar("T")

BATCH = 8
"""Transmissions a worker claims at a time: their stages that run in one transaction
(`SMALL_FILE`) run in one for all of them, each file in a savepoint of its own, so most
small files share their commits (each commit rewrites the pages it touched)."""

SMALL_FILE = 256 * 1024
"""Up to this size, a transmission's stage runs in one transaction (with its timeline
entry and claim renewal) instead of committing each step: most files are small, and
their per-commit cost outweighs their work. Larger files commit page by page."""
_PER_SET = frozenset(s.stored for s in (*CLAIMED, *REPLY, *COMMERCE) if s.per_set)
_ACKED = frozenset(s.stored for s in CLAIMED if s.acked)
_NEXT = {s.stored: n.stored for s, n in zip(CLAIMED, CLAIMED[1:], strict=False)}


def process(parts: Parts, tx: Transmission, retry: Retry = Retry()) -> Transmission:
    """Run one claimed transmission through the stages it has not finished; its final status.

    When another worker took the transmission over (our lease ran out), stop and return it
    as it stands. Anything else that stops the work is recorded against the transmission,
    which then ends `failed` with the reason: never left `processing`.
    """
    try:
        return _guarded(parts, tx, lambda: _process(parts, tx, retry))
    except (KeyboardInterrupt, SystemExit):  # stopped by hand: it waits for the next worker, resumed
        if tx.claimed_by is not None:
            parts.store.release(tx.id, tx.claimed_by)
        raise


def take(parts: Parts, transmission_id: int, worker: str) -> Transmission:
    """Claim one transmission and process it (``ingest``, ``tx reprocess``); as it stands
    when another worker holds it already."""
    claimed = parts.store.claim(transmission_id, worker, lease=parts.lease)
    return parts.store.transmission(transmission_id) if claimed is None else process(parts, claimed)


def work(parts: Parts, worker: str, *, stopping: Callable[[], bool] = lambda: False) -> list[Transmission]:
    """Claim and process transmissions until none waits (or waits on a live lease), or
    until ``stopping()`` (checked between two claims), up to `BATCH` at a time."""
    done: list[Transmission] = []
    while txs := _claim_some(parts, worker, stopping):
        done += process_many(parts, txs) if len(txs) > 1 else [process(parts, txs[0])]
    return done


def _claim_some(parts: Parts, worker: str, stopping: Callable[[], bool]) -> list[Transmission]:
    return [] if stopping() else parts.store.claim_some(worker, limit=BATCH, lease=parts.lease)


def process_many(parts: Parts, txs: list[Transmission]) -> list[Transmission]:
    """`process` for several claimed transmissions, stage by stage: each stage that runs in
    one transaction (`_whole`) runs for all of them in one, each file in a savepoint of its
    own, so that a file that fails is recorded failed and the others go on."""
    done: dict[int, Transmission] = {}
    walks: list[_Walk] = []
    try:
        known = batch.Known.read(parts, [tx.id for tx in txs if _stages(tx) is CLAIMED])
        for tx in txs:
            if _stages(tx) is not CLAIMED:
                done[tx.id] = process(parts, tx)
            elif isinstance(got := _guarded(parts, tx, partial(_begin, parts, tx, Retry(), known)), _Walk):
                walks.append(got)
            else:
                done[tx.id] = got
        try:
            for stage in CLAIMED:
                _step_all(parts, [w for w in walks if w.run.tx.id not in done], stage, done)
        finally:
            for walk in walks:
                walk.run.close_helper()
        _end_all(parts, [w for w in walks if w.run.tx.id not in done], done)
    except (KeyboardInterrupt, SystemExit):  # stopped by hand: the claims wait for the next worker
        for tx in txs:
            if tx.id not in done and tx.claimed_by is not None:
                parts.store.release(tx.id, tx.claimed_by)
        raise
    return [done[tx.id] for tx in txs]


def _step_all(parts: Parts, walks: list[_Walk], stage: Stage, done: dict[int, Transmission]) -> None:
    """One stage for each walk: those it runs whole in one transaction, the others alone."""
    whole = [w for w in walks if _whole(parts, w.run, stage)]
    apart = [w for w in walks if w not in whole]
    together = [w for w in apart if len(w.run.data) <= SMALL_FILE] if stage.many is not None else []
    if len(together) > 1:  # a large file's stage goes page by page, alone
        _step_many(parts, together, stage, done)
        apart = [w for w in apart if w not in together]
    for walk in apart:
        if got := _guarded(parts, walk.run.tx, partial(_step, parts, walk, stage)):
            done[walk.run.tx.id] = got
    if not whole:
        return
    try:
        with parts.store.unit(), parts.archive.batched():  # the files durable, then the commit
            timeline = batch.Timeline.open(parts, [w.run for w in whole if _entered(w, stage)], stage)
            for walk in whole:
                if (got := timeline.lost(parts, walk.run)) or (got := _guarded(parts, walk.run.tx, partial(
                        _step, parts, walk, stage, timeline))):
                    done[walk.run.tx.id] = got
            timeline.close(parts)
    except Exception as exc:  # the shared transaction failed as a whole (its commit): so did each stage
        for walk in whole:
            done.pop(walk.run.tx.id, None)
            _failed_stage(parts, walk, stage, exc)


def _step_many(parts: Parts, walks: list[_Walk], stage: Stage, done: dict[int, Transmission]) -> None:
    """A stage that does the work of several transmissions at once (``stage.many``, such
    as one upload session for a batch's outputs): their timeline entries opened in one
    transaction (each renewing its claim), the work, then the entries closed in one. What
    ``stage.many`` leaves to do alone runs in its own entry's stead, as `_run_stage` would."""
    assert stage.many is not None
    todo = [w for w in walks if not _skipped(w, stage)]
    try:
        with parts.store.unit():
            timeline = batch.Timeline.open(parts, [w.run for w in todo], stage)
            opened = {w.run.tx.id: timeline.event(w.run) if timeline.asked else _start_or_none(parts, w.run, stage)
                      for w in todo}
    except Exception:  # nothing was opened: each alone, where its failure is recorded
        for walk in todo:
            if got := _guarded(parts, walk.run.tx, partial(_step, parts, walk, stage)):
                done[walk.run.tx.id] = got
        return
    for walk in todo:
        if opened[walk.run.tx.id] is None:  # another worker holds it now
            done[walk.run.tx.id] = parts.store.transmission(walk.run.tx.id)
    started = [w for w in todo if opened[w.run.tx.id] is not None]
    failure: Exception | None = None
    try:
        left = {r.tx.id for r in stage.many(parts, [w.run for w in started])} if started else set()
    except Exception as exc:  # a bug, not a transmission's own failure: each is recorded failed
        left, failure = set(), exc
    outcomes: dict[int, Status | None | Transmission] = {}
    for walk in (w for w in started if w.run.tx.id in left):
        outcomes[walk.run.tx.id] = _guarded(parts, walk.run.tx, partial(
            _run_opened, parts, walk.run, stage, opened[walk.run.tx.id], None))
    ran = [w for w in started if w.run.tx.id not in left]
    try:
        with parts.store.unit():
            if failure is None:  # each entry closed as the batch's work ended, in one statement
                for walk in ran:
                    event = opened[walk.run.tx.id]
                    assert event is not None
                    timeline.finished(event, Outcome.OK, event.started_at)
                timeline.close(parts)
                outcomes.update(dict.fromkeys(w.run.tx.id for w in ran))
            else:
                outcomes.update({w.run.tx.id: _run_opened(parts, w.run, stage, opened[w.run.tx.id], failure, done=True)
                                 for w in ran})
    except Exception:  # the shared commit failed: each entry closed alone
        outcomes.update({w.run.tx.id: _guarded(parts, w.run.tx, partial(
            _run_opened, parts, w.run, stage, opened[w.run.tx.id], failure, done=True)) for w in ran})
    for walk in started:
        if isinstance(outcome := outcomes.get(walk.run.tx.id), Transmission):
            done[walk.run.tx.id] = outcome
        elif outcome is not None and walk.ended is None:
            walk.ended, walk.stopped_in = outcome, stage.stored


def _skipped(walk: _Walk, stage: Stage) -> bool:
    """Whether `_step` leaves the stage out for this walk."""
    return (walk.ended is not None and stage.resume is not Resume.ALWAYS) or _done_before(stage, walk.run.finished)


def _entered(walk: _Walk, stage: Stage) -> bool:
    """Whether `_step` opens a timeline entry for this walk (a replay opens none)."""
    return not _skipped(walk, stage) and not (stage.resume is Resume.REPLAY and stage.stored in walk.run.finished)


def _start_or_none(parts: Parts, run: Run, stage: Stage) -> StageEvent | None:
    return parts.store.start_stage(run.tx.id, stage.stored, worker=run.tx.claimed_by, lease=parts.lease)


def _run_opened(parts: Parts, run: Run, stage: Stage, event: StageEvent | None,
                failure: Exception | None, *, done: bool = False) -> Status | None:
    """A stage's own run under a timeline entry opened already (`_step_many`); with
    ``done``, the work was done for it and only the entry is closed; with ``failure``, the
    entry records it."""
    assert stage.run is not None and event is not None
    try:
        if failure is not None:
            raise failure
        status = None if done else stage.run(parts, run)
        parts.store.finish_stage(event, Outcome.OK if status is None else Outcome.FAILED)
        return status
    except ClaimLost:
        raise
    except Exception as exc:
        _record_failure(parts, run, stage, exc, event)
        return Status.FAILED


def _end_all(parts: Parts, walks: list[_Walk], done: dict[int, Transmission]) -> None:
    """Each walk's outcome, in one transaction (each in a savepoint); one by one when that
    transaction fails as a whole."""
    try:
        with parts.store.unit():
            ended = {w.run.tx.id: _guarded(parts, w.run.tx, partial(_end, parts, w)) for w in walks}
    except Exception:  # nothing of it was committed: each again, alone
        ended = {w.run.tx.id: _guarded(parts, w.run.tx, partial(_end, parts, w)) for w in walks}
    done.update(ended)


def _guarded(parts: Parts, tx: Transmission, step: Callable[[], T]) -> T | Transmission:
    """What ``step`` returns; the transmission as it stands when another worker took it
    over, or failed with the reason when ``step`` raised (see `process`)."""
    try:
        return step()
    except ClaimLost:
        return parts.store.transmission(tx.id)
    except Exception as exc:  # before or between stages: recorded, then the transmission fails
        stage = parts.store.transmission(tx.id).stage or "receive"
        parts.store.add_errors(tx.id, [failed(tx.id, stage, exc)])
        return parts.store.set_status(tx.id, Status.FAILED, stage=stage)


@dataclass
class _Walk:
    """One transmission on its way through its stages."""

    run: Run
    stages: tuple[Stage, ...]
    ended: Status | None = None
    stopped_in: str | None = None


def _process(parts: Parts, tx: Transmission, retry: Retry) -> Transmission:
    walk = _begin(parts, tx, retry)
    if not isinstance(walk, _Walk):
        return walk
    try:
        for stage in walk.stages:
            _step(parts, walk, stage)
    finally:
        walk.run.close_helper()
    return _end(parts, walk)


def _begin(parts: Parts, tx: Transmission, retry: Retry, known: batch.Known = batch.Known()) -> _Walk | Transmission:
    """The run of a claimed transmission; a file from no known partner ends here."""
    tx, partner = envelope.identify(parts, tx)
    if partner is None:
        return envelope.unknown(parts, tx)
    store = parts.store
    earlier = earlier_attempts(store, tx)
    run = Run(tx, partner, parts.archive.get(tx.sha256), lambda: parts.flow(partner), set(),
              known.finished_of(store, tx.id),
              known.recorded_of(store, tx.id) | {o.key for t in earlier for o in store.outbounds(t.id)},
              failed_before={t.id for t in earlier if t.status in (Status.FAILED, Status.SUPERSEDED)},
              retry=retry)
    return _Walk(run, _stages(tx))


def _step(parts: Parts, walk: _Walk, stage: Stage, timeline: batch.Timeline | None = None) -> None:
    if _skipped(walk, stage):
        return  # after a failure or a duplicate, only what was answered goes out
    status = _run_stage(parts, walk.run, stage, timeline)
    if status is not None and walk.ended is None:
        walk.ended, walk.stopped_in = status, stage.stored


def _end(parts: Parts, walk: _Walk) -> Transmission:
    if walk.ended is Status.DUPLICATE:
        return parts.store.set_status(walk.run.tx.id, walk.ended, stage=walk.stopped_in)
    with parts.store.atomic():  # what the outcome rule reads and writes, all or nothing
        return _finish(parts, walk.run, walk.stopped_in)


def _stages(tx: Transmission) -> tuple[Stage, ...]:
    """The stages a transmission runs: an ERP's reply and a platform's order have their own."""
    return REPLY if is_reply(tx) else COMMERCE if is_commerce(tx) else CLAIMED


def _done_before(stage: Stage, finished: frozenset[str]) -> bool:
    """Whether an earlier pass finished ``stage`` for good (see `Resume`)."""
    if stage.resume is Resume.SKIP:
        return stage.stored in finished
    if stage.resume is Resume.REPLAY:
        return stage.stored in finished and _NEXT[stage.stored] in finished
    return False


def _run_stage(parts: Parts, run: Run, stage: Stage, timeline: batch.Timeline | None = None) -> Status | None:
    """Run one stage and record its outcome; a small transmission's stage commits once
    (or, inside a batch's transaction, is undone alone when it fails: its timeline entry,
    opened with the batch's in ``timeline``, stays and records the failure).

    A stage that raises is rolled back as far as it committed as one, then recorded as
    failed with the reason (an unexpected exception too: a bug must not leave the
    transmission `processing`)."""
    assert stage.run is not None
    whole = _whole(parts, run, stage)
    event = timeline.event(run) if timeline is not None else None
    opened: list[StageEvent] = [event] if event is not None else []
    try:
        with parts.store.atomic() if whole else nullcontext():
            if stage.resume is Resume.REPLAY and stage.stored in run.finished:
                if not _renewed(parts, run):
                    raise ClaimLost(run.tx.id)
                return stage.run(parts, run)
            started = batch.now()
            if not opened:
                opened.append(_start(parts, run, stage))
            status = stage.run(parts, run)
            if timeline is None or event is None:
                parts.store.finish_stage(opened[0], Outcome.OK if status is None else Outcome.FAILED)
                return status
        timeline.finished(event, Outcome.OK if status is None else Outcome.FAILED, started)
        return status
    except ClaimLost:
        raise
    except Exception as exc:
        _record_failure(parts, run, stage, exc, opened[0] if opened and (not whole or event) else None)
        return Status.FAILED


def _record_failure(parts: Parts, run: Run, stage: Stage, exc: Exception, event: StageEvent | None) -> None:
    """A stage that raised, in the error log and the timeline (``event``: its entry, when
    that was committed)."""
    line = failed(run.tx.id, stage.stored, exc)
    event = event or _start(parts, run, stage, cause=exc)
    parts.store.add_errors(run.tx.id, [line])
    parts.store.finish_stage(event, Outcome.FAILED, line.message)


def _failed_stage(parts: Parts, walk: _Walk, stage: Stage, exc: Exception) -> None:
    """A stage whose shared transaction failed as a whole: failed for this walk too."""
    try:
        _record_failure(parts, walk.run, stage, exc, None)
    except ClaimLost:
        return
    if walk.ended is None:
        walk.ended, walk.stopped_in = Status.FAILED, stage.stored


def _start(parts: Parts, run: Run, stage: Stage, cause: Exception | None = None) -> StageEvent:
    """The stage's timeline entry, renewing the claim; `ClaimLost` when another holds it."""
    event = parts.store.start_stage(run.tx.id, stage.stored, worker=run.tx.claimed_by, lease=parts.lease)
    if event is None:
        raise ClaimLost(run.tx.id) from cause
    return event


def _whole(parts: Parts, run: Run, stage: Stage) -> bool:
    """Whether the stage runs in one transaction (see `SMALL_FILE`)."""
    return (len(run.data) <= SMALL_FILE and not stage.network
            and (parts.store.dialect == "sqlite" or not stage.partner_lock))


def _renewed(parts: Parts, run: Run) -> bool:
    return run.tx.claimed_by is None or parts.store.renew(run.tx.id, run.tx.claimed_by, parts.lease)


def _finish(parts: Parts, run: Run, stopped_in: str | None) -> Transmission:
    """The outcome rule: `done` only when each set became a stored document or was
    rejected and answered as rejected; a set that failed in a stage fails the whole."""
    store = parts.store
    errors = store.error_codes(run.tx.id)
    broken = {stage for stage, code in errors if stage in _PER_SET or code == UNDECIDED}
    stopped_in = stopped_in or next((s for s in STAGES if s in broken), None)
    rejected = any(stage in _ACKED for stage, _ in errors)
    if stopped_in is None and rejected and not any(k.startswith("ack:") for k in run.recorded):
        store.add_errors(run.tx.id, [UNANSWERED])
        stopped_in = next(s.stored for s in reversed(CLAIMED) if s.acked)
    if stopped_in is not None:
        return store.set_status(run.tx.id, Status.FAILED, stage=stopped_in)
    held = store.documents(transmission_id=run.tx.id, kind=DocumentKind.ORDER, current=True,
                           status=DocumentStatus.HELD, limit=1)
    for earlier in earlier_attempts(store, run.tx):  # the exception queue holds them no more
        store.supersede(earlier.id, by=run.tx.id)
    return store.set_status(run.tx.id, Status.HELD if held else Status.DONE, stage=STAGES[-1])


@dataclass(frozen=True, slots=True)
class WorkersResult:
    """What `run_workers` did: the ids each worker processed, and the workers that failed."""

    processed: tuple[int, ...]
    failures: tuple[str, ...]


def run_workers(open_parts: Callable[[], Parts], workers: int, *, name: str = "edigate") -> WorkersResult:
    """``workers`` processes that each open their own parts (store, validator, maps), then
    claim and process until nothing waits. Claims (row locks, leases) keep them from doing
    anything twice."""
    ctx = multiprocessing.get_context("fork")
    results: multiprocessing.Queue[list[int]] = ctx.Queue()
    procs = [ctx.Process(target=_drain, args=(open_parts, f"{name}-{n}", results), daemon=True)
             for n in range(1, workers + 1)]
    for proc in procs:
        proc.start()
    processed: list[int] = []
    waiting = workers
    while waiting:
        try:
            processed += results.get(timeout=0.2)
            waiting -= 1
        except queue.Empty:
            if not any(p.is_alive() for p in procs) and results.empty():
                break
    for proc in procs:
        proc.join()
    failures = tuple(f"worker {p.name} exited with code {p.exitcode}" for p in procs if p.exitcode)
    return WorkersResult(tuple(sorted(processed)), failures)


def _drain(open_parts: Callable[[], Parts], worker: str, results: multiprocessing.Queue[list[int]]) -> None:
    parts = open_parts()
    try:
        results.put([t.id for t in work(parts, worker)])
    finally:
        parts.store.close()
