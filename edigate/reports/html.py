"""The KPI report as one self-contained HTML page: inline CSS and SVG, no script, no link
to anything outside the file, so it opens offline in any browser and can be mailed.

The page is a jinja2 template (``edigate/templates/report.html.j2``) rendered with
autoescaping on; the charts come from `edigate.reports.svg`.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from jinja2 import Environment, PackageLoader, select_autoescape

from edigate import __version__
from edigate.errors import UsageError
from edigate.reports.kpi import CYCLE_BUCKETS, Rate, Report, format_seconds
from edigate.reports.svg import PALETTE, bar_chart, hbar_chart, line_chart

__all__ = ["previous_text", "render_html", "write_html"]


def render_html(report: Report) -> str:
    """The report page as text."""
    env = Environment(loader=PackageLoader("edigate", "templates"), autoescape=select_autoescape(["html", "j2"]),
                      trim_blocks=True, lstrip_blocks=True)
    env.filters.update(duration=format_seconds, rate=_rate, number=_number)
    return env.get_template("report.html.j2").render(
        report=report, scopes=(report.total, *report.partners), charts=_charts(report), period=period_text(report),
        previous=previous_text(report),
        version=__version__)


def write_html(report: Report, path: Path) -> None:
    """Write the page to ``path``; `UsageError` when it cannot be written."""
    try:
        path.write_text(render_html(report), encoding="utf-8")
    except OSError as exc:
        raise UsageError(f"{path}: cannot write: {exc.strerror}") from exc


def period_text(report: Report) -> str:
    """``2026-03-01 to 2026-03-31`` (UTC days, ``until`` shown inclusive)."""
    first = f"{report.since:%Y-%m-%d %H:%M}".removesuffix(" 00:00") if report.since else "the beginning"
    if report.until is None:
        return f"{first} to now"
    last = report.until - dt.timedelta(days=1) if report.until.time() == dt.time() else report.until
    return f"{first} to {last:%Y-%m-%d %H:%M}".removesuffix(" 00:00")


def previous_text(report: Report) -> str:
    """``the 30 days before (2026-01-30 to 2026-02-28)``: the period the report compares with."""
    if report.previous_since is None or report.since is None:
        return ""
    last = report.since - dt.timedelta(days=1) if report.since.time() == dt.time() else report.since
    days = (report.since - report.previous_since).total_seconds() / 86400
    length = f"{days:,.0f} days" if days >= 1 else f"{days * 24:,.0f} hours"
    return f"the {length} before ({report.previous_since:%Y-%m-%d %H:%M} to {last:%Y-%m-%d %H:%M})" \
        .replace(" 00:00", "")


def _charts(report: Report) -> dict[str, object]:
    s = report.series
    volume = bar_chart("volume", "Orders received per day", [(f"{d:%m-%d}", n) for d, n in s.volume],
                       x_title="day received (UTC, month-day)", y_title="orders")
    labels = [label for label, _ in CYCLE_BUCKETS]
    cycles = [(name, sum(counts), bar_chart(f"cycle-{n}", f"Cycle time {name}: orders per bucket",
                                            list(zip(labels, counts)), width=560, height=180,
                                            color=PALETTE[n % len(PALETTE)], labels=len(labels),
                                            x_title="time taken", y_title="orders"))
              for n, (name, counts) in enumerate(s.cycle_histograms)]
    total = report.total
    exceptions = hbar_chart("exceptions", "Exceptions per 1,000 orders, by code",
                            [(e.label, e.per_1000 if e.per_1000 is not None else float(e.count))
                             for e in total.exceptions[:15]], unit="per 1,000 orders")
    weeks = sorted({w for _, points in s.otif_weekly for w, _ in points})
    by_partner = [(partner, dict(points)) for partner, points in s.otif_weekly]
    otif = line_chart("otif", "OTIF per partner, by week received", [f"{w:%m-%d}" for w in weeks],
                      [(partner, [rates[w].value if w in rates else None for w in weeks])
                       for partner, rates in by_partner], x_title="week received (Monday, month-day)",
                      y_title="OTIF, % of orders")
    return {"volume": volume, "cycles": cycles, "exceptions": exceptions, "otif": otif}


def _rate(rate: Rate) -> str:
    return "-" if rate.value is None else f"{rate.value:.1%}"


def _number(value: float | None) -> str:
    return "-" if value is None else f"{value:,.1f}"

