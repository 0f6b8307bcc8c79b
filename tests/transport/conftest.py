"""A real OpenSSH ``sshd`` on 127.0.0.1 for the SFTP tests, and channel configs to reach it.

Each test gets its own server (a free port, a temporary config, host keys generated once per
session, the current user logging in with a generated key over ``internal-sftp``). The
server can be stopped, restarted on the same port, or killed with its sessions; every
process it started is killed when the test ends.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path

import pytest

from edigate.config.channels import SftpChannel as SftpConfig
from edigate.config.secrets import SecretRef
from edigate.transport import Backoff, ChannelOptions
from tests.support.sshd import SSH_KEYGEN, SSHD, SshServer, make_keys

__all__ = ["SshServer"]


@pytest.fixture(scope="session")
def ssh_keys(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Host and client keys, generated once."""
    if SSHD is None or SSH_KEYGEN is None:
        pytest.skip("OpenSSH sshd is not installed (apt-get install openssh-server)")
    return make_keys(tmp_path_factory.mktemp("sshkeys"))


@pytest.fixture
def sshd(ssh_keys: Path, tmp_path: Path) -> Iterator[SshServer]:
    """A running sshd for one test; it and its sessions are always killed afterwards."""
    workdir = tmp_path / "sshd"
    workdir.mkdir()
    server = SshServer(workdir, ssh_keys)
    server.start()
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture
def remote(tmp_path: Path) -> Path:
    """The folder the SFTP channel polls (the server sees the same file system)."""
    folder = tmp_path / "remote"
    folder.mkdir()
    return folder


@pytest.fixture
def sftp_config(sshd: SshServer, ssh_keys: Path, remote: Path) -> SftpConfig:
    return SftpConfig(
        host="127.0.0.1",
        port=sshd.port,
        user=sshd.user,
        private_key=SecretRef("file", str(ssh_keys / "client")),
        host_key=sshd.fingerprint(),
        remote_dir=str(remote),
        glob="*.edi",
    )


@pytest.fixture
def options(tmp_path: Path) -> ChannelOptions:
    """Fast settings: a short settle delay and quick, bounded retries."""
    return ChannelOptions(
        root=tmp_path,
        spool_dir=tmp_path / "spool",
        settle_seconds=0.05,
        timeout=5.0,
        retry=Backoff(attempts=3, base=0.05, cap=0.2),
    )


def with_retry(options: ChannelOptions, attempts: int, base: float, cap: float) -> ChannelOptions:
    return replace(options, retry=Backoff(attempts=attempts, base=base, cap=cap))
