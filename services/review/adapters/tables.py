"""Tables of the review service's own database."""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import JSONB, UUID

from shared.db import new_metadata

metadata = new_metadata()
TZ = sa.DateTime(timezone=True)

APPLICATION_STATUSES = ("pending", "pending_department", "onsite_review", "completed")

#: Rounds as ``round.phase_changed`` describes them (for phase gating of rechecks and appeals).
rounds = sa.Table(
    "rounds",
    metadata,
    sa.Column("round_id", sa.String(64), primary_key=True),
    sa.Column("program", sa.String(20), nullable=False),
    sa.Column("year", sa.Integer, nullable=False),
    sa.Column("policy_version", sa.String(50)),
    sa.Column("phase", sa.String(50), nullable=False),
    sa.Column("phases", JSONB, nullable=False),
    # The envelope time of the phase event the row reflects: an older one changes nothing.
    sa.Column("phase_event_at", TZ),
    sa.Column("updated_at", TZ, nullable=False),
)

#: One row per application: its latest declaration and where its verification stands.
applications = sa.Table(
    "applications",
    metadata,
    sa.Column("application_id", sa.String(64), primary_key=True),
    sa.Column("round_id", sa.String(64), nullable=False),
    sa.Column("program", sa.String(20), nullable=False),
    sa.Column("name", sa.String(100), nullable=False),
    sa.Column("employer_name", sa.String(200), nullable=False),
    sa.Column("id_number_sealed", JSONB, nullable=False),
    sa.Column("id_number_digest", sa.String(64), nullable=False),
    # The applicant's intake account (``application.submitted``'s ``applicant_id``); None for events
    # emitted before intake sent it: such an application can only be rechecked through bureau staff.
    sa.Column("applicant_id", sa.String(64)),
    sa.Column("id_birth_date", sa.Date, nullable=False),
    sa.Column("id_sex", sa.String(6), nullable=False),
    sa.Column("declaration_revision", sa.Integer, nullable=False),
    sa.Column("declared_facts", JSONB, nullable=False),
    sa.Column("status", sa.String(30), nullable=False),
    sa.Column("facts_revision", sa.Integer, nullable=False, server_default="0"),
    sa.Column("attempts", sa.Integer, nullable=False, server_default="0"),
    sa.Column("next_attempt_at", TZ),
    sa.Column("claim_token", UUID(as_uuid=True)),
    sa.Column("claimed_until", TZ),
    sa.Column("waiting_departments", JSONB, nullable=False, server_default="[]"),
    sa.Column("last_error", sa.Text),
    sa.Column("correlation_id", sa.String(100), nullable=False),
    sa.Column("causation_id", sa.String(100)),
    sa.Column("submitted_at", TZ, nullable=False),
    sa.Column("updated_at", TZ, nullable=False),
    sa.Column("completed_at", TZ),
    sa.CheckConstraint(f"status IN {APPLICATION_STATUSES!r}", name="status"),
    sa.Index(
        "ix_applications_due",
        "next_attempt_at",
        postgresql_where=sa.text("status IN ('pending', 'pending_department')"),
    ),
    sa.Index("ix_applications_round_status", "round_id", "status"),
    sa.Index("ix_applications_applicant", "applicant_id"),
)

#: Evidence: every department check (query or push), answered or not. Append-only.
department_checks = sa.Table(
    "department_checks",
    metadata,
    sa.Column("id", sa.BigInteger, sa.Identity(always=True), primary_key=True),
    sa.Column("application_id", sa.String(64), nullable=False),
    sa.Column("declaration_revision", sa.Integer, nullable=False),
    sa.Column("department", sa.String(30), nullable=False),
    sa.Column("source", sa.String(10), nullable=False),
    sa.Column("outcome", sa.String(20), nullable=False),
    sa.Column("data", JSONB),
    sa.Column("request_id", sa.String(100)),
    sa.Column("request_digest", sa.String(100)),
    sa.Column("response_digest", sa.String(100)),
    sa.Column("http_status", sa.Integer),
    sa.Column("attempts", sa.Integer, nullable=False, server_default="1"),
    sa.Column("error", sa.Text),
    sa.Column("adapter_version", sa.String(50), nullable=False),
    sa.Column("requested_at", TZ, nullable=False),
    sa.Column("responded_at", TZ),
    sa.Column("duration_ms", sa.Integer),
    sa.Column("submission_id", UUID(as_uuid=True)),
    sa.CheckConstraint("source IN ('query', 'push')", name="source"),
    sa.CheckConstraint("outcome IN ('answered', 'not_found', 'unavailable')", name="outcome"),
    sa.Index("ix_department_checks_app", "application_id", "declaration_revision", "department", "id"),
)

