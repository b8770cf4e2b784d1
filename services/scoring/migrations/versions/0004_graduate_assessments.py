"""Graduate eligibility: one assessment per declaration and revision of its verified facts.

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-04
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "graduate_assessments",
        sa.Column("id", sa.BigInteger(), sa.Identity(always=True), nullable=False),
        sa.Column("declaration_id", sa.String(64), nullable=False),
        sa.Column("revision", sa.Integer(), nullable=False),
        sa.Column("declaration_revision", sa.Integer(), nullable=False),
        sa.Column("round_id", sa.String(64), nullable=False),
        sa.Column("supervising_unit_id", sa.String(64), nullable=False),
        sa.Column("policy_version", sa.String(50), nullable=False),
        sa.Column("eligible", sa.Boolean(), nullable=False),
        sa.Column("quota", sa.String(20)),
        sa.Column("age_limit", sa.Integer()),
        sa.Column("failed_checks", postgresql.JSONB(), nullable=False),
        sa.Column("facts", postgresql.JSONB(), nullable=False),
        sa.Column("result", postgresql.JSONB(), nullable=False),
        sa.Column("source_event_id", sa.String(64), nullable=False),
        sa.Column("verified_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("assessed_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "quota IS NULL OR quota IN ('counted', 'not_counted', 'separate_plan', 'direct')",
            name=op.f("ck_graduate_assessments_quota"),
        ),
        sa.CheckConstraint(
            "eligible OR quota IS NULL", name=op.f("ck_graduate_assessments_quota_only_if_eligible")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_graduate_assessments")),
        sa.UniqueConstraint(
            "declaration_id", "revision", name="uq_graduate_assessments_declaration_revision"
        ),
    )
    op.create_index(
        "ix_graduate_assessments_unit", "graduate_assessments", ["supervising_unit_id", "declaration_id"]
    )


def downgrade() -> None:
    op.drop_index("ix_graduate_assessments_unit", table_name="graduate_assessments")
    op.drop_table("graduate_assessments")
