from __future__ import annotations

import dataclasses
import hashlib
from pathlib import Path

import pytest

from edigate import transport
from edigate.config.channels import As2Channel, FolderChannel, FolderTarget
from edigate.errors import ConfigError, TransportError
from edigate.transport import (
    CHANNEL_TYPES,
    ChannelOptions,
    MemoryChannel,
    Received,
    RemoteFile,
    open_channel,
)
from edigate.transport.folder import FolderChannel as FolderTransport


def test_public_surface_is_listed() -> None:
    for name in transport.__all__:
        assert hasattr(transport, name), name
    public = {n for n in vars(transport) if not n.startswith("_")}
    modules = {"as2", "base", "folder", "hostkeys", "http", "listener", "memory", "names", "pool", "fetching", "retry",
               "sftp", "annotations", "notify", "ready", "http_auth", "http_channel", "http_error"}
    assert public - modules <= set(transport.__all__)


def test_values_are_frozen() -> None:
    got = Received.of("c", "a.edi", b"abc")
    assert got.size == 3 and got.sha256 == hashlib.sha256(b"abc").hexdigest()
    assert got.received_at.tzinfo is not None
    with pytest.raises(dataclasses.FrozenInstanceError):
        got.name = "b"  # type: ignore[misc]
    assert "abc" not in repr(got)


def test_open_channel_picks_by_type(tmp_path: Path) -> None:
    options = ChannelOptions(root=tmp_path)
    channel = open_channel(FolderChannel(path=("in",)), "p.inbound", options)
    assert isinstance(channel, FolderTransport) and channel.id == "p.inbound"
    target = open_channel(FolderTarget(path="out"), "p.erp", options)
    assert isinstance(target, FolderTransport) and target.folders == [tmp_path / "out"]
    assert set(CHANNEL_TYPES) >= {"folder", "sftp", "as2"}


def test_unknown_type_is_a_config_error() -> None:
    as2 = As2Channel(partner_as2_id="X", partner_certificate="c.pem")
    with pytest.raises(ConfigError, match="p.in: no channel type 'as2'"):
        open_channel(as2, "p.in", types={"folder": CHANNEL_TYPES["folder"]})


def test_memory_channel_round_trip() -> None:
    with MemoryChannel("m", {"a.edi": b"1"}) as channel:
        channel.put("b.edi", b"22")
        files = channel.list()
        assert [f.name for f in files] == ["a.edi", "b.edi"]
        assert channel.fetch(files[1]).data == b"22"
        channel.done(files[0])
        assert channel.archive == {"a.edi": b"1"} and list(channel.inbox) == ["b.edi"]
        assert channel.send("../out.edi", b"x").name == "_out.edi"
        assert channel.outbox == {"_out.edi": b"x"}
    assert channel.closed


def test_memory_channel_down() -> None:
    channel = MemoryChannel()
    channel.down = True
    with pytest.raises(TransportError, match="memory: channel is down"):
        channel.list()
    channel.down = False
    with pytest.raises(TransportError, match="no longer there"):
        channel.fetch(RemoteFile("gone", 1, None, "gone"))
