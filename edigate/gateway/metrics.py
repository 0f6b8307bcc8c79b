"""Prometheus metrics and health checks of the running gateway.

`GatewayMetrics` holds the gateway's metrics in a `CollectorRegistry` it is given (no
global registry, so two gateways in one process never mix their numbers). The gateway
counts what it did as it does it: files and orders processed by partner and outcome, each
stage's duration, each channel's state and last success. What stands in the store (acks
and MDNs overdue, the queues) is read from it at every scrape.

`metrics_app` is the WSGI app the gateway serves on ``metrics.listen``: ``/metrics`` (the
Prometheus text format), ``/healthz`` (the process answers) and ``/readyz`` (the store
answers and the scheduler runs; 503 otherwise).
"""

from __future__ import annotations

import datetime as dt
import logging
from collections import Counter as Tally
from collections.abc import Callable, Iterable, Iterator, Sequence
from typing import TYPE_CHECKING

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram
from prometheus_client.core import GaugeMetricFamily, Metric
from prometheus_client.exposition import CONTENT_TYPE_LATEST, generate_latest
from prometheus_client.registry import Collector

from edigate.errors import EdigateError
from edigate.store import DocumentKind, Status, Store, Transmission
from edigate.store.reports import Period

if TYPE_CHECKING:
    from _typeshed.wsgi import StartResponse, WSGIEnvironment

__all__ = ["STAGE_BUCKETS", "GatewayMetrics", "metrics_app"]

log = logging.getLogger(__name__)

STAGE_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300)
"""Upper bounds in seconds of the stage duration histogram."""


class GatewayMetrics:
    """The gateway's metrics in ``registry``; ``mdn_within`` is when an async MDN is late."""

    def __init__(self, registry: CollectorRegistry, store: Store, *,
                 mdn_within: dt.timedelta = dt.timedelta(minutes=60)) -> None:
        self.registry, self.store = registry, store
        self.files = Counter("edigate_files", "Inbound files processed, by partner and outcome "
                             "(done, held, failed, duplicate)", ["partner", "outcome"], registry=registry)
        self.orders = Counter("edigate_orders", "Orders (850s) processed, by partner and outcome "
                              "(their document status)", ["partner", "outcome"], registry=registry)
        self.stage_seconds = Histogram("edigate_stage_duration_seconds", "How long each pipeline stage took",
                                       ["stage"], buckets=STAGE_BUCKETS, registry=registry)
        self.channel_up = Gauge("edigate_channel_up", "1 when the channel's last poll or send worked, else 0",
                                ["partner", "direction"], registry=registry)
        self.channel_success = Gauge("edigate_channel_last_success_timestamp_seconds",
                                     "When the channel last polled or sent without error (Unix time)",
                                     ["partner", "direction"], registry=registry)
        registry.register(_StoreCollector(store, mdn_within))

    def processed(self, transmissions: Iterable[Transmission]) -> None:
        """Count processed transmissions, their orders and their stages' durations."""
        for t in transmissions:
            self.files.labels(t.partner, t.status.value).inc()
            for stage in self.store.stages(t.id):
                if stage.duration_ms is not None:
                    self.stage_seconds.labels(stage.stage).observe(stage.duration_ms / 1000)
            for d in self.store.documents(transmission_id=t.id):
                if d.kind is DocumentKind.ORDER:
                    self.orders.labels(d.partner, d.status.value).inc()

    def channel(self, partner: str, direction: str, ok: bool, at: dt.datetime | None = None) -> None:
        """A poll (``in``) or send (``out``) that worked (``ok``) or failed."""
        self.channel_up.labels(partner, direction).set(1 if ok else 0)
        if ok:
            self.channel_success.labels(partner, direction).set((at or dt.datetime.now(dt.UTC)).timestamp())


class _StoreCollector(Collector):
    """What the store holds at scrape time; a store that does not answer yields nothing
    (``/readyz`` reports it) rather than failing the whole scrape."""

    def __init__(self, store: Store, mdn_within: dt.timedelta) -> None:
        self.store, self.mdn_within = store, mdn_within

    def collect(self) -> Iterator[Metric]:
        now = dt.datetime.now(dt.UTC)
        try:
            families = [self._acks(now), self._mdns(now), self._queues()]
        except EdigateError as exc:
            log.warning("metrics: the store did not answer: %s", exc)
            return
        yield from families

    def _acks(self, now: dt.datetime) -> Metric:
        family = GaugeMetricFamily("edigate_acks_overdue", "Our 855/856/810 whose 997/999 is past its window",
                                   labels=["partner"])
        overdue: Tally[str] = Tally()
        for count in self.store.ack_counts(Period(), now=now):
            overdue[count.partner] += count.overdue
        for partner, n in sorted(overdue.items()):
            family.add_metric([partner], n)
        return family

    def _mdns(self, now: dt.datetime) -> Metric:
        family = GaugeMetricFamily("edigate_mdns_overdue", "AS2 messages whose async MDN has not come in time",
                                   labels=["partner"])
        late = Tally(m.partner for m in self.store.awaiting_mdns(older_than=now - self.mdn_within))
        for partner, n in sorted(late.items()):
            family.add_metric([partner], n)
        return family

    def _queues(self) -> Metric:
        family = GaugeMetricFamily("edigate_queue_depth", "Work waiting: files received and not processed "
                                   "(inbound), outputs not sent yet (outbound)", labels=["queue"])
        family.add_metric(["inbound"], len(self.store.transmissions(status=Status.RECEIVED)))
        family.add_metric(["outbound"], len(self.store.unsent_outbounds()))
        return family


def metrics_app(registry: CollectorRegistry, store: Store,
                scheduler_running: Callable[[], bool]) -> Callable[[WSGIEnvironment, StartResponse], Sequence[bytes]]:
    """``/metrics``, ``/healthz`` and ``/readyz`` over ``registry`` and ``store``."""
    def app(environ: WSGIEnvironment, start_response: StartResponse) -> Sequence[bytes]:
        path = environ.get("PATH_INFO", "")
        if path == "/metrics":
            return _answer(start_response, "200 OK", generate_latest(registry), CONTENT_TYPE_LATEST)
        if path == "/healthz":
            return _answer(start_response, "200 OK", b"ok\n")
        if path == "/readyz":
            problems = _not_ready(store, scheduler_running)
            status = "503 Service Unavailable" if problems else "200 OK"
            return _answer(start_response, status, ("\n".join(problems) or "ready").encode() + b"\n")
        return _answer(start_response, "404 Not Found", b"not found: /metrics, /healthz, /readyz\n")
    return app


def _not_ready(store: Store, scheduler_running: Callable[[], bool]) -> list[str]:
    problems = []
    try:
        store.ping()
    except EdigateError as exc:
        problems.append(f"store: {exc}")
    if not scheduler_running():
        problems.append("scheduler: not running")
    return problems


def _answer(start_response: StartResponse, status: str, body: bytes,
            content_type: str = "text/plain; charset=utf-8") -> Sequence[bytes]:
    start_response(status, [("Content-Type", content_type), ("Content-Length", str(len(body)))])
    return [body]
