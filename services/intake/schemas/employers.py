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
                    "verified": True,
                    "verified_at": "2024-05-06T14:00:00+08:00",
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
    verified: bool = Field(
        description="Checked by bureau staff. Until then the employer's administrators cannot confirm "
        "affiliations or declarations (409 `employer_unverified`)."
    )
    verified_at: datetime | None = None


class EmployerRegistered(BaseModel):
    employer: EmployerOut
    admin: AccountOut


class EmployerPage(BaseModel):
    model_config = ConfigDict(
        json_schema_extra={"examples": [{"items": [], "total": 0, "limit": 50, "offset": 0}]}
    )

    items: list[EmployerOut]
    total: int
    limit: int
    offset: int


Reason = Annotated[
    StrictStr,
    StringConstraints(strip_whitespace=True, min_length=2, max_length=1000, pattern=TEXT_PATTERN),
]


class VerificationIn(Strict):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={"examples": [{"note": "营业执照原件与法定代表人授权书已核验。"}]},
    )

    note: Reason | None = Field(default=None, description="What was checked (kept in the audit record).")


class ReassignmentIn(Strict):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    "reason": "营业执照原件核验：原注册人非本单位人员，统一社会信用代码归还本单位。",
                    "admin": {
                        "username": "hr-real",
                        "password": "employer-pass-2025",
                        "name": "赵六",
                        "phone": "13900139001",
                    },
                }
            ]
        },
    )

    reason: Reason = Field(description="Why the code is reassigned (the documents checked, the dispute).")
    admin: EmployerAdminIn = Field(
        description="The new administrator account, for the person the employer's documents authorise."
    )


class EmployerAuditEntry(BaseModel):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "action": "reassigned",
                    "at": "2024-05-07T10:00:00+08:00",
                    "actor": "acc_5e6f7a8b9c0d1e2f",
                    "reason": "营业执照原件核验：原注册人非本单位人员。",
                    "from_accounts": [{"id": "acc_1a2b3c4d5e6f7a8b", "username": "squatter"}],
                    "to_account": "acc_9f8e7d6c5b4a3f2e",
                }
            ]
        }
    )

    action: str = Field(description="`verified` or `reassigned`.")
    at: datetime
    actor: str = Field(description="The staff account that acted.")
    reason: str | None
    from_accounts: list[dict[str, str]] = Field(
        description="Reassigned: the administrator accounts taken off the employer (and disabled)."
    )
    to_account: str | None = Field(description="Reassigned: the new administrator account.")


class EmployerAudit(BaseModel):
    employer: EmployerOut
    entries: list[EmployerAuditEntry]


class ReassignmentOut(BaseModel):
    employer: EmployerOut
    admin: AccountOut
    entry: EmployerAuditEntry
