"""Documents keep the 855 body the rules stage rendered for them, so the outbound stage
envelopes it instead of decoding and deciding each order a second time.

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-26
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '0006'
down_revision = '0005'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column('documents', sa.Column('ack_body', sa.Text(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('documents') as batch:
        batch.drop_column('ack_body')
