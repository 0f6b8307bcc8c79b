from __future__ import annotations

import datetime as dt
import os
import time
from pathlib import Path

from edigate.store.archive import Archive
from edigate.store import (
    AckStatus,
    AuditAction,
    DocumentKind,
    DocumentStatus,
    NewDocument,
    Outbound,
    Status,
    Store,
)
from tests.support.received import receive

ORDER = DocumentKind.ORDER


def test_duplicate_po_number_and_purpose_is_detected(store: Store) -> None:
    a = receive(store).transmission
    b = receive(store, "b" * 64).transmission
    first = store.save_document(kind=ORDER, partner="acme", key="PO1:00", body='{"po": 1}', transmission_id=a.id)
    assert first.created and first.document is not None
    again = store.save_document(kind=ORDER, partner="acme", key="PO1:00", body="{}", transmission_id=b.id)
    assert (again.document, again.created) == (None, False)
    assert again.duplicate_of == first.document
    other = store.save_document(kind=ORDER, partner="acme", key="PO1:01", body="{}", transmission_id=b.id)
    assert other.created


def test_saving_again_from_the_same_transmission_creates_nothing(store: Store) -> None:
    a = receive(store).transmission
    first = store.save_document(kind=ORDER, partner="acme", key="PO1:00", body="{}", transmission_id=a.id)
    again = store.save_document(kind=ORDER, partner="acme", key="PO1:00", body="{}", transmission_id=a.id)
    assert (again.created, again.document, again.duplicate_of) == (False, first.document, None)
    assert len(store.documents(partner="acme")) == 1


def test_reprocess_supersedes_the_earlier_document(store: Store) -> None:
    a = receive(store).transmission
    old = store.save_document(kind=ORDER, partner="acme", key="PO1:00", body="{}", transmission_id=a.id).document
    assert old is not None
    b = store.reprocess(a.id, actor="ana")
    new = store.save_document(kind=ORDER, partner="acme", key="PO1:00", body='{"v": 2}',
                              transmission_id=b.id, supersedes=old.id).document
    assert new is not None
    old_now, new_now = store.documents(key="PO1:00")
    assert (old_now.status, old_now.superseded_by) == (DocumentStatus.SUPERSEDED, new.id)
    assert store.documents(key="PO1:00", current=True) == [new_now]
    assert store.set_document_status(new.id, DocumentStatus.ROUTED).status is DocumentStatus.ROUTED


def test_outbound_is_recorded_once_per_key_and_acks_apply(store: Store) -> None:
    tx = receive(store).transmission
    due = dt.datetime.now(dt.UTC) + dt.timedelta(hours=24)

    def record() -> tuple[Outbound, bool]:
        return store.record_outbound(partner="acme", set_id="855", key=f"855:tx{tx.id}", isa13="000000001",
                                     gs06="1", st02="0001", archive_path="cc/cc/" + "c" * 64, sha256="c" * 64,
                                     transmission_id=tx.id, ack_due_at=due)

    out, new = record()
    assert new and out.ack_status is AckStatus.PENDING
    again, new = record()
    assert (again, new) == (out, False)
    store.mark_sent(out.id)
    assert store.outbound(out.id).sent_at is not None
    assert store.overdue_acks() == []
    assert [o.id for o in store.overdue_acks(due + dt.timedelta(seconds=1))] == [out.id]
    assert "c" * 64 in store.pinned_hashes()
    [acked] = store.record_ack(partner="acme", gs06="1", status=AckStatus.ACCEPTED, result="A")
    assert (acked.ack_status, acked.ack_result) == (AckStatus.ACCEPTED, "A")
    assert store.overdue_acks(due + dt.timedelta(days=1)) == []
    assert store.outbounds(tx.id)[0].ack_status is AckStatus.ACCEPTED


def test_outbounds_of_several_transmissions_are_each_ones_outbounds(store: Store) -> None:
    a = receive(store).transmission
    b = receive(store, "b" * 64).transmission
    c = receive(store, "d" * 64).transmission
    for tx, n in ((a, 1), (b, 2), (a, 3)):
        store.record_outbound(partner="acme", set_id="997", key=f"997:{n}", isa13=f"{n:09d}", gs06=str(n),
                              st02="0001", archive_path="cc/cc/" + "c" * 64, sha256="c" * 64, transmission_id=tx.id)
    found = store.outbounds_of([b.id, a.id, c.id])
    assert found == {b.id: store.outbounds(b.id), a.id: store.outbounds(a.id), c.id: []}
    assert [o.key for o in found[a.id]] == ["997:1", "997:3"]


def test_pinned_hashes_are_the_open_transmissions(store: Store) -> None:
    a = receive(store).transmission
    b = receive(store, "b" * 64).transmission
    store.set_status(b.id, Status.DONE)
    assert store.pinned_hashes() == {a.sha256}


