"""Available to promise through the pipeline and the queue, on a real store (SQLite, and
PostgreSQL when EDIGATE_TEST_PG_URL is set): the feed, stock taken as orders are accepted,
IB/IR in the 855, stock given back when orders are held, rejected or cancelled, and never
oversold by concurrent workers. The decisions themselves (IB, IQ, IR; what held and rejected
orders keep) are specified on the in-memory order book in tests/orders/test_inventory.py."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from pathlib import Path

import pytest

from edigate.errors import ConfigError
from edigate.orders.inventory import read_feed
from edigate.desk import held_orders, reject, release
from edigate.stages.pipeline import Pipeline, run_workers
from edigate.orders.rules import AtpRule
from edigate.store import AllocationRequest, Status, Store

from tests.support.orders import SAMPLE, TODAY, acks, pipeline, taken, workspace
from tests.support.desk import desk_context


# -- the feed ------------------------------------------------------------------------------

def test_a_feed_reads_its_documented_columns(tmp_path: Path) -> None:
    path = tmp_path / "feed.csv"
    path.write_text("sku,warehouse,on_hand,available_date\nA,,5,\nB,EAST,2.5,2026-12-04\n", encoding="utf-8")
    [a, b] = read_feed(path)
    assert (a.sku, a.warehouse, a.on_hand, a.available_date) == ("A", "", 5, None)
    assert (b.warehouse, b.on_hand, b.available_date) == ("EAST", Decimal("2.5"), dt.date(2026, 12, 4))


def test_a_bad_feed_names_every_bad_row(tmp_path: Path) -> None:
    path = tmp_path / "feed.csv"
    path.write_text("sku,on_hand,available_date\nA,x,\nB,-1,\nC,1,2026-13-01\n", encoding="utf-8")
    with pytest.raises(ConfigError) as caught:
        read_feed(path)
    assert [p.line for p in caught.value.problems] == [2, 3, 4]
    path.write_text("item,qty\nA,1\n", encoding="utf-8")
    with pytest.raises(ConfigError, match="lacks column"):
        read_feed(path)


# -- through the pipeline -------------------------------------------------------------------

def test_an_accepted_order_takes_its_stock(store: Store, tmp_path: Path) -> None:
    p = pipeline(store, workspace(tmp_path))
    tx = p.ingest(SAMPLE, "dropship")
    assert tx.status is Status.DONE
    assert taken(p) == {"ACM-1001": 1, "ACM-2040": 2}
    assert [row[0] for row in acks(p, tx.id)] == ["IA", "IA"]


def test_a_short_line_is_backordered_with_the_feeds_date(store: Store, tmp_path: Path) -> None:
    p = pipeline(store, workspace(tmp_path, spatulas=1, date="2026-12-04"))
    tx = p.ingest(SAMPLE, "dropship")
    assert acks(p, tx.id)[1] == ["IB", "2", "EA", "068", "20261204"]
    assert taken(p) == {"ACM-1001": 1, "ACM-2040": 0}  # a backordered line takes nothing yet
    [finding] = [e for e in p.store.errors(tx.id) if e.stage == "rules"]
    assert finding.code == "rule.atp.backorder" and "more expected 2026-12-04" in finding.message


def test_reduce_with_nothing_there_rejects_the_line(store: Store, tmp_path: Path) -> None:
    p = pipeline(store, workspace(tmp_path, spatulas=0, **{"short: backorder": "short: reduce"}))
    tx = p.ingest(SAMPLE, "dropship")
    assert [row[:2] for row in acks(p, tx.id)] == [["IA", "1"], ["IR", "0"]]


def test_a_held_order_holds_no_stock_until_released(store: Store, tmp_path: Path) -> None:
    ws = workspace(tmp_path, spatulas=1, date="2026-12-04", **{"policy: accept_with_changes": "policy: hold"})
    p = pipeline(store, ws)
    tx = p.ingest(SAMPLE, "dropship")
    assert tx.status is Status.HELD and taken(p) == {}
    [doc] = held_orders(store)
    done = release(desk_context(p), p.partners["dropship"], doc.id, actor="ana", today=TODAY,
                   channel_types=("folder",))
    assert [f.code for f in done.findings] == ["rule.atp.backorder"]
    assert acks(p, tx.id) == [["IA", "1", "EA", "", ""], ["IB", "2", "EA", "068", "20261204"]]
    assert taken(p) == {"ACM-1001": 1, "ACM-2040": 0}
    assert [o.set_id for o in store.document_outbounds([doc.id])] == ["940", "855"]


def test_rejecting_a_held_order_gives_its_stock_back(store: Store, tmp_path: Path) -> None:
    ws = workspace(tmp_path, **{"policy: accept_with_changes": "policy: hold"})
    p = pipeline(store, ws)
    held_file = tmp_path / "held.x12"
    held_file.write_bytes(SAMPLE.read_bytes().replace(b"PO1*1*1*EA*19.99", b"PO1*1*1*EA*5.00"))
    p.ingest(held_file, "dropship")
    [doc] = held_orders(store)
    assert taken(p) == {}  # held by the price rule before any stock was taken
    assert p.stock.refresh(AtpRule(file="stock.csv"))
    store.allocate(doc.id, [AllocationRequest("1", "ACM-1001", Decimal(1))])  # as if a specialist reserved it
    assert taken(p) == {"ACM-1001": 1}
    reject(desk_context(p), p.partners["dropship"], doc.id, reason="price", actor="ana", today=TODAY,
           channel_types=("folder",))
    assert taken(p) == {} and store.inventory(sku="ACM-1001")[0].allocated == 0


def test_a_cancel_gives_back_what_the_original_took(store: Store, tmp_path: Path) -> None:
    p = pipeline(store, workspace(tmp_path))
    p.ingest(SAMPLE, "dropship")
    assert taken(p) == {"ACM-1001": 1, "ACM-2040": 2}
    cancel = tmp_path / "cancel.x12"
    cancel.write_bytes(SAMPLE.read_bytes().replace(b"BEG*00*", b"BEG*01*").replace(b"000007745", b"000007746"))
    p.ingest(cancel, "dropship")
    assert taken(p) == {}
    assert store.inventory(sku="ACM-2040")[0].allocated == 0


def test_workers_accepting_orders_at_once_never_oversell(store: Store, tmp_path: Path, url: str) -> None:
    ws = workspace(tmp_path, spatulas=9, date="2026-12-04")
    p = pipeline(store, ws)
    p.stock.refresh(AtpRule(file="stock.csv"))
    orders = 10
    for n in range(orders):  # each orders 2 spatulas: 4 orders can be filled from 9
        data = SAMPLE.read_bytes().replace(b"MKT-99018832", b"MKT-%08d" % n).replace(b"000007745", b"%09d" % (800 + n))
        p.receive("dropship", "cli", f"po{n}.x12", data)

    def open_pipeline() -> Pipeline:
        return Pipeline(ws, Store.open(url), p.archive, p.partners, today=TODAY, channel_types=("folder",))

    result = run_workers(open_pipeline, 3)
    assert result.failures == () and len(result.processed) == orders
    [level] = store.inventory(sku="ACM-2040")
    assert (level.on_hand, level.allocated) == (9, 8)
    spatula_lines = [a.quantity for a in store.allocations(sku="ACM-2040")]
    assert sorted(spatula_lines) == [0] * 6 + [2] * 4 and sum(spatula_lines) == level.allocated
    ib = [row for t in store.transmissions() for row in acks(p, t.id) if row[0] == "IB"]
    assert len(ib) == 6 and all(row[3:] == ["068", "20261204"] for row in ib)
