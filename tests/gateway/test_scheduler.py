"""The scheduled gateway on real folders, a real store (SQLite; PostgreSQL too when
EDIGATE_TEST_PG_URL is set) and APScheduler's own threads."""

from __future__ import annotations

import datetime as dt
import os
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from edigate.stages.pipeline import Pipeline
from edigate.gateway.scheduler import PERIODIC, Gateway, Periodic
from edigate.store import EventKind, Status, Store
from tests.support.waiting import PATIENCE, wait_until
from tests.support.gateway import make_workspace, open_pipeline, po_file
from tests.support.cli import set_routing

FOLDERS = ("  inbound:\n    type: folder\n    path: in\n    glob: \"*.edi\"\n    archive_dir: done\n{schedule}"
           "  outbound:\n    type: folder\n    path: out\n")


def folders(schedule: str = "    poll_seconds: 30\n") -> str:
    return FOLDERS.format(schedule=schedule)


@pytest.fixture
def workspace(tmp_path: Path) -> Path:
    root = make_workspace(tmp_path / "ws", folders())
    (root / "in").mkdir()
    return root


@pytest.fixture
def pipeline(workspace: Path, url: str) -> Iterator[Pipeline]:
    opened = open_pipeline(workspace, url)
    yield opened
    opened.store.close()


@pytest.fixture
def gateways() -> Iterator[Callable[..., Gateway]]:
    """Gateways made by a test; every one is stopped at teardown."""
    made: list[Gateway] = []

    def make(pipeline: Pipeline, **kw: object) -> Gateway:
        gateway = Gateway(pipeline, settle_seconds=0, **kw)  # type: ignore[arg-type]
        made.append(gateway)
        return gateway

    yield make
    for gateway in made:
        gateway.stop()


def wait_for(condition: Callable[[], bool]) -> None:
    assert wait_until(condition, interval=0.05), "timed out"


def drop(folder: Path, count: int, start: int = 1) -> list[str]:
    names = []
    for n in range(start, start + count):
        (folder / f"po{n:04d}.edi").write_bytes(po_file(n))
        names.append(f"po{n:04d}.edi")
    return names


def codes(pipeline: Pipeline, kind: EventKind) -> list[str]:
    return [e.code for e in reversed(pipeline.store.events(kind=kind))]


def test_jobs_follow_the_partner_files(tmp_path: Path) -> None:
    root = make_workspace(tmp_path / "a", folders("    cron: \"0 6 * * 1-5\"\n"))
    pipeline = open_pipeline(root)
    [poll, *periodic] = Gateway(pipeline).jobs()
    assert (poll.id, poll.task, poll.arg) == ("poll:bigbox", "poll", "bigbox")
    assert "day_of_week='mon,tue,wed,thu,fri'" in poll.schedule and "hour='6'" in poll.schedule
    assert [j.id for j in periodic] == [p.name for p in PERIODIC  # no AS2, tickets or ERP read back here
                                        if p.name not in ("as2-mdns", "tickets", "erp-read-back")]
    pipeline.store.close()
    root = make_workspace(tmp_path / "b", folders(""))
    pipeline = open_pipeline(root)
    assert Gateway(pipeline).jobs()[0].schedule == "interval[0:01:00]"  # the default: every minute
    pipeline.store.close()


def test_gateway_polls_processes_and_answers_every_file_once(pipeline: Pipeline, workspace: Path,
                                                              gateways: Callable[..., Gateway]) -> None:
    names = drop(workspace / "in", 5)
    gateway = gateways(pipeline)
    gateway.start()  # the first poll runs at once, then processing is woken
    wait_for(lambda: len(pipeline.store.transmissions(status=Status.DONE)) == 5)
    gateway.stop()
    assert sorted(t.file_name for t in pipeline.store.transmissions()) == names
    assert sorted(p.name for p in (workspace / "done").iterdir()) == names
    assert len(list((workspace / "out").glob("997-*.x12"))) == 5
    assert codes(pipeline, EventKind.SCHEDULER) == ["scheduler.started", "scheduler.stopped"]
    assert "channel.polled" in codes(pipeline, EventKind.CHANNEL)


def test_restart_keeps_each_jobs_next_run(pipeline: Pipeline, workspace: Path, url: str,
                                          gateways: Callable[..., Gateway]) -> None:
    first = gateways(pipeline)
    first.start()
    wait_for(lambda: (first.next_runs().get("poll:bigbox") or dt.datetime.now(dt.UTC))
             > dt.datetime.now(dt.UTC) + dt.timedelta(seconds=20))  # the first poll ran
    before = first.next_runs()
    first.stop()
    again = gateways(open_pipeline(workspace, url))
    again.start()
    assert again.next_runs() == before
    [started] = [e for e in again.store.events(kind=EventKind.SCHEDULER, code="scheduler.started", limit=1)]
    assert f"{len(before)} kept from the last run" in started.message
    again.stop()
    again.store.close()


