"""When a file is whole, in a folder and on a real sshd: the ``ready`` rules, and files that
change under a fetch. Writers are stepped by the test (the channel's pause between two looks
runs the writer's next step), never raced against a clock."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest

from edigate.config.channels import FolderChannel as FolderConfig
from edigate.errors import TransportError
from edigate.transport import ChannelOptions, open_channel
from edigate.transport.base import Channel
from edigate.transport.ready import LEFT
from tests.support.writer import Writer

Opener = Callable[..., Channel]


@pytest.fixture(params=["folder", "sftp"])
def opener(request: pytest.FixtureRequest, tmp_path: Path, options: ChannelOptions) -> tuple[Opener, Path]:
    """A function opening the inbound channel with some fields changed, and the folder it polls."""
    if request.param == "folder":
        folder = tmp_path / "in"
        folder.mkdir()
        base: Any = FolderConfig(path=("in",), glob="*.edi")
    else:
        base = request.getfixturevalue("sftp_config")
        folder = request.getfixturevalue("remote")

    def open_(sleep: Callable[[float], None] = lambda _s: None, **fields: Any) -> Channel:
        return open_channel(replace(base, **fields), "p.in", replace(options, settle_seconds=None, sleep=sleep))

    return open_, folder


def _names(channel: Channel) -> list[str]:
    with channel:
        return [f.name for f in channel.list()]


def test_stable_takes_a_file_only_when_two_looks_agree(opener: tuple[Opener, Path]) -> None:
    open_, folder = opener
    (folder / "whole.edi").write_bytes(b"ISA whole")
    writer = Writer(folder / "growing.edi", b"x" * 300, [100, 200])
    writer.step()
    assert _names(open_(writer.step)) == ["whole.edi"]  # it grew between the two looks
    assert sorted(_names(open_())) == ["growing.edi", "whole.edi"]  # the writer paused: the looks agree
    waits: list[float] = []
    assert sorted(_names(open_(waits.append, settle_seconds=7.5))) == ["growing.edi", "whole.edi"]
    assert waits == [7.5]  # the channel's own settle time


def test_marker_takes_a_file_once_its_marker_is_there_and_removes_it(opener: tuple[Opener, Path]) -> None:
    open_, folder = opener
    for name in ("a.edi", "b.edi", "c.edi"):
        (folder / name).write_bytes(b"ISA " + name.encode())
    (folder / "a.edi.done").write_bytes(b"")
    (folder / "c.ok").write_bytes(b"")
    waits: list[float] = []
    with open_(waits.append, ready="marker", glob="*") as channel:
        listed = channel.list()
        assert [f.name for f in listed] == ["a.edi", "c.edi"] and waits == []
        for file in listed:
            channel.done(file)
    assert sorted(p.name for p in folder.iterdir() if p.is_file()) == ["b.edi"]
    assert sorted(p.name for p in (folder / "archive").iterdir()) == ["a.edi", "c.edi"]


def test_rename_takes_final_names_at_once(opener: tuple[Opener, Path]) -> None:
    open_, folder = opener
    (folder / "a.edi").write_bytes(b"ISA whole")
    (folder / "b.edi.part").write_bytes(b"ISA half")
    waits: list[float] = []
    assert _names(open_(waits.append, ready="rename")) == ["a.edi"] and waits == []


@pytest.mark.parametrize("when", ["during the fetch", "between fetch and done"])
def test_a_file_that_grows_after_it_was_listed_stays_and_is_fetched_whole_later(opener: tuple[Opener, Path],
                                                                               when: str) -> None:
    open_, folder = opener
    writer = Writer(folder / "po.edi", b"y" * 500, [200])
    writer.step()
    with open_() as channel:
        [listed] = channel.list()
        if when == "between fetch and done":
            assert channel.fetch(listed).size == 200
        writer.step()  # the partner writes on
        with pytest.raises(TransportError) as caught:
            channel.fetch(listed) if when == "during the fetch" else channel.done(listed)
        assert caught.value.code == LEFT and "200 -> 500 bytes" in caught.value.message
        assert (folder / "po.edi").stat().st_size == 500 and not (folder / "archive").exists()
        [again] = channel.list()
        assert channel.fetch(again).data == b"y" * 500
        channel.done(again)
    assert [p.name for p in (folder / "archive").iterdir()] == ["po.edi"]


def test_a_folder_file_written_again_at_the_same_size_is_not_archived(tmp_path: Path, options: ChannelOptions) -> None:
    import os

    (tmp_path / "in").mkdir()
    path = tmp_path / "in" / "po.edi"
    path.write_bytes(b"first")
    with open_channel(FolderConfig(path=("in",)), "p.in", options) as channel:
        [listed] = channel.list()
        path.write_bytes(b"other")
        stat = path.stat()
        os.utime(path, ns=(stat.st_atime_ns, stat.st_mtime_ns + 1_000_000))
        with pytest.raises(TransportError, match="written again"):
            channel.done(listed)
    assert path.read_bytes() == b"other"
