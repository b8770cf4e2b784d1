"""Affiliations (隶属关系) between an applicant and their employer."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict

from services.intake.schemas.common import CreditCode, Strict, Username


class AffiliationRequest(Strict):
    """Applicants name the employer by credit code; employer administrators name the applicant by username."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [{"employer_credit_code": "91110000600037341L"}, {"applicant_username": "zhangsan"}]
        },
    )

    employer_credit_code: CreditCode | None = None
    applicant_username: Username | None = None


class AffiliationOut(BaseModel):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "id": "aff_7d6c5b4a3f2e1d0c",
                    "applicant_id": "acc_3f9c1b2d7e4a5b6c",
                    "applicant_name": "张三",
                    "employer_id": "emp_1a2b3c4d5e6f7a8b",
                    "employer_name": "北京某某科技有限公司",
                    "employer_credit_code": "91110000600037341L",
                    "status": "confirmed",
                    "applicant_confirmed_at": "2024-05-06T09:00:00+08:00",
                    "employer_confirmed_at": "2024-05-06T10:00:00+08:00",
                    "ended_at": None,
                }
            ]
        }
    )

    id: str
    applicant_id: str
    applicant_name: str
    employer_id: str
    employer_name: str
    employer_credit_code: str
    status: Literal["pending_employer", "pending_applicant", "confirmed", "ended"]
    applicant_confirmed_at: datetime | None
    employer_confirmed_at: datetime | None
    ended_at: datetime | None


class AffiliationPage(BaseModel):
    model_config = ConfigDict(
        json_schema_extra={"examples": [{"items": [], "total": 0, "limit": 50, "offset": 0}]}
    )

    items: list[AffiliationOut]
    total: int
    limit: int
    offset: int
