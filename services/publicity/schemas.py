"""Request and response models of the publicity API, with examples. Public models carry only what the
list shows (seed 004 第十条); staff models add the application id and the outcome; no model anywhere has a
field for the reporter's identity except the investigator's unsealing response."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date, datetime
from decimal import Decimal
from typing import Annotated, Any, Literal

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, field_validator, model_validator

from services.publicity.domain.graduates import EDUCATION_ZH
from shared.clock import BEIJING
from shared.validation.identifiers import synthetic_resident_id


def _beijing(v: datetime) -> datetime:
    return v.astimezone(BEIJING) if v.tzinfo is not None else v


#: Instants are shown in Beijing time (the database hands them back in UTC).
BjDatetime = Annotated[datetime, AfterValidator(_beijing)]

#: Publicity, round and objection ids: the event contracts' id characters.
ID_PATTERN = r"^[A-Za-z0-9_.:-]+$"
#: Search text: no control characters (PostgreSQL refuses NUL; nothing else needs them).
SEARCH_PATTERN = r"^[^\x00-\x1f\x7f]*$"


def _no_nul(v: str) -> str:
    if "\x00" in v:
        raise ValueError("must not contain NUL characters")
    return v


#: Free text stored in PostgreSQL, which refuses NUL characters.
Text = Annotated[str, AfterValidator(_no_nul)]

#: Why an upheld objection disqualifies: fraud (弄虚作假/材料不实), ineligible (不符合条件), other.
ReasonCodeField = Literal["fraud", "ineligible", "other"]

EXAMPLE_INDICATORS: list[Any] = [
    {"code": "employment", "name_zh": "合法稳定就业", "points": "70.50"},
    {"code": "housing", "name_zh": "合法稳定住所", "points": "23.42"},
    {"code": "education", "name_zh": "教育背景", "points": "15.00"},
]


class PeriodOut(BaseModel):
    """The publicity period, Beijing time. ``planned`` while the list has not opened yet."""

    starts_at: BjDatetime | None = Field(examples=["2022-07-11T09:00:00+08:00"])
    ends_at: BjDatetime | None = Field(
        description="24:00 of the last day (00:00 of the next day).", examples=["2022-07-19T00:00:00+08:00"]
    )
    ends_on: date | None = Field(description="The last day of the period.", examples=["2022-07-18"])
    planned: bool = False
    calendar_version: str | None = Field(default=None, examples=["chinesecalendar-1.11.0+overrides-1a2b3c4d"])


class IndicatorOut(BaseModel):
    code: str = Field(examples=["employment"])
    name_zh: str = Field(examples=["合法稳定就业"])
    points: Decimal = Field(examples=["70.50"])


class PublicEntry(BaseModel):
    """One row of the public list: name, birth year-month, employer, each indicator's points and the total."""

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "entry_no": 1,
                    "rank": 1,
                    "name": "张三",
                    "birth_year_month": "1981-09",
                    "employer_name": "北京某某科技有限公司",
                    "total": "125.92",
                    "indicators": EXAMPLE_INDICATORS,
                }
            ]
        }
    )

    entry_no: int = Field(description="公示编号: the row's number on this list, in rank order.")
    rank: int | None
    name: str
    birth_year_month: str
    employer_name: str
    total: Decimal | None
    indicators: list[IndicatorOut]


class PublicityOut(BaseModel):
    publicity_id: str = Field(examples=["pts-2022"])
    round_id: str = Field(examples=["pts-2022"])
    program: str = Field(examples=["points"])
    year: int = Field(examples=[2022])
    status: Literal["scheduled", "open", "closed"]
    entry_count: int = Field(examples=[6012])
    supervision_contact: str = Field(examples=["北京市人力资源和社会保障局 监督举报电话：010-12333"])
    period: PeriodOut


class PublicityPage(BaseModel):
    items: list[PublicityOut]
    total: int
    limit: int
    offset: int


class PublicEntryPage(BaseModel):
    """One page of a public list and the number of rows matching the search."""

    publicity: PublicityOut
    items: list[PublicEntry]
    total: int
    limit: int
    offset: int


class StaffEntry(PublicEntry):
    application_id: str
    outcome: Literal["cleared", "disqualified", "held"] | None
    outcome_reason: str | None
    outcome_reason_code: ReasonCodeField | None = Field(
        default=None,
        description="Disqualified entries: fraud / ineligible / other (null when not disqualified, or decided "
        "on objections recorded before reason codes existed).",
    )
    outcome_at: BjDatetime | None
    age: int | None = Field(default=None, description="Graduate lists: the age shown.")
    university: str | None = Field(default=None, description="Graduate lists: the university shown.")
    education: str | None = Field(default=None, description="Graduate lists: the education shown.")


