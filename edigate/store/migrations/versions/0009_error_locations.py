"""Error log entries name the order a rule finding concerns: PO number, PO1 line number,
our SKU and the buyer's item number (ST02 and the segment position were there already).

Revision ID: 0009
Revises: 0007
Create Date: 2026-12-07
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '0009'
down_revision = '0007'
branch_labels = None
depends_on = None

_COLUMNS = ('po_number', 'line_number', 'sku', 'buyer_item')


def upgrade() -> None:
    for name in _COLUMNS:
        op.add_column('error_entries', sa.Column(name, sa.Text(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('error_entries') as batch:
        for name in reversed(_COLUMNS):
            batch.drop_column(name)
