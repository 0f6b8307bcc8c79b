"""The order desk on a real store (SQLite, and PostgreSQL when EDIGATE_TEST_PG_URL is set):
queue actions, 856/810 from a shipment confirmation, functional-ack reconciliation."""

from __future__ import annotations

import dataclasses
import datetime as dt
from decimal import Decimal
from pathlib import Path

import pytest

from edigate.errors import DataError, UsageError
from edigate.desk import (
    find_order, held_orders, invoice, order_chain, overdue, override, reconcile_functional_ack, reject, release, ship,
)
from edigate.config.partners import Partner
from edigate.stages.pipeline import Pipeline
from edigate.stages.reprocess import reprocess
from edigate.store import AckStatus, AuditAction, Document, DocumentKind, DocumentStatus, Outbound, Status
from edigate.x12.envelope import EnvelopeReader, Transaction
from edigate.x12.findings import Severity
from edigate.x12.validate import Validator

from tests.support.paths import REPO
from tests.support.desk import desk_context

SAMPLES = REPO / "samples" / "x12"
SHIPMENT = REPO / "samples" / "data" / "bigbox-shipment.csv"
TODAY = dt.date(2026, 11, 26)


def bigbox(pipeline: Pipeline) -> Partner:
    return pipeline.partners["bigbox"]


def held(pipeline: Pipeline, tmp_path: Path) -> Document:
    """PO 4500012345 with 25 of a pack of 6 on line 1: held by the pack rule."""
    path = tmp_path / "held.x12"
    path.write_bytes((SAMPLES / "bigbox-850-4010.x12").read_bytes().replace(b"PO1*1*24*", b"PO1*1*25*"))
    assert pipeline.ingest(path, "bigbox").status is Status.HELD
    [doc] = held_orders(pipeline.store)
    return doc


def transactions(pipeline: Pipeline, out: Outbound) -> list[Transaction]:
    return [e for e in EnvelopeReader(pipeline.archive.get(out.sha256)) if isinstance(e, Transaction)]


def assert_valid(pipeline: Pipeline, out: Outbound) -> list[Transaction]:
    found = transactions(pipeline, out)
    assert found and all(t.set_id == out.set_id for t in found)
    errors = [str(f) for t in found for f in (*t.findings, *Validator()(t)) if f.severity is Severity.ERROR]
    assert not errors, errors
    return found


def segments(tx: Transaction, seg_id: str) -> list[list[str]]:
    return [[s.get(n) for n in range(1, 5)] for s in tx.segments if s.id == seg_id]


# -- the exception queue ---------------------------------------------------------------

def test_release_continues_to_routing_and_an_855(pipeline: Pipeline, tmp_path: Path) -> None:
    doc = held(pipeline, tmp_path)
    done = release(desk_context(pipeline), bigbox(pipeline), doc.id, actor="ana",
                   today=TODAY)
    assert done.document.status is DocumentStatus.ACCEPTED and done.problems == ()
    assert len(list((tmp_path / "demo" / "erp" / "orders").glob("bigbox-4500012345-original-*.json"))) == 1
    assert done.po_ack is not None and done.po_ack.key == f"855:{doc.id}" and done.po_ack.ack_status is AckStatus.PENDING
    [tx] = assert_valid(pipeline, done.po_ack)
    assert segments(tx, "BAK")[0][:2] == ["00", "AD"]
    assert pipeline.store.transmission(doc.transmission_id or 0).status is Status.DONE
    [sent] = [o for o in pipeline.store.outbounds(doc.transmission_id or 0) if o.id == done.po_ack.id]
    assert sent.sent_at is not None  # on bigbox's outbound folder
    [event] = pipeline.store.audit_events(target=f"order:{doc.id}")
    assert (event.actor, event.action, event.note) == ("ana", AuditAction.RESOLVE, "released from the queue")
    assert held_orders(pipeline.store) == []
    with pytest.raises(UsageError, match="is accepted, not held"):
        release(desk_context(pipeline), bigbox(pipeline), doc.id, actor="ana")


def test_reject_answers_rd_with_every_line_rejected(pipeline: Pipeline, tmp_path: Path) -> None:
    doc = held(pipeline, tmp_path)
    done = reject(desk_context(pipeline), bigbox(pipeline), doc.id,
                  reason="pack size", actor="ana", today=TODAY)
    assert done.document.status is DocumentStatus.REJECTED and done.po_ack is not None
    [tx] = assert_valid(pipeline, done.po_ack)
    assert segments(tx, "BAK")[0][:2] == ["00", "RD"]
    assert {row[0] for row in segments(tx, "ACK")} == {"IR"}
    [event] = pipeline.store.audit_events(target=f"order:{doc.id}")
    assert event.note == "rejected: pack size"
    assert not list((tmp_path / "demo" / "erp" / "orders").glob("bigbox-4500012345-*.json"))


