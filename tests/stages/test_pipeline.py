"""The pipeline end to end on a real store: SQLite always, PostgreSQL when EDIGATE_TEST_PG_URL is set."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from edigate.stages.pipeline import STAGES, Pipeline, run_workers
from edigate.store import AckStatus, DocumentKind, DocumentStatus, Status, Store
from edigate.x12.tokenizer import tokenize

from tests.support.paths import REPO

SAMPLES = REPO / "samples" / "x12"


def test_each_sample_runs_every_stage(pipeline: Pipeline, tmp_path: Path) -> None:
    for name, partner in (("bigbox-850-4010.x12", "bigbox"), ("distrib-850-5010.x12", "distrib"),
                          ("dropship-850-4010.x12", "dropship")):
        tx = pipeline.ingest(SAMPLES / name, partner)
        assert tx.status is Status.DONE, pipeline.store.errors(tx.id)
        assert [s.stage for s in pipeline.store.stages(tx.id)] == list(STAGES)
        outputs = pipeline.store.outbounds(tx.id)
        assert {o.set_id for o in outputs} in ({"997", "855"}, {"999", "855"})
        for o in outputs:
            data = pipeline.archive.get(o.sha256)
            assert next(tokenize(data)).id == "ISA"
    orders = pipeline.store.documents(kind="order")  # type: ignore[arg-type]
    assert sorted(d.key for d in orders) == ["4500012345:original", "4500012346:original", "DP-778812:original",
                                             "MKT-99018832:original"]
    assert {d.status for d in orders} == {DocumentStatus.ACCEPTED}
    assert len(list((tmp_path / "demo" / "erp" / "orders").glob("bigbox-4500012345-original-*.json"))) == 1


def test_same_bytes_again_is_a_duplicate_that_creates_nothing(pipeline: Pipeline) -> None:
    first = pipeline.ingest(SAMPLES / "bigbox-850-4010.x12", "bigbox")
    again = pipeline.ingest(SAMPLES / "bigbox-850-4010.x12", "bigbox")
    assert again.status is Status.DUPLICATE and again.parent_id == first.id
    assert pipeline.store.outbounds(again.id) == [] and pipeline.store.stages(again.id) == []


def test_same_isa13_with_other_bytes_is_rejected_with_ta1_025(pipeline: Pipeline, tmp_path: Path) -> None:
    pipeline.ingest(SAMPLES / "bigbox-850-4010.x12", "bigbox")
    resent = tmp_path / "resent.x12"
    resent.write_bytes((SAMPLES / "bigbox-850-4010.x12").read_bytes().replace(b"*0930*", b"*0931*"))
    tx = pipeline.ingest(resent, "bigbox")
    assert tx.status is Status.DUPLICATE
    [entry] = [e for e in pipeline.store.errors(tx.id) if e.code == "025"]
    assert entry.stage == "envelope" and "already received" in entry.message


def test_same_po_in_a_new_interchange_is_a_duplicate_order(pipeline: Pipeline, tmp_path: Path) -> None:
    pipeline.ingest(SAMPLES / "bigbox-850-4010.x12", "bigbox")
    again = tmp_path / "again.x12"
    again.write_bytes((SAMPLES / "bigbox-850-4010.x12").read_bytes().replace(b"000000101", b"000000102"))
    tx = pipeline.ingest(again, "bigbox")
    assert tx.status is Status.DONE
    assert [e.code for e in pipeline.store.errors(tx.id)] == ["order.duplicate", "order.duplicate"]
    assert pipeline.store.documents(transmission_id=tx.id) == []


def test_a_rule_finding_holds_the_transmission(pipeline: Pipeline, tmp_path: Path) -> None:
    held = tmp_path / "held.x12"
    held.write_bytes((SAMPLES / "bigbox-850-4010.x12").read_bytes().replace(b"PO1*1*24*", b"PO1*1*25*"))
    tx = pipeline.ingest(held, "bigbox")
    assert tx.status is Status.HELD
    assert [e.code for e in pipeline.store.errors(tx.id)] == ["rule.qty.pack"]
    statuses = sorted(d.status.value for d in pipeline.store.documents(transmission_id=tx.id))
    assert statuses == ["accepted", "held"]
    assert sorted(o.set_id for o in pipeline.store.outbounds(tx.id)) == ["855", "997"]


def test_a_structurally_bad_order_is_rejected_in_the_997_and_not_translated(pipeline: Pipeline,
                                                                            tmp_path: Path) -> None:
    bad = tmp_path / "bad.x12"
    bad.write_bytes((SAMPLES / "bigbox-850-4010.x12").read_bytes().replace(b"BEG*00*SA*4500012346", b"BEG*00*SA*"))
    tx = pipeline.ingest(bad, "bigbox")
    assert [d.key for d in pipeline.store.documents(transmission_id=tx.id)] == ["4500012345:original"]
    [ack] = [o for o in pipeline.store.outbounds(tx.id) if o.set_id == "997"]
    ak = [(s.id, s.elements) for s in tokenize(pipeline.archive.get(ack.sha256)) if s.id in ("AK5", "AK9")]
    assert ak == [("AK5", ("A",)), ("AK5", ("R", "5")), ("AK9", ("P", "2", "2", "1"))]


def test_unreadable_file_fails_at_envelope_with_one_log_line(pipeline: Pipeline, tmp_path: Path) -> None:
    junk = tmp_path / "junk.x12"
    junk.write_bytes(b"hello, not X12")
    tx = pipeline.ingest(junk, "bigbox")
    assert (tx.status, tx.stage) == (Status.FAILED, "envelope")
    [entry] = pipeline.store.errors(tx.id)
    assert entry.code == "x12.not_x12" and "does not start with an ISA" in entry.message


def test_reprocess_supersedes_nothing_and_keeps_history(pipeline: Pipeline, tmp_path: Path) -> None:
    junk = tmp_path / "junk.x12"
    junk.write_bytes(b"hello, not X12")
    tx = pipeline.ingest(junk, "bigbox")
    again = pipeline.process(pipeline.store.reprocess(tx.id, actor="test", note="retry"))
    assert again.parent_id == tx.id and again.attempt == 2 and again.status is Status.FAILED
    assert [t.id for t in pipeline.store.history(again.id)] == [tx.id, again.id]


def test_run_once_polls_the_folder_channel_processes_and_sends(pipeline: Pipeline, tmp_path: Path) -> None:
    inbox = tmp_path / "demo" / "bigbox" / "in"
    inbox.mkdir(parents=True)
    (inbox / "po1.edi").write_bytes((SAMPLES / "bigbox-850-4010.x12").read_bytes())
    (inbox / "po2.edi.part").write_bytes(b"still being written")
    result = pipeline.run_once()
    [tx] = result.processed
    assert any(p.startswith("distrib: distrib:in: cannot list") for p in result.channel_problems)
    assert (tx.partner, tx.channel, tx.file_name, tx.status) == ("bigbox", "folder", "po1.edi", Status.DONE)
    assert sorted(p.name for p in inbox.iterdir()) == ["po2.edi.part"]
    assert (tmp_path / "demo" / "bigbox" / "done" / "po1.edi").is_file()
    sent = sorted(p.name for p in (tmp_path / "demo" / "bigbox" / "out").iterdir())
    assert [n.split("-")[0] for n in sent] == ["855", "855", "997"]
    assert all(o.sent_at is not None for o in pipeline.store.outbounds(tx.id))
    assert pipeline.run_once().processed == ()


def test_a_file_fetched_again_after_a_crash_is_caught_as_duplicate(pipeline: Pipeline, tmp_path: Path) -> None:
    inbox = tmp_path / "demo" / "bigbox" / "in"
    inbox.mkdir(parents=True)
    (inbox / "po1.edi").write_bytes((SAMPLES / "bigbox-850-4010.x12").read_bytes())
    first = pipeline.receive("bigbox", "folder", "po1.edi", (inbox / "po1.edi").read_bytes())  # crash before done
    [again] = pipeline.poll("bigbox")
    assert again.status is Status.DUPLICATE and again.parent_id == first.id
    assert [t.status for t in pipeline.run_once().processed] == [Status.DONE]


def _inbox(root: Path, count: int) -> Path:
    """``count`` bigbox files in the partner's inbound folder, each its own ISA13 and POs."""
    inbox = root / "demo" / "bigbox" / "in"
    inbox.mkdir(parents=True)
    sample = (SAMPLES / "bigbox-850-4010.x12").read_bytes()
    for n in range(1, count + 1):
        data = sample.replace(b"000000101", b"%09d" % (500 + n)).replace(b"*4500012345*", b"*47%08d*" % n)
        (inbox / f"po{n}.edi").write_bytes(data.replace(b"*4500012346*", b"*48%08d*" % n))
    return inbox


