"""The scheduled gateway against a real sshd: files in, 997s back, and the network's bad days.

Each fault ends with every file received exactly once (one transmission per file, every
file moved to the remote archive) and its answers uploaded once.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from edigate.stages.pipeline import Pipeline
from edigate.gateway.scheduler import Gateway
from edigate.store import EventKind, Status, Transmission
from edigate.transport import Backoff
from tests.support.gateway import make_workspace, open_pipeline, po_file, sftp_channel_yaml
from tests.support.sshd import SshServer


@pytest.fixture
def remote_dirs(tmp_path: Path) -> tuple[Path, Path]:
    inbox, outbox = tmp_path / "remote" / "in", tmp_path / "remote" / "out"
    inbox.mkdir(parents=True)
    outbox.mkdir()
    return inbox, outbox


@pytest.fixture
def pipeline(tmp_path: Path, sshd: SshServer, ssh_keys: Path,
             remote_dirs: tuple[Path, Path]) -> Iterator[Pipeline]:
    inbox, outbox = remote_dirs
    common = dict(port=sshd.port, user=sshd.user, key=ssh_keys / "client", fingerprint=sshd.fingerprint())
    channels = ("  inbound:\n" + sftp_channel_yaml(remote_dir=inbox, **common)  # type: ignore[arg-type]
                + "  outbound:\n" + sftp_channel_yaml(remote_dir=outbox, glob="*", **common))  # type: ignore[arg-type]
    opened = open_pipeline(make_workspace(tmp_path / "ws", channels))
    fast = Backoff(attempts=4, base=0.05, cap=0.3)
    opened.channel_options = dataclasses.replace(opened.channel_options, retry=fast, timeout=5)
    yield opened
    opened.store.close()


@pytest.fixture
def gateway(pipeline: Pipeline) -> Iterator[Gateway]:
    made = Gateway(pipeline, settle_seconds=0.05)
    yield made
    made.stop()


def drop(folder: Path, count: int) -> list[str]:
    for n in range(1, count + 1):
        (folder / f"po{n:04d}.edi").write_bytes(po_file(n))
    return [f"po{n:04d}.edi" for n in range(1, count + 1)]


def _firsts(pipeline: Pipeline) -> list[Transmission]:
    """Each file's transmission; a file fetched again after a blip between recording it and
    marking it done on the server is recorded as a duplicate of it, and nothing more."""
    txs = pipeline.store.transmissions()
    firsts = [t for t in txs if t.status is not Status.DUPLICATE]
    assert all(t.parent_id in {f.id for f in firsts} for t in txs if t.status is Status.DUPLICATE)
    return firsts


def assert_each_received_once(pipeline: Pipeline, names: list[str], inbox: Path) -> None:
    assert sorted(t.file_name for t in _firsts(pipeline)) == names
    assert sorted(p.name for p in (inbox / "archive").iterdir()) == names
    assert [p for p in inbox.iterdir() if p.is_file()] == []


def assert_each_answered_once(pipeline: Pipeline, outbox: Path) -> None:
    expected = sorted(f"{o.set_id}-bigbox-{o.isa13}.x12" for t in pipeline.store.transmissions()
                      for o in pipeline.store.outbounds(t.id))
    assert sorted(p.name for p in outbox.iterdir()) == expected
    assert sum(name.startswith("997-") for name in expected) == len(_firsts(pipeline))
    assert pipeline.store.unsent_outbounds() == []


def test_files_in_and_997s_back(gateway: Gateway, pipeline: Pipeline,
                                remote_dirs: tuple[Path, Path]) -> None:
    inbox, outbox = remote_dirs
    names = drop(inbox, 12)
    assert gateway.poll("bigbox") == 12
    assert gateway.process() == 12
    assert {t.status for t in pipeline.store.transmissions()} == {Status.DONE}
    assert_each_received_once(pipeline, names, inbox)
    assert_each_answered_once(pipeline, outbox)


def test_server_down_then_up(gateway: Gateway, pipeline: Pipeline, sshd: SshServer,
                             remote_dirs: tuple[Path, Path]) -> None:
    inbox, outbox = remote_dirs
    names = drop(inbox, 5)
    sshd.stop()
    assert gateway.poll("bigbox") == 0
    [failed] = pipeline.store.events(kind=EventKind.CHANNEL, code="channel.poll_failed")
    assert "failed after 4 attempt(s)" in failed.message and pipeline.store.transmissions() == []
    sshd.start()
    assert gateway.poll("bigbox") == 5
    gateway.process()
    assert_each_received_once(pipeline, names, inbox)
    assert_each_answered_once(pipeline, outbox)


@pytest.mark.slow
def test_sessions_dropped_again_and_again_during_a_poll(gateway: Gateway, pipeline: Pipeline,
                                                        sshd: SshServer,
                                                        remote_dirs: tuple[Path, Path]) -> None:
    inbox, outbox = remote_dirs
    names = drop(inbox, 30)
    polling = threading.Thread(target=gateway.poll, args=("bigbox",))
    polling.start()
    blips = 0
    while polling.is_alive() and blips < 5:
        if len(pipeline.store.transmissions()) > blips * 5:
            sshd.drop_sessions()  # a network blip in the middle of the poll
            blips += 1
        time.sleep(0.01)
    polling.join(60)
    gateway.poll("bigbox")  # whatever a blip cut short is fetched on the next poll
    assert blips >= 2
    assert_each_received_once(pipeline, names, inbox)
    gateway.process()
    assert_each_answered_once(pipeline, outbox)


def test_answers_wait_for_the_server_and_go_out_once(gateway: Gateway, pipeline: Pipeline,
                                                     sshd: SshServer,
                                                     remote_dirs: tuple[Path, Path]) -> None:
    inbox, outbox = remote_dirs
    names = drop(inbox, 3)
    gateway.poll("bigbox")
    sshd.stop()
    gateway.process()  # the send stage cannot reach the server: the answers stay queued
    assert len(pipeline.store.unsent_outbounds()) == 9
    sshd.start()
    assert gateway.retry_sends(older_than=dt.timedelta(0)) == 9
    assert gateway.retry_sends(older_than=dt.timedelta(0)) == 0
    assert_each_received_once(pipeline, names, inbox)
    assert_each_answered_once(pipeline, outbox)


def test_a_writer_that_pauses_longer_than_the_settle_time_keeps_its_file(gateway: Gateway, pipeline: Pipeline,
                                                                          remote_dirs: tuple[Path, Path]) -> None:
    from tests.support.writer import Writer

    inbox, outbox = remote_dirs
    whole = po_file(1) + po_file(2)
    writer = Writer(inbox / "po0001.edi", whole, [len(po_file(1)) + 500])
    writer.step()  # then a pause far longer than the settle time: the looks agree, the file is cut
    assert gateway.poll("bigbox") == 0 and gateway.poll("bigbox") == 0
    assert (inbox / "po0001.edi").stat().st_size == len(po_file(1)) + 500
    writer.step()
    assert gateway.poll("bigbox") == 1
    gateway.process()
    [tx] = pipeline.store.transmissions()
    assert pipeline.archive.get(tx.sha256) == whole and tx.status is Status.DONE
    assert_each_received_once(pipeline, ["po0001.edi"], inbox)
    names = sorted(p.name for p in outbox.iterdir())
    assert [n.split("-")[0] for n in names] == ["855"] * 4 + ["997"] * 2  # each interchange answered
