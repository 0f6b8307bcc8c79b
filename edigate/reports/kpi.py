"""KPIs of the order desk, for a period and per partner, from the store.

`build_report` reads one narrow row per order (`Store.order_facts`) plus grouped counts,
judges on time and in full from the shipments (`edigate.reports.otif`), and returns a `Report`
of frozen values. The definitions are in the README ("KPIs"); `edigate.reports.html`
renders a `Report` as a self-contained HTML page.

    report = build_report(store, since=start, until=end, now=dt.datetime.now(dt.UTC))
    report.total.accuracy.value    # 0.93
"""

from __future__ import annotations

import bisect
import datetime as dt
import gc
import math
from collections import Counter, defaultdict
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
import dataclasses
from dataclasses import dataclass, fields, is_dataclass
from typing import Any

from edigate.reports.otif import Judged, judge_fulfillment
from edigate.store import DocumentStatus, Store
from edigate.store.reports import AckCount, CodeCount, FailingSpot, OrderFacts, Period, TransmissionCounts
from edigate.x12.codes import describe

__all__ = [
    "CYCLE_BUCKETS", "AckKpis", "CycleTimes", "ExceptionRate", "Kpis", "Rate", "Report", "Series", "Spot", "Stat",
    "TransmissionKpis", "build_report", "code_name", "format_seconds", "quantile", "report_json",
]

CYCLE_BUCKETS: tuple[tuple[str, float], ...] = (
    ("< 1 min", 60), ("1-5 min", 300), ("5-15 min", 900), ("15-60 min", 3600), ("1-4 h", 4 * 3600),
    ("4-24 h", 86400), ("1-3 d", 3 * 86400), ("3-7 d", 7 * 86400), ("> 7 d", math.inf))
"""Histogram buckets of the cycle-time chart: label and upper bound in seconds (exclusive)."""

TOP = 10


@dataclass(frozen=True, slots=True)
class Rate:
    """``hits`` of ``total``; ``value`` is None when there is nothing to measure."""

    hits: int
    total: int

    @property
    def value(self) -> float | None:
        return self.hits / self.total if self.total else None


@dataclass(frozen=True, slots=True)
class Stat:
    """A distribution of durations in seconds: how many, median and 95th percentile."""

    count: int
    median: float | None
    p95: float | None

    @classmethod
    def of(cls, values: Sequence[float]) -> Stat:
        ordered = sorted(values)
        return cls(len(ordered), quantile(ordered, 0.5), quantile(ordered, 0.95))


@dataclass(frozen=True, slots=True)
class CycleTimes:
    to_997: Stat
    to_855: Stat
    to_shipped: Stat
    shipped_to_invoiced: Stat


@dataclass(frozen=True, slots=True)
class AckKpis:
    """Functional acks of our 855s, 856s and 810s."""

    sent: int
    accepted: int
    partial: int
    rejected: int
    pending: int
    overdue: int
    acceptance: Rate
    turnaround: Stat


@dataclass(frozen=True, slots=True)
class TransmissionKpis:
    received: int
    duplicates: int
    failed: int
    fixed: int
    resolved: int

    @property
    def still_failed(self) -> int:
        return self.failed - self.fixed


@dataclass(frozen=True, slots=True)
class ExceptionRate:
    code: str
    count: int
    per_1000: float | None
    code_list: str | None = None
    """The X12 code list of ``code`` (TA1, AK5, IK3 ...); None for edigate's own codes."""
    name: str = ""
    """What the code means, from its code list (``segment has data element errors``)."""

    @property
    def label(self) -> str:
        """``AK3 8 "Segment has data element errors"``, or the bare code of edigate's own."""
        head = f"{self.code_list} {self.code}" if self.code_list else self.code
        return f'{head} "{self.name}"' if self.name else head