def test_audit_events(store: Store) -> None:
    ev = store.audit(actor="ops", action=AuditAction.CONFIG_CHANGE, target="partner:acme", note="window 48h")
    assert ev.at.tzinfo is dt.UTC
    assert store.audit_events(target="partner:acme") == [ev]


def test_the_sweep_spares_what_the_store_still_needs(store: Store, tmp_path: Path) -> None:
    archive = Archive(tmp_path / "archive")
    failed, done = archive.put(b"failed 850"), archive.put(b"done 850")
    ids = [store.record_received(partner="acme", channel="c", file_name="f", sha256=f.sha256,
                                 size=f.size, archive_path=f.relative).transmission.id
           for f in (failed, done)]
    for f in (failed, done):
        os.utime(f.path, (time.time() - 40 * 86_400,) * 2)
    store.set_status(ids[0], Status.FAILED, stage="map")
    store.set_status(ids[1], Status.DONE)
    assert archive.sweep(30, keep=store.pinned_hashes()) == [done.sha256]
    assert archive.get(failed.sha256) == b"failed 850"


def test_a_stage_saves_many_documents_in_one_commit(store: Store) -> None:
    a = receive(store).transmission
    b = receive(store, "b" * 64).transmission
    store.save_document(kind=ORDER, partner="acme", key="PO2:00", body="{}", transmission_id=b.id)
    docs = [NewDocument(ORDER, "acme", f"PO{i}:00", "{}", a.id) for i in range(1, 4)]
    saved = store.save_documents(docs)
    assert [s.created for s in saved] == [True, False, True]
    assert saved[1].duplicate_of is not None and saved[1].duplicate_of.transmission_id == b.id
    assert store.save_documents(docs)[0].created is False


def test_batch_save_reports_duplicates_and_repeats_and_pages_walk_everything(url: str) -> None:
    from edigate.store import DocumentKind, DocumentStatus, NewDocument

    with Store.open(url) as store:
        first = store.record_received(partner="acme", channel="c", file_name="a", sha256="a" * 64, size=1).transmission
        second = store.record_received(partner="acme", channel="c", file_name="b", sha256="b" * 64, size=1).transmission
        docs = [NewDocument(DocumentKind.ORDER, "acme", f"PO{n}:00", f'{{"n": {n}}}', first.id) for n in range(7)]
        saved = store.save_documents(docs + [docs[2]])
        assert [s.created for s in saved] == [True] * 7 + [False]
        assert saved[7].document == saved[2].document
        again = store.save_documents([NewDocument(DocumentKind.ORDER, "acme", "PO3:00", "{}", second.id),
                                      NewDocument(DocumentKind.ORDER, "acme", "PO9:00", "{}", second.id)])
        assert again[0].document is None and again[0].duplicate_of == saved[3].document
        assert again[1].created and again[1].document is not None

        ids = [s.document.id for s in saved[:7] if s.document]
        store.record_decisions({ids[1]: (DocumentStatus.HELD, None, None),
                                ids[4]: (DocumentStatus.REJECTED, '[["BAK"]]', None),
                                ids[5]: (DocumentStatus.HELD, None, '{"po_number": "PO6"}')})
        pages = list(store.document_pages(transmission_id=first.id, kind=DocumentKind.ORDER, size=3))
        assert [len(p) for p in pages] == [3, 3, 1]
        assert [d.id for p in pages for d in p] == ids
        held = store.documents(transmission_id=first.id, status=DocumentStatus.HELD)
        assert [d.id for d in held] == [ids[1], ids[5]]
        assert store.documents(transmission_id=first.id, status=DocumentStatus.REJECTED)[0].id == ids[4]
        assert [d.decided for d in held] == [None, '{"po_number": "PO6"}']


def test_a_status_set_by_hand_drops_the_855_body_the_rules_kept(store: Store) -> None:
    tx = store.record_received(partner="acme", channel="c", file_name="a", sha256="c" * 64, size=1).transmission
    doc = store.save_document(kind=DocumentKind.ORDER, partner="acme", key="PO1:00", body="{}",
                              transmission_id=tx.id).document
    assert doc is not None and doc.ack_body is None
    store.record_decisions({doc.id: (DocumentStatus.REJECTED, '[["BAK","00","RD"]]', None)})
    [kept] = store.documents(transmission_id=tx.id)
    assert (kept.status, kept.ack_body) == (DocumentStatus.REJECTED, '[["BAK","00","RD"]]')
    changed = store.set_document_status(doc.id, DocumentStatus.ACCEPTED)
    assert (changed.status, changed.ack_body) == (DocumentStatus.ACCEPTED, None)
