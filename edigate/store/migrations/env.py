"""Alembic environment: runs on the connection `edigate.store.migrate` hands over.

From the command line (``alembic -c edigate/store/migrations/alembic.ini revision
--autogenerate``) it connects to ``EDIGATE_STORE_URL`` instead.
"""

from __future__ import annotations

import os

from alembic import context
from sqlalchemy import Connection, create_engine

from edigate.store.tables import Base


def _run(connection: Connection) -> None:
    context.configure(connection=connection, target_metadata=Base.metadata,
                      render_as_batch=True, compare_type=True)
    with context.begin_transaction():
        context.run_migrations()


connection = context.config.attributes.get("connection")
if connection is not None:
    _run(connection)
else:
    engine = create_engine(os.environ.get("EDIGATE_STORE_URL", "sqlite:///edigate.db"))
    with engine.begin() as conn:
        _run(conn)
