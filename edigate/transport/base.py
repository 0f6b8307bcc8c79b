"""The channel contract: list what is waiting, fetch it, mark it done, send, close.

A `Channel` moves bytes and their metadata, nothing more: it never parses X12 and never
touches the store. The caller records each `Received` before calling `done`, so a crash
between the two fetches the file again and the store sees a duplicate, never a loss.
Channel types are plain entries in `CHANNEL_TYPES`; `open_channel` picks one by
``config.type``.
"""

from __future__ import annotations

import builtins
import hashlib
import time
from abc import ABC, abstractmethod
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any, ClassVar, Protocol, Self

from edigate.config.secrets import SecretRef
from edigate.errors import ConfigError
from edigate.transport.retry import Backoff

if TYPE_CHECKING:
    from edigate.transport.pool import ChannelPool

__all__ = [
    "CHANNEL_TYPES",
    "As2Identity",
    "Channel",
    "ChannelFactory",
    "ChannelOptions",
    "Receipt",
    "ReceiptCame",
    "Received",
    "RemoteFile",
    "Sent",
    "open_channel",
]


@dataclass(frozen=True, slots=True)
class RemoteFile:
    """A file waiting on a channel; ``handle`` is the channel's own opaque locator."""

    name: str
    size: int
    mtime: datetime | None
    handle: str
    marker: str | None = None
    """The handle of the partner's marker file that said this one is whole (``ready:
    marker``), removed with it."""


@dataclass(frozen=True, slots=True)
class Received:
    """The bytes of one fetched file and where they came from."""

    channel: str
    name: str
    data: bytes = field(repr=False)
    size: int
    sha256: str
    received_at: datetime
    path: Path | None = None  # a local copy, valid until `Channel.done` or `Channel.close`

    @classmethod
    def of(cls, channel: str, name: str, data: bytes, path: Path | None = None) -> Received:
        digest = hashlib.sha256(data).hexdigest()
        return cls(channel, name, data, len(data), digest, datetime.now(UTC), path)


@dataclass(frozen=True, slots=True)
class Receipt:
    """A receipt the far side sends later, on its own (an AS2 async MDN): what to match it by."""

    message_id: str
    remote_id: str
    """Who will send it (the partner's AS2 id)."""
    digest: str | None = None
    """What it must confirm (the MIC of what we sent)."""
    mode: str = "async"
    """When it comes: ``sync`` (the answer to the send itself) or ``async`` (later)."""
    came: ReceiptCame | None = None
    """The receipt itself, once it came."""


@dataclass(frozen=True, slots=True)
class ReceiptCame:
    """A receipt as it came: its status, our verdict on it, its own id, what it confirms."""

    status: str | None
    disposition: str | None
    verdict: str | None = None
    receipt_id: str | None = None
    digest: str | None = None
    text: str | None = None
    raw: bytes | None = field(default=None, repr=False)


@dataclass(frozen=True, slots=True)
class Sent:
    """One file delivered: the name it has on the far side, and what was written."""

    channel: str
    name: str
    size: int
    sha256: str
    sent_at: datetime

    @classmethod
    def of(cls, channel: str, name: str, data: bytes) -> Sent:
        digest = hashlib.sha256(data).hexdigest()
        return cls(channel, name, len(data), digest, datetime.now(UTC))


class As2Identity(Protocol):
    """Our side of AS2 (the ``as2`` block of ``edigate.yaml``), as much as a channel needs to
    sign, decrypt and name our messages. The caller hands it over in `ChannelOptions`, so
    transport depends on no configuration loader; the workspace's settings satisfy it."""

    @property
    def as2_id(self) -> str | None: ...

    @property
    def private_key(self) -> SecretRef | None: ...

    @property
    def key_passphrase(self) -> SecretRef | None: ...

    @property
    def certificate(self) -> str | None: ...

    @property
    def domain(self) -> str: ...


@dataclass(frozen=True, slots=True)
class ChannelOptions:
    """Settings from the workspace rather than the partner file."""

    root: Path = Path(".")  # workspace root: relative local paths start here
    spool_dir: Path | None = None  # where downloads land; a private temporary folder if None
    settle_seconds: float | None = None
    """Override every channel's ``settle_seconds`` (0: one look); None keeps each channel's."""
    sleep: Callable[[float], None] = time.sleep
    """How the pause between two looks is waited out (a test steps its writer instead)."""
    unfinished: Callable[[bytes], bool] | None = None
    """Whether a fetched file's bytes are still being written (the gateway gives X12's rule:
    no closing IEA yet); such a file younger than its channel's ``truncated_after_minutes``
    is left for the next poll. Transports do not parse: they are told."""
    timeout: float = 30.0  # seconds for connecting and for each network read
    retry: Backoff = field(default_factory=Backoff)
    as2: As2Identity | None = None  # our AS2 id and keys; else read from root's edigate.yaml
    pool: ChannelPool | None = None  # keep channels open between uses (see edigate.transport.pool)


