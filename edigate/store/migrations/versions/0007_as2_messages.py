"""AS2 messages we sent awaiting an async MDN, and the MDN once it arrives.

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-26
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '0007'
down_revision = '0006'
branch_labels = None
depends_on = None

ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
TIMESTAMP = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table('as2_messages',
    sa.Column('id', ID, nullable=False),
    sa.Column('message_id', sa.String(length=255), nullable=False),
    sa.Column('partner', sa.String(length=64), nullable=False),
    sa.Column('as2_id', sa.String(length=128), nullable=False),
    sa.Column('mic', sa.String(length=255), nullable=True),
    sa.Column('outbound_id', ID, nullable=True),
    sa.Column('sent_at', TIMESTAMP, nullable=False),
    sa.Column('mdn_at', TIMESTAMP, nullable=True),
    sa.Column('mdn_status', sa.String(length=64), nullable=True),
    sa.Column('disposition', sa.Text(), nullable=True),
    sa.Column('mdn_text', sa.Text(), nullable=True),
    sa.ForeignKeyConstraint(['outbound_id'], ['outbound_documents.id'], name=op.f('fk_as2_messages_outbound_id_outbound_documents'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_as2_messages')),
    sa.UniqueConstraint('message_id', name=op.f('uq_as2_messages_message_id'))
    )
    op.create_index(op.f('ix_as2_messages_outbound_id'), 'as2_messages', ['outbound_id'])


def downgrade() -> None:
    op.drop_index(op.f('ix_as2_messages_outbound_id'), table_name='as2_messages')
    op.drop_table('as2_messages')
