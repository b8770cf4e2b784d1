"""The applicant's account id on applications (from ``application.submitted``), so that applicants can
file and follow rechecks and appeals of their own application.

Revision ID: 0003
Revises: 0002
Create Date: 2026-12-01
"""
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '0003'
down_revision: str | None = '0002'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column('applications', sa.Column('applicant_id', sa.String(length=64), nullable=True))
    op.create_index('ix_applications_applicant', 'applications', ['applicant_id'], unique=False)


def downgrade() -> None:
    op.drop_index('ix_applications_applicant', table_name='applications')
    op.drop_column('applications', 'applicant_id')
