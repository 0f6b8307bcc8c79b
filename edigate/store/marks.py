"""Marks: small facts the gateway keeps about the systems around it, by kind and key.

`mark_once` is atomic across processes (a unique key): a routed payload is marked
delivered once, a webhook id is taken once. `mark_value` / `set_mark_value` keep a
value under a key (a poller's position, so a restart neither reads again nor skips), and
`mark_values` lists a kind that holds pending work.
"""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import delete, exc, select
from sqlalchemy.orm import Session

from edigate.errors import StoreError
from edigate.store import core
from edigate.store.base import StoreBase
from edigate.store.tables import MarkRow
from edigate.store.types import utcnow

__all__ = ["MarksMixin"]

_CHUNK = 500
"""Keys per query (SQLite takes a bounded number of parameters)."""


class MarksMixin(StoreBase):

    def mark_once(self, kind: str, key: str, value: str = "") -> bool:
        """Record (kind, key); False when it was recorded before (by any process)."""
        try:
            with self._write() as s:
                if s.scalar(select(MarkRow.id).where(MarkRow.kind == kind, MarkRow.key == key)) is not None:
                    return False
                s.add(MarkRow(kind=kind, key=key, value=value, at=utcnow()))
                s.flush()
        except StoreError as err:
            if isinstance(err.__cause__, exc.IntegrityError):
                return False  # another process recorded it between our look and our insert
            raise
        return True

    def mark_many(self, kind: str, keys: Iterable[str]) -> None:
        """Record each of ``keys`` under ``kind`` not recorded yet, in one transaction."""
        wanted = list(dict.fromkeys(keys))
        if not wanted:
            return

        def put(s: Session) -> None:
            have: set[str] = set()
            for start in range(0, len(wanted), _CHUNK):
                have.update(self._core(s, core.statement("marked"),
                                       {"kind": kind, "keys": wanted[start:start + _CHUNK]}).scalars())
            now = utcnow()
            if new := [{"kind": kind, "key": k, "value": "", "at": now} for k in wanted if k not in have]:
                self._core(s, core.statement("insert_marks"), new)
        self._write_retrying(put)

    def unmark(self, kind: str, key: str) -> None:
        """Forget (kind, key), so that it may be taken again (work that was not done)."""
        with self._write() as s:
            s.execute(delete(MarkRow).where(MarkRow.kind == kind, MarkRow.key == key))

    def marked(self, kind: str, keys: Iterable[str]) -> set[str]:
        """Those of ``keys`` recorded under ``kind``."""
        wanted = list(keys)
        found: set[str] = set()
        with self._connection(write=False) as conn:
            for start in range(0, len(wanted), _CHUNK):
                found.update(conn.execute(core.statement("marked"),
                                        {"kind": kind, "keys": wanted[start:start + _CHUNK]}).scalars())
        return found

    def mark_values(self, kind: str) -> dict[str, str]:
        """Every key recorded under ``kind`` with its value (for the few kinds that hold
        pending work, not the large ones)."""
        with self._read() as s:
            return {k: v for k, v in s.execute(select(MarkRow.key, MarkRow.value).where(MarkRow.kind == kind))}

    def mark_value(self, kind: str, key: str) -> str | None:
        """The value kept under (kind, key), None when there is none."""
        with self._read() as s:
            return s.scalar(select(MarkRow.value).where(MarkRow.kind == kind, MarkRow.key == key))

    def set_mark_value(self, kind: str, key: str, value: str) -> None:
        """Keep ``value`` under (kind, key), replacing what was there."""
        def put(s: Session) -> None:
            row = s.scalar(select(MarkRow).where(MarkRow.kind == kind, MarkRow.key == key))
            if row is None:
                s.add(MarkRow(kind=kind, key=key, value=value, at=utcnow()))
            else:
                row.value, row.at = value, utcnow()
        self._write_retrying(put)
