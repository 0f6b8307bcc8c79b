"""The ``postgresql`` archive: archived files as content-addressed blobs in the store's own
database, each kept as ordered chunks so no file is written or read whole.

Revision ID: 0012_archive_blobs
Revises: 0011
Create Date: 2026-12-07
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '0012_archive_blobs'
down_revision = '0011'
branch_labels = None
depends_on = None

ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
TIMESTAMP = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table('archive_blobs',
    sa.Column('sha256', sa.String(length=64), nullable=False),
    sa.Column('size', ID, nullable=False),
    sa.Column('chunks', sa.Integer(), nullable=False),
    sa.Column('touched_at', TIMESTAMP, nullable=False),
    sa.PrimaryKeyConstraint('sha256', name=op.f('pk_archive_blobs'))
    )
    op.create_index(op.f('ix_archive_blobs_touched_at'), 'archive_blobs', ['touched_at'])
    op.create_table('archive_chunks',
    sa.Column('blob', sa.String(length=64), nullable=False),
    sa.Column('seq', sa.Integer(), nullable=False),
    sa.Column('data', sa.LargeBinary(), nullable=False),
    sa.PrimaryKeyConstraint('blob', 'seq', name=op.f('pk_archive_chunks'))
    )


def downgrade() -> None:
    op.drop_table('archive_chunks')
    op.drop_index(op.f('ix_archive_blobs_touched_at'), table_name='archive_blobs')
    op.drop_table('archive_blobs')
