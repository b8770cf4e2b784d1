"""Tables of the intake service's own database.

Personal data: the ID number is stored only sealed (AES-256-GCM, ``id_number_sealed``) plus a keyed
digest (``id_digest``) for the one-application-per-person-per-round constraint and bad-conduct lookups.
"""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import JSONB, UUID

from shared.db import new_metadata

metadata = new_metadata()

TS = sa.DateTime(timezone=True)

accounts = sa.Table(
    "accounts",
    metadata,
    sa.Column("id", sa.String(40), primary_key=True),
    sa.Column("username", sa.String(64), nullable=False, unique=True),
    # None: an account that only logs in through the city's identity service (migration 0008).
    sa.Column("password_hash", sa.Text),
    sa.Column("role", sa.String(32), nullable=False),
    sa.Column("name", sa.String(100), nullable=False),
    sa.Column("phone", sa.String(20)),
    sa.Column("employer_id", sa.String(40), sa.ForeignKey("employers.id")),
    sa.Column("department", sa.String(32)),
    sa.Column("district", sa.String(6)),  # district staff: administrative division code, e.g. 110108
    # supervising-unit staff: their unit (migration 0005)
    sa.Column("supervising_unit_id", sa.String(40), sa.ForeignKey("supervising_units.id")),
    sa.Column("status", sa.String(16), nullable=False, server_default="active"),
    sa.Column("created_at", TS, nullable=False),
    sa.Column("created_by", sa.String(40)),
    # Password guessing protection: consecutive failed logins, and the lock they lead to.
    sa.Column("failed_logins", sa.Integer, nullable=False, server_default="0"),
    sa.Column("locked_until", TS),
    # The keyed digest of the client network of the last good login: a lock set by failures from elsewhere
    # does not refuse the owner there (migration 0006).
    sa.Column("last_login_network", sa.String(64)),
    # An applicant whose identity the city's identity service vouched for (migration 0008): the ID number
    # it asserted, sealed, masked and keyed-digested like a declaration's; one such account per person.
    sa.Column("id_digest", sa.String(64)),
    sa.Column("id_number_sealed", JSONB),
    sa.Column("id_number_masked", sa.String(18)),
    sa.Index(
        "ix_accounts_id_digest", "id_digest", unique=True, postgresql_where=sa.text("id_digest IS NOT NULL")
    ),
)

#: (issuer, subject) of the external identity provider -> the account it logs in to (migration 0008).
external_identities = sa.Table(
    "external_identities",
    metadata,
    sa.Column("issuer", sa.String(200), primary_key=True),
    sa.Column("subject", sa.String(255), primary_key=True),
    sa.Column("account_id", sa.String(40), sa.ForeignKey("accounts.id"), nullable=False, index=True),
    sa.Column("linked_at", TS, nullable=False),
)

#: The ``jti`` of each identity assertion already exchanged, kept until it expires: replays are refused.
used_assertions = sa.Table(
    "used_assertions",
    metadata,
    sa.Column("issuer", sa.String(200), primary_key=True),
    sa.Column("jti", sa.String(255), primary_key=True),
    sa.Column("expires_at", TS, nullable=False, index=True),
)

refresh_tokens = sa.Table(
    "refresh_tokens",
    metadata,
    sa.Column("token_hash", sa.String(64), primary_key=True),
    sa.Column("account_id", sa.String(40), sa.ForeignKey("accounts.id"), nullable=False, index=True),
    sa.Column("family_id", sa.String(40), nullable=False, index=True),
    sa.Column("issued_at", TS, nullable=False),
    sa.Column("expires_at", TS, nullable=False),
    sa.Column("used_at", TS),
    sa.Column("revoked_at", TS),
)

employers = sa.Table(
    "employers",
    metadata,
    sa.Column("id", sa.String(40), primary_key=True),
    sa.Column("credit_code", sa.String(18), nullable=False, unique=True),
    sa.Column("name", sa.String(200), nullable=False),
    sa.Column("tax_registered", sa.Boolean, nullable=False),
    sa.Column("district", sa.String(8)),
    sa.Column("registered_at", TS, nullable=False),
    # Bureau staff verify a new employer before it can act (issue 12, finding 1; migration 0006).
    sa.Column("verified_at", TS),
    sa.Column("verified_by", sa.String(40)),
)

