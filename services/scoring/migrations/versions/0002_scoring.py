"""Scoring: rounds, score results per revision, rankings and their entries, audit log.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-22
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "rounds",
        sa.Column("round_id", sa.String(64), nullable=False),
        sa.Column("program", sa.String(20), nullable=False),
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("policy_version", sa.String(50)),
        sa.Column("quota", sa.Integer()),
        sa.Column("phase", sa.String(50), nullable=False),
        sa.Column("phases", postgresql.JSONB(), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("round_id", name=op.f("pk_rounds")),
    )
    op.create_table(
        "score_results",
        sa.Column("id", sa.BigInteger(), sa.Identity(always=True), nullable=False),
        sa.Column("application_id", sa.String(64), nullable=False),
        sa.Column("revision", sa.Integer(), nullable=False),
        sa.Column("round_id", sa.String(64), nullable=False),
        sa.Column("policy_version", sa.String(50), nullable=False),
        sa.Column("qualified", sa.Boolean(), nullable=False),
        sa.Column("total", sa.Numeric(8, 2), nullable=False),
        sa.Column("facts", postgresql.JSONB(), nullable=False),
        sa.Column("result", postgresql.JSONB(), nullable=False),
        sa.Column("source_event_id", sa.String(64), nullable=False),
        sa.Column("computed_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_score_results")),
        sa.UniqueConstraint("application_id", "revision", name="uq_score_results_application_revision"),
    )
    op.create_index("ix_score_results_round", "score_results", ["round_id", "application_id", "revision"])
    op.create_table(
        "rankings",
        sa.Column("ranking_id", sa.String(40), nullable=False),
        sa.Column("round_id", sa.String(64), nullable=False),
        sa.Column("policy_version", sa.String(50), nullable=False),
        sa.Column("selection", sa.String(20), nullable=False),
        sa.Column("quota", sa.Integer()),
        sa.Column("score_line", sa.Numeric(8, 2)),
        sa.Column("cutoff", sa.Numeric(8, 2)),
        sa.Column("ranked_count", sa.Integer(), nullable=False),
        sa.Column("admitted_count", sa.Integer(), nullable=False),
        sa.Column("input_digest", sa.String(80), nullable=False),
        sa.Column("status", sa.String(20), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("created_by", sa.String(100), nullable=False),
        sa.Column("finalized_at", sa.DateTime(timezone=True)),
        sa.Column("finalized_by", sa.String(100)),
        sa.CheckConstraint("status IN ('draft', 'finalized')", name=op.f("ck_rankings_status")),
        sa.CheckConstraint("selection IN ('quota', 'score_line')", name=op.f("ck_rankings_selection")),
        sa.PrimaryKeyConstraint("ranking_id", name=op.f("pk_rankings")),
    )
    op.create_index("uq_rankings_finalized_round", "rankings", ["round_id"], unique=True,
                    postgresql_where=sa.text("status = 'finalized'"))
    op.create_table(
        "ranking_entries",
        sa.Column("ranking_id", sa.String(40), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("application_id", sa.String(64), nullable=False),
        sa.Column("rank", sa.Integer(), nullable=False),
        sa.Column("admitted", sa.Boolean(), nullable=False),
        sa.Column("total", sa.Numeric(8, 2), nullable=False),
        sa.ForeignKeyConstraint(["ranking_id"], ["rankings.ranking_id"], ondelete="CASCADE",
                                name=op.f("fk_ranking_entries_ranking_id_rankings")),
        sa.PrimaryKeyConstraint("ranking_id", "position", name=op.f("pk_ranking_entries")),
    )
    op.create_table(
        "audit_log",
        sa.Column("id", sa.BigInteger(), sa.Identity(always=True), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("actor", sa.String(100), nullable=False),
        sa.Column("action", sa.String(50), nullable=False),
        sa.Column("subject", sa.String(100), nullable=False),
        sa.Column("detail", postgresql.JSONB(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_audit_log")),
    )


def downgrade() -> None:
    op.drop_table("audit_log")
    op.drop_table("ranking_entries")
    op.drop_index("uq_rankings_finalized_round", table_name="rankings")
    op.drop_table("rankings")
    op.drop_index("ix_score_results_round", table_name="score_results")
    op.drop_table("score_results")
    op.drop_table("rounds")
