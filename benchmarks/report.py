"""The KPI report over a store of 100,000 orders: ``edigate kpi --html`` timed end to end.

``python benchmarks/report.py`` builds (once, then reuses) a SQLite store of 100,000
orders from five partners over 90 days, with their 997s, 855s, 856s, 810s, partner acks,
shipments, rule findings, failures and overrides, written straight into the migrated
schema with ``executemany`` (through the store's API it would take many minutes). Then it
runs ``edigate kpi --html`` in a fresh process, prints its wall time, checks that the page
holds every chart, and prints where the time goes inside (queries + KPIs, HTML).
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import random
import re
import resource
import sqlite3
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
sys.path.insert(0, str(REPO))

OUT = HERE / "out" / "report"
START = dt.datetime(2026, 1, 1, tzinfo=dt.UTC)
DAYS = 90
PARTNERS = ("bigbox", "distrib", "dropship", "megamart", "corner")
ORDERS_PER_FILE = 10
CHARTS = ("volume", "exceptions", "otif", "cycle-0", "cycle-1", "cycle-2", "cycle-3")

__all__ = ["build_store", "main"]


def _ts(moment: dt.datetime) -> str:
    """How the store keeps a UTC time on SQLite (naive, microseconds always written)."""
    return moment.astimezone(dt.UTC).strftime("%Y-%m-%d %H:%M:%S.%f")


def _order_body(po: str, partner: str, st02: str, requested: dt.date, quantities: tuple[int, ...]) -> str:
    from edigate.model import Order, OrderLine, to_json
    from edigate.model.common import Dates, SourceRef
    from decimal import Decimal

    order = Order(po_number=po, po_date=requested - dt.timedelta(days=5), dates=Dates(requested_ship=requested),
                  lines=tuple(OrderLine(str(n), Decimal(q), "EA", Decimal("4.75")) for n, q in enumerate(quantities, 1)),
                  source=SourceRef(partner, "000000001", "1", st02))
    return json.dumps(to_json(order))


class _Rows:
    """Rows for each table, with ids handed out here so rows can point at each other."""

    def __init__(self) -> None:
        self.tables: dict[str, list[tuple[Any, ...]]] = {k: [] for k in (
            "transmissions", "documents", "outbound_documents", "error_entries", "audit_events")}
        self.next_id = {k: 1 for k in self.tables}

    def add(self, table: str, *values: Any) -> int:
        new = self.next_id[table]
        self.next_id[table] += 1
        self.tables[table].append((new, *values))
        return new


_COLUMNS = {
    "transmissions": "id, partner, channel, direction, file_name, sha256, first_sha256, size, received_at, "
                     "finished_at, status, stage, isa13, usage, archive_path, parent_id, attempt",
    "documents": "id, kind, partner, key, active_key, body, status, transmission_id, created_at",
    "outbound_documents": "id, partner, set_id, key, isa13, gs06, st02, archive_path, sha256, created_at, sent_at, "
                          "ack_due_at, ack_status, ack_result, ack_transmission_id, transmission_id, document_id",
    "error_entries": "id, transmission_id, attempt, created_at, stage, severity, code, message, st02, segment_id, "
                     "element_position, hint",
    "audit_events": "id, at, actor, action, target, note, transmission_id",
}


def _generate(orders: int, rng: random.Random) -> Iterator[_Rows]:
    """The store's rows, one file's worth of orders at a time, in batches."""
    rows, n = _Rows(), 0
    while n < orders:
        partner = PARTNERS[rng.randrange(len(PARTNERS))]
        received = START + dt.timedelta(seconds=rng.uniform(0, DAYS * 86400))
        if not _file(rows, partner, received, [f"P{n + i:07d}" for i in range(min(ORDERS_PER_FILE, orders - n))], rng):
            continue  # the file failed: its orders come in another one
        n += ORDERS_PER_FILE
        if len(rows.tables["documents"]) >= 20_000:
            yield rows
            fresh = _Rows()
            fresh.next_id = rows.next_id
            rows = fresh
    yield rows


def _file(rows: _Rows, partner: str, received: dt.datetime, pos: list[str], rng: random.Random) -> bool:
    """One file of orders; False when it failed validation (and holds none)."""
    failed = rng.random() < 0.01
    tx = rows.add("transmissions", partner, "sftp", "in", f"{pos[0]}.x12", f"{rows.next_id['transmissions']:064x}",
                  f"{rows.next_id['transmissions']:064x}", 4096, _ts(received), _ts(received + dt.timedelta(seconds=5)),
                  "failed" if failed else "done", "validate" if failed else "send", "000000001", "P", None, None, 1)
    if failed:
        rows.add("error_entries", tx, 1, _ts(received), "validate", "error", rng.choice(("7", "8", "4")),
                 "element wrong", "0001", rng.choice(("BEG", "PO1", "N1", "DTM")), rng.randint(1, 5), "")
        return False
    ack_at = received + dt.timedelta(seconds=rng.uniform(5, 120))
    rows.add("outbound_documents", partner, "997", f"ack:{tx}", "1", "1", "0001", "x", "0" * 64, _ts(ack_at),
             _ts(ack_at), None, "not_expected", None, None, tx, None)
    shipment: dict[str, Any] = {"shipment_id": f"S{tx}", "orders": []}
    ship_day = (received + dt.timedelta(days=rng.uniform(0.5, 6))).date()
    for i, po in enumerate(pos, 1):
        _order(rows, partner, tx, received, po, f"{i:04d}", ship_day, shipment, rng)
    if shipment["orders"]:
        rows.add("documents", "shipment", partner, shipment["shipment_id"], shipment["shipment_id"],
                 json.dumps({"shipment_id": shipment["shipment_id"], "ship_date": ship_day.isoformat(),
                             "orders": shipment["orders"]}), "accepted", None, _ts(received + dt.timedelta(days=6)))
    return True


def _order(rows: _Rows, partner: str, tx: int, received: dt.datetime, po: str, st02: str, ship_day: dt.date,
           shipment: dict[str, Any], rng: random.Random) -> None:
    quantities = (rng.randint(1, 40), rng.randint(1, 40))
    requested = (received + dt.timedelta(days=rng.uniform(1, 7))).date()
    roll = rng.random()
    status = "held" if roll < 0.02 else "rejected" if roll < 0.03 else "accepted"
    doc = rows.add("documents", "order", partner, f"{po}:original", f"{po}:original",
                   _order_body(po, partner, st02, requested, quantities), status, tx, _ts(received))
    if status != "accepted" or roll < 0.08:
        rows.add("error_entries", tx, 1, _ts(received), "rules", "warning" if status == "accepted" else "error",
                 rng.choice(("rule.price.mismatch", "rule.qty.pack", "rule.sku.unknown")), "finding", st02, None,
                 None, "")
    if status == "held":
        return
    if rng.random() < 0.01:
        rows.add("audit_events", _ts(received), "ann", "override", f"order:{doc}", "price", tx)
    sent = received + dt.timedelta(seconds=rng.uniform(60, 4 * 3600))
    answer = rng.random()
    ack = rows.add("transmissions", partner, "sftp", "in", "997.x12", f"{rows.next_id['transmissions']:064x}",
                   f"{rows.next_id['transmissions']:064x}", 512, _ts(sent + dt.timedelta(minutes=rng.uniform(1, 600))),
                   None, "done", "send", "1", "P", None, None, 1) if answer < 0.9 else None
    rows.add("outbound_documents", partner, "855", f"855:{doc}", "1", str(doc), "0001", "x", "0" * 64, _ts(sent),
             _ts(sent), _ts(sent + dt.timedelta(hours=24)),
             "pending" if ack is None else "rejected" if answer < 0.02 else "accepted", None, ack, tx, doc)
    if status == "rejected" or rng.random() < 0.15:
        return
    shipped = dt.datetime.combine(ship_day, dt.time(17), dt.UTC)
    full = rng.random() < 0.95
    shipment["orders"].append({"po_number": po, "items": [
        {"line_number": str(n), "quantity_shipped": str(q if full else q // 2), "ordered_quantity": str(q)}
        for n, q in enumerate(quantities, 1)],
        "cartons": []})
    rows.add("outbound_documents", partner, "856", f"856:S{tx}:{doc}", "1", "1", "0001", "x", "0" * 64, _ts(shipped),
             _ts(shipped), None, "not_expected", None, None, tx, doc)
    if rng.random() < 0.8:
        billed = shipped + dt.timedelta(hours=rng.uniform(0, 48))
        rows.add("outbound_documents", partner, "810", f"810:S{tx}:{doc}", "1", "1", "0001", "x", "0" * 64,
                 _ts(billed), _ts(billed), None, "not_expected", None, None, tx, doc)


def build_store(path: Path, orders: int) -> float:
    """Create the store at ``path`` (migrated by edigate, filled here); return the seconds it took."""
    from edigate.store import Store

    began = time.perf_counter()
    path.unlink(missing_ok=True)
    Store.open(f"sqlite:///{path}").close()
    db = sqlite3.connect(path)
    db.execute("PRAGMA journal_mode = WAL")
    db.execute("PRAGMA synchronous = OFF")
    for rows in _generate(orders, random.Random(8)):
        for table, values in rows.tables.items():
            if values:
                marks = ", ".join("?" * len(values[0]))
                db.executemany(f"INSERT INTO {table} ({_COLUMNS[table]}) VALUES ({marks})", values)
        db.commit()
    db.close()
    return time.perf_counter() - began


def run(orders: int = 100_000, rebuild: bool = False) -> dict[str, float]:
    OUT.mkdir(parents=True, exist_ok=True)
    db, marker = OUT / "edigate.db", OUT / f"edigate.db.{orders}.done"
    built = 0.0
    if rebuild or not marker.exists():
        for old in OUT.glob("edigate.db.*.done"):
            old.unlink()
        built = build_store(db, orders)
        marker.touch()
    page = OUT / "kpi.html"
    page.unlink(missing_ok=True)
    period = ["--since", f"{START:%Y-%m-%d}", "--until", f"{START + dt.timedelta(days=DAYS - 1):%Y-%m-%d}"]
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    began = time.perf_counter()
    subprocess.run([sys.executable, "-m", "edigate.cli.main", "kpi", *period, "--html", str(page)], cwd=OUT, check=True,
                   capture_output=True, text=True)
    wall = time.perf_counter() - began
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = after.ru_utime + after.ru_stime - before.ru_utime - before.ru_stime
    html = page.read_text(encoding="utf-8")
    missing = [c for c in CHARTS if not re.search(rf'data-chart="{c}"[^>]*>.*?<(rect|polyline)', html, re.DOTALL)]
    if missing:
        raise SystemExit(f"the page lacks charts: {', '.join(missing)}")
    return {"built": built, "wall": wall, "cpu": cpu, "bytes": len(html), **_inside(db, period)}


def _inside(db: Path, period: list[str]) -> dict[str, float]:
    """Where the time goes in one process: queries + KPIs, then the HTML."""
    from edigate.cli.kpi import parse_day
    from edigate.reports.kpi import build_report
    from edigate.reports.html import render_html
    from edigate.store import Store

    with Store.open(f"sqlite:///{db}") as store:
        began = time.perf_counter()
        report = build_report(store, since=parse_day(period[1]), until=parse_day(period[3], end=True))
        computed = time.perf_counter()
        render_html(report)
        rendered = time.perf_counter()
    return {"orders": report.total.orders, "compute": computed - began, "render": rendered - computed}


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--orders", type=int, default=100_000)
    parser.add_argument("--rebuild", action="store_true", help="build the store again even if one exists")
    args = parser.parse_args(argv)
    print("\nKPI report: edigate kpi --html over a SQLite store")
    r = run(args.orders, args.rebuild)
    if r["built"]:
        print(f"  store of {args.orders:,} orders built in {r['built']:.1f} s")
    print(f"  edigate kpi --html, {r['orders']:,.0f} orders: {r['wall']:.2f} s wall, {r['cpu']:.2f} s CPU "
          f"(bar: 10 s), page {r['bytes'] / 1e3:,.0f} kB with all {len(CHARTS)} charts")
    print(f"  inside: queries + KPIs {r['compute']:.2f} s, HTML {r['render']:.2f} s")


if __name__ == "__main__":
    main()
