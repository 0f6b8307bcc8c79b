"""Bring a database to the newest schema, programmatically, at open.

Several processes may open the store at once: on PostgreSQL the upgrade runs under a
transaction-scoped advisory lock, on SQLite inside ``BEGIN IMMEDIATE``; both make the second
process wait and then find nothing left to do.

Most opens find the database at the newest revision already. That is checked without
Alembic (a quarter of a command's start-up to import): the head read from the revision
files, the current revision from ``alembic_version``. Anything else, or a revision file
that does not read plainly, goes to Alembic, which checks again and upgrades.
"""

from __future__ import annotations

import functools
import re
from pathlib import Path
from typing import TYPE_CHECKING

from sqlalchemy import Connection, Engine, inspect, text

from edigate.store.engine import WRITE, guard

if TYPE_CHECKING:
    from alembic.config import Config

__all__ = ["HERE", "current_revision", "head_revision", "migrate"]

HERE = Path(__file__).resolve().parent / "migrations"
_LOCK = 0x6564_6967_6174_65  # "edigate"
_REVISION = re.compile(r"^revision\s*=\s*['\"](\w+)['\"]\s*$", re.M)
_DOWN = re.compile(r"^down_revision\s*=\s*(?:None|['\"](\w+)['\"])\s*$", re.M)
_PLAIN = re.compile(r"^(?:branch_labels|depends_on)\s*=\s*None\s*$", re.M)


def _config() -> Config:
    from alembic.config import Config

    cfg = Config()
    cfg.set_main_option("script_location", str(HERE))
    return cfg


def head_revision() -> str | None:
    from alembic.script import ScriptDirectory

    return ScriptDirectory.from_config(_config()).get_current_head()


def current_revision(conn: Connection) -> str | None:
    from alembic.runtime.migration import MigrationContext

    return MigrationContext.configure(conn).get_current_revision()


@functools.cache
def plain_head() -> str | None:
    """The head of the revision files when they form one plain chain (each file one
    ``revision``, one ``down_revision`` or None, no branch labels or dependencies); None
    when they do not, and only Alembic can say."""
    revisions: set[str] = set()
    downs: set[str] = set()
    for path in (HERE / "versions").glob("*.py"):
        source = path.read_text(encoding="utf-8")
        revision, down = _REVISION.findall(source), _DOWN.findall(source)
        if len(revision) != 1 or len(down) != 1 or len(_PLAIN.findall(source)) != 2:
            return None
        revisions.add(revision[0])
        downs.update(d for d in down if d)
    heads = revisions - downs
    return heads.pop() if len(heads) == 1 and downs <= revisions else None


def _at_head(conn: Connection) -> bool:
    """Whether ``alembic_version`` holds exactly the plain head (False when unsure)."""
    head = plain_head()
    if head is None or not inspect(conn).has_table("alembic_version"):
        return False
    return [row[0] for row in conn.execute(text("SELECT version_num FROM alembic_version"))] == [head]


def migrate(engine: Engine) -> None:
    """Upgrade to head; a no-op when already there."""
    with guard(engine.url):
        with engine.connect() as conn:
            if _at_head(conn):
                return
        head = head_revision()
        with engine.connect() as conn:
            if current_revision(conn) == head:
                return
        with engine.connect().execution_options(**{WRITE: True}) as conn, conn.begin():
            if conn.dialect.name == "postgresql":
                conn.execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": _LOCK})
            if current_revision(conn) != head:
                cfg = _config()
                cfg.attributes["connection"] = conn
                from alembic import command

                command.upgrade(cfg, "head")