#: Append-only record of each verification and reassignment of an employer's credit code.
employer_audit = sa.Table(
    "employer_audit",
    metadata,
    sa.Column("id", sa.String(40), primary_key=True),
    sa.Column("employer_id", sa.String(40), sa.ForeignKey("employers.id"), nullable=False, index=True),
    sa.Column("action", sa.String(20), nullable=False),  # verified | reassigned
    sa.Column("at", TS, nullable=False),
    sa.Column("actor", sa.String(64), nullable=False),
    sa.Column("reason", sa.Text),
    # reassigned: the administrator accounts detached from the employer, [{"id", "username"}]
    sa.Column("from_accounts", JSONB, nullable=False, server_default="[]"),
    sa.Column("to_account", sa.String(40)),  # reassigned: the new administrator account
)

affiliations = sa.Table(
    "affiliations",
    metadata,
    sa.Column("id", sa.String(40), primary_key=True),
    sa.Column("applicant_id", sa.String(40), sa.ForeignKey("accounts.id"), nullable=False),
    sa.Column("employer_id", sa.String(40), sa.ForeignKey("employers.id"), nullable=False, index=True),
    sa.Column("status", sa.String(20), nullable=False),
    sa.Column("applicant_confirmed_at", TS),
    sa.Column("employer_confirmed_at", TS),
    sa.Column("ended_at", TS),
    sa.Column("created_at", TS, nullable=False),
    # An applicant has at most one affiliation that is not ended.
    sa.Index(
        "uq_affiliations_applicant_live",
        "applicant_id",
        unique=True,
        postgresql_where=sa.text("status <> 'ended'"),
    ),
)

rounds = sa.Table(
    "rounds",
    metadata,
    sa.Column("id", sa.String(64), primary_key=True),
    sa.Column("program", sa.String(16), nullable=False),
    sa.Column("year", sa.Integer, nullable=False),
    sa.Column("policy_version", sa.String(32), nullable=False),
    sa.Column("quota", sa.Integer),
    sa.Column("phases", JSONB, nullable=False),
    sa.Column("created_at", TS, nullable=False),
    sa.Column("created_by", sa.String(40), nullable=False),
    # The phase job's state: the last boundary announced (round.phase_changed), -1 for none.
    sa.Column("announced_index", sa.Integer, nullable=False, server_default="-1"),
    sa.Column("announced_at", TS),
    sa.Column("ranking", JSONB),
    sa.Column("publicity", JSONB),
    sa.UniqueConstraint("program", "year", name="uq_rounds_program_year"),
)

applications = sa.Table(
    "applications",
    metadata,
    sa.Column("id", sa.String(64), primary_key=True),
    sa.Column("round_id", sa.String(64), sa.ForeignKey("rounds.id"), nullable=False),
    sa.Column("applicant_id", sa.String(40), sa.ForeignKey("accounts.id"), nullable=False),
    sa.Column("employer_id", sa.String(40), sa.ForeignKey("employers.id"), nullable=False, index=True),
    sa.Column("affiliation_id", sa.String(40), sa.ForeignKey("affiliations.id"), nullable=False),
    sa.Column("status", sa.String(20), nullable=False),
    sa.Column("declaration_status", sa.String(20), nullable=False),
    sa.Column("revision", sa.Integer, nullable=False, server_default="0"),
    sa.Column("version", sa.Integer, nullable=False, server_default="1"),
    sa.Column("name", sa.String(100), nullable=False),
    sa.Column("phone", sa.String(20), nullable=False),
    sa.Column("id_number_sealed", JSONB, nullable=False),
    sa.Column("id_number_masked", sa.String(18), nullable=False),
    sa.Column("id_digest", sa.String(64), nullable=False),
    sa.Column("birth_year_month", sa.String(7), nullable=False),
    sa.Column("facts", JSONB, nullable=False),
    sa.Column("employer_confirmed_version", sa.Integer),
    sa.Column("employer_confirmed_at", TS),
    sa.Column("employer_confirmed_by", sa.String(40)),
    sa.Column("returned_reason", sa.String(500)),
    sa.Column("submitted_at", TS),
    sa.Column("verification", JSONB),
    sa.Column("score", JSONB),
    sa.Column("ranking", JSONB),
    sa.Column("publicity", JSONB),
    sa.Column("letters", JSONB, nullable=False, server_default=sa.text("'[]'::jsonb")),
    sa.Column("lapsed_on", sa.Date),
    sa.Column("created_at", TS, nullable=False),
    sa.Column("updated_at", TS, nullable=False),
    sa.UniqueConstraint("round_id", "applicant_id", name="uq_applications_round_applicant"),
    sa.UniqueConstraint("round_id", "id_digest", name="uq_applications_round_person"),
    sa.Index("ix_applications_round_status", "round_id", "status"),
)