def test_a_changed_schedule_replaces_the_job_and_a_removed_channel_drops_it(
        pipeline: Pipeline, workspace: Path, url: str, gateways: Callable[..., Gateway]) -> None:
    first = gateways(pipeline)
    first.start()
    first.stop()
    make_workspace(workspace, folders("    cron: \"*/5 * * * *\"\n"))
    changed = gateways(open_pipeline(workspace, url), periodic=PERIODIC[:1])
    changed.start()
    assert set(changed.next_runs()) == {"poll:bigbox", "process"}
    assert "minute='*/5'" in str(changed._scheduler.get_job("poll:bigbox").trigger)
    changed.stop()
    changed.store.close()


def test_poll_failure_is_a_channel_event_not_a_crash(pipeline: Pipeline, workspace: Path,
                                                    gateways: Callable[..., Gateway]) -> None:
    (workspace / "in").rmdir()
    assert gateways(pipeline).poll("bigbox") == 0
    [event] = pipeline.store.events(kind=EventKind.CHANNEL, code="channel.poll_failed")
    assert event.partner == "bigbox" and event.channel == "in" and "cannot list" in event.message
    assert pipeline.store.events(kind=EventKind.SCHEDULER) == []


def test_a_poll_another_gateway_holds_is_not_logged_as_one(pipeline: Pipeline, workspace: Path, url: str,
                                                           gateways: Callable[..., Gateway]) -> None:
    drop(workspace / "in", 1)
    gateway = gateways(pipeline)
    with Store.open(url) as other, other.try_poll_lock("bigbox") as held:
        assert held
        assert gateway.poll("bigbox") == 0
        assert pipeline.store.events(kind=EventKind.CHANNEL) == []  # it never polled: nothing to say it did
    assert gateway.poll("bigbox") == 1
    [polled] = pipeline.store.events(kind=EventKind.CHANNEL, code="channel.polled")
    assert polled.message == "1 file(s) received"


def test_a_periodic_job_is_one_entry(pipeline: Pipeline, gateways: Callable[..., Gateway]) -> None:
    ran: list[int] = []
    gateway = gateways(pipeline, periodic=(*PERIODIC, Periodic("count", 3600, lambda gw: ran.append(1))))
    assert "count" in {j.id for j in gateway.jobs()}
    gateway.start()
    wait_for(lambda: ran == [1])


def test_a_wake_while_its_job_runs_runs_it_again_when_the_run_ends(pipeline: Pipeline,
                                                                  gateways: Callable[..., Gateway]) -> None:
    """APScheduler skips a run due while the job is running: the wake must not wait a period."""
    in_hand, release = threading.Event(), threading.Event()
    runs: list[int] = []

    def slow(_gw: Gateway) -> None:
        runs.append(1)
        if len(runs) == 1:
            in_hand.set()
            assert release.wait(PATIENCE)

    gateway = gateways(pipeline, periodic=(Periodic("slow", 3600, slow),))
    gateway.start()
    assert in_hand.wait(PATIENCE)
    gateway.wake("slow")  # an MDN queued while the outbox job was sending the last one
    release.set()
    wait_for(lambda: len(runs) == 2)


def test_a_crashing_job_is_logged_and_the_others_go_on(pipeline: Pipeline, workspace: Path,
                                                      gateways: Callable[..., Gateway]) -> None:
    def crash(_gw: Gateway) -> None:
        raise RuntimeError("boom")

    drop(workspace / "in", 1)
    gateway = gateways(pipeline, periodic=(*PERIODIC, Periodic("crash", 3600, crash)))
    gateway.start()
    wait_for(lambda: "job.failed" in codes(pipeline, EventKind.SCHEDULER))
    wait_for(lambda: len(pipeline.store.transmissions(status=Status.DONE)) == 1)
    [failed] = pipeline.store.events(kind=EventKind.SCHEDULER, code="job.failed")
    assert failed.message == "job crash failed: RuntimeError: boom"


def test_the_alert_job_raises_overdue_acks_once_per_document(pipeline: Pipeline, workspace: Path,
                                                              gateways: Callable[..., Gateway]) -> None:
    drop(workspace / "in", 1)
    gateway = gateways(pipeline)
    gateway.poll("bigbox")
    gateway.process()
    later = dt.datetime.now(dt.UTC) + dt.timedelta(hours=25)
    overdue = pipeline.store.overdue_acks(later)
    assert [o.set_id for o in overdue] == ["855", "855"]
    assert gateway.check_alerts(dt.datetime.now(dt.UTC)) == 0  # not yet due
    assert gateway.check_alerts(later) == 2
    assert gateway.check_alerts(later) == 0
    alerts = pipeline.store.events(kind=EventKind.ALERT)
    assert sorted(a.code for a in alerts) == sorted(f"alert.ack_overdue:out{o.id}" for o in overdue)
    assert all(a.partner == "bigbox" for a in alerts)