class Channel(ABC):
    """One configured connection to a partner (or a local folder)."""

    id: str
    batch_resend_harmless: ClassVar[bool] = False
    """Whether a `send_many` that failed part way may be sent again whole without a file
    reaching the far side twice (a folder leaves a name that holds the same bytes already)."""

    @abstractmethod
    def list(self) -> list[RemoteFile]:
        """Files whole by the channel's ``ready`` rule, oldest first; files still being
        written are left (`edigate.transport.ready`)."""

    @abstractmethod
    def fetch(self, file: RemoteFile) -> Received:
        """The whole file. A file no longer as listed (size, modification time), or not
        finished yet (`ChannelOptions.unfinished`), raises `TransportError` with code
        ``transport.left``, and stays for the next poll."""

    @abstractmethod
    def done(self, file: RemoteFile) -> None:
        """Move the file to the archive folder, or delete it, as configured (and its marker).
        A file no longer as listed is left, raising as `fetch` does."""

    @abstractmethod
    def send(self, name: str, data: bytes) -> Sent:
        """Deliver ``data`` as ``name``; readers never see a partial file."""

    def send_noting(self, name: str, data: bytes, note: Callable[[Receipt], None]) -> Sent:
        """`send`, telling ``note`` of the receipt to expect before the file goes, and again
        once a receipt came with the answer (even one that fails the send). Channels
        without receipts just send."""
        return self.send(name, data)

    def send_many(self, files: Sequence[tuple[str, bytes]]) -> builtins.list[Sent]:
        """`send` for many files; all delivered when it returns. Channels that can make a
        batch durable at once (a local folder: one sync, not two per file) override it."""
        return [self.send(name, data) for name, data in files]

    def probe(self) -> str:
        """Try the channel without moving a file: a short line saying what works.

        Raises `TransportError` (or `ConfigError`) saying what does not."""
        waiting = self.list()
        return f"{len(waiting)} file(s) waiting"

    def close(self) -> None:
        """Release connections; the channel may be used again and reconnects."""

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


ChannelFactory = Callable[[Any, str, ChannelOptions], Channel]


def _folder(config: Any, channel_id: str, options: ChannelOptions) -> Channel:
    from edigate.transport.folder import FolderChannel

    return FolderChannel(config, channel_id, options)


def _sftp(config: Any, channel_id: str, options: ChannelOptions) -> Channel:
    from edigate.transport.sftp import SftpChannel  # paramiko loads only when needed

    return SftpChannel(config, channel_id, options)


def _as2(config: Any, channel_id: str, options: ChannelOptions) -> Channel:
    from edigate.transport.as2.channel import As2Channel  # pyas2lib loads only when needed

    return As2Channel(config, channel_id, options)


def _http(config: Any, channel_id: str, options: ChannelOptions) -> Channel:
    from edigate.transport.http_channel import HttpChannel  # httpx loads only when needed

    return HttpChannel(config, channel_id, options)


def _sap(config: Any, channel_id: str, options: ChannelOptions) -> Channel:
    from edigate.transport.http_channel import HttpChannel, SendAs

    # an IDoc is POSTed as XML; the key lets a gateway in front of SAP drop a repeat
    return HttpChannel(config, channel_id, options, SendAs("POST", "application/xml"))


def _netsuite(config: Any, channel_id: str, options: ChannelOptions) -> Channel:
    from edigate.connectors.netsuite import NetSuiteChannel  # an upsert per order, not a plain POST

    return NetSuiteChannel(config, channel_id, options)


def _oracle(config: Any, channel_id: str, options: ChannelOptions) -> Channel:
    from edigate.connectors.oracle import OracleChannel  # looks the order up before creating it

    return OracleChannel(config, channel_id, options)


CHANNEL_TYPES: Mapping[str, ChannelFactory] = {
    "folder": _folder, "sftp": _sftp, "as2": _as2, "http": _http, "sap": _sap, "netsuite": _netsuite,
    "oracle": _oracle,
}


def open_channel(
    config: Any,
    channel_id: str,
    options: ChannelOptions | None = None,
    *,
    types: Mapping[str, ChannelFactory] = CHANNEL_TYPES,
) -> Channel:
    """A channel for ``config`` (a channel or target from a partner file); no I/O yet.

    With ``options.pool``, an open channel lent by the pool (closing it gives it back)."""
    kind = getattr(config, "type", None)
    factory = types.get(kind) if isinstance(kind, str) else None
    if factory is None:
        known = ", ".join(sorted(types))
        raise ConfigError(f"{channel_id}: no channel type {kind!r} (known: {known})")
    options = options or ChannelOptions()
    if options.pool is not None:
        pool, alone = options.pool, replace(options, pool=None)
        return pool.lend(channel_id, config, lambda: factory(config, channel_id, alone))
    return factory(config, channel_id, options)