@dataclass(frozen=True, slots=True)
class Spot:
    """A segment (and element) that errors name, with the code seen there most."""

    segment_id: str
    element_position: int | None
    code: str
    count: int

    @property
    def where(self) -> str:
        return self.segment_id + (f"{self.element_position:02d}" if self.element_position else "")


@dataclass(frozen=True, slots=True)
class Kpis:
    """The KPIs of one scope: every partner (``partner`` None) or one."""

    partner: str | None
    orders: int
    accuracy: Rate
    exceptions_per_1000: float | None
    exceptions: tuple[ExceptionRate, ...]
    cycle: CycleTimes
    on_time: Rate
    otif: Rate
    acks: AckKpis
    transmissions: TransmissionKpis
    top_failing: tuple[Spot, ...]


@dataclass(frozen=True, slots=True)
class Series:
    """What the charts draw."""

    volume: tuple[tuple[dt.date, int], ...]
    """Orders received per day, every day of the period."""
    cycle_histograms: tuple[tuple[str, tuple[int, ...]], ...]
    """Per cycle, order counts in each of `CYCLE_BUCKETS`."""
    otif_weekly: tuple[tuple[str, tuple[tuple[dt.date, Rate], ...]], ...]
    """Per partner, OTIF of the orders received each week (keyed by its Monday)."""


@dataclass(frozen=True, slots=True)
class Report:
    since: dt.datetime | None
    until: dt.datetime | None
    generated_at: dt.datetime
    total: Kpis
    partners: tuple[Kpis, ...]
    series: Series
    previous: Kpis | None = None
    """All partners' KPIs over the period of the same length just before, to compare with."""
    previous_since: dt.datetime | None = None


# -- building ------------------------------------------------------------------------

def build_report(store: Store, *, since: dt.datetime | None = None, until: dt.datetime | None = None,
                 partner: str | None = None, now: dt.datetime | None = None) -> Report:
    """The KPIs of the orders received in ``[since, until)`` (UTC), overall and per partner.

    ``now`` judges what is overdue: acks past their window, orders past their requested
    ship date that have not shipped.
    """
    now = now or dt.datetime.now(dt.UTC)
    with _collector_paused():
        report = _build(store, Period(since, until, partner), now)
        if since is None:
            return report
        before = since - ((until or now) - since)
        previous = _build(store, Period(before, since, partner), now).total
    return dataclasses.replace(report, previous=previous, previous_since=before)


