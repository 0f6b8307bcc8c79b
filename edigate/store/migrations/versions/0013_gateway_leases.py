"""Leases gateways sharing one store take before polling a channel or running a scheduled
job, so each is done by one gateway at a time and a periodic job once per period.

Revision ID: 0013_gateway_leases
Revises: 0012_archive_blobs
Create Date: 2026-12-07
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '0013_gateway_leases'
down_revision = '0012_archive_blobs'
branch_labels = None
depends_on = None

TIMESTAMP = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table('gateway_leases',
    sa.Column('name', sa.String(length=128), nullable=False),
    sa.Column('holder', sa.String(length=128), nullable=True),
    sa.Column('expires_at', TIMESTAMP, nullable=False),
    sa.Column('last_run_at', TIMESTAMP, nullable=True),
    sa.PrimaryKeyConstraint('name', name=op.f('pk_gateway_leases'))
    )


def downgrade() -> None:
    op.drop_table('gateway_leases')
