"""The two registries of the graduate programme, for development, tests and the demo:

- **education** (学信网-like, 学历学位查询): by ID number → the person's higher-education records
  (university and its code, major, level 学历层次, study form, enrolment plan 招生计划, training mode 培养方式,
  enrolment and graduation dates ``YYYYMMDD``, diploma number 学历证书编号, degree number 学位证书编号);
- **company** (市场监管-like, 企业信用信息查询): by unified social credit code → the enterprise's
  establishment date, registering district, operating status 存续/吊销/注销, abnormal-operations listings
  (经营异常名录) and serious violations (严重违法失信名单).

Nobody has to be registered first: a record is **derived deterministically** from the ID number (or the
credit code) and the registry's seed, the same on every machine. An education record's level follows the
graduate's age in the graduation year ``year`` (Y): 22–24 bachelor, 25–28 master, 29–40 doctor, 20–21
junior college; outside 20–40 the registry has no record (404). A company's code must be a valid GB 32100
code (otherwise 404). Tests (and operators of the local stack) register specific records on top with
:meth:`GraduateRegistryData.register_education` / :meth:`~GraduateRegistryData.register_company` or
``PUT /_admin/records`` (``null`` = the registry knows nothing about it).
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any, Literal

from fastapi import APIRouter
from fastapi.responses import JSONResponse
from pydantic import BaseModel, ConfigDict, Field

from shared.validation import InvalidIdentifier, parse_credit_code, parse_resident_id, synthetic_resident_id

#: Universities: name, 5-digit school code, in Beijing.
UNIVERSITIES: tuple[tuple[str, str, bool], ...] = (
    ("清华大学", "10003", True),
    ("北京大学", "10001", True),
    ("北京航空航天大学", "10006", True),
    ("北京师范大学", "10027", True),
    ("首都医科大学", "10025", True),
    ("复旦大学", "10246", False),
    ("浙江大学", "10335", False),
    ("武汉大学", "10486", False),
    ("四川大学", "10610", False),
    ("河北师范大学", "10094", False),
)
MAJORS = (
    "计算机科学与技术",
    "电子信息",
    "临床医学",
    "机械工程",
    "数学",
    "汉语言文学",
    "会计学",
    "材料科学与工程",
)
#: The registry's level names (学历层次) and the digit its certificate numbers use.
LEVELS: dict[str, tuple[str, str]] = {
    "doctor": ("博士研究生", "4"),
    "master": ("硕士研究生", "3"),
    "bachelor": ("本科", "2"),
    "junior_college": ("专科", "1"),
}
STUDY_YEARS = {"doctor": 4, "master": 3, "bachelor": 4, "junior_college": 3}
TRAINING_MODES = {"non_directed": "非定向", "directed": "定向", "commissioned": "委托培养"}
ENROLMENT_PLANS = {"national_plan": "统招", "other": "非统招"}
BEIJING_DISTRICTS = (
    "110101",
    "110102",
    "110105",
    "110106",
    "110107",
    "110108",
    "110109",
    "110111",
    "110112",
    "110113",
    "110114",
    "110115",
    "110116",
    "110117",
    "110118",
    "110119",
)
COMPANY_NAMES = ("科技", "信息技术", "生物医药", "智能制造", "文化传媒", "新能源", "教育科技", "医疗器械")


def level_for_age(age: int) -> str | None:
    """The education level a fresh graduate of this age (Y − birth year) has in the registry."""
    if 22 <= age <= 24:
        return "bachelor"
    if 25 <= age <= 28:
        return "master"
    if 29 <= age <= 40:
        return "doctor"
    if 20 <= age <= 21:
        return "junior_college"
    return None


def _education_record(
    rng: random.Random, level: str, school: tuple[str, str, bool], graduated: date, major: str
) -> dict[str, Any]:
    name, code, _ = school
    level_name, digit = LEVELS[level]
    entered = date(graduated.year - STUDY_YEARS[level], 9, 1)
    directed = rng.random()
    mode = "non_directed" if directed < 0.92 else ("directed" if directed < 0.97 else "commissioned")
    plan = "national_plan" if rng.random() < 0.97 else "other"
    return {
        "school_name": name,
        "school_code": code,
        "major_name": major,
        "level": level_name,
        "study_form": "普通全日制",
        "enrolment_plan": ENROLMENT_PLANS[plan],
        "training_mode": TRAINING_MODES[mode],
        "entered_on": entered.strftime("%Y%m%d"),
        "graduated_on": graduated.strftime("%Y%m%d"),
        "graduation_status": "毕业",
        "diploma_no": f"{code}1{graduated.year}{digit}{rng.randrange(10**7):07d}",
        "degree_no": (
            None if level == "junior_college" else f"{code}{digit}{graduated.year}{rng.randrange(10**6):06d}"
        ),
    }


def derive_education(id_number: str, *, year: int, seed: int) -> list[dict[str, Any]] | None:
    """The education records of this person (newest first) as the registry answers them; ``None`` when
    the registry knows nothing (an invalid number, or an age outside 20–40 in ``year``)."""
    try:
        rid = parse_resident_id(id_number)
    except InvalidIdentifier:
        return None
    level = level_for_age(year - rid.birth_date.year)
    if level is None:
        return None
    rng = random.Random(f"education:{seed}:{rid.number}")
    school = rng.choice(UNIVERSITIES)
    graduated = date(year, rng.choice((6, 7)), rng.randint(20, 30))
    records = [_education_record(rng, level, school, graduated, rng.choice(MAJORS))]
    if level in ("master", "doctor"):  # the bachelor before it
        earlier = date(year - STUDY_YEARS[level], 6, 30)
        records.append(
            _education_record(rng, "bachelor", rng.choice(UNIVERSITIES), earlier, rng.choice(MAJORS))
        )
    return records


def derive_company(credit_code: str, *, year: int, seed: int) -> dict[str, Any] | None:
    """The enterprise with this credit code as the registry answers it; ``None`` for an invalid code."""
    try:
        code = parse_credit_code(credit_code)
    except InvalidIdentifier:
        return None
    rng = random.Random(f"company:{seed}:{code.code}")
    recent = rng.random() < 0.08  # registered less than a year before the declarations of Y
    if recent:
        established = date(year - 1, 6, 1) + timedelta(days=rng.randrange(0, 270))
    else:
        established = date(1995, 1, 1) + timedelta(
            days=rng.randrange(0, (date(year - 2, 12, 31) - date(1995, 1, 1)).days)
        )
    district = code.region_code if code.region_code in BEIJING_DISTRICTS else rng.choice(BEIJING_DISTRICTS)
    draw = rng.random()
    abnormal: list[dict[str, Any]] = []
    violations: list[dict[str, Any]] = []
    status = "存续"
    if draw < 0.04:
        abnormal.append(
            {"listed_on": f"{year - 1}-05-10", "reason": "未按规定报送年度报告", "removed_on": None}
        )
    elif draw < 0.06:
        violations.append({"listed_on": f"{year - 1}-09-01", "reason": "提交虚假材料取得登记"})
    elif draw < 0.07:
        status = "吊销"
    return {
        "credit_code": code.code,
        "name": f"北京{rng.choice(COMPANY_NAMES)}{rng.choice(('有限公司', '股份有限公司'))}",
        "established_on": established.isoformat(),
        "registration_district_code": district,
        "status": status,
        "abnormal_operations": abnormal,
        "serious_violations": violations,
    }


_UNSET: Any = object()


@dataclass
class GraduateRegistryData:
    """What the two registries answer: derived records, with registered ones on top."""

    year: int
    seed: int = 20240101
    education: dict[str, list[dict[str, Any]] | None] = field(default_factory=dict)
    companies: dict[str, dict[str, Any] | None] = field(default_factory=dict)

    def education_of(self, id_number: str) -> list[dict[str, Any]] | None:
        if id_number in self.education:
            return self.education[id_number]
        return derive_education(id_number, year=self.year, seed=self.seed)

    def company(self, credit_code: str) -> dict[str, Any] | None:
        if credit_code in self.companies:
            return self.companies[credit_code]
        return derive_company(credit_code, year=self.year, seed=self.seed)

    def register_education(self, id_number: str, records: list[dict[str, Any]] | None) -> None:
        """Answer these records (in the registry's format, newest first) for this ID number; ``None``:
        the registry has no record of the person."""
        self.education[id_number] = records

    def register_company(self, credit_code: str, record: dict[str, Any] | None) -> None:
        self.companies[credit_code] = record

    def education_like(self, id_number: str, **changes: Any) -> list[dict[str, Any]]:
        """The derived newest record with ``changes`` (registry field names), registered; returned."""
        base = derive_education(id_number, year=self.year, seed=self.seed)
        if not base:
            raise ValueError("the registry derives no record for this ID number; register one in full")
        records = [{**base[0], **changes}, *base[1:]]
        self.register_education(id_number, records)
        return records

    def company_like(self, credit_code: str, **changes: Any) -> dict[str, Any]:
        base = derive_company(credit_code, year=self.year, seed=self.seed)
        if base is None:
            raise ValueError("not a valid credit code")
        record = {**base, **changes}
        self.register_company(credit_code, record)
        return record


# ---- the HTTP APIs ---------------------------------------------------------------------------


#: A generated, valid example (no real person's number in code).
EXAMPLE_ID_NUMBER = synthetic_resident_id(date(2000, 1, 1), 123, "110105")


class PersonQuery(BaseModel):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={"examples": [{"id_number": EXAMPLE_ID_NUMBER, "request_id": "9b7c…"}]},
    )
    id_number: str = Field(min_length=15, max_length=18, description="The person's 18-character ID number.")
    request_id: str = Field(min_length=1, max_length=100, description="The caller's id of this request.")


class CompanyQuery(BaseModel):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={"examples": [{"credit_code": "91110108MA01ABCD2X", "request_id": "9b7c…"}]},
    )
    credit_code: str = Field(min_length=18, max_length=18, description="统一社会信用代码.")
    request_id: str = Field(min_length=1, max_length=100)


class RegistryNotFound(BaseModel):
    code: Literal["PERSON_NOT_FOUND", "ENTERPRISE_NOT_FOUND"]
    message: str
    request_id: str


class RecordIn(BaseModel):
    """A record to answer from now on (test control); ``record: null`` = no record at all."""

    model_config = ConfigDict(extra="forbid")
    key: str = Field(min_length=15, max_length=18, description="The ID number or the credit code.")
    record: Any = Field(
        description="Education: the list of records (newest first); company: the enterprise object."
    )


def education_router(data: GraduateRegistryData) -> APIRouter:
    r = APIRouter(tags=["学信 education records"])

    @r.post(
        "/api/v1/education/query",
        summary="Higher-education records of a person 学历学位信息查询",
        responses={404: {"model": RegistryNotFound}},
    )
    async def education(q: PersonQuery) -> Any:
        """Every higher-education record of the person, newest first: university and code, major, level
        (学历层次), study form, enrolment plan (统招/非统招), training mode (非定向/定向/委托培养), enrolment and
        graduation dates (`YYYYMMDD`), diploma number and degree number (null: no degree awarded)."""
        records = data.education_of(q.id_number)
        if records is None:
            return JSONResponse(
                {"code": "PERSON_NOT_FOUND", "message": "查无学历信息 no record", "request_id": q.request_id},
                404,
            )
        return {"request_id": q.request_id, "education_records": records}

    return r


def company_router(data: GraduateRegistryData) -> APIRouter:
    r = APIRouter(tags=["市场监管 enterprises"])

    @r.post(
        "/api/v1/enterprises/query",
        summary="Registration and credit of an enterprise 企业登记及信用信息查询",
        responses={404: {"model": RegistryNotFound}},
    )
    async def enterprise(q: CompanyQuery) -> Any:
        """The enterprise's registration (establishment date, registering district), operating status
        (存续, 吊销, 注销), abnormal-operations listings (经营异常名录, with the removal date once removed)
        and serious violations (严重违法失信名单)."""
        record = data.company(q.credit_code.upper())
        if record is None:
            return JSONResponse(
                {
                    "code": "ENTERPRISE_NOT_FOUND",
                    "message": "查无此企业 no record",
                    "request_id": q.request_id,
                },
                404,
            )
        return {"request_id": q.request_id, "enterprise": record}

    return r


def admin_router(kind: str, data: GraduateRegistryData) -> APIRouter:
    r = APIRouter(tags=["records 测试数据 (test control)"])

    @r.put("/_admin/records", summary="Register a record 登记测试数据")
    async def put_record(body: RecordIn) -> dict[str, Any]:
        """Answer `record` for `key` from now on instead of the derived record (`null`: no record)."""
        if kind == "education":
            data.register_education(body.key, body.record)
        else:
            data.register_company(body.key.upper(), body.record)
        return {"registered": True}

    return r
