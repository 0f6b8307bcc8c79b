"""Every file accounted for: the partner known from the envelope, every failure recorded and
failed (never left processing), the partner always answered, duplicates that say what they
repeat. On a real store: SQLite always, PostgreSQL when EDIGATE_TEST_PG_URL is set."""

from __future__ import annotations

import datetime as dt
import shutil
from pathlib import Path

import pytest

from edigate.gateway.alerts import NOT_THEIRS, run_alert_checks
from edigate.store.archive import Archive
from edigate.stages.identify import UNKNOWN_PARTNER
from edigate.config.partners import load_partners
from edigate.stages.pipeline import Pipeline
from edigate.orders.decision import Decision
from edigate.model import Order
from edigate.store import DocumentKind, DocumentStatus, Severity, Status, Store
from edigate.config.workspace import Workspace
from edigate.x12.tokenizer import tokenize

from tests.support.paths import REPO

SAMPLES = REPO / "samples" / "x12"
BIGBOX = (SAMPLES / "bigbox-850-4010.x12").read_bytes()


@pytest.fixture
def root(tmp_path: Path) -> Path:
    """A workspace of its own: partners and maps copied, so a test may break and fix them."""
    shutil.copytree(REPO / "partners", tmp_path / "partners")
    shutil.copytree(REPO / "maps", tmp_path / "maps")
    (tmp_path / "samples").symlink_to(REPO / "samples")
    return tmp_path


@pytest.fixture
def example_workspace(root: Path) -> Workspace:
    """The conftest's ``pipeline`` runs on this module's own copy of partners and maps."""
    return Workspace(root=root)


def _pipeline(store: Store, root: Path, **settings: object) -> Pipeline:
    """The workspace's pipeline as the CLI opens it: partners read afresh."""
    workspace = Workspace(root=root, **settings)  # type: ignore[arg-type]
    return Pipeline(workspace, store, Archive(root / "archive"), load_partners(root / "partners"),
                    today=dt.date(2026, 11, 26), channel_types=("folder",))


def _file(root: Path, name: str, data: bytes) -> Path:
    path = root / name
    path.write_bytes(data)
    return path


def _sent(root: Path, partner: str = "bigbox") -> list[str]:
    out = root / "demo" / partner / "out"
    return sorted(p.name.split("-")[0] for p in out.iterdir()) if out.is_dir() else []


def _ak5(pipeline: Pipeline, tx_id: int) -> list[tuple[str, ...]]:
    [ack] = [o for o in pipeline.store.outbounds(tx_id) if o.set_id in ("997", "999")]
    return [s.elements for s in tokenize(pipeline.archive.get(ack.sha256)) if s.id == "AK5"]


# -- the partner from the envelope ----------------------------------------------------------


def test_a_good_file_finds_its_partner_without_being_told(pipeline: Pipeline, root: Path) -> None:
    tx = pipeline.ingest(SAMPLES / "dropship-850-4010.x12")
    assert (tx.partner, tx.status) == ("dropship", Status.DONE)
    assert _sent(root, "dropship") == [] and {o.set_id for o in pipeline.store.outbounds(tx.id)} == {"997", "855"}
    told = pipeline.ingest(_file(root, "bb.x12", BIGBOX), "bigbox")
    assert (told.partner, told.status) == ("bigbox", Status.DONE) and _sent(root) == ["855", "855", "997"]


def test_another_partners_file_is_failed_unanswered_and_reserves_nothing(pipeline: Pipeline, root: Path) -> None:
    tx = pipeline.ingest(_file(root, "bb.x12", BIGBOX), "dropship")
    assert (tx.partner, tx.status, tx.stage) == ("dropship", Status.FAILED, "envelope")
    errors = pipeline.store.errors(tx.id)
    assert [(e.code, e.segment_id, e.element_position, e.value) for e in errors] == [
        ("envelope.partner_mismatch", "ISA", 6, "BIGBOXRETAIL"), ("envelope.partner_mismatch", "GS", 2, "BIGBOX")]
    assert all(e.isa13 == "000000101" for e in errors)
    assert pipeline.store.outbounds(tx.id) == [] and pipeline.store.documents(transmission_id=tx.id) == []
    assert _sent(root, "dropship") == [] and _sent(root) == []
    assert not (root / "demo" / "erp").exists()
    mine = pipeline.ingest(_file(root, "bb-again.x12", BIGBOX.replace(b"*0930*", b"*0931*")))
    assert (mine.partner, mine.status) == ("bigbox", Status.DONE)  # ISA13 101 was never taken for dropship
    [alert] = [a for a in run_alert_checks(pipeline.store, pipeline.workspace, dt.datetime.now(dt.UTC))
               if a.code == NOT_THEIRS]
    assert alert.transmission_id == tx.id and "envelope.partner_mismatch" in alert.message


