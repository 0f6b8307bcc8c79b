from __future__ import annotations

import hashlib
import os
import threading
import time
from pathlib import Path

import pytest

from edigate.config.channels import FolderChannel as FolderConfig
from edigate.config.channels import FolderTarget
from edigate.errors import TransportError
from edigate.transport import ChannelOptions, open_channel
from edigate.transport.base import Channel


@pytest.fixture
def inbox(tmp_path: Path) -> Path:
    folder = tmp_path / "in"
    folder.mkdir()
    return folder


def _channel(
    options: ChannelOptions, *, delete: bool = False, archive_dir: str | None = None
) -> Channel:
    config = FolderConfig(path=("in",), glob="*.edi", delete=delete, archive_dir=archive_dir)
    return open_channel(config, "p.in", options)


def test_list_fetch_done_archives(inbox: Path, options: ChannelOptions) -> None:
    for n in range(20):
        (inbox / f"PO{n:02d}.edi").write_bytes(b"ISA*%d~" % n)
    (inbox / "notes.txt").write_text("not matched by the glob")
    channel = _channel(options)
    files = channel.list()
    assert [f.name for f in files] == [f"PO{n:02d}.edi" for n in range(20)]
    for f in files:
        got = channel.fetch(f)
        assert got.channel == "p.in" and got.name == f.name and got.size == f.size
        assert got.sha256 == hashlib.sha256(got.data).hexdigest()
        channel.done(f)
    assert channel.list() == []
    assert len(list((inbox / "archive").iterdir())) == 20
    assert (inbox / "notes.txt").exists()


def test_done_deletes_or_uses_configured_archive(inbox: Path, options: ChannelOptions) -> None:
    (inbox / "a.edi").write_bytes(b"a")
    deleting = _channel(options, delete=True)
    deleting.done(deleting.list()[0])
    assert list(inbox.iterdir()) == []
    (inbox / "b.edi").write_bytes(b"b")
    archiving = _channel(options, archive_dir="kept")
    archiving.done(archiving.list()[0])
    assert (options.root / "kept" / "b.edi").read_bytes() == b"b"


def test_archive_keeps_both_when_a_name_repeats(inbox: Path, options: ChannelOptions) -> None:
    channel = _channel(options)
    for content in (b"first", b"second"):
        (inbox / "same.edi").write_bytes(content)
        channel.done(channel.list()[0])
    archive = inbox / "archive"
    assert {p.read_bytes() for p in archive.iterdir()} == {b"first", b"second"}


def test_files_still_being_written_are_skipped(inbox: Path, options: ChannelOptions) -> None:
    for name in ("a.edi.tmp", "b.edi.part", "c.edi.filepart", ".d.edi"):
        (inbox / name).write_bytes(b"partial")
    (inbox / "ready.edi").write_bytes(b"done")
    growing = inbox / "growing.edi"
    stop = threading.Event()

    def writer() -> None:
        with open(growing, "ab") as fh:
            while not stop.is_set():
                fh.write(b"x" * 100)
                fh.flush()
                time.sleep(0.005)

    thread = threading.Thread(target=writer)
    thread.start()
    try:
        time.sleep(0.02)
        names = [f.name for f in _channel(options).list()]
    finally:
        stop.set()
        thread.join()
    assert names == ["ready.edi"]
    assert sorted(f.name for f in _channel(options).list()) == ["growing.edi", "ready.edi"]


def test_file_changed_after_listing_is_not_fetched(inbox: Path, options: ChannelOptions) -> None:
    (inbox / "a.edi").write_bytes(b"short")
    channel = _channel(options)
    listed = channel.list()[0]
    (inbox / "a.edi").write_bytes(b"longer now")
    with pytest.raises(TransportError, match="changed since it was listed"):
        channel.fetch(listed)


def test_missing_folder_is_a_transport_error(options: ChannelOptions) -> None:
    with pytest.raises(TransportError, match=r"^p.in: cannot list .*in: No such file"):
        _channel(options).list()


def test_send_never_shows_a_partial_file(tmp_path: Path, options: ChannelOptions) -> None:
    channel = open_channel(FolderTarget(path="out"), "p.out", options)
    versions = [bytes([65 + n]) * 200_000 for n in range(8)]
    targets = [tmp_path / "out" / f"997-{n}.edi" for n in range(len(versions))]
    seen: set[bytes] = set()
    stop = threading.Event()

    def reader() -> None:
        while True:
            last = stop.is_set()
            for target in targets:
                try:
                    seen.add(target.read_bytes())
                except FileNotFoundError:
                    pass
            if last:
                return  # one whole look after the last send

    thread = threading.Thread(target=reader)
    thread.start()
    try:
        for n, data in enumerate(versions):
            sent = channel.send(f"997-{n}.edi", data)
    finally:
        stop.set()
        thread.join()
    assert seen == set(versions)
    assert sent.name == "997-7.edi" and sent.size == 200_000
    assert sorted(os.listdir(tmp_path / "out")) == sorted(t.name for t in targets)


def test_send_sanitizes_the_name(tmp_path: Path, options: ChannelOptions) -> None:
    channel = open_channel(FolderTarget(path="out"), "p.out", options)
    assert channel.send("../../escape.edi", b"x").name == "_.._escape.edi"
    assert (tmp_path / "out" / "_.._escape.edi").read_bytes() == b"x"
