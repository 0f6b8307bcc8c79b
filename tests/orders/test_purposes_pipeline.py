"""BEG01 purposes applied to the earlier order end to end, through the pipeline and the queue,
on a real store (SQLite, and PostgreSQL when EDIGATE_TEST_PG_URL is set): the 855s, what
routing sends, shipping and releasing around amendments, stock given back exactly once by
concurrent workers. The purpose logic itself (what is refused and why, copies, which order
is amended) is specified on the in-memory order book in tests/orders/test_purposes.py."""

from __future__ import annotations

import json
import threading
from decimal import Decimal
from pathlib import Path

import pytest

from edigate.errors import DataError, UsageError
from edigate.model import Order, loads
from edigate.desk import held_orders, order_chain, override, release, ship
from edigate.stages.pipeline import Pipeline, run_workers
from edigate.orders.rules import AtpRule
from edigate.store import AllocationStatus, AuditAction, Document, DocumentKind, DocumentStatus, Status, Store
from edigate.x12.envelope import EnvelopeReader, Transaction
from edigate.x12.validate import Validator

from tests.support.orders import SAMPLE, TODAY, acks, pipeline, taken, workspace
from tests.support.desk import desk_context

PO = "MKT-99018832"
SHIPMENT = ("shipment_id,ship_date,po_number,line_number,quantity,uom,sscc,pallet_sscc,tracking_number,carrier_scac,"
            "bol,weight,weight_uom\n"
            f"SHP-1,2026-11-27,{PO},1,1,EA,000614141000000014,,1Z1,UPSN,BOL-1,2.0,LB\n"
            f"SHP-1,2026-11-27,{PO},2,2,EA,000614141000000021,,1Z2,UPSN,BOL-1,1.0,LB\n")


def variant(tmp_path: Path, beg: str, n: int, *, po: str = PO, **edits: str) -> Path:
    """The dropship sample with BEG01 ``beg``, interchange number ``n``, and text edits."""
    data = SAMPLE.read_bytes().replace(b"BEG*00*", f"BEG*{beg}*".encode()).replace(b"000007745", b"%09d" % n)
    data = data.replace(PO.encode(), po.encode())
    for old, new in edits.items():
        assert old.encode() in data
        data = data.replace(old.encode(), new.encode())
    path = tmp_path / f"po-{n}.x12"
    path.write_bytes(data)
    return path


def orders(s: Store) -> dict[str, Document]:
    """The orders by PO:purpose (a change's key also has its content digest), the newest
    of each as the store has them now."""
    return {d.key.split("@", 1)[0]: d for d in s.documents(kind=DocumentKind.ORDER)}


def sets(p: Pipeline, data: bytes) -> list[Transaction]:
    """Every transaction of an interchange, each checked against its spec first."""
    found = [e for e in EnvelopeReader(data) if isinstance(e, Transaction)]
    for tx in found:
        assert not [f.text for f in (*tx.findings, *Validator()(tx)) if f.is_error]
    return found


def segment(tx: Transaction, seg_id: str) -> list[list[str]]:
    return [[s.get(n) for n in range(1, 6)] for s in tx.segments if s.id == seg_id]


def outbound_sets(p: Pipeline, doc_id: int, set_id: str) -> list[Transaction]:
    return [t for o in p.store.document_outbounds([doc_id]) if o.set_id == set_id
            for t in sets(p, p.archive.get(o.sha256))]


def erp_file(root: Path, pattern: str) -> Order:
    """The one ERP export whose name matches ``pattern`` (names end with the document id)."""
    [path] = (root / "demo" / "erp" / "orders").glob(pattern)
    return loads(Order, path.read_text(encoding="utf-8"))


# -- cancellation ----------------------------------------------------------------------------

def test_a_cancel_retires_the_earlier_order_and_is_acknowledged(store: Store, tmp_path: Path) -> None:
    p = pipeline(store, workspace(tmp_path))
    p.ingest(SAMPLE, "dropship")
    tx = p.ingest(variant(tmp_path, "01", 7746), "dropship")
    assert tx.status is Status.DONE
    docs = orders(store)
    earlier, cancel = docs[f"{PO}:original"], docs[f"{PO}:cancel"]
    assert earlier.status is DocumentStatus.CANCELLED and cancel.status is DocumentStatus.ACCEPTED
    assert cancel.amends == earlier.id
    assert taken(p) == {} and store.inventory(sku="ACM-2040")[0].allocated == 0
    [ack] = [t for o in store.outbounds(tx.id) if o.set_id == "855" for t in sets(p, p.archive.get(o.sha256))]
    assert segment(ack, "BAK")[0][:3] == ["01", "AT", PO]
    assert [row[:2] for row in segment(ack, "ACK")] == [["ID", "0"], ["ID", "0"]]
    notes = [e.note for e in store.audit_events(target=f"order:{earlier.id}") if e.action is AuditAction.AMEND]
    assert notes and f"cancelled by order {cancel.id}" in notes[0] and "1 ACM-1001" in notes[0]


