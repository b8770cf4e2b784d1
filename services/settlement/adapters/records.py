"""One TypedDict per table of ``tables.py``: what the repository returns (exact column types).

JSONB columns are typed by what the service writes into them; a nullable column is ``X | None``.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any, TypedDict


class RoundRecord(TypedDict):
    """``rounds``: a round as announced by intake and closed by publicity (a read model)."""

    round_id: str
    program: str
    year: int | None
    phase: str | None
    phases: list[dict[str, Any]] | None
    phase_event_at: datetime | None
    publicity_closed_at: datetime | None
    updated_at: datetime


class HolderRecord(TypedDict):
    """``holders``: the applicant behind an application (latest revision of ``application.submitted``)."""

    application_id: str
    revision: int
    round_id: str
    program: str
    name: str
    birth_year_month: str
    employer_name: str
    employer_credit_code: str
    id_number_sealed: dict[str, str]
    id_number_digest: str | None
    applicant_account_id: str | None
    updated_at: datetime


class QualificationRecord(TypedDict):
    """``qualifications``: one per application that reached the end of publicity."""

    application_id: str
    round_id: str
    program: str
    status: str
    outcome_reason: str | None
    publicity_closed_at: datetime
    publicity_closed_on: date
    valid_until: date | None
    valid_until_at: datetime | None
    validity_rule: str | None
    calendar_version: str | None
    materials: dict[str, Any] | None
    settlement_district: str | None
    materials_submitted_at: datetime | None
    materials_submitted_by: str | None
    district_checked_at: datetime | None
    district_checked_by: str | None
    district_note: str | None
    approved_at: datetime | None
    approved_by: str | None
    ended_on: date | None
    end_reason_code: str | None
    end_note: str | None
    created_at: datetime
    updated_at: datetime


class QualificationChanges(TypedDict, total=False):
    """The columns of ``qualifications`` a use case changes (an UPDATE's values)."""

    status: str
    outcome_reason: str | None
    publicity_closed_at: datetime
    publicity_closed_on: date
    valid_until: date | None
    valid_until_at: datetime | None
    validity_rule: str | None
    calendar_version: str | None
    materials: dict[str, Any] | None
    settlement_district: str | None
    materials_submitted_at: datetime | None
    materials_submitted_by: str | None
    district_checked_at: datetime | None
    district_checked_by: str | None
    district_note: str | None
    approved_at: datetime | None
    approved_by: str | None
    ended_on: date | None
    end_reason_code: str | None
    end_note: str | None
    updated_at: datetime


class LetterCounterRecord(TypedDict):
    """``letter_counters``: the last serial number of a series."""

    program: str
    letter_type: str
    year: int
    last_sequence: int


class LetterFacts(TypedDict):
    """``letters.facts`` (JSONB): what the letter's table prints, as issued."""

    year: int
    holder_lines: list[list[str]]
    valid_until: str | None  # ISO date


class NewLetter(TypedDict):
    """A row of ``letters`` as issued (the database adds ``id``, ``status`` and the revocation columns)."""

    serial_number: str
    program: str
    letter_type: str
    year: int
    sequence: int
    application_id: str
    round_id: str
    holder_name: str
    holder_birth_year_month: str
    holder_id_masked: str | None
    employer_name: str
    title: str
    body: str
    facts: LetterFacts
    authority: str
    issued_on: date
    issued_at: datetime
    issued_by: str
    token: str
    verify_url: str


class LetterRecord(NewLetter):
    """``letters``: an issued letter and its state."""

    id: int
    status: str
    revoked_at: datetime | None
    revoked_on: date | None
    revoked_by: str | None
    revoke_reason_code: str | None
    revoke_reason: str | None


class NewVerificationCheck(TypedDict):
    """A row of ``verification_checks`` as logged (the database adds ``id``)."""

    at: datetime
    token_sha256: str
    letter_id: int | None
    serial_number: str | None
    result: str
    channel: str
    client: str | None
    user_agent: str | None


class VerificationCheckRecord(NewVerificationCheck):
    """``verification_checks``: one public verification check."""

    id: int


class ConductRecord(TypedDict):
    """``conduct_records``: a bad-conduct record (失信记录) of a person or an employer."""

    record_id: str
    subject_kind: str
    subject_key: str | None
    person_id_sealed: dict[str, str] | None
    person_id_digest: str | None
    employer_credit_code: str | None
    application_id: str | None
    reason: str
    source: str
    valid_from: date
    valid_until: date
    valid_until_at: datetime
    status: str
    created_at: datetime
    created_by: str
    expired_at: datetime | None


class AuditRecord(TypedDict):
    """A settlement case record of the audit chain (``shared.audit.case_records``; the ``audit_log`` table
    before it was merged into the chain): who did what, when. ``id`` is the record's seq."""

    id: int
    at: datetime
    actor: str
    action: str
    subject: str
    detail: dict[str, Any]


# ---- the graduate programme ----------------------------------------------------------------------


class QuotaAccountRecord(TypedDict):
    """``quota_accounts``: one supervising unit's quota for one year."""

    supervising_unit_id: str
    year: int
    allocated: int
    reallocated_in: int
    reallocated_out: int
    used: int
    returned: int
    remaining: int
    updated_at: datetime


class NewQuotaMovement(TypedDict):
    """A row of ``quota_movements`` as recorded (the database adds ``id``)."""

    supervising_unit_id: str
    year: int
    kind: str
    amount: int
    counterpart_unit_id: str | None
    declaration_id: str | None
    reason: str | None
    decided_by: str
    decided_at: datetime


class QuotaMovementRecord(NewQuotaMovement):
    """``quota_movements``: one line of a quota account."""

    id: int


class GraduateCaseChanges(TypedDict, total=False):
    """The columns of ``graduate_cases`` a use case writes (an INSERT's or UPDATE's values)."""

    declaration_id: str
    status: str
    round_id: str
    supervising_unit_id: str | None
    year: int | None
    declared_revision: int | None
    name: str | None
    birth_date: date | None
    id_number_sealed: dict[str, str] | None
    id_number_digest: str | None
    employer_credit_code: str | None
    employer_name: str | None
    university: str | None
    major: str | None
    education: str | None
    training_mode: str | None
    diploma_number: str | None
    degree_number: str | None
    graduate_account_id: str | None
    assessed_revision: int | None
    eligible: bool | None
    quota_treatment: str | None
    policy_version: str | None
    publicity_outcome: str | None
    publicity_reason: str | None
    publicity_id: str | None
    publicity_closed_at: datetime | None
    submitted_at: datetime | None
    submitted_by: str | None
    received_on: date | None
    due_date: date | None
    due_at: datetime | None
    deadline_rule: str | None
    calendar_version: str | None
    decided_at: datetime | None
    decided_by: str | None
    decision_reason: str | None
    quota_unit_held: bool
    approval_form_title: str | None
    approval_form_copies: int | None
    approval_form_number: str | None
    approval_form_exchanged_at: datetime | None
    approval_form_exchanged_by: str | None
    reported_on: date | None
    reported_by: str | None
    settlement_request_id: str | None
    settlement_requested_at: datetime | None
    settlement_received_on: date | None
    settlement_due_date: date | None
    settlement_due_at: datetime | None
    settlement_calendar_version: str | None
    settlement_checked_at: datetime | None
    settlement_passed: bool | None
    settlement_items: list[dict[str, Any]] | None
    revocation_reason: str | None
    revocation_requested_at: datetime | None
    revocation_requested_by: str | None
    ended_on: date | None
    end_reason_code: str | None
    end_note: str | None
    created_at: datetime
    updated_at: datetime


class GraduateCaseRecord(TypedDict):
    """``graduate_cases``: one graduate declaration in settlement."""

    declaration_id: str
    status: str
    round_id: str
    supervising_unit_id: str | None
    year: int | None
    declared_revision: int | None
    name: str | None
    birth_date: date | None
    id_number_sealed: dict[str, str] | None
    id_number_digest: str | None
    employer_credit_code: str | None
    employer_name: str | None
    university: str | None
    major: str | None
    education: str | None
    training_mode: str | None
    diploma_number: str | None
    degree_number: str | None
    graduate_account_id: str | None
    assessed_revision: int | None
    eligible: bool | None
    quota_treatment: str | None
    policy_version: str | None
    publicity_outcome: str | None
    publicity_reason: str | None
    publicity_id: str | None
    publicity_closed_at: datetime | None
    submitted_at: datetime | None
    submitted_by: str | None
    received_on: date | None
    due_date: date | None
    due_at: datetime | None
    deadline_rule: str | None
    calendar_version: str | None
    decided_at: datetime | None
    decided_by: str | None
    decision_reason: str | None
    quota_unit_held: bool
    approval_form_title: str | None
    approval_form_copies: int | None
    approval_form_number: str | None
    approval_form_exchanged_at: datetime | None
    approval_form_exchanged_by: str | None
    reported_on: date | None
    reported_by: str | None
    settlement_request_id: str | None
    settlement_requested_at: datetime | None
    settlement_received_on: date | None
    settlement_due_date: date | None
    settlement_due_at: datetime | None
    settlement_calendar_version: str | None
    settlement_checked_at: datetime | None
    settlement_passed: bool | None
    settlement_items: list[dict[str, Any]] | None
    revocation_reason: str | None
    revocation_requested_at: datetime | None
    revocation_requested_by: str | None
    ended_on: date | None
    end_reason_code: str | None
    end_note: str | None
    created_at: datetime
    updated_at: datetime
