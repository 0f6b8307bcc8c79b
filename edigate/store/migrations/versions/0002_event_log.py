"""Event log: channel trouble, alerts and scheduler notes outside any transmission.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-26
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '0002'
down_revision = '0001'
branch_labels = None
depends_on = None

ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
TIMESTAMP = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table('events',
    sa.Column('id', ID, nullable=False),
    sa.Column('at', TIMESTAMP, nullable=False),
    sa.Column('kind', sa.String(length=16), nullable=False),
    sa.Column('severity', sa.String(length=8), nullable=False),
    sa.Column('code', sa.String(length=64), nullable=False),
    sa.Column('message', sa.Text(), nullable=False),
    sa.Column('partner', sa.String(length=64), nullable=True),
    sa.Column('channel', sa.String(length=64), nullable=True),
    sa.Column('transmission_id', ID, nullable=True),
    sa.ForeignKeyConstraint(['transmission_id'], ['transmissions.id'], name=op.f('fk_events_transmission_id_transmissions'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_events'))
    )
    op.create_index('ix_events_kind_at', 'events', ['kind', 'at'])
    op.create_index(op.f('ix_events_partner'), 'events', ['partner'])
    op.create_index(op.f('ix_events_transmission_id'), 'events', ['transmission_id'])


def downgrade() -> None:
    op.drop_table('events')
