"""``--xlsx OUT`` and ``--csv OUT`` for the listing commands, and the tables they write.

`add_table_options` gives a command both options; `export` writes the table the command
built (`edigate.reports.tables` decides the file's look) and says where it went. Each
``*_table`` function turns what a command lists into typed columns and rows.
"""

from __future__ import annotations

import argparse
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, TextIO

from edigate.reports.tables import Cell, Column, Kind, Table, write_csv, write_parquet, write_xlsx

if TYPE_CHECKING:
    from edigate.reports.kpi import Kpis, Rate, Report, Stat
    from edigate.store import Document, Outbound, Transmission

__all__ = ["add_table_options", "export", "export_parquet", "kpi_daily_table", "kpi_table", "orders_table", "overdue_table", "tx_table"]


def add_table_options(parser: argparse.ArgumentParser) -> argparse.ArgumentParser:
    """``--xlsx OUT`` and ``--csv OUT`` on ``parser``; the parser, to go on with."""
    parser.add_argument("--xlsx", type=Path, metavar="OUT", help="write the list as an Excel sheet to OUT")
    parser.add_argument("--csv", type=Path, metavar="OUT", help="write the list as CSV to OUT")
    return parser


def export(args: argparse.Namespace, out: TextIO, table: Callable[[], Table]) -> bool:
    """Write the table to ``--xlsx`` and ``--csv`` when given; True when any was."""
    writers = [(path, write) for path, write in ((args.xlsx, write_xlsx), (args.csv, write_csv)) if path]
    if not writers:
        return False
    built = table()
    for path, write in writers:
        write(built, path)
        print(f"{path}: {len(built.rows):,} row(s)", file=out)
    return True


def export_parquet(directory: Path, tables: Sequence[Table], out: TextIO) -> None:
    """Each table as ``DIR/<title>.parquet`` (spaces as underscores), for tools that load files."""
    from edigate.errors import UsageError

    try:
        directory.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise UsageError(f"{directory}: cannot make the directory: {exc.strerror or exc}") from exc
    for table in tables:
        path = directory / f"{table.title.replace(' ', '_')}.parquet"
        write_parquet(table, path)
        print(f"{path}: {len(table.rows):,} row(s)", file=out)


def tx_table(rows: Sequence[Transmission]) -> Table:
    columns = (Column("id", Kind.INTEGER), Column("received (UTC)", Kind.DATETIME), Column("partner"),
               Column("channel"), Column("status"), Column("stage"), Column("ISA13"), Column("file"),
               Column("bytes", Kind.INTEGER), Column("finished (UTC)", Kind.DATETIME), Column("attempt", Kind.INTEGER))
    return Table("transmissions", columns, [
        (t.id, t.received_at, t.partner, t.channel, t.status.value, t.stage, t.isa13, t.file_name, t.size,
         t.finished_at, t.attempt) for t in rows])


def orders_table(docs: Sequence[Document]) -> Table:
    """One row per order: its state, PO, PO date, line count and amount (None when a line has no price)."""
    from edigate.desk.stored import order_of, po_of, purpose_of

    columns = (Column("id", Kind.INTEGER), Column("received (UTC)", Kind.DATETIME), Column("partner"),
               Column("status"), Column("transmission", Kind.INTEGER), Column("PO"), Column("purpose"),
               Column("PO date", Kind.DATE), Column("lines", Kind.INTEGER), Column("amount", Kind.MONEY),
               Column("currency"))
    rows: list[tuple[Cell, ...]] = []
    for d in docs:
        order = order_of(d)
        rows.append((d.id, d.created_at, d.partner, d.status.value, d.transmission_id, po_of(d), purpose_of(d),
                     order.po_date, order.line_count, order.merchandise_amount, order.currency))
    return Table("orders", columns, rows)


def overdue_table(late: Sequence[Outbound]) -> Table:
    columns = (Column("due (UTC)", Kind.DATETIME), Column("partner"), Column("set"), Column("ISA13"),
               Column("GS06"), Column("ST02"), Column("key"), Column("sent (UTC)", Kind.DATETIME),
               Column("ack status"), Column("output", Kind.INTEGER))
    return Table("acks overdue", columns, [
        (o.ack_due_at, o.partner, o.set_id, o.isa13, o.gs06, o.st02, o.key, o.sent_at, o.ack_status.value, o.id)
        for o in late])


def kpi_table(report: Report) -> Table:
    """One row per scope (all partners, then each); rates as fractions, durations in seconds."""
    columns = tuple(Column(name, kind) for name, kind, _ in _KPI_COLUMNS)
    scopes = [report.total, *report.partners]
    return Table("kpi", columns, [tuple(value(k) for _, _, value in _KPI_COLUMNS) for k in scopes])


def _rate(r: Rate) -> float | None:
    return r.value


def _median(s: Stat) -> float | None:
    return s.median


def _p95(s: Stat) -> float | None:
    return s.p95


_KPI_COLUMNS: tuple[tuple[str, Kind, Callable[[Kpis], Cell]], ...] = (
    ("partner", Kind.TEXT, lambda k: k.partner or "all"),
    ("orders", Kind.INTEGER, lambda k: k.orders),
    ("order accuracy", Kind.PERCENT, lambda k: _rate(k.accuracy)),
    ("exceptions per 1000", Kind.NUMBER, lambda k: k.exceptions_per_1000),
    ("on time", Kind.PERCENT, lambda k: _rate(k.on_time)),
    ("OTIF", Kind.PERCENT, lambda k: _rate(k.otif)),
    ("to 997 median s", Kind.NUMBER, lambda k: _median(k.cycle.to_997)),
    ("to 997 p95 s", Kind.NUMBER, lambda k: _p95(k.cycle.to_997)),
    ("to 855 median s", Kind.NUMBER, lambda k: _median(k.cycle.to_855)),
    ("to 855 p95 s", Kind.NUMBER, lambda k: _p95(k.cycle.to_855)),
    ("to shipped median s", Kind.NUMBER, lambda k: _median(k.cycle.to_shipped)),
    ("shipped to invoiced median s", Kind.NUMBER, lambda k: _median(k.cycle.shipped_to_invoiced)),
    ("acks sent", Kind.INTEGER, lambda k: k.acks.sent),
    ("ack acceptance", Kind.PERCENT, lambda k: _rate(k.acks.acceptance)),
    ("acks pending", Kind.INTEGER, lambda k: k.acks.pending),
    ("acks overdue", Kind.INTEGER, lambda k: k.acks.overdue),
    ("files received", Kind.INTEGER, lambda k: k.transmissions.received),
    ("duplicates", Kind.INTEGER, lambda k: k.transmissions.duplicates),
    ("failed", Kind.INTEGER, lambda k: k.transmissions.failed),
    ("fixed", Kind.INTEGER, lambda k: k.transmissions.fixed),
    ("resolved", Kind.INTEGER, lambda k: k.transmissions.resolved),
    ("still failed", Kind.INTEGER, lambda k: k.transmissions.still_failed),
)


def kpi_daily_table(report: Report) -> Table:
    """Orders received per day of the period (the volume chart's series)."""
    return Table("kpi daily", (Column("day", Kind.DATE), Column("orders", Kind.INTEGER)),
                 list(report.series.volume))
