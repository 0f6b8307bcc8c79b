"""The gateway's polls take whole files only, from a folder and from a real sshd, and
``edigate run --once`` does too: writers that grow a file and pause are stepped by the test."""

from __future__ import annotations

import datetime as dt
import os
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from edigate.cli.main import main
from edigate.stages.pipeline import Pipeline
from edigate.gateway.scheduler import Gateway
from edigate.store import Transmission
from tests.support.gateway import make_workspace, open_pipeline, po_file, sftp_channel_yaml
from tests.support.sshd import SshServer
from tests.support.writer import Writer

FOLDER_IN = "  inbound:\n    type: folder\n    path: in\n    glob: \"*.edi\"\n    settle_seconds: 0.5\n"
OUT = "  outbound:\n    type: folder\n    path: out\n"
THREE = po_file(1) + po_file(2) + po_file(3)
MID_SECOND = len(po_file(1)) + 700  # in the middle of the second interchange


@pytest.fixture(params=["folder", "sftp"])
def setup(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[tuple[Pipeline, Path]]:
    """A pipeline polling a folder or a real sshd, and the folder the partner writes into."""
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    if request.param == "folder":
        channels = FOLDER_IN.replace("path: in", f"path: {inbox}")
    else:
        server: SshServer = request.getfixturevalue("sshd")
        keys: Path = request.getfixturevalue("ssh_keys")
        channels = "  inbound:\n" + sftp_channel_yaml(port=server.port, user=server.user, key=keys / "client",
                                                      fingerprint=server.fingerprint(), remote_dir=inbox)
    pipeline = open_pipeline(make_workspace(tmp_path / "ws", channels + OUT))
    gateway = Gateway(pipeline)
    pipeline.channel_options = gateway.options  # the gateway's polls: X12's rule for unfinished files
    yield pipeline, inbox
    gateway.stop()
    pipeline.store.close()


def _taken(pipeline: Pipeline) -> list[bytes]:
    return [pipeline.archive.get(t.sha256) for t in pipeline.store.transmissions()]


def test_a_writer_paused_mid_interchange_keeps_its_file_until_it_is_whole(setup: tuple[Pipeline, Path]) -> None:
    pipeline, inbox = setup
    writer = Writer(inbox / "po.edi", THREE, [MID_SECOND])
    writer.step()  # the partner's program stops for a while here
    for _ in range(2):
        assert pipeline.poll("bigbox") == []
    assert (inbox / "po.edi").stat().st_size == MID_SECOND and not (inbox / "archive").exists()
    assert pipeline.store.transmissions() == []
    writer.step()
    [tx] = pipeline.poll("bigbox") or []
    assert _taken(pipeline) == [THREE] and tx.size == len(THREE)
    assert [p.name for p in (inbox / "archive").iterdir()] == ["po.edi"] and not (inbox / "po.edi").exists()


def test_an_unfinished_file_past_the_wait_is_taken_and_answered_as_truncated(setup: tuple[Pipeline, Path]) -> None:
    pipeline, inbox = setup
    Writer(inbox / "po.edi", THREE, [MID_SECOND]).step()
    eleven_minutes_ago = time.time() - 11 * 60
    os.utime(inbox / "po.edi", (eleven_minutes_ago, eleven_minutes_ago))
    [tx] = pipeline.poll("bigbox") or []
    claimed = pipeline.store.claim(tx.id, "test")
    assert claimed is not None
    pipeline.process(claimed)
    errors = pipeline.store.errors(tx.id)
    assert any(e.code == "023" and "not closed by an IEA" in e.message for e in errors)
    answers = b"".join(pipeline.archive.get(o.sha256) for o in pipeline.store.outbounds(tx.id))
    assert b"TA1*000000002*" in answers and b"*R*023~" in answers  # the cut interchange, refused as truncated


def test_a_file_written_on_while_it_is_recorded_stays_and_is_taken_whole_later(
        setup: tuple[Pipeline, Path]) -> None:
    pipeline, inbox = setup
    writer = Writer(inbox / "po.edi", THREE, [len(po_file(1))])
    writer.step()  # one whole interchange: it looks finished

    def write_on(_tx: Transmission) -> None:
        writer.step()  # the partner appends the rest between our fetch and our archiving

    [first] = pipeline.poll("bigbox", on_received=write_on) or []
    assert first.size == len(po_file(1))
    assert (inbox / "po.edi").read_bytes() == THREE and not (inbox / "archive").exists()
    [second] = pipeline.poll("bigbox") or []
    assert pipeline.archive.get(second.sha256) == THREE
    assert [p.name for p in (inbox / "archive").iterdir()] == ["po.edi"]


def test_run_once_leaves_a_file_its_writer_has_not_finished(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                            capsys: pytest.CaptureFixture[str]) -> None:
    root = make_workspace(tmp_path / "ws", FOLDER_IN + OUT)
    (root / "in").mkdir()
    monkeypatch.chdir(root)
    writer = Writer(root / "in" / "po.edi", THREE, [MID_SECOND])
    writer.step()
    assert main(["run", "--once"]) == 0
    assert (root / "in" / "po.edi").stat().st_size == MID_SECOND
    writer.step()
    assert main(["run", "--once"]) == 0
    out = capsys.readouterr().out.splitlines()
    assert [line.split()[4:] for line in out if line.strip().startswith("1 ")] == [["done", "send", "000000001", "po.edi"]]
    pipeline = open_pipeline(root)
    [tx] = pipeline.store.transmissions()
    assert pipeline.archive.get(tx.sha256) == THREE
    assert len(pipeline.store.outbounds(tx.id)) == 3 + 6  # a 997 per interchange, two 855s each
    pipeline.store.close()


def test_run_once_waits_for_the_partners_marker(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    root = make_workspace(tmp_path / "ws", FOLDER_IN.replace("settle_seconds: 0.5", "ready: marker") + OUT)
    (root / "in").mkdir()
    monkeypatch.chdir(root)
    (root / "in" / "po.edi").write_bytes(THREE)
    assert main(["run", "--once"]) == 0
    assert (root / "in" / "po.edi").exists()
    (root / "in" / "po.edi.ok").write_bytes(b"")
    assert main(["run", "--once"]) == 0
    assert sorted(p.name for p in (root / "in").iterdir()) == ["archive"]
    pipeline = open_pipeline(root)
    assert [t.size for t in pipeline.store.transmissions()] == [len(THREE)]
    pipeline.store.close()


def test_the_wait_counts_from_the_files_own_time(setup: tuple[Pipeline, Path]) -> None:
    pipeline, inbox = setup
    Writer(inbox / "po.edi", THREE, [MID_SECOND]).step()
    nine_minutes_ago = (dt.datetime.now(dt.UTC) - dt.timedelta(minutes=9)).timestamp()
    os.utime(inbox / "po.edi", (nine_minutes_ago, nine_minutes_ago))
    assert pipeline.poll("bigbox") == []  # younger than truncated_after_minutes (10)
