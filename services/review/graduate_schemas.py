"""Response models of the graduate programme's endpoints (with examples for the OpenAPI document)."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

GraduateItemStatus = Literal["confirmed", "corrected", "not_found", "pending_department"]
GraduateCheckStatus = Literal["pending", "pending_department", "completed"]


class _Out(BaseModel):
    model_config = ConfigDict(from_attributes=True)


class GraduateItemOut(_Out):
    """One compared item, with both sides: what was declared and what the registry holds."""

    item: str = Field(examples=["training_mode"])
    status: GraduateItemStatus
    department: str = Field(examples=["education_registry"], description="The registry asked")
    note: str | None = Field(
        default=None,
        examples=[
            "学信 education registry: registry data differs; the registry's value is used 以登记数据为准"
        ],
    )
    declared: Any = Field(default=None, examples=["non_directed"])
    registry: Any = Field(default=None, examples=["directed"])


class GraduateVerificationSummary(_Out):
    declaration_id: str = Field(examples=["G2025-000042"])
    declaration_revision: int = Field(examples=[1])
    round_id: str = Field(examples=["graduates-2025"])
    year: int = Field(examples=[2025])
    supervising_unit_id: str = Field(examples=["unit-haidian"])
    employer_name: str = Field(examples=["北京星河科技有限公司"])
    employer_credit_code: str = Field(examples=["91110108MA01ABCD2X"])
    name: str = Field(examples=["李明"])
    university: str = Field(examples=["清华大学"])
    major: str = Field(examples=["计算机科学与技术"])
    status: GraduateCheckStatus = Field(
        description="pending: waiting for the job; pending_department: a registry has not answered "
        "(retried automatically); completed: graduate.verified emitted"
    )
    differences: int = Field(description="Items corrected or not found", examples=[1])
    facts_revision: int = Field(description="Last graduate.verified revision emitted (0: none yet)")
    waiting_registries: list[str] = Field(examples=[["company_registry"]])
    attempts: int
    last_error: str | None = Field(default=None, examples=["company_registry: retries_exhausted"])
    declared_at: datetime
    updated_at: datetime
    completed_at: datetime | None

    @classmethod
    def of(cls, row: Any) -> GraduateVerificationSummary:
        items = row["items"]
        differences = sum(1 for i in items if i["status"] in ("corrected", "not_found"))
        return cls.model_validate({**row, "differences": differences})


class GraduateVerificationPage(_Out):
    items: list[GraduateVerificationSummary]
    total: int
    limit: int
    offset: int


class SettlementCheckOut(_Out):
    request_id: str = Field(examples=["SC-2026-0007"])
    declaration_id: str = Field(examples=["G2025-000042"])
    round_id: str
    year: int = Field(description="Y, the year of introduction", examples=[2025])
    university: str
    education: str = Field(examples=["master"])
    diploma_number: str
    degree_number: str | None
    training_mode: str = Field(examples=["non_directed"])
    employer_credit_code: str
    reported_for_duty_on: date
    requested_at: datetime
    status: GraduateCheckStatus
    passed: bool | None = Field(description="null until every registry has answered")
    items: list[GraduateItemOut]
    valid_until: date | None = Field(description="A passed check stands until 31 December of Y+1")
    checked_at: datetime | None
    waiting_registries: list[str]
    attempts: int
    last_error: str | None


class SettlementCheckPage(_Out):
    items: list[SettlementCheckOut]
    total: int
    limit: int
    offset: int


class GraduateVerificationDetail(GraduateVerificationSummary):
    checks: list[GraduateItemOut] = Field(
        description="Every compared item, declared and registry side by side"
    )
    diploma_number: str | None
    degree_number: str | None
    declared_facts: dict[str, Any] = Field(description="The declaration (graduate-facts.schema.json)")
    verified_facts: dict[str, Any] | None = Field(
        description="The verified facts emitted in graduate.verified (registry values win)"
    )
    settlement_checks: list[SettlementCheckOut]


class GraduateEvidenceOut(_Out):
    id: int
    subject: Literal["verification", "settlement_check"]
    subject_id: str
    revision: int = Field(description="The declaration revision (0 for a settlement check)")
    registry: str = Field(examples=["education_registry"])
    outcome: Literal["answered", "not_found", "unavailable"]
    request_id: str | None
    request_digest: str | None = Field(examples=["hmac-sha256:3f1c…"])
    response_digest: str | None
    http_status: int | None
    attempts: int
    error: str | None
    adapter_version: str = Field(examples=["review-graduate-adapters/1.0.0"])
    requested_at: datetime
    responded_at: datetime | None
    duration_ms: int | None


class GraduateEvidencePage(_Out):
    items: list[GraduateEvidenceOut]
    total: int
    limit: int
    offset: int
