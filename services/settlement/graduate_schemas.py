"""Request and response models of the graduate programme's API (quota ledger, graduate cases), with the
examples shown in the OpenAPI document."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, StrictBool, StrictInt

from services.settlement.schemas import InputDate, LetterSummary, Strict, Text

UNIT_ID_PATTERN = r"^[A-Za-z0-9_.:-]{1,64}$"
UnitId = Annotated[str, Field(pattern=UNIT_ID_PATTERN, examples=["unit-haidian"])]
Amount = Annotated[StrictInt, Field(ge=1, le=100_000)]
Reason = Annotated[Text, Field(min_length=1, max_length=1000)]
CaseStatus = Literal[
    "open", "disqualified", "submitted", "approved", "refused", "reported", "settlement_requested",
    "settled", "settlement_failed", "revocation_requested", "revoked", "cancelled",
]  # fmt: skip


# ---- quota --------------------------------------------------------------------------------------


class AllocateIn(Strict):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    "supervising_unit_id": "unit-haidian",
                    "amount": 120,
                    "reason": "2025年度指标分配（局务会决定）",
                }
            ]
        },
    )
    supervising_unit_id: UnitId
    amount: Amount
    reason: Reason


class ReallocateIn(Strict):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    "from_unit_id": "unit-haidian",
                    "to_unit_id": "unit-chaoyang",
                    "amount": 5,
                    "reason": "年中调剂（局务会决定）",
                }
            ]
        },
    )
    from_unit_id: UnitId
    to_unit_id: UnitId
    amount: Amount
    reason: Reason


class QuotaBalanceOut(BaseModel):
    supervising_unit_id: str = Field(examples=["unit-haidian"])
    year: int = Field(examples=[2025])
    allocated: int = Field(examples=[120])
    reallocated_in: int = Field(examples=[0])
    reallocated_out: int = Field(examples=[5])
    used: int = Field(examples=[100])
    returned: int = Field(examples=[1])
    remaining: int = Field(examples=[16])


class QuotaMovementOut(BaseModel):
    id: int
    kind: Literal["allocation", "reallocation_in", "reallocation_out", "use", "return"]
    amount: int
    counterpart_unit_id: str | None = None
    declaration_id: str | None = None
    reason: str | None = None
    decided_by: str
    decided_at: datetime


class QuotaAccountOut(QuotaBalanceOut):
    movements: list[QuotaMovementOut]


class ReallocationOut(BaseModel):
    source: QuotaAccountOut
    target: QuotaAccountOut


class YearEndLineOut(QuotaBalanceOut):
    not_counted: int = Field(description="Approved, not counted against the quota (第十一条).")
    separate_plan: int = Field(description="Approved under a special plan, listed separately (第九条).")
    direct: int = Field(description="Introduced directly (第十六条).")


class YearEndAccountOut(BaseModel):
    year: int = Field(examples=[2025])
    units: list[YearEndLineOut]
    total: YearEndLineOut = Field(description="The sum over the units (supervising_unit_id `TOTAL`).")


# ---- graduate cases -----------------------------------------------------------------------------


class DeadlineOut(BaseModel):
    received_on: date | None = Field(description="The day the bureau (or review) received the submission.")
    due_date: date = Field(examples=["2025-07-15"])
    due_at: datetime = Field(description="24:00 Beijing time of the due date.")
    rule: str | None = Field(default=None, examples=["approval.10_working_days"])
    calendar_version: str | None = Field(examples=["chinesecalendar-1.11.0+overrides-…"])
    state: Literal["on_time", "warning", "overdue", "done"]
    warning: bool = Field(description="True from two working days before the deadline until it is met.")
    overdue: bool
    working_days_left: int = Field(description="Working days after today through the due date.")
    warn_from: date


class ApprovalFormOut(BaseModel):
    """The approval form the supervising unit hands in for the 《接收函》 when the bureau approves
    (第十七条(五): 《XX年非北京生源毕业生进京审批表》一式三份换取接收函)."""

    title: str = Field(
        description="The form's title with Y, the year of introduction.",
        examples=["2025年非北京生源毕业生进京审批表"],
    )
    copies: int = Field(description="Copies handed in (一式三份).", examples=[3])
    number: str = Field(
        description="The form's number: series SP with the year and sequence of the 《接收函》 it was "
        "exchanged for (`GRD-2025-JS-000001` → `GRD-2025-SP-000001`), so gapless and unique.",
        examples=["GRD-2025-SP-000001"],
    )
    receiving_letter_serial: str | None = Field(
        description="The 《接收函》 issued in exchange.", examples=["GRD-2025-JS-000001"]
    )
    exchanged_at: datetime = Field(description="When the form was exchanged (the approval).")
    exchanged_by: str = Field(description="The bureau staff member who approved and took the form.")


class CaseOut(BaseModel):
    declaration_id: str = Field(examples=["GRD-DECL-000123"])
    status: CaseStatus
    round_id: str
    supervising_unit_id: str | None
    year: int | None = Field(description="Y, the year of introduction.")
    name: str | None = Field(examples=["李四"])
    university: str | None
    education: str | None
    employer_name: str | None
    employer_credit_code: str | None
    eligible: bool | None
    quota_treatment: Literal["counted", "not_counted", "separate_plan", "direct"] | None
    publicity_outcome: Literal["cleared", "held", "disqualified"] | None
    submitted_at: datetime | None
    decided_at: datetime | None
    decided_by: str | None
    decision_reason: str | None
    approval_deadline: DeadlineOut | None = Field(description="The bureau's 10-working-day deadline.")
    approval_form: ApprovalFormOut | None = Field(
        default=None,
        description="The approval form (《<Y>年非北京生源毕业生进京审批表》, 3 copies) exchanged for the 《接收函》 "
        "when the bureau approved; null for a case not approved (or approved before the exchange was recorded).",
    )
    diploma_number: str | None
    degree_number: str | None
    reported_on: date | None
    settlement_deadline: DeadlineOut | None = Field(description="The settlement check's deadline (Y+1).")
    settlement_passed: bool | None
    revocation_reason: str | None
    ended_on: date | None
    end_reason_code: str | None
    end_note: str | None
    letters: list[LetterSummary]


class CasePage(BaseModel):
    items: list[CaseOut]
    total: int
    limit: int
    offset: int


class SubmitIn(Strict):
    model_config = ConfigDict(
        extra="forbid", json_schema_extra={"examples": [{"note": "公示无异议，报送审批"}]}
    )
    note: Text | None = Field(default=None, max_length=2000)


class RefuseIn(Strict):
    model_config = ConfigDict(
        extra="forbid", json_schema_extra={"examples": [{"reason": "专业与岗位不符（第十五条）"}]}
    )
    reason: Reason


class DutyIn(Strict):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    "diploma_number": "100011202502000123",
                    "degree_number": "1000142025000123",
                    "reported_on": "2025-07-20",
                }
            ]
        },
    )
    diploma_number: Text = Field(min_length=1, max_length=64, description="学历证书编号.")
    degree_number: Text | None = Field(
        default=None, min_length=1, max_length=64, description="学位证书编号 (none for junior college)."
    )
    reported_on: InputDate | None = Field(default=None, description="The reporting day; today if absent.")


class RevocationIn(Strict):
    model_config = ConfigDict(
        extra="forbid", json_schema_extra={"examples": [{"reason": "试用期内本人离职，用人单位申请撤销"}]}
    )
    reason: Reason


class FraudIn(Strict):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={"examples": [{"reason": "学历证书系伪造", "employer_involved": True}]},
    )
    reason: Reason
    employer_involved: StrictBool = Field(
        default=False, description="The employer helped: it is recorded for five years too."
    )


class FraudOut(BaseModel):
    case: CaseOut
    conduct_records: int = Field(description="Bad-conduct records made (graduate, employer).")
