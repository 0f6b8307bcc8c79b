"""A pool of open channels: one login for many sends, one borrower per channel at a time."""

from __future__ import annotations

import dataclasses
from pathlib import Path

from edigate.config.channels import SftpChannel as SftpConfig
from edigate.transport import ChannelOptions, ChannelPool, open_channel
from tests.support.sshd import SshServer


def test_sends_share_one_login(sshd: SshServer, sftp_config: SftpConfig, options: ChannelOptions,
                               remote: Path) -> None:
    pool = ChannelPool()
    pooled = dataclasses.replace(options, pool=pool)
    for n in range(5):
        with open_channel(sftp_config, "p:out", pooled) as channel:
            channel.send(f"a{n}.edi", b"x" * n)
    assert sorted(p.name for p in remote.iterdir()) == [f"a{n}.edi" for n in range(5)]
    assert sshd.logins() == 1 and pool.opened == 1
    pool.close()
    with open_channel(sftp_config, "p:out", pooled) as channel:
        channel.send("again.edi", b"y")
    assert sshd.logins() == 2
    pool.close()


def test_a_channel_in_use_is_not_lent_twice(tmp_path: Path) -> None:
    from edigate.config.channels import FolderChannel

    pool = ChannelPool()
    options = ChannelOptions(root=tmp_path, pool=pool)
    config = FolderChannel(path=("out",))
    first = open_channel(config, "p:out", options)
    second = open_channel(config, "p:out", options)
    assert pool.opened == 2
    first.close()
    first.close()  # giving back twice lends it once
    with open_channel(config, "p:out", options), open_channel(config, "p:out", options):
        assert pool.opened == 3
    second.close()
    pool.close()


def test_a_pooled_folder_sends_a_batch_the_folder_way(tmp_path: Path) -> None:
    import pytest

    from edigate.config.channels import FolderChannel
    from edigate.errors import TransportError

    pool = ChannelPool()
    options = ChannelOptions(root=tmp_path, pool=pool)
    (tmp_path / "out" / "b.edi").mkdir(parents=True)  # the folder's batch names the folder when it fails
    with open_channel(FolderChannel(path=("out",)), "p:out", options) as channel, \
            pytest.raises(TransportError, match="cannot write into"):
        channel.send_many([("a.edi", b"1"), ("b.edi", b"2")])
    assert not [p for p in (tmp_path / "out").iterdir() if p.name.startswith(".")]  # no partial file left
    pool.close()
