"""Channels kept open between uses, so that each transmission's answers do not log in again.

With ``ChannelOptions(pool=ChannelPool())``, `open_channel` lends an idle channel with the
same id and configuration, or opens one; closing the loan gives it back, still connected.
A loan is used by one thread at a time. An SFTP session that went stale while idle is
reopened by the channel itself on its next call. `ChannelPool.close` really closes them all.
"""

from __future__ import annotations

import builtins

import threading
from collections.abc import Callable, Sequence

from edigate.transport.base import Channel, Receipt, Received, RemoteFile, Sent

__all__ = ["ChannelPool"]

_Key = tuple[str, str]


class ChannelPool:
    """Idle channels by id and configuration; thread-safe."""

    def __init__(self) -> None:
        self._idle: dict[_Key, list[Channel]] = {}
        self._lock = threading.Lock()
        self.opened = 0
        """How many channels the pool has opened (a measure of reuse)."""

    def lend(self, channel_id: str, config: object, make: Callable[[], Channel]) -> Channel:
        key = (channel_id, repr(config))
        with self._lock:
            idle = self._idle.get(key)
            channel = idle.pop() if idle else None
        if channel is None:
            channel = make()
            with self._lock:
                self.opened += 1
        return _Loan(self, key, channel)

    def _give_back(self, key: _Key, channel: Channel) -> None:
        with self._lock:
            self._idle.setdefault(key, []).append(channel)

    def close(self) -> None:
        with self._lock:
            channels = [c for idle in self._idle.values() for c in idle]
            self._idle.clear()
        for channel in channels:
            channel.close()


class _Loan(Channel):
    """A pooled channel: every call goes to it; `close` gives it back (once)."""

    def __init__(self, pool: ChannelPool, key: _Key, channel: Channel) -> None:
        self.id = channel.id
        self._pool, self._key, self._channel = pool, key, channel
        self._returned = False

    def list(self) -> list[RemoteFile]:
        return self._channel.list()

    def fetch(self, file: RemoteFile) -> Received:
        return self._channel.fetch(file)

    def done(self, file: RemoteFile) -> None:
        self._channel.done(file)

    def send(self, name: str, data: bytes) -> Sent:
        return self._channel.send(name, data)

    def send_noting(self, name: str, data: bytes, note: Callable[[Receipt], None]) -> Sent:
        return self._channel.send_noting(name, data, note)

    def send_many(self, files: Sequence[tuple[str, bytes]]) -> builtins.list[Sent]:
        return self._channel.send_many(files)  # a folder's one-sync batch, not send one by one

    def probe(self) -> str:
        return self._channel.probe()

    def close(self) -> None:
        if not self._returned:
            self._returned = True
            self._pool._give_back(self._key, self._channel)