def test_an_unknown_sender_is_recorded_failed_then_processed_once_configured(pipeline: Pipeline, store: Store,
                                                                             root: Path) -> None:
    stranger = BIGBOX.replace(b"BIGBOXRETAIL", b"NEWRETAILER1").replace(b"GS*PO*BIGBOX*", b"GS*PO*NEWRET*")
    tx = pipeline.ingest(_file(root, "new.x12", stranger))
    assert (tx.partner, tx.status, tx.stage) == (UNKNOWN_PARTNER, Status.FAILED, "envelope")
    [entry] = pipeline.store.errors(tx.id)
    assert (entry.code, entry.value, entry.isa13) == ("envelope.unknown_partner", "NEWRETAILER1", "000000101")
    assert pipeline.store.transmissions(status=Status.FAILED) == [pipeline.store.transmission(tx.id)]
    assert pipeline.archive.get(tx.sha256) == stranger
    text = (root / "partners" / "bigbox.yaml").read_text().replace("BIGBOXRETAIL", "NEWRETAILER1")
    (root / "partners" / "newret.yaml").write_text(
        text.replace("id: bigbox", "id: newret").replace("gs_id: BIGBOX}", "gs_id: NEWRET}"))
    (root / "partners" / "bigbox.yaml").unlink()
    again = _pipeline(store, root)
    done = again.process(again.store.reprocess(tx.id, actor="test"))
    assert (done.partner, done.status) == ("newret", Status.DONE), again.store.errors(done.id)


def test_a_test_file_for_a_production_partner_is_failed(pipeline: Pipeline, root: Path) -> None:
    tx = pipeline.ingest(_file(root, "t.x12", BIGBOX.replace(b"*0*P*>", b"*0*T*>")))
    assert (tx.status, tx.stage) == (Status.FAILED, "envelope")
    assert [(e.code, e.value) for e in pipeline.store.errors(tx.id)] == [("envelope.usage", "T")]
    assert pipeline.store.outbounds(tx.id) == []


def test_a_shared_inbox_routes_each_file_by_its_envelope(store: Store, root: Path) -> None:
    pipeline = _pipeline(store, root, inboxes={"van": _folder("van")})
    inbox = root / "van"
    inbox.mkdir()
    (inbox / "a.edi").write_bytes(BIGBOX)
    (inbox / "b.edi").write_bytes((SAMPLES / "dropship-850-4010.x12").read_bytes())
    (inbox / "c.edi").write_bytes(BIGBOX.replace(b"BIGBOXRETAIL", b"NOBODY"))
    assert "inbox:van" in pipeline.sources()
    got = pipeline.poll("inbox:van")
    assert got is not None and sorted(t.partner for t in got) == [UNKNOWN_PARTNER, "bigbox", "dropship"]
    assert [p.name for p in inbox.iterdir()] == ["archive"]  # the folder channel keeps what it took
    done = {t.partner: t.status for t in pipeline.work()}
    assert done == {"bigbox": Status.DONE, "dropship": Status.DONE, UNKNOWN_PARTNER: Status.FAILED}


def _folder(path: str) -> object:
    from edigate.config.channels import FolderChannel

    return FolderChannel(path=(path,), glob="*.edi")


# -- one outcome rule ------------------------------------------------------------------------


def test_an_unknown_item_fails_the_transmission_naming_the_set(pipeline: Pipeline, root: Path) -> None:
    tx = pipeline.ingest(_file(root, "item.x12", BIGBOX.replace(b"IN*30012", b"IN*99999")))
    assert (tx.status, tx.stage) == (Status.FAILED, "map")
    errors = [e for e in pipeline.store.errors(tx.id) if e.severity is Severity.ERROR]
    assert [(e.code, e.isa13, e.gs06, e.st02) for e in errors] == [
        ("map.xref", "000000101", "1001", "0001"), ("order.not_stored", "000000101", "1001", "0001")]
    assert _ak5(pipeline, tx.id) == [("A",), ("A",)]  # the policy: the 997 accepted; the 855 waits
    assert [d.key for d in pipeline.store.documents(transmission_id=tx.id)] == ["4500012346:original"]
    assert _sent(root) == ["855", "997"]
    assert pipeline.store.transmissions(status=Status.FAILED)[0].id == tx.id


