"""The BI views (migration 0011, docs/bi-views.md) on SQLite and PostgreSQL, after the
BigBox sample order went through the pipeline."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import text

from edigate.stages.pipeline import Pipeline
from edigate.store import Status, Store
from tests.support.paths import REPO

SAMPLE = REPO / "samples" / "x12" / "bigbox-850-4010.x12"
VIEWS = ("bi_orders", "bi_order_lines", "bi_transmissions", "bi_exceptions", "bi_documents_and_acks",
         "bi_daily_kpis")


def rows(store: Store, sql: str) -> list[dict[str, Any]]:
    with store.engine.connect() as conn:
        return [dict(r._mapping) for r in conn.execute(text(sql))]


@pytest.fixture
def ingested(pipeline: Pipeline, tmp_path: Path) -> Store:
    path = tmp_path / "po.x12"
    path.write_bytes(SAMPLE.read_bytes())
    pipeline.ingest(path, "bigbox")
    bad = tmp_path / "bad.x12"
    bad.write_bytes(SAMPLE.read_bytes().replace(b"000000101", b"000000102")  # a GS sender nobody configured
                    .replace(b"GS*PO*BIGBOX*", b"GS*PO*BIGBOXSTORES*"))
    pipeline.ingest(bad, "bigbox")
    return pipeline.store


def test_every_view_answers_on_an_empty_store(store: Store) -> None:
    for view in VIEWS:
        assert rows(store, f"SELECT * FROM {view}") == []


def test_orders_and_their_lines(ingested: Store) -> None:
    orders = rows(ingested, "SELECT * FROM bi_orders ORDER BY po_number")
    assert [(o["partner"], o["po_number"], o["purpose"], o["status"]) for o in orders] == [
        ("bigbox", "4500012345", "original", "accepted"), ("bigbox", "4500012346", "original", "accepted")]
    assert str(orders[0]["po_date"])[:4] == "2026" or str(orders[0]["po_date"])[:2] == "20"
    lines = rows(ingested, "SELECT * FROM bi_order_lines WHERE po_number = '4500012345' ORDER BY line_number")
    first = lines[0]
    assert (first["line_number"], first["uom"], first["upc"], first["vendor_item"], first["buyer_item"]) == (
        "1", "EA", "012345678905", "ACM-1001", "30012")
    assert Decimal(str(first["quantity"])) == 24 and Decimal(str(first["unit_price"])) == Decimal("12.49")
    assert Decimal(str(first["amount"])).quantize(Decimal("0.01")) == Decimal("299.76")


def test_transmissions_exceptions_and_acks(ingested: Store) -> None:
    txs = rows(ingested, "SELECT * FROM bi_transmissions ORDER BY transmission_id")
    assert [(t["direction"], t["status"]) for t in txs][:2] == [("in", "done"), ("in", "failed")]
    assert txs[0]["processing_seconds"] is not None and float(txs[0]["processing_seconds"]) >= 0
    errors = rows(ingested, "SELECT * FROM bi_exceptions")
    assert errors and {e["transmission_id"] for e in errors} == {txs[1]["transmission_id"]}
    assert all(e["partner"] == "bigbox" and e["transmission_status"] == "failed" for e in errors)
    docs = rows(ingested, "SELECT * FROM bi_documents_and_acks ORDER BY document_id")
    assert sorted(d["set_id"] for d in docs if d["transmission_id"] == txs[0]["transmission_id"]) == [
        "855", "855", "997"]
    assert {d["ack_status"] for d in docs if d["set_id"] == "855"} == {"pending"}
    assert {d["ack_overdue"] for d in docs} == {0}


def test_daily_kpis(ingested: Store) -> None:
    [today] = rows(ingested, "SELECT * FROM bi_daily_kpis")
    assert str(today["day"]) == dt.datetime.now(dt.UTC).date().isoformat()
    assert (today["partner"], int(today["orders_received"]), int(today["files_received"]),
            int(today["files_failed"]), int(today["documents_sent"])) == ("bigbox", 2, 2, 1, 2)
    assert int(today["errors"]) >= 1


def test_a_superseded_attempt_still_counts_as_failed_as_in_the_kpi_report(store: Store) -> None:
    data = b"superseded"
    first = store.record_received(partner="bigbox", channel="folder", file_name="po.x12", size=len(data),
                                  sha256="5" * 64).transmission.id
    store.set_status(first, Status.FAILED, stage="validate")
    second = store.reprocess(first, actor="ana", note="map fixed").id
    store.set_status(second, Status.DONE)
    assert store.supersede(first, by=second)
    [today] = rows(store, "SELECT * FROM bi_daily_kpis")
    [counts] = store.transmission_counts()
    assert (int(today["files_received"]), int(today["files_failed"])) == (counts.received, counts.failed) == (1, 1)
    assert counts.fixed == 1
