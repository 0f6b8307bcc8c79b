"""Inventory for available-to-promise: levels per SKU and warehouse, allocations per order
line, and the last feed loaded per source.

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-26
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '0004'
down_revision = '0003'
branch_labels = None
depends_on = None

ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
TIMESTAMP = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table('inventory_levels',
    sa.Column('id', ID, nullable=False),
    sa.Column('sku', sa.String(length=64), nullable=False),
    sa.Column('warehouse', sa.String(length=64), nullable=False),
    sa.Column('on_hand', sa.BigInteger(), nullable=False),
    sa.Column('allocated', sa.BigInteger(), nullable=False),
    sa.Column('available_date', sa.Date(), nullable=True),
    sa.Column('updated_at', TIMESTAMP, nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_inventory_levels')),
    sa.UniqueConstraint('sku', 'warehouse', name=op.f('uq_inventory_levels_sku_warehouse'))
    )
    op.create_table('inventory_allocations',
    sa.Column('id', ID, nullable=False),
    sa.Column('document_id', ID, nullable=False),
    sa.Column('line_number', sa.String(length=32), nullable=False),
    sa.Column('sku', sa.String(length=64), nullable=False),
    sa.Column('warehouse', sa.String(length=64), nullable=False),
    sa.Column('requested', sa.BigInteger(), nullable=False),
    sa.Column('quantity', sa.BigInteger(), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('created_at', TIMESTAMP, nullable=False),
    sa.Column('released_at', TIMESTAMP, nullable=True),
    sa.ForeignKeyConstraint(['document_id'], ['documents.id'], name=op.f('fk_inventory_allocations_document_id_documents'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_inventory_allocations')),
    sa.UniqueConstraint('document_id', 'line_number', name=op.f('uq_inventory_allocations_document_id_line_number'))
    )
    op.create_index(op.f('ix_inventory_allocations_document_id'), 'inventory_allocations', ['document_id'])
    op.create_table('inventory_feeds',
    sa.Column('source', sa.String(length=255), nullable=False),
    sa.Column('sha256', sa.String(length=64), nullable=False),
    sa.Column('rows', sa.BigInteger(), nullable=False),
    sa.Column('loaded_at', TIMESTAMP, nullable=False),
    sa.PrimaryKeyConstraint('source', name=op.f('pk_inventory_feeds'))
    )


def downgrade() -> None:
    op.drop_table('inventory_feeds')
    op.drop_table('inventory_allocations')
    op.drop_table('inventory_levels')