def test_a_misspelt_rule_setting_fails_with_the_reason_then_a_fix_and_reprocess_works(
        pipeline: Pipeline, store: Store, root: Path) -> None:
    partner_file = root / "partners" / "bigbox.yaml"
    partner_file.write_text(partner_file.read_text().replace("tolerance_percent", "tolerence_percent"))
    tx = _pipeline(store, root).ingest(_file(root, "po.x12", BIGBOX))
    assert (tx.status, tx.stage, tx.claimed_by) == (Status.FAILED, "validate", None)
    [entry] = store.errors(tx.id)
    assert entry.code == "config" and "tolerence_percent" in entry.message and "bigbox.yaml:" in entry.message
    assert [(s.stage, s.outcome.value) for s in store.stages(tx.id)] == [("envelope", "ok"), ("validate", "failed"),
                                                                       ("send", "ok")]
    partner_file.write_text(partner_file.read_text().replace("tolerence_percent", "tolerance_percent"))
    fixed = _pipeline(store, root)
    again = fixed.ingest(root / "po.x12")
    assert (again.status, again.parent_id) == (Status.DUPLICATE, tx.id)
    [said] = store.errors(again.id)
    assert said.code == "tx.duplicate" and f"transmission {tx.id} (failed)" in said.message
    assert said.hint == f"to run it again after a fix: edigate tx reprocess {tx.id}"
    done = fixed.process(store.reprocess(tx.id, actor="test"))
    assert done.status is Status.DONE and len(store.documents(transmission_id=done.id)) == 2
    third = fixed.ingest(root / "po.x12")
    assert f"reprocessed as {done.id} (done)" in store.errors(third.id)[0].message


