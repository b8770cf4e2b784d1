"""Graduate declarations (引进毕业生申报): what the employer declares, the consent to publication, the
supervising unit's decision, and what each party reads back."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, StrictBool, StrictInt, StrictStr, StringConstraints

from services.intake.schemas.common import TEXT_PATTERN, IdNumber, IsoDate, PersonName, Strict, Username
from shared.facts.graduates import (
    Education,
    EmployerKind,
    EmployerSystem,
    Family,
    Founder,
    Post,
    SpecialPlan,
)
from shared.validation.identifiers import synthetic_resident_id

Text200 = Annotated[
    StrictStr, StringConstraints(strip_whitespace=True, min_length=1, max_length=200, pattern=TEXT_PATTERN)
]
CertificateNumber = Annotated[
    StrictStr, StringConstraints(min_length=4, max_length=64, pattern=r"^[0-9A-Za-z-]+$")
]
Identifier = Annotated[StrictStr, StringConstraints(max_length=64, pattern=r"^[A-Za-z0-9_.:-]+$")]


class UniversityIn(Strict):
    name: Text200 = Field(examples=["武汉大学"])
    in_beijing: StrictBool
    full_time_regular: StrictBool = Field(description="全日制普通高等学校.")
    double_first_class: StrictBool = Field(description="一流大学建设高校 or 一流学科建设高校.")
    kind: Literal["regular", "independent_arts", "national_sports", "provincial_normal", "provincial_medical"]


class CertificateIn(Strict):
    status: Literal["obtained", "expected", "not_obtained"] = Field(
        description="Obtained, expected at graduation, or not obtained (no degree for junior college)."
    )
    number: CertificateNumber | None = Field(default=None, description="The certificate number, once known.")


class GraduateIn(Strict):
    name: PersonName
    id_number: IdNumber
    account_username: Username | None = Field(
        default=None,
        description="The graduate's own account (role applicant), if they have one: they then consent to "
        "publication themselves. Otherwise the employer sends a one-time consent link.",
    )
    beijing_hukou: StrictBool
    university: UniversityIn
    major: Text200 = Field(examples=["计算机科学与技术"])
    major_matches_post: StrictBool = Field(description="The major fits the employer's business and the post.")
    education: Education
    diploma: CertificateIn = Field(description="学历证书.")
    degree: CertificateIn = Field(description="学位证书.")
    graduated_on: IsoDate = Field(description="The actual or expected graduation day.")
    on_time: StrictBool
    enrolment: Literal["national_plan", "other"] = Field(description="National unified enrolment plan?")
    training_mode: Literal["non_directed", "directed", "commissioned"]
    labour_relation_during_study: Literal["none", "own_startup", "employment"]
    outstanding_doctor: StrictBool = False
    founder: Founder | None = Field(default=None, description="Start-up founder data (第十二条).")
    family: Family | None = Field(default=None, description="Grounds for direct introduction (第十六条).")


class EmploymentIn(Strict):
    """The post and what the employer is: with the employer's stored data, the employer part of the facts."""

    post: Post
    system: EmployerSystem
    kind: EmployerKind
    high_end_industry: StrictBool = False
    innovation_team: StrictBool = False
    municipal_university: StrictBool = False
    municipal_health_institution: StrictBool = False


GRADUATE_EXAMPLE: dict[str, Any] = {
    "name": "李雷",
    "id_number": synthetic_resident_id(date(2000, 4, 2), 1, "420106"),
    "beijing_hukou": False,
    "university": {
        "name": "武汉大学",
        "in_beijing": False,
        "full_time_regular": True,
        "double_first_class": True,
        "kind": "regular",
    },
    "major": "计算机科学与技术",
    "major_matches_post": True,
    "education": "master",
    "diploma": {"status": "expected"},
    "degree": {"status": "expected"},
    "graduated_on": "2025-06-30",
    "on_time": True,
    "enrolment": "national_plan",
    "training_mode": "non_directed",
    "labour_relation_during_study": "none",
}
EMPLOYMENT_EXAMPLE: dict[str, Any] = {"post": "engineer", "system": "other", "kind": "other"}


class GraduateDeclarationIn(Strict):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    "round_id": "graduates-2025",
                    "supervising_unit_id": "su_1a2b3c4d5e6f7a8b",
                    "graduate": GRADUATE_EXAMPLE,
                    "employment": EMPLOYMENT_EXAMPLE,
                }
            ]
        },
    )

    round_id: Identifier = Field(examples=["graduates-2025"])
    supervising_unit_id: Identifier = Field(description="The employer's supervising unit (第五条).")
    graduate: GraduateIn
    employment: EmploymentIn
    special_plan: SpecialPlan | None = Field(default=None, description="计划单列 channel (第九条), if any.")