def test_override_is_audited_rechecked_and_answered_ip_on_release(pipeline: Pipeline, tmp_path: Path) -> None:
    doc = held(pipeline, tmp_path)
    partner = bigbox(pipeline)
    changed = override(desk_context(pipeline), partner, doc.id, line="1", price=Decimal("13.00"),
                       actor="ana", today=TODAY)
    assert changed.document.id != doc.id and changed.document.status is DocumentStatus.HELD
    assert sorted(f.code for f in changed.findings) == ["rule.price.mismatch", "rule.qty.pack"]
    [event] = pipeline.store.audit_events(target=f"order:{changed.document.id}")
    assert event.action is AuditAction.OVERRIDE and "line 1 price 12.49 -> 13.00" in event.note
    assert find_order(pipeline.store, str(doc.id)).id == changed.document.id
    with pytest.raises(UsageError, match="has no line 9"):
        override(desk_context(pipeline), partner, changed.document.id, line="9", price=Decimal(1),
                 actor="ana")
    done = release(desk_context(pipeline), partner, changed.document.id, actor="ana",
                   today=TODAY)
    assert done.po_ack is not None
    [tx] = assert_valid(pipeline, done.po_ack)
    assert segments(tx, "BAK")[0][1] == "AC"
    assert [row[0] for row in segments(tx, "ACK")] == ["IP", "IA", "IA"]
    chain = order_chain(pipeline.store, "bigbox", "4500012345")
    assert [v.id for v in chain.versions] == [doc.id, changed.document.id]
    assert [e.action for e in chain.events] == [AuditAction.OVERRIDE, AuditAction.RESOLVE]


def test_a_release_whose_delivery_failed_stays_released_through_tx_reprocess(pipeline: Pipeline,
                                                                            tmp_path: Path) -> None:
    doc = held(pipeline, tmp_path)
    orders = tmp_path / "demo" / "erp" / "orders"
    kept = orders.with_name("kept")
    orders.rename(kept)
    orders.write_text("not a folder")  # the ERP's folder cannot be written
    done = release(desk_context(pipeline), bigbox(pipeline), doc.id, actor="ana", reason="pack ok", today=TODAY)
    assert done.problems and done.po_ack is None
    tx = pipeline.store.transmission(doc.transmission_id or 0)
    assert (tx.status, tx.stage) == (Status.FAILED, "route")
    orders.unlink()
    kept.rename(orders)
    again = reprocess(pipeline, tx.id, actor="ana", worker="test")
    assert again.status is Status.DONE
    now = find_order(pipeline.store, str(doc.id))
    assert now.id == doc.id and now.status is DocumentStatus.ACCEPTED and held_orders(pipeline.store) == []
    assert len(list(orders.glob("bigbox-4500012345-original-*.json"))) == 1
    [ack] = [o for t in (tx.id, again.id) for o in pipeline.store.outbounds(t) if o.key == f"855:{doc.id}"]
    [answer] = assert_valid(pipeline, ack)
    assert segments(answer, "BAK")[0][:2] == ["00", "AD"] and ack.sent_at is not None
    [event] = pipeline.store.audit_events(target=f"order:{doc.id}")
    assert (event.actor, event.action, event.note) == ("ana", AuditAction.RESOLVE, "released from the queue: pack ok")


# -- shipments and invoices ----------------------------------------------------------------