def test_several_workers_process_each_file_once(pipeline: Pipeline, tmp_path: Path, url: str) -> None:
    _inbox(tmp_path, 6)
    assert len(pipeline.poll("bigbox")) == 6

    def open_pipeline() -> Pipeline:
        return Pipeline(pipeline.workspace, Store.open(url), pipeline.archive, pipeline.partners,
                        today=pipeline.today, channel_types=("folder",))

    result = run_workers(open_pipeline, 2)
    assert result.failures == () and len(result.processed) == 6
    txs = pipeline.store.transmissions()
    assert sorted(t.id for t in txs) == list(result.processed) and {t.status for t in txs} == {Status.DONE}
    outputs = [o for t in txs for o in pipeline.store.outbounds(t.id)]
    assert sorted(o.set_id for o in outputs) == ["855"] * 12 + ["997"] * 6
    assert len({o.isa13 for o in outputs}) == 18
    assert len(pipeline.store.documents(kind=DocumentKind.ORDER)) == 12


@pytest.mark.slow
def test_cli_run_once_with_two_workers(tmp_path: Path) -> None:
    (tmp_path / "partners").mkdir()
    shutil.copy(REPO / "partners" / "bigbox.yaml", tmp_path / "partners")
    (tmp_path / "samples").symlink_to(REPO / "samples")
    (tmp_path / "edigate.yaml").write_text(f"maps_dir: {REPO / 'maps'}\n")
    _inbox(tmp_path, 4)
    proc = subprocess.run([sys.executable, "-m", "edigate.cli.main", "run", "--once", "--workers", "2"], cwd=tmp_path,
                          capture_output=True, text=True, env={**os.environ, "PYTHONPATH": str(REPO)}, timeout=120)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    rows = [line.split() for line in proc.stdout.splitlines()[1:]]
    assert sorted(r[0] for r in rows) == ["1", "2", "3", "4"] and {r[4] for r in rows} == {"done"}
    assert len(list((tmp_path / "demo" / "bigbox" / "out").iterdir())) == 12


