"""Bring a database to the newest schema, programmatically, at open.

Several processes may open the store at once: on PostgreSQL the upgrade runs under a
transaction-scoped advisory lock, on SQLite inside ``BEGIN IMMEDIATE``; both make the second
process wait and then find nothing left to do.
"""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Connection, Engine, text

from edigate.store.engine import WRITE, guard

__all__ = ["HERE", "current_revision", "head_revision", "migrate"]

HERE = Path(__file__).resolve().parent / "migrations"
_LOCK = 0x6564_6967_6174_65  # "edigate"


def _config() -> Config:
    cfg = Config()
    cfg.set_main_option("script_location", str(HERE))
    return cfg


def head_revision() -> str | None:
    return ScriptDirectory.from_config(_config()).get_current_head()


def current_revision(conn: Connection) -> str | None:
    return MigrationContext.configure(conn).get_current_revision()


def migrate(engine: Engine) -> None:
    """Upgrade to head; a no-op when already there."""
    head = head_revision()
    with guard(engine.url):
        with engine.connect() as conn:
            if current_revision(conn) == head:
                return
        with engine.connect().execution_options(**{WRITE: True}) as conn, conn.begin():
            if conn.dialect.name == "postgresql":
                conn.execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": _LOCK})
            if current_revision(conn) != head:
                cfg = _config()
                cfg.attributes["connection"] = conn
                command.upgrade(cfg, "head")
