"""Tables of the scoring service's own database."""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import JSONB

from shared.db import new_metadata

metadata = new_metadata()

#: Rounds as announced by intake (`round.phase_changed`): what ranking needs to know.
rounds = sa.Table(
    "rounds",
    metadata,
    sa.Column("round_id", sa.String(64), primary_key=True),
    sa.Column("program", sa.String(20), nullable=False),
    sa.Column("year", sa.Integer, nullable=False),
    sa.Column("policy_version", sa.String(50)),
    sa.Column("quota", sa.Integer),
    sa.Column("phase", sa.String(50), nullable=False),
    sa.Column("phases", JSONB, nullable=False),
    sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
    # The envelope time of the phase event this row reflects: an older one changes nothing
    # (shared.readmodels.apply_round_phase).
    sa.Column("phase_event_at", sa.DateTime(timezone=True)),
)

#: One result per application and revision of its verified facts; the highest revision is current.
score_results = sa.Table(
    "score_results",
    metadata,
    sa.Column("id", sa.BigInteger, sa.Identity(always=True), primary_key=True),
    sa.Column("application_id", sa.String(64), nullable=False),
    sa.Column("revision", sa.Integer, nullable=False),
    sa.Column("round_id", sa.String(64), nullable=False),
    sa.Column("policy_version", sa.String(50), nullable=False),
    sa.Column("qualified", sa.Boolean, nullable=False),
    sa.Column("total", sa.Numeric(8, 2), nullable=False),
    sa.Column("facts", JSONB, nullable=False),
    sa.Column("result", JSONB, nullable=False),
    sa.Column("source_event_id", sa.String(64), nullable=False),
    sa.Column("computed_at", sa.DateTime(timezone=True), nullable=False),
    sa.UniqueConstraint("application_id", "revision", name="uq_score_results_application_revision"),
    sa.Index("ix_score_results_round", "round_id", "application_id", "revision"),
)

rankings = sa.Table(
    "rankings",
    metadata,
    sa.Column("ranking_id", sa.String(40), primary_key=True),
    sa.Column("round_id", sa.String(64), nullable=False),
    sa.Column("policy_version", sa.String(50), nullable=False),
    sa.Column("selection", sa.String(20), nullable=False),
    sa.Column("quota", sa.Integer),
    sa.Column("score_line", sa.Numeric(8, 2)),
    sa.Column("cutoff", sa.Numeric(8, 2)),
    sa.Column("ranked_count", sa.Integer, nullable=False),
    sa.Column("admitted_count", sa.Integer, nullable=False),
    sa.Column("input_digest", sa.String(80), nullable=False),
    sa.Column("status", sa.String(20), nullable=False),
    sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("created_by", sa.String(100), nullable=False),
    sa.Column("finalized_at", sa.DateTime(timezone=True)),
    sa.Column("finalized_by", sa.String(100)),
    sa.CheckConstraint("status IN ('draft', 'finalized')", name="status"),
    sa.CheckConstraint("selection IN ('quota', 'score_line')", name="selection"),
    # At most one finalized ranking per round: after publication nobody is added (不递补).
    sa.Index(
        "uq_rankings_finalized_round",
        "round_id",
        unique=True,
        postgresql_where=sa.text("status = 'finalized'"),
    ),
)

ranking_entries = sa.Table(
    "ranking_entries",
    metadata,
    sa.Column(
        "ranking_id",
        sa.String(40),
        sa.ForeignKey("rankings.ranking_id", ondelete="CASCADE"),
        primary_key=True,
    ),
    sa.Column("position", sa.Integer, primary_key=True),
    sa.Column("application_id", sa.String(64), nullable=False),
    sa.Column("rank", sa.Integer, nullable=False),
    sa.Column("admitted", sa.Boolean, nullable=False),
    sa.Column("total", sa.Numeric(8, 2), nullable=False),
)

#: One eligibility assessment per graduate declaration and revision of its verified facts
#: (``graduate.verified``); the highest revision is current.
graduate_assessments = sa.Table(
    "graduate_assessments",
    metadata,
    sa.Column("id", sa.BigInteger, sa.Identity(always=True), primary_key=True),
    sa.Column("declaration_id", sa.String(64), nullable=False),
    sa.Column("revision", sa.Integer, nullable=False),
    sa.Column("declaration_revision", sa.Integer, nullable=False),
    sa.Column("round_id", sa.String(64), nullable=False),
    sa.Column("supervising_unit_id", sa.String(64), nullable=False),
    sa.Column("policy_version", sa.String(50), nullable=False),
    sa.Column("eligible", sa.Boolean, nullable=False),
    sa.Column("quota", sa.String(20)),
    sa.Column("age_limit", sa.Integer),
    sa.Column("failed_checks", JSONB, nullable=False),
    sa.Column("facts", JSONB, nullable=False),
    sa.Column("result", JSONB, nullable=False),
    sa.Column("source_event_id", sa.String(64), nullable=False),
    sa.Column("verified_at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("assessed_at", sa.DateTime(timezone=True), nullable=False),
    sa.UniqueConstraint("declaration_id", "revision", name="uq_graduate_assessments_declaration_revision"),
    sa.CheckConstraint(
        "quota IS NULL OR quota IN ('counted', 'not_counted', 'separate_plan', 'direct')", name="quota"
    ),
    sa.CheckConstraint("eligible OR quota IS NULL", name="quota_only_if_eligible"),
    sa.Index("ix_graduate_assessments_unit", "supervising_unit_id", "declaration_id"),
)
