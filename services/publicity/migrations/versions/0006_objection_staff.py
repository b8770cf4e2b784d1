"""The roster of objection staff (issue 12, finding 6): who may assign objections (``supervisor``) and
who may be given one and unseal its reporter (``investigator``), by account id. Assignment used to accept
any text, so any staff member could assign an objection to themself and unseal the reporter.

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-04
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0006"
down_revision: str | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "objection_staff",
        sa.Column("account_id", sa.String(200), nullable=False),
        sa.Column("duty", sa.String(20), nullable=False),
        sa.Column("registered_by", sa.String(200), nullable=False),
        sa.Column("registered_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("revoked_by", sa.String(200), nullable=True),
        sa.Column("revoked_at", sa.DateTime(timezone=True), nullable=True),
        sa.CheckConstraint("duty IN ('supervisor', 'investigator')", name=op.f("ck_objection_staff_duty")),
        sa.PrimaryKeyConstraint("account_id", "duty", name=op.f("pk_objection_staff")),
    )


def downgrade() -> None:
    op.drop_table("objection_staff")