class StaffEntryPage(BaseModel):
    publicity: PublicityOut
    items: list[StaffEntry]
    total: int
    limit: int
    offset: int


class PublicityStaffOut(PublicityOut):
    ranking_id: str | None
    prepared_at: BjDatetime
    closed_at: BjDatetime | None
    close_processed_at: BjDatetime | None
    cleared: int | None
    disqualified: int | None
    held: int | None
    objections: dict[str, int] = Field(
        description="Objections by status.", examples=[{"received": 2, "upheld": 1}]
    )
    unit_name: str | None = Field(default=None, description="Graduate lists: the supervising unit.")
    unit_phone: str | None = Field(default=None, description="Graduate lists: the supervision phone.")
    unit_address: str | None = Field(default=None, description="Graduate lists: the unit's address.")
    opened_by: str | None = Field(default=None, description="Graduate lists: who opened the list.")
    working_days: int | None = Field(default=None, description="Graduate lists: the period in working days.")


class StaffPublicityPage(BaseModel):
    items: list[PublicityStaffOut]
    total: int
    limit: int
    offset: int


class ReadinessOut(BaseModel):
    """Whether a round's list can be prepared yet, and what is still missing."""

    round_id: str
    publicity_id: str | None
    status: str = Field(examples=["waiting"], description="waiting, unknown, or the publicity's status.")
    ranking_id: str | None
    publicity_starts_on: date | None
    publicity_ends_on: date | None
    admitted_expected: int | None
    admitted_received: int
    missing: list[str] = Field(examples=[["application.submitted (3)"]])


# ---- objections -----------------------------------------------------------------------------------


class ObjectionForm(BaseModel):
    """The text fields of a filed objection (multipart/form-data, with ``attachments`` files)."""

    model_config = ConfigDict(str_strip_whitespace=True, extra="ignore")

    entry_no: int = Field(ge=1, le=1_000_000, description="公示编号 of the entry objected to.", examples=[12])
    reporter_name: Text = Field(
        min_length=1, max_length=50, description="举报人姓名 (real name).", examples=["李四"]
    )
    reporter_id_number: Text = Field(
        min_length=1,
        max_length=40,
        description="举报人身份证号 (GB 11643, 18 characters).",
        examples=[synthetic_resident_id(date(1949, 12, 31), 2, "110105")],
    )
    reporter_phone: Text = Field(
        min_length=1, max_length=20, description="联系电话 (mobile).", examples=["13800138000"]
    )
    text: Text = Field(
        min_length=10,
        description="异议内容: the facts objected to.",
        examples=["该申请人申报的住所信息与实际不符……"],
    )

    @field_validator("reporter_name")
    @classmethod
    def _no_control_chars(cls, v: str) -> str:
        if any(ord(c) < 32 for c in v):
            raise ValueError("must not contain control characters")
        return v


class AttachmentOut(BaseModel):
    filename: str = Field(examples=["evidence.pdf"])
    media_type: str = Field(examples=["application/pdf"])
    size: int = Field(examples=[48213])


class ObjectionReceipt(BaseModel):
    """What the reporter gets back: a reference number and the period. Never their identity."""

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "objection_id": "OBJ-3F2A9C1B7D4E5F60",
                    "publicity_id": "pts-2022",
                    "entry_no": 12,
                    "status": "received",
                    "filed_at": "2022-07-12T10:30:00+08:00",
                    "attachments": [
                        {"filename": "evidence.pdf", "media_type": "application/pdf", "size": 48213}
                    ],
                    "period": {
                        "starts_at": "2022-07-11T09:00:00+08:00",
                        "ends_at": "2022-07-19T00:00:00+08:00",
                        "ends_on": "2022-07-18",
                        "planned": False,
                    },
                }
            ]
        }
    )

    objection_id: str
    publicity_id: str
    entry_no: int
    status: str
    filed_at: BjDatetime
    attachments: list[AttachmentOut]
    period: PeriodOut


class AttachmentMeta(AttachmentOut):
    id: int
    sha256: str


class ObjectionAction(BaseModel):
    action: str = Field(examples=["assigned"])
    actor: str = Field(examples=["staff-1"])
    note: str | None
    at: BjDatetime


class ObjectionOut(BaseModel):
    """An objection as bureau staff see it: the text and the workflow, never the reporter's identity."""

    objection_id: str
    publicity_id: str
    entry_no: int
    application_id: str
    status: Literal["received", "assigned", "upheld", "dismissed"]
    text: str
    filed_at: BjDatetime
    assigned_to: str | None
    assigned_at: BjDatetime | None
    decided_by: str | None
    decided_at: BjDatetime | None
    decision_note: str | None
    disqualification_reason: str | None
    disqualification_reason_code: ReasonCodeField | None = Field(
        default=None, description="Upheld objections: fraud / ineligible / other."
    )


