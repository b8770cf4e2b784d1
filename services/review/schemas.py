"""Request and response models of the review service's API (with examples for the OpenAPI document)."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated, Any, Literal

from pydantic import AnyHttpUrl, BaseModel, ConfigDict, Field

from services.review.adapters.departments import HousingAnswer, PoliceAnswer, SocialInsuranceAnswer, TaxAnswer
from services.review.adapters.records import SubmissionRecord

ApplicationIdPath = Annotated[
    str, Field(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9_.:-]+$", examples=["P2024-000123"])
]
ItemStatus = Literal["confirmed", "corrected", "not_found", "needs_onsite_review", "pending_department"]
ApplicationStatus = Literal["pending", "pending_department", "onsite_review", "completed"]
NO_NUL = r"^[^\x00]*$"  # PostgreSQL text cannot hold NUL characters
Text = Annotated[str, Field(min_length=1, max_length=1000, pattern=NO_NUL)]
Reviewer = Annotated[
    str, Field(min_length=1, max_length=100, pattern=NO_NUL, examples=["王审核（朝阳区人力社保局）"])
]


class _Out(BaseModel):
    model_config = ConfigDict(from_attributes=True)


class _In(BaseModel):
    model_config = ConfigDict(extra="forbid")


class ItemOut(_Out):
    item: str = Field(examples=["employment"])
    status: ItemStatus
    note: str | None = Field(
        default=None, examples=["社保 social insurance: agrees with the declaration 与申报一致"]
    )


class VerificationSummary(_Out):
    application_id: str = Field(examples=["P2024-000123"])
    round_id: str = Field(examples=["points-2024"])
    name: str = Field(examples=["张伟"])
    employer_name: str = Field(examples=["北京星河科技有限公司"])
    status: ApplicationStatus = Field(
        description="pending: waiting for the job; pending_department: a department has not answered "
        "(retried automatically); onsite_review: waiting for bureau staff; completed: verified facts emitted"
    )
    declaration_revision: int = Field(examples=[1])
    facts_revision: int = Field(description="Last verification.completed revision emitted (0: none yet)")
    waiting_departments: list[str] = Field(examples=[["tax"]])
    attempts: int = Field(description="Verification rounds so far")
    next_attempt_at: datetime | None
    last_error: str | None = Field(default=None, examples=["tax: retries_exhausted"])
    submitted_at: datetime
    updated_at: datetime
    completed_at: datetime | None


class VerificationPage(_Out):
    items: list[VerificationSummary]
    total: int
    limit: int
    offset: int


class FactsRevisionOut(_Out):
    facts_revision: int
    declaration_revision: int
    trigger: str = Field(examples=["verification"])
    event_id: uuid.UUID
    created_at: datetime


class OnsiteTaskOut(_Out):
    id: int
    application_id: str
    declaration_revision: int
    round_id: str
    topic: str = Field(examples=["education"])
    item: str = Field(examples=["education"])
    reason: str
    declared: Any = Field(description="What the applicant declared for this topic")
    registry_hint: Any = Field(
        default=None, description="What a registry shows that may help (spouse-held homes)"
    )
    status: Literal["open", "decided", "superseded"]
    decision: Literal["confirmed", "rejected", "corrected"] | None = None
    value: Any = None
    reviewer: str | None = None
    note: str | None = None
    decided_by: str | None = None
    decided_at: datetime | None = None
    created_at: datetime


class OnsiteTaskPage(_Out):
    items: list[OnsiteTaskOut]
    total: int
    limit: int
    offset: int


class ReviewRequestOut(_Out):
    """A recheck or appeal and, once bureau staff decided it, the decision."""

    model_config = ConfigDict(
        from_attributes=True,
        json_schema_extra={
            "examples": [
                {
                    "id": 17,
                    "application_id": "P2024-000123",
                    "round_id": "points-2024",
                    "declaration_revision": 1,
                    "kind": "recheck",
                    "item": "housing",
                    "reason": "自有住房产权证已于2019年取得",
                    "phase": "declaration",
                    "requested_by": "acc_3f9c1b2d7e4a5b6c",
                    "status": "decided",
                    "outcome": "changed",
                    "value": [
                        {
                            "kind": "owned",
                            "from": "2019-05",
                            "to": "2023-12",
                            "district": "110112",
                            "residential": True,
                            "certified": True,
                        }
                    ],
                    "reviewer": "李复核",
                    "note": "补充产权证书，认定自有住房",
                    "decided_by": "staff-7",
                    "decided_at": "2024-03-12T10:15:00+08:00",
                    "facts_revision": 2,
                    "created_at": "2024-03-08T09:30:00+08:00",
                }
            ]
        },
    )
    id: int
    application_id: str
    round_id: str
    declaration_revision: int
    kind: Literal["recheck", "appeal"]
    item: Literal["housing", "innovation", "honours"]
    reason: str
    phase: str
    requested_by: str = Field(
        description="The account that filed it: the applicant's own, or a bureau staff member's",
        examples=["acc_3f9c1b2d7e4a5b6c"],
    )
    status: Literal["open", "decided"]
    outcome: Literal["unchanged", "changed"] | None = None
    value: Any = None
    reviewer: str | None = None
    note: str | None = None
    decided_by: str | None = None
    decided_at: datetime | None = None
    facts_revision: int | None = Field(
        default=None, description="The facts revision a changed result emitted"
    )
    created_at: datetime


class ReviewRequestPage(_Out):
    items: list[ReviewRequestOut]
    total: int
    limit: int
    offset: int


class VerificationDetail(VerificationSummary):
    items: list[ItemOut] = Field(description="Status of each verification item")
    onsite_tasks: list[OnsiteTaskOut]
    review_requests: list[ReviewRequestOut]
    facts_revisions: list[FactsRevisionOut]
    facts: dict[str, Any] | None = Field(
        default=None, description="The latest verified facts (points-facts.schema.json), once verified"
    )


class EvidenceOut(_Out):
    id: int
    declaration_revision: int
    department: str = Field(examples=["tax"])
    source: Literal["query", "push"]
    outcome: Literal["answered", "not_found", "unavailable"]
    request_id: str | None
    request_digest: str | None = Field(examples=["hmac-sha256:3f1c…"])
    response_digest: str | None
    http_status: int | None
    attempts: int
    error: str | None
    adapter_version: str = Field(examples=["review-adapters/1.0.0"])
    requested_at: datetime
    responded_at: datetime | None
    duration_ms: int | None
    submission_id: uuid.UUID | None


class EvidencePage(_Out):
    items: list[EvidenceOut]
    total: int
    limit: int
    offset: int


class RetryIn(_In):
    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [{"department": "tax"}]})
    department: Literal["social_insurance", "tax", "police", "housing"] | None = Field(
        default=None, description="Only applications waiting for this department"
    )
    round_id: str | None = Field(default=None, max_length=64, pattern=r"^[A-Za-z0-9_.:-]+$")


class RetryOut(_Out):
    scheduled: int = Field(description="Applications made due now", examples=[12])


class OnsiteDecisionIn(_In):
    """A bureau reviewer's decision on an on-site review task."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {"decision": "confirmed", "reviewer": "王审核", "note": "学历学位证书原件核验一致"},
                {
                    "decision": "corrected",
                    "reviewer": "王审核",
                    "note": "学位证书未提供，仅认定学历",
                    "value": [
                        {
                            "level": "bachelor",
                            "diploma": True,
                            "degree": False,
                            "graduated_on": "2010-07-01",
                            "recognized": True,
                        }
                    ],
                },
            ]
        },
    )
    decision: Literal["confirmed", "rejected", "corrected"] = Field(
        description="confirmed: the declaration stands; rejected: not proven, dropped; corrected: `value` replaces it"
    )
    reviewer: Reviewer
    note: Text
    value: Any = Field(
        default=None,
        description="For `corrected`: the topic's verified value — spouse_relationship: housing records "
        "(kind spouse_owned); education / innovation / honours: their lists; female_job_category: worker or cadre",
    )


