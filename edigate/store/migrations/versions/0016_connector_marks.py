"""Marks the connectors keep: each routed payload delivered (so a retry delivers only what
failed), Shopify webhook ids seen (replays refused after a restart), the pollers'
high-water marks, the fulfillments told back to commerce platforms.

Revision ID: 0016_connector_marks
Revises: 0015_bi_superseded
Create Date: 2026-12-07
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '0016_connector_marks'
down_revision = '0015_bi_superseded'
branch_labels = None
depends_on = None

ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
TIMESTAMP = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table('connector_marks',
    sa.Column('id', ID, nullable=False),
    sa.Column('kind', sa.String(length=32), nullable=False),
    sa.Column('key', sa.String(length=255), nullable=False),
    sa.Column('value', sa.Text(), nullable=False),
    sa.Column('at', TIMESTAMP, nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_connector_marks')),
    sa.UniqueConstraint('kind', 'key', name=op.f('uq_connector_marks_kind_key'))
    )


def downgrade() -> None:
    op.drop_table('connector_marks')