class ObjectionDetail(ObjectionOut):
    actions: list[ObjectionAction]
    attachments: list[AttachmentMeta]


class ObjectionPage(BaseModel):
    items: list[ObjectionOut]
    total: int
    limit: int
    offset: int


class AssignIn(BaseModel):
    model_config = ConfigDict(
        extra="forbid",
        str_strip_whitespace=True,
        json_schema_extra={"examples": [{"investigator": "staff-7", "note": "住所核查"}]},
    )

    investigator: Text = Field(
        min_length=1,
        max_length=100,
        description="Account id (token subject) of a registered investigator (`/v1/objection-staff`), "
        "never the assigning supervisor themself.",
    )
    note: Text | None = Field(default=None, max_length=2000)


class DecisionIn(BaseModel):
    model_config = ConfigDict(
        extra="forbid",
        str_strip_whitespace=True,
        json_schema_extra={
            "examples": [
                {
                    "decision": "upheld",
                    "note": "经住建部门核实，房产证系伪造。",
                    "reason": "申报住所材料不实",
                    "reason_code": "fraud",
                },
                {
                    "decision": "upheld",
                    "note": "经社保部门核实，社保缴纳中断超过规定期限。",
                    "reason": "不符合连续缴纳社会保险的申报条件",
                    "reason_code": "ineligible",
                },
                {"decision": "dismissed", "note": "经核查，申报信息属实。"},
            ]
        },
    )

    decision: Literal["upheld", "dismissed"]
    note: Text = Field(min_length=1, max_length=2000, description="The investigator's note on the decision.")
    reason: Text | None = Field(
        default=None,
        max_length=1000,
        description="Required when upheld: why the applicant is disqualified (sent with publicity.outcome).",
    )
    reason_code: ReasonCodeField | None = Field(
        default=None,
        description=(
            "Required when upheld: fraud (弄虚作假/材料不实 — settlement records a five-year bad-conduct record, "
            "seed 004 第十七条), ineligible (不符合申报条件) or other (其他). Sent with publicity.outcome as "
            "`reason_code`; it decides fraud, never the text of `reason`."
        ),
    )

    @model_validator(mode="after")
    def _reason_when_upheld(self) -> DecisionIn:
        if self.decision == "upheld" and not self.reason:
            raise ValueError("reason is required when the objection is upheld")
        if self.decision == "upheld" and self.reason_code is None:
            raise ValueError(
                "reason_code (fraud, ineligible or other) is required when the objection is upheld"
            )
        if self.decision == "dismissed" and (self.reason or self.reason_code):
            raise ValueError("reason and reason_code are only for an upheld objection")
        return self


class OutcomeOut(BaseModel):
    application_id: str
    outcome: Literal["cleared", "disqualified", "held"]
    reason: str | None
    reason_code: ReasonCodeField | None = None


class DecisionOut(BaseModel):
    objection: ObjectionDetail
    outcome_emitted: OutcomeOut | None = Field(
        description="After the period: the held entry's new outcome, sent as publicity.outcome; else null."
    )


class UnsealIn(BaseModel):
    model_config = ConfigDict(
        extra="forbid",
        str_strip_whitespace=True,
        json_schema_extra={
            "examples": [{"reason": "联系举报人补充房产证明材料 (contacting the reporter for evidence)"}]
        },
    )

    reason: Text = Field(min_length=5, max_length=1000, description="Why the identity is needed; logged.")


class ReporterIdentity(BaseModel):
    name: str
    id_number: str
    phone: str


class UnsealOut(BaseModel):
    objection_id: str
    reporter: ReporterIdentity
    accessed_at: BjDatetime
    access_log_id: int


class AccessLogEntry(BaseModel):
    id: int
    accessed_by: str
    roles: str
    reason: str
    correlation_id: str | None
    at: BjDatetime


class AccessLogOut(BaseModel):
    objection_id: str
    items: list[AccessLogEntry]


class StaffDutyOut(BaseModel):
    """One row of the objection staff roster."""

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "account_id": "acc-7f3a9c",
                    "duty": "investigator",
                    "registered_by": "acc-1b2c3d",
                    "registered_at": "2022-07-08T09:00:00+08:00",
                    "revoked_by": None,
                    "revoked_at": None,
                }
            ]
        }
    )

    account_id: str
    duty: Literal["supervisor", "investigator"]
    registered_by: str
    registered_at: BjDatetime
    revoked_by: str | None
    revoked_at: BjDatetime | None


class StaffPageOut(BaseModel):
    items: list[StaffDutyOut]
    total: int
    limit: int
    offset: int


# ---- conversions ------------------------------------------------------------------------------------