def test_many_decided_orders_share_bulk_855_interchanges(pipeline: Pipeline) -> None:
    pipeline.bulk_855 = 2
    tx = pipeline.ingest(SAMPLES / "bigbox-850-4010.x12", "bigbox")
    [bulk] = [o for o in pipeline.store.outbounds(tx.id) if o.set_id == "855"]
    assert bulk.key == f"855:{tx.id}:bulk:1" and bulk.document_id is None
    segments = list(tokenize(pipeline.archive.get(bulk.sha256)))
    assert [s.elements[2] for s in segments if s.id == "BAK"] == ["4500012345", "4500012346"]
    assert [s.elements[1] for s in segments if s.id == "ST"] == [bulk.st02, f"{int(bulk.st02) + 1:04d}"]
    orders = pipeline.store.documents(transmission_id=tx.id, kind=DocumentKind.ORDER)
    assert [(x.st02, x.document_id) for x in pipeline.store.outbound_sets(outbound_id=bulk.id)] == [
        (bulk.st02, orders[0].id), (f"{int(bulk.st02) + 1:04d}", orders[1].id)]


def test_a_997_rejecting_one_set_of_a_bulk_855_names_that_order(pipeline: Pipeline, tmp_path: Path) -> None:
    pipeline.bulk_855 = 2
    tx = pipeline.ingest(SAMPLES / "bigbox-850-4010.x12", "bigbox")
    [bulk] = [o for o in pipeline.store.outbounds(tx.id) if o.set_id == "855"]
    second = f"{int(bulk.st02) + 1:04d}"
    ack = ("ISA*00*          *00*          *ZZ*BIGBOXRETAIL   *ZZ*EDIGATE        *261127*0800*U*00401*000000901*0*P*>~"
           "GS*FA*BIGBOX*EDIGATE*20261127*0800*901*X*004010~ST*997*0001~"
           f"AK1*PR*{bulk.gs06}~AK2*855*{bulk.st02}~AK5*A~AK2*855*{second}~AK3*BAK*2**8~AK5*R*5~"
           "AK9*P*2*2*1~SE*9*0001~GE*1*901~IEA*1*000000901~")
    path = tmp_path / "997.x12"
    path.write_text(ack)
    got = pipeline.ingest(path, "bigbox")
    [partial] = [o for o in pipeline.store.outbounds(tx.id) if o.id == bulk.id]
    assert partial.ack_status is AckStatus.PARTIAL and partial.ack_result.startswith(f"ST02 {second}: ")
    orders = pipeline.store.documents(transmission_id=tx.id, kind=DocumentKind.ORDER)
    sets = {x.document_id: x.ack_status for x in pipeline.store.outbound_sets(document_ids=[d.id for d in orders])}
    assert sets == {orders[0].id: AckStatus.ACCEPTED, orders[1].id: AckStatus.REJECTED}
    [entry] = pipeline.store.errors(got.id)
    assert entry.code == "ack.rejected" and f"ST02 {second}" in entry.message


