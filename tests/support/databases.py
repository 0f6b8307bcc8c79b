"""The store backends every store test runs on: SQLite always, PostgreSQL when
EDIGATE_TEST_PG_URL is set (for example ``postgresql+psycopg://postgres@127.0.0.1:5432/test``).

Each PostgreSQL use gets a schema of its own, named at random and dropped afterwards, so runs
are independent of each other: tests in parallel worker processes, or other runs sharing the
database, never see each other's tables. Building the schema costs about half a second, so a
test that opens the store anyway gets one from its process's `SchemaPool`: migrated once, and
emptied (rows deleted, sequences restarted) between tests.
"""

from __future__ import annotations

import atexit
import functools
import os
import shutil
import tempfile
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from sqlalchemy import Engine, create_engine, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import SQLAlchemyError

from edigate.store import Store

PG_URL = os.environ.get("EDIGATE_TEST_PG_URL", "")
BACKENDS = ["sqlite"] + (["postgresql"] if PG_URL else [])

__all__ = ["BACKENDS", "PG_URL", "SchemaPool", "migrated_sqlite_file", "pg_schema", "seed_sqlite"]


def _schema_url(schema: str) -> str:
    """The URL on ``schema``; its connections name themselves after it (``application_name``),
    also in the processes a test hands the URL to, so the pool can find them."""
    return make_url(PG_URL).update_query_dict({"options": f"-csearch_path={schema}",
                                               "application_name": schema}).render_as_string(hide_password=False)


@functools.cache
def migrated_sqlite_file() -> Path:
    """A SQLite store file at the newest schema, migrated once per test process."""
    folder = Path(tempfile.mkdtemp(prefix="edigate-migrated-"))
    atexit.register(shutil.rmtree, folder, True)
    path = folder / "edigate.db"
    Store.open(f"sqlite:///{path}").close()
    assert not path.with_name("edigate.db-wal").exists()  # closing checkpointed the WAL into the file
    return path


def seed_sqlite(url: str) -> None:
    """Where ``url`` names a SQLite file that is not there yet, a copy of `migrated_sqlite_file`:
    what the first open would build, without running the migrations for every test."""
    file = Path(url.removeprefix("sqlite:///")) if url.startswith("sqlite:///") else None
    if file is not None and not file.exists():
        shutil.copyfile(migrated_sqlite_file(), file)


def pg_schema() -> Iterator[str]:
    """A URL on a fresh PostgreSQL schema of its own; the schema is dropped when resumed."""
    schema = f"t_{uuid.uuid4().hex[:12]}"
    admin = create_engine(PG_URL)
    with admin.begin() as conn:
        conn.execute(text(f'CREATE SCHEMA "{schema}"'))
    try:
        yield _schema_url(schema)
    finally:
        with admin.begin() as conn:
            conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()


class SchemaPool:
    """Migrated schemas of one test process, handed out one per test and emptied on return.

    Before a schema is emptied, every connection still on it is ended, and once emptied it is
    renamed: a process or store a test left behind, reconnecting on the old name, finds no
    tables rather than writing into the next test's. A schema that cannot be emptied is
    dropped instead of being handed out again."""

    def __init__(self) -> None:
        self._admin: Engine = create_engine(PG_URL)
        self._free: list[str] = []

    @contextmanager
    def schema(self) -> Iterator[str]:
        """The URL of an empty schema at the newest revision, for the length of the block."""
        name = self._free.pop() if self._free else self._new()
        yield _schema_url(name)
        if self._emptied(name):
            self._free.append(self._renamed(name))
        else:
            self._drop(name)

    def close(self) -> None:
        for name in self._free:
            self._drop(name)
        self._admin.dispose()

    def _new(self) -> str:
        name = f"t_{uuid.uuid4().hex[:12]}"
        with self._admin.begin() as conn:
            conn.execute(text(f'CREATE SCHEMA "{name}"'))
        Store.open(_schema_url(name)).close()
        return name

    def _emptied(self, name: str) -> bool:
        try:
            with self._admin.begin() as conn:
                conn.execute(text("SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                                  "WHERE application_name = :s AND pid <> pg_backend_pid()"), {"s": name})
                conn.execute(text("SET LOCAL lock_timeout = '5s'"))
                conn.execute(text("SET LOCAL session_replication_role = replica"))  # no FK order needed
                statements = conn.execute(text(
                    "SELECT format('DELETE FROM %I.%I', schemaname, tablename) FROM pg_tables "
                    "WHERE schemaname = :s AND tablename <> 'alembic_version' UNION ALL "
                    "SELECT format('ALTER SEQUENCE %I.%I RESTART', schemaname, sequencename) FROM pg_sequences "
                    "WHERE schemaname = :s"), {"s": name}).scalars().all()
                if statements:  # one round trip for the lot: 10 ms of CPU per test at one each
                    conn.exec_driver_sql("; ".join(statements))
        except SQLAlchemyError:
            return False
        return True

    def _renamed(self, name: str) -> str:
        fresh = f"t_{uuid.uuid4().hex[:12]}"
        with self._admin.begin() as conn:
            conn.execute(text(f'ALTER SCHEMA "{name}" RENAME TO "{fresh}"'))
        return fresh

    def _drop(self, name: str) -> None:
        with self._admin.begin() as conn:
            conn.execute(text("SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                              "WHERE application_name = :s AND pid <> pg_backend_pid()"), {"s": name})
            conn.execute(text(f'DROP SCHEMA "{name}" CASCADE'))
