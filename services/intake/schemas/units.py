"""Supervising units (主管单位), their jurisdiction over employers (第五条) and their staff accounts."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field, StrictStr, StringConstraints

from services.intake.schemas.common import TEXT_PATTERN, CreditCode, Password, PersonName, Strict, Username

UnitText = Annotated[
    StrictStr, StringConstraints(strip_whitespace=True, min_length=2, max_length=200, pattern=TEXT_PATTERN)
]
SupervisionPhone = Annotated[
    StrictStr,
    StringConstraints(strip_whitespace=True, min_length=5, max_length=40, pattern=r"^[0-9+() -]+$"),
]

UNIT_EXAMPLE: dict[str, Any] = {
    "name": "海淀区人力资源和社会保障局",
    "phone": "010-82581234",
    "address": "北京市海淀区某某路1号",
}


class UnitIn(Strict):
    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [UNIT_EXAMPLE]})

    name: UnitText = Field(description="The unit's name (unique).")
    phone: SupervisionPhone = Field(description="监督电话: shown on the unit's publicity (第十七条(四)).")
    address: Annotated[
        StrictStr,
        StringConstraints(strip_whitespace=True, min_length=2, max_length=300, pattern=TEXT_PATTERN),
    ] = Field(description="The unit's address, shown on the publicity.")


class UnitOut(BaseModel):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {"id": "su_1a2b3c4d5e6f7a8b", **UNIT_EXAMPLE, "created_at": "2025-01-06T09:00:00+08:00"}
            ]
        }
    )

    id: str
    name: str
    phone: str
    address: str
    created_at: datetime


class UnitPage(BaseModel):
    model_config = ConfigDict(
        json_schema_extra={"examples": [{"items": [], "total": 0, "limit": 50, "offset": 0}]}
    )

    items: list[UnitOut]
    total: int
    limit: int
    offset: int


class JurisdictionIn(Strict):
    model_config = ConfigDict(
        extra="forbid", json_schema_extra={"examples": [{"employer_credit_code": "91110000600037341L"}]}
    )

    employer_credit_code: CreditCode


class JurisdictionOut(BaseModel):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "unit_id": "su_1a2b3c4d5e6f7a8b",
                    "employer_id": "emp_1a2b3c4d5e6f7a8b",
                    "employer_name": "北京某某科技有限公司",
                    "employer_credit_code": "91110000600037341L",
                    "assigned_at": "2025-01-06T09:00:00+08:00",
                    "assigned_by": "acc_3f9c1b2d7e4a5b6c",
                }
            ]
        }
    )

    unit_id: str
    employer_id: str
    employer_name: str
    employer_credit_code: str
    assigned_at: datetime
    assigned_by: str


class JurisdictionPage(BaseModel):
    model_config = ConfigDict(
        json_schema_extra={"examples": [{"items": [], "total": 0, "limit": 50, "offset": 0}]}
    )

    items: list[JurisdictionOut]
    total: int
    limit: int
    offset: int


class UnitAccountIn(Strict):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [{"username": "hd-unit", "password": "unit-pass-2025", "name": "赵六"}]
        },
    )

    username: Username
    password: Password
    name: PersonName
