"""The ``postgresql`` archive: files as content-addressed blobs in the store's own database.

Gateways on several hosts that share the store share the archive with it, and one backup
holds both. A file is a row in ``archive_blobs`` (hash, size, when last put) and its bytes
are ordered chunks of `CHUNK` bytes in ``archive_chunks``: a write inserts one chunk at a
time under a temporary key and, once the last is in, renames them to the hash in the same
transaction, so a crash leaves nothing and concurrent writers of the same bytes end with one
copy; a read fetches one chunk at a time and checks the hash at the end. Written for
PostgreSQL; it runs on SQLite too (a single node gains nothing from it there).
"""

from __future__ import annotations

import contextlib
import datetime as dt
import functools
import hashlib
import time
import uuid
from collections.abc import Collection, Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from sqlalchemy import Connection, and_, bindparam, delete, func, insert, select, update
from sqlalchemy.dialects import postgresql, sqlite

from edigate.errors import InputError
from edigate.store.archive import (
    CACHE_DAYS,
    CHUNK,
    Archive,
    ArchivedFile,
    chunked,
    digest,
    is_hash,
    relative,
    verified,
)
from edigate.store.base import StoreBase
from edigate.store.engine import WRITE, guard, session
from edigate.store.tables import ArchiveBlobRow, ArchiveChunkRow
from edigate.store.types import utcnow

__all__ = ["DatabaseArchive"]

_CHUNK = (select(ArchiveBlobRow.chunks, ArchiveChunkRow.data)
          .outerjoin(ArchiveChunkRow, and_(ArchiveChunkRow.blob == ArchiveBlobRow.sha256,
                                           ArchiveChunkRow.seq == bindparam("seq")))
          .where(ArchiveBlobRow.sha256 == bindparam("sha")))
"""A blob's count of chunks and its chunk ``seq`` (None when missing) in one query."""


@functools.cache
def _insert_blob(dialect_name: str) -> Any:
    dialect = postgresql if dialect_name == "postgresql" else sqlite
    return (dialect.insert(ArchiveBlobRow).on_conflict_do_nothing(index_elements=["sha256"])
            .returning(ArchiveBlobRow.sha256))


