"""Making written files durable: one file's data or one folder's entries (`fsync_path`),
or a whole filesystem at once (`sync_filesystem`, Linux's syncfs(2)), which the archive and
the folder channel use for a batch of files: two syncs a batch instead of two a file."""

from __future__ import annotations

import ctypes
import ctypes.util
import os
import typing
from collections.abc import Callable
from pathlib import Path

__all__ = ["can_sync_filesystem", "fsync_path", "sync_filesystem"]


def _load_syncfs() -> Callable[[int], int] | None:
    """Linux's syncfs(2): flush one filesystem, not every file one by one (None elsewhere)."""
    try:
        libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6", use_errno=True)
        return typing.cast(Callable[[int], int], libc.syncfs)
    except (OSError, AttributeError):
        return None


_SYNCFS = _load_syncfs()


def can_sync_filesystem() -> bool:
    return _SYNCFS is not None


def sync_filesystem(folder: Path) -> None:
    """Everything written on the filesystem holding ``folder`` flushed to disk, file data
    and folder entries alike (`OSError` where that cannot be done)."""
    if _SYNCFS is None:
        raise OSError(0, "syncfs(2) is not available here", str(folder))
    fd = os.open(folder, os.O_RDONLY)
    try:
        if _SYNCFS(fd) != 0:
            err = ctypes.get_errno()
            raise OSError(err, os.strerror(err), str(folder))
    finally:
        os.close(fd)


def fsync_path(path: Path | str) -> None:
    """A closed file's data, or a folder's entries (a file renamed into it), flushed to disk."""
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