#: The current status of each verification item of an application.
item_results = sa.Table(
    "item_results",
    metadata,
    sa.Column("application_id", sa.String(64), primary_key=True),
    sa.Column("item", sa.String(50), primary_key=True),
    sa.Column("declaration_revision", sa.Integer, nullable=False),
    sa.Column("status", sa.String(30), nullable=False),
    sa.Column("note", sa.String(500)),
    sa.Column("updated_at", TZ, nullable=False),
)

#: Every revision of verified facts emitted (verification.completed), with its statuses.
verified_facts = sa.Table(
    "verified_facts",
    metadata,
    sa.Column("application_id", sa.String(64), primary_key=True),
    sa.Column("facts_revision", sa.Integer, primary_key=True),
    sa.Column("declaration_revision", sa.Integer, nullable=False),
    sa.Column("trigger", sa.String(30), nullable=False),
    sa.Column("facts", JSONB, nullable=False),
    sa.Column("statuses", JSONB, nullable=False),
    sa.Column("event_id", UUID(as_uuid=True), nullable=False),
    sa.Column("created_at", TZ, nullable=False),
)

#: 现场审核: what data exchange cannot prove, decided by bureau staff.
onsite_tasks = sa.Table(
    "onsite_tasks",
    metadata,
    sa.Column("id", sa.BigInteger, sa.Identity(always=True), primary_key=True),
    sa.Column("application_id", sa.String(64), nullable=False),
    sa.Column("declaration_revision", sa.Integer, nullable=False),
    sa.Column("round_id", sa.String(64), nullable=False),
    sa.Column("topic", sa.String(30), nullable=False),
    sa.Column("item", sa.String(50), nullable=False),
    sa.Column("reason", sa.String(500), nullable=False),
    sa.Column("declared", JSONB, nullable=False),
    sa.Column("registry_hint", JSONB),
    sa.Column("status", sa.String(20), nullable=False),
    sa.Column("decision", sa.String(20)),
    sa.Column("value", JSONB),
    sa.Column("reviewer", sa.String(100)),
    sa.Column("note", sa.String(1000)),
    sa.Column("decided_by", sa.String(200)),
    sa.Column("decided_at", TZ),
    sa.Column("created_at", TZ, nullable=False),
    sa.UniqueConstraint("application_id", "declaration_revision", "topic", name="uq_onsite_tasks_topic"),
    sa.CheckConstraint("status IN ('open', 'decided', 'superseded')", name="status"),
    sa.Index("ix_onsite_tasks_open", "created_at", postgresql_where=sa.text("status = 'open'")),
)

#: 复查 (recheck) and 申诉 (appeal) requests: once per application, kind and item.
review_requests = sa.Table(
    "review_requests",
    metadata,
    sa.Column("id", sa.BigInteger, sa.Identity(always=True), primary_key=True),
    sa.Column("application_id", sa.String(64), nullable=False),
    sa.Column("round_id", sa.String(64), nullable=False),
    sa.Column("declaration_revision", sa.Integer, nullable=False),
    sa.Column("kind", sa.String(10), nullable=False),
    sa.Column("item", sa.String(20), nullable=False),
    sa.Column("reason", sa.String(1000), nullable=False),
    sa.Column("phase", sa.String(50), nullable=False),
    sa.Column("requested_by", sa.String(200), nullable=False),
    sa.Column("status", sa.String(20), nullable=False),
    sa.Column("outcome", sa.String(20)),
    sa.Column("value", JSONB),
    sa.Column("reviewer", sa.String(100)),
    sa.Column("note", sa.String(1000)),
    sa.Column("decided_by", sa.String(200)),
    sa.Column("decided_at", TZ),
    sa.Column("facts_revision", sa.Integer),
    sa.Column("created_at", TZ, nullable=False),
    sa.UniqueConstraint("application_id", "kind", "item", name="uq_review_requests_once"),
    sa.CheckConstraint("kind IN ('recheck', 'appeal')", name="kind"),
    sa.CheckConstraint("status IN ('open', 'decided')", name="status"),
)

