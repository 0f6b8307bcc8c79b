"""A file recorded as received, the first step every store test starts from."""

from __future__ import annotations

from edigate.store import Direction, Received, Store

__all__ = ["SHA_A", "SHA_B", "receive"]


SHA_A, SHA_B = "a" * 64, "b" * 64


def receive(store: Store, sha: str = SHA_A, partner: str = "acme",
            direction: Direction = Direction.IN) -> Received:
    return store.record_received(partner=partner, channel="sftp", file_name="../po 1.x12",
                                 sha256=sha, size=10, archive_path=f"{sha[:2]}/{sha[2:4]}/{sha}",
                                 direction=direction)
