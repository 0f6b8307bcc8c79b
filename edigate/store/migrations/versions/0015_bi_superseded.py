"""``bi_daily_kpis.files_failed`` counts superseded attempts as failed, as the KPI report
does (`transmission_counts`): an attempt a later reprocess got through still failed, and
used to drop out of the view's count once it was superseded.

The view is 0011's, built by 0011's own templates with that one condition widened.

Revision ID: 0015_bi_superseded
Revises: 0014_tickets
Create Date: 2026-12-07
"""

from __future__ import annotations

import importlib.util
from pathlib import Path
from types import ModuleType

from alembic import op

revision = '0015_bi_superseded'
down_revision = '0014_tickets'
branch_labels = None
depends_on = None

_OLD = "CASE WHEN t.status = 'failed' THEN 1 ELSE 0 END"
_NEW = "CASE WHEN t.status IN ('failed', 'superseded') THEN 1 ELSE 0 END"


def _bi_views() -> ModuleType:
    spec = importlib.util.spec_from_file_location("edigate_migration_0011", Path(__file__).with_name("0011_bi_views.py"))
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _daily(new: bool) -> str:
    views = _bi_views()
    sql = views._POSTGRESQL if op.get_bind().dialect.name == "postgresql" else views._SQLITE
    body: str = views._views(sql)["bi_daily_kpis"]
    assert _OLD in body
    return body.replace(_OLD, _NEW) if new else body


def upgrade() -> None:
    op.execute("DROP VIEW bi_daily_kpis")
    op.execute(f"CREATE VIEW bi_daily_kpis AS {_daily(True)}")


def downgrade() -> None:
    op.execute("DROP VIEW bi_daily_kpis")
    op.execute(f"CREATE VIEW bi_daily_kpis AS {_daily(False)}")