def test_a_cancel_goes_where_the_order_went(store: Store, tmp_path: Path) -> None:
    p = pipeline(store, workspace(tmp_path))
    p.ingest(SAMPLE, "dropship")
    p.ingest(variant(tmp_path, "01", 7746, **{"PO1*2*2*EA": "PO1*2*9*EA"}), "dropship")
    docs = orders(store)
    earlier, cancel = docs[f"{PO}:original"], docs[f"{PO}:cancel"]
    exported = erp_file(tmp_path, f"dropship-{PO}-cancel-*.json")
    assert exported.purpose.value == "cancel" and exported.purpose_code == "01"
    assert [line.quantity for line in exported.lines] == [1, 2]  # the order as it went out, not the cancel's lines
    assert erp_file(tmp_path, f"dropship-{PO}-original-*.json").purpose.value == "original"  # not overwritten
    [first] = outbound_sets(p, earlier.id, "940")
    [second] = outbound_sets(p, cancel.id, "940")
    assert segment(first, "W05")[0][:2] == ["N", PO] and segment(second, "W05")[0][:2] == ["F", PO]
    assert len(list((tmp_path / "demo" / "3pl" / "orders").iterdir())) == 2


def test_a_cancel_of_a_held_order_goes_nowhere(store: Store, tmp_path: Path) -> None:
    p = pipeline(store, workspace(tmp_path, **{"policy: accept_with_changes": "policy: hold"}))
    p.ingest(variant(tmp_path, "00", 7745, **{"PO1*1*1*EA*19.99": "PO1*1*1*EA*5.00"}), "dropship")
    assert held_orders(store)
    tx = p.ingest(variant(tmp_path, "01", 7746), "dropship")
    docs = orders(store)
    assert docs[f"{PO}:original"].status is DocumentStatus.CANCELLED and held_orders(store) == []
    assert store.transmission(docs[f"{PO}:original"].transmission_id or 0).status is Status.DONE
    assert docs[f"{PO}:cancel"].decided is None
    assert not (tmp_path / "demo").exists()
    assert [o.set_id for o in store.outbounds(tx.id)] == ["997", "855"]


def test_a_cancelled_order_cannot_ship(store: Store, tmp_path: Path) -> None:
    ws = workspace(tmp_path)
    p = pipeline(store, ws)
    p.ingest(SAMPLE, "dropship")
    p.ingest(variant(tmp_path, "01", 7746), "dropship")
    confirmation = tmp_path / "shipped.csv"
    confirmation.write_text(SHIPMENT, encoding="utf-8")
    with pytest.raises(DataError, match=f"row 2: PO {PO} is cancelled, not accepted"):
        ship(desk_context(p), p.partners["dropship"], confirmation, today=TODAY, channel_types=("folder",))


def test_a_cancel_after_shipment_is_refused_in_plain_words(store: Store, tmp_path: Path) -> None:
    ws = workspace(tmp_path, **{"policy: accept_with_changes": "policy: hold"})
    p = pipeline(store, ws)
    p.ingest(SAMPLE, "dropship")
    confirmation = tmp_path / "shipped.csv"
    confirmation.write_text(SHIPMENT, encoding="utf-8")
    ship(desk_context(p), p.partners["dropship"], confirmation, today=TODAY, channel_types=("folder",))
    tx = p.ingest(variant(tmp_path, "01", 7746), "dropship")
    [e] = [e for e in store.errors(tx.id) if e.stage == "rules"]
    earlier = orders(store)[f"{PO}:original"]
    assert e.code == "rule.purpose.shipped"
    assert e.message.startswith(f"a cancellation came for PO {PO}, but order {earlier.id} was already shipped "
                                "(an 856, ISA13 ")
    assert e.message.endswith("and invoiced (an 810, ISA13 000000004); it cannot be cancelled here")
    assert "credit" in e.hint
    assert earlier.status is DocumentStatus.ACCEPTED and tx.status is Status.HELD
    [held] = held_orders(store)
    with pytest.raises(UsageError, match="cannot be released: .* already shipped"):
        release(desk_context(p), p.partners["dropship"], held.id, actor="ana", today=TODAY,
                channel_types=("folder",))
    assert orders(store)[f"{PO}:original"].status is DocumentStatus.ACCEPTED


# -- change and replace ----------------------------------------------------------------------