def test_ship_gives_a_valid_856_and_810_with_unique_control_numbers(pipeline: Pipeline) -> None:
    tx = pipeline.ingest(SAMPLES / "bigbox-850-4010.x12", "bigbox")
    done = ship(desk_context(pipeline), bigbox(pipeline), SHIPMENT, today=TODAY)
    [asn] = done.asn
    [bill] = done.invoices
    [t856] = assert_valid(pipeline, asn)
    [t810] = assert_valid(pipeline, bill)
    assert [row[1] for row in segments(t856, "MAN") if row[0] == "GM"] == ["000614141000000014", "000614141000000021",
                                                                         "000614141000000038"]
    assert segments(t810, "TDS") and segments(t810, "BIG")[0][1] == "SHP-26-0001-1"
    outputs = pipeline.store.outbounds(tx.id)
    assert sorted(o.set_id for o in outputs) == ["810", "855", "855", "856", "997"]
    for field in ("isa13", "gs06"):
        assert len({getattr(o, field) for o in outputs}) == len(outputs)
    chain = order_chain(pipeline.store, "bigbox", "4500012345")
    assert [o.set_id for o in chain.outbounds] == ["855", "856", "810"]
    assert all(o.sent_at is not None for o in chain.outbounds[1:]) and done.problems == ()
    sent = sorted(p.name.split("-")[0] for p in (pipeline.workspace.root / "demo" / "bigbox" / "out").iterdir())
    assert sent == ["810", "855", "855", "856", "997"]
    with pytest.raises(DataError, match="already confirmed"):
        ship(desk_context(pipeline), bigbox(pipeline), SHIPMENT)
    with pytest.raises(DataError, match="already invoiced"):
        invoice(desk_context(pipeline), bigbox(pipeline), "4500012345")


def test_an_856_that_cannot_be_written_spends_no_number_and_confirms_nothing(
        pipeline: Pipeline, monkeypatch: pytest.MonkeyPatch) -> None:
    tx = pipeline.ingest(SAMPLES / "bigbox-850-4010.x12", "bigbox")
    last = max(int(o.isa13) for o in pipeline.store.outbounds(tx.id))
    put = pipeline.archive.put

    def full_disk(data: bytes) -> object:
        if b"ST*856*" in data:
            raise OSError(28, "No space left on device")
        return put(data)

    monkeypatch.setattr(pipeline.archive, "put", full_disk)
    with pytest.raises(OSError):
        ship(desk_context(pipeline), bigbox(pipeline), SHIPMENT, today=TODAY)
    assert pipeline.store.documents(kind=DocumentKind.SHIPMENT) == []
    monkeypatch.setattr(pipeline.archive, "put", put)
    done = ship(desk_context(pipeline), bigbox(pipeline), SHIPMENT, today=TODAY)
    assert [int(o.isa13) for o in (*done.asn, *done.invoices)] == [last + 1, last + 2]  # no gap


def test_a_confirmation_is_read_once(pipeline: Pipeline, monkeypatch: pytest.MonkeyPatch) -> None:
    pipeline.ingest(SAMPLES / "bigbox-850-4010.x12", "bigbox")
    reads: list[Path] = []
    read_bytes, read_text = Path.read_bytes, Path.read_text
    monkeypatch.setattr(Path, "read_bytes", lambda self: reads.append(self) or read_bytes(self))
    monkeypatch.setattr(Path, "read_text", lambda self, *a, **k: reads.append(self) or read_text(self, *a, **k))
    ship(desk_context(pipeline), bigbox(pipeline), SHIPMENT, today=TODAY)
    assert reads.count(SHIPMENT) == 1


def test_shipping_more_than_ordered_is_refused_with_the_row(pipeline: Pipeline, tmp_path: Path) -> None:
    pipeline.ingest(SAMPLES / "bigbox-850-4010.x12", "bigbox")
    over = tmp_path / "over.csv"
    over.write_text(SHIPMENT.read_text().replace(",1,24,", ",1,25,", 1))
    with pytest.raises(DataError) as err:
        ship(desk_context(pipeline), bigbox(pipeline), over)
    assert "PO 4500012345 line 1: ships 25, ordered 24" in str(err.value).splitlines()
    ship(desk_context(pipeline), bigbox(pipeline), SHIPMENT)
    again = tmp_path / "again.csv"
    again.write_text(SHIPMENT.read_text().splitlines()[0] + "\n" +
                     "SHP-26-0002,2026-12-01,4500012345,1,1,EA,,,,FDEG,BOL-9,1,LB\n")
    with pytest.raises(DataError, match="row 2: PO 4500012345 line 1: ships 1 after 24 already shipped, ordered 24"):
        ship(desk_context(pipeline), bigbox(pipeline), again)


def test_a_held_order_cannot_ship(pipeline: Pipeline, tmp_path: Path) -> None:
    held(pipeline, tmp_path)
    with pytest.raises(DataError, match="row 2: PO 4500012345 is held, not accepted"):
        ship(desk_context(pipeline), bigbox(pipeline), SHIPMENT)


