"""Leases in the store: what gateways on several hosts take before they poll a channel or
run a scheduled job, so each is done by one gateway at a time.

A lease is a row of ``gateway_leases``: who holds it and until when. Taking one is a single
upsert that wins only where the row is free, expired or already ours, so two gateways never
both hold it; the holder renews it from a thread while it works (`LeasesMixin.hold`), and a
gateway that dies (SIGKILL, a lost host) lets it run out. A *turn* (`take_turn`) is a lease
that also records when the job last ran, and is refused until ``every`` has passed since:
three gateways firing the same five-minute job run it once per five minutes between them,
and a restarted gateway does not run a daily job again the hour after it ran.
"""

from __future__ import annotations

import datetime as dt
import functools
import logging
import threading
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from sqlalchemy import ColumnElement, and_, or_, update
from sqlalchemy.dialects import postgresql, sqlite

from edigate.errors import EdigateError
from edigate.store.base import StoreBase
from edigate.store.tables import LeaseRow
from edigate.store.types import utcnow

__all__ = ["DEFAULT_TTL", "Lease", "LeasesMixin", "holder_id"]

log = logging.getLogger(__name__)

DEFAULT_TTL = dt.timedelta(seconds=30)
"""How long a lease outlives its holder's last renewal (renewed every third of it)."""


def holder_id(prefix: str = "") -> str:
    """A holder name no other taker shares (the same gateway's two polls included)."""
    return f"{prefix}{':' if prefix else ''}{uuid.uuid4().hex[:12]}"


class Lease:
    """A lease held and renewed from a thread until released; ``lost`` is set when a
    renewal found it taken (the holder should stop after the work in hand)."""

    def __init__(self, store: LeasesMixin, name: str, holder: str, ttl: dt.timedelta) -> None:
        self.store, self.name, self.holder, self.ttl = store, name, holder, ttl
        self.lost = threading.Event()
        self._done = threading.Event()
        self._thread = threading.Thread(target=self._renew, name=f"lease {name}", daemon=True)

    def _renew(self) -> None:
        while not self._done.wait(self.ttl.total_seconds() / 3):
            try:
                if not self.store.renew_lease(self.name, self.holder, self.ttl):
                    log.error("lease %s was taken over; stopping after the work in hand", self.name)
                    self.lost.set()
                    return
            except EdigateError as exc:  # the store is down: the lease runs out, as the holder's death would
                log.error("lease %s not renewed: %s", self.name, exc)

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._done.set()
        if self._thread.is_alive():
            self._thread.join()


def _free_or_ours(now: Any, holder: Any) -> ColumnElement[bool]:
    return or_(LeaseRow.holder.is_(None), LeaseRow.expires_at < now, LeaseRow.holder == holder)


class LeasesMixin(StoreBase):

    def take_lease(self, name: str, holder: str, ttl: dt.timedelta = DEFAULT_TTL) -> bool:
        """Take (or keep) the lease ``name`` for ``ttl``; False when another holds it."""
        return self._upsert(name, holder, ttl, None)

    def take_turn(self, name: str, holder: str, every: dt.timedelta, ttl: dt.timedelta = DEFAULT_TTL) -> bool:
        """Take the lease ``name`` only if the job it guards last ran ``every`` ago or more
        (or never), and record that it runs now; False otherwise."""
        return self._upsert(name, holder, ttl, every)

    def _upsert(self, name: str, holder: str, ttl: dt.timedelta, every: dt.timedelta | None) -> bool:
        now = utcnow()
        stmt = _take_statement(self.dialect, every is not None)
        params = {"name": name, "holder": holder, "expires_at": now + ttl, "now": now,
                  "last_run_at": now if every is not None else None, "due": now - (every or dt.timedelta(0))}
        with self._write() as s:
            return s.execute(stmt, params).first() is not None

    def renew_lease(self, name: str, holder: str, ttl: dt.timedelta = DEFAULT_TTL) -> bool:
        """Extend our lease; False when it is no longer ours."""
        stmt = (update(LeaseRow).where(LeaseRow.name == name, LeaseRow.holder == holder)
                .values(expires_at=utcnow() + ttl))
        with self._write() as s:
            return bool(s.execute(stmt).rowcount)  # type: ignore[attr-defined]

    def drop_lease(self, name: str, holder: str) -> None:
        """Give our lease back at once (the next taker need not wait for it to run out)."""
        stmt = (update(LeaseRow).where(LeaseRow.name == name, LeaseRow.holder == holder)
                .values(holder=None, expires_at=utcnow()))
        with self._write() as s:
            s.execute(stmt)

    @contextmanager
    def hold(self, name: str, holder: str | None = None, ttl: dt.timedelta = DEFAULT_TTL,
             every: dt.timedelta | None = None) -> Iterator[Lease | None]:
        """The lease (with ``every``: the turn) held and renewed for the block; None when
        another holds it (or the job's turn has not come)."""
        holder = holder or holder_id()
        got = self.take_lease(name, holder, ttl) if every is None else self.take_turn(name, holder, every, ttl)
        if not got:
            yield None
            return
        lease = Lease(self, name, holder, ttl)
        lease.start()
        try:
            yield lease
        finally:
            lease.stop()
            self.drop_lease(name, holder)


@functools.cache
def _take_statement(dialect_name: str, turn: bool) -> Any:
    """The upsert that takes a lease (a turn: also only when due), built once per dialect."""
    from sqlalchemy import bindparam

    dialect = postgresql if dialect_name == "postgresql" else sqlite
    stmt = dialect.insert(LeaseRow).values(name=bindparam("name"), holder=bindparam("holder"),
                                           expires_at=bindparam("expires_at"), last_run_at=bindparam("last_run_at"))
    when = _free_or_ours(bindparam("now"), bindparam("holder"))
    values: dict[str, Any] = {"holder": stmt.excluded.holder, "expires_at": stmt.excluded.expires_at}
    if turn:
        when = and_(when, or_(LeaseRow.last_run_at.is_(None), LeaseRow.last_run_at <= bindparam("due")))
        values["last_run_at"] = stmt.excluded.last_run_at
    return stmt.on_conflict_do_update(index_elements=["name"], set_=values, where=when).returning(LeaseRow.name)
