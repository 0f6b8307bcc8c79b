"""Initial schema: transmissions and their timeline, error log, documents, outbound
documents, control-number sequences, audit events and idempotency keys.

Revision ID: 0001
Revises:
Create Date: 2026-11-26
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '0001'
down_revision = None
branch_labels = None
depends_on = None

ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
TIMESTAMP = sa.DateTime(timezone=True)


def upgrade() -> None:
    _control_sequences()
    _transmissions()
    _audit_events()
    _documents()
    _envelope_sets()
    _error_entries()
    _interchange_keys()
    _stage_events()
    _outbound_documents()


def _control_sequences() -> None:
    op.create_table('control_sequences',
    sa.Column('partner', sa.String(length=64), nullable=False),
    sa.Column('direction', sa.String(length=3), nullable=False),
    sa.Column('kind', sa.String(length=12), nullable=False),
    sa.Column('last_value', ID, nullable=False),
    sa.Column('updated_at', TIMESTAMP, nullable=False),
    sa.PrimaryKeyConstraint('partner', 'direction', 'kind', name=op.f('pk_control_sequences'))
    )


def _transmissions() -> None:
    op.create_table('transmissions',
    sa.Column('id', ID, nullable=False),
    sa.Column('partner', sa.String(length=64), nullable=False),
    sa.Column('channel', sa.String(length=64), nullable=False),
    sa.Column('direction', sa.String(length=3), nullable=False),
    sa.Column('file_name', sa.String(length=255), nullable=False),
    sa.Column('sha256', sa.String(length=64), nullable=False),
    sa.Column('first_sha256', sa.String(length=64), nullable=True),
    sa.Column('size', ID, nullable=False),
    sa.Column('received_at', TIMESTAMP, nullable=False),
    sa.Column('finished_at', TIMESTAMP, nullable=True),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('stage', sa.String(length=32), nullable=True),
    sa.Column('isa13', sa.String(length=9), nullable=True),
    sa.Column('usage', sa.String(length=1), nullable=True),
    sa.Column('archive_path', sa.String(length=255), nullable=True),
    sa.Column('parent_id', ID, nullable=True),
    sa.Column('attempt', sa.Integer(), nullable=False),
    sa.Column('claimed_by', sa.String(length=128), nullable=True),
    sa.Column('lease_until', TIMESTAMP, nullable=True),
    sa.ForeignKeyConstraint(['parent_id'], ['transmissions.id'], name=op.f('fk_transmissions_parent_id_transmissions')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_transmissions')),
    sa.UniqueConstraint('partner', 'direction', 'first_sha256', name=op.f('uq_transmissions_partner_direction_first_sha256'))
    )
    op.create_index('ix_transmissions_parent_id', 'transmissions', ['parent_id'])
    op.create_index('ix_transmissions_partner_received', 'transmissions', ['partner', 'received_at'])
    op.create_index('ix_transmissions_sha256', 'transmissions', ['sha256'])
    op.create_index('ix_transmissions_status_id', 'transmissions', ['status', 'id'])


def _audit_events() -> None:
    op.create_table('audit_events',
    sa.Column('id', ID, nullable=False),
    sa.Column('at', TIMESTAMP, nullable=False),
    sa.Column('actor', sa.String(length=128), nullable=False),
    sa.Column('action', sa.String(length=16), nullable=False),
    sa.Column('target', sa.String(length=128), nullable=False),
    sa.Column('note', sa.Text(), nullable=False),
    sa.Column('transmission_id', ID, nullable=True),
    sa.ForeignKeyConstraint(['transmission_id'], ['transmissions.id'], name=op.f('fk_audit_events_transmission_id_transmissions'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_audit_events'))
    )
    op.create_index('ix_audit_events_target', 'audit_events', ['target'])
    op.create_index('ix_audit_events_transmission_id', 'audit_events', ['transmission_id'])


def _documents() -> None:
    op.create_table('documents',
    sa.Column('id', ID, nullable=False),
    sa.Column('kind', sa.String(length=16), nullable=False),
    sa.Column('partner', sa.String(length=64), nullable=False),
    sa.Column('key', sa.String(length=128), nullable=False),
    sa.Column('active_key', sa.String(length=128), nullable=True),
    sa.Column('body', sa.Text(), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('transmission_id', ID, nullable=True),
    sa.Column('created_at', TIMESTAMP, nullable=False),
    sa.Column('superseded_by', ID, nullable=True),
    sa.ForeignKeyConstraint(['superseded_by'], ['documents.id'], name=op.f('fk_documents_superseded_by_documents')),
    sa.ForeignKeyConstraint(['transmission_id'], ['transmissions.id'], name=op.f('fk_documents_transmission_id_transmissions'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_documents')),
    sa.UniqueConstraint('partner', 'kind', 'active_key', name=op.f('uq_documents_partner_kind_active_key'))
    )
    op.create_index('ix_documents_partner_kind_key', 'documents', ['partner', 'kind', 'key'])
    op.create_index('ix_documents_transmission_id', 'documents', ['transmission_id'])


def _envelope_sets() -> None:
    op.create_table('envelope_sets',
    sa.Column('id', ID, nullable=False),
    sa.Column('transmission_id', ID, nullable=False),
    sa.Column('gs06', sa.String(length=9), nullable=False),
    sa.Column('functional_id', sa.String(length=2), nullable=False),
    sa.Column('set_id', sa.String(length=6), nullable=True),
    sa.Column('st02', sa.String(length=9), nullable=True),
    sa.ForeignKeyConstraint(['transmission_id'], ['transmissions.id'], name=op.f('fk_envelope_sets_transmission_id_transmissions'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_envelope_sets'))
    )
    op.create_index('ix_envelope_sets_set_id', 'envelope_sets', ['set_id', 'transmission_id'])
    op.create_index('ix_envelope_sets_transmission_id', 'envelope_sets', ['transmission_id'])


def _error_entries() -> None:
    op.create_table('error_entries',
    sa.Column('id', ID, nullable=False),
    sa.Column('transmission_id', ID, nullable=False),
    sa.Column('attempt', sa.Integer(), nullable=False),
    sa.Column('created_at', TIMESTAMP, nullable=False),
    sa.Column('stage', sa.String(length=32), nullable=False),
    sa.Column('severity', sa.String(length=8), nullable=False),
    sa.Column('code_list', sa.String(length=8), nullable=True),
    sa.Column('code', sa.String(length=32), nullable=False),
    sa.Column('message', sa.Text(), nullable=False),
    sa.Column('isa13', sa.String(length=9), nullable=True),
    sa.Column('gs06', sa.String(length=9), nullable=True),
    sa.Column('st02', sa.String(length=9), nullable=True),
    sa.Column('segment_position', sa.Integer(), nullable=True),
    sa.Column('segment_id', sa.String(length=3), nullable=True),
    sa.Column('element_position', sa.Integer(), nullable=True),
    sa.Column('component_position', sa.Integer(), nullable=True),
    sa.Column('value', sa.Text(), nullable=True),
    sa.Column('hint', sa.Text(), nullable=False),
    sa.ForeignKeyConstraint(['transmission_id'], ['transmissions.id'], name=op.f('fk_error_entries_transmission_id_transmissions'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_error_entries'))
    )
    op.create_index('ix_error_entries_transmission_id', 'error_entries', ['transmission_id'])


def _interchange_keys() -> None:
    op.create_table('interchange_keys',
    sa.Column('id', ID, nullable=False),
    sa.Column('partner', sa.String(length=64), nullable=False),
    sa.Column('isa13', sa.String(length=9), nullable=False),
    sa.Column('received_at', TIMESTAMP, nullable=False),
    sa.Column('transmission_id', ID, nullable=False),
    sa.ForeignKeyConstraint(['transmission_id'], ['transmissions.id'], name=op.f('fk_interchange_keys_transmission_id_transmissions'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_interchange_keys')),
    sa.UniqueConstraint('partner', 'isa13', name=op.f('uq_interchange_keys_partner_isa13'))
    )
    op.create_index('ix_interchange_keys_transmission_id', 'interchange_keys', ['transmission_id'])


def _stage_events() -> None:
    op.create_table('stage_events',
    sa.Column('id', ID, nullable=False),
    sa.Column('transmission_id', ID, nullable=False),
    sa.Column('stage', sa.String(length=32), nullable=False),
    sa.Column('attempt', sa.Integer(), nullable=False),
    sa.Column('started_at', TIMESTAMP, nullable=False),
    sa.Column('finished_at', TIMESTAMP, nullable=True),
    sa.Column('outcome', sa.String(length=16), nullable=False),
    sa.Column('duration_ms', ID, nullable=True),
    sa.Column('detail', sa.Text(), nullable=False),
    sa.ForeignKeyConstraint(['transmission_id'], ['transmissions.id'], name=op.f('fk_stage_events_transmission_id_transmissions'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_stage_events'))
    )
    op.create_index('ix_stage_events_transmission_id', 'stage_events', ['transmission_id'])


def _outbound_documents() -> None:
    op.create_table('outbound_documents',
    sa.Column('id', ID, nullable=False),
    sa.Column('partner', sa.String(length=64), nullable=False),
    sa.Column('set_id', sa.String(length=6), nullable=False),
    sa.Column('key', sa.String(length=128), nullable=False),
    sa.Column('isa13', sa.String(length=9), nullable=False),
    sa.Column('gs06', sa.String(length=9), nullable=False),
    sa.Column('st02', sa.String(length=9), nullable=False),
    sa.Column('archive_path', sa.String(length=255), nullable=False),
    sa.Column('sha256', sa.String(length=64), nullable=False),
    sa.Column('created_at', TIMESTAMP, nullable=False),
    sa.Column('sent_at', TIMESTAMP, nullable=True),
    sa.Column('ack_due_at', TIMESTAMP, nullable=True),
    sa.Column('ack_status', sa.String(length=16), nullable=False),
    sa.Column('ack_result', sa.Text(), nullable=True),
    sa.Column('ack_transmission_id', ID, nullable=True),
    sa.Column('transmission_id', ID, nullable=True),
    sa.Column('document_id', ID, nullable=True),
    sa.ForeignKeyConstraint(['ack_transmission_id'], ['transmissions.id'], name=op.f('fk_outbound_documents_ack_transmission_id_transmissions'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['document_id'], ['documents.id'], name=op.f('fk_outbound_documents_document_id_documents'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['transmission_id'], ['transmissions.id'], name=op.f('fk_outbound_documents_transmission_id_transmissions'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_outbound_documents')),
    sa.UniqueConstraint('partner', 'key', name=op.f('uq_outbound_documents_partner_key'))
    )
    op.create_index('ix_outbound_documents_ack', 'outbound_documents', ['ack_status', 'ack_due_at'])
    op.create_index('ix_outbound_documents_transmission_id', 'outbound_documents', ['transmission_id'])


def downgrade() -> None:
    op.drop_index('ix_outbound_documents_transmission_id', table_name='outbound_documents')
    op.drop_index('ix_outbound_documents_ack', table_name='outbound_documents')

    op.drop_table('outbound_documents')
    op.drop_index('ix_stage_events_transmission_id', table_name='stage_events')

    op.drop_table('stage_events')
    op.drop_index('ix_interchange_keys_transmission_id', table_name='interchange_keys')

    op.drop_table('interchange_keys')
    op.drop_index('ix_error_entries_transmission_id', table_name='error_entries')

    op.drop_table('error_entries')
    op.drop_index('ix_envelope_sets_transmission_id', table_name='envelope_sets')
    op.drop_index('ix_envelope_sets_set_id', table_name='envelope_sets')

    op.drop_table('envelope_sets')
    op.drop_index('ix_documents_transmission_id', table_name='documents')
    op.drop_index('ix_documents_partner_kind_key', table_name='documents')

    op.drop_table('documents')
    op.drop_index('ix_audit_events_transmission_id', table_name='audit_events')
    op.drop_index('ix_audit_events_target', table_name='audit_events')

    op.drop_table('audit_events')
    op.drop_index('ix_transmissions_status_id', table_name='transmissions')
    op.drop_index('ix_transmissions_sha256', table_name='transmissions')
    op.drop_index('ix_transmissions_partner_received', table_name='transmissions')
    op.drop_index('ix_transmissions_parent_id', table_name='transmissions')

    op.drop_table('transmissions')
    op.drop_table('control_sequences')
