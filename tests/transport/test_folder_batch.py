"""Sending a batch into a folder: one sync for the data, then the renames."""

from __future__ import annotations

from pathlib import Path

import pytest

from edigate.config.channels import FolderChannel as FolderConfig
from edigate.errors import TransportError
from edigate.transport import ChannelOptions, open_channel
from edigate.transport.folder import SYNCFS_FROM


def test_send_many_writes_every_file_whole_and_leaves_no_temporaries(tmp_path: Path, options: ChannelOptions) -> None:
    out = tmp_path / "out"
    out.mkdir()
    (out / "po3.json").write_bytes(b'{"n": 3}\n')  # delivered before, by a stage that was cut short
    files = [(f"po{n}.json", f'{{"n": {n}}}\n'.encode()) for n in range(25)] + [("../escape.json", b"{}")]
    with open_channel(FolderConfig(path=("out",)), "p.out", options) as channel:
        sent = channel.send_many(files)
    assert sent[-1].name == "_escape.json"  # a partner-made name never leaves the folder
    assert sorted(p.name for p in out.iterdir()) == sorted([f"po{n}.json" for n in range(25)] + ["_escape.json"])
    assert all((out / name).read_bytes() == data for name, data in files[:-1])


@pytest.mark.parametrize("count", [4, SYNCFS_FROM + 4], ids=["one-by-one", "one-sync"])
def test_send_many_failing_midway_leaves_no_partial_or_hidden_file(tmp_path: Path, options: ChannelOptions,
                                                                   count: int) -> None:
    out = tmp_path / "out"
    out.mkdir()
    (out / "po2.json").mkdir()  # a folder where a file should go: the rename fails
    (out / "po2.json" / "x").write_text("keep")
    with open_channel(FolderConfig(path=("out",)), "p.out", options) as channel, \
            pytest.raises(TransportError, match="cannot write into"):
        channel.send_many([(f"po{n}.json", b"{}") for n in range(count)])
    assert sorted(p.name for p in out.iterdir() if p.name.startswith(".")) == []
    assert (out / "po2.json" / "x").read_text() == "keep"


@pytest.mark.parametrize("count", [1, SYNCFS_FROM + 4], ids=["one-by-one", "one-sync"])
def test_send_many_never_replaces_a_different_file(tmp_path: Path, options: ChannelOptions, count: int) -> None:
    out = tmp_path / "out"
    out.mkdir()
    (out / "po0.json").write_bytes(b"another order's export")
    with open_channel(FolderConfig(path=("out",)), "p.out", options) as channel, \
            pytest.raises(TransportError, match=r"not replaced \(po0.json\)"):
        channel.send_many([(f"po{n}.json", b"{}") for n in range(count)])
    assert (out / "po0.json").read_bytes() == b"another order's export"
    assert [p.name for p in out.iterdir() if p.name.startswith(".")] == []


def test_send_refuses_to_replace_and_accepts_the_same_bytes_again(tmp_path: Path, options: ChannelOptions) -> None:
    with open_channel(FolderConfig(path=("out",)), "p.out", options) as channel:
        channel.send("a.json", b"first")
        assert channel.send("a.json", b"first").name == "a.json"  # a resend of what is there
        with pytest.raises(TransportError, match="not replaced"):
            channel.send("a.json", b"second")
    assert (tmp_path / "out" / "a.json").read_bytes() == b"first"