def test_a_received_997_is_reconciled_with_what_we_sent(pipeline: Pipeline, tmp_path: Path) -> None:
    tx = pipeline.ingest(SAMPLES / "bigbox-850-4010.x12", "bigbox")
    [po_ack, *_] = [o for o in pipeline.store.outbounds(tx.id) if o.set_id == "855"]
    ack = ("ISA*00*          *00*          *ZZ*BIGBOXRETAIL   *ZZ*EDIGATE        *261127*0800*U*00401*000000900*0*P*>~"
           "GS*FA*BIGBOX*EDIGATE*20261127*0800*900*X*004010~ST*997*0001~"
           f"AK1*PR*{po_ack.gs06}~AK2*855*{po_ack.st02}~AK5*R*5~AK9*R*1*1*0~SE*6*0001~GE*1*900~IEA*1*000000900~")
    path = tmp_path / "997.x12"
    path.write_text(ack)
    got = pipeline.ingest(path, "bigbox")
    assert got.status is Status.DONE
    [rejected] = [o for o in pipeline.store.outbounds(tx.id) if o.id == po_ack.id]
    assert rejected.ack_status.value == "rejected" and rejected.ack_transmission_id == got.id
    assert [e.code for e in pipeline.store.errors(got.id)] == ["ack.rejected"]


def _855_sets(pipeline: Pipeline, tx_id: int) -> list[list[str]]:
    """Each 855 sent for the transmission, ST to SE (the envelope's date and numbers aside)."""
    texts = []
    for out in pipeline.store.outbounds(tx_id):
        if out.set_id == "855":
            segments = list(tokenize(pipeline.archive.get(out.sha256)))
            texts.append([repr((s.id, s.elements)) for s in segments if s.id not in ("ISA", "GS", "GE", "IEA")])
    return texts


