"""Sharing work between processes: control numbers, claims, single-flight polling.

- Control numbers: one row per partner, direction and kind, moved on by a single
  ``INSERT .. ON CONFLICT DO UPDATE .. RETURNING`` that commits by itself. PostgreSQL's row
  lock and SQLite's ``BEGIN IMMEDIATE`` serialise the draws, so numbers come out without
  gaps or repeats however many processes draw.
- Claims: ``FOR UPDATE SKIP LOCKED`` on PostgreSQL, so workers never wait for each other;
  on SQLite the immediate transaction makes the claim single-writer. A claim has a lease: a
  worker that died leaves work that another picks up once the lease has run out.
- Polling: on PostgreSQL a lease per channel in the store (`edigate.store.leases`), renewed
  while the poll runs and running out when its gateway dies, so gateways on several hosts
  take turns; an exclusive file lock beside a SQLite database file; nothing for an
  in-memory database.
"""

from __future__ import annotations

import datetime as dt
import fcntl
import functools
import os
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from sqlalchemy import ColumnElement, Select, and_, bindparam, case, or_, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from edigate.store import core
from edigate.store.leases import DEFAULT_TTL, LeasesMixin
from edigate.store.records import ControlKind, Direction, Status, Transmission
from edigate.store.tables import ControlSequenceRow, TransmissionRow
from edigate.store.types import utcnow

__all__ = ["MAX_CONTROL_NUMBER", "PollLock", "ReservedNumbers", "StoreControlNumbers", "WorkMixin", "draw", "draw_many"]

MAX_CONTROL_NUMBER = 999_999_999
DEFAULT_LEASE = dt.timedelta(minutes=10)


class StoreControlNumbers:
    """`edigate.x12.writer.ControlNumbers` backed by the store, for one partner and direction."""

    def __init__(self, store: WorkMixin, partner: str, direction: Direction = Direction.OUT) -> None:
        self.store, self.partner, self.direction = store, partner, direction

    def next(self, kind: str) -> int:
        return self.store.next_control_number(self.partner, ControlKind(kind), direction=self.direction)


class ReservedNumbers:
    """`ControlNumbers` handed out from blocks reserved beforehand, one per kind."""

    def __init__(self, blocks: Mapping[str, range]) -> None:
        self._left = {kind: iter(block) for kind, block in blocks.items()}

    def next(self, kind: str) -> int:
        try:
            return next(self._left[kind])
        except (KeyError, StopIteration):
            raise LookupError(f"no reserved {kind} control number left") from None


def _claimable(now: Any) -> ColumnElement[bool]:
    """Waiting, or processing under a lease that ran out (or none: left by an older ingest)."""
    return or_(TransmissionRow.status == Status.RECEIVED,
               and_(TransmissionRow.status == Status.PROCESSING,
                    or_(TransmissionRow.lease_until < now, TransmissionRow.lease_until.is_(None))))


@functools.cache
def _claim_statement(dialect: str, *, by_id: bool, by_partner: bool, limit: int = 1) -> Select[Any]:
    """The id of the transmission to claim (parameters ``now``, ``tx_id``, ``partner``),
    built once per shape: every file is claimed with it."""
    now = bindparam("now", type_=TransmissionRow.__table__.c.lease_until.type)
    q = select(TransmissionRow.id).where(_claimable(now))
    if by_id:
        q = q.where(TransmissionRow.id == bindparam("tx_id"))
    else:
        q = q.order_by(TransmissionRow.id).limit(limit)
    if by_partner:
        q = q.where(TransmissionRow.partner == bindparam("partner"))
    return q.with_for_update(skip_locked=True) if dialect == "postgresql" else q


def draw(s: Session, partner: str, kind: ControlKind, count: int, direction: Direction) -> range:
    """Move a sequence on by ``count`` inside the session's transaction; the numbers drawn."""
    return draw_many(s, partner, {kind: count}, direction)[kind]


def draw_many(s: Session, partner: str, counts: Mapping[ControlKind, int],
              direction: Direction) -> dict[ControlKind, range]:
    """`draw` for several sequences of a partner in one call (an interchange needs ISA13,
    GS06 and ST02 numbers), in the order given, so concurrent draws lock alike."""
    if not all(1 <= n <= MAX_CONTROL_NUMBER for n in counts.values()):
        raise ValueError(f"cannot reserve {sorted(counts.values())} control numbers")
    now = utcnow()
    rows = [{"partner": partner, "direction": direction, "kind": ControlKind(kind), "last_value": n,
             "updated_at": now} for kind, n in counts.items()]
    # through the session's connection (its transaction, its savepoint): the same statement
    # as an ORM-enabled bulk insert costs twice the CPU, and a draw is made for every output
    drawn = s.connection().execute(_draw_statement(s.get_bind().dialect.name), rows)
    return {ControlKind(kind): range(last - counts[kind] + 1, last + 1) for kind, last in drawn}


@functools.cache
def _draw_statement(dialect_name: str) -> Any:
    """The upsert that moves sequences on, built once per dialect: building it costs more
    than running it. The inserted value is the count, which an existing row adds to its last.
    Each returned row names its sequence, so the rows need not come back in the order given:
    without asking for that order, SQLAlchemy sends an interchange's three rows as one
    multi-row statement (with it, SQLite took one statement per row)."""
    dialect = postgresql if dialect_name == "postgresql" else sqlite
    stmt = dialect.insert(ControlSequenceRow)
    col, count = ControlSequenceRow.last_value, stmt.excluded.last_value
    return stmt.on_conflict_do_update(
        index_elements=["partner", "direction", "kind"],
        set_={"last_value": case((col > MAX_CONTROL_NUMBER - count, count), else_=col + count),
              "updated_at": stmt.excluded.updated_at},
    ).returning(ControlSequenceRow.kind, col)


