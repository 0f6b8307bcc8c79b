"""Order purposes: the earlier order an 850 cancels, replaces or changes (``amends``), and
the order as decided when it differs from the one received (``decided``: what routing sends).

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-26
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '0005'
down_revision = '0004'
branch_labels = None
depends_on = None

ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    with op.batch_alter_table('documents') as batch:
        batch.add_column(sa.Column('amends', ID, nullable=True))
        batch.add_column(sa.Column('decided', sa.Text(), nullable=True))
        batch.create_foreign_key(op.f('fk_documents_amends_documents'), 'documents', ['amends'], ['id'])


def downgrade() -> None:
    with op.batch_alter_table('documents') as batch:
        batch.drop_constraint(op.f('fk_documents_amends_documents'), type_='foreignkey')
        batch.drop_column('decided')
        batch.drop_column('amends')
