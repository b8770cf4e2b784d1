"""The rows of intake's tables as the repository returns them: one TypedDict per table (every column, its
exact type), plus the joined views the use cases read (a table's row with a few columns of its parents).

JSON columns keep JSON values (ISO dates as strings); timestamps are timezone-aware.
"""

from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import Any, TypedDict


class AccountRecord(TypedDict):
    """``accounts``."""

    id: str
    username: str
    password_hash: str | None  # None: logs in through the city's identity service only
    role: str
    name: str
    phone: str | None
    employer_id: str | None
    department: str | None
    district: str | None
    supervising_unit_id: str | None
    status: str
    created_at: datetime
    created_by: str | None
    failed_logins: int
    locked_until: datetime | None
    last_login_network: str | None
    # The ID number the identity service vouched for (sealed, masked, keyed digest); None otherwise.
    id_digest: str | None
    id_number_sealed: dict[str, str] | None
    id_number_masked: str | None


class AccountView(AccountRecord):
    """An account with its employer's credit code (employer administrators; None for others)."""

    employer_credit_code: str | None


class NewAccount(TypedDict):
    """What a new account row is inserted with (the lockout columns take their defaults)."""

    id: str
    username: str
    password_hash: str | None
    role: str
    name: str
    phone: str | None
    employer_id: str | None
    department: str | None
    district: str | None
    supervising_unit_id: str | None
    status: str
    created_at: datetime
    created_by: str | None


class NewVerifiedAccount(NewAccount):
    """An applicant account created at its first login through the identity service."""

    id_digest: str
    id_number_sealed: dict[str, str]
    id_number_masked: str


class ExternalIdentityRecord(TypedDict):
    """``external_identities``."""

    issuer: str
    subject: str
    account_id: str
    linked_at: datetime


class UsedAssertionRecord(TypedDict):
    """``used_assertions``."""

    issuer: str
    jti: str
    expires_at: datetime


class RefreshTokenRecord(TypedDict):
    """``refresh_tokens``."""

    token_hash: str
    account_id: str
    family_id: str
    issued_at: datetime
    expires_at: datetime
    used_at: datetime | None
    revoked_at: datetime | None


class NewRefreshToken(TypedDict):
    token_hash: str
    account_id: str
    family_id: str
    issued_at: datetime
    expires_at: datetime


class EmployerRecord(TypedDict):
    """``employers``."""

    id: str
    credit_code: str
    name: str
    tax_registered: bool
    district: str | None
    registered_at: datetime
    verified_at: datetime | None
    verified_by: str | None


class EmployerAuditRecord(TypedDict):
    """``employer_audit``: one verification or reassignment of an employer."""

    id: str
    employer_id: str
    action: str
    at: datetime
    actor: str
    reason: str | None
    from_accounts: list[dict[str, str]]
    to_account: str | None


class AffiliationRecord(TypedDict):
    """``affiliations``."""

    id: str
    applicant_id: str
    employer_id: str
    status: str
    applicant_confirmed_at: datetime | None
    employer_confirmed_at: datetime | None
    ended_at: datetime | None
    created_at: datetime


class AffiliationView(AffiliationRecord):
    """An affiliation with the applicant's name and the employer's name and credit code."""

    applicant_name: str
    employer_name: str
    employer_credit_code: str


class PhaseJson(TypedDict):
    """One phase of a round as stored in ``rounds.phases`` (ISO dates)."""

    phase: str
    starts_on: str
    ends_on: str


class RoundRecord(TypedDict):
    """``rounds``."""

    id: str
    program: str
    year: int
    policy_version: str
    quota: int | None
    phases: list[PhaseJson]
    created_at: datetime
    created_by: str
    announced_index: int
    announced_at: datetime | None
    ranking: dict[str, Any] | None
    publicity: dict[str, Any] | None


class NewRound(TypedDict):
    id: str
    program: str
    year: int
    policy_version: str
    quota: int | None
    phases: list[PhaseJson]
    created_at: datetime
    created_by: str


class ApplicationRecord(TypedDict):
    """``applications``."""

    id: str
    round_id: str
    applicant_id: str
    employer_id: str
    affiliation_id: str
    status: str
    declaration_status: str
    revision: int
    version: int
    name: str
    phone: str
    id_number_sealed: dict[str, str]
    id_number_masked: str
    id_digest: str
    birth_year_month: str
    facts: dict[str, Any]
    employer_confirmed_version: int | None
    employer_confirmed_at: datetime | None
    employer_confirmed_by: str | None
    returned_reason: str | None
    submitted_at: datetime | None
    verification: dict[str, Any] | None
    score: dict[str, Any] | None
    ranking: dict[str, Any] | None
    publicity: dict[str, Any] | None
    letters: list[dict[str, Any]]
    lapsed_on: date | None
    created_at: datetime
    updated_at: datetime


