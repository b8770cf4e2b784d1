"""Tables of the settlement service's own database.

Personal data: the holder's name is kept in clear (it is printed on letters); the ID number only sealed
(AES-256-GCM, as received from intake) and as a keyed digest for bad-conduct lookups.
"""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import JSONB

from shared.db import new_metadata

metadata = new_metadata()

#: Rounds as announced by intake (`round.phase_changed`) and closed by publicity (`publicity.closed`).
rounds = sa.Table(
    "rounds",
    metadata,
    sa.Column("round_id", sa.String(64), primary_key=True),
    sa.Column("program", sa.String(20), nullable=False),
    sa.Column("year", sa.Integer),
    sa.Column("phase", sa.String(50)),
    sa.Column("phases", JSONB),
    # The time of the `round.phase_changed` the phase columns come from (migration 0004): an older event
    # never moves them back (shared.readmodels). NULL while only `publicity.closed` has been seen.
    sa.Column("phase_event_at", sa.DateTime(timezone=True)),
    sa.Column("publicity_closed_at", sa.DateTime(timezone=True)),
    sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
)

#: The applicant behind an application, from the latest revision of `application.submitted`.
holders = sa.Table(
    "holders",
    metadata,
    sa.Column("application_id", sa.String(64), primary_key=True),
    sa.Column("revision", sa.Integer, nullable=False),
    sa.Column("round_id", sa.String(64), nullable=False),
    sa.Column("program", sa.String(20), nullable=False),
    sa.Column("name", sa.String(100), nullable=False),
    sa.Column("birth_year_month", sa.String(7), nullable=False),
    sa.Column("employer_name", sa.String(200), nullable=False),
    sa.Column("employer_credit_code", sa.String(18), nullable=False),
    sa.Column("id_number_sealed", JSONB, nullable=False),
    sa.Column("id_number_digest", sa.String(64)),
    sa.Column("applicant_account_id", sa.String(64)),
    sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
)

QUALIFICATION_STATUSES = (
    "held", "disqualified", "pending_holder", "confirmed", "materials_submitted", "materials_returned",
    "district_checked", "approved", "lapsed", "cancelled", "abandoned",
)  # fmt: skip