#: Corrections and answers pushed by partner departments (202 now, callback later).
department_submissions = sa.Table(
    "department_submissions",
    metadata,
    sa.Column("id", UUID(as_uuid=True), primary_key=True),
    sa.Column("department", sa.String(30), nullable=False),
    sa.Column("client", sa.String(200), nullable=False),
    sa.Column("application_id", sa.String(64), nullable=False),
    sa.Column("kind", sa.String(20), nullable=False),
    sa.Column("reference", sa.String(100), nullable=False),
    sa.Column("data", JSONB, nullable=False),
    sa.Column("payload_digest", sa.String(100), nullable=False),
    sa.Column("status", sa.String(20), nullable=False),
    sa.Column("result", JSONB),
    sa.Column("callback_url", sa.String(500)),
    sa.Column("callback_status", sa.String(20), nullable=False),
    sa.Column("callback_attempts", sa.Integer, nullable=False, server_default="0"),
    sa.Column("next_callback_at", TZ),
    sa.Column("callback_claimed_until", TZ),
    sa.Column("callback_error", sa.Text),
    sa.Column("created_at", TZ, nullable=False),
    sa.Column("processed_at", TZ),
    sa.Column("callback_delivered_at", TZ),
    sa.UniqueConstraint("department", "reference", name="uq_department_submissions_reference"),
    sa.CheckConstraint("kind IN ('answer', 'correction')", name="kind"),
    sa.CheckConstraint("status IN ('accepted', 'applied', 'rejected')", name="status"),
    sa.CheckConstraint(
        "callback_status IN ('none', 'pending', 'delivered', 'failed')", name="callback_status"
    ),
    sa.Index(
        "ix_department_submissions_accepted", "created_at", postgresql_where=sa.text("status = 'accepted'")
    ),
    sa.Index(
        "ix_department_submissions_callbacks",
        "next_callback_at",
        postgresql_where=sa.text("callback_status = 'pending'"),
    ),
)

# ---- the graduate programme (引进毕业生) --------------------------------------------------------

GRADUATE_STATUSES = ("pending", "pending_department", "completed")

#: One row per graduate declaration: its latest revision, the check against the education and company
#: registries (items with both sides), the verified facts emitted, and the job's claim.
graduate_verifications = sa.Table(
    "graduate_verifications",
    metadata,
    sa.Column("declaration_id", sa.String(64), primary_key=True),
    sa.Column("declaration_revision", sa.Integer, nullable=False),
    sa.Column("round_id", sa.String(64), nullable=False),
    sa.Column("year", sa.Integer, nullable=False),
    sa.Column("supervising_unit_id", sa.String(64), nullable=False),
    sa.Column("employer_credit_code", sa.String(18), nullable=False),
    sa.Column("employer_name", sa.String(200), nullable=False),
    sa.Column("name", sa.String(100), nullable=False),
    sa.Column("id_number_sealed", JSONB, nullable=False),
    sa.Column("id_number_digest", sa.String(64), nullable=False),
    sa.Column("university", sa.String(200), nullable=False),
    sa.Column("major", sa.String(200), nullable=False),
    sa.Column("diploma_number", sa.String(64)),
    sa.Column("degree_number", sa.String(64)),
    sa.Column("declared_facts", JSONB, nullable=False),
    sa.Column("status", sa.String(30), nullable=False),
    sa.Column("items", JSONB, nullable=False, server_default="[]"),
    sa.Column("verified_facts", JSONB),
    sa.Column("facts_revision", sa.Integer, nullable=False, server_default="0"),
    sa.Column("event_id", UUID(as_uuid=True)),
    sa.Column("attempts", sa.Integer, nullable=False, server_default="0"),
    sa.Column("next_attempt_at", TZ),
    sa.Column("claim_token", UUID(as_uuid=True)),
    sa.Column("claimed_until", TZ),
    sa.Column("waiting_registries", JSONB, nullable=False, server_default="[]"),
    sa.Column("last_error", sa.Text),
    sa.Column("correlation_id", sa.String(100), nullable=False),
    sa.Column("causation_id", sa.String(100)),
    sa.Column("declared_at", TZ, nullable=False),
    sa.Column("updated_at", TZ, nullable=False),
    sa.Column("completed_at", TZ),
    sa.CheckConstraint(f"status IN {GRADUATE_STATUSES!r}", name="status"),
    sa.Index(
        "ix_graduate_verifications_due",
        "next_attempt_at",
        postgresql_where=sa.text("status IN ('pending', 'pending_department')"),
    ),
    sa.Index("ix_graduate_verifications_unit", "supervising_unit_id", "status"),
)

