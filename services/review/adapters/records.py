"""One TypedDict per table of ``tables.py``: what the repository returns (exact column types).

JSONB columns are typed by what the service writes into them; a nullable column is ``X | None``.
"""

from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import Any, Literal, TypedDict

Program = Literal["points", "graduates"]
Sex = Literal["male", "female"]


class RoundRecord(TypedDict):
    """``rounds``: a round as ``round.phase_changed`` describes it (a read model)."""

    round_id: str
    program: str
    year: int
    policy_version: str | None
    phase: str
    phases: list[dict[str, Any]]
    phase_event_at: datetime | None
    updated_at: datetime


class ApplicationRecord(TypedDict):
    """``applications``: the latest declaration of an application and where its verification stands."""

    application_id: str
    round_id: str
    program: Program
    name: str
    employer_name: str
    id_number_sealed: dict[str, Any]
    id_number_digest: str
    applicant_id: str | None
    id_birth_date: date
    id_sex: Sex
    declaration_revision: int
    declared_facts: dict[str, Any]
    status: str
    facts_revision: int
    attempts: int
    next_attempt_at: datetime | None
    claim_token: uuid.UUID | None
    claimed_until: datetime | None
    waiting_departments: list[str]
    last_error: str | None
    correlation_id: str
    causation_id: str | None
    submitted_at: datetime
    updated_at: datetime
    completed_at: datetime | None


class NewApplication(TypedDict):
    """What ``application.submitted`` writes (``facts_revision`` is kept across revisions)."""

    application_id: str
    round_id: str
    program: Program
    name: str
    employer_name: str
    id_number_sealed: dict[str, Any]
    id_number_digest: str
    applicant_id: str | None
    id_birth_date: date
    id_sex: Sex
    declaration_revision: int
    declared_facts: dict[str, Any]
    status: str
    attempts: int
    next_attempt_at: datetime | None
    claim_token: uuid.UUID | None
    claimed_until: datetime | None
    waiting_departments: list[str]
    last_error: str | None
    correlation_id: str
    causation_id: str | None
    submitted_at: datetime
    updated_at: datetime
    completed_at: datetime | None


class ApplicationChanges(TypedDict, total=False):
    """The columns of ``applications`` a verification step may change."""

    status: str
    facts_revision: int
    next_attempt_at: datetime | None
    claim_token: uuid.UUID | None
    claimed_until: datetime | None
    waiting_departments: list[str]
    last_error: str | None
    updated_at: datetime
    completed_at: datetime | None


class NewCheck(TypedDict):
    """A row of ``department_checks`` to insert (the id is generated)."""

    application_id: str
    declaration_revision: int
    department: str
    source: str
    outcome: str
    data: dict[str, Any] | None
    request_id: str | None
    request_digest: str | None
    response_digest: str | None
    http_status: int | None
    attempts: int
    error: str | None
    adapter_version: str
    requested_at: datetime
    responded_at: datetime | None
    duration_ms: int | None
    submission_id: uuid.UUID | None


class CheckRecord(NewCheck):
    """``department_checks``: evidence of one department check (query or push), answered or not."""

    id: int


class ItemResultRecord(TypedDict):
    """``item_results``: the current status of one verification item."""

    application_id: str
    item: str
    declaration_revision: int
    status: str
    note: str | None
    updated_at: datetime


class VerifiedFactsRecord(TypedDict):
    """``verified_facts``: one revision of verified facts emitted in ``verification.completed``."""

    application_id: str
    facts_revision: int
    declaration_revision: int
    trigger: str
    facts: dict[str, Any]
    statuses: list[dict[str, Any]]
    event_id: uuid.UUID
    created_at: datetime


class FactsRevisionRecord(TypedDict):
    """The history columns of ``verified_facts`` (without the facts themselves)."""

    facts_revision: int
    declaration_revision: int
    trigger: str
    event_id: uuid.UUID
    created_at: datetime


class OnsiteTaskRecord(TypedDict):
    """``onsite_tasks``: 现场审核, what data exchange cannot prove, decided by bureau staff."""

    id: int
    application_id: str
    declaration_revision: int
    round_id: str
    topic: str
    item: str
    reason: str
    declared: Any
    registry_hint: Any
    status: str
    decision: str | None
    value: Any
    reviewer: str | None
    note: str | None
    decided_by: str | None
    decided_at: datetime | None
    created_at: datetime


class OnsiteDecisionChanges(TypedDict):
    """What deciding an on-site task writes."""

    status: str
    decision: str
    value: Any
    reviewer: str
    note: str
    decided_by: str
    decided_at: datetime


class NewReviewRequest(TypedDict):
    application_id: str
    round_id: str
    declaration_revision: int
    kind: str
    item: str
    reason: str
    phase: str
    requested_by: str
    status: str
    created_at: datetime


