"""Request and response models of the intake API, with examples (they are the OpenAPI documentation).

The declared facts follow ``../shared/contracts/points-facts.schema.json`` exactly, and strictly: booleans
must be JSON booleans, integers JSON integers (``true`` and ``"2020"`` are refused), dates real calendar
dates in ``YYYY-MM-DD``, months ``YYYY-MM``, money a decimal string, enums one of their values, and no
unknown field anywhere. Each violation is reported as one 422 detail naming the field
(``facts.social_insurance[3].to``) with a code and a message.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Any, Literal

from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    StrictBool,
    StrictInt,
    StrictStr,
    StringConstraints,
    model_validator,
)
from pydantic_core import PydanticCustomError

from services.intake.domain.phases import PHASE_NAMES_ZH, Phase
from shared.validation import InvalidIdentifier, parse_credit_code, parse_mobile_number, parse_resident_id
from shared.validation.identifiers import synthetic_resident_id

# ---- building blocks ------------------------------------------------------------------------------

MONTH_PATTERN = r"^(19|20|21)[0-9]{2}-(0[1-9]|1[0-2])$"
MONEY_PATTERN = r"^[0-9]{1,12}(\.[0-9]{1,2})?$"
#: Free text: no control characters other than tab and line breaks (PostgreSQL refuses NUL in text).
TEXT_PATTERN = r"^[^\x00-\x08\x0b\x0c\x0e-\x1f\x7f]*$"


def _real_date(value: str) -> str:
    try:
        date.fromisoformat(value)
    except ValueError:
        raise PydanticCustomError("date.invalid", "not a valid calendar date (YYYY-MM-DD)") from None
    return value


Month = Annotated[StrictStr, StringConstraints(pattern=MONTH_PATTERN), Field(examples=["2021-12"])]
IsoDate = Annotated[
    StrictStr,
    StringConstraints(pattern=r"^[0-9]{4}-[0-9]{2}-[0-9]{2}$"),
    AfterValidator(_real_date),
    Field(json_schema_extra={"format": "date"}, examples=["2021-06-30"]),
]
Money = Annotated[StrictStr, StringConstraints(pattern=MONEY_PATTERN), Field(examples=["12000.50"])]
District = Literal[
    "110101", "110102", "110105", "110106", "110107", "110108", "110109", "110111", "110112",
    "110113", "110114", "110115", "110116", "110117", "110118", "110119", "BDA", "city",
]  # fmt: skip


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", populate_by_name=True)


class _MonthRange(Strict):
    @model_validator(mode="after")
    def _ordered(self) -> Any:
        me: Any = self
        start, end = me.from_, me.to
        if start > end:
            raise PydanticCustomError("month_range", "'from' is after 'to'")
        return self


# ---- PointsFacts (contracts/points-facts.schema.json) -------------------------------------------


class Person(Strict):
    birth_date: IsoDate
    sex: Literal["male", "female"]
    female_job_category: Literal["worker", "cadre"] | None = Field(
        default=None, description="Only for women; decides the retirement age (50 or 55). Default worker."
    )


class InsuranceRecord(_MonthRange):
    insurance: Literal["pension", "medical", "unemployment", "injury", "maternity"]
    from_: Month = Field(alias="from")
    to: Month
    back_paid: StrictBool = Field(description="补缴: paid later for these months.")
    district: District = Field(
        description="District of the paying unit's account; 'city' for the city office."
    )


class HousingRecord(_MonthRange):
    kind: Literal["owned", "spouse_owned", "rented", "unit_dormitory"]
    from_: Month = Field(alias="from")
    to: Month
    district: District
    residential: StrictBool = Field(description="Planned use is residential.")
    certified: StrictBool = Field(
        description="The dwelling has a property certificate (产权证 / 不动产权证书)."
    )
    lease_registered: StrictBool | None = Field(
        default=None, description="For rented homes: the lease is filed on the city platform. Default false."
    )


class EducationRecord(Strict):
    level: Literal["junior_college", "bachelor", "master", "doctor"]
    diploma: StrictBool = Field(description="Holds the 学历 certificate of this level.")
    degree: StrictBool = Field(description="Holds the 学位 certificate of this level.")
    graduated_on: IsoDate
    recognized: StrictBool = Field(description="Recognised by the Ministry of Education.")


class AwardItem(Strict):
    type: Literal["award"]
    code: StrictStr = Field(
        max_length=64, pattern=TEXT_PATTERN, description="A code of the innovation table (policy/points.md)."
    )
    year: StrictInt = Field(ge=1950, le=2100)
    rank: StrictInt | None = Field(default=None, ge=1, description="Contributor position, where graded.")
    prior_year_income_tax: Money | None = None


class EquityItem(Strict):
    type: Literal["equity"]
    share_percent: Annotated[StrictStr, StringConstraints(pattern=r"^[0-9]{1,3}(\.[0-9]{1,4})?$")]
    company_certified: StrictBool
    financing_3y: Annotated[StrictStr, StringConstraints(pattern=r"^[0-9]{1,14}(\.[0-9]{1,2})?$")]
    held_full_year: StrictBool


class TenureItem(_MonthRange):
    type: Literal["high_tech_tenure"]
    from_: Month = Field(alias="from")
    to: Month


InnovationItem = Annotated[AwardItem | EquityItem | TenureItem, Field(discriminator="type")]


class IncomeTaxRecord(Strict):
    year: StrictInt = Field(ge=1990, le=2100)
    amount: Money = Field(description="Individual income tax paid in Beijing that year (yuan).")


class TaxPenalty(Strict):
    date: IsoDate
    fine: Money


class Honour(Strict):
    title: Literal[
        "national_model_worker", "bj_model_worker", "model_worker_equivalent", "national_moral_model",
        "capital_moral_model", "national_heroic_model", "capital_heroic_citizen",
    ]  # fmt: skip
    awarded_on: IsoDate | None = None


class Detention(Strict):
    date: IsoDate


FACTS_EXAMPLE: dict[str, Any] = {
    "application_year": 2024,
    "person": {"birth_date": "1985-03-07", "sex": "male"},
    "residence_permit_issued_on": "2016-05-10",
    "criminal_record": False,
    "social_insurance": [
        {"insurance": t, "from": "2010-07", "to": "2023-12", "back_paid": False, "district": "110105"}
        for t in ("pension", "medical", "unemployment", "injury", "maternity")
    ],
    "housing": [
        {
            "kind": "owned",
            "from": "2018-01",
            "to": "2023-12",
            "district": "110108",
            "residential": True,
            "certified": True,
        }
    ],
    "education": [
        {
            "level": "bachelor",
            "diploma": True,
            "degree": True,
            "graduated_on": "2007-07-01",
            "recognized": True,
        }
    ],
    "innovation": [],
    "income_tax": [{"year": 2023, "amount": "18000.00"}],
    "tax_penalties": [],
    "honours": [],
    "detentions": [],
}


class PointsFacts(Strict):
    """The declared facts, in the shape of ``contracts/points-facts.schema.json``."""

    model_config = ConfigDict(
        extra="forbid", populate_by_name=True, json_schema_extra={"examples": [FACTS_EXAMPLE]}
    )

    application_id: StrictStr | None = Field(
        default=None,
        max_length=64,
        pattern=TEXT_PATTERN,
        description="Ignored on input: intake sets it to the application's id.",
    )
    policy_version: Literal["bj-points-2018", "bj-points-2020"] | None = Field(
        default=None, description="Optional; must match the round's policy version when given."
    )
    application_year: StrictInt = Field(ge=2018, le=2100, description="The round's year.")
    person: Person
    residence_permit_issued_on: IsoDate | None = Field(description="Beijing residence permit; null if none.")
    criminal_record: StrictBool
    social_insurance: list[InsuranceRecord] = Field(max_length=2000)
    housing: list[HousingRecord] = Field(max_length=500)
    education: list[EducationRecord] = Field(max_length=20)
    innovation: list[InnovationItem] = Field(max_length=50)
    income_tax: list[IncomeTaxRecord] = Field(max_length=50)
    tax_penalties: list[TaxPenalty] = Field(max_length=200)
    honours: list[Honour] = Field(max_length=20)
    detentions: list[Detention] = Field(max_length=200)

    def as_document(self) -> dict[str, Any]:
        """The facts as JSON, exactly as declared (optional fields that were not given stay absent)."""
        return self.model_dump(mode="json", by_alias=True, exclude_unset=True)


# ---- identity ------------------------------------------------------------------------------------


def _id_number(value: str) -> str:
    try:
        return parse_resident_id(value).number
    except InvalidIdentifier as e:
        raise PydanticCustomError(e.code, f"{e.message} {e.message_zh}") from None


def _mobile(value: str) -> str:
    try:
        return parse_mobile_number(value)
    except InvalidIdentifier as e:
        raise PydanticCustomError(e.code, f"{e.message} {e.message_zh}") from None


def _credit_code(value: str) -> str:
    try:
        return parse_credit_code(value).code
    except InvalidIdentifier as e:
        raise PydanticCustomError(e.code, f"{e.message} {e.message_zh}") from None


PersonName = Annotated[
    StrictStr,
    StringConstraints(strip_whitespace=True, min_length=1, max_length=50, pattern=r"^[^\x00-\x1f<>]+$"),
    Field(examples=["张三"]),
]
IdNumber = Annotated[
    StrictStr,
    StringConstraints(max_length=32),
    AfterValidator(_id_number),
    Field(
        description="18-character resident ID number (GB 11643, check character verified). Stored "
        "encrypted; shown masked.",
        examples=[synthetic_resident_id(date(1949, 12, 31), 2, "110105")],
    ),
]
MobileNumber = Annotated[
    StrictStr, StringConstraints(max_length=20), AfterValidator(_mobile), Field(examples=["13800138000"])
]
CreditCode = Annotated[
    StrictStr,
    StringConstraints(max_length=32),
    AfterValidator(_credit_code),
    Field(
        description="Unified social credit code (GB 32100, check character verified).",
        examples=["91110000600037341L"],
    ),
]


def _normalise_username(value: Any) -> Any:
    return value.strip().lower() if isinstance(value, str) else value


Username = Annotated[
    StrictStr,
    StringConstraints(pattern=r"^[a-z0-9][a-z0-9_.@-]{2,63}$"),
    BeforeValidator(_normalise_username),
    Field(
        description="3–64 characters: letters, digits, `_ . @ -`; case-insensitive.", examples=["zhangsan"]
    ),
]


def _password_strength(value: str) -> str:
    if not any(c.isalpha() for c in value) or not any(c.isdigit() for c in value):
        raise PydanticCustomError("password.weak", "use letters and digits")
    return value


Password = Annotated[
    StrictStr,
    StringConstraints(min_length=10, max_length=128),
    AfterValidator(_password_strength),
    Field(description="10–128 characters with letters and digits.", examples=["correct-horse-42"]),
]


class Identity(Strict):
    """Who declares: checked against the declared facts (birth date and sex come from the ID number)."""

    name: PersonName
    id_number: IdNumber
    phone: MobileNumber


# ---- accounts and tokens -------------------------------------------------------------------------


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

    @model_validator(mode="after")
    def _department(self) -> StaffAccountIn:
        if (self.role == "department_client") != (self.department is not None):
            raise PydanticCustomError(
                "department.required", "department is required for department clients, and only for them"
            )
        if self.district is not None and self.role != "district_staff":
            raise PydanticCustomError("district.not_allowed", "district is only for district staff accounts")
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


# ---- employers -------------------------------------------------------------------------------------


class EmployerIn(Strict):
    name: Annotated[
        StrictStr,
        StringConstraints(strip_whitespace=True, min_length=2, max_length=200, pattern=TEXT_PATTERN),
    ] = Field(examples=["北京某某科技有限公司"])
    credit_code: CreditCode
    tax_registered: StrictBool = Field(
        description="Registered for tax in Beijing (seed 004 第五条); must be true to register."
    )
    district: District | None = Field(default=None, description="District where it is registered.")


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


# ---- affiliations ----------------------------------------------------------------------------------


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


# ---- rounds ------------------------------------------------------------------------------------------


class PhaseDatesIn(Strict):
    phase: Phase
    starts_on: IsoDate
    ends_on: IsoDate


ROUND_EXAMPLE: dict[str, Any] = {
    "year": 2024,
    "program": "points",
    "quota": 6000,
    "phases": [
        {"phase": "declaration", "starts_on": "2024-05-06", "ends_on": "2024-05-20"},
        {"phase": "review_summary", "starts_on": "2024-05-21", "ends_on": "2024-06-30"},
        {"phase": "results_query", "starts_on": "2024-07-01", "ends_on": "2024-07-10"},
        {"phase": "recheck_and_ranking", "starts_on": "2024-07-11", "ends_on": "2024-08-10"},
        {"phase": "publicity", "starts_on": "2024-08-11", "ends_on": "2024-08-18"},
        {"phase": "settlement", "starts_on": "2024-08-19", "ends_on": "2026-08-18"},
    ],
}


class RoundIn(Strict):
    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [ROUND_EXAMPLE]})

    year: StrictInt = Field(ge=2018, le=2100, description="The round's year Y (申报年度).")
    program: Literal["points"] = "points"
    policy_version: Literal["bj-points-2018", "bj-points-2020"] | None = Field(
        default=None, description="Default: bj-points-2018 for 2018–2019, bj-points-2020 from 2020."
    )
    quota: StrictInt | None = Field(default=None, ge=1, le=1_000_000, description="Yearly settlement quota.")
    phases: list[PhaseDatesIn] = Field(
        min_length=6,
        max_length=6,
        description="The six phases of seed 004 第三条, in order, without overlap.",
    )


class PhaseDatesOut(BaseModel):
    phase: str
    name_zh: str
    starts_on: date
    ends_on: date


class RoundOut(BaseModel):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "id": "points-2024",
                    "program": "points",
                    "year": 2024,
                    "policy_version": "bj-points-2020",
                    "quota": 6000,
                    "current_phase": "declaration",
                    "current_phase_zh": "申报",
                    "phases": [
                        {
                            "phase": "declaration",
                            "name_zh": "申报",
                            "starts_on": "2024-05-06",
                            "ends_on": "2024-05-20",
                        }
                    ],
                    "ranking": None,
                    "created_at": "2024-04-01T09:00:00+08:00",
                }
            ]
        }
    )

    id: str
    program: str
    year: int
    policy_version: str
    quota: int | None
    current_phase: str = Field(
        description="A phase, or not_started / between_phases / closed (by the service clock)."
    )
    current_phase_zh: str
    phases: list[PhaseDatesOut]
    ranking: dict[str, Any] | None = Field(
        default=None, description="Cut-off and admitted count once scoring finalizes the ranking."
    )
    publicity: dict[str, Any] | None = Field(default=None, description="Counts once publicity closes.")
    created_at: datetime


class RoundPage(BaseModel):
    model_config = ConfigDict(
        json_schema_extra={"examples": [{"items": [], "total": 0, "limit": 50, "offset": 0}]}
    )

    items: list[RoundOut]
    total: int
    limit: int
    offset: int


# ---- applications ------------------------------------------------------------------------------------

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


def phase_out(phase: str, starts_on: date, ends_on: date) -> PhaseDatesOut:
    return PhaseDatesOut(
        phase=phase, name_zh=PHASE_NAMES_ZH.get(phase, phase), starts_on=starts_on, ends_on=ends_on
    )
