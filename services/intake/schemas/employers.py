"""Employers (用人单位) and their administrators."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, StrictBool, StrictStr, StringConstraints

from services.intake.schemas.accounts import AccountOut
from services.intake.schemas.common import (
    TEXT_PATTERN,
    CreditCode,
    MobileNumber,
    Password,
    PersonName,
    Strict,
    Username,
)
from shared.policy import FactDistrict


class EmployerIn(Strict):
    name: Annotated[
        StrictStr,
        StringConstraints(strip_whitespace=True, min_length=2, max_length=200, pattern=TEXT_PATTERN),
    ] = Field(examples=["北京某某科技有限公司"])
    credit_code: CreditCode
    tax_registered: StrictBool = Field(
        description="Registered for tax in Beijing (seed 004 第五条); must be true to register."
    )
    district: FactDistrict | None = Field(default=None, description="District where it is registered.")


class EmployerAdminIn(Strict):
    username: Username
    password: Password
    name: PersonName
    phone: MobileNumber


class EmployerRegistration(Strict):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    "employer": {
                        "name": "北京某某科技有限公司",
                        "credit_code": "91110000600037341L",
                        "tax_registered": True,
                        "district": "110108",
                    },
                    "admin": {
                        "username": "hr-admin",
                        "password": "employer-pass-2024",
                        "name": "王五",
                        "phone": "13900139000",
                    },
                }
            ]
        },
    )

    employer: EmployerIn
    admin: EmployerAdminIn


class EmployerOut(BaseModel):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "id": "emp_1a2b3c4d5e6f7a8b",
                    "name": "北京某某科技有限公司",
                    "credit_code": "91110000600037341L",
                    "tax_registered": True,
                    "district": "110108",
                    "registered_at": "2024-05-06T09:00:00+08:00",
                }
            ]
        }
    )

    id: str
    name: str
    credit_code: str
    tax_registered: bool
    district: str | None
    registered_at: datetime


class EmployerRegistered(BaseModel):
    employer: EmployerOut
    admin: AccountOut
