"""The archive's retention sweep: one implementation for the scheduled job and ``edigate
archive sweep``, whatever archive backend keeps the files."""

from __future__ import annotations

import datetime as dt
from typing import NamedTuple

from edigate.store import Store
from edigate.store.archive import ArchiveBackend

__all__ = ["Swept", "sweep_archive"]


class Swept(NamedTuple):
    """What `sweep_archive` removed (or would remove): archived files, event log entries."""

    removed: tuple[str, ...]
    pruned: int


def sweep_archive(store: Store, archive: ArchiveBackend, days: float, event_days: float, *,
                  dry_run: bool = False) -> Swept:
    """The one retention sweep (the scheduled job and ``edigate archive sweep``): archived
    files older than ``days`` that nothing still needs, and event log entries older than
    ``event_days``."""
    removed = archive.sweep(days, store.pinned_hashes(), dry_run=dry_run)
    pruned = store.prune_events(dt.datetime.now(dt.UTC) - dt.timedelta(days=event_days), dry_run=dry_run)
    return Swept(tuple(removed), pruned)