#: One per application that reached the end of publicity.
qualifications = sa.Table(
    "qualifications",
    metadata,
    sa.Column("application_id", sa.String(64), primary_key=True),
    sa.Column("round_id", sa.String(64), nullable=False),
    sa.Column("program", sa.String(20), nullable=False),
    sa.Column("status", sa.String(30), nullable=False),
    sa.Column("outcome_reason", sa.String(1000)),
    sa.Column("publicity_closed_at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("publicity_closed_on", sa.Date, nullable=False),
    sa.Column("valid_until", sa.Date),
    sa.Column("valid_until_at", sa.DateTime(timezone=True)),
    sa.Column("validity_rule", sa.String(60)),
    sa.Column("calendar_version", sa.String(100)),
    sa.Column("materials", JSONB),
    # 落户区: the district (code, 110101 …) where the hukou will be registered, named with the materials
    # (migration 0003); its district staff check them. NULL until materials are handed in.
    sa.Column("settlement_district", sa.String(6)),
    sa.Column("materials_submitted_at", sa.DateTime(timezone=True)),
    sa.Column("materials_submitted_by", sa.String(100)),
    sa.Column("district_checked_at", sa.DateTime(timezone=True)),
    sa.Column("district_checked_by", sa.String(100)),
    sa.Column("district_note", sa.String(2000)),
    sa.Column("approved_at", sa.DateTime(timezone=True)),
    sa.Column("approved_by", sa.String(100)),
    sa.Column("ended_on", sa.Date),
    sa.Column("end_reason_code", sa.String(50)),
    sa.Column("end_note", sa.String(2000)),
    sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint(
        "status IN (" + ", ".join(f"'{s}'" for s in QUALIFICATION_STATUSES) + ")", name="status"
    ),
    sa.Index(
        "ix_qualifications_due",
        "valid_until_at",
        postgresql_where=sa.text(
            "status IN ('pending_holder', 'confirmed', 'materials_submitted', "
            "'materials_returned', 'district_checked')"
        ),
    ),
    sa.Index("ix_qualifications_round_status", "round_id", "status"),
    sa.Index("ix_qualifications_district_status", "settlement_district", "status"),
)

#: One counter per series (programme, letter type, year of issue). Incremented inside the issuing
#: transaction (row lock until commit), so a rolled-back issue gives its number back: no gaps.
letter_counters = sa.Table(
    "letter_counters",
    metadata,
    sa.Column("program", sa.String(20), primary_key=True),
    sa.Column("letter_type", sa.String(50), primary_key=True),
    sa.Column("year", sa.Integer, primary_key=True),
    sa.Column("last_sequence", sa.Integer, nullable=False),
)

letters = sa.Table(
    "letters",
    metadata,
    sa.Column("id", sa.BigInteger, sa.Identity(always=True), primary_key=True),
    sa.Column("serial_number", sa.String(50), nullable=False, unique=True),
    sa.Column("program", sa.String(20), nullable=False),
    sa.Column("letter_type", sa.String(50), nullable=False),
    sa.Column("year", sa.Integer, nullable=False),
    sa.Column("sequence", sa.Integer, nullable=False),
    sa.Column("application_id", sa.String(64), nullable=False),
    sa.Column("round_id", sa.String(64), nullable=False),
    sa.Column("holder_name", sa.String(100), nullable=False),
    sa.Column("holder_birth_year_month", sa.String(7), nullable=False),
    sa.Column("holder_id_masked", sa.String(18)),
    sa.Column("employer_name", sa.String(200), nullable=False),
    sa.Column("title", sa.String(200), nullable=False),
    sa.Column("body", sa.Text, nullable=False),
    sa.Column("facts", JSONB, nullable=False),
    sa.Column("authority", sa.String(100), nullable=False),
    sa.Column("issued_on", sa.Date, nullable=False),
    sa.Column("issued_at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("issued_by", sa.String(100), nullable=False),
    sa.Column("token", sa.String(64), nullable=False, unique=True),
    sa.Column("verify_url", sa.String(300), nullable=False),
    sa.Column("status", sa.String(20), nullable=False, server_default="issued"),
    sa.Column("revoked_at", sa.DateTime(timezone=True)),
    sa.Column("revoked_on", sa.Date),
    sa.Column("revoked_by", sa.String(100)),
    sa.Column("revoke_reason_code", sa.String(50)),
    sa.Column("revoke_reason", sa.String(500)),
    sa.CheckConstraint("status IN ('issued', 'revoked')", name="status"),
    # One letter of each type per application, ever: a duplicate event can never issue a second one.
    sa.UniqueConstraint("application_id", "letter_type", name="uq_letters_application_type"),
    sa.UniqueConstraint("program", "letter_type", "year", "sequence", name="uq_letters_series_sequence"),
)

#: Every public verification check (the token itself is not kept, only its SHA-256).
verification_checks = sa.Table(
    "verification_checks",
    metadata,
    sa.Column("id", sa.BigInteger, sa.Identity(always=True), primary_key=True),
    sa.Column("at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("token_sha256", sa.String(64), nullable=False),
    sa.Column("letter_id", sa.BigInteger),
    sa.Column("serial_number", sa.String(50)),
    sa.Column("result", sa.String(20), nullable=False),
    sa.Column("channel", sa.String(10), nullable=False),
    sa.Column("client", sa.String(100)),
    sa.Column("user_agent", sa.String(300)),
    sa.Index("ix_verification_checks_letter", "letter_id", "at"),
)

#: Bad-conduct records (失信记录), one per subject (a person or an employer) and decision.
conduct_records = sa.Table(
    "conduct_records",
    metadata,
    sa.Column("record_id", sa.String(40), primary_key=True),
    sa.Column("subject_kind", sa.String(10), nullable=False),
    sa.Column("subject_key", sa.String(64)),
    sa.Column("person_id_sealed", JSONB),
    sa.Column("person_id_digest", sa.String(64)),
    sa.Column("employer_credit_code", sa.String(18)),
    sa.Column("application_id", sa.String(64)),
    sa.Column("reason", sa.String(500), nullable=False),
    sa.Column("source", sa.String(20), nullable=False),
    sa.Column("valid_from", sa.Date, nullable=False),
    sa.Column("valid_until", sa.Date, nullable=False),
    sa.Column("valid_until_at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("status", sa.String(20), nullable=False),
    sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("created_by", sa.String(100), nullable=False),
    sa.Column("expired_at", sa.DateTime(timezone=True)),
    sa.CheckConstraint("subject_kind IN ('person', 'employer')", name="subject_kind"),
    sa.CheckConstraint("status IN ('pending_holder', 'active', 'expired')", name="status"),
    # The same subject is recorded once per decision date (a redelivered decision adds nothing).
    sa.UniqueConstraint("subject_kind", "subject_key", "valid_from", name="uq_conduct_records_subject_day"),
    # An application's fraud is recorded once per kind of subject, however many times it is reported.
    sa.Index(
        "uq_conduct_records_application_kind",
        "application_id",
        "subject_kind",
        unique=True,
        postgresql_where=sa.text("application_id IS NOT NULL"),
    ),
    sa.Index("ix_conduct_records_due", "valid_until_at", postgresql_where=sa.text("status = 'active'")),
)

# ---- the graduate programme (引进毕业生, seed 000) ----------------------------------------------------

#: One quota account per supervising unit and year (migration 0005). ``remaining`` is kept with the
#: counters in the same UPDATE; the CHECKs make a negative balance (or an inconsistent one) impossible
#: whatever the code does. Approvals take a unit with ``UPDATE … WHERE remaining > 0``.
quota_accounts = sa.Table(
    "quota_accounts",
    metadata,
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

#: Every movement of a quota account: allocations and reallocations (调剂) with who decided, when and why;
#: each use by an approval and each unit given back by a revocation, with the declaration.
quota_movements = sa.Table(
    "quota_movements",
    metadata,
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

GRADUATE_CASE_STATUSES = (
    "open", "disqualified", "submitted", "approved", "refused", "reported", "settlement_requested",
    "settled", "settlement_failed", "revocation_requested", "revoked", "cancelled",
)  # fmt: skip

#: One graduate case per declaration: the graduate (latest ``graduate.declared``), the assessment (latest
#: ``graduate.assessed``), the publicity outcome, then the bureau's decision with its deadline, reporting for
#: duty, the settlement check of Y+1 with its deadline, and the end.
graduate_cases = sa.Table(
    "graduate_cases",
    metadata,
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
    # the approval form exchanged for the 《接收函》 on approval (第十七条(五), migration 0006)
    sa.Column("approval_form_title", sa.String(100)),
    sa.Column("approval_form_copies", sa.Integer),
    sa.Column("approval_form_number", sa.String(50), unique=True),
    sa.Column("approval_form_exchanged_at", sa.DateTime(timezone=True)),
    sa.Column("approval_form_exchanged_by", sa.String(100)),
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
    sa.CheckConstraint(
        "status IN (" + ", ".join(f"'{s}'" for s in GRADUATE_CASE_STATUSES) + ")", name="status"
    ),
    sa.CheckConstraint(
        "(approval_form_number IS NULL AND approval_form_title IS NULL AND approval_form_copies IS NULL"
        " AND approval_form_exchanged_at IS NULL AND approval_form_exchanged_by IS NULL)"
        " OR (approval_form_number IS NOT NULL AND approval_form_title IS NOT NULL"
        " AND approval_form_copies > 0 AND approval_form_exchanged_at IS NOT NULL"
        " AND approval_form_exchanged_by IS NOT NULL)",
        name="approval_form_complete",
    ),
    sa.Index("ix_graduate_cases_unit_status", "supervising_unit_id", "status"),
    sa.Index("ix_graduate_cases_due", "due_at", postgresql_where=sa.text("status = 'submitted'")),
)
