"""Content-addressed archive of raw bytes: every inbound file before it is parsed, and every
outbound file before it is sent.

A file lives at ``<root>/ab/cd/<sha256>``. Writes go to a temporary file in the same folder,
are flushed to disk and renamed into place, so a crash leaves either the whole file or
nothing. Writing the same bytes twice is a no-op. File names from partners never become
paths here: only hashes do. A write that fails (a full disk) is one `StoreError` line.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import os
import re
import tempfile
import time
from collections.abc import Collection, Iterator
from dataclasses import dataclass
from pathlib import Path

from edigate.errors import InputError, StoreError

__all__ = ["Archive", "ArchivedFile", "digest"]

_HASH = re.compile(r"[0-9a-f]{64}")
_TMP_PREFIX = ".tmp-"
_STALE_TMP = dt.timedelta(days=1)


def digest(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


@dataclass(frozen=True, slots=True)
class ArchivedFile:
    sha256: str
    size: int
    path: Path
    relative: str  # "ab/cd/<sha256>", what the store records


class Archive:
    """Raw bytes on disk under ``root``, addressed by their SHA-256."""

    def __init__(self, root: str | os.PathLike[str]) -> None:
        self.root = Path(root)

    def put(self, data: bytes) -> ArchivedFile:
        """Store ``data`` durably and return where; the same bytes again change nothing."""
        sha = digest(data)
        path = self.path(sha)
        try:
            if path.exists():
                os.utime(path)  # fresh again for the retention sweep
            else:
                self._write(path, data)
        except OSError as exc:  # a full disk (ENOSPC), a file size limit (EFBIG), a read-only mount
            raise StoreError(f"archive {self.root}: cannot write {len(data):,} bytes: {exc.strerror}; nothing "
                             "was recorded, the file is left to be taken again", code="archive.write") from exc
        return ArchivedFile(sha, len(data), path, self.relative(sha))

    def get(self, sha256: str, *, verify: bool = True) -> bytes:
        """The bytes stored under ``sha256``; `InputError` when missing or damaged."""
        path = self.path(sha256)
        try:
            data = path.read_bytes()
        except FileNotFoundError as err:
            raise InputError(f"archive {self.root}: no file {sha256}") from err
        if verify and digest(data) != sha256:
            raise InputError(f"archive {self.root}: file {sha256} is damaged (hash differs)")
        return data

    def __contains__(self, sha256: object) -> bool:
        return isinstance(sha256, str) and _HASH.fullmatch(sha256) is not None and self.path(sha256).exists()

    def relative(self, sha256: str) -> str:
        if not _HASH.fullmatch(sha256):
            raise ValueError(f"not a sha256 hex digest: {sha256!r}")
        return f"{sha256[:2]}/{sha256[2:4]}/{sha256}"

    def path(self, sha256: str) -> Path:
        return self.root / self.relative(sha256)

    def sweep(self, older_than_days: float, keep: Collection[str] = (),
              *, now: float | None = None, dry_run: bool = False) -> list[str]:
        """Delete files older than the retention, except hashes in ``keep``.

        ``keep`` is what the store still needs (`Store.pinned_hashes()`: transmissions not
        done, outbound files not yet acknowledged). Returns the hashes removed (with
        ``dry_run``, those that would be, and nothing is touched).
        """
        now = time.time() if now is None else now
        cutoff = now - older_than_days * 86_400
        removed = []
        for path in self._files():
            if path.name not in keep and path.stat().st_mtime < cutoff:
                if not dry_run:
                    path.unlink(missing_ok=True)
                removed.append(path.name)
        if not dry_run:
            self._drop_stale_temps(now)
        return sorted(removed)

    def hashes(self) -> Iterator[str]:
        return (p.name for p in self._files())

    def _files(self) -> Iterator[Path]:
        for path in self.root.glob("[0-9a-f][0-9a-f]/[0-9a-f][0-9a-f]/*"):
            if _HASH.fullmatch(path.name) and path.name.startswith(path.parent.parent.name + path.parent.name):
                yield path

    def _drop_stale_temps(self, now: float) -> None:
        for tmp in self.root.glob(f"*/*/{_TMP_PREFIX}*"):
            if tmp.stat().st_mtime < now - _STALE_TMP.total_seconds():
                tmp.unlink(missing_ok=True)

    @staticmethod
    def _write(path: Path, data: bytes) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=_TMP_PREFIX, dir=path.parent)
        try:
            with os.fdopen(fd, "wb") as fh:
                fh.write(data)
                fh.flush()
                os.fsync(fh.fileno())
            os.chmod(tmp, 0o444)
            os.replace(tmp, path)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise
        _fsync_dir(path.parent)


def _fsync_dir(folder: Path) -> None:
    fd = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