class DatabaseArchive:
    """Archived files in the store's database; ``cache`` is a local folder for the copies
    a helper process reads (`local_copy`)."""

    def __init__(self, store: StoreBase, cache: Path) -> None:
        self.engine = store.engine
        self.cache = Archive(cache)

    @property
    def location(self) -> str:
        return f"database {self.engine.url.render_as_string(hide_password=True)}"

    def put(self, data: bytes) -> ArchivedFile:
        """A file of one chunk (most are) goes in under its hash at once: one transaction."""
        if len(data) > CHUNK:
            return self.put_stream(chunked(data))
        sha, now = digest(data), utcnow()
        with self._connection(write=True) as conn:
            if self._add_blob(conn, sha, len(data), 1 if data else 0, now):
                if data:
                    conn.execute(insert(ArchiveChunkRow).values(blob=sha, seq=0, data=data))
        return ArchivedFile(sha, len(data), None, relative(sha))

    def put_stream(self, chunks: Iterable[bytes]) -> ArchivedFile:
        temp, hasher, size, seq = f"tmp-{uuid.uuid4().hex}", hashlib.sha256(), 0, 0
        with self._connection(write=True) as conn:
            for chunk in chunked(chunks):
                conn.execute(insert(ArchiveChunkRow).values(blob=temp, seq=seq, data=chunk))
                hasher.update(chunk)
                size, seq = size + len(chunk), seq + 1
            sha = hasher.hexdigest()
            if self._add_blob(conn, sha, size, seq, utcnow()):
                conn.execute(update(ArchiveChunkRow).where(ArchiveChunkRow.blob == temp).values(blob=sha))
            else:
                conn.execute(delete(ArchiveChunkRow).where(ArchiveChunkRow.blob == temp))
        return ArchivedFile(sha, size, None, relative(sha))

    @staticmethod
    def _add_blob(conn: Connection, sha: str, size: int, chunks: int, now: dt.datetime) -> bool:
        """Record the blob; False when the same bytes are here already (then only fresh
        again for the retention sweep), and its chunks must not be written again."""
        added = conn.scalar(_insert_blob(conn.dialect.name), {"sha256": sha, "size": size, "chunks": chunks,
                                                              "touched_at": now})
        if added is None:
            conn.execute(update(ArchiveBlobRow).where(ArchiveBlobRow.sha256 == sha).values(touched_at=now))
        return added is not None

    @contextmanager
    def _connection(self, *, write: bool) -> Iterator[Connection]:
        """One transaction on a bare connection (no ORM session: a small file is a statement or two)."""
        with guard(self.engine.url), self.engine.connect() as conn:
            conn = conn.execution_options(**{WRITE: write})
            with conn.begin():
                yield conn

    def batched(self) -> contextlib.AbstractContextManager[None]:
        """Every put is durable as it returns here: nothing to do as a batch ends."""
        return contextlib.nullcontext()

    def get(self, sha256: str, *, verify: bool = True) -> bytes:
        return b"".join(self.stream(sha256) if verify else self._chunks(sha256))

    def stream(self, sha256: str) -> Iterator[bytes]:
        return verified(self._chunks(sha256), sha256, self.location)

    def _chunks(self, sha256: str) -> Iterator[bytes]:
        """Each chunk in its own short read, with the blob's count of chunks (one query per chunk)."""
        seq, count = 0, 1
        while seq < count:
            with self._connection(write=False) as conn:
                row = conn.execute(_CHUNK, {"sha": sha256, "seq": seq}).first()
            if row is None:
                raise InputError(f"archive {self.location}: no file {sha256}")
            count, chunk = row
            if chunk is None and seq < count:
                raise InputError(f"archive {self.location}: file {sha256} lost its chunk {seq}",
                                 code="archive.damaged")
            if chunk is not None:
                yield chunk
            seq += 1

    def local_copy(self, sha256: str) -> Path:
        return self.cache.kept_copy(sha256, self.stream)

    def __contains__(self, sha256: object) -> bool:
        if not is_hash(sha256):
            return False
        with session(self.engine, write=False) as s:
            return s.scalar(select(func.count()).where(ArchiveBlobRow.sha256 == sha256)) == 1

    def hashes(self) -> Iterator[str]:
        with session(self.engine, write=False) as s:
            found = list(s.scalars(select(ArchiveBlobRow.sha256).order_by(ArchiveBlobRow.sha256)))
        return iter(found)

    def sweep(self, older_than_days: float, keep: Collection[str] = (),
              *, now: float | None = None, dry_run: bool = False) -> list[str]:
        """Delete blobs last put before the retention, except hashes in ``keep``; a blob put
        again meanwhile (by another gateway) stays. Local copies go after `CACHE_DAYS`."""
        now = time.time() if now is None else now
        cutoff = dt.datetime.fromtimestamp(now - older_than_days * 86_400, dt.UTC)
        with session(self.engine, write=False) as s:
            old = [sha for sha in s.scalars(select(ArchiveBlobRow.sha256).where(ArchiveBlobRow.touched_at < cutoff))
                   if sha not in keep]
        removed = old if dry_run else [sha for sha in old if self._drop(sha, cutoff)]
        if not dry_run:
            self.cache.sweep(CACHE_DAYS, now=now)
        return sorted(removed)

    def _drop(self, sha256: str, cutoff: dt.datetime) -> bool:
        with session(self.engine, write=True) as s:
            gone = s.execute(delete(ArchiveBlobRow).where(ArchiveBlobRow.sha256 == sha256,
                                                          ArchiveBlobRow.touched_at < cutoff))
            if not gone.rowcount:  # type: ignore[attr-defined]
                return False
            s.execute(delete(ArchiveChunkRow).where(ArchiveChunkRow.blob == sha256))
            return True
