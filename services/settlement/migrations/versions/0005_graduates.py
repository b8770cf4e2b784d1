"""The graduate programme (引进毕业生, seed 000): the quota ledger (one account per supervising unit and year,
never below zero, and every movement with who decided, when and why) and the graduate cases (declaration,
assessment, publicity outcome, the bureau's decision with its 10-working-day deadline, reporting for duty,
the settlement check of Y+1, revocation).

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-04
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects.postgresql import JSONB

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "quota_accounts",
        sa.Column("supervising_unit_id", sa.String(64), primary_key=True),
        sa.Column("year", sa.Integer, primary_key=True),
        sa.Column("allocated", sa.Integer, nullable=False, server_default="0"),
        sa.Column("reallocated_in", sa.Integer, nullable=False, server_default="0"),
        sa.Column("reallocated_out", sa.Integer, nullable=False, server_default="0"),
        sa.Column("used", sa.Integer, nullable=False, server_default="0"),
        sa.Column("returned", sa.Integer, nullable=False, server_default="0"),
        sa.Column("remaining", sa.Integer, nullable=False, server_default="0"),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint("remaining >= 0", name="remaining_not_negative"),
        sa.CheckConstraint(
            "remaining = allocated + reallocated_in - reallocated_out - used + returned", name="balanced"
        ),
        sa.CheckConstraint(
            "allocated >= 0 AND reallocated_in >= 0 AND reallocated_out >= 0 AND used >= 0 "
            "AND returned >= 0 AND returned <= used",
            name="counters",
        ),
    )

    op.create_table(
        "quota_movements",
        sa.Column("id", sa.BigInteger, sa.Identity(always=True), primary_key=True),
        sa.Column("supervising_unit_id", sa.String(64), nullable=False),
        sa.Column("year", sa.Integer, nullable=False),
        sa.Column("kind", sa.String(20), nullable=False),
        sa.Column("amount", sa.Integer, nullable=False),
        sa.Column("counterpart_unit_id", sa.String(64)),
        sa.Column("declaration_id", sa.String(64)),
        sa.Column("reason", sa.String(1000)),
        sa.Column("decided_by", sa.String(100), nullable=False),
        sa.Column("decided_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "kind IN ('allocation', 'reallocation_in', 'reallocation_out', 'use', 'return')", name="kind"
        ),
        sa.CheckConstraint("amount >= 1", name="amount_positive"),
        sa.Index("ix_quota_movements_unit_year", "supervising_unit_id", "year", "id"),
    )

    STATUSES = (
        "open", "disqualified", "submitted", "approved", "refused", "reported", "settlement_requested",
        "settled", "settlement_failed", "revocation_requested", "revoked", "cancelled",
    )  # fmt: skip

    op.create_table(
        "graduate_cases",
        sa.Column("declaration_id", sa.String(64), primary_key=True),
        sa.Column("status", sa.String(30), nullable=False),
        sa.Column("round_id", sa.String(64), nullable=False),
        sa.Column("supervising_unit_id", sa.String(64)),
        sa.Column("year", sa.Integer),
        # graduate.declared (latest revision)
        sa.Column("declared_revision", sa.Integer),
        sa.Column("name", sa.String(100)),
        sa.Column("birth_date", sa.Date),
        sa.Column("id_number_sealed", JSONB),
        sa.Column("id_number_digest", sa.String(64)),
        sa.Column("employer_credit_code", sa.String(18)),
        sa.Column("employer_name", sa.String(200)),
        sa.Column("university", sa.String(200)),
        sa.Column("major", sa.String(200)),
        sa.Column("education", sa.String(20)),
        sa.Column("training_mode", sa.String(20)),
        sa.Column("diploma_number", sa.String(64)),
        sa.Column("degree_number", sa.String(64)),
        sa.Column("graduate_account_id", sa.String(64)),
        # graduate.assessed (latest revision)
        sa.Column("assessed_revision", sa.Integer),
        sa.Column("eligible", sa.Boolean),
        sa.Column("quota_treatment", sa.String(20)),
        sa.Column("policy_version", sa.String(50)),
        # publicity.outcome
        sa.Column("publicity_outcome", sa.String(20)),
        sa.Column("publicity_reason", sa.String(1000)),
        sa.Column("publicity_id", sa.String(140)),
        sa.Column("publicity_closed_at", sa.DateTime(timezone=True)),
        # the bureau's decision (第十七条(五)): 10 working days from receipt
        sa.Column("submitted_at", sa.DateTime(timezone=True)),
        sa.Column("submitted_by", sa.String(100)),
        sa.Column("received_on", sa.Date),
        sa.Column("due_date", sa.Date),
        sa.Column("due_at", sa.DateTime(timezone=True)),
        sa.Column("deadline_rule", sa.String(60)),
        sa.Column("calendar_version", sa.String(100)),
        sa.Column("decided_at", sa.DateTime(timezone=True)),
        sa.Column("decided_by", sa.String(100)),
        sa.Column("decision_reason", sa.String(1000)),
        sa.Column("quota_unit_held", sa.Boolean, nullable=False, server_default=sa.false()),
        # reporting for duty (第十七条(六))
        sa.Column("reported_on", sa.Date),
        sa.Column("reported_by", sa.String(100)),
        # the settlement check of Y+1 (第十七条(七)): 10 working days
        sa.Column("settlement_request_id", sa.String(64)),
        sa.Column("settlement_requested_at", sa.DateTime(timezone=True)),
        sa.Column("settlement_received_on", sa.Date),
        sa.Column("settlement_due_date", sa.Date),
        sa.Column("settlement_due_at", sa.DateTime(timezone=True)),
        sa.Column("settlement_calendar_version", sa.String(100)),
        sa.Column("settlement_checked_at", sa.DateTime(timezone=True)),
        sa.Column("settlement_passed", sa.Boolean),
        sa.Column("settlement_items", JSONB),
        # revocation on the employer's request during probation (第二十六条)
        sa.Column("revocation_reason", sa.String(1000)),
        sa.Column("revocation_requested_at", sa.DateTime(timezone=True)),
        sa.Column("revocation_requested_by", sa.String(100)),
        # the end
        sa.Column("ended_on", sa.Date),
        sa.Column("end_reason_code", sa.String(50)),
        sa.Column("end_note", sa.String(2000)),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint("status IN (" + ", ".join(f"'{s}'" for s in STATUSES) + ")", name="status"),
        sa.Index("ix_graduate_cases_unit_status", "supervising_unit_id", "status"),
        sa.Index("ix_graduate_cases_due", "due_at", postgresql_where=sa.text("status = 'submitted'")),
    )


def downgrade() -> None:
    op.drop_table("graduate_cases")
    op.drop_table("quota_movements")
    op.drop_table("quota_accounts")
