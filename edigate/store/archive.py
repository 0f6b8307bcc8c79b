"""Content-addressed archive of raw bytes: every inbound file before it is parsed, and every
outbound file before it is sent.

`ArchiveBackend` is what the pipeline, the order desk and the sweep use; three backends
implement it: `Archive`, the local folder (the default, this module), the store's database
(`edigate.store.archive_db`) and S3-compatible object storage (`edigate.store.archive_s3`),
the last two shared by gateways on several hosts. Every backend addresses a file by its
SHA-256, writes and reads in chunks, and checks the hash on read.

In the folder, a file lives at ``<root>/ab/cd/<sha256>``. Writes go to a temporary file in
the same folder, are flushed to disk and renamed into place, so a crash leaves either the
whole file or nothing; inside `Archive.batched`, the files of a batch are flushed and
renamed together. Writing the same bytes twice is a no-op. File names from partners never
become paths here: only hashes do. A write that fails (a full disk) is one `StoreError` line.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import hashlib
import os
import re
import tempfile
import threading
import time
from collections.abc import Callable, Collection, Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO, Protocol

from edigate.durable import can_sync_filesystem, fsync_path, sync_filesystem
from edigate.errors import InputError, StoreError

__all__ = ["BATCH_SYNCFS_FROM", "CACHE_DAYS", "CHUNK", "Archive", "ArchiveBackend", "ArchivedFile", "chunked",
           "digest", "is_hash", "relative", "verified"]

_HASH = re.compile(r"[0-9a-f]{64}")
_TMP_PREFIX = ".tmp-"
_STALE_TMP = dt.timedelta(days=1)
CHUNK = 1 << 20
"""Bytes per chunk written or read (1 MiB): a big file never sits whole in a backend's memory."""
CACHE_DAYS = 1.0
"""How long a shared backend's local copies (`ArchiveBackend.local_copy`) are kept: they can
be fetched again, so the sweep drops them after a day whatever the retention."""
BATCH_SYNCFS_FROM = 4
"""From this many files, a batch (`Archive.batched`) is made durable by two syncs of the
filesystem (its data, then its names) rather than two fsyncs a file."""


