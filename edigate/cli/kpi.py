"""The operations commands: `edigate kpi` (table, JSON or HTML report) and `edigate alerts check`.

They read the workspace's store as the other commands do (`edigate.cli.context`), and
never create one. Dates are UTC: ``--since 2026-03-01 --until 2026-03-31`` covers March,
both days included; ``--since 7d`` or ``--since yesterday`` work too.
"""

from __future__ import annotations

import argparse
import datetime as dt
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any, TextIO

from edigate.cli.output import dump_json
from edigate.cli.context import reading
from edigate.cli.tables import add_table_options, export, export_parquet, kpi_daily_table, kpi_table
from edigate.config.context import Context
from edigate.errors import UsageError

if TYPE_CHECKING:
    from edigate.gateway.alerts import Alert
    from edigate.reports.kpi import Kpis, Report

__all__ = ["add_commands", "parse_day", "print_table"]

DEFAULT_DAYS = 30


def add_commands(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    kpi = commands.add_parser("kpi", help="order desk KPIs for a period: table, JSON, or an HTML report")
    kpi.add_argument("--since", metavar="D", help=f"from: 2h, 3d, today, yesterday, YYYY-MM-DD (default: {DEFAULT_DAYS} days ago)")
    kpi.add_argument("--until", metavar="D", help="to: a day (included), 2h, 3d, yesterday or an ISO time (default: now)")
    kpi.add_argument("--partner", metavar="P", help="only this partner")
    kpi.add_argument("--json", action="store_true", help="print the KPIs as JSON (with --html: and write the report)")
    kpi.add_argument("--html", type=Path, metavar="OUT", help="write a self-contained HTML report to OUT")
    add_table_options(kpi)
    kpi.add_argument("--parquet", type=Path, metavar="DIR", help="write the KPI tables (per scope, per day) as "
                                                                  "Parquet files into DIR")
    kpi.set_defaults(handler=reading(_kpi, strict_partners=False))

    alerts = commands.add_parser("alerts", help="alert checks: overdue acks, failed transmissions, silent partners")
    actions = alerts.add_subparsers(dest="alerts_command", metavar="ACTION", required=True)
    check = actions.add_parser("check", help="run the checks once; new alerts go to the event log and are sent")
    check.add_argument("--json", action="store_true")
    check.set_defaults(handler=reading(_alerts_check, strict_partners=False))


def parse_day(text: str, *, end: bool = False) -> dt.datetime:
    """A ``--since`` or ``--until`` as `edigate.cli.dates.parse_time` reads it (a day given
    as ``--until`` is included: its end, the next midnight)."""
    from edigate.cli.dates import parse_time

    return parse_time(text, option="--until" if end else "--since", end=end)


def _kpi(ctx: Context, args: argparse.Namespace, out: TextIO) -> int:
    from edigate.reports.kpi import build_report, report_json

    now = dt.datetime.now(dt.UTC)
    since = parse_day(args.since) if args.since else \
        dt.datetime.combine(now.date() - dt.timedelta(days=DEFAULT_DAYS), dt.time(), dt.UTC)
    until = parse_day(args.until, end=True) if args.until else None
    if until is not None and until <= since:
        raise UsageError(f"--until {args.until} is before --since {args.since or since.date()}")
    if args.partner is not None:
        _check_partner(args.partner, ctx)
    report = build_report(ctx.store, since=since, until=until, partner=args.partner, now=now)
    if args.parquet is not None:
        export_parquet(args.parquet, [kpi_table(report), kpi_daily_table(report)], out)
    if export(args, out, lambda: kpi_table(report)) or args.parquet is not None:
        return 0
    if args.html is not None:
        from edigate.reports.html import write_html

        write_html(report, args.html)
        if args.json:
            dump_json({**report_json(report), "html": str(args.html)}, out)
        else:
            print(f"{args.html}: KPI report of {report.total.orders:,} orders", file=out)
    elif args.json:
        dump_json(report_json(report), out)
    else:
        print_table(report, out)
    return 0


def _check_partner(partner: str, ctx: Context) -> None:
    ws = ctx.workspace
    configured = {p.stem for p in ws.partners_path.glob("*.yaml")} if ws.partners_path.is_dir() else set()
    known = configured | ctx.store.known_partners()
    if partner not in known:
        raise UsageError(f"no partner {partner!r}; known: {', '.join(sorted(known)) or 'none'}")


def _rows() -> list[tuple[str, Callable[[Kpis], str]]]:
    from edigate.reports.kpi import Rate, Stat, format_seconds

    def rate(r: Rate) -> str:
        return "-" if r.value is None else f"{r.value:.1%} ({r.hits}/{r.total})"

    def stat(s: Stat) -> str:
        return f"{format_seconds(s.median)} / {format_seconds(s.p95)}"

    return [
        ("orders received", lambda k: f"{k.orders:,}"),
        ("order accuracy", lambda k: rate(k.accuracy)),
        ("exceptions per 1,000 orders", lambda k: "-" if k.exceptions_per_1000 is None else f"{k.exceptions_per_1000:,.1f}"),
        ("on-time fulfillment", lambda k: rate(k.on_time)),
        ("OTIF", lambda k: rate(k.otif)),
        ("received -> 997/999  median / p95", lambda k: stat(k.cycle.to_997)),
        ("received -> 855      median / p95", lambda k: stat(k.cycle.to_855)),
        ("received -> shipped  median / p95", lambda k: stat(k.cycle.to_shipped)),
        ("shipped -> invoiced  median / p95", lambda k: stat(k.cycle.shipped_to_invoiced)),
        ("855/856/810 sent", lambda k: f"{k.acks.sent:,}"),
        ("  acceptance by 997/999", lambda k: rate(k.acks.acceptance)),
        ("  ack turnaround  median / p95", lambda k: stat(k.acks.turnaround)),
        ("  acks pending / overdue", lambda k: f"{k.acks.pending} / {k.acks.overdue}"),
        ("files received (duplicates)", lambda k: f"{k.transmissions.received:,} ({k.transmissions.duplicates})"),
        ("  failed / fixed / resolved", lambda k: f"{k.transmissions.failed} / {k.transmissions.fixed} / "
                                                  f"{k.transmissions.resolved}"),
        ("  still failed", lambda k: f"{k.transmissions.still_failed}"),
    ]


def print_table(report: Report, out: TextIO) -> None:
    """The KPIs as a compact table: one row per KPI, one column per scope."""
    from edigate.reports.html import period_text

    scopes = [report.total, *report.partners] if len(report.partners) != 1 else [report.partners[0]]
    rows = _rows()
    cells = [[fmt(k) for k in scopes] for _, fmt in rows]
    heads = [k.partner or "all" for k in scopes]
    label_w = max(len(label) for label, _ in rows)
    widths = [max(len(h), *(len(row[i]) for row in cells)) for i, h in enumerate(heads)]
    print(f"KPIs of the orders received {period_text(report)} (UTC)", file=out)
    print(" " * label_w + "".join(f"  {h:>{w}}" for h, w in zip(heads, widths)), file=out)
    for (label, _), row in zip(rows, cells):
        print(f"{label:{label_w}}" + "".join(f"  {c:>{w}}" for c, w in zip(row, widths)), file=out)
    total = report.total
    for line in compared(report):
        print(line, file=out)
    if total.exceptions:
        print("top exception codes:", file=out)
        for e in total.exceptions[:8]:
            print(f"  {e.count:>6,}  {e.label}", file=out)
    if total.top_failing:
        print("top failing elements: " + ", ".join(f"{s.where} {s.count} ({s.code})" for s in total.top_failing[:8]),
              file=out)


def compared(report: Report) -> list[str]:
    """The period against the one of the same length before it: orders, accuracy,
    exceptions per 1,000 and OTIF, each with its change."""
    from edigate.reports.html import previous_text

    before, now = report.previous, report.total
    if before is None:
        return []
    rates = [("order accuracy", now.accuracy.value, before.accuracy.value),
             ("OTIF", now.otif.value, before.otif.value)]
    words = [f"orders {now.orders:,} ({now.orders - before.orders:+,})"]
    words += [f"{name} {'-' if a is None else f'{a:.1%}'} ({_points(a, b)})" for name, a, b in rates]
    a, b = now.exceptions_per_1000, before.exceptions_per_1000
    words.append(f"exceptions per 1,000 {'-' if a is None else f'{a:,.1f}'} "
                 f"({'n/a' if a is None or b is None else f'{a - b:+,.1f}'})")
    return [f"against {previous_text(report)}: " + "; ".join(words)]


def _points(a: float | None, b: float | None) -> str:
    return "n/a" if a is None or b is None else f"{(a - b) * 100:+.1f} points"


def _alerts_check(ctx: Context, args: argparse.Namespace, out: TextIO) -> int:
    from edigate.gateway.alerts import run_alert_checks

    raised = run_alert_checks(ctx.store, ctx.workspace, dt.datetime.now(dt.UTC))
    if args.json:
        dump_json([_alert_json(a) for a in raised], out)
        return 0
    for a in raised:
        print(f"{a.severity.value:7} {a.code:24} {a.partner or '-':12} {a.message}", file=out)
        for problem in a.delivery_problems:
            print(f"        not delivered: {problem}", file=out)
    print(f"{len(raised)} new alert(s)", file=out)
    return 0


def _alert_json(alert: Alert) -> dict[str, Any]:
    return {"code": alert.code, "subject": alert.subject, "severity": alert.severity.value,
            "partner": alert.partner, "message": alert.message, "transmission_id": alert.transmission_id,
            "delivery_problems": list(alert.delivery_problems)}
