"""Small files of one poll run stage by stage in shared transactions (`runner.process_many`):
a file that fails in a shared stage fails alone, with its reason; the others go on."""

from __future__ import annotations

import datetime as dt
import shutil
from pathlib import Path
from typing import Any

import pytest

from edigate.config.partners import load_partners
from edigate.config.workspace import Workspace
from edigate.stages import translate
from edigate.stages.context import Parts, Run
from edigate.stages.pipeline import Pipeline
from edigate.store import Status, Store
from edigate.store.archive import Archive

from tests.support.paths import REPO

SAMPLE = (REPO / "samples" / "x12" / "bigbox-850-4010.x12").read_bytes()


@pytest.fixture
def root(tmp_path: Path) -> Path:
    (tmp_path / "samples").symlink_to(REPO / "samples")
    return tmp_path


def _pipeline(store: Store, root: Path) -> Pipeline:
    workspace = Workspace(root=root, maps_dir=str(REPO / "maps"), partners_dir=str(REPO / "partners"))
    return Pipeline(workspace, store, Archive(root / "archive"), {"bigbox": load_partners(REPO / "partners")["bigbox"]},
                    today=dt.date(2026, 11, 26), channel_types=("folder",))


def _received(pipeline: Pipeline, root: Path, count: int) -> None:
    inbox = root / "demo" / "bigbox" / "in"
    inbox.mkdir(parents=True)
    for n in range(1, count + 1):
        data = SAMPLE.replace(b"000000101", b"%09d" % n).replace(b"*4500012345*", b"*45%08d1*" % n)
        (inbox / f"po{n}.edi").write_bytes(data.replace(b"*4500012346*", b"*45%08d2*" % n))
    pipeline.poll("bigbox")


def test_a_file_failing_in_a_shared_stage_fails_alone_and_the_others_are_done(
        store: Store, root: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    pipeline = _pipeline(store, root)
    _received(pipeline, root, 3)
    save = translate.save_orders

    def breaks_po2(parts: Parts, run: Run, *args: Any, **kwargs: Any) -> Any:
        saved = save(parts, run, *args, **kwargs)  # its orders written, then undone with its savepoint
        if run.tx.file_name == "po2.edi":
            raise RuntimeError("the disk is on fire")
        return saved

    monkeypatch.setattr(translate, "save_orders", breaks_po2)
    done = {t.file_name: t for t in pipeline.work()}
    assert {name: t.status for name, t in done.items()} == {
        "po1.edi": Status.DONE, "po2.edi": Status.FAILED, "po3.edi": Status.DONE}
    failed = done["po2.edi"]
    [entry] = store.errors(failed.id)
    assert (entry.stage, entry.code) == ("map", "internal") and "the disk is on fire" in entry.message
    assert store.documents(transmission_id=failed.id) == []
    assert [(s.stage, s.outcome.value) for s in store.stages(failed.id)] == [
        ("envelope", "ok"), ("validate", "ok"), ("map", "failed"), ("send", "ok")]
    for name in ("po1.edi", "po3.edi"):
        assert len(store.documents(transmission_id=done[name].id)) == 2
        assert [o.set_id for o in store.outbounds(done[name].id)] == ["997", "855", "855"]
    assert [o.set_id for o in store.outbounds(failed.id)] == ["997"]


def test_a_batch_sends_its_outputs_together_and_each_is_stamped(
        store: Store, root: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from edigate.transport.folder import FolderChannel

    batches: list[int] = []
    send_many = FolderChannel.send_many

    def counted(self: FolderChannel, files: Any) -> Any:
        batches.append(len(files))
        return send_many(self, files)

    monkeypatch.setattr(FolderChannel, "send_many", counted)
    pipeline = _pipeline(store, root)
    _received(pipeline, root, 3)
    done = pipeline.work()
    assert {t.status for t in done} == {Status.DONE}
    assert sorted(batches) == [6, 9]  # the batch's ERP payloads in one call, its 997s and 855s in one
    outs = [o for t in done for o in store.outbounds(t.id)]
    assert len(outs) == 9 and all(o.sent_at is not None for o in outs)
    assert sorted(p.name for p in (root / "demo" / "bigbox" / "out").iterdir()) == sorted(
        f"{o.set_id}-bigbox-{o.isa13}.x12" for o in outs)
    assert len(list((root / "demo" / "erp" / "orders").iterdir())) == 6
    for tx in done:
        assert [(s.stage, s.outcome.value) for s in store.stages(tx.id)][-2:] == [("outbound", "ok"), ("send", "ok")]


def test_when_a_batch_send_fails_each_transmission_sends_alone(
        store: Store, root: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from edigate.errors import TransportError
    from edigate.transport.folder import FolderChannel

    def refused(self: FolderChannel, files: object) -> object:
        raise TransportError("the batch was refused")

    monkeypatch.setattr(FolderChannel, "send_many", refused)
    pipeline = _pipeline(store, root)
    _received(pipeline, root, 3)
    done = pipeline.work()
    assert {t.status for t in done} == {Status.DONE}  # the payloads went one by one, as did the outputs
    assert all(o.sent_at is not None for t in done for o in store.outbounds(t.id))
    assert len(list((root / "demo" / "bigbox" / "out").iterdir())) == 9
    assert all(store.errors(t.id) == [] for t in done)


def test_a_transmission_whose_route_raises_in_a_batch_fails_alone(
        store: Store, root: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from edigate.stages import route

    deliveries = route.Routing.deliveries

    def breaks_po2(self: route.Routing, doc: Any, export: Any) -> Any:
        if "45000000021" in doc.body:
            raise RuntimeError("the router is on fire")
        return deliveries(self, doc, export)

    monkeypatch.setattr(route.Routing, "deliveries", breaks_po2)
    pipeline = _pipeline(store, root)
    _received(pipeline, root, 3)
    done = {t.file_name: t for t in pipeline.work()}
    assert {name: t.status for name, t in done.items()} == {
        "po1.edi": Status.DONE, "po2.edi": Status.FAILED, "po3.edi": Status.DONE}
    [entry] = store.errors(done["po2.edi"].id)
    assert (entry.stage, entry.code) == ("route", "internal") and "the router is on fire" in entry.message
    assert len(list((root / "demo" / "erp" / "orders").iterdir())) == 4


def test_a_batch_failing_part_way_on_a_channel_without_whole_resends_sends_no_file_twice(
        store: Store, root: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from edigate.errors import TransportError
    from edigate.transport.folder import FolderChannel

    sent: list[str] = []
    send = FolderChannel.send

    def second_refused_once(self: FolderChannel, name: str, data: bytes) -> Any:
        if name.startswith(("997", "855")) and len(sent) == 1 and "refused" not in sent:
            sent.append("refused")
            raise TransportError("the server hung up")
        got = send(self, name, data)
        if name.startswith(("997", "855")):
            sent.append(name)
        return got

    monkeypatch.setattr(FolderChannel, "batch_resend_harmless", False)  # as on SFTP
    monkeypatch.setattr(FolderChannel, "send", second_refused_once)
    pipeline = _pipeline(store, root)
    _received(pipeline, root, 3)
    done = pipeline.work()
    outs = [o for t in done for o in store.outbounds(t.id)]
    assert "refused" in sent and all(o.sent_at is not None for o in outs)
    names = [n for n in sent if n != "refused"]
    assert sorted(names) == sorted(f"{o.set_id}-bigbox-{o.isa13}.x12" for o in outs)  # each once
