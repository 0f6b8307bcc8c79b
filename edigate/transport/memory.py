"""An in-memory channel for tests of other modules: no patching, no network, no disk.

Put files in ``inbox``; read what was sent from ``outbox`` and what was marked done from
``archive``. Set ``down`` to make every call raise `TransportError`, as a server would.
"""

from __future__ import annotations

from datetime import UTC, datetime

from edigate.errors import TransportError
from edigate.transport.base import Channel, Received, RemoteFile, Sent
from edigate.transport.names import safe_name

__all__ = ["MemoryChannel"]


class MemoryChannel(Channel):
    """Files held in dictionaries, listed in the order they were put."""

    def __init__(self, channel_id: str = "memory", inbox: dict[str, bytes] | None = None) -> None:
        self.id = channel_id
        self.inbox: dict[str, bytes] = dict(inbox or {})
        self.outbox: dict[str, bytes] = {}
        self.archive: dict[str, bytes] = {}
        self.down = False
        self.closed = False

    def put(self, name: str, data: bytes) -> None:
        """A partner drops a file."""
        self.inbox[name] = data

    def list(self) -> list[RemoteFile]:
        self._check()
        now = datetime.now(UTC)
        return [RemoteFile(name, len(data), now, name) for name, data in self.inbox.items()]

    def fetch(self, file: RemoteFile) -> Received:
        self._check()
        if file.handle not in self.inbox:
            raise TransportError(f"{self.id}: {file.name} is no longer there")
        return Received.of(self.id, file.name, self.inbox[file.handle])

    def done(self, file: RemoteFile) -> None:
        self._check()
        self.archive[file.name] = self.inbox.pop(file.handle)

    def send(self, name: str, data: bytes) -> Sent:
        self._check()
        self.outbox[safe_name(name)] = data
        return Sent.of(self.id, safe_name(name), data)

    def close(self) -> None:
        self.closed = True

    def _check(self) -> None:
        if self.down:
            raise TransportError(f"{self.id}: channel is down")
        self.closed = False