def test_the_sweep_job_keeps_what_is_still_needed(pipeline: Pipeline, workspace: Path,
                                                 gateways: Callable[..., Gateway]) -> None:
    drop(workspace / "in", 1)
    gateway = gateways(pipeline)
    gateway.poll("bigbox")
    gateway.process()
    assert gateway.sweep_archive() == 0  # nothing is past retention yet
    year_ago = time.time() - 400 * 86_400
    for sha in pipeline.archive.hashes():
        os.utime(pipeline.archive.path(sha), (year_ago, year_ago))
    [tx] = pipeline.store.transmissions()
    outs = pipeline.store.outbounds(tx.id)
    assert gateway.sweep_archive() == 2  # the received file and its 997: done with
    assert set(pipeline.archive.hashes()) == {o.sha256 for o in outs if o.set_id == "855"}  # awaiting acks
    assert [e.code for e in pipeline.store.events(kind=EventKind.SCHEDULER)][0] == "archive.swept"


def test_outputs_queued_by_a_failed_send_go_out_once_on_retry(pipeline: Pipeline, workspace: Path,
                                                             gateways: Callable[..., Gateway]) -> None:
    (workspace / "out").write_text("a file where the folder should be")
    drop(workspace / "in", 2)
    gateway = gateways(pipeline)
    gateway.poll("bigbox")
    gateway.process()
    queued = pipeline.store.unsent_outbounds()
    assert len(queued) == 6  # a 997 and two 855s per file
    assert gateway.retry_sends(older_than=dt.timedelta(0)) == 0
    [failed] = pipeline.store.events(kind=EventKind.CHANNEL, code="channel.send_failed")
    assert "6 output(s) stay queued" in failed.message
    (workspace / "out").unlink()
    assert gateway.retry_sends(older_than=dt.timedelta(0)) == 6
    assert gateway.retry_sends(older_than=dt.timedelta(0)) == 0
    assert pipeline.store.unsent_outbounds() == []
    assert sorted(p.name for p in (workspace / "out").iterdir()) == sorted(
        f"{o.set_id}-bigbox-{o.isa13}.x12" for o in queued)


def test_young_outputs_are_left_to_whoever_wrote_them(pipeline: Pipeline, workspace: Path,
                                                     gateways: Callable[..., Gateway]) -> None:
    (workspace / "out").write_text("blocked")
    drop(workspace / "in", 1)
    gateway = gateways(pipeline)
    gateway.poll("bigbox")
    gateway.process()
    assert gateway.retry_sends() == 0 and pipeline.store.events(code="channel.send_failed") == []


def test_gateways_sharing_a_store_run_each_job_once_per_period(pipeline: Pipeline, tmp_path: Path, url: str,
                                                                gateways: Callable[..., Gateway]) -> None:
    ran: list[str] = []
    periodic = (Periodic("count", 3600, lambda gw: ran.append(gw.worker)),)
    first = gateways(pipeline, periodic=periodic, worker="first")
    first.start()
    wait_for(lambda: ran == ["first"] and not first.busy("count"))  # its start-up run, over
    other = open_pipeline(make_workspace(tmp_path / "other", folders()), url)
    second = gateways(other, periodic=periodic, worker="second")
    second.start()  # runs beside the first, its jobs in memory; fires "count" at its start-up too
    later = dt.datetime.now(dt.UTC) + dt.timedelta(minutes=30)
    wait_for(lambda: all((g.next_runs().get("count") or later) > later and not g.busy("count")
                         for g in (first, second)))  # each fired, and its run is over
    assert ran == ["first"]  # the second's turn had not come: it ran within the hour
    [note] = other.store.events(kind=EventKind.SCHEDULER, code="scheduler.started", limit=1)
    assert note.message.endswith("another gateway keeps the stored schedule, this one runs beside it")
    second.stop()
    other.store.close()


def test_an_erp_that_is_read_back_gets_its_job(tmp_path: Path) -> None:
    root = make_workspace(tmp_path / "a", folders(""))
    set_routing(root, """routing:
  - name: ns
    format: netsuite-salesorder
    target: {type: netsuite, url: "https://1234567.suitetalk.api.netsuite.com", customer: "4242", read_back: true}
""")
    pipeline = open_pipeline(root)
    try:
        ids = [j.id for j in Gateway(pipeline).jobs()]
    finally:
        pipeline.store.close()
    assert "erp-read-back" in ids
