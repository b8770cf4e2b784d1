"""Settlement: rounds, holders, qualifications, letters and their counters, verification checks,
bad-conduct records, audit log.

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

TZ = sa.DateTime(timezone=True)
ACTIVE = "status IN ('pending_holder', 'confirmed', 'materials_submitted', 'materials_returned', 'district_checked')"
STATUSES = (
    "held", "disqualified", "pending_holder", "confirmed", "materials_submitted", "materials_returned",
    "district_checked", "approved", "lapsed", "cancelled", "abandoned",
)


def upgrade() -> None:
    op.create_table(
        "rounds",
        sa.Column("round_id", sa.String(64), nullable=False),
        sa.Column("program", sa.String(20), nullable=False),
        sa.Column("year", sa.Integer()),
        sa.Column("phase", sa.String(50)),
        sa.Column("phases", postgresql.JSONB()),
        sa.Column("publicity_closed_at", TZ),
        sa.Column("updated_at", TZ, nullable=False),
        sa.PrimaryKeyConstraint("round_id", name=op.f("pk_rounds")),
    )
    op.create_table(
        "holders",
        sa.Column("application_id", sa.String(64), nullable=False),
        sa.Column("revision", sa.Integer(), nullable=False),
        sa.Column("round_id", sa.String(64), nullable=False),
        sa.Column("program", sa.String(20), nullable=False),
        sa.Column("name", sa.String(100), nullable=False),
        sa.Column("birth_year_month", sa.String(7), nullable=False),
        sa.Column("employer_name", sa.String(200), nullable=False),
        sa.Column("employer_credit_code", sa.String(18), nullable=False),
        sa.Column("id_number_sealed", postgresql.JSONB(), nullable=False),
        sa.Column("id_number_digest", sa.String(64)),
        sa.Column("applicant_account_id", sa.String(64)),
        sa.Column("updated_at", TZ, nullable=False),
        sa.PrimaryKeyConstraint("application_id", name=op.f("pk_holders")),
    )
    op.create_table(
        "qualifications",
        sa.Column("application_id", sa.String(64), nullable=False),
        sa.Column("round_id", sa.String(64), nullable=False),
        sa.Column("program", sa.String(20), nullable=False),
        sa.Column("status", sa.String(30), nullable=False),
        sa.Column("outcome_reason", sa.String(1000)),
        sa.Column("publicity_closed_at", TZ, nullable=False),
        sa.Column("publicity_closed_on", sa.Date(), nullable=False),
        sa.Column("valid_until", sa.Date()),
        sa.Column("valid_until_at", TZ),
        sa.Column("validity_rule", sa.String(60)),
        sa.Column("calendar_version", sa.String(100)),
        sa.Column("materials", postgresql.JSONB()),
        sa.Column("materials_submitted_at", TZ),
        sa.Column("materials_submitted_by", sa.String(100)),
        sa.Column("district_checked_at", TZ),
        sa.Column("district_checked_by", sa.String(100)),
        sa.Column("district_note", sa.String(2000)),
        sa.Column("approved_at", TZ),
        sa.Column("approved_by", sa.String(100)),
        sa.Column("ended_on", sa.Date()),
        sa.Column("end_reason_code", sa.String(50)),
        sa.Column("end_note", sa.String(2000)),
        sa.Column("created_at", TZ, nullable=False),
        sa.Column("updated_at", TZ, nullable=False),
        sa.CheckConstraint("status IN (" + ", ".join(f"'{s}'" for s in STATUSES) + ")",
                           name=op.f("ck_qualifications_status")),
        sa.PrimaryKeyConstraint("application_id", name=op.f("pk_qualifications")),
    )
    op.create_index("ix_qualifications_due", "qualifications", ["valid_until_at"],
                    postgresql_where=sa.text(ACTIVE))
    op.create_index("ix_qualifications_round_status", "qualifications", ["round_id", "status"])
    op.create_table(
        "letter_counters",
        sa.Column("program", sa.String(20), nullable=False),
        sa.Column("letter_type", sa.String(50), nullable=False),
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("last_sequence", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("program", "letter_type", "year", name=op.f("pk_letter_counters")),
    )
    op.create_table(
        "letters",
        sa.Column("id", sa.BigInteger(), sa.Identity(always=True), nullable=False),
        sa.Column("serial_number", sa.String(50), nullable=False),
        sa.Column("program", sa.String(20), nullable=False),
        sa.Column("letter_type", sa.String(50), nullable=False),
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("sequence", sa.Integer(), nullable=False),
        sa.Column("application_id", sa.String(64), nullable=False),
        sa.Column("round_id", sa.String(64), nullable=False),
        sa.Column("holder_name", sa.String(100), nullable=False),
        sa.Column("holder_birth_year_month", sa.String(7), nullable=False),
        sa.Column("holder_id_masked", sa.String(18)),
        sa.Column("employer_name", sa.String(200), nullable=False),
        sa.Column("title", sa.String(200), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("facts", postgresql.JSONB(), nullable=False),
        sa.Column("authority", sa.String(100), nullable=False),
        sa.Column("issued_on", sa.Date(), nullable=False),
        sa.Column("issued_at", TZ, nullable=False),
        sa.Column("issued_by", sa.String(100), nullable=False),
        sa.Column("token", sa.String(64), nullable=False),
        sa.Column("verify_url", sa.String(300), nullable=False),
        sa.Column("status", sa.String(20), server_default="issued", nullable=False),
        sa.Column("revoked_at", TZ),
        sa.Column("revoked_on", sa.Date()),
        sa.Column("revoked_by", sa.String(100)),
        sa.Column("revoke_reason_code", sa.String(50)),
        sa.Column("revoke_reason", sa.String(500)),
        sa.CheckConstraint("status IN ('issued', 'revoked')", name=op.f("ck_letters_status")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_letters")),
        sa.UniqueConstraint("serial_number", name=op.f("uq_letters_serial_number")),
        sa.UniqueConstraint("token", name=op.f("uq_letters_token")),
        sa.UniqueConstraint("application_id", "letter_type", name="uq_letters_application_type"),
        sa.UniqueConstraint("program", "letter_type", "year", "sequence", name="uq_letters_series_sequence"),
    )
    op.create_table(
        "verification_checks",
        sa.Column("id", sa.BigInteger(), sa.Identity(always=True), nullable=False),
        sa.Column("at", TZ, nullable=False),
        sa.Column("token_sha256", sa.String(64), nullable=False),
        sa.Column("letter_id", sa.BigInteger()),
        sa.Column("serial_number", sa.String(50)),
        sa.Column("result", sa.String(20), nullable=False),
        sa.Column("channel", sa.String(10), nullable=False),
        sa.Column("client", sa.String(100)),
        sa.Column("user_agent", sa.String(300)),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_verification_checks")),
    )
    op.create_index("ix_verification_checks_letter", "verification_checks", ["letter_id", "at"])
    op.create_table(
        "conduct_records",
        sa.Column("record_id", sa.String(40), nullable=False),
        sa.Column("subject_kind", sa.String(10), nullable=False),
        sa.Column("subject_key", sa.String(64)),
        sa.Column("person_id_sealed", postgresql.JSONB()),
        sa.Column("person_id_digest", sa.String(64)),
        sa.Column("employer_credit_code", sa.String(18)),
        sa.Column("application_id", sa.String(64)),
        sa.Column("reason", sa.String(500), nullable=False),
        sa.Column("source", sa.String(20), nullable=False),
        sa.Column("valid_from", sa.Date(), nullable=False),
        sa.Column("valid_until", sa.Date(), nullable=False),
        sa.Column("valid_until_at", TZ, nullable=False),
        sa.Column("status", sa.String(20), nullable=False),
        sa.Column("created_at", TZ, nullable=False),
        sa.Column("created_by", sa.String(100), nullable=False),
        sa.Column("expired_at", TZ),
        sa.CheckConstraint("subject_kind IN ('person', 'employer')", name=op.f("ck_conduct_records_subject_kind")),
        sa.CheckConstraint("status IN ('pending_holder', 'active', 'expired')", name=op.f("ck_conduct_records_status")),
        sa.PrimaryKeyConstraint("record_id", name=op.f("pk_conduct_records")),
        sa.UniqueConstraint("subject_kind", "subject_key", "valid_from", name="uq_conduct_records_subject_day"),
    )
    op.create_index("uq_conduct_records_application_kind", "conduct_records", ["application_id", "subject_kind"],
                    unique=True, postgresql_where=sa.text("application_id IS NOT NULL"))
    op.create_index("ix_conduct_records_due", "conduct_records", ["valid_until_at"],
                    postgresql_where=sa.text("status = 'active'"))
    op.create_table(
        "audit_log",
        sa.Column("id", sa.BigInteger(), sa.Identity(always=True), nullable=False),
        sa.Column("at", TZ, nullable=False),
        sa.Column("actor", sa.String(100), nullable=False),
        sa.Column("action", sa.String(50), nullable=False),
        sa.Column("subject", sa.String(100), nullable=False),
        sa.Column("detail", postgresql.JSONB(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_audit_log")),
    )
    op.create_index("ix_audit_log_subject", "audit_log", ["subject", "id"])


def downgrade() -> None:
    op.drop_index("ix_audit_log_subject", table_name="audit_log")
    op.drop_table("audit_log")
    op.drop_index("ix_conduct_records_due", table_name="conduct_records")
    op.drop_index("uq_conduct_records_application_kind", table_name="conduct_records")
    op.drop_table("conduct_records")
    op.drop_index("ix_verification_checks_letter", table_name="verification_checks")
    op.drop_table("verification_checks")
    op.drop_table("letters")
    op.drop_table("letter_counters")
    op.drop_index("ix_qualifications_round_status", table_name="qualifications")
    op.drop_index("ix_qualifications_due", table_name="qualifications")
    op.drop_table("qualifications")
    op.drop_table("holders")
    op.drop_table("rounds")
