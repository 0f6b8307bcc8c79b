"""The store's core: one engine, one transaction per call, records out."""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager, nullcontext
from contextvars import ContextVar
from typing import Any, Self, TypeVar

from sqlalchemy import Connection, CursorResult, Engine, Executable, exc, text
from sqlalchemy.orm import Session

from edigate.errors import StoreError, UsageError
from edigate.store.engine import WRITE, connect, guard, session
from edigate.store.migrate import migrate
from edigate.store.tables import TransmissionRow

__all__ = ["StoreBase"]

T = TypeVar("T")


class StoreBase:
    """Holds the engine; every public method of `Store` runs in its own transaction, or in
    the caller's `unit` when one is open in this thread."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self._unit: ContextVar[Session | None] = ContextVar(f"edigate-unit-{id(self)}", default=None)
        """The transaction of the `unit` open in this thread, if any."""

    @classmethod
    def open(cls, url: str, *, upgrade: bool = True, password: str | None = None) -> Self:
        """Connect to ``url`` (with ``password``, when the URL holds none) and bring its
        schema to the newest revision."""
        engine = connect(url, password=password)
        store = cls(engine)
        if upgrade:
            migrate(engine)
        else:
            store.ping()
        return store

    @property
    def dialect(self) -> str:
        return self.engine.dialect.name

    def ping(self) -> None:
        """Raise `StoreError` when the database does not answer."""
        with guard(self.engine.url), self.engine.connect() as conn:
            conn.execute(text("SELECT 1"))

    def close(self) -> None:
        self.engine.dispose()

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *_: object) -> None:
        self.close()

    @contextmanager
    def unit(self) -> Iterator[None]:
        """Run every store call of the block, in this thread, in one write transaction,
        committed when the block ends and rolled back as a whole when it raises.

        Each call inside keeps its own all-or-nothing behaviour (a savepoint), so a call
        that fails leaves the others in place; the stage timeline's start and finish take
        none, since their failure always ends the unit. A unit inside a unit joins it. Hold one
        briefly and never across network I/O: it is the single writer on SQLite.
        """
        if self._unit.get() is not None:
            yield
            return
        with session(self.engine, write=True) as s:
            token = self._unit.set(s)
            try:
                yield
            finally:
                self._unit.reset(token)

    @contextmanager
    def atomic(self) -> Iterator[None]:
        """A `unit`, or inside one a savepoint: the block's writes are undone alone when it
        raises, and the unit goes on (several small files' stage in one transaction)."""
        if (s := self._unit.get()) is None:
            with self.unit():
                yield
            return
        with guard(self.engine.url), s.begin_nested():
            yield

    @contextmanager
    def _write(self, *, savepoint: bool = True) -> Iterator[Session]:
        """A write transaction, or within a `unit` a savepoint; ``savepoint=False`` for the
        calls whose failure always ends the unit (a stage's timeline entry), where a
        savepoint would only cost two statements more."""
        if (s := self._unit.get()) is None:
            with session(self.engine, write=True) as s:
                yield s
            return
        with guard(self.engine.url), (s.begin_nested() if savepoint else nullcontext()):
            yield s

    @contextmanager
    def _read(self) -> Iterator[Session]:
        if (s := self._unit.get()) is None:
            with session(self.engine, write=False) as s:
                yield s
            return
        with guard(self.engine.url):
            yield s

    @contextmanager
    def _connection(self, *, write: bool, savepoint: bool = True) -> Iterator[Connection]:
        """`_write` or `_read` for calls made only of Core statements: a connection in its
        own transaction, without a session (whose transaction costs more than a small
        file's statements), or the open `unit`'s connection (in a savepoint, for writes)."""
        if (s := self._unit.get()) is not None:
            with guard(self.engine.url), (s.begin_nested() if write and savepoint else nullcontext()):
                yield s.connection()
            return
        with guard(self.engine.url), self.engine.connect() as conn:
            with conn.execution_options(**{WRITE: write}).begin():
                yield conn

    def _write_retrying(self, work: Callable[[Session], T], attempts: int = 3) -> T:
        """Run ``work`` in a write transaction, again when a concurrent insert won a unique key."""
        for left in range(attempts, 0, -1):
            try:
                with self._write() as s:
                    return work(s)
            except StoreError as err:
                if left == 1 or not isinstance(err.__cause__, exc.IntegrityError):
                    raise
        raise AssertionError("unreachable")

    @staticmethod
    def _core(s: Session, statement: Executable,
              params: Mapping[str, Any] | Sequence[Mapping[str, Any]] | None = None) -> CursorResult[Any]:
        """Run a Core statement on the session's connection (its transaction, its savepoint),
        bypassing the ORM's execution path: for the statements every small file runs, where
        that path costs more than the statement. Pending ORM objects are not flushed first."""
        return s.connection().execute(statement, params)

    @staticmethod
    def _tx(s: Session, transmission_id: int, *, lock: bool = False) -> TransmissionRow:
        row = s.get(TransmissionRow, transmission_id, with_for_update=lock)
        if row is None:
            raise UsageError(f"no transmission {transmission_id}", code="store.not_found")
        return row