def test_an_unexpected_exception_in_a_stage_is_recorded_and_the_acks_still_go(
        store: Store, root: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    def on_fire(*_args: object) -> None:
        raise RuntimeError("the disk is on fire")

    p = _pipeline(store, root)
    with monkeypatch.context() as broken:
        broken.setattr("edigate.stages.route.Routing.deliveries", on_fire)
        tx = p.ingest(_file(root, "po.x12", BIGBOX))
    assert (tx.status, tx.stage, tx.claimed_by) == (Status.FAILED, "route", None)
    [entry] = store.errors(tx.id)
    assert (entry.stage, entry.code) == ("route", "internal") and "RuntimeError: the disk is on fire" in entry.message
    assert _sent(root) == ["997"]  # answered; the 855s wait for the reprocess
    done = p.process(store.reprocess(tx.id, actor="test"))
    assert done.status is Status.DONE and _sent(root) == ["855", "855", "997"]  # one 997 per interchange
    assert store.transmission(tx.id).status is Status.SUPERSEDED


def test_an_order_the_rules_cannot_decide_is_held_back_named_and_decided_on_reprocess(
        pipeline: Pipeline, root: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from edigate.errors import DataError
    from edigate.config.partner_setup import PartnerSetup

    decide = PartnerSetup.decide

    def failing(self: PartnerSetup, order: Order, *, document_id: int | None = None) -> Decision:
        if order.po_number == "4500012345":
            raise DataError("the price list cannot be read")
        return decide(self, order, document_id=document_id)

    monkeypatch.setattr(PartnerSetup, "decide", failing)
    tx = pipeline.ingest(_file(root, "po.x12", BIGBOX))
    assert (tx.status, tx.stage) == (Status.FAILED, "rules")
    [entry] = pipeline.store.errors(tx.id)
    assert (entry.code, entry.st02, entry.gs06) == ("order.undecided", "0001", "1001")
    assert entry.message == "PO 4500012345: the price list cannot be read"
    statuses = {d.key: d.status for d in pipeline.store.documents(transmission_id=tx.id)}
    assert statuses == {"4500012345:original": DocumentStatus.HELD, "4500012346:original": DocumentStatus.ACCEPTED}
    assert [p.name.split("-")[1] for p in (root / "demo" / "erp" / "orders").iterdir()] == ["4500012346"]
    assert _sent(root) == ["855", "997"]
    monkeypatch.setattr(PartnerSetup, "decide", decide)
    done = pipeline.process(pipeline.store.reprocess(tx.id, actor="test"))
    assert done.status is Status.DONE
    assert {d.status for d in pipeline.store.documents(transmission_id=done.id)} == {DocumentStatus.ACCEPTED}
    assert _sent(root) == ["855", "855", "997"]  # the other order's 855 is not sent twice, nor the 997
    assert sorted(p.name.split("-")[1] for p in (root / "demo" / "erp" / "orders").iterdir()) == [
        "4500012345", "4500012346"]


def test_work_stopped_by_hand_is_given_back_to_wait_for_the_next_worker(
        store: Store, root: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    def interrupt(*_args: object) -> None:
        raise KeyboardInterrupt

    p = _pipeline(store, root)
    with monkeypatch.context() as stopped, pytest.raises(KeyboardInterrupt):
        stopped.setattr("edigate.stages.decide._decided", interrupt)
        p.ingest(_file(root, "po.x12", BIGBOX))
    [tx] = store.transmissions()
    assert (tx.status, tx.claimed_by) == (Status.RECEIVED, None)
    [done] = p.work()
    assert done.status is Status.DONE and [s.stage for s in store.stages(tx.id)].count("map") == 1


def test_a_broken_set_is_rejected_and_the_rejection_is_sent(pipeline: Pipeline, root: Path) -> None:
    both = BIGBOX.replace(b"BEG*00*SA*4500012345", b"BEG*00*SA*").replace(b"BEG*00*SA*4500012346", b"BEG*00*SA*")
    tx = pipeline.ingest(_file(root, "broken.x12", both))
    assert tx.status is Status.DONE  # each set rejected and answered as rejected
    assert _ak5(pipeline, tx.id) == [("R", "5"), ("R", "5")]
    assert _sent(root) == ["997"] and pipeline.store.documents(transmission_id=tx.id) == []
    assert {stage for stage, _ in pipeline.store.error_codes(tx.id)} == {"validate"}


def test_a_rejected_set_nobody_is_told_of_fails(store: Store, root: Path) -> None:
    partner_file = root / "partners" / "bigbox.yaml"
    partner_file.write_text(partner_file.read_text().replace('functional: "997"', 'functional: "none"'))
    pipeline = _pipeline(store, root)
    tx = pipeline.ingest(_file(root, "broken.x12", BIGBOX.replace(b"BEG*00*SA*4500012345", b"BEG*00*SA*")))
    assert (tx.status, tx.stage) == (Status.FAILED, "validate")
    assert store.errors(tx.id)[-1].code == "ack.unanswered"


# -- duplicates and resends -------------------------------------------------------------------


def test_a_resent_isa13_names_the_transmission_it_repeats(pipeline: Pipeline, root: Path) -> None:
    first = pipeline.ingest(_file(root, "a.x12", BIGBOX))
    again = pipeline.ingest(_file(root, "b.x12", BIGBOX.replace(b"*0930*", b"*0931*")))
    assert (again.status, again.parent_id) == (Status.DUPLICATE, first.id)
    [entry] = [e for e in pipeline.store.errors(again.id) if e.code == "025"]
    assert f"transmission {first.id} (done)" in entry.message and "edigate tx reprocess" in entry.hint
    [answer] = pipeline.store.outbounds(again.id)  # the partner is told: TA1 025, and no 997
    ta1 = [s.elements for s in tokenize(pipeline.archive.get(answer.sha256)) if s.id == "TA1"]
    assert ta1 == [("000000101", "261118", "0931", "R", "025")] and answer.sent_at is not None
    assert pipeline.store.documents(transmission_id=again.id) == []


def test_a_corrected_resend_of_a_rejected_interchange_is_processed(pipeline: Pipeline, root: Path) -> None:
    broken = BIGBOX.replace(b"SE*33*0001", b"SE*34*0001").replace(b"SE*22*0002", b"SE*23*0002")
    rejected = pipeline.ingest(_file(root, "broken.x12", broken))
    assert _ak5(pipeline, rejected.id) == [("R", "4"), ("R", "4")]
    fixed = pipeline.ingest(_file(root, "fixed.x12", BIGBOX))
    assert (fixed.status, fixed.isa13) == (Status.DONE, rejected.isa13)
    assert len(pipeline.store.documents(transmission_id=fixed.id, kind=DocumentKind.ORDER)) == 2


def test_an_interchange_our_ta1_rejects_is_not_taken_and_its_resend_is(pipeline: Pipeline, root: Path) -> None:
    rejected = pipeline.ingest(_file(root, "bad-iea.x12", BIGBOX.replace(b"IEA*1*000000101", b"IEA*1*000000999")))
    [answer] = pipeline.store.outbounds(rejected.id)
    ta1 = [s.elements for s in tokenize(pipeline.archive.get(answer.sha256)) if s.id == "TA1"]
    assert ta1 == [("000000101", "261118", "0930", "R", "001")] and answer.sent_at is not None
    assert pipeline.store.documents(transmission_id=rejected.id) == []
    fixed = pipeline.ingest(_file(root, "fixed.x12", BIGBOX))
    assert fixed.status is Status.DONE and len(pipeline.store.documents(transmission_id=fixed.id)) == 2


def test_reserve_rejected_keeps_the_strict_behaviour(store: Store, root: Path) -> None:
    partner_file = root / "partners" / "bigbox.yaml"
    partner_file.write_text(partner_file.read_text().replace("action: reject_ta1_025",
                                                             "action: reject_ta1_025\n  reserve_rejected: true"))
    pipeline = _pipeline(store, root)
    broken = BIGBOX.replace(b"SE*33*0001", b"SE*34*0001").replace(b"SE*22*0002", b"SE*23*0002")
    rejected = pipeline.ingest(_file(root, "broken.x12", broken))
    fixed = pipeline.ingest(_file(root, "fixed.x12", BIGBOX))
    assert (fixed.status, fixed.parent_id) == (Status.DUPLICATE, rejected.id)