def test_a_replacement_supersedes_and_takes_stock_afresh(store: Store, tmp_path: Path) -> None:
    beg, purpose = "05", "replace"  # a change (04) is decided alike: tests/orders/test_purposes.py
    p = pipeline(store, workspace(tmp_path))
    p.ingest(SAMPLE, "dropship")
    tx = p.ingest(variant(tmp_path, beg, 7746, **{"PO1*2*2*EA": "PO1*2*5*EA"}), "dropship")
    docs = orders(store)
    earlier, later = docs[f"{PO}:original"], docs[f"{PO}:{purpose}"]
    assert (earlier.status, later.status, later.amends) == (DocumentStatus.SUPERSEDED, DocumentStatus.ACCEPTED,
                                                           earlier.id)
    assert {a.status for a in store.allocations(document_id=earlier.id)} == {AllocationStatus.RELEASED}
    assert taken(p) == {"ACM-1001": 1, "ACM-2040": 5} and store.inventory(sku="ACM-2040")[0].allocated == 5
    assert [row[:2] for row in acks(p, tx.id)] == [["IA", "1"], ["IA", "5"]]
    [ack] = outbound_sets(p, later.id, "855")
    assert segment(ack, "BAK")[0][:3] == [beg, "AD", PO]
    [w05] = segment(outbound_sets(p, later.id, "940")[0], "W05")
    assert w05[:2] == ["R", PO]
    assert erp_file(tmp_path, f"dropship-{PO}-{purpose}-*.json").lines[1].quantity == 5
    chain = order_chain(store, "dropship", PO)
    assert chain.order.id == later.id and chain.amended_by(earlier) == later


def test_each_different_change_supersedes_the_last_and_a_resent_one_is_a_duplicate(
        store: Store, tmp_path: Path) -> None:
    p = pipeline(store, workspace(tmp_path))
    p.ingest(SAMPLE, "dropship")
    p.ingest(variant(tmp_path, "04", 7746, **{"PO1*2*2*EA": "PO1*2*5*EA"}), "dropship")
    p.ingest(variant(tmp_path, "04", 7747, **{"PO1*2*2*EA": "PO1*2*3*EA"}), "dropship")
    resent = p.ingest(variant(tmp_path, "04", 7748, **{"PO1*2*2*EA": "PO1*2*3*EA"}), "dropship")
    first, change1, change2 = store.documents(kind=DocumentKind.ORDER)
    assert [d.key.split("@")[0] for d in (first, change1, change2)] == [f"{PO}:original", f"{PO}:change",
                                                                         f"{PO}:change"]
    assert [d.status for d in (first, change1, change2)] == [DocumentStatus.SUPERSEDED, DocumentStatus.SUPERSEDED,
                                                             DocumentStatus.ACCEPTED]
    assert (change1.amends, change2.amends) == (first.id, change1.id)
    assert taken(p) == {"ACM-1001": 1, "ACM-2040": 3}  # the last change's quantities, stock taken once
    assert "order.duplicate" in [e.code for e in store.errors(resent.id)]
    assert len(store.documents(kind=DocumentKind.ORDER)) == 3


def test_a_held_replacement_leaves_the_earlier_order_in_force_until_released(store: Store,
                                                                             tmp_path: Path) -> None:
    ws = workspace(tmp_path, **{"policy: accept_with_changes": "policy: hold"})
    p = pipeline(store, ws)
    p.ingest(SAMPLE, "dropship")
    p.ingest(variant(tmp_path, "05", 7746, **{"PO1*1*1*EA*19.99": "PO1*1*1*EA*5.00"}), "dropship")
    docs = orders(store)
    assert docs[f"{PO}:original"].status is DocumentStatus.ACCEPTED and taken(p) == {"ACM-1001": 1, "ACM-2040": 2}
    [held] = held_orders(store)
    done = override(desk_context(p), p.partners["dropship"], held.id, line="1", price=Decimal("19.99"), actor="ana",
                    today=TODAY)
    release(desk_context(p), p.partners["dropship"], done.document.id, actor="ana", today=TODAY,
            channel_types=("folder",))
    docs = orders(store)
    assert docs[f"{PO}:original"].status is DocumentStatus.SUPERSEDED
    assert store.inventory(sku="ACM-2040")[0].allocated == 2  # given back once, taken again once
    exported = erp_file(tmp_path, f"dropship-{PO}-replace-*.json")
    assert exported.lines[0].unit_price == Decimal("19.99")  # the override, not the 5.00 received


def test_the_earlier_order_ships_while_its_replacement_is_held(store: Store, tmp_path: Path) -> None:
    ws = workspace(tmp_path, **{"policy: accept_with_changes": "policy: hold"})
    p = pipeline(store, ws)
    p.ingest(SAMPLE, "dropship")
    p.ingest(variant(tmp_path, "05", 7746, **{"PO1*1*1*EA*19.99": "PO1*1*1*EA*5.00"}), "dropship")
    confirmation = tmp_path / "shipped.csv"
    confirmation.write_text(SHIPMENT, encoding="utf-8")
    done = ship(desk_context(p), p.partners["dropship"], confirmation, today=TODAY, channel_types=("folder",))
    earlier = orders(store)[f"{PO}:original"]
    assert [o.document_id for o in done.asn] == [earlier.id]
    [held] = held_orders(store)
    with pytest.raises(UsageError, match="already shipped"):
        release(desk_context(p), p.partners["dropship"], held.id, actor="ana", today=TODAY,
                channel_types=("folder",))