timeline = sa.Table(
    "timeline",
    metadata,
    sa.Column("id", sa.BigInteger, sa.Identity(always=True), primary_key=True),
    sa.Column("application_id", sa.String(64), sa.ForeignKey("applications.id"), nullable=False, index=True),
    sa.Column("at", TS, nullable=False),
    sa.Column("kind", sa.String(50), nullable=False),
    sa.Column("revision", sa.Integer),
    sa.Column("data", JSONB, nullable=False),
    sa.Column("event_id", UUID(as_uuid=True), unique=True),
)

round_events = sa.Table(
    "round_events",
    metadata,
    sa.Column("id", sa.BigInteger, sa.Identity(always=True), primary_key=True),
    sa.Column("round_id", sa.String(64), sa.ForeignKey("rounds.id"), nullable=False, index=True),
    sa.Column("at", TS, nullable=False),
    sa.Column("kind", sa.String(50), nullable=False),
    sa.Column("data", JSONB, nullable=False),
    sa.Column("event_id", UUID(as_uuid=True), unique=True),
)

materials = sa.Table(
    "materials",
    metadata,
    sa.Column("id", sa.String(40), primary_key=True),
    sa.Column("application_id", sa.String(64), sa.ForeignKey("applications.id"), nullable=False, index=True),
    sa.Column("sha256", sa.String(64), nullable=False),
    sa.Column("size", sa.BigInteger, nullable=False),
    sa.Column("media_type", sa.String(50), nullable=False),
    sa.Column("filename", sa.String(200), nullable=False),
    sa.Column("indicator", sa.String(50)),
    sa.Column("uploaded_at", TS, nullable=False),
    sa.Column("uploaded_by", sa.String(40), nullable=False),
    sa.UniqueConstraint("application_id", "sha256", name="uq_materials_application_sha256"),
)

conduct_records = sa.Table(
    "conduct_records",
    metadata,
    sa.Column("record_id", sa.String(64), primary_key=True),
    sa.Column("person_id_digest", sa.String(64), index=True),
    sa.Column("employer_credit_code", sa.String(18), index=True),
    sa.Column("reason", sa.String(500), nullable=False),
    sa.Column("valid_from", sa.Date, nullable=False),
    sa.Column("valid_until", sa.Date, nullable=False),
    sa.Column("recorded_at", TS, nullable=False),
)

idempotency_keys = sa.Table(
    "idempotency_keys",
    metadata,
    sa.Column("account_id", sa.String(40), primary_key=True),
    sa.Column("key", sa.String(200), primary_key=True),
    sa.Column("operation", sa.String(100), nullable=False),
    sa.Column("response", JSONB, nullable=False),
    sa.Column("created_at", TS, nullable=False),
)

# ---- the graduate programme (migration 0005) ----------------------------------------------------------

supervising_units = sa.Table(
    "supervising_units",
    metadata,
    sa.Column("id", sa.String(40), primary_key=True),
    sa.Column("name", sa.String(200), nullable=False, unique=True),
    sa.Column("phone", sa.String(40), nullable=False),  # 监督电话, shown on the publicity
    sa.Column("address", sa.String(300), nullable=False),
    sa.Column("created_at", TS, nullable=False),
    sa.Column("created_by", sa.String(40), nullable=False),
)

