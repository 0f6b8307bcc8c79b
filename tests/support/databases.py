"""The store backends every store test runs on: SQLite always, PostgreSQL when
EDIGATE_TEST_PG_URL is set (for example ``postgresql+psycopg://postgres@127.0.0.1:5432/test``).

Each PostgreSQL use gets a schema of its own, named at random and dropped afterwards, so runs
are independent of each other: tests in parallel worker processes, or other runs sharing the
database, never see each other's tables.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator

from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

PG_URL = os.environ.get("EDIGATE_TEST_PG_URL", "")
BACKENDS = ["sqlite"] + (["postgresql"] if PG_URL else [])

__all__ = ["BACKENDS", "PG_URL", "pg_schema"]


def pg_schema() -> Iterator[str]:
    """A URL on a fresh PostgreSQL schema of its own; the schema is dropped when resumed."""
    schema = f"t_{uuid.uuid4().hex[:12]}"
    admin = create_engine(PG_URL)
    with admin.begin() as conn:
        conn.execute(text(f'CREATE SCHEMA "{schema}"'))
    try:
        yield make_url(PG_URL).update_query_dict({"options": f"-csearch_path={schema}"}).render_as_string(
            hide_password=False)
    finally:
        with admin.begin() as conn:
            conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()