class GraduateCorrectionIn(Strict):
    """The whole declaration again, replacing the previous version (after a return, or before submitting)."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [{"version": 1, "graduate": GRADUATE_EXAMPLE, "employment": EMPLOYMENT_EXAMPLE}]
        },
    )

    version: StrictInt = Field(ge=1, description="The version being corrected (409 if no longer current).")
    graduate: GraduateIn
    employment: EmploymentIn
    special_plan: SpecialPlan | None = None


class UnitApprovalIn(Strict):
    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [{"revision": 1}]})

    revision: StrictInt = Field(ge=1, description="The submitted revision the unit reviewed.")


class UnitReturnIn(Strict):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={"examples": [{"revision": 1, "reason": "学位证书编号有误，请核对。"}]},
    )

    revision: StrictInt = Field(ge=1)
    reason: Annotated[
        StrictStr,
        StringConstraints(strip_whitespace=True, min_length=2, max_length=1000, pattern=TEXT_PATTERN),
    ]


class GraduatePart(BaseModel):
    name: str
    id_number_masked: str
    birth_date: date
    university: str
    major: str
    education: str
    diploma_number: str | None
    degree_number: str | None
    has_account: bool


class UnitPart(BaseModel):
    id: str
    name: str
    phone: str
    address: str


class ConsentPart(BaseModel):
    given_at: datetime | None
    via: str | None = Field(description="account or link")


class GraduateDeclarationOut(BaseModel):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "id": "GD2025-3F9C1B2D7E",
                    "round_id": "graduates-2025",
                    "year": 2025,
                    "status": "submitted",
                    "version": 1,
                    "revision": 1,
                    "employer_name": "北京某某科技有限公司",
                    "employer_credit_code": "91110000600037341L",
                    "supervising_unit": {"id": "su_1a2b3c4d5e6f7a8b", "name": "海淀区人力资源和社会保障局",
                                         "phone": "010-82581234", "address": "北京市海淀区某某路1号"},
                    "graduate": {"name": "李雷", "id_number_masked": "420106********0013",
                                 "birth_date": "2000-04-02", "university": "武汉大学",
                                 "major": "计算机科学与技术", "education": "master", "diploma_number": None,
                                 "degree_number": None, "has_account": False},
                    "declaration": {"graduate": {}, "employment": EMPLOYMENT_EXAMPLE, "special_plan": None},
                    "consent": {"given_at": None, "via": None},
                    "returned_reason": None,
                    "submitted_at": "2025-04-01T09:00:00+08:00",
                    "unit_decision": None,
                    "verification": None,
                    "assessment": None,
                    "decision": None,
                    "created_at": "2025-03-20T09:00:00+08:00",
                    "updated_at": "2025-04-01T09:00:00+08:00",
                }
            ]
        }
    )  # fmt: skip

    id: str
    round_id: str
    year: int
    status: str = Field(
        description="draft, submitted, returned, approved_for_publicity, then (from other services) "
        "approved / refused by the bureau."
    )
    version: int
    revision: int = Field(description="Submitted revisions so far (0: never submitted).")
    employer_name: str
    employer_credit_code: str
    supervising_unit: UnitPart
    graduate: GraduatePart
    declaration: dict[str, Any] = Field(description="What the employer declared (without the ID number).")
    consent: ConsentPart
    returned_reason: str | None
    submitted_at: datetime | None
    unit_decision: dict[str, Any] | None
    verification: dict[str, Any] | None
    assessment: dict[str, Any] | None
    decision: dict[str, Any] | None
    created_at: datetime
    updated_at: datetime


class GraduateDeclarationPage(BaseModel):
    model_config = ConfigDict(
        json_schema_extra={"examples": [{"items": [], "total": 0, "limit": 50, "offset": 0}]}
    )

    items: list[GraduateDeclarationOut]
    total: int
    limit: int
    offset: int


class GraduateSubmitOut(BaseModel):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "declaration_id": "GD2025-3F9C1B2D7E",
                    "revision": 1,
                    "version": 1,
                    "submitted_at": "2025-04-01T09:00:00+08:00",
                    "event_id": "0b9f3a1e-2c4d-4e5f-8a6b-7c8d9e0f1a2b",
                }
            ]
        }
    )

    declaration_id: str
    revision: int
    version: int
    submitted_at: datetime
    event_id: str


class ConsentLinkOut(BaseModel):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "token": "gc_Zq3…",
                    "path": "/v1/graduate-consents/gc_Zq3…",
                    "expires_at": "2025-04-15T09:00:00+08:00",
                }
            ]
        }
    )

    token: str = Field(description="Shown once: intake keeps only its SHA-256.")
    path: str
    expires_at: datetime


class ConsentOut(BaseModel):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "declaration_id": "GD2025-3F9C1B2D7E",
                    "consent_at": "2025-04-02T10:00:00+08:00",
                    "via": "link",
                }
            ]
        }
    )

    declaration_id: str
    consent_at: datetime
    via: str


class GraduateTimelineEntry(BaseModel):
    at: datetime
    kind: str = Field(examples=["graduate.declared"])
    revision: int | None = None
    data: dict[str, Any]


class GraduateTimeline(BaseModel):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "declaration_id": "GD2025-3F9C1B2D7E",
                    "status": "submitted",
                    "entries": [
                        {"at": "2025-04-01T09:00:00+08:00", "kind": "graduate.declared", "revision": 1,
                         "data": {"revision": 1, "version": 1}}
                    ],
                }
            ]
        }
    )  # fmt: skip

    declaration_id: str
    status: str
    entries: list[GraduateTimelineEntry]