def digest(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def relative(sha256: str) -> str:
    """``ab/cd/<sha256>``: where a file lives under a folder or a bucket's prefix."""
    if not _HASH.fullmatch(sha256):
        raise ValueError(f"not a sha256 hex digest: {sha256!r}")
    return f"{sha256[:2]}/{sha256[2:4]}/{sha256}"


def is_hash(value: object) -> bool:
    return isinstance(value, str) and _HASH.fullmatch(value) is not None


def chunked(data: bytes | Iterable[bytes]) -> Iterator[bytes]:
    """``data`` in pieces of at most `CHUNK` bytes (slices of one buffer: no copies)."""
    if isinstance(data, bytes | bytearray | memoryview):
        view = memoryview(data)
        for start in range(0, len(view), CHUNK):
            yield bytes(view[start:start + CHUNK])
        return
    yield from data


def verified(chunks: Iterable[bytes], sha256: str, where: str) -> Iterator[bytes]:
    """``chunks`` passed on, hashed on the way; `InputError` naming ``where`` at the end
    when the hash differs from ``sha256`` (the bytes were damaged or replaced)."""
    hasher = hashlib.sha256()
    for chunk in chunks:
        hasher.update(chunk)
        yield chunk
    if hasher.hexdigest() != sha256:
        raise InputError(f"archive {where}: file {sha256} is damaged (hash differs)", code="archive.damaged")


@dataclass(frozen=True, slots=True)
class ArchivedFile:
    sha256: str
    size: int
    path: Path | None
    """The file on local disk (the folder backend), None where the bytes live elsewhere."""
    relative: str  # "ab/cd/<sha256>", what the store records


class ArchiveBackend(Protocol):
    """Where raw bytes are kept by their SHA-256: what every stage, the desk and the sweep use."""

    @property
    def location(self) -> str:
        """Where the files are, in words (a folder, a database, a bucket), for messages."""
        ...

    def put(self, data: bytes) -> ArchivedFile:
        """Store ``data`` durably; the same bytes again change nothing but their age."""
        ...

    def put_stream(self, chunks: Iterable[bytes]) -> ArchivedFile:
        """`put` for bytes that come in pieces, never holding them whole."""
        ...

    def batched(self) -> contextlib.AbstractContextManager[None]:
        """A block whose puts (in this thread) are durable once it ends, together, rather
        than each as it returns: end it before the transaction that records them commits.
        Where every put is durable at once anyway, a block that changes nothing."""
        ...

    def get(self, sha256: str, *, verify: bool = True) -> bytes:
        """The bytes under ``sha256``; `InputError` when missing or damaged."""
        ...

    def stream(self, sha256: str) -> Iterator[bytes]:
        """The bytes under ``sha256`` in chunks, the hash checked at the end."""
        ...

    def local_copy(self, sha256: str) -> Path:
        """A file on local disk holding the bytes (a helper process reads it)."""
        ...

    def __contains__(self, sha256: object) -> bool: ...

    def hashes(self) -> Iterator[str]: ...

    def sweep(self, older_than_days: float, keep: Collection[str] = (),
              *, now: float | None = None, dry_run: bool = False) -> list[str]:
        """Delete files older than the retention, except hashes in ``keep``; those removed."""
        ...


class Archive:
    """Raw bytes on disk under ``root``, addressed by their SHA-256."""

    def __init__(self, root: str | os.PathLike[str]) -> None:
        self.root = Path(root)
        self._local = threading.local()  # this thread's open batch: `_pending`

    @property
    def location(self) -> str:
        return str(self.root)

    def put(self, data: bytes) -> ArchivedFile:
        """Store ``data`` durably and return where; the same bytes again change nothing.
        Inside `batched`, durable (and in place) when the block ends."""
        sha = digest(data)
        path = self.path(sha)
        pending = self._pending()
        try:
            if pending is not None and sha in pending:
                pass
            elif path.exists():
                os.utime(path)  # fresh again for the retention sweep
            elif pending is not None:
                pending[sha] = (self._unsynced(path, data), path)
            else:
                self._write(path, data)
        except OSError as exc:  # a full disk (ENOSPC), a file size limit (EFBIG), a read-only mount
            raise self._unwritable(len(data), exc) from exc
        return ArchivedFile(sha, len(data), path, self.relative(sha))

    def put_stream(self, chunks: Iterable[bytes]) -> ArchivedFile:
        """`put` for bytes that come in pieces: written to a temporary file while hashed."""
        size, hasher = 0, hashlib.sha256()
        try:
            self.root.mkdir(parents=True, exist_ok=True)
            fd, tmp = tempfile.mkstemp(prefix=_TMP_PREFIX, dir=self.root)
            with _removed_on_failure(Path(tmp)):
                with os.fdopen(fd, "wb") as fh:
                    for chunk in chunks:
                        fh.write(chunk)
                        hasher.update(chunk)
                        size += len(chunk)
                    _synced(fh)
                sha = hasher.hexdigest()
                if self.path(sha).exists():
                    Path(tmp).unlink()
                    os.utime(self.path(sha))
                else:
                    self._place(Path(tmp), self.path(sha))
        except OSError as exc:
            raise self._unwritable(size, exc) from exc
        return ArchivedFile(sha, size, self.path(sha), self.relative(sha))

    @contextlib.contextmanager
    def batched(self) -> Iterator[None]:
        """Puts in this thread inside the block go to temporary files, unsynced; as the
        block ends, their data is flushed to disk, then each is renamed into place, then
        the names are flushed: two syncs of the filesystem for the batch from
        `BATCH_SYNCFS_FROM` files, not two fsyncs a file. Until then `get` and the other
        readers find them under their temporary names. A block that raises leaves none of
        them; a nested block is part of the outer one."""
        if self._pending() is not None:
            yield
            return
        pending: dict[str, tuple[Path, Path]] = {}
        self._local.pending = pending
        try:
            yield
            self._settle(pending)
        finally:
            self._local.pending = None
            for tmp, _ in pending.values():
                tmp.unlink(missing_ok=True)  # what was not put in place

    def _pending(self) -> dict[str, tuple[Path, Path]] | None:
        return getattr(self._local, "pending", None)

    def _settle(self, pending: dict[str, tuple[Path, Path]]) -> None:
        """The batch's files durable, in place, and their names durable."""
        if not pending:
            return
        whole_disk = len(pending) >= BATCH_SYNCFS_FROM and can_sync_filesystem()
        try:
            if whole_disk:
                sync_filesystem(self.root)  # the data is on disk before any name points at it
            for tmp, path in list(pending.values()):
                if not whole_disk:
                    fsync_path(tmp)
                os.chmod(tmp, 0o444)
                os.replace(tmp, path)
            if whole_disk:
                sync_filesystem(self.root)
            else:
                for folder in {path.parent for _, path in pending.values()}:
                    fsync_path(folder)
        except OSError as exc:
            raise self._unwritable(sum(_size(t) for t, _ in pending.values()), exc) from exc

    def _where(self, sha256: str) -> Path:
        """Where the file is now: its place, or its temporary file inside `batched`."""
        pending = self._pending()
        return pending[sha256][0] if pending and sha256 in pending else self.path(sha256)

    def stream(self, sha256: str) -> Iterator[bytes]:
        try:
            fh = self._where(sha256).open("rb")
        except FileNotFoundError as err:
            raise InputError(f"archive {self.root}: no file {sha256}") from err
        with fh:
            yield from verified(iter(lambda: fh.read(CHUNK), b""), sha256, str(self.root))

    def local_copy(self, sha256: str) -> Path:
        path = self._where(sha256)
        if not path.exists():
            raise InputError(f"archive {self.root}: no file {sha256}")
        return path

    def kept_copy(self, sha256: str, fetch: Callable[[str], Iterable[bytes]]) -> Path:
        """The file for ``sha256`` in this folder, fetched once through ``fetch`` (a shared
        backend's local copies: the folder is its cache)."""
        if sha256 not in self:
            self.put_stream(fetch(sha256))
        return self.path(sha256)

    def _unwritable(self, size: int, exc: OSError) -> StoreError:
        return StoreError(f"archive {self.root}: cannot write {size:,} bytes: {exc.strerror}; nothing "
                          "was recorded, the file is left to be taken again", code="archive.write")

    def get(self, sha256: str, *, verify: bool = True) -> bytes:
        """The bytes stored under ``sha256``; `InputError` when missing or damaged."""
        path = self._where(sha256)
        try:
            data = path.read_bytes()
        except FileNotFoundError as err:
            raise InputError(f"archive {self.root}: no file {sha256}") from err
        if verify and digest(data) != sha256:
            raise InputError(f"archive {self.root}: file {sha256} is damaged (hash differs)")
        return data

    def __contains__(self, sha256: object) -> bool:
        return is_hash(sha256) and self._where(str(sha256)).exists()

    @staticmethod
    def relative(sha256: str) -> str:
        return relative(sha256)

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
        for tmp in [*self.root.glob(f"{_TMP_PREFIX}*"), *self.root.glob(f"*/*/{_TMP_PREFIX}*")]:
            try:
                stale = tmp.stat().st_mtime < now - _STALE_TMP.total_seconds()
            except FileNotFoundError:  # renamed into place meanwhile (a batch settling)
                continue
            if stale:
                tmp.unlink(missing_ok=True)

    @staticmethod
    def _write(path: Path, data: bytes) -> None:
        """Write ``data`` to a temporary file beside ``path``, then put it in place (`_place`)."""
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=_TMP_PREFIX, dir=path.parent)
        with _removed_on_failure(Path(tmp)):
            with os.fdopen(fd, "wb") as fh:
                fh.write(data)
                _synced(fh)
            Archive._place(Path(tmp), path)

    @staticmethod
    def _unsynced(path: Path, data: bytes) -> Path:
        """``data`` in a temporary file beside ``path``, not flushed yet (see `batched`)."""
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=_TMP_PREFIX, dir=path.parent)
        with _removed_on_failure(Path(tmp)), os.fdopen(fd, "wb") as fh:
            fh.write(data)
        return Path(tmp)

    @staticmethod
    def _place(tmp: Path, path: Path) -> None:
        """Rename ``tmp``, already flushed to disk, to ``path``: the whole file or nothing."""
        path.parent.mkdir(parents=True, exist_ok=True)
        os.chmod(tmp, 0o444)
        os.replace(tmp, path)
        fsync_path(path.parent)

@contextlib.contextmanager
def _removed_on_failure(tmp: Path) -> Iterator[None]:
    """A temporary file removed when writing it fails (a full disk leaves no partial file)."""
    try:
        yield
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise


def _synced(fh: BinaryIO) -> None:
    """Flush an open file to disk through its own descriptor (no second open to sync it)."""
    fh.flush()
    os.fsync(fh.fileno())


def _size(path: Path) -> int:
    try:
        return path.stat().st_size
    except OSError:
        return 0
