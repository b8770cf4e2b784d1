"""Declarations, their submission, the case view, materials and the timeline."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, StrictInt, StrictStr, StringConstraints

from services.intake.schemas.common import TEXT_PATTERN, Identity, Strict
from services.intake.schemas.facts import FACTS_EXAMPLE, PointsFacts
from shared.validation.identifiers import synthetic_resident_id

IDENTITY_EXAMPLE: dict[str, Any] = {
    "name": "张三",
    "id_number": synthetic_resident_id(date(1985, 3, 7), 1, "110105"),
    "phone": "13800138000",
}


class DeclarationIn(Strict):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [{"round_id": "points-2024", "identity": IDENTITY_EXAMPLE, "facts": FACTS_EXAMPLE}]
        },
    )

    round_id: Annotated[StrictStr, StringConstraints(max_length=64, pattern=r"^[A-Za-z0-9_.:-]+$")] = Field(
        examples=["points-2024"]
    )
    identity: Identity
    facts: PointsFacts


class DeclarationUpdate(Strict):
    """The whole declaration, replacing the previous version."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [{"identity": IDENTITY_EXAMPLE, "facts": FACTS_EXAMPLE, "version": 1}]
        },
    )

    identity: Identity
    facts: PointsFacts
    version: StrictInt | None = Field(
        default=None,
        ge=1,
        description="The version being edited; refused with 409 if it is no longer current.",
    )


class EmployerDecision(Strict):
    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [{"version": 2}]})

    version: StrictInt = Field(ge=1, description="The declaration version the employer reviewed.")


class EmployerReturn(Strict):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={"examples": [{"version": 2, "reason": "社保缴费起始月份有误，请核对。"}]},
    )

    version: StrictInt = Field(ge=1)
    reason: Annotated[
        StrictStr,
        StringConstraints(strip_whitespace=True, min_length=2, max_length=500, pattern=TEXT_PATTERN),
    ]


class MaterialOut(BaseModel):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "id": "mat_0a1b2c3d4e5f6a7b",
                    "filename": "degree.pdf",
                    "media_type": "application/pdf",
                    "size": 183004,
                    "sha256": "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08",
                    "indicator": "education",
                    "uploaded_at": "2024-05-07T10:00:00+08:00",
                }
            ]
        }
    )

    id: str
    filename: str
    media_type: str
    size: int
    sha256: str
    indicator: str | None
    uploaded_at: datetime


class ApplicantPart(BaseModel):
    name: str
    id_number_masked: str = Field(examples=["110105********0019"])
    phone: str = Field(description="Masked for employers.")
    birth_year_month: str


class EmployerPart(BaseModel):
    id: str
    name: str
    credit_code: str


class ApplicationOut(BaseModel):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "id": "PA2024-3F9C1B2D7E",
                    "round_id": "points-2024",
                    "program": "points",
                    "status": "submitted",
                    "declaration_status": "submitted",
                    "revision": 1,
                    "version": 2,
                    "applicant": {
                        "name": "张三",
                        "id_number_masked": "110105********0019",
                        "phone": "13800138000",
                        "birth_year_month": "1985-03",
                    },
                    "employer": {
                        "id": "emp_1a2b3c4d5e6f7a8b",
                        "name": "北京某某科技有限公司",
                        "credit_code": "91110000600037341L",
                    },
                    "facts": FACTS_EXAMPLE,
                    "employer_confirmed_version": 2,
                    "returned_reason": None,
                    "submitted_at": "2024-05-08T10:00:00+08:00",
                    "verification": None,
                    "score": None,
                    "ranking": None,
                    "publicity": None,
                    "letters": [],
                    "lapsed_on": None,
                    "materials": [],
                    "created_at": "2024-05-07T09:00:00+08:00",
                    "updated_at": "2024-05-08T10:00:00+08:00",
                }
            ]
        }
    )

    id: str
    round_id: str
    program: str
    status: str = Field(
        description="Where the case stands: draft, submitted, verified, scored, ranked, cleared, "
        "disqualified, held, letter_issued, letter_revoked, lapsed."
    )
    declaration_status: Literal["draft", "employer_confirmed", "returned", "submitted"]
    revision: int = Field(description="Submitted revisions so far (0: never submitted).")
    version: int = Field(description="Version of the declaration as edited; employers confirm a version.")
    applicant: ApplicantPart
    employer: EmployerPart
    facts: dict[str, Any]
    employer_confirmed_version: int | None
    returned_reason: str | None
    submitted_at: datetime | None
    verification: dict[str, Any] | None
    score: dict[str, Any] | None
    ranking: dict[str, Any] | None
    publicity: dict[str, Any] | None
    letters: list[dict[str, Any]]
    lapsed_on: date | None
    materials: list[MaterialOut]
    created_at: datetime
    updated_at: datetime


class ApplicationSummary(BaseModel):
    id: str
    round_id: str
    status: str
    declaration_status: str
    revision: int
    version: int
    applicant_name: str
    employer_name: str
    employer_credit_code: str
    submitted_at: datetime | None
    score_total: str | None
    rank: int | None
    updated_at: datetime


class ApplicationPage(BaseModel):
    model_config = ConfigDict(
        json_schema_extra={"examples": [{"items": [], "total": 0, "limit": 50, "offset": 0}]}
    )

    items: list[ApplicationSummary]
    total: int
    limit: int
    offset: int


class SubmitOut(BaseModel):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "application_id": "PA2024-3F9C1B2D7E",
                    "revision": 1,
                    "version": 2,
                    "submitted_at": "2024-05-08T10:00:00+08:00",
                    "event_id": "5b0c3a53-92a0-4bd4-9d8c-8d0b0b2d3f55",
                }
            ]
        }
    )

    application_id: str
    revision: int
    version: int
    submitted_at: datetime
    event_id: str


class TimelineEntry(BaseModel):
    at: datetime
    kind: str = Field(examples=["score.computed"])
    title: str = Field(examples=["积分计算 · Score computed"])
    revision: int | None = None
    data: dict[str, Any]


class Timeline(BaseModel):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "application_id": "PA2024-3F9C1B2D7E",
                    "entries": [
                        {
                            "at": "2024-05-08T10:00:00+08:00",
                            "kind": "application.submitted",
                            "title": "已提交申报 · Submitted",
                            "revision": 1,
                            "data": {"revision": 1},
                        }
                    ],
                }
            ]
        }
    )

    application_id: str
    entries: list[TimelineEntry]
