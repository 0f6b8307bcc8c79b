"""The scheduled gateway behind ``edigate run``: APScheduler jobs over the pipeline.

One poll job per inbound channel (every ``poll_seconds`` or at a crontab ``cron`` from the
partner file), and the periodic jobs in `PERIODIC`: processing what was received, sending
again what could not be sent, the alert checks of `edigate.gateway.alerts` (overdue 997/999s,
failures nobody took up, silent partners) and the archive's retention sweep. Jobs live in the store (`edigate.store.job_store`), so a restart keeps each
job's next run; a job runs one instance at a time and missed runs coalesce into one. A poll
also takes the store's polling lock, so an ``edigate run --once`` beside it never polls the
same channel at the same time.

Gateways on several hosts may share one PostgreSQL store and archive: the first keeps the
stored schedule (APScheduler 3 job stores are not shared), the others run it from memory.
Every job but ``process`` (claims share the files out) takes a turn in the store first
(`Store.take_turn`): it runs on one gateway at a time, once per period between them all.

`Gateway.stop` lets every job finish the file or transmission in hand, then returns.
Channel failures go to the event log (`EventKind.CHANNEL`); scheduler starts, stops and
jobs that crash go there as `EventKind.SCHEDULER`.

Adding a periodic job is one entry in `edigate.gateway.jobs.PERIODIC`.
"""

from __future__ import annotations

import contextlib
import dataclasses
import datetime as dt
import logging
import os
import socket
import threading
from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING, Any

from prometheus_client import CollectorRegistry

from edigate.gateway.jobs import PERIODIC, JobSpec, Periodic, Wakes
from edigate.gateway.metrics import GatewayMetrics
from edigate.gateway.retention import sweep_archive
from edigate.config.channels import DEFAULT_POLL_SECONDS
from edigate.config.cron import cron_trigger
from edigate.stages import readback, receive
from edigate.stages.commerce import tell_again
from edigate.stages.send import Sent, outbound, send
from edigate.errors import ConfigError, EdigateError, TransportError, UsageError
from edigate.stages.pipeline import Pipeline
from edigate.store import EventKind, Outbound, Severity, Transmission, job_store
from edigate.store.leases import holder_id
from edigate.transport import ChannelPool
from edigate.x12.closing import interchange_open

if TYPE_CHECKING:  # imported where used: `edigate run --once` starts neither listener, alerts nor tickets
    from edigate.transport.listener import HttpListener

__all__ = ["PERIODIC", "Gateway", "JobSpec", "Periodic", "run_task"]

log = logging.getLogger(__name__)

_CRON_TURN = dt.timedelta(seconds=50)
"""A crontab poll's period between gateways: the gateways fire in the same minute, one polls."""
_TURN_SLACK = 0.9

SEND_GRACE = dt.timedelta(minutes=1)
"""An unsent output younger than this is left to whoever just wrote it (pipeline, order desk)."""


# APScheduler persists a job as a textual reference to a module-level function and pickled
# arguments, so a job cannot hold the live gateway: it names it, and `run_task` finds it here.
_running: dict[str, Gateway] = {}


def run_task(gateway: str, task: str, arg: str | None = None) -> None:
    """What every stored job calls: run ``task`` on the gateway named ``gateway``."""
    running = _running.get(gateway)
    if running is None:
        log.warning("job %s for gateway %s, which is not running here", task, gateway)
        return
    running.run(task, arg)


