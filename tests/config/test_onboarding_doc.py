"""The commands and settings of ``docs/onboarding.md`` work as written: the AS2 key and
certificate it makes are what edigate loads, and the host key it takes with ``ssh-keyscan``
from a real sshd pins that server, as a fingerprint or in ``[host]:port`` known_hosts form."""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import serialization

from edigate.transport.as2.model import OurKeys
from edigate.config.channels import SftpChannel as SftpConfig
from edigate.config.secrets import SecretRef
from edigate.transport import ChannelOptions, open_channel
from edigate.config.workspace import load_workspace
from tests.support.paths import REPO
from tests.support.sshd import SshServer

DOC = REPO / "docs" / "onboarding.md"


def _block(language: str, containing: str) -> str:
    """The first fenced block of ``language`` in the document that holds ``containing``."""
    blocks = re.findall(rf"```{language}\n(.*?)```", DOC.read_text(), flags=re.S)
    return next(b for b in blocks if containing in b)


def _sh(script: str, cwd: Path) -> str:
    return subprocess.run(["bash", "-euo", "pipefail", "-c", script], cwd=cwd, check=True, capture_output=True,
                          text=True, timeout=120).stdout


@pytest.mark.skipif(shutil.which("openssl") is None, reason="openssl is not installed")
def test_our_as2_key_and_certificate_as_the_document_makes_them(tmp_path: Path) -> None:
    printed = _sh(_block("sh", "openssl req -x509"), tmp_path)
    assert "sha256 Fingerprint=" in printed.replace("SHA256", "sha256") and "notAfter=" in printed
    (tmp_path / "edigate.yaml").write_text(_block("yaml", "as2_id: EDIGATE"))
    keys = OurKeys.from_listener(load_workspace(tmp_path).as2, root=tmp_path)  # type: ignore[arg-type]
    key = serialization.load_pem_private_key(keys.key_pem, password=None)
    cert = x509.load_pem_x509_certificate(keys.cert_pem)
    assert (keys.as2_id, cert.public_key().public_numbers()) == ("EDIGATE", key.public_key().public_numbers())
    assert (tmp_path / "secrets" / "as2.key").stat().st_mode & 0o077 == 0


def _keyscan(tmp_path: Path, server: SshServer) -> str:
    script = _block("sh", "ssh-keyscan").replace("HOST=sftp.acme.example PORT=22",
                                                 f"HOST=127.0.0.1 PORT={server.port}")
    return _sh(script, tmp_path)


def _probe(server: SshServer, keys: Path, root: Path, **pin: str) -> str:
    config = SftpConfig(host="127.0.0.1", port=server.port, user=server.user, remote_dir=str(root),
                        private_key=SecretRef("file", str(keys / "client")), **pin)  # type: ignore[arg-type]
    with open_channel(config, "acme:in", ChannelOptions(root=root)) as channel:
        return channel.probe()


def test_the_fingerprint_the_document_takes_pins_the_server(tmp_path: Path, sshd: SshServer,
                                                            ssh_keys: Path) -> None:
    printed = _keyscan(tmp_path, sshd)
    fingerprints = re.findall(r"SHA256:[A-Za-z0-9+/]{43}", printed)
    assert sshd.fingerprint() in fingerprints and sshd.fingerprint("host_ecdsa") in fingerprints
    for fingerprint in fingerprints:
        assert _probe(sshd, ssh_keys, tmp_path, host_key=fingerprint).startswith("logged in")


def test_the_known_hosts_file_the_document_keeps_pins_the_server(tmp_path: Path, sshd: SshServer,
                                                                 ssh_keys: Path) -> None:
    _keyscan(tmp_path, sshd)
    _sh(_block("sh", "known_hosts/acme"), tmp_path)
    lines = (tmp_path / "known_hosts" / "acme").read_text().splitlines()
    assert lines and all(line.startswith(f"[127.0.0.1]:{sshd.port} ") for line in lines if not line.startswith("#"))
    assert _block("yaml", "known_hosts:").strip() == "known_hosts: known_hosts/acme"
    assert _probe(sshd, ssh_keys, tmp_path, known_hosts="known_hosts/acme").startswith("logged in")
