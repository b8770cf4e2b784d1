"""Accounts and tokens: registration, staff accounts, the account view and the OAuth2 token answer."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, StrictStr, StringConstraints, model_validator
from pydantic_core import PydanticCustomError

from services.intake.schemas.common import MobileNumber, Password, PersonName, Strict, Username


class ApplicantRegistration(Strict):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    "username": "zhangsan",
                    "password": "correct-horse-42",
                    "name": "张三",
                    "phone": "13800138000",
                }
            ]
        },
    )

    username: Username
    password: Password
    name: PersonName
    phone: MobileNumber


StaffRole = Literal[
    "bureau_staff", "district_staff", "supervising_unit", "operations_admin", "department_client"
]


class StaffAccountIn(Strict):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    "username": "li.si",
                    "password": "bureau-staff-2024",
                    "name": "李四",
                    "role": "bureau_staff",
                },
                {
                    "username": "tax-bureau",
                    "password": "client-secret-2024",
                    "name": "市税务局接口",
                    "role": "department_client",
                    "department": "tax",
                },
                {
                    "username": "wang.wu",
                    "password": "district-staff-2024",
                    "name": "王五",
                    "role": "district_staff",
                    "district": "110108",
                },
            ]
        },
    )

    username: Username
    password: Password
    name: PersonName
    role: StaffRole
    department: Annotated[StrictStr, StringConstraints(pattern=r"^[a-z][a-z0-9_-]{1,31}$")] | None = Field(
        default=None, description="Required for department clients: the department they act for."
    )
    district: Annotated[StrictStr, StringConstraints(pattern=r"^110[0-9]{3}$")] | None = Field(
        default=None,
        description="Optional for district staff (区人力社保局), and only for them: the administrative "
        "division code of their district (e.g. 110108 海淀区); carried as the `district` token claim.",
    )
    supervising_unit_id: (
        Annotated[StrictStr, StringConstraints(pattern=r"^[A-Za-z0-9_.:-]{1,40}$")] | None
    ) = Field(
        default=None,
        description="For supervising-unit staff, and only for them: the unit the account belongs to "
        "(`POST /v1/supervising-units`); carried as the `supervising_unit` token claim.",
    )

    @model_validator(mode="after")
    def _department(self) -> StaffAccountIn:
        if (self.role == "department_client") != (self.department is not None):
            raise PydanticCustomError(
                "department.required", "department is required for department clients, and only for them"
            )
        if self.district is not None and self.role != "district_staff":
            raise PydanticCustomError("district.not_allowed", "district is only for district staff accounts")
        if self.supervising_unit_id is not None and self.role != "supervising_unit":
            raise PydanticCustomError(
                "supervising_unit_id.not_allowed", "supervising_unit_id is only for supervising-unit accounts"
            )
        return self


class AccountOut(BaseModel):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "id": "acc_3f9c1b2d7e4a5b6c",
                    "username": "zhangsan",
                    "role": "applicant",
                    "name": "张三",
                    "phone": "138****8000",
                    "employer_credit_code": None,
                    "department": None,
                    "district": None,
                    "status": "active",
                    "created_at": "2024-05-06T09:00:00+08:00",
                    "locked_until": None,
                }
            ]
        }
    )

    id: str
    username: str
    role: str
    name: str
    phone: str | None = Field(default=None, description="Masked.")
    employer_credit_code: str | None = None
    department: str | None = None
    district: str | None = Field(default=None, description="District staff: their district's code.")
    supervising_unit_id: str | None = Field(
        default=None, description="Supervising-unit staff: their unit (the `supervising_unit` token claim)."
    )
    status: Literal["active", "disabled"]
    created_at: datetime
    locked_until: datetime | None = Field(
        default=None, description="Set while logins are refused after repeated wrong passwords."
    )


class AccountPage(BaseModel):
    model_config = ConfigDict(
        json_schema_extra={"examples": [{"items": [], "total": 0, "limit": 50, "offset": 0}]}
    )

    items: list[AccountOut]
    total: int
    limit: int
    offset: int


class TokenOut(BaseModel):
    """An OAuth2 token response (RFC 6749 §5.1)."""

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "access_token": "eyJhbGciOiJFZERTQSJ9…",
                    "token_type": "bearer",
                    "expires_in": 900,
                    "refresh_token": "rt_Vf3…",
                    "roles": ["applicant"],
                }
            ]
        }
    )

    access_token: str
    token_type: Literal["bearer"] = "bearer"
    expires_in: int
    refresh_token: str | None = None
    roles: list[str]


class RevokeIn(Strict):
    refresh_token: StrictStr = Field(max_length=200, examples=["rt_Vf3…"])


class PublicKeyOut(BaseModel):
    """One token-verifying public key as a JWK (RFC 7517, Ed25519 per RFC 8037)."""

    kty: str
    crv: str
    x: str
    kid: str = Field(description="The RFC 7638 thumbprint; access tokens name their key in the `kid` header.")
    use: str
    alg: str


class PublicKeysOut(BaseModel):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "keys": [
                        {
                            "kty": "OKP",
                            "crv": "Ed25519",
                            "x": "11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo",
                            "kid": "kPrK_qmxVWaYVA9wwBF6Iuo3vVzz7TxHCTwXBygrS4k",
                            "use": "sig",
                            "alg": "EdDSA",
                        }
                    ]
                }
            ]
        }
    )

    keys: list[PublicKeyOut]
