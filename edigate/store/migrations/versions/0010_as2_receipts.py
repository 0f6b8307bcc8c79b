"""Every AS2 message we send is recorded before it goes, with the MDN it got (sync or async):
its Message-ID, our verdict on it, its MIC and its archived bytes; async MDNs we owe partners
wait in an outbox for the scheduler.

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-07
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '0010'
down_revision = '0009'
branch_labels = None
depends_on = None

ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
TIMESTAMP = sa.DateTime(timezone=True)


def upgrade() -> None:
    with op.batch_alter_table('as2_messages') as batch:
        batch.add_column(sa.Column('mdn_mode', sa.String(length=8), nullable=False,
                                   server_default='async'))
        batch.add_column(sa.Column('mdn_message_id', sa.String(length=255), nullable=True))
        batch.add_column(sa.Column('mdn_verdict', sa.String(length=32), nullable=True))
        batch.add_column(sa.Column('mdn_mic', sa.String(length=255), nullable=True))
        batch.add_column(sa.Column('mdn_sha256', sa.String(length=64), nullable=True))
    op.create_table('as2_mdn_outbox',
    sa.Column('id', ID, nullable=False),
    sa.Column('partner', sa.String(length=64), nullable=False),
    sa.Column('original_message_id', sa.String(length=255), nullable=False),
    sa.Column('url', sa.String(length=2000), nullable=False),
    sa.Column('headers', sa.Text(), nullable=False),
    sa.Column('body', sa.LargeBinary(), nullable=False),
    sa.Column('created_at', TIMESTAMP, nullable=False),
    sa.Column('next_at', TIMESTAMP, nullable=True),
    sa.Column('attempts', sa.Integer(), nullable=False),
    sa.Column('delivered_at', TIMESTAMP, nullable=True),
    sa.Column('last_error', sa.Text(), nullable=True),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_as2_mdn_outbox'))
    )
    op.create_index(op.f('ix_as2_mdn_outbox_next_at'), 'as2_mdn_outbox', ['next_at'])


def downgrade() -> None:
    op.drop_index(op.f('ix_as2_mdn_outbox_next_at'), table_name='as2_mdn_outbox')
    op.drop_table('as2_mdn_outbox')
    with op.batch_alter_table('as2_messages') as batch:
        for column in ('mdn_sha256', 'mdn_mic', 'mdn_verdict', 'mdn_message_id', 'mdn_mode'):
            batch.drop_column(column)