class ReviewRequestRecord(NewReviewRequest):
    """``review_requests``: a 复查 (recheck) or 申诉 (appeal) and, once decided, the decision."""

    id: int
    outcome: str | None
    value: Any
    reviewer: str | None
    note: str | None
    decided_by: str | None
    decided_at: datetime | None
    facts_revision: int | None


class NewSubmission(TypedDict):
    id: uuid.UUID
    department: str
    client: str
    application_id: str
    kind: str
    reference: str
    data: dict[str, Any]
    payload_digest: str
    status: str
    callback_url: str | None
    callback_status: str
    created_at: datetime


class SubmissionRecord(NewSubmission):
    """``department_submissions``: an answer or correction pushed by a partner department."""

    result: dict[str, Any] | None
    callback_attempts: int
    next_callback_at: datetime | None
    callback_claimed_until: datetime | None
    callback_error: str | None
    processed_at: datetime | None
    callback_delivered_at: datetime | None


class SubmissionChanges(TypedDict, total=False):
    status: str
    result: dict[str, Any]
    processed_at: datetime
    next_callback_at: datetime | None
    callback_status: str
    callback_claimed_until: datetime | None
    callback_error: str | None
    callback_delivered_at: datetime


# ---- the graduate programme -----------------------------------------------------------------

GraduateStatus = Literal["pending", "pending_department", "completed"]


class NewGraduateVerification(TypedDict):
    """What ``graduate.declared`` writes (``facts_revision`` is kept across revisions)."""

    declaration_id: str
    declaration_revision: int
    round_id: str
    year: int
    supervising_unit_id: str
    employer_credit_code: str
    employer_name: str
    name: str
    id_number_sealed: dict[str, Any]
    id_number_digest: str
    university: str
    major: str
    diploma_number: str | None
    degree_number: str | None
    declared_facts: dict[str, Any]
    status: GraduateStatus
    items: list[dict[str, Any]]
    verified_facts: dict[str, Any] | None
    event_id: uuid.UUID | None
    attempts: int
    next_attempt_at: datetime | None
    claim_token: uuid.UUID | None
    claimed_until: datetime | None
    waiting_registries: list[str]
    last_error: str | None
    correlation_id: str
    causation_id: str | None
    declared_at: datetime
    updated_at: datetime
    completed_at: datetime | None


class GraduateVerificationRecord(NewGraduateVerification):
    """``graduate_verifications``: a graduate declaration's check against the registries."""

    facts_revision: int


class GraduateVerificationChanges(TypedDict, total=False):
    status: GraduateStatus
    items: list[dict[str, Any]]
    verified_facts: dict[str, Any] | None
    facts_revision: int
    event_id: uuid.UUID | None
    attempts: int
    next_attempt_at: datetime | None
    claim_token: uuid.UUID | None
    claimed_until: datetime | None
    waiting_registries: list[str]
    last_error: str | None
    updated_at: datetime
    completed_at: datetime | None


class GraduateSettlementCheckRecord(TypedDict):
    """``graduate_settlement_checks``: one settlement check of Y+1."""

    request_id: str
    declaration_id: str
    round_id: str
    year: int
    id_number_sealed: dict[str, Any]
    university: str
    education: str
    diploma_number: str
    degree_number: str | None
    training_mode: str
    employer_credit_code: str
    reported_for_duty_on: date
    requested_at: datetime
    status: GraduateStatus
    passed: bool | None
    items: list[dict[str, Any]]
    valid_until: date | None
    checked_at: datetime | None
    event_id: uuid.UUID | None
    attempts: int
    next_attempt_at: datetime | None
    claim_token: uuid.UUID | None
    claimed_until: datetime | None
    waiting_registries: list[str]
    last_error: str | None
    correlation_id: str
    causation_id: str | None
    created_at: datetime
    updated_at: datetime


class GraduateSettlementCheckChanges(TypedDict, total=False):
    status: GraduateStatus
    passed: bool | None
    items: list[dict[str, Any]]
    valid_until: date | None
    checked_at: datetime | None
    event_id: uuid.UUID | None
    next_attempt_at: datetime | None
    claim_token: uuid.UUID | None
    claimed_until: datetime | None
    waiting_registries: list[str]
    last_error: str | None
    updated_at: datetime


GraduateSubject = Literal["verification", "settlement_check"]


class NewGraduateEvidence(TypedDict):
    """A registry check of the graduate programme (``graduate_evidence`` without its id)."""

    subject: GraduateSubject
    subject_id: str
    revision: int
    registry: str
    outcome: str
    data: dict[str, Any] | None
    request_id: str | None
    request_digest: str | None
    response_digest: str | None
    http_status: int | None
    attempts: int
    error: str | None
    adapter_version: str
    requested_at: datetime
    responded_at: datetime | None
    duration_ms: int | None


class GraduateEvidenceRecord(NewGraduateEvidence):
    """``graduate_evidence``: one registry check, answered or not."""

    id: int
