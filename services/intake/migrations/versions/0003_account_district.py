"""District of a district staff account (区人力社保局): a nullable column on accounts.

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-30 10:00:00.000000
"""
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '0003'
down_revision: str | None = '0002'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column('accounts', sa.Column('district', sa.String(length=6), nullable=True))


def downgrade() -> None:
    op.drop_column('accounts', 'district')