# -- stock under concurrency -------------------------------------------------------------------

def test_two_workers_applying_one_amendment_give_stock_back_once(store: Store, tmp_path: Path,
                                                                url: str) -> None:
    p = pipeline(store, workspace(tmp_path))
    p.ingest(SAMPLE, "dropship")
    p.receive("dropship", "cli", "r.x12", variant(tmp_path, "05", 7746).read_bytes())
    earlier = orders(store)[f"{PO}:original"]
    later = store.save_document(kind=DocumentKind.ORDER, partner="dropship", key=f"{PO}:replace", body="{}",
                                transmission_id=None).document
    assert later is not None
    results = []

    def amend() -> None:
        with Store.open(url) as mine:
            results.append(mine.amend_order(earlier.id, later.id, DocumentStatus.SUPERSEDED).applied)

    threads = [threading.Thread(target=amend) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(results) == [False, False, False, True]
    assert [lvl.allocated for lvl in store.inventory()] == [0, 0]


def test_replacements_and_new_orders_at_once_never_oversell(store: Store, tmp_path: Path,
                                                            url: str) -> None:
    ws = workspace(tmp_path, spatulas=12, date="2026-12-04")
    p = pipeline(store, ws)
    p.stock.refresh(AtpRule(file="stock.csv"))
    for n in range(4):  # four originals of 2 spatulas each: 8 of 12 taken
        p.ingest(variant(tmp_path, "00", 800 + n, po=f"MKT-{n:08d}"), "dropship")
    assert store.inventory(sku="ACM-2040")[0].allocated == 8
    for n in range(4):  # each replaced by an order of 3; and four new orders of 2 compete for the rest
        p.receive("dropship", "cli", f"r{n}.x12",
                  variant(tmp_path, "05", 900 + n, po=f"MKT-{n:08d}", **{"PO1*2*2*EA": "PO1*2*3*EA"}).read_bytes())
        p.receive("dropship", "cli", f"n{n}.x12", variant(tmp_path, "00", 950 + n, po=f"MKT-9{n:07d}").read_bytes())

    def open_pipeline() -> Pipeline:
        return Pipeline(ws, Store.open(url), p.archive, p.partners, today=TODAY, channel_types=("folder",))

    result = run_workers(open_pipeline, 3)
    assert result.failures == () and len(result.processed) == 8
    [level] = store.inventory(sku="ACM-2040")
    active = [a for a in store.allocations(sku="ACM-2040") if a.status is AllocationStatus.ACTIVE]
    assert level.allocated == sum(a.quantity for a in active) <= level.on_hand == 12
    docs = orders(store)
    assert all(docs[f"MKT-{n:08d}:original"].status is DocumentStatus.SUPERSEDED for n in range(4))
    released = [a for a in store.allocations(sku="ACM-2040") if a.status is AllocationStatus.RELEASED]
    assert len(released) == 4 and all(a.quantity == 2 for a in released)
    assert level.available >= 0


# -- what routing sends --------------------------------------------------------------------------

def test_exports_and_940s_carry_the_quantities_the_855_committed_to(store: Store, tmp_path: Path) -> None:
    p = pipeline(store, workspace(tmp_path, spatulas=1, **{"short: backorder": "short: reduce"}))
    tx = p.ingest(SAMPLE, "dropship")
    assert [row[:2] for row in acks(p, tx.id)] == [["IA", "1"], ["IQ", "1"]]
    doc = orders(store)[f"{PO}:original"]
    assert [line.quantity for line in erp_file(tmp_path, f"dropship-{PO}-original-*.json").lines] == [1, 1]
    [w940] = outbound_sets(p, doc.id, "940")
    assert [row[0] for row in segment(w940, "W01")] == ["1", "1"]
    assert json.loads(doc.body)["lines"][1]["quantity"] == "2"  # the order as received is kept


def test_a_refused_line_is_left_out_of_exports_and_940s(store: Store, tmp_path: Path) -> None:
    p = pipeline(store, workspace(tmp_path, spatulas=0, **{"short: backorder": "short: reduce"}))
    p.ingest(SAMPLE, "dropship")
    doc = orders(store)[f"{PO}:original"]
    assert [line.line_number for line in erp_file(tmp_path, f"dropship-{PO}-original-*.json").lines] == ["1"]
    [w940] = outbound_sets(p, doc.id, "940")
    assert [row[:2] for row in segment(w940, "LX")] == [["1", ""]]
    assert segment(w940, "W76")[0][0] == "1"