class WorkMixin(LeasesMixin):

    def next_control_number(self, partner: str, kind: ControlKind,
                            direction: Direction = Direction.OUT) -> int:
        """The next number of a sequence (1 first, back to 1 after 999999999), committed."""
        return self.reserve_control_numbers(partner, kind, 1, direction)[0]

    def reserve_control_numbers(self, partner: str, kind: ControlKind, count: int,
                                direction: Direction = Direction.OUT) -> range:
        """``count`` consecutive numbers in one commit (a block that would pass 999999999
        starts again at 1), for an interchange of many transaction sets."""
        with self._write() as s:
            return draw(s, partner, kind, count, direction)

    def control_numbers(self, partner: str, direction: Direction = Direction.OUT) -> StoreControlNumbers:
        """Control numbers for the X12 writer, drawn from the store."""
        return StoreControlNumbers(self, partner, direction)

    def set_control_number(self, partner: str, kind: ControlKind, last_value: int,
                           direction: Direction = Direction.OUT) -> None:
        """Continue a sequence after ``last_value`` (onboarding a partner from another system)."""
        if not 0 <= last_value <= MAX_CONTROL_NUMBER:
            raise ValueError(f"control number {last_value} out of range")
        with self._write() as s:
            row = s.get(ControlSequenceRow, (partner, direction, ControlKind(kind)))
            if row is None:
                s.add(ControlSequenceRow(partner=partner, direction=direction, kind=ControlKind(kind),
                                         last_value=last_value, updated_at=utcnow()))
            else:
                row.last_value, row.updated_at = last_value, utcnow()

    def claim_next(self, worker: str, *, lease: dt.timedelta = DEFAULT_LEASE,
                   partner: str | None = None) -> Transmission | None:
        """Take the oldest transmission waiting for work (or whose lease ran out), or None."""
        return next(iter(self.claim_some(worker, limit=1, lease=lease, partner=partner)), None)

    def claim_some(self, worker: str, *, limit: int, lease: dt.timedelta = DEFAULT_LEASE,
                   partner: str | None = None) -> list[Transmission]:
        """`claim_next` for up to ``limit`` transmissions, oldest first, in one transaction."""
        q = _claim_statement(self.dialect, by_id=False, by_partner=partner is not None, limit=limit)
        return self._claim(q, {"now": utcnow(), "partner": partner}, worker, lease)

    def claim(self, transmission_id: int, worker: str, *,
              lease: dt.timedelta = DEFAULT_LEASE) -> Transmission | None:
        """Take this transmission if it waits for work (or its lease ran out); None when
        another worker holds it or nothing is left to do (`edigate ingest` claims what it
        received, so a crash leaves it to the gateway once the lease has run out)."""
        q = _claim_statement(self.dialect, by_id=True, by_partner=False)
        return next(iter(self._claim(q, {"now": utcnow(), "tx_id": transmission_id}, worker, lease)), None)

    def _claim(self, q: Select[Any], params: dict[str, Any], worker: str, lease: dt.timedelta) -> list[Transmission]:
        with self._connection(write=True) as conn:
            found = list(conn.execute(q, params).scalars())
            until = utcnow() + lease
            return [core.update_transmission(conn, tx_id, {"status": Status.PROCESSING, "claimed_by": worker,
                                                           "lease_until": until}) for tx_id in found]

    def renew(self, transmission_id: int, worker: str, lease: dt.timedelta = DEFAULT_LEASE) -> bool:
        """Extend a claim; False when it is no longer this worker's."""
        return self._update_claim(transmission_id, worker, lease_until=utcnow() + lease)

    def release(self, transmission_id: int, worker: str) -> bool:
        """Give a claimed transmission back untouched (a worker shutting down)."""
        return self._update_claim(transmission_id, worker, status=Status.RECEIVED,
                                  claimed_by=None, lease_until=None)

    def _update_claim(self, transmission_id: int, worker: str, **values: Any) -> bool:
        stmt = update(TransmissionRow).where(
            TransmissionRow.id == transmission_id, TransmissionRow.claimed_by == worker,
            TransmissionRow.status == Status.PROCESSING).values(**values)
        with self._write() as s:
            return bool(s.execute(stmt).rowcount)  # type: ignore[attr-defined]

    @contextmanager
    def try_poll_lock(self, partner: str, ttl: dt.timedelta = DEFAULT_TTL) -> Iterator[PollLock]:
        """Hold the partner's polling lock for the block; yields a false `PollLock` when another
        has it. On PostgreSQL the lock is a lease: a dead holder's runs out after ``ttl``."""
        if self.dialect == "postgresql":
            with self.hold(f"poll:{partner}", ttl=ttl) as lease:
                yield PollLock(lease is not None, lease.lost.is_set if lease is not None else _never)
        elif self.engine.url.database not in (None, "", ":memory:"):
            with _file_lock(f"{self.engine.url.database}.poll-{partner}.lock") as got:
                yield PollLock(got)
        else:
            yield PollLock(True)


def _never() -> bool:
    return False


@dataclass(frozen=True, slots=True)
class PollLock:
    """Whether we hold a polling lock (it is true when we do), and whether we lost it since
    (a lease another gateway took over after ours ran out: stop after the file in hand)."""

    held: bool
    lost: Callable[[], bool] = _never

    def __bool__(self) -> bool:
        return self.held


@contextmanager
def _file_lock(path: str) -> Iterator[bool]:
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            yield False
            return
        yield True
    finally:
        os.close(fd)
