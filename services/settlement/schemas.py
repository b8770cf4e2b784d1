"""Request and response models of the settlement API (with the examples shown in the OpenAPI document)."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Any, Literal

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, StrictBool, StrictInt, model_validator

from shared.validation import (
    BeijingDistrictCode,
    InvalidIdentifier,
    parse_credit_code,
    parse_resident_id,
)

APPLICATION_ID_PATTERN = r"^[A-Za-z0-9_.:-]{1,64}$"
SERIAL_PATTERN = r"^(PTS|GRD)-\d{4}-[A-Z]{2}-\d{6,9}$"
RECORD_ID_PATTERN = r"^CR-[0-9A-F]{20}$"

QualificationStatus = Literal[
    "held", "disqualified", "pending_holder", "confirmed", "materials_submitted", "materials_returned",
    "district_checked", "approved", "lapsed", "cancelled", "abandoned",
]  # fmt: skip
LetterType = Literal[
    "points_qualification_confirmation", "points_settlement_letter", "receiving_letter", "hukou_letter"
]
StaffReason = Literal["fraud", "criminal_record", "on_request"]
Subject = Literal["person", "employer"]


def _person_only() -> list[Subject]:
    return ["person"]


def _id_number(value: str) -> str:
    try:
        return parse_resident_id(value).number
    except InvalidIdentifier as e:
        raise ValueError(f"{e.code}: {e.message}") from None


def _credit_code(value: str) -> str:
    try:
        return parse_credit_code(value).code
    except InvalidIdentifier as e:
        raise ValueError(f"{e.code}: {e.message}") from None


def _no_control(value: str) -> str:
    # PostgreSQL cannot store NUL in text or JSONB; other control characters have no place in a note.
    if any(ord(c) < 32 and c not in "\n\t" for c in value):
        raise ValueError("control characters are not allowed")
    return value


#: Free text from people (notes, reasons, names): no control characters.
Text = Annotated[str, AfterValidator(_no_control)]
IdNumber = Annotated[str, Field(min_length=15, max_length=20), AfterValidator(_id_number)]
CreditCodeStr = Annotated[str, Field(min_length=18, max_length=20), AfterValidator(_credit_code)]
#: Dates people enter: 1900–2100, so that date arithmetic on them (an 18th birthday, a record's validity)
#: cannot leave the calendar (year 9999 + 18 was a 500).
InputDate = Annotated[date, Field(ge=date(1900, 1, 1), le=date(2100, 12, 31))]


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


# ---- materials ----------------------------------------------------------------------------------


class ChildIn(Strict):
    birth_date: InputDate = Field(examples=["2017-03-02"])
    birth_order: StrictInt = Field(
        ge=1, le=20, description="1 for the applicant's first child, 2 for the second …"
    )
    name: Text | None = Field(default=None, max_length=50, examples=["张小明"])


class ProvidedIn(Strict):
    item: str = Field(
        max_length=50, examples=["birth_certificate"], description="A material code of the checklist."
    )
    child: StrictInt | None = Field(
        default=None, ge=0, le=19, description="Index in `children` for a child's material."
    )


MATERIALS_EXAMPLE: dict[str, Any] = {
    "settlement_district": "110108",
    "has_archive": False,
    "children": [{"birth_date": "2017-03-02", "birth_order": 2, "name": "张小明"}],
    "provided": [
        {"item": "id_card"},
        {"item": "household_register"},
        {"item": "application_form"},
        {"item": "transfer_form"},
        {"item": "no_archive_statement"},
        {"item": "child_household_register", "child": 0},
        {"item": "birth_certificate", "child": 0},
        {"item": "marriage_certificate", "child": 0},
    ],
}


class ChecklistIn(Strict):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    "has_archive": True,
                    "children": [{"birth_date": "2014-05-01", "birth_order": 2}],
                    "as_of": "2022-09-01",
                }
            ]
        },
    )
    has_archive: StrictBool = Field(description="False: the applicant has no personnel archive anywhere.")
    children: list[ChildIn] = Field(
        default_factory=list, max_length=10, description="Accompanying minor children."
    )
    as_of: InputDate | None = Field(
        default=None, description="The day the materials are handed in; default today."
    )
    provided: list[ProvidedIn] = Field(default_factory=list, max_length=100)


class MaterialsIn(Strict):
    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [MATERIALS_EXAMPLE]})
    settlement_district: BeijingDistrictCode = Field(
        description="落户区: the Beijing district where the holder's hukou will be registered, by its "
        "administrative division code (110101 东城区 … 110119 延庆区). Its district staff (区人力社保局) check "
        "the materials; a re-submission after the materials were returned may name another district. "
        "申请人拟落户的区（行政区划代码），由该区人力社保局审核材料。",
        examples=["110108"],
    )
    has_archive: StrictBool
    children: list[ChildIn] = Field(default_factory=list, max_length=10)
    provided: list[ProvidedIn] = Field(max_length=100)


class ChecklistItem(BaseModel):
    item: str = Field(examples=["family_planning_certificate"])
    child: int | None = Field(default=None, examples=[0])
    label_zh: str = Field(examples=["户籍地县级计划生育行政部门出具的符合计划生育政策凭证"])
    label_en: str
    article: str = Field(examples=["seed 004 第十一条（二）"])


class ChecklistOut(BaseModel):
    items: list[ChecklistItem]
    missing: list[ChecklistItem] = Field(description="Required items not among `provided`.")
    complete: bool


# ---- staff decisions ----------------------------------------------------------------------------


class DistrictCheckIn(Strict):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {"passed": True, "note": "材料齐全，审核无误"},
                {"passed": False, "note": "《出生医学证明》为复印件，请提交原件"},
            ]
        },
    )
    passed: StrictBool = Field(description="True: reported to the bureau for approval; False: returned.")
    note: Text | None = Field(default=None, max_length=2000)

    @model_validator(mode="after")
    def _note_when_returned(self) -> DistrictCheckIn:
        if not self.passed and not (self.note or "").strip():
            raise ValueError("say what is wrong when returning materials (一次性告知)")
        return self


class ApproveIn(Strict):
    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [{"note": "核准"}]})
    note: Text | None = Field(default=None, max_length=2000)


class EndIn(Strict):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {"reason": "criminal_record", "note": "公安机关书面告知：2015年曾被判处有期徒刑"},
                {"reason": "fraud", "note": "社保缴费记录系伪造", "employer_assisted": True},
                {"reason": "on_request", "note": "本人书面申请放弃"},
            ]
        },
    )
    reason: StaffReason = Field(
        description="fraud (第十七条), criminal_record (第十八条), on_request (自行放弃)."
    )
    note: Text | None = Field(default=None, max_length=400)
    employer_assisted: StrictBool = Field(
        default=False,
        description="Fraud only: the employer helped provide false materials (also recorded, 5 years).",
    )


class ConductIn(Strict):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    "application_id": "PTS-2022-000123",
                    "subjects": ["person", "employer"],
                    "reason": "申报材料弄虚作假（伪造纳税证明）",
                    "decided_on": "2022-08-01",
                },
                {"employer_credit_code": "91110108MA01ABCD1X", "reason": "协助提供虚假材料"},
            ]
        },
    )
    application_id: str | None = Field(default=None, pattern=APPLICATION_ID_PATTERN)
    subjects: list[Subject] = Field(default_factory=_person_only, min_length=1, max_length=2)
    id_number: IdNumber | None = Field(default=None, description="A person given directly (never logged).")
    employer_credit_code: CreditCodeStr | None = None
    reason: Text = Field(min_length=1, max_length=500)
    decided_on: InputDate | None = Field(default=None, description="Date of the decision; default today.")

    @model_validator(mode="after")
    def _one_way(self) -> ConductIn:
        direct = self.id_number is not None or self.employer_credit_code is not None
        if self.application_id is None and not direct:
            raise ValueError("give an application_id, or an id_number and/or employer_credit_code")
        if self.application_id is not None and direct:
            raise ValueError("give either an application_id or identifiers, not both")
        if len(set(self.subjects)) != len(self.subjects):
            raise ValueError("subjects are listed once each")
        return self


# ---- responses ----------------------------------------------------------------------------------


class LetterSummary(BaseModel):
    serial_number: str = Field(examples=["PTS-2022-QC-000001"])
    letter_type: str = Field(examples=["points_qualification_confirmation"])
    title: str = Field(examples=["积分落户资格确认单"])
    issued_on: date
    status: Literal["issued", "revoked"]
    revoked_on: date | None = None


class LetterOut(LetterSummary):
    application_id: str
    round_id: str
    holder_name: str = Field(examples=["张三"])
    holder_id_masked: str | None = Field(default=None, examples=["110105********0019"])
    employer_name: str
    body: str
    authority: str = Field(examples=["北京市人力资源和社会保障局"])
    issued_at: datetime
    issued_by: str
    verify_url: str = Field(examples=["https://settlement.example.gov.cn/verify/3q2u…"])
    revoke_reason_code: str | None = None
    revoke_reason: str | None = None


class LetterPage(BaseModel):
    items: list[LetterOut]
    total: int
    limit: int
    offset: int


class QualificationOut(BaseModel):
    application_id: str = Field(examples=["PTS-2022-000123"])
    round_id: str = Field(examples=["pts-2022"])
    program: str
    status: QualificationStatus
    holder_name: str | None = None
    outcome_reason: str | None = None
    publicity_closed_on: date
    valid_until: date | None = Field(default=None, description="Valid through 24:00 (Beijing) of this day.")
    settlement_district: str | None = Field(
        default=None,
        examples=["110108"],
        description="落户区: the district code named with the materials (null before they are handed in).",
    )
    settlement_district_name: str | None = Field(default=None, examples=["海淀区"])
    materials: dict[str, Any] | None = None
    materials_submitted_at: datetime | None = None
    district_checked_at: datetime | None = None
    district_checked_by: str | None = None
    district_note: str | None = None
    approved_at: datetime | None = None
    approved_by: str | None = None
    ended_on: date | None = None
    end_reason_code: str | None = None
    end_note: str | None = None
    created_at: datetime
    updated_at: datetime
    letters: list[LetterSummary] = Field(default_factory=list)


class QualificationPage(BaseModel):
    items: list[QualificationOut]
    total: int
    limit: int
    offset: int


class EndOut(BaseModel):
    qualification: QualificationOut
    revoked: list[LetterSummary]


class ConductOut(BaseModel):
    record_id: str = Field(examples=["CR-3F2A9C0D11E24B5A6C7D"])
    subject_kind: Literal["person", "employer"]
    id_number_masked: str | None = Field(default=None, examples=["110105********0019"])
    person_id_digest: str | None = None
    employer_credit_code: str | None = None
    application_id: str | None = None
    reason: str
    source: Literal["publicity", "staff", "revocation"]
    valid_from: date
    valid_until: date = Field(
        description="Recorded through 24:00 (Beijing) of this day; five years (第十七条)."
    )
    status: Literal["pending_holder", "active", "expired"]
    created_at: datetime
    created_by: str
    expired_at: datetime | None = None


class ConductPage(BaseModel):
    items: list[ConductOut]
    total: int
    limit: int
    offset: int


class VerificationOut(BaseModel):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "status": "valid",
                    "letter_type": "points_qualification_confirmation",
                    "letter_type_name": "积分落户资格确认单",
                    "serial_number": "PTS-2022-QC-000001",
                    "issued_on": "2022-07-19",
                    "holder": "张*",
                    "revoked_on": None,
                    "lapsed_on": None,
                    "checked_at": "2022-07-20T10:00:00+08:00",
                },
                {"status": "unknown", "checked_at": "2022-07-20T10:00:00+08:00"},
            ]
        }
    )
    status: Literal["valid", "revoked", "lapsed", "unknown"]
    letter_type: str | None = None
    letter_type_name: str | None = None
    serial_number: str | None = None
    issued_on: date | None = None
    holder: str | None = Field(default=None, description="The holder's masked name (张*).")
    revoked_on: date | None = None
    lapsed_on: date | None = None
    checked_at: datetime


class AuditOut(BaseModel):
    id: int
    at: datetime
    actor: str = Field(examples=["staff-17"])
    action: str = Field(examples=["letter.revoked"])
    subject: str = Field(examples=["PTS-2022-000123"])
    detail: dict[str, Any]


class AuditPage(BaseModel):
    items: list[AuditOut]
    total: int
    limit: int
    offset: int


class CheckOut(BaseModel):
    id: int
    at: datetime
    serial_number: str | None
    result: str = Field(examples=["valid"])
    channel: Literal["html", "json"]
    client: str | None
    user_agent: str | None


class CheckPage(BaseModel):
    items: list[CheckOut]
    total: int
    limit: int
    offset: int
