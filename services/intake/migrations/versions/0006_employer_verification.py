"""Employer verification and reassignment (issue 12, finding 1), and the network of an account's last
good login (finding 7: a lock set from elsewhere does not keep the owner out).

New employers start unverified (``verified_at`` NULL); employers registered before this migration are
unverified too: they were registered under the old, open rule and the bureau checks them like new ones.
``employer_audit`` keeps every verification and every reassignment of a credit code (who, when, from whom,
to whom, why); it is only ever inserted into.

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-04 15:00:00.000000
"""
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = '0006'
down_revision: str | None = '0005'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

TS = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.add_column('employers', sa.Column('verified_at', TS, nullable=True))
    op.add_column('employers', sa.Column('verified_by', sa.String(40), nullable=True))
    op.create_table(
        'employer_audit',
        sa.Column('id', sa.String(40), primary_key=True),
        sa.Column(
            'employer_id',
            sa.String(40),
            sa.ForeignKey('employers.id', name=op.f('fk_employer_audit_employer_id_employers')),
            nullable=False,
        ),
        sa.Column('action', sa.String(20), nullable=False),
        sa.Column('at', TS, nullable=False),
        sa.Column('actor', sa.String(64), nullable=False),
        sa.Column('reason', sa.Text(), nullable=True),
        sa.Column('from_accounts', postgresql.JSONB(), nullable=False, server_default='[]'),
        sa.Column('to_account', sa.String(40), nullable=True),
    )
    op.create_index(op.f('ix_employer_audit_employer_id'), 'employer_audit', ['employer_id'])
    op.add_column('accounts', sa.Column('last_login_network', sa.String(64), nullable=True))


def downgrade() -> None:
    op.drop_column('accounts', 'last_login_network')
    op.drop_index(op.f('ix_employer_audit_employer_id'), table_name='employer_audit')
    op.drop_table('employer_audit')
    op.drop_column('employers', 'verified_by')
    op.drop_column('employers', 'verified_at')
