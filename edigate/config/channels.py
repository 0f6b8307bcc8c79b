"""Channels in partner files: local folders, SFTP (host key pinned), AS2.

They are configuration only: `edigate.transport` turns them into connections. Paths are
relative to the workspace root; credentials are `SecretRef`s, never inline.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Literal

from edigate.config.cron import cron_problem
from edigate.config.schema import setting
from edigate.config.secrets import SecretRef

__all__ = [
    "AS2_MAX_BODY_BYTES",
    "DEFAULT_POLL_SECONDS",
    "As2Channel",
    "Channel",
    "Channels",
    "FolderChannel",
    "FolderTarget",
    "SftpChannel",
    "SftpTarget",
]

_FINGERPRINT = r"SHA256:[A-Za-z0-9+/]{43}=?"
_AS2_ID = r"[!-~](?:[ -~]{0,126}[!-~])?"  # RFC 4130 6.2: printable ASCII, quoted when it holds spaces
_AS2_HINT = "1 to 128 printable characters, spaces only inside"
DEFAULT_POLL_SECONDS = 60
"""How often an inbound channel with neither ``poll_seconds`` nor ``cron`` is polled."""
AS2_MAX_BODY_BYTES = 32 * 2**20
"""The default cap on an AS2 message body from a partner."""


@dataclass(frozen=True, kw_only=True)  # no slots: mixed into several channels
class _Polling:
    """What inbound channels share: which files, what to do after, how often to look
    (every ``poll_seconds``, or at the times of a crontab ``cron``; else every minute)."""

    glob: str = "*"
    archive_dir: str | None = None
    delete: bool = False
    poll_seconds: int | None = setting(None, minimum=5)
    cron: str | None = setting(None, check=cron_problem)

    def config_problems(self) -> Iterator[tuple[str, str]]:
        if self.archive_dir is not None and self.delete:
            yield "delete", "give archive_dir or delete: true, not both"
        if self.poll_seconds is not None and self.cron is not None:
            yield "cron", "give poll_seconds or cron, not both"


@dataclass(frozen=True, kw_only=True)  # no slots: mixed into several channels
class FolderChannel(_Polling):
    """Files dropped into (or written to) local folders."""

    type: Literal["folder"] = "folder"
    path: tuple[str, ...] = setting(one_or_many=True)


@dataclass(frozen=True, kw_only=True)  # no slots: mixed into several channels
class _SftpServer:
    """How to reach and trust an SFTP server; the host key must be pinned."""

    host: str = setting(pattern=r"[A-Za-z0-9.:\[\]-]+", hint="a host name or IP address")
    port: int = setting(22, minimum=1, maximum=65535)
    user: str
    password: SecretRef | None = None
    private_key: SecretRef | None = None
    key_passphrase: SecretRef | None = None
    known_hosts: str | None = None
    host_key: str | None = setting(
        None, pattern=_FINGERPRINT, hint="a fingerprint such as SHA256:<43 base64 characters>"
    )
    remote_dir: str = "."

    def _server_problems(self) -> Iterator[tuple[str, str]]:
        if self.password is None and self.private_key is None:
            yield "", "set password or private_key (as env:NAME or file:PATH)"
        if self.password is not None and self.private_key is not None:
            yield "private_key", "give password or private_key, not both"
        if self.key_passphrase is not None and self.private_key is None:
            yield "key_passphrase", "key_passphrase needs a private_key"
        if self.known_hosts is None and self.host_key is None:
            yield "", "pin the server's key: set host_key (SHA256:...) or known_hosts"


@dataclass(frozen=True, kw_only=True)  # no slots: mixed into several channels
class SftpChannel(_Polling, _SftpServer):
    """Files fetched from (or put on) the partner's SFTP server."""

    type: Literal["sftp"] = "sftp"

    def config_problems(self) -> Iterator[tuple[str, str]]:
        yield from self._server_problems()
        yield from _Polling.config_problems(self)


@dataclass(frozen=True, slots=True, kw_only=True)
class As2Channel:
    """AS2 with one partner; our own AS2 id defaults to the workspace's ``as2.as2_id``."""

    type: Literal["as2"] = "as2"
    partner_as2_id: str = setting(pattern=_AS2_ID, hint=_AS2_HINT)
    our_as2_id: str | None = setting(None, pattern=_AS2_ID, hint=_AS2_HINT)
    url: str | None = setting(None, pattern=r"https?://\S+", hint="an http:// or https:// URL")
    partner_certificate: str
    sign: bool = True
    encrypt: bool = True
    compress: bool = False
    signing_algorithm: Literal["sha256", "sha384", "sha512", "sha1"] = "sha256"
    encryption_algorithm: Literal["aes128_cbc", "aes192_cbc", "aes256_cbc", "tripledes_192_cbc"] = (
        "aes256_cbc"
    )
    mdn: Literal["sync", "async", "none"] = "sync"
    mdn_url: str | None = setting(None, pattern=r"https?://\S+", hint="an http:// or https:// URL")
    mdn_signed: bool = True
    key_encryption: Literal["rsaes_pkcs1v15", "rsaes_oaep", "rsaes_oaep_sha256"] = "rsaes_pkcs1v15"
    """How the content key is wrapped for the partner: PKCS#1 v1.5 (what most AS2 software
    expects), or RSA-OAEP with SHA-1 or SHA-256 (some partners require OAEP)."""
    transfer_encoding: Literal["binary", "base64"] = "binary"
    """How our encrypted body travels: binary (RFC 4130's usual), or base64 for partner
    software that reads the HTTP body as text."""
    max_body_bytes: int = setting(AS2_MAX_BODY_BYTES, minimum=1024)
    """The largest message body the partner may POST; a larger one is refused unread (413)."""
    max_decompressed_bytes: int | None = setting(None, minimum=1024)
    """How large a compressed message may grow when unpacked (default 4 x max_body_bytes)."""
    receipt_url: str | None = setting(None, pattern=r"https?://\S+", hint="an http:// or https:// URL")
    """Where our async MDNs for the partner's messages go (default: ``url``)."""
    use_requested_receipt_url: bool = False
    """Send an async MDN to the URL the partner's message asks for (once it verified)."""

    @property
    def decompressed_limit(self) -> int:
        return self.max_decompressed_bytes or 4 * self.max_body_bytes

    def config_problems(self) -> Iterator[tuple[str, str]]:
        if self.mdn == "async" and self.mdn_url is None:
            yield "mdn", "an async MDN needs mdn_url, where the partner posts it"


Channel = FolderChannel | SftpChannel | As2Channel


@dataclass(frozen=True, slots=True, kw_only=True)
class Channels:
    """How files arrive from this partner and how ours reach it; either may be absent."""

    inbound: Channel | None = None
    outbound: Channel | None = None

    def config_problems(self) -> Iterator[tuple[str, str]]:
        out = self.outbound
        if isinstance(out, As2Channel) and out.url is None:
            yield "outbound", "an outbound AS2 channel needs url"
        if isinstance(out, FolderChannel) and len(out.path) != 1:
            yield "outbound.path", "an outbound folder channel writes to exactly one path"


@dataclass(frozen=True, slots=True, kw_only=True)
class FolderTarget:
    """A routing destination in a local folder."""

    type: Literal["folder"] = "folder"
    path: str


@dataclass(frozen=True, kw_only=True)  # no slots: mixed into several channels
class SftpTarget(_SftpServer):
    """A routing destination on an SFTP server (``remote_dir``)."""

    type: Literal["sftp"] = "sftp"

    def config_problems(self) -> Iterator[tuple[str, str]]:
        yield from self._server_problems()