@contextmanager
def _collector_paused() -> Iterator[None]:
    """Pause the cyclic garbage collector while the report is built: it makes a few
    hundred thousand short-lived values that hold no cycles, and the collector's repeated
    passes over them took more than half the time on 100,000 orders."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def _build(store: Store, period: Period, now: dt.datetime) -> Report:
    since, until = period.since, period.until
    facts = list(store.order_facts(period))
    judged = judge_fulfillment(store, period, facts, now.date())
    acks = store.ack_counts(period, now=now)
    turnarounds = [_Turnaround(p, seconds) for p, seconds in store.ack_turnarounds(period)]
    counts = store.transmission_counts(period)
    codes, spots = store.exception_counts(period), store.failing_spots(period)
    parts = [_by_partner(rows) for rows in (facts, acks, turnarounds, counts, codes, spots)]
    scopes = sorted(set().union(*parts))
    partners = tuple(_kpis(p, judged, *(part.get(p, []) for part in parts)) for p in scopes)
    total = _kpis(None, judged, facts, acks, turnarounds, counts, codes, spots)
    return Report(since, until, now, total, partners, _series(facts, judged, since, until))


@dataclass(frozen=True, slots=True)
class _Turnaround:
    partner: str
    seconds: float


def _by_partner(rows: Sequence[Any]) -> dict[str, list[Any]]:
    grouped: dict[str, list[Any]] = defaultdict(list)
    for row in rows:
        grouped[row.partner].append(row)
    return grouped


def _kpis(partner: str | None, judged: dict[int, Judged], facts: Sequence[OrderFacts],
          acks: Sequence[AckCount], turnarounds: Sequence[_Turnaround], counts: Sequence[TransmissionCounts], codes: Sequence[CodeCount],
          spots: Sequence[FailingSpot]) -> Kpis:
    orders = len(facts)
    mine = [judged[f.document_id] for f in facts if f.document_id in judged]
    by_code: Counter[tuple[str | None, str]] = Counter()
    for c in codes:
        by_code[(c.code_list, c.code)] += c.count
    return Kpis(
        partner=partner, orders=orders,
        accuracy=Rate(sum(_accurate(f) for f in facts), orders),
        exceptions_per_1000=_per_1000(sum(by_code.values()), orders),
        exceptions=tuple(ExceptionRate(code, n, _per_1000(n, orders), code_list, code_name(code_list, code))
                         for (code_list, code), n in sorted(by_code.items(),
                                                            key=lambda kv: (-kv[1], kv[0][1], kv[0][0] or ""))),
        cycle=CycleTimes(Stat.of([v for f in facts if (v := f.to_997) is not None]),
                         Stat.of([v for f in facts if (v := f.to_855) is not None]),
                         Stat.of([v for f in facts if (v := f.to_shipped) is not None]),
                         Stat.of([v for f in facts if (v := f.shipped_to_invoiced) is not None])),
        on_time=Rate(sum(j.on_time for j in mine), len(mine)),
        otif=Rate(sum(j.on_time and j.in_full for j in mine), len(mine)),
        acks=_acks(acks, turnarounds), transmissions=_transmissions(counts), top_failing=_top_spots(spots))


_ACCEPTED = (DocumentStatus.ACCEPTED, DocumentStatus.ROUTED, DocumentStatus.CANCELLED, DocumentStatus.SUPERSEDED)


def code_name(code_list: str | None, code: str) -> str:
    """The words of an X12 acknowledgment code (IK3/IK4/IK5 read as AK3/AK4/AK5, whose
    lists they extend); empty for a code of no X12 list."""
    if not code_list:
        return ""
    level = "AK" + code_list[2:] if code_list.startswith("IK") else code_list
    words = describe(level, code)
    return "" if words == f"{level} code {code}" else words


def _accurate(f: OrderFacts) -> bool:
    """Passed untouched: accepted by the rules with no finding, never corrected by hand,
    and none of our documents for it rejected by the partner (an accepted order the buyer
    cancelled or replaced later was still handled right)."""
    return (f.status in _ACCEPTED and not f.revised
            and not f.corrections and not f.findings and not f.rejected_by_partner)


def _per_1000(count: int, orders: int) -> float | None:
    return count * 1000 / orders if orders else None


def _acks(counts: Sequence[AckCount], turnarounds: Sequence[_Turnaround]) -> AckKpis:
    status: Counter[str] = Counter()
    for c in counts:
        status[c.ack_status.value] += c.count
    answered = status["accepted"] + status["partial"] + status["rejected"]
    return AckKpis(
        sent=sum(status.values()), accepted=status["accepted"], partial=status["partial"],
        rejected=status["rejected"], pending=status["pending"], overdue=sum(c.overdue for c in counts),
        acceptance=Rate(status["accepted"], answered), turnaround=Stat.of([t.seconds for t in turnarounds]))


def _transmissions(counts: Sequence[TransmissionCounts]) -> TransmissionKpis:
    return TransmissionKpis(*(sum(getattr(c, name) for c in counts)
                              for name in ("received", "duplicates", "failed", "fixed", "resolved")))


def _top_spots(spots: Sequence[FailingSpot]) -> tuple[Spot, ...]:
    by_place: dict[tuple[str, int | None], Counter[str]] = defaultdict(Counter)
    for s in spots:
        by_place[(s.segment_id, s.element_position)][s.code] += s.count
    ranked = sorted(by_place.items(), key=lambda kv: (-sum(kv[1].values()), kv[0][0], kv[0][1] or 0))
    return tuple(Spot(seg, pos, codes.most_common(1)[0][0], sum(codes.values())) for (seg, pos), codes in ranked[:TOP])


# -- chart series --------------------------------------------------------------------

def _series(facts: Sequence[OrderFacts], judged: dict[int, Judged], since: dt.datetime | None,
            until: dt.datetime | None) -> Series:
    days = Counter(f.received_at.date() for f in facts)
    first = since.date() if since else min(days, default=None)
    last = (until - dt.timedelta(microseconds=1)).date() if until else max(days, default=None)
    volume = tuple((d, days[d]) for d in _days(first, last))
    histograms = tuple((name, _histogram([v for f in facts if (v := getattr(f, attr)) is not None]))
                       for name, attr in (("received -> 997", "to_997"), ("received -> 855", "to_855"),
                                          ("received -> shipped", "to_shipped"),
                                          ("shipped -> invoiced", "shipped_to_invoiced")))
    weekly: dict[str, dict[dt.date, list[Judged]]] = defaultdict(lambda: defaultdict(list))
    for f in facts:
        if f.document_id in judged:
            day = f.received_at.date()
            weekly[f.partner][day - dt.timedelta(days=day.weekday())].append(judged[f.document_id])
    otif = tuple((p, tuple((week, Rate(sum(j.on_time and j.in_full for j in js), len(js)))
                           for week, js in sorted(weeks.items()))) for p, weeks in sorted(weekly.items()))
    return Series(volume, histograms, otif)


def _days(first: dt.date | None, last: dt.date | None) -> list[dt.date]:
    if first is None or last is None or last < first:
        return []
    return [first + dt.timedelta(days=n) for n in range((last - first).days + 1)]


def _histogram(values: Iterable[float]) -> tuple[int, ...]:
    counts = [0] * len(CYCLE_BUCKETS)
    bounds = [b for _, b in CYCLE_BUCKETS]
    for v in values:
        counts[bisect.bisect_right(bounds, v)] += 1
    return tuple(counts)


# -- helpers for readers -------------------------------------------------------------

def quantile(ordered: Sequence[float], q: float) -> float | None:
    """The ``q`` quantile of sorted values, interpolating linearly between ranks (the
    spreadsheet PERCENTILE.INC rule); None for no values."""
    if not ordered:
        return None
    position = (len(ordered) - 1) * q
    low = math.floor(position)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (position - low)


def format_seconds(seconds: float | None) -> str:
    """A duration the way people say it: ``45s``, ``1m 54s``, ``12m``, ``3h 5m``, ``2d 4h``; ``-`` for none."""
    if seconds is None:
        return "-"
    s = round(seconds)
    if s < 60:
        return f"{s}s"
    if s < 600:
        return f"{s // 60}m {s % 60}s" if s % 60 else f"{s // 60}m"
    if s < 3600:
        return f"{s // 60}m"
    if s < 86400:
        return f"{s // 3600}h {s % 3600 // 60}m" if s % 3600 // 60 else f"{s // 3600}h"
    return f"{s // 86400}d {s % 86400 // 3600}h" if s % 86400 // 3600 else f"{s // 86400}d"


def report_json(report: Report) -> dict[str, Any]:
    """The report as plain JSON values (rates carry their ``value``, times ISO 8601)."""
    plain = _plain(report)
    assert isinstance(plain, dict)
    return plain


def _plain(value: Any) -> Any:
    if isinstance(value, Rate):
        return {"hits": value.hits, "total": value.total, "value": value.value}
    if isinstance(value, TransmissionKpis):
        return {**{f.name: getattr(value, f.name) for f in fields(value)}, "still_failed": value.still_failed}
    if is_dataclass(value) and not isinstance(value, type):
        return {f.name: _plain(getattr(value, f.name)) for f in fields(value)}
    if isinstance(value, tuple | list):
        return [_plain(v) for v in value]
    if isinstance(value, dt.date):
        return value.isoformat()
    return value