def public_entry_doc(row: Mapping[str, Any]) -> dict[str, Any]:
    """A row of the public list as JSON-ready data, shaped like ``PublicEntry`` (the hot path of the list
    skips building models: indicators are stored in display order with their names)."""
    total = row["total"]
    return {
        "entry_no": row["entry_no"],
        "rank": row["rank"],
        "name": row["name"],
        "birth_year_month": row["birth_year_month"],
        "employer_name": row["employer_name"],
        "total": None if total is None else str(total),
        "indicators": row["indicators"],
    }


def public_entry(row: Mapping[str, Any]) -> PublicEntry:
    return PublicEntry.model_validate(public_entry_doc(row))


def staff_entry(row: Mapping[str, Any]) -> StaffEntry:
    return StaffEntry(
        **public_entry(row).model_dump(),
        application_id=row["application_id"],
        outcome=row["outcome"],
        outcome_reason=row["outcome_reason"],
        outcome_reason_code=row.get("outcome_reason_code"),
        outcome_at=row["outcome_at"],
        age=row.get("age"),
        university=row.get("university"),
        education=row.get("education"),
    )


def publicity_out(p: Mapping[str, Any], period: Mapping[str, Any]) -> PublicityOut:
    return PublicityOut(
        publicity_id=p["publicity_id"],
        round_id=p["round_id"],
        program=p["program"],
        year=p["year"],
        status=p["status"],
        entry_count=p["entry_count"],
        supervision_contact=p["supervision_contact"],
        period=PeriodOut(**period),
    )


def objection_out(o: Mapping[str, Any]) -> ObjectionOut:
    return ObjectionOut(**{k: o[k] for k in ObjectionOut.model_fields})


# ---- the graduate programme (issue 11 item 5) ------------------------------------------------------

GraduateEducationField = Literal["doctor", "master", "bachelor", "junior_college"]


class OpenGraduatePublicityIn(BaseModel):
    """Open a list of the unit's approved graduates today; at least 5 working days (longer allowed)."""

    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [{"working_days": 5}]})

    round_id: str | None = Field(
        default=None,
        max_length=64,
        pattern=ID_PATTERN,
        description="Only needed when graduates of several rounds are waiting.",
        examples=["grd-2025"],
    )
    working_days: int = Field(
        default=5,
        strict=True,
        ge=5,
        le=30,
        description="Working days after the opening day (not counted); at least 5 (policy/graduates.md).",
    )


class GraduatePublicityOut(PublicityOut):
    """A supervising unit's graduate list: the period (with its due date and calendar version) and the
    unit's supervision phone and address."""

    unit_id: str = Field(examples=["U-HD"])
    unit_name: str | None = Field(examples=["北京市海淀区人力资源和社会保障局"])
    unit_phone: str | None = Field(examples=["010-82345678"])
    unit_address: str | None = Field(examples=["北京市海淀区长春桥路17号"])
    working_days: int | None = Field(examples=[5])


class GraduateEntryOut(BaseModel):
    """One row of a graduate list: name, age, university, education; nothing else about the graduate."""

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "entry_no": 1,
                    "name": "王伟",
                    "age": 26,
                    "university": "北京大学",
                    "education": "master",
                    "education_zh": "硕士研究生",
                }
            ]
        }
    )

    entry_no: int = Field(description="公示编号: the row's number on this list.")
    name: str
    age: int | None
    university: str | None
    education: GraduateEducationField | None
    education_zh: str | None


class GraduateEntryPage(BaseModel):
    publicity: GraduatePublicityOut
    items: list[GraduateEntryOut]
    total: int
    limit: int
    offset: int


class WaitingGraduateOut(BaseModel):
    """An approved graduate of the unit on no list yet."""

    declaration_id: str = Field(examples=["GRD-DECL-000001"])
    revision: int
    round_id: str
    name: str | None
    age: int | None
    university: str | None
    education: GraduateEducationField | None
    decided_at: BjDatetime


class WaitingGraduatePage(BaseModel):
    items: list[WaitingGraduateOut]
    total: int


def graduate_publicity_out(p: Mapping[str, Any], period: Mapping[str, Any]) -> GraduatePublicityOut:
    return GraduatePublicityOut(
        **publicity_out(p, period).model_dump(),
        unit_id=p["scope"],
        unit_name=p["unit_name"],
        unit_phone=p["unit_phone"],
        unit_address=p["unit_address"],
        working_days=p["working_days"],
    )


def graduate_entry_out(row: Mapping[str, Any]) -> GraduateEntryOut:
    edu = row["education"]
    return GraduateEntryOut(
        entry_no=row["entry_no"],
        name=row["name"],
        age=row["age"],
        university=row["university"],
        education=edu,
        education_zh=EDUCATION_ZH.get(edu) if edu else None,
    )
