"""Channel configs for the transport tests: an SFTP channel on the suite's real sshd (the
``sshd`` fixture of tests/conftest.py, one server per test) and fast retry settings."""

from __future__ import annotations

from pathlib import Path

import pytest

from edigate.config.channels import SftpChannel as SftpConfig
from edigate.config.secrets import SecretRef
from edigate.transport import Backoff, ChannelOptions
from tests.support.sshd import SshServer


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

