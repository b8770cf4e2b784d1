"""The graduate programme: supervising units and their jurisdiction, unit accounts, graduate declarations,
one-time consent links and the declarations' timeline.

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-04 14:00:00.000000
"""
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = '0005'
down_revision: str | None = '0004'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

TS = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        'supervising_units',
        sa.Column('id', sa.String(40), primary_key=True),
        sa.Column('name', sa.String(200), nullable=False),
        sa.Column('phone', sa.String(40), nullable=False),
        sa.Column('address', sa.String(300), nullable=False),
        sa.Column('created_at', TS, nullable=False),
        sa.Column('created_by', sa.String(40), nullable=False),
        sa.UniqueConstraint('name', name=op.f('uq_supervising_units_name')),
    )
    op.add_column(
        'accounts',
        sa.Column(
            'supervising_unit_id',
            sa.String(40),
            sa.ForeignKey('supervising_units.id', name=op.f('fk_accounts_supervising_unit_id_supervising_units')),
            nullable=True,
        ),
    )
    op.create_table(
        'unit_employers',
        sa.Column('employer_id', sa.String(40), sa.ForeignKey('employers.id'), primary_key=True),
        sa.Column('unit_id', sa.String(40), sa.ForeignKey('supervising_units.id'), nullable=False),
        sa.Column('assigned_at', TS, nullable=False),
        sa.Column('assigned_by', sa.String(40), nullable=False),
    )
    op.create_index(op.f('ix_unit_employers_unit_id'), 'unit_employers', ['unit_id'])
    op.create_table(
        'graduate_declarations',
        sa.Column('id', sa.String(64), primary_key=True),
        sa.Column('round_id', sa.String(64), sa.ForeignKey('rounds.id'), nullable=False),
        sa.Column('supervising_unit_id', sa.String(40), sa.ForeignKey('supervising_units.id'), nullable=False),
        sa.Column('employer_id', sa.String(40), sa.ForeignKey('employers.id'), nullable=False),
        sa.Column('status', sa.String(24), nullable=False),
        sa.Column('version', sa.Integer, nullable=False),
        sa.Column('revision', sa.Integer, nullable=False),
        sa.Column('name', sa.String(100), nullable=False),
        sa.Column('id_number_sealed', postgresql.JSONB(), nullable=False),
        sa.Column('id_number_masked', sa.String(18), nullable=False),
        sa.Column('id_digest', sa.String(64), nullable=False),
        sa.Column('birth_date', sa.Date, nullable=False),
        sa.Column('university', sa.String(200), nullable=False),
        sa.Column('major', sa.String(200), nullable=False),
        sa.Column('education', sa.String(20), nullable=False),
        sa.Column('diploma_number', sa.String(64)),
        sa.Column('degree_number', sa.String(64)),
        sa.Column('declaration', postgresql.JSONB(), nullable=False),
        sa.Column('graduate_account_id', sa.String(40), sa.ForeignKey('accounts.id')),
        sa.Column('consent_at', TS),
        sa.Column('consent_via', sa.String(10)),
        sa.Column('returned_reason', sa.String(1000)),
        sa.Column('submitted_at', TS),
        sa.Column('unit_decision', postgresql.JSONB()),
        sa.Column('verification', postgresql.JSONB()),
        sa.Column('assessment', postgresql.JSONB()),
        sa.Column('decision', postgresql.JSONB()),
        sa.Column('declared_by', sa.String(40), nullable=False),
        sa.Column('created_at', TS, nullable=False),
        sa.Column('updated_at', TS, nullable=False),
        sa.UniqueConstraint('round_id', 'id_digest', name='uq_graduate_declarations_round_person'),
    )
    op.create_index(op.f('ix_graduate_declarations_employer_id'), 'graduate_declarations', ['employer_id'])
    op.create_index(
        'ix_graduate_declarations_unit_status', 'graduate_declarations', ['supervising_unit_id', 'status']
    )
    op.create_table(
        'graduate_consent_links',
        sa.Column('token_hash', sa.String(64), primary_key=True),
        sa.Column('declaration_id', sa.String(64), sa.ForeignKey('graduate_declarations.id'), nullable=False),
        sa.Column('created_at', TS, nullable=False),
        sa.Column('created_by', sa.String(40), nullable=False),
        sa.Column('expires_at', TS, nullable=False),
        sa.Column('used_at', TS),
    )
    op.create_index(
        op.f('ix_graduate_consent_links_declaration_id'), 'graduate_consent_links', ['declaration_id']
    )
    op.create_table(
        'graduate_timeline',
        sa.Column('id', sa.BigInteger, sa.Identity(always=True), primary_key=True),
        sa.Column('declaration_id', sa.String(64), sa.ForeignKey('graduate_declarations.id'), nullable=False),
        sa.Column('at', TS, nullable=False),
        sa.Column('kind', sa.String(50), nullable=False),
        sa.Column('revision', sa.Integer),
        sa.Column('data', postgresql.JSONB(), nullable=False),
        sa.Column('event_id', postgresql.UUID(as_uuid=True)),
        sa.UniqueConstraint('event_id', name=op.f('uq_graduate_timeline_event_id')),
    )
    op.create_index(op.f('ix_graduate_timeline_declaration_id'), 'graduate_timeline', ['declaration_id'])


def downgrade() -> None:
    op.drop_table('graduate_timeline')
    op.drop_table('graduate_consent_links')
    op.drop_table('graduate_declarations')
    op.drop_table('unit_employers')
    op.drop_column('accounts', 'supervising_unit_id')
    op.drop_table('supervising_units')
