"""Outbound sets: every transaction set of an outbound file, its document and its ack, so
a 997 that rejects one set of a bulk 855 names the order it carried.

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-26
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '0003'
down_revision = '0002'
branch_labels = None
depends_on = None

ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    op.create_table('outbound_sets',
    sa.Column('id', ID, nullable=False),
    sa.Column('outbound_id', ID, nullable=False),
    sa.Column('st02', sa.String(length=9), nullable=False),
    sa.Column('document_id', ID, nullable=True),
    sa.Column('ack_status', sa.String(length=16), nullable=False),
    sa.Column('ack_result', sa.Text(), nullable=True),
    sa.ForeignKeyConstraint(['document_id'], ['documents.id'], name=op.f('fk_outbound_sets_document_id_documents'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['outbound_id'], ['outbound_documents.id'], name=op.f('fk_outbound_sets_outbound_id_outbound_documents'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_outbound_sets')),
    sa.UniqueConstraint('outbound_id', 'st02', name=op.f('uq_outbound_sets_outbound_id_st02'))
    )
    op.create_index(op.f('ix_outbound_sets_document_id'), 'outbound_sets', ['document_id'])


def downgrade() -> None:
    op.drop_table('outbound_sets')
