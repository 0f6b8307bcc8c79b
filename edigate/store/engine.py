"""Engines, transactions and the error boundary.

SQLite runs in WAL mode with a busy timeout and foreign keys on. Its driver's own
transaction handling is switched off so that writes start with ``BEGIN IMMEDIATE``: the
writer lock is taken up front and concurrent writers queue on the busy timeout instead of
failing on a lock upgrade. Reads begin deferred and never block writers.
"""

from __future__ import annotations

import os
import weakref
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from sqlalchemy import Engine, create_engine, event, exc
from sqlalchemy.engine import Connection, make_url
from sqlalchemy.orm import Session

from edigate.errors import StoreError

__all__ = ["WRITE", "connect", "guard", "session"]

#: Execution option that makes a transaction a writer (``BEGIN IMMEDIATE`` on SQLite).
WRITE = "edigate_write"
BUSY_TIMEOUT_MS = 30_000


def connect(url: str, *, password: str | None = None) -> Engine:
    """An engine for ``url``, configured for the store; ``password`` (from edigate.yaml's
    ``store_password``) is given to the server, never written into the URL's text."""
    try:
        parsed = make_url(url)
    except exc.ArgumentError as err:
        raise StoreError(f"store URL {url!r} is not a database URL") from err
    if parsed.get_backend_name() == "sqlite":
        return _sqlite(url)
    if password is not None:
        parsed = parsed.set(password=password)
    try:
        engine = create_engine(parsed, pool_pre_ping=True)
    except exc.NoSuchModuleError as err:
        raise StoreError(f"store URL {_safe_url(url)}: unknown database or driver") from err
    except ImportError as err:
        raise StoreError(f"store URL {_safe_url(url)} needs a driver that is not installed "
                         f"({err.name}); for PostgreSQL: pip install 'psycopg[binary]'") from err
    _forget_after_fork(engine)
    _plain_savepoints(engine)
    return engine


def _sqlite(url: str) -> Engine:
    engine = create_engine(url, connect_args={"timeout": BUSY_TIMEOUT_MS / 1000})
    event.listen(engine, "connect", _sqlite_connect)
    event.listen(engine, "begin", _sqlite_begin)
    _forget_after_fork(engine)
    _plain_savepoints(engine)
    return engine


def _plain_savepoints(engine: Engine) -> None:
    """Savepoint statements sent as the text they are: SQLAlchemy compiles each one anew (its
    savepoint clauses are not cached), which cost a small file about a tenth of its CPU, since
    each file's stage and most store calls inside a batch take one. The names are
    SQLAlchemy's own (``sa_savepoint_N``), plain identifiers on both databases."""
    dialect: Any = engine.dialect
    dialect.do_savepoint = lambda conn, name: conn.exec_driver_sql(f"SAVEPOINT {name}")
    dialect.do_release_savepoint = lambda conn, name: conn.exec_driver_sql(f"RELEASE SAVEPOINT {name}")
    dialect.do_rollback_to_savepoint = lambda conn, name: conn.exec_driver_sql(f"ROLLBACK TO SAVEPOINT {name}")


def _forget_after_fork(engine: Engine) -> None:
    """A forked worker opens its own connections instead of sharing its parent's."""
    ref = weakref.ref(engine)

    def forget() -> None:
        if (alive := ref()) is not None:
            alive.dispose(close=False)

    os.register_at_fork(after_in_child=forget)


def _sqlite_connect(dbapi_connection: Any, _record: Any) -> None:
    dbapi_connection.isolation_level = None  # we emit BEGIN ourselves
    cursor = dbapi_connection.cursor()
    cursor.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
    cursor.execute("PRAGMA journal_mode = WAL")
    cursor.execute("PRAGMA synchronous = NORMAL")
    cursor.execute("PRAGMA foreign_keys = ON")
    cursor.close()


def _sqlite_begin(conn: Connection) -> None:
    write = conn.get_execution_options().get(WRITE, False)
    conn.exec_driver_sql("BEGIN IMMEDIATE" if write else "BEGIN")


@contextmanager
def session(engine: Engine, *, write: bool) -> Iterator[Session]:
    """One transaction: committed when the block ends, rolled back on any error."""
    with guard(engine.url), engine.connect() as conn:
        conn = conn.execution_options(**{WRITE: write})
        with Session(bind=conn, expire_on_commit=False, autoflush=True) as s, s.begin():
            yield s


@contextmanager
def guard(url: Any) -> Iterator[None]:
    """Turn SQLAlchemy's exceptions into one-line `StoreError`s."""
    try:
        yield
    except exc.SQLAlchemyError as err:
        raise StoreError(describe(err, url)) from err


def describe(err: exc.SQLAlchemyError, url: Any) -> str:
    where = _safe_url(url)
    reason = _first_line(err)
    if isinstance(err, exc.OperationalError | exc.InterfaceError) and _is_connect(err):
        return f"store unavailable at {where}: {reason}"
    if isinstance(err, exc.IntegrityError):
        return f"store refused a write at {where}: {reason}"
    return f"store error at {where}: {reason}"


def _is_connect(err: exc.DBAPIError) -> bool:
    return bool(err.connection_invalidated) or err.statement is None or "connect" in _first_line(err).lower()


def _first_line(err: exc.SQLAlchemyError) -> str:
    orig = getattr(err, "orig", None)
    text = str(orig if orig is not None else err).strip()
    return (text.splitlines() or [type(err).__name__])[0].strip()


def _safe_url(url: Any) -> str:
    try:
        return make_url(url).render_as_string(hide_password=True)
    except exc.ArgumentError:
        return "<invalid URL>"
