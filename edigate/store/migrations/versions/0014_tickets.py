"""Tickets opened in ticket systems for exceptions (one per system and event key, with the
system's id), and the work queued for those systems (open, comment, close), retried after a
failure.

Revision ID: 0014_tickets
Revises: 0013_gateway_leases
Create Date: 2026-12-07
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '0014_tickets'
down_revision = '0013_gateway_leases'
branch_labels = None
depends_on = None

ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
TIMESTAMP = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table('ticket_links',
    sa.Column('id', ID, nullable=False),
    sa.Column('system', sa.String(length=64), nullable=False),
    sa.Column('event_key', sa.String(length=128), nullable=False),
    sa.Column('subject', sa.String(length=64), nullable=True),
    sa.Column('partner', sa.String(length=64), nullable=True),
    sa.Column('title', sa.Text(), nullable=False),
    sa.Column('external_id', sa.String(length=128), nullable=True),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('remote_status', sa.String(length=64), nullable=True),
    sa.Column('created_at', TIMESTAMP, nullable=False),
    sa.Column('opened_at', TIMESTAMP, nullable=True),
    sa.Column('closed_at', TIMESTAMP, nullable=True),
    sa.Column('checked_at', TIMESTAMP, nullable=True),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_ticket_links')),
    sa.UniqueConstraint('system', 'event_key', name=op.f('uq_ticket_links_system_event_key'))
    )
    op.create_index(op.f('ix_ticket_links_event_key'), 'ticket_links', ['event_key'])
    op.create_table('ticket_actions',
    sa.Column('id', ID, nullable=False),
    sa.Column('link_id', ID, nullable=False),
    sa.Column('action', sa.String(length=8), nullable=False),
    sa.Column('body', sa.Text(), nullable=False),
    sa.Column('created_at', TIMESTAMP, nullable=False),
    sa.Column('next_at', TIMESTAMP, nullable=True),
    sa.Column('attempts', sa.Integer(), nullable=False),
    sa.Column('done_at', TIMESTAMP, nullable=True),
    sa.Column('last_error', sa.Text(), nullable=True),
    sa.ForeignKeyConstraint(['link_id'], ['ticket_links.id'], name=op.f('fk_ticket_actions_link_id_ticket_links'),
                            ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_ticket_actions'))
    )
    op.create_index(op.f('ix_ticket_actions_link_id'), 'ticket_actions', ['link_id'])


def downgrade() -> None:
    op.drop_index(op.f('ix_ticket_actions_link_id'), table_name='ticket_actions')
    op.drop_table('ticket_actions')
    op.drop_index(op.f('ix_ticket_links_event_key'), table_name='ticket_links')
    op.drop_table('ticket_links')