#: The settlement checks of Y+1 (graduate.settlement_check_requested), one per request.
graduate_settlement_checks = sa.Table(
    "graduate_settlement_checks",
    metadata,
    sa.Column("request_id", sa.String(64), primary_key=True),
    sa.Column("declaration_id", sa.String(64), nullable=False),
    sa.Column("round_id", sa.String(64), nullable=False),
    sa.Column("year", sa.Integer, nullable=False),
    sa.Column("id_number_sealed", JSONB, nullable=False),
    sa.Column("university", sa.String(200), nullable=False),
    sa.Column("education", sa.String(20), nullable=False),
    sa.Column("diploma_number", sa.String(64), nullable=False),
    sa.Column("degree_number", sa.String(64)),
    sa.Column("training_mode", sa.String(20), nullable=False),
    sa.Column("employer_credit_code", sa.String(18), nullable=False),
    sa.Column("reported_for_duty_on", sa.Date, nullable=False),
    sa.Column("requested_at", TZ, nullable=False),
    sa.Column("status", sa.String(30), nullable=False),
    sa.Column("passed", sa.Boolean),
    sa.Column("items", JSONB, nullable=False, server_default="[]"),
    sa.Column("valid_until", sa.Date),
    sa.Column("checked_at", TZ),
    sa.Column("event_id", UUID(as_uuid=True)),
    sa.Column("attempts", sa.Integer, nullable=False, server_default="0"),
    sa.Column("next_attempt_at", TZ),
    sa.Column("claim_token", UUID(as_uuid=True)),
    sa.Column("claimed_until", TZ),
    sa.Column("waiting_registries", JSONB, nullable=False, server_default="[]"),
    sa.Column("last_error", sa.Text),
    sa.Column("correlation_id", sa.String(100), nullable=False),
    sa.Column("causation_id", sa.String(100)),
    sa.Column("created_at", TZ, nullable=False),
    sa.Column("updated_at", TZ, nullable=False),
    sa.CheckConstraint(f"status IN {GRADUATE_STATUSES!r}", name="status"),
    sa.Index(
        "ix_graduate_settlement_checks_due",
        "next_attempt_at",
        postgresql_where=sa.text("status IN ('pending', 'pending_department')"),
    ),
    sa.Index("ix_graduate_settlement_checks_declaration", "declaration_id"),
)

#: Evidence of every registry check of the graduate programme, answered or not. Append-only.
graduate_evidence = sa.Table(
    "graduate_evidence",
    metadata,
    sa.Column("id", sa.BigInteger, sa.Identity(always=True), primary_key=True),
    sa.Column("subject", sa.String(20), nullable=False),
    sa.Column("subject_id", sa.String(64), nullable=False),
    sa.Column("revision", sa.Integer, nullable=False),
    sa.Column("registry", sa.String(30), nullable=False),
    sa.Column("outcome", sa.String(20), nullable=False),
    sa.Column("data", JSONB),
    sa.Column("request_id", sa.String(100)),
    sa.Column("request_digest", sa.String(100)),
    sa.Column("response_digest", sa.String(100)),
    sa.Column("http_status", sa.Integer),
    sa.Column("attempts", sa.Integer, nullable=False, server_default="1"),
    sa.Column("error", sa.Text),
    sa.Column("adapter_version", sa.String(50), nullable=False),
    sa.Column("requested_at", TZ, nullable=False),
    sa.Column("responded_at", TZ),
    sa.Column("duration_ms", sa.Integer),
    sa.CheckConstraint("subject IN ('verification', 'settlement_check')", name="subject"),
    sa.CheckConstraint("outcome IN ('answered', 'not_found', 'unavailable')", name="outcome"),
    sa.Index("ix_graduate_evidence_subject", "subject", "subject_id", "revision", "registry", "id"),
)
