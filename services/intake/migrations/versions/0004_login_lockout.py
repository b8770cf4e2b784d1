"""Failed-login counter and temporary lock on accounts (password guessing protection).

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-22 23:00:00.000000
"""
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '0004'
down_revision: str | None = '0003'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column('accounts', sa.Column('failed_logins', sa.Integer(), server_default='0', nullable=False))
    op.add_column('accounts', sa.Column('locked_until', sa.DateTime(timezone=True), nullable=True))


def downgrade() -> None:
    op.drop_column('accounts', 'locked_until')
    op.drop_column('accounts', 'failed_logins')