class ReviewRequestIn(_In):
    """A recheck (复查) or appeal (申诉): filed by the applicant for their own application, or by bureau
    staff on the applicant's behalf."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    "application_id": "P2024-000123",
                    "kind": "recheck",
                    "item": "housing",
                    "reason": "申请人称其自有住房产权证已于2019年取得",
                }
            ]
        },
    )
    application_id: ApplicationIdPath
    kind: Literal["recheck", "appeal"] = Field(
        description="recheck: during the declaration phase; appeal: during the results-query phase"
    )
    item: Literal["housing", "innovation", "honours"] = Field(description="Own home, innovation or honours")
    reason: Text


class ReviewDecisionIn(_In):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {"outcome": "unchanged", "reviewer": "李复核", "note": "经复核，原审核结果无误"},
                {
                    "outcome": "changed",
                    "reviewer": "李复核",
                    "note": "补充产权证书，认定自有住房",
                    "value": [
                        {
                            "kind": "owned",
                            "from": "2019-05",
                            "to": "2023-12",
                            "district": "110112",
                            "residential": True,
                            "certified": True,
                        }
                    ],
                },
            ]
        },
    )
    outcome: Literal["unchanged", "changed"]
    reviewer: Reviewer
    note: Text
    value: Any = Field(
        default=None,
        description="For `changed`: housing — the own-home records (kind owned or spouse_owned) that replace "
        "the verified ones; innovation / honours — the full list",
    )


class RoundOut(_Out):
    round_id: str
    program: str
    year: int
    policy_version: str | None
    phase: str = Field(examples=["declaration"])
    phases: list[dict[str, Any]]
    updated_at: datetime


class RoundPage(_Out):
    items: list[RoundOut]
    total: int
    limit: int
    offset: int


# ---- department submissions -----------------------------------------------------------------


class _SubmissionIn(_In):
    application_id: ApplicationIdPath
    kind: Literal["answer", "correction"] = Field(
        description="answer: the department's (late) answer to our query; correction: its data changed"
    )
    reference: str = Field(
        min_length=1,
        max_length=100,
        pattern=r"^[A-Za-z0-9_.:/-]+$",
        description="The department's own id of this submission; sending it again is idempotent",
        examples=["SI-2024-000045"],
    )
    callback_url: AnyHttpUrl | None = Field(
        default=None,
        description="Where the outcome is POSTed once processed, signed (`X-Hukou-Signature`, see the "
        "endpoint's description). https on a host of your department's callback allow-list (plain http "
        "only to a loopback host); only if your department has a callback secret. Otherwise 422.",
        examples=["https://si.example.gov.cn/cb"],
    )


class SocialInsuranceSubmission(_SubmissionIn):
    """社保 pushes contribution records in its own answer format."""

    data: SocialInsuranceAnswer


class TaxSubmission(_SubmissionIn):
    """税务 pushes yearly income tax and penalties in its own answer format."""

    data: TaxAnswer


class PoliceSubmission(_SubmissionIn):
    """公安 pushes identity, residence permit, criminal record and detentions in its own answer format."""

    data: PoliceAnswer


class HousingSubmission(_SubmissionIn):
    """住建 pushes properties, leases and dormitories in its own answer format."""

    data: HousingAnswer


class SubmissionOut(_Out):
    """A department submission and what became of it (also the callback body)."""

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "submission_id": "6f1c2d3e-4b5a-4c7d-8e9f-0a1b2c3d4e5f",
                    "department": "tax",
                    "application_id": "P-2024-000123",
                    "kind": "correction",
                    "reference": "TX-2024-1",
                    "status": "applied",
                    "result": {
                        "application_status": "completed",
                        "facts_revision": 2,
                        "changed": True,
                        "declaration_revision": 1,
                    },
                    "callback_status": "delivered",
                    "created_at": "2024-03-05T09:30:00+08:00",
                    "processed_at": "2024-03-05T09:30:01+08:00",
                }
            ]
        }
    )

    submission_id: uuid.UUID
    department: str
    application_id: str
    kind: str
    reference: str
    status: Literal["accepted", "applied", "rejected"] = Field(
        description="accepted: queued; applied: stored and the verification recomputed; rejected: see result"
    )
    result: dict[str, Any] | None = Field(
        default=None, examples=[{"application_status": "completed", "facts_revision": 2, "changed": True}]
    )
    callback_status: Literal["none", "pending", "delivered", "failed"]
    created_at: datetime
    processed_at: datetime | None


class SubmissionAccepted(SubmissionOut):
    status_url: str = Field(description="Poll here, or wait for the callback")


def submission_out(row: SubmissionRecord) -> SubmissionOut:
    return SubmissionOut(
        submission_id=row["id"],
        department=row["department"],
        application_id=row["application_id"],
        kind=row["kind"],
        reference=row["reference"],
        status=row["status"],
        result=row["result"],
        callback_status=row["callback_status"],
        created_at=row["created_at"],
        processed_at=row["processed_at"],
    )
