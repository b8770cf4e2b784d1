"""Intake tables: accounts and refresh tokens, employers and affiliations, rounds, applications and
their timeline, materials, bad-conduct records, idempotency keys.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-22 18:09:56.870509
"""
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = '0002'
down_revision: str | None = '0001'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('conduct_records',
    sa.Column('record_id', sa.String(length=64), nullable=False),
    sa.Column('person_id_digest', sa.String(length=64), nullable=True),
    sa.Column('employer_credit_code', sa.String(length=18), nullable=True),
    sa.Column('reason', sa.String(length=500), nullable=False),
    sa.Column('valid_from', sa.Date(), nullable=False),
    sa.Column('valid_until', sa.Date(), nullable=False),
    sa.Column('recorded_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('record_id', name=op.f('pk_conduct_records'))
    )
    op.create_index(op.f('ix_conduct_records_employer_credit_code'), 'conduct_records', ['employer_credit_code'], unique=False)
    op.create_index(op.f('ix_conduct_records_person_id_digest'), 'conduct_records', ['person_id_digest'], unique=False)
    op.create_table('employers',
    sa.Column('id', sa.String(length=40), nullable=False),
    sa.Column('credit_code', sa.String(length=18), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('tax_registered', sa.Boolean(), nullable=False),
    sa.Column('district', sa.String(length=8), nullable=True),
    sa.Column('registered_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_employers')),
    sa.UniqueConstraint('credit_code', name=op.f('uq_employers_credit_code'))
    )
    op.create_table('idempotency_keys',
    sa.Column('account_id', sa.String(length=40), nullable=False),
    sa.Column('key', sa.String(length=200), nullable=False),
    sa.Column('operation', sa.String(length=100), nullable=False),
    sa.Column('response', postgresql.JSONB(astext_type=sa.Text()), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('account_id', 'key', name=op.f('pk_idempotency_keys'))
    )
    op.create_table('rounds',
    sa.Column('id', sa.String(length=64), nullable=False),
    sa.Column('program', sa.String(length=16), nullable=False),
    sa.Column('year', sa.Integer(), nullable=False),
    sa.Column('policy_version', sa.String(length=32), nullable=False),
    sa.Column('quota', sa.Integer(), nullable=True),
    sa.Column('phases', postgresql.JSONB(astext_type=sa.Text()), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('created_by', sa.String(length=40), nullable=False),
    sa.Column('announced_index', sa.Integer(), server_default='-1', nullable=False),
    sa.Column('announced_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('ranking', postgresql.JSONB(astext_type=sa.Text()), nullable=True),
    sa.Column('publicity', postgresql.JSONB(astext_type=sa.Text()), nullable=True),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_rounds')),
    sa.UniqueConstraint('program', 'year', name='uq_rounds_program_year')
    )
    op.create_table('accounts',
    sa.Column('id', sa.String(length=40), nullable=False),
    sa.Column('username', sa.String(length=64), nullable=False),
    sa.Column('password_hash', sa.Text(), nullable=False),
    sa.Column('role', sa.String(length=32), nullable=False),
    sa.Column('name', sa.String(length=100), nullable=False),
    sa.Column('phone', sa.String(length=20), nullable=True),
    sa.Column('employer_id', sa.String(length=40), nullable=True),
    sa.Column('department', sa.String(length=32), nullable=True),
    sa.Column('status', sa.String(length=16), server_default='active', nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('created_by', sa.String(length=40), nullable=True),
    sa.ForeignKeyConstraint(['employer_id'], ['employers.id'], name=op.f('fk_accounts_employer_id_employers')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_accounts')),
    sa.UniqueConstraint('username', name=op.f('uq_accounts_username'))
    )
    op.create_table('round_events',
    sa.Column('id', sa.BigInteger(), sa.Identity(always=True), nullable=False),
    sa.Column('round_id', sa.String(length=64), nullable=False),
    sa.Column('at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('kind', sa.String(length=50), nullable=False),
    sa.Column('data', postgresql.JSONB(astext_type=sa.Text()), nullable=False),
    sa.Column('event_id', sa.UUID(), nullable=True),
    sa.ForeignKeyConstraint(['round_id'], ['rounds.id'], name=op.f('fk_round_events_round_id_rounds')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_round_events')),
    sa.UniqueConstraint('event_id', name=op.f('uq_round_events_event_id'))
    )
    op.create_index(op.f('ix_round_events_round_id'), 'round_events', ['round_id'], unique=False)
    op.create_table('affiliations',
    sa.Column('id', sa.String(length=40), nullable=False),
    sa.Column('applicant_id', sa.String(length=40), nullable=False),
    sa.Column('employer_id', sa.String(length=40), nullable=False),
    sa.Column('status', sa.String(length=20), nullable=False),
    sa.Column('applicant_confirmed_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('employer_confirmed_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('ended_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['applicant_id'], ['accounts.id'], name=op.f('fk_affiliations_applicant_id_accounts')),
    sa.ForeignKeyConstraint(['employer_id'], ['employers.id'], name=op.f('fk_affiliations_employer_id_employers')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_affiliations'))
    )
    op.create_index(op.f('ix_affiliations_employer_id'), 'affiliations', ['employer_id'], unique=False)
    op.create_index('uq_affiliations_applicant_live', 'affiliations', ['applicant_id'], unique=True, postgresql_where=sa.text("status <> 'ended'"))
    op.create_table('refresh_tokens',
    sa.Column('token_hash', sa.String(length=64), nullable=False),
    sa.Column('account_id', sa.String(length=40), nullable=False),
    sa.Column('family_id', sa.String(length=40), nullable=False),
    sa.Column('issued_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('expires_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('used_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('revoked_at', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['account_id'], ['accounts.id'], name=op.f('fk_refresh_tokens_account_id_accounts')),
    sa.PrimaryKeyConstraint('token_hash', name=op.f('pk_refresh_tokens'))
    )
    op.create_index(op.f('ix_refresh_tokens_account_id'), 'refresh_tokens', ['account_id'], unique=False)
    op.create_index(op.f('ix_refresh_tokens_family_id'), 'refresh_tokens', ['family_id'], unique=False)
    op.create_table('applications',
    sa.Column('id', sa.String(length=64), nullable=False),
    sa.Column('round_id', sa.String(length=64), nullable=False),
    sa.Column('applicant_id', sa.String(length=40), nullable=False),
    sa.Column('employer_id', sa.String(length=40), nullable=False),
    sa.Column('affiliation_id', sa.String(length=40), nullable=False),
    sa.Column('status', sa.String(length=20), nullable=False),
    sa.Column('declaration_status', sa.String(length=20), nullable=False),
    sa.Column('revision', sa.Integer(), server_default='0', nullable=False),
    sa.Column('version', sa.Integer(), server_default='1', nullable=False),
    sa.Column('name', sa.String(length=100), nullable=False),
    sa.Column('phone', sa.String(length=20), nullable=False),
    sa.Column('id_number_sealed', postgresql.JSONB(astext_type=sa.Text()), nullable=False),
    sa.Column('id_number_masked', sa.String(length=18), nullable=False),
    sa.Column('id_digest', sa.String(length=64), nullable=False),
    sa.Column('birth_year_month', sa.String(length=7), nullable=False),
    sa.Column('facts', postgresql.JSONB(astext_type=sa.Text()), nullable=False),
    sa.Column('employer_confirmed_version', sa.Integer(), nullable=True),
    sa.Column('employer_confirmed_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('employer_confirmed_by', sa.String(length=40), nullable=True),
    sa.Column('returned_reason', sa.String(length=500), nullable=True),
    sa.Column('submitted_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('verification', postgresql.JSONB(astext_type=sa.Text()), nullable=True),
    sa.Column('score', postgresql.JSONB(astext_type=sa.Text()), nullable=True),
    sa.Column('ranking', postgresql.JSONB(astext_type=sa.Text()), nullable=True),
    sa.Column('publicity', postgresql.JSONB(astext_type=sa.Text()), nullable=True),
    sa.Column('letters', postgresql.JSONB(astext_type=sa.Text()), server_default=sa.text("'[]'::jsonb"), nullable=False),
    sa.Column('lapsed_on', sa.Date(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['affiliation_id'], ['affiliations.id'], name=op.f('fk_applications_affiliation_id_affiliations')),
    sa.ForeignKeyConstraint(['applicant_id'], ['accounts.id'], name=op.f('fk_applications_applicant_id_accounts')),
    sa.ForeignKeyConstraint(['employer_id'], ['employers.id'], name=op.f('fk_applications_employer_id_employers')),
    sa.ForeignKeyConstraint(['round_id'], ['rounds.id'], name=op.f('fk_applications_round_id_rounds')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_applications')),
    sa.UniqueConstraint('round_id', 'applicant_id', name='uq_applications_round_applicant'),
    sa.UniqueConstraint('round_id', 'id_digest', name='uq_applications_round_person')
    )
    op.create_index(op.f('ix_applications_employer_id'), 'applications', ['employer_id'], unique=False)
    op.create_index('ix_applications_round_status', 'applications', ['round_id', 'status'], unique=False)
    op.create_table('materials',
    sa.Column('id', sa.String(length=40), nullable=False),
    sa.Column('application_id', sa.String(length=64), nullable=False),
    sa.Column('sha256', sa.String(length=64), nullable=False),
    sa.Column('size', sa.BigInteger(), nullable=False),
    sa.Column('media_type', sa.String(length=50), nullable=False),
    sa.Column('filename', sa.String(length=200), nullable=False),
    sa.Column('indicator', sa.String(length=50), nullable=True),
    sa.Column('uploaded_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('uploaded_by', sa.String(length=40), nullable=False),
    sa.ForeignKeyConstraint(['application_id'], ['applications.id'], name=op.f('fk_materials_application_id_applications')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_materials')),
    sa.UniqueConstraint('application_id', 'sha256', name='uq_materials_application_sha256')
    )
    op.create_index(op.f('ix_materials_application_id'), 'materials', ['application_id'], unique=False)
    op.create_table('timeline',
    sa.Column('id', sa.BigInteger(), sa.Identity(always=True), nullable=False),
    sa.Column('application_id', sa.String(length=64), nullable=False),
    sa.Column('at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('kind', sa.String(length=50), nullable=False),
    sa.Column('revision', sa.Integer(), nullable=True),
    sa.Column('data', postgresql.JSONB(astext_type=sa.Text()), nullable=False),
    sa.Column('event_id', sa.UUID(), nullable=True),
    sa.ForeignKeyConstraint(['application_id'], ['applications.id'], name=op.f('fk_timeline_application_id_applications')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_timeline')),
    sa.UniqueConstraint('event_id', name=op.f('uq_timeline_event_id'))
    )
    op.create_index(op.f('ix_timeline_application_id'), 'timeline', ['application_id'], unique=False)


def downgrade() -> None:
    op.drop_index(op.f('ix_timeline_application_id'), table_name='timeline')
    op.drop_table('timeline')
    op.drop_index(op.f('ix_materials_application_id'), table_name='materials')
    op.drop_table('materials')
    op.drop_index('ix_applications_round_status', table_name='applications')
    op.drop_index(op.f('ix_applications_employer_id'), table_name='applications')
    op.drop_table('applications')
    op.drop_index(op.f('ix_refresh_tokens_family_id'), table_name='refresh_tokens')
    op.drop_index(op.f('ix_refresh_tokens_account_id'), table_name='refresh_tokens')
    op.drop_table('refresh_tokens')
    op.drop_index('uq_affiliations_applicant_live', table_name='affiliations', postgresql_where=sa.text("status <> 'ended'"))
    op.drop_index(op.f('ix_affiliations_employer_id'), table_name='affiliations')
    op.drop_table('affiliations')
    op.drop_index(op.f('ix_round_events_round_id'), table_name='round_events')
    op.drop_table('round_events')
    op.drop_table('accounts')
    op.drop_table('rounds')
    op.drop_table('idempotency_keys')
    op.drop_table('employers')
    op.drop_index(op.f('ix_conduct_records_person_id_digest'), table_name='conduct_records')
    op.drop_index(op.f('ix_conduct_records_employer_credit_code'), table_name='conduct_records')
    op.drop_table('conduct_records')
