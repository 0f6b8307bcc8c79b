"""Channels: how files arrive from partners and how ours reach them.

`open_channel` turns a channel or target from a partner file into a `Channel` (folder,
sftp, as2, and the HTTP(S) targets: http, sap, netsuite, oracle); a `ChannelPool` in the
options keeps them open between uses. Only this package opens sockets: the channels, the
HTTP poster AS2 sends with (`http`), the HTTP client of REST services and connectors
(`http_channel`, over httpx) and the listener that serves the AS2 endpoint and webhooks
(`listener`). Every failure is an `edigate.errors.TransportError`.
"""

from __future__ import annotations

from edigate.transport.base import (
    CHANNEL_TYPES,
    Channel,
    ChannelFactory,
    ChannelOptions,
    Receipt,
    ReceiptCame,
    Received,
    RemoteFile,
    Sent,
    open_channel,
)
from edigate.transport.memory import MemoryChannel
from edigate.transport.names import is_temporary, safe_name
from edigate.transport.pool import ChannelPool
from edigate.transport.retry import Backoff

__all__ = [
    "CHANNEL_TYPES",
    "Backoff",
    "Channel",
    "ChannelFactory",
    "ChannelOptions",
    "ChannelPool",
    "MemoryChannel",
    "Receipt",
    "ReceiptCame",
    "Received",
    "RemoteFile",
    "Sent",
    "is_temporary",
    "open_channel",
    "safe_name",
]