class ApplicationView(ApplicationRecord):
    """An application with its employer's name and credit code and its round's programme."""

    employer_name: str
    employer_credit_code: str
    program: str


class NewApplication(TypedDict):
    id: str
    round_id: str
    applicant_id: str
    employer_id: str
    affiliation_id: str
    status: str
    declaration_status: str
    revision: int
    version: int
    name: str
    phone: str
    id_number_sealed: dict[str, str]
    id_number_masked: str
    id_digest: str
    birth_year_month: str
    facts: dict[str, Any]
    letters: list[dict[str, Any]]
    created_at: datetime
    updated_at: datetime


class TimelineRecord(TypedDict):
    """``timeline``: one entry of an application's history."""

    id: int
    application_id: str
    at: datetime
    kind: str
    revision: int | None
    data: dict[str, Any]
    event_id: uuid.UUID | None


class RoundEventRecord(TypedDict):
    """``round_events``: a round-wide entry of every applicant's history."""

    id: int
    round_id: str
    at: datetime
    kind: str
    data: dict[str, Any]
    event_id: uuid.UUID | None


class NewRoundEvent(TypedDict):
    round_id: str
    at: datetime
    kind: str
    data: dict[str, Any]
    event_id: uuid.UUID | None


class MaterialRecord(TypedDict):
    """``materials``."""

    id: str
    application_id: str
    sha256: str
    size: int
    media_type: str
    filename: str
    indicator: str | None
    uploaded_at: datetime
    uploaded_by: str


class ConductRecord(TypedDict):
    """``conduct_records``: a bad-conduct record (from the settlement service)."""

    record_id: str
    person_id_digest: str | None
    employer_credit_code: str | None
    reason: str
    valid_from: date
    valid_until: date
    recorded_at: datetime


class IdempotencyRecord(TypedDict):
    """``idempotency_keys``: the first answer to a request made with an ``Idempotency-Key``."""

    account_id: str
    key: str
    operation: str
    response: dict[str, Any]
    created_at: datetime


# ---- the graduate programme ----------------------------------------------------------------------


class SupervisingUnitRecord(TypedDict):
    """``supervising_units``: a 主管单位 with the supervision phone and address its publicity shows."""

    id: str
    name: str
    phone: str
    address: str
    created_at: datetime
    created_by: str


class UnitEmployerRecord(TypedDict):
    """``unit_employers``: an employer in a supervising unit's jurisdiction (第五条)."""

    employer_id: str
    unit_id: str
    assigned_at: datetime
    assigned_by: str


class UnitEmployerView(UnitEmployerRecord):
    """A jurisdiction link with the employer's name and credit code."""

    employer_name: str
    employer_credit_code: str


class GraduateDeclarationRecord(TypedDict):
    """``graduate_declarations``."""

    id: str
    round_id: str
    supervising_unit_id: str
    employer_id: str
    status: str
    version: int
    revision: int
    name: str
    id_number_sealed: dict[str, str]
    id_number_masked: str
    id_digest: str
    birth_date: date
    university: str
    major: str
    education: str
    diploma_number: str | None
    degree_number: str | None
    declaration: dict[str, Any]
    graduate_account_id: str | None
    consent_at: datetime | None
    consent_via: str | None
    returned_reason: str | None
    submitted_at: datetime | None
    unit_decision: dict[str, Any] | None
    verification: dict[str, Any] | None
    assessment: dict[str, Any] | None
    decision: dict[str, Any] | None
    declared_by: str
    created_at: datetime
    updated_at: datetime


class GraduateDeclarationView(GraduateDeclarationRecord):
    """A declaration with its employer's name, credit code and district, its round's year, and its
    supervising unit's name, phone and address."""

    employer_name: str
    employer_credit_code: str
    employer_district: str | None
    employer_registered_at: datetime
    year: int
    unit_name: str
    unit_phone: str
    unit_address: str


class ConsentLinkRecord(TypedDict):
    """``graduate_consent_links``: a one-time consent link, by the SHA-256 of its token."""

    token_hash: str
    declaration_id: str
    created_at: datetime
    created_by: str
    expires_at: datetime
    used_at: datetime | None


class GraduateTimelineRecord(TypedDict):
    """``graduate_timeline``: one entry of a declaration's history."""

    id: int
    declaration_id: str
    at: datetime
    kind: str
    revision: int | None
    data: dict[str, Any]
    event_id: uuid.UUID | None
