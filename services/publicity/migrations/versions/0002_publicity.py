"""Publicity: staging from events, publicities and their entries, objections, access log, rate buckets.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-23
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
        sa.Column("phase", sa.String(50), nullable=False),
        sa.Column("publicity_starts_on", sa.Date()),
        sa.Column("publicity_ends_on", sa.Date()),
        sa.Column("phases", postgresql.JSONB(), nullable=False),
        sa.Column("event_time", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("round_id", name=op.f("pk_rounds")),
    )
    op.create_table(
        "submissions",
        sa.Column("application_id", sa.String(64), nullable=False),
        sa.Column("revision", sa.Integer(), nullable=False),
        sa.Column("round_id", sa.String(64), nullable=False),
        sa.Column("program", sa.String(20), nullable=False),
        sa.Column("name", sa.String(100), nullable=False),
        sa.Column("birth_year_month", sa.String(7), nullable=False),
        sa.Column("employer_name", sa.String(200), nullable=False),
        sa.Column("received_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("application_id", name=op.f("pk_submissions")),
    )
    op.create_index("ix_submissions_round", "submissions", ["round_id"])
    op.create_table(
        "scores",
        sa.Column("application_id", sa.String(64), nullable=False),
        sa.Column("revision", sa.Integer(), nullable=False),
        sa.Column("round_id", sa.String(64), nullable=False),
        sa.Column("policy_version", sa.String(50), nullable=False),
        sa.Column("total", sa.Numeric(8, 2), nullable=False),
        sa.Column("indicators", postgresql.JSONB(), nullable=False),
        sa.Column("received_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("application_id", name=op.f("pk_scores")),
    )
    op.create_index("ix_scores_round", "scores", ["round_id"])
    op.create_table(
        "rankings",
        sa.Column("round_id", sa.String(64), nullable=False),
        sa.Column("ranking_id", sa.String(64), nullable=False),
        sa.Column("policy_version", sa.String(50), nullable=False),
        sa.Column("cutoff", sa.Numeric(8, 2)),
        sa.Column("ranked_count", sa.Integer(), nullable=False),
        sa.Column("admitted_count", sa.Integer(), nullable=False),
        sa.Column("finalized_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("round_id", name=op.f("pk_rankings")),
    )
    op.create_table(
        "ranked",
        sa.Column("ranking_id", sa.String(64), nullable=False),
        sa.Column("application_id", sa.String(64), nullable=False),
        sa.Column("round_id", sa.String(64), nullable=False),
        sa.Column("rank", sa.Integer(), nullable=False),
        sa.Column("admitted", sa.Boolean(), nullable=False),
        sa.Column("total", sa.Numeric(8, 2), nullable=False),
        sa.PrimaryKeyConstraint("ranking_id", "application_id", name=op.f("pk_ranked")),
    )
    op.create_index("ix_ranked_admitted", "ranked", ["ranking_id"], postgresql_where=sa.text("admitted"))
    op.create_table(
        "publicities",
        sa.Column("publicity_id", sa.String(140), nullable=False),
        sa.Column("round_id", sa.String(64), nullable=False),
        sa.Column("scope", sa.String(64), server_default="", nullable=False),
        sa.Column("program", sa.String(20), nullable=False),
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("ranking_id", sa.String(64)),
        sa.Column("status", sa.String(20), nullable=False),
        sa.Column("entry_count", sa.Integer(), nullable=False),
        sa.Column("supervision_contact", sa.Text(), nullable=False),
        sa.Column("prepared_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("opened_at", sa.DateTime(timezone=True)),
        sa.Column("closes_at", sa.DateTime(timezone=True)),
        sa.Column("closes_on", sa.Date()),
        sa.Column("period_rule", sa.String(80)),
        sa.Column("calendar_version", sa.String(120)),
        sa.Column("closed_at", sa.DateTime(timezone=True)),
        sa.Column("close_processed_at", sa.DateTime(timezone=True)),
        sa.Column("cleared", sa.Integer()),
        sa.Column("disqualified", sa.Integer()),
        sa.Column("held", sa.Integer()),
        sa.CheckConstraint("status IN ('scheduled', 'open', 'closed')", name=op.f("ck_publicities_status")),
        sa.PrimaryKeyConstraint("publicity_id", name=op.f("pk_publicities")),
        sa.UniqueConstraint("round_id", "scope", name="uq_publicities_round_scope"),
    )
    op.create_index("ix_publicities_due", "publicities", ["status", "closes_at"])
    op.create_table(
        "entries",
        sa.Column("publicity_id", sa.String(140), nullable=False),
        sa.Column("entry_no", sa.Integer(), nullable=False),
        sa.Column("application_id", sa.String(64), nullable=False),
        sa.Column("rank", sa.Integer()),
        sa.Column("name", sa.String(100), nullable=False),
        sa.Column("birth_year_month", sa.String(7), nullable=False),
        sa.Column("employer_name", sa.String(200), nullable=False),
        sa.Column("total", sa.Numeric(8, 2)),
        sa.Column("indicators", postgresql.JSONB(), nullable=False),
        sa.Column("search_text", sa.Text(), nullable=False),
        sa.Column("outcome", sa.String(20)),
        sa.Column("outcome_reason", sa.String(1000)),
        sa.Column("outcome_at", sa.DateTime(timezone=True)),
        sa.CheckConstraint(
            "outcome IN ('cleared', 'disqualified', 'held')", name=op.f("ck_entries_outcome")
        ),
        sa.PrimaryKeyConstraint("publicity_id", "entry_no", name=op.f("pk_entries")),
        sa.UniqueConstraint("publicity_id", "application_id", name="uq_entries_publicity_application"),
    )
    # Substring search by name or employer over a list of 6,000+ rows: a trigram index when the
    # pg_trgm extension can be created (it is a trusted extension since PostgreSQL 13), else none
    # (a scan of one list is still a few milliseconds).
    op.execute(
        """
        DO $$
        BEGIN
            BEGIN
                CREATE EXTENSION IF NOT EXISTS pg_trgm;
            EXCEPTION WHEN OTHERS THEN
                RAISE NOTICE 'pg_trgm unavailable: %', SQLERRM;
            END;
            IF EXISTS (SELECT 1 FROM pg_extension WHERE extname = 'pg_trgm') THEN
                CREATE INDEX ix_entries_search_trgm ON entries USING gin (search_text gin_trgm_ops);
            END IF;
        END
        $$;
        """
    )
    op.create_table(
        "objections",
        sa.Column("objection_id", sa.String(40), nullable=False),
        sa.Column("publicity_id", sa.String(140), nullable=False),
        sa.Column("entry_no", sa.Integer(), nullable=False),
        sa.Column("application_id", sa.String(64), nullable=False),
        sa.Column("status", sa.String(20), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("reporter_identity", postgresql.JSONB(), nullable=False),
        sa.Column("filed_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("assigned_to", sa.String(200)),
        sa.Column("assigned_at", sa.DateTime(timezone=True)),
        sa.Column("decided_by", sa.String(200)),
        sa.Column("decided_at", sa.DateTime(timezone=True)),
        sa.Column("decision_note", sa.Text()),
        sa.Column("disqualification_reason", sa.String(1000)),
        sa.CheckConstraint(
            "status IN ('received', 'assigned', 'upheld', 'dismissed')", name=op.f("ck_objections_status")
        ),
        sa.PrimaryKeyConstraint("objection_id", name=op.f("pk_objections")),
    )
    op.create_index("ix_objections_entry", "objections", ["publicity_id", "application_id"])
    op.create_index("ix_objections_publicity_status", "objections", ["publicity_id", "status"])
    op.create_table(
        "objection_actions",
        sa.Column("id", sa.BigInteger(), sa.Identity(always=True), nullable=False),
        sa.Column("objection_id", sa.String(40), nullable=False),
        sa.Column("action", sa.String(20), nullable=False),
        sa.Column("actor", sa.String(200), nullable=False),
        sa.Column("note", sa.Text()),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_objection_actions")),
    )
    op.create_index("ix_objection_actions_objection", "objection_actions", ["objection_id", "id"])
    op.create_table(
        "attachments",
        sa.Column("id", sa.BigInteger(), sa.Identity(always=True), nullable=False),
        sa.Column("objection_id", sa.String(40), nullable=False),
        sa.Column("filename", sa.String(120), nullable=False),
        sa.Column("media_type", sa.String(40), nullable=False),
        sa.Column("size", sa.Integer(), nullable=False),
        sa.Column("sha256", sa.String(64), nullable=False),
        sa.Column("content", sa.LargeBinary(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_attachments")),
    )
    op.create_index("ix_attachments_objection", "attachments", ["objection_id"])
    op.create_table(
        "identity_access_log",
        sa.Column("id", sa.BigInteger(), sa.Identity(always=True), nullable=False),
        sa.Column("objection_id", sa.String(40), nullable=False),
        sa.Column("accessed_by", sa.String(200), nullable=False),
        sa.Column("roles", sa.String(200), nullable=False),
        sa.Column("reason", sa.String(1000), nullable=False),
        sa.Column("correlation_id", sa.String(100)),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_identity_access_log")),
    )
    op.create_index("ix_identity_access_log_objection", "identity_access_log", ["objection_id", "id"])
    op.create_table(
        "rate_buckets",
        sa.Column("key", sa.String(80), nullable=False),
        sa.Column("tokens", sa.Float(), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("key", name=op.f("pk_rate_buckets")),
    )


def downgrade() -> None:
    for table in (
        "rate_buckets",
        "identity_access_log",
        "attachments",
        "objection_actions",
        "objections",
        "entries",
        "publicities",
        "ranked",
        "rankings",
        "scores",
        "submissions",
        "rounds",
    ):
        op.drop_table(table)