# 第五条: the employers that belong to each supervising unit (one unit per employer).
unit_employers = sa.Table(
    "unit_employers",
    metadata,
    sa.Column("employer_id", sa.String(40), sa.ForeignKey("employers.id"), primary_key=True),
    sa.Column("unit_id", sa.String(40), sa.ForeignKey("supervising_units.id"), nullable=False, index=True),
    sa.Column("assigned_at", TS, nullable=False),
    sa.Column("assigned_by", sa.String(40), nullable=False),
)

graduate_declarations = sa.Table(
    "graduate_declarations",
    metadata,
    sa.Column("id", sa.String(64), primary_key=True),
    sa.Column("round_id", sa.String(64), sa.ForeignKey("rounds.id"), nullable=False),
    sa.Column("supervising_unit_id", sa.String(40), sa.ForeignKey("supervising_units.id"), nullable=False),
    sa.Column("employer_id", sa.String(40), sa.ForeignKey("employers.id"), nullable=False, index=True),
    sa.Column("status", sa.String(24), nullable=False),
    sa.Column("version", sa.Integer, nullable=False),
    sa.Column("revision", sa.Integer, nullable=False),
    sa.Column("name", sa.String(100), nullable=False),
    sa.Column("id_number_sealed", JSONB, nullable=False),
    sa.Column("id_number_masked", sa.String(18), nullable=False),
    sa.Column("id_digest", sa.String(64), nullable=False),
    sa.Column("birth_date", sa.Date, nullable=False),
    sa.Column("university", sa.String(200), nullable=False),
    sa.Column("major", sa.String(200), nullable=False),
    sa.Column("education", sa.String(20), nullable=False),
    sa.Column("diploma_number", sa.String(64)),
    sa.Column("degree_number", sa.String(64)),
    sa.Column("declaration", JSONB, nullable=False),  # what the employer declared (schemas/graduates.py)
    sa.Column("graduate_account_id", sa.String(40), sa.ForeignKey("accounts.id")),
    sa.Column("consent_at", TS),
    sa.Column("consent_via", sa.String(10)),  # account | link
    sa.Column("returned_reason", sa.String(1000)),
    sa.Column("submitted_at", TS),
    sa.Column("unit_decision", JSONB),
    sa.Column("verification", JSONB),
    sa.Column("assessment", JSONB),
    sa.Column("decision", JSONB),
    sa.Column("declared_by", sa.String(40), nullable=False),
    sa.Column("created_at", TS, nullable=False),
    sa.Column("updated_at", TS, nullable=False),
    sa.UniqueConstraint("round_id", "id_digest", name="uq_graduate_declarations_round_person"),
    sa.Index("ix_graduate_declarations_unit_status", "supervising_unit_id", "status"),
)

# One-time consent links: only the SHA-256 of the token is kept; single use, expiring.
graduate_consent_links = sa.Table(
    "graduate_consent_links",
    metadata,
    sa.Column("token_hash", sa.String(64), primary_key=True),
    sa.Column(
        "declaration_id",
        sa.String(64),
        sa.ForeignKey("graduate_declarations.id"),
        nullable=False,
        index=True,
    ),
    sa.Column("created_at", TS, nullable=False),
    sa.Column("created_by", sa.String(40), nullable=False),
    sa.Column("expires_at", TS, nullable=False),
    sa.Column("used_at", TS),
)

graduate_timeline = sa.Table(
    "graduate_timeline",
    metadata,
    sa.Column("id", sa.BigInteger, sa.Identity(always=True), primary_key=True),
    sa.Column(
        "declaration_id",
        sa.String(64),
        sa.ForeignKey("graduate_declarations.id"),
        nullable=False,
        index=True,
    ),
    sa.Column("at", TS, nullable=False),
    sa.Column("kind", sa.String(50), nullable=False),
    sa.Column("revision", sa.Integer),
    sa.Column("data", JSONB, nullable=False),
    sa.Column("event_id", UUID(as_uuid=True), unique=True),
)