def test_invoice_on_demand_bills_what_shipped(pipeline: Pipeline, tmp_path: Path) -> None:
    pipeline.ingest(SAMPLES / "bigbox-850-4010.x12", "bigbox")
    partner = bigbox(pipeline)
    with pytest.raises(DataError, match="has not shipped"):
        invoice(desk_context(pipeline), partner, "4500012345")
    no_810 = dataclasses.replace(partner, documents=dataclasses.replace(
        partner.documents, outbound={k: v for k, v in partner.documents.outbound.items() if k != "810"}))
    partial = tmp_path / "partial.csv"
    partial.write_text("\n".join(SHIPMENT.read_text().splitlines()[:3]) + "\n")
    assert ship(desk_context(pipeline), no_810, partial).invoices == ()
    [bill] = invoice(desk_context(pipeline), partner, "4500012345", today=TODAY)
    [tx] = assert_valid(pipeline, bill)
    assert [(row[0], row[1]) for row in segments(tx, "IT1")] == [("1", "24"), ("2", "48")]


# -- functional acks -----------------------------------------------------------------------

def ack_997(po_ack: Outbound, status: str) -> Transaction:
    text = ("ISA*00*          *00*          *ZZ*BIGBOXRETAIL   *ZZ*EDIGATE        *261127*0800*U*00401*000000777*0*P*>~"
            "GS*FA*BIGBOX*EDIGATE*20261127*0800*777*X*004010~ST*997*0001~"
            f"AK1*PR*{po_ack.gs06}~AK2*855*{po_ack.st02}~AK3*BAK*2**8~AK5*{status}*5~"
            f"AK9*{status}*1*1*{0 if status == 'R' else 1}~SE*7*0001~GE*1*777~IEA*1*000000777~")
    [tx] = [e for e in EnvelopeReader(text.encode()) if isinstance(e, Transaction)]
    return tx


def test_a_997_rejecting_our_855_marks_it_and_raises_an_exception(pipeline: Pipeline, tmp_path: Path) -> None:
    doc = held(pipeline, tmp_path)
    done = release(desk_context(pipeline), bigbox(pipeline), doc.id, actor="ana")
    assert done.po_ack is not None
    got = pipeline.store.record_received(partner="bigbox", channel="test", file_name="997.x12", sha256="a" * 64,
                                         size=1).transmission
    result = reconcile_functional_ack(pipeline.store, "bigbox", got.id, ack_997(done.po_ack, "R"))
    [rejected] = result.rejected
    assert rejected.id == done.po_ack.id and rejected.ack_status is AckStatus.REJECTED
    assert rejected.ack_transmission_id == got.id
    [entry] = pipeline.store.errors(got.id)
    assert entry.code == "ack.rejected" and f"855:{doc.id}" in entry.message and entry.st02 == done.po_ack.st02
    chain = order_chain(pipeline.store, "bigbox", "4500012345")
    assert [o.ack_status for o in chain.outbounds if o.set_id == "855"] == [AckStatus.REJECTED]
    assert done.po_ack.id not in {o.id for o in overdue(pipeline.store, dt.datetime.now(dt.UTC) + dt.timedelta(days=9))}


def test_an_accepting_997_for_a_group_we_never_sent_is_a_warning(pipeline: Pipeline, tmp_path: Path) -> None:
    fake = Outbound(0, "bigbox", "855", "x", "1", "9999", "0001", "", "", dt.datetime.now(dt.UTC), AckStatus.PENDING)
    got = pipeline.store.record_received(partner="bigbox", channel="test", file_name="997.x12", sha256="b" * 64,
                                         size=1).transmission
    result = reconcile_functional_ack(pipeline.store, "bigbox", got.id, ack_997(fake, "A"))
    assert result.outbounds == ()
    assert [e.code for e in pipeline.store.errors(got.id)] == ["ack.unmatched"]


def test_overdue_lists_an_855_past_its_window(pipeline: Pipeline) -> None:
    past = dt.datetime.now(dt.UTC) - dt.timedelta(hours=1)
    late, _ = pipeline.store.record_outbound(partner="bigbox", set_id="855", key="855:late", isa13="000000042",
                                             gs06="42", st02="0001", archive_path="x", sha256="c" * 64,
                                             ack_due_at=past)
    pipeline.store.record_outbound(partner="bigbox", set_id="855", key="855:fresh", isa13="000000043", gs06="43",
                                   st02="0001", archive_path="x", sha256="d" * 64,
                                   ack_due_at=past + dt.timedelta(days=2))
    assert [o.key for o in overdue(pipeline.store)] == ["855:late"]
