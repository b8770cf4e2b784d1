"""The graduate programme: verifications of graduate declarations against the education and company
registries, the settlement checks of Y+1, and the evidence of every registry check.

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-04
"""
from collections.abc import Sequence
from typing import Any

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects.postgresql import JSONB, UUID

revision: str = '0005'
down_revision: str | None = '0004'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

TZ = sa.DateTime(timezone=True)
STATUSES = "status IN ('pending', 'pending_department', 'completed')"
DUE = sa.text("status IN ('pending', 'pending_department')")


def _claim_columns() -> list[sa.Column[Any]]:
    return [
        sa.Column('attempts', sa.Integer, nullable=False, server_default='0'),
        sa.Column('next_attempt_at', TZ),
        sa.Column('claim_token', UUID(as_uuid=True)),
        sa.Column('claimed_until', TZ),
        sa.Column('waiting_registries', JSONB, nullable=False, server_default='[]'),
        sa.Column('last_error', sa.Text),
        sa.Column('correlation_id', sa.String(100), nullable=False),
        sa.Column('causation_id', sa.String(100)),
    ]


def upgrade() -> None:
    op.create_table(
        'graduate_verifications',
        sa.Column('declaration_id', sa.String(64), primary_key=True),
        sa.Column('declaration_revision', sa.Integer, nullable=False),
        sa.Column('round_id', sa.String(64), nullable=False),
        sa.Column('year', sa.Integer, nullable=False),
        sa.Column('supervising_unit_id', sa.String(64), nullable=False),
        sa.Column('employer_credit_code', sa.String(18), nullable=False),
        sa.Column('employer_name', sa.String(200), nullable=False),
        sa.Column('name', sa.String(100), nullable=False),
        sa.Column('id_number_sealed', JSONB, nullable=False),
        sa.Column('id_number_digest', sa.String(64), nullable=False),
        sa.Column('university', sa.String(200), nullable=False),
        sa.Column('major', sa.String(200), nullable=False),
        sa.Column('diploma_number', sa.String(64)),
        sa.Column('degree_number', sa.String(64)),
        sa.Column('declared_facts', JSONB, nullable=False),
        sa.Column('status', sa.String(30), nullable=False),
        sa.Column('items', JSONB, nullable=False, server_default='[]'),
        sa.Column('verified_facts', JSONB),
        sa.Column('facts_revision', sa.Integer, nullable=False, server_default='0'),
        sa.Column('event_id', UUID(as_uuid=True)),
        *_claim_columns(),
        sa.Column('declared_at', TZ, nullable=False),
        sa.Column('updated_at', TZ, nullable=False),
        sa.Column('completed_at', TZ),
        sa.CheckConstraint(STATUSES, name=op.f('ck_graduate_verifications_status')),
    )
    op.create_index(
        'ix_graduate_verifications_due', 'graduate_verifications', ['next_attempt_at'], postgresql_where=DUE
    )
    op.create_index(
        'ix_graduate_verifications_unit', 'graduate_verifications', ['supervising_unit_id', 'status']
    )
    op.create_table(
        'graduate_settlement_checks',
        sa.Column('request_id', sa.String(64), primary_key=True),
        sa.Column('declaration_id', sa.String(64), nullable=False),
        sa.Column('round_id', sa.String(64), nullable=False),
        sa.Column('year', sa.Integer, nullable=False),
        sa.Column('id_number_sealed', JSONB, nullable=False),
        sa.Column('university', sa.String(200), nullable=False),
        sa.Column('education', sa.String(20), nullable=False),
        sa.Column('diploma_number', sa.String(64), nullable=False),
        sa.Column('degree_number', sa.String(64)),
        sa.Column('training_mode', sa.String(20), nullable=False),
        sa.Column('employer_credit_code', sa.String(18), nullable=False),
        sa.Column('reported_for_duty_on', sa.Date, nullable=False),
        sa.Column('requested_at', TZ, nullable=False),
        sa.Column('status', sa.String(30), nullable=False),
        sa.Column('passed', sa.Boolean),
        sa.Column('items', JSONB, nullable=False, server_default='[]'),
        sa.Column('valid_until', sa.Date),
        sa.Column('checked_at', TZ),
        sa.Column('event_id', UUID(as_uuid=True)),
        *_claim_columns(),
        sa.Column('created_at', TZ, nullable=False),
        sa.Column('updated_at', TZ, nullable=False),
        sa.CheckConstraint(STATUSES, name=op.f('ck_graduate_settlement_checks_status')),
    )
    op.create_index(
        'ix_graduate_settlement_checks_due',
        'graduate_settlement_checks',
        ['next_attempt_at'],
        postgresql_where=DUE,
    )
    op.create_index(
        'ix_graduate_settlement_checks_declaration', 'graduate_settlement_checks', ['declaration_id']
    )
    op.create_table(
        'graduate_evidence',
        sa.Column('id', sa.BigInteger, sa.Identity(always=True), primary_key=True),
        sa.Column('subject', sa.String(20), nullable=False),
        sa.Column('subject_id', sa.String(64), nullable=False),
        sa.Column('revision', sa.Integer, nullable=False),
        sa.Column('registry', sa.String(30), nullable=False),
        sa.Column('outcome', sa.String(20), nullable=False),
        sa.Column('data', JSONB),
        sa.Column('request_id', sa.String(100)),
        sa.Column('request_digest', sa.String(100)),
        sa.Column('response_digest', sa.String(100)),
        sa.Column('http_status', sa.Integer),
        sa.Column('attempts', sa.Integer, nullable=False, server_default='1'),
        sa.Column('error', sa.Text),
        sa.Column('adapter_version', sa.String(50), nullable=False),
        sa.Column('requested_at', TZ, nullable=False),
        sa.Column('responded_at', TZ),
        sa.Column('duration_ms', sa.Integer),
        sa.CheckConstraint(
            "subject IN ('verification', 'settlement_check')", name=op.f('ck_graduate_evidence_subject')
        ),
        sa.CheckConstraint(
            "outcome IN ('answered', 'not_found', 'unavailable')", name=op.f('ck_graduate_evidence_outcome')
        ),
    )
    op.create_index(
        'ix_graduate_evidence_subject',
        'graduate_evidence',
        ['subject', 'subject_id', 'revision', 'registry', 'id'],
    )


def downgrade() -> None:
    op.drop_table('graduate_evidence')
    op.drop_table('graduate_settlement_checks')
    op.drop_table('graduate_verifications')