def test_the_outbound_stage_sends_the_855_the_rules_stage_kept(pipeline: Pipeline,
                                                                monkeypatch: pytest.MonkeyPatch) -> None:
    from edigate.config.partner_setup import PartnerSetup

    pipeline.bulk_855 = 2  # bodies are kept for bulk 855s; a few orders are decided again instead
    decided: list[int | None] = []
    decide = PartnerSetup.decide
    monkeypatch.setattr(PartnerSetup, "decide", lambda self, order, document_id=None: (
        decided.append(document_id), decide(self, order, document_id=document_id))[1])
    tx = pipeline.ingest(SAMPLES / "bigbox-850-4010.x12", "bigbox")
    orders = pipeline.store.documents(transmission_id=tx.id, kind=DocumentKind.ORDER)
    assert sorted(decided) == sorted(d.id for d in orders)  # once each, in the rules stage
    assert all(d.ack_body and d.ack_body.startswith('[["BAK"') for d in orders)
    [bulk] = _855_sets(pipeline, tx.id)
    assert sum(1 for s in bulk if s.startswith("('ST'")) == 2


def test_an_order_without_a_kept_855_is_decided_again_to_the_same_855(pipeline: Pipeline, tmp_path: Path,
                                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    pipeline.bulk_855 = 2
    kept = pipeline.ingest(SAMPLES / "bigbox-850-4010.x12", "bigbox")
    monkeypatch.setattr("edigate.stages.decide.render_855", lambda flow, ack: None)
    with Store.open(f"sqlite:///{tmp_path / 'other.db'}") as store:
        other = Pipeline(pipeline.workspace, store, pipeline.archive, pipeline.partners, today=pipeline.today,
                         channel_types=("folder",), bulk_855=2)
        again = other.ingest(SAMPLES / "bigbox-850-4010.x12", "bigbox")
        assert again.status is Status.DONE
        assert all(d.ack_body is None for d in store.documents(transmission_id=again.id))
        assert _855_sets(other, again.id) == _855_sets(pipeline, kept.id)


def test_a_small_transmission_keeps_no_855_bodies_and_decides_again(pipeline: Pipeline) -> None:
    tx = pipeline.ingest(SAMPLES / "bigbox-850-4010.x12", "bigbox")
    orders = pipeline.store.documents(transmission_id=tx.id, kind=DocumentKind.ORDER)
    assert [d.ack_body for d in orders] == [None, None]
    assert len(_855_sets(pipeline, tx.id)) == 2


def test_a_rule_finding_names_its_order_line_item_and_segment(pipeline: Pipeline, tmp_path: Path) -> None:
    """Two orders in one file: the finding says which one, which line and where it stands."""
    text = (SAMPLES / "bigbox-850-4010.x12").read_text().replace("PO1*2*60*EA*15.00", "PO1*2*60*EA*16.00")
    path = tmp_path / "price.x12"
    path.write_text(text.replace("AMT*TT*1854.00", "AMT*TT*1914.00"))
    tx = pipeline.ingest(path, "bigbox")
    [entry] = [e for e in pipeline.store.errors(tx.id) if e.stage == "rules"]
    assert (entry.code, entry.po_number, entry.isa13, entry.gs06, entry.st02, entry.line_number) == (
        "rule.price.mismatch", "4500012346", "000000101", "1001", "0002", "2")
    assert (entry.sku, entry.buyer_item, entry.segment_id, entry.segment_position) == ("ACM-4520", "30232", "PO1", 17)
    segments = [s for s in tokenize(path.read_bytes())]
    second_st = next(i for i, s in enumerate(segments) if s.id == "ST" and s.get(2) == "0002")
    assert segments[second_st + 17 - 1].get(1) == "2"  # position 17 of set 0002 is its PO1*2