class Gateway:
    """A pipeline run on schedule: `start`, then `stop` (from a signal handler's thread)."""

    def __init__(self, pipeline: Pipeline, *, worker: str | None = None,
                 periodic: Sequence[Periodic] = PERIODIC, settle_seconds: float | None = None,
                 threads: int = 4, as2_port: int | None = None, registry: CollectorRegistry | None = None,
                 metrics_port: int | None = None) -> None:
        self.pipeline, self.store = pipeline, pipeline.store
        self.worker = worker or f"{socket.gethostname()}-{os.getpid()}"
        """Whose claims and leases these are in the store: unique among the gateways sharing it."""
        self.name = str(pipeline.workspace.root.resolve())
        self.periodic = {p.name: p for p in periodic}
        self.pool = pipeline.channel_options.pool or ChannelPool()
        """Connections kept open between polls and sends (the context's pool, handed down with
        the pipeline, when the ``edigate`` command built it); the pipeline's sends use it too."""
        pipeline.channel_options = dataclasses.replace(pipeline.channel_options, pool=self.pool)
        self.options = dataclasses.replace(pipeline.channel_options, settle_seconds=settle_seconds,
                                           unfinished=interchange_open)
        """What polls use: each channel's own ``settle_seconds`` unless ``settle_seconds`` is
        given, and X12's rule for a file still being written (no closing IEA yet)."""
        self.threads = threads
        self.as2_port = as2_port
        """Listen for AS2 here rather than on edigate.yaml's port (0: any free port)."""
        self.stopping = threading.Event()
        self.listener: HttpListener | None = None
        self.metrics = GatewayMetrics(registry or CollectorRegistry(), self.store,
                                      mdn_within=dt.timedelta(minutes=pipeline.workspace.alerts.mdn_within_minutes))
        """This gateway's Prometheus metrics, in the registry given (or one of its own)."""
        self.metrics_port = metrics_port
        """Serve the metrics here rather than on edigate.yaml's ``metrics.listen`` port (0: any free port)."""
        self.metrics_listener: HttpListener | None = None
        self._scheduler: Any = None
        self._single = contextlib.ExitStack()  # holds the store's scheduler lock while running
        self._turns: dict[str, dt.timedelta | None] = {}
        self._woken = Wakes()
        """Jobs `wake` asked for: each runs as soon as no other gateway runs it, whatever its period."""

    # -- the jobs ----------------------------------------------------------------------

    def jobs(self) -> list[JobSpec]:
        """Every job this gateway runs: a poll per inbound channel, then the periodic ones."""
        from apscheduler.triggers.interval import IntervalTrigger  # type: ignore[import-untyped]

        specs = []
        for pid in self.pipeline.sources():
            if (inbound := receive.polled(self.pipeline, pid)) is None:
                continue  # AS2 messages arrive at the listener
            if inbound.cron is not None:
                trigger, every = cron_trigger(inbound.cron), _CRON_TURN
            else:
                seconds = inbound.poll_seconds or DEFAULT_POLL_SECONDS
                trigger, every = IntervalTrigger(seconds=seconds, timezone=dt.UTC), dt.timedelta(seconds=seconds)
            specs.append(JobSpec(f"poll:{pid}", "poll", trigger, pid, every))
        for p in self.periodic.values():
            if p.wanted(self):
                specs.append(JobSpec(p.name, p.name, IntervalTrigger(seconds=p.seconds, timezone=dt.UTC),
                                     every=None if p.everywhere else dt.timedelta(seconds=p.seconds)))
        return specs

    def run(self, task: str, arg: str | None = None) -> None:
        """Run one task now (what a job does when its time comes): at once when every gateway
        runs it, else when its turn has come (no other gateway ran it within its period)."""
        if self.stopping.is_set():
            return
        job = task if arg is None else f"{task}:{arg}"
        every = self._turns.get(job)  # a little early is on time: gateways' timers drift apart
        woken = self._woken.begin(job)  # work waits for it (an MDN just queued): now, not at its turn
        try:
            while True:
                with (contextlib.nullcontext(True) if every is None else
                      self.store.hold(f"job:{job}", holder_id(self.worker),
                                      every=None if woken else every * _TURN_SLACK)) as turn:
                    if turn is not None:
                        self._run_task(task, arg)
                if self.stopping.is_set() or not self._woken.again(job):
                    return
                woken = True
        finally:
            self._woken.end(job)

    def _run_task(self, task: str, arg: str | None) -> None:
        if task == "poll":
            assert arg is not None
            self.poll(arg)
        elif task in self.periodic:
            self.periodic[task].run(self)
        else:
            raise UsageError(f"no scheduled task {task!r}")

    # -- starting and stopping ---------------------------------------------------------

    def start(self) -> None:
        """Start the scheduler, then the AS2 listener if a partner uses AS2."""
        self._start_scheduler()
        try:
            self._start_listener()
            self._start_metrics()
        except BaseException:
            self.stop()
            raise

    def _start_listener(self) -> None:
        if self.pipeline.workspace.as2 is None:
            return
        from edigate.gateway.listener import as2_listener

        self.listener = as2_listener(self.pipeline, on_received=lambda _tx: self.wake(),
                                     on_mdn_queued=lambda: self.wake("as2-mdns"), port=self.as2_port)
        if self.listener is not None:
            self.listener.start()
            self._note("listener.started", f"AS2 listener on {self.listener.host}:{self.listener.port}")

    def _start_metrics(self) -> None:
        settings = self.pipeline.workspace.metrics
        if settings is None:
            return
        from edigate.gateway.metrics import metrics_app
        from edigate.transport.listener import HttpListener

        port = settings.port if self.metrics_port is None else self.metrics_port
        app = metrics_app(self.metrics.registry, self.store, lambda: self.running)
        self.metrics_listener = HttpListener(app, settings.host, port, threads=2)
        self.metrics_listener.start()
        self._note("metrics.started", f"metrics on {settings.host}:{self.metrics_listener.port}")

    @property
    def running(self) -> bool:
        """Whether the scheduler runs (started, not stopping)."""
        scheduler = self._scheduler
        return scheduler is not None and bool(scheduler.running) and not self.stopping.is_set()

    def _start_scheduler(self) -> None:
        """Start the scheduler on the store's job store; stored jobs keep their next run."""
        from apscheduler.events import EVENT_JOB_ERROR  # type: ignore[import-untyped]
        from apscheduler.executors.pool import ThreadPoolExecutor  # type: ignore[import-untyped]
        from apscheduler.jobstores.memory import MemoryJobStore  # type: ignore[import-untyped]
        from apscheduler.schedulers.background import BackgroundScheduler  # type: ignore[import-untyped]

        if self.name in _running:
            raise UsageError(f"a gateway is already running on {self.name} in this process")
        self._single.close()
        keeper = self._single.enter_context(self.store.try_poll_lock(":scheduler"))
        scheduler = BackgroundScheduler(
            jobstores={"default": job_store(self.store) if keeper else MemoryJobStore()},
            executors={"default": ThreadPoolExecutor(self.threads)},
            job_defaults={"coalesce": True, "max_instances": 1, "misfire_grace_time": None},
            timezone=dt.UTC)
        scheduler.add_listener(self._job_failed, EVENT_JOB_ERROR)
        _running[self.name] = self
        self._scheduler = scheduler
        scheduler.start(paused=True)
        jobs = self.jobs()
        self._turns = {spec.id: spec.every for spec in jobs}
        kept = self._install(jobs)
        scheduler.resume()
        beside = "" if keeper else "; another gateway keeps the stored schedule, this one runs beside it"
        self._note("scheduler.started", f"{len(jobs)} job(s), {kept} kept from the last run{beside}")

    def _install(self, specs: Iterable[JobSpec]) -> int:
        """Add or update each job; leave unchanged stored ones be (their next run stands)."""
        wanted, kept = {}, 0
        for spec in specs:
            wanted[spec.id] = spec
            args = (self.name, spec.task, spec.arg)
            stored = self._scheduler.get_job(spec.id)
            if stored is not None and str(stored.trigger) == spec.schedule and tuple(stored.args) == args:
                kept += 1
                continue
            self._scheduler.add_job(run_task, spec.trigger, args=args, id=spec.id, name=spec.id,
                                    replace_existing=True, next_run_time=dt.datetime.now(dt.UTC))
        for job in self._scheduler.get_jobs():
            if job.id not in wanted:
                job.remove()  # a channel or job that is no longer configured
        return kept

    def stop(self) -> None:
        """Let the jobs in hand finish their current file, then stop; safe to call twice."""
        self.stopping.set()
        if self.listener is not None:
            self.listener.stop()  # no new message is accepted from here on
            self.listener = None
        if self.metrics_listener is not None:
            self.metrics_listener.stop()
            self.metrics_listener = None
        scheduler, self._scheduler = self._scheduler, None
        try:
            if scheduler is not None:
                scheduler.shutdown(wait=True)
                self._note("scheduler.stopped", "stopped cleanly")
        finally:
            _running.pop(self.name, None)
            self._single.close()
            self.pool.close()

    def next_runs(self) -> dict[str, dt.datetime | None]:
        """Each job's next run (None: paused), while the gateway runs."""
        scheduler = self._scheduler
        return {} if scheduler is None else {j.id: j.next_run_time for j in scheduler.get_jobs()}

    def busy(self, job_id: str) -> bool:
        """Whether the job runs on this gateway now (its next run is set as it starts)."""
        return self._woken.running(job_id)

    def wake(self, job_id: str = "process") -> None:
        """Run a job as soon as possible (new files are waiting to be processed)."""
        scheduler = self._scheduler
        if scheduler is not None and not self.stopping.is_set() and scheduler.get_job(job_id) is not None:
            if self._woken.ask(job_id):
                scheduler.modify_job(job_id, next_run_time=dt.datetime.now(dt.UTC))

    def _job_failed(self, event: Any) -> None:
        message = f"job {event.job_id} failed: {type(event.exception).__name__}: {event.exception}"
        log.error("%s", message)  # APScheduler's own traceback goes to the debug log only
        self._note("job.failed", message, Severity.ERROR)

    def _note(self, code: str, message: str, severity: Severity = Severity.INFO) -> None:
        try:
            self.store.record_event(kind=EventKind.SCHEDULER, code=code, message=message, severity=severity)
        except EdigateError as exc:
            log.error("event log unavailable: %s (%s: %s)", exc, code, message)

    # -- the tasks ---------------------------------------------------------------------

    def poll(self, partner_id: str) -> int:
        """`Pipeline.poll` on the gateway's pooled connections, stopping after the file in
        hand when the gateway stops. A channel failure is logged; the count is returned."""
        return self._poll(partner_id)[0]

    def poll_all(self) -> tuple[str, ...]:
        """Poll every inbound channel once (``edigate run --once``); the failures, one line
        each (each also logged), naming its channel."""
        return receive.poll_sources(self.pipeline, lambda source: self._poll(source)[1]) + self.read_back()

    def reads_back(self) -> bool:
        return readback.wanted(self.pipeline)

    def read_back(self) -> tuple[str, ...]:
        """What the ERPs did with our orders, as reply transmissions (`readback.read_back`)."""
        return readback.read_back(self.pipeline, then=self.wake)

    def _poll(self, partner_id: str) -> tuple[int, str | None]:
        config = self.pipeline.inbound(partner_id)[0]
        if config is None or config.type == "as2":
            return 0, None  # AS2 messages arrive at the listener
        received: list[Transmission] = []
        problem = None
        try:
            polled = self.pipeline.poll(partner_id, options=self.options, stopping=self.stopping.is_set,
                                        on_received=received.append)
        except (TransportError, ConfigError) as exc:  # the store failing is the job's failure
            problem = _named(f"{partner_id}:in", exc.message)
            problem += f" ({len(received)} file(s) received first)" if received else ""
            self._channel(partner_id, "in", "channel.poll_failed", problem, Severity.ERROR)
            log.error("%s", problem)
        else:
            if polled is None:
                return 0, None  # another gateway polls it now, or it is not polled here: nothing to log
            self._channel(partner_id, "in", "channel.polled", f"{len(received)} file(s) received")
        if received:
            self.wake()
        return len(received), problem

    def process(self) -> int:
        """Claim and process transmissions until none waits; stop between two when stopping."""
        done = self.pipeline.work(self.worker, stopping=self.stopping.is_set)
        self.metrics.processed(done)
        return len(done)

    @property
    def serves_as2(self) -> bool:
        """Whether the workspace sets up AS2 (then the listener and the MDN outbox run)."""
        return self.pipeline.workspace.as2 is not None

    @property
    def files_tickets(self) -> bool:
        """Whether ``tickets:`` names a ticket system (then the tickets job runs)."""
        return bool(self.pipeline.workspace.tickets.systems)

    def deliver_mdns(self) -> int:
        """POST the async MDNs we owe partners that are due (bounded retries, in the store)."""
        from edigate.gateway.listener import deliver_mdns

        return deliver_mdns(self.store, timeout=self.options.timeout)

    def retry_sends(self, older_than: dt.timedelta = SEND_GRACE) -> int:
        """Send the outputs still queued (their partner's channel was down), oldest first, and
        tell the commerce platforms of the shipments they refused before."""
        tell_again(self.store, self.pipeline.partners)  # a platform that refused a shipment: each a logged event
        return sum(self._send_queued(partner_id, outs)[0]
                   for partner_id, outs in _by_partner(self.store.unsent_outbounds(older_than=older_than)))

    def deliver(self, outs: Sequence[Outbound]) -> list[Outbound]:
        """Send queued ``outs`` now (``edigate run --once``); those that could not be delivered.
        Each partner's channel that refused is logged once, as `retry_sends` does."""
        undelivered: list[Outbound] = []
        for partner_id, queued in _by_partner(outs):
            sent, failed = self._send_queued(partner_id, queued)
            undelivered += queued[sent:] if failed else []
        return undelivered

    def _send_queued(self, partner_id: str, outs: Sequence[Outbound]) -> tuple[int, bool]:
        """How many of ``outs`` went out (in order), and whether the channel failed."""
        partner = self.pipeline.partners.get(partner_id)
        if partner is None or outbound(partner, self.pipeline.channel_types) is None or self.stopping.is_set():
            return 0, False
        try:
            got = send(self.store, self.pipeline.archive, partner, outs, options=self.options,
                       channel_types=self.pipeline.channel_types, stopping=self.stopping.is_set)
        except ConfigError as exc:
            got = Sent(failure=exc)
        sent = len(got.sent)
        if got.failure is not None:
            problem = f"{_named(f'{partner_id}:out', got.failure.message)}; {len(outs) - sent} output(s) stay queued"
            self._channel(partner_id, "out", "channel.send_failed", problem, Severity.ERROR)
            log.error("%s", problem)
            return sent, True
        self._channel(partner_id, "out", "channel.sent", f"{sent} queued output(s) sent")
        return sent, False

    def check_alerts(self, now: dt.datetime | None = None) -> int:
        """The alert checks (`edigate.gateway.alerts`): overdue acks, failed transmissions nobody took
        up, silent partners; each raised once, logged, and mailed or posted where configured."""
        from edigate.gateway.alerts import run_alert_checks

        with self.store.try_poll_lock(":alerts") as mine:
            if not mine:
                return 0
            return len(run_alert_checks(self.store, self.pipeline.workspace, now or dt.datetime.now(dt.UTC)))

    def sync_tickets(self, now: dt.datetime | None = None) -> int:
        """Queued ticket work done, resolved exceptions' tickets closed, closed ones read back
        (`edigate.gateway.tickets`); how much work was done."""
        from edigate.gateway.tickets import sync_tickets

        with self.store.try_poll_lock(":tickets") as mine:
            return sync_tickets(self.store, self.pipeline.workspace.tickets,
                                now or dt.datetime.now(dt.UTC)).done if mine else 0

    def sweep_archive(self) -> int:
        """Archived files past ``retention_days`` that nothing still needs, removed; event log
        entries past ``events_retention_days`` pruned."""
        ws = self.pipeline.workspace
        swept = sweep_archive(self.store, self.pipeline.archive, ws.retention_days, ws.events_retention_days)
        if swept.removed or swept.pruned:
            self._note("archive.swept", f"{len(swept.removed)} archived file(s) past retention removed, "
                       f"{swept.pruned} old event log entries pruned")
        return len(swept.removed)

    def _channel(self, partner: str, channel: str, code: str, message: str,
                 severity: Severity = Severity.INFO) -> None:
        self.metrics.channel(partner, channel, severity is not Severity.ERROR)
        self.store.record_event(kind=EventKind.CHANNEL, code=code, message=message, severity=severity,
                                partner=partner, channel=channel)


def _by_partner(outs: Iterable[Outbound]) -> list[tuple[str, list[Outbound]]]:
    """Outputs grouped by partner (in partner order), each group in its own order."""
    groups: dict[str, list[Outbound]] = {}
    for out in outs:
        groups.setdefault(out.partner, []).append(out)
    return sorted(groups.items())


def _named(channel: str, message: str) -> str:
    """``message`` starting with the channel it is about (a configuration error may not)."""
    return message if message.startswith(f"{channel}:") else f"{channel}: {message}"
