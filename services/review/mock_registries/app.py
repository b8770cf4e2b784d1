"""The four mock department registries, each its own FastAPI app with its own API and OpenAPI.

Every registry answers ``POST /api/v1/…/query`` with ``{"id_number", "request_id"}`` in the body (ID numbers
never travel in URLs, which end up in access logs) and 404 ``PERSON_NOT_FOUND`` for a person it does not
know; beside it, the batch look-up (批量数据交换) ``POST /api/v1/…/batch`` with ``{"request_id", "queries":
[{"query_id", "id_number"}, …]}`` (at most :data:`MAX_BATCH`) answers one result per query, in order
(``found`` true with the single answer's fields, or false with ``PERSON_NOT_FOUND``); faults apply to a
batch as a whole. Field names and codes follow each department's own conventions, which the review
service's adapters translate:

- 社保 social insurance: insurance type codes 110 pension, 210 unemployment, 310 medical, 410 injury,
  510 maternity; months ``YYYYMM``; payment kind ``normal`` / ``back_paid`` (补缴); the paying unit's
  account district code, ``110000`` for the city-level office and ``110400`` for the BDA branch.
- 税务 tax: yearly individual income tax paid in Beijing; administrative penalty decisions.
- 公安 police: identity (sex code GB/T 2261.1: 1 male, 2 female; birth date ``YYYYMMDD``), Beijing
  residence permit, criminal record, administrative detentions.
- 住建 housing: properties (holder relation ``owner`` / ``spouse``, planned use 住宅/商业/办公, certificate),
  leases filed or not on the rental platform, unit dormitories; dates ``YYYY-MM-DD``.
"""

from __future__ import annotations

import calendar
from collections.abc import Callable, Sequence
from datetime import date
from typing import Any, Literal

from fastapi import APIRouter, FastAPI
from fastapi.responses import JSONResponse
from pydantic import BaseModel, ConfigDict, Field

from services.review.mock_registries.faults import Faults, FaultState, install_faults
from services.review.mock_registries.graduates import (
    GraduateRegistryData,
    admin_router,
    company_router,
    education_router,
)
from services.review.mock_registries.population import (
    DEFAULT_APPLICATION_YEAR,
    DEFAULT_SEED,
    Population,
    SyntheticPerson,
    index_by_id_number,
)
from shared.api.docs import install_offline_docs
from shared.validation import InvalidIdentifier
from shared.validation.identifiers import parse_resident_id, synthetic_resident_id

Department = Literal["social_insurance", "tax", "police", "housing"]
DEPARTMENTS: tuple[Department, ...] = ("social_insurance", "tax", "police", "housing")
#: The registries of the graduate programme (:mod:`.graduates`): 学信 education and 市场监管 company.
GraduateRegistry = Literal["education", "company"]
GRADUATE_REGISTRIES: tuple[GraduateRegistry, ...] = ("education", "company")
#: Every kind of registry this package serves.
REGISTRY_KINDS: tuple[str, ...] = (*DEPARTMENTS, *GRADUATE_REGISTRIES)
#: Fixed local ports of the registries (``make run``; shifted by ``--port-offset``).
DEFAULT_PORTS: dict[str, int] = {
    "social_insurance": 8201,
    "tax": 8202,
    "police": 8203,
    "housing": 8204,
    "education": 8205,
    "company": 8206,
}
INSURANCE_CODES = {
    "pension": "110",
    "unemployment": "210",
    "medical": "310",
    "injury": "410",
    "maternity": "510",
}
DISTRICT_CODES = {"city": "110000", "BDA": "110400"}
ADMIN_TAG = "fault injection 故障注入 (test control)"
#: The most people one batch request may ask about.
MAX_BATCH = 500
#: Each department's resource: ``POST /api/v1/{resource}/query`` (one person) and ``…/batch``.
RESOURCES = {
    "social_insurance": "contributions",
    "tax": "taxpayers",
    "police": "residents",
    "housing": "housing",
}


class Query(BaseModel):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {"id_number": synthetic_resident_id(date(1949, 12, 31), 2, "110105"), "request_id": "9b7c…"}
            ]
        },
    )
    id_number: str = Field(min_length=15, max_length=18, description="The person's 18-character ID number.")
    request_id: str = Field(min_length=1, max_length=100, description="The caller's id of this request.")


class NotFound(BaseModel):
    code: Literal["PERSON_NOT_FOUND"] = "PERSON_NOT_FOUND"
    message: str
    request_id: str


def _not_found(q: Query) -> JSONResponse:
    return JSONResponse(
        NotFound(message="查无此人 no record of this person", request_id=q.request_id).model_dump(), 404
    )


class BatchItem(BaseModel):
    model_config = ConfigDict(extra="forbid")
    query_id: str = Field(min_length=1, max_length=100, description="The caller's id of this query (unique)")
    id_number: str = Field(min_length=15, max_length=18, description="The person's 18-character ID number.")


class BatchQuery(BaseModel):
    """Up to 500 people in one request (批量数据交换)."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    "request_id": "batch-7f3a…",
                    "queries": [
                        {"query_id": "1", "id_number": synthetic_resident_id(date(1985, 3, 12), 3, "110105")},
                        {"query_id": "2", "id_number": synthetic_resident_id(date(1990, 7, 1), 8, "130102")},
                    ],
                }
            ]
        },
    )
    request_id: str = Field(min_length=1, max_length=100, description="The caller's id of this request.")
    queries: list[BatchItem] = Field(min_length=1, max_length=MAX_BATCH)


class BatchResult(BaseModel):
    query_id: str
    found: bool
    code: Literal["PERSON_NOT_FOUND"] | None = Field(default=None, description="Why not found")


class BatchAnswer(BaseModel):
    request_id: str
    results: list[BatchResult] = Field(
        description="One per query, in the order asked. A found one also carries the fields of the single "
        "query's answer (without request_id)."
    )


class People:
    """Who a registry knows: a :class:`Population` (looked up by ID number, each person derived when
    asked for) or a list of people, and the people registered at run time (``PUT /_admin/people``)."""

    def __init__(self, people: Sequence[SyntheticPerson]) -> None:
        self.population = people if isinstance(people, Population) else None
        self.registered: dict[str, SyntheticPerson] = (
            {} if self.population is not None else index_by_id_number(people)
        )

    def get(self, id_number: str) -> SyntheticPerson | None:
        found = self.registered.get(id_number)
        if found is None and self.population is not None:
            found = self.population.find(id_number)
        return found

    def __setitem__(self, id_number: str, person: SyntheticPerson) -> None:
        self.registered[id_number] = person


Answer = Callable[[SyntheticPerson], dict[str, Any]]


def add_query_routes(
    r: APIRouter, people: People, *, resource: str, summary: str, description: str, answer: Answer
) -> None:
    """The single query ``POST /api/v1/{resource}/query`` and the batch ``POST /api/v1/{resource}/batch``,
    both answering from ``answer(person)``."""

    async def query(q: Query) -> Any:
        p = people.get(q.id_number)
        if p is None:
            return _not_found(q)
        return {"request_id": q.request_id, **answer(p)}

    async def batch(q: BatchQuery) -> Any:
        if len({item.query_id for item in q.queries}) != len(q.queries):
            return JSONResponse(
                {"code": "DUPLICATE_QUERY_ID", "message": "query_id 重复 every query_id must be unique"}, 422
            )
        results: list[dict[str, Any]] = []
        for item in q.queries:
            p = people.get(item.id_number)
            if p is None:
                results.append({"query_id": item.query_id, "found": False, "code": "PERSON_NOT_FOUND"})
            else:
                results.append({"query_id": item.query_id, "found": True, **answer(p)})
        return {"request_id": q.request_id, "results": results}

    query.__doc__ = description
    batch.__doc__ = (
        f"{description}\n\nBatch data exchange 批量数据交换: up to {MAX_BATCH} people in one request, one "
        "result per query in the order asked (`found: false` with `code` PERSON_NOT_FOUND for an unknown "
        "person). Faults (latency, 5xx, 429, down) apply to the whole request."
    )
    r.add_api_route(
        f"/api/v1/{resource}/query",
        query,
        methods=["POST"],
        summary=summary,
        responses={404: {"model": NotFound}},
        name=f"{resource}_query",
    )
    r.add_api_route(
        f"/api/v1/{resource}/batch",
        batch,
        methods=["POST"],
        summary=f"{summary} — batch 批量",
        response_model=None,
        responses={200: {"model": BatchAnswer}},
        name=f"{resource}_batch",
    )


def _yyyymm(month: str) -> str:
    return month.replace("-", "")


def _first_day(month: str) -> str:
    return f"{month}-01"


def _last_day(month: str) -> str:
    y, m = (int(x) for x in month.split("-"))
    return f"{month}-{calendar.monthrange(y, m)[1]:02d}"


# ---- 社保 ------------------------------------------------------------------------------------


def contributions_answer(p: SyntheticPerson) -> dict[str, Any]:
    return {
        "data_as_of": _yyyymm(p.data_as_of),
        "person": {"name": p.name},
        "records": [
            {
                "insurance_type": INSURANCE_CODES[rec["insurance"]],
                "start_month": _yyyymm(rec["from"]),
                "end_month": _yyyymm(rec["to"]),
                "payment_kind": "back_paid" if rec["back_paid"] else "normal",
                "unit_district_code": DISTRICT_CODES.get(rec["district"], rec["district"]),
                # The paying unit, where the record names it (graduates' records do).
                **({"unit_credit_code": rec["unit"]} if rec.get("unit") else {}),
            }
            for rec in p.social_insurance
        ],
    }


def social_insurance_router(people: People) -> APIRouter:
    r = APIRouter(tags=["社保 contributions"])
    add_query_routes(
        r,
        people,
        resource="contributions",
        summary="Contribution records of a person 个人参保缴费记录查询",
        description="Every social-insurance contribution period of the person, per insurance type, with the "
        "payment kind (normal or back-paid 补缴) and the district of the paying unit's account.",
        answer=contributions_answer,
    )
    return r


# ---- 税务 ------------------------------------------------------------------------------------


def taxpayer_answer(p: SyntheticPerson) -> dict[str, Any]:
    return {
        "taxpayer": {"name": p.name},
        "annual_iit": [
            {"tax_year": t["year"], "tax_paid": t["amount"], "tax_region": "110000"} for t in p.income_tax
        ],
        "penalties": [
            {
                "decision_no": f"京税罚〔{t['date'][:4]}〕{i + 1}号",
                "decision_date": t["date"],
                "fine_amount": t["fine"],
            }
            for i, t in enumerate(p.tax_penalties)
        ],
    }


def tax_router(people: People) -> APIRouter:
    r = APIRouter(tags=["税务 taxpayers"])
    add_query_routes(
        r,
        people,
        resource="taxpayers",
        summary="Income tax and penalties of a taxpayer 纳税及处罚记录查询",
        description="Yearly individual income tax paid in Beijing, and tax administrative penalty decisions.",
        answer=taxpayer_answer,
    )
    return r


# ---- 公安 ------------------------------------------------------------------------------------


def resident_answer(p: SyntheticPerson) -> dict[str, Any]:
    return {
        "identity": {
            "name": p.name,
            "gender_code": "1" if p.sex == "male" else "2",
            "birth_date": p.birth_date.strftime("%Y%m%d"),
        },
        "residence_permit": (
            {"permit_no": f"京居{p.id_number[-6:]}", "issued_on": p.residence_permit_issued_on}
            if p.residence_permit_issued_on
            else None
        ),
        "criminal_record": {"has_record": p.criminal_record},
        "administrative_detentions": [
            {
                "decision_no": f"京公拘〔{d['date'][:4]}〕{i + 1}号",
                "decision_date": d["date"],
                "days": 5,
                "authority": "北京市公安局",
            }
            for i, d in enumerate(p.detentions)
        ],
    }


def police_router(people: People) -> APIRouter:
    r = APIRouter(tags=["公安 residents"])
    add_query_routes(
        r,
        people,
        resource="residents",
        summary="Identity, residence permit and records 人口信息查询",
        description="Identity from the population register, the Beijing residence permit, whether there is "
        "a criminal record, and administrative detentions decided by Beijing police.",
        answer=resident_answer,
    )
    return r


# ---- 住建 ------------------------------------------------------------------------------------


def _use(residential: bool) -> str:
    return "住宅" if residential else "商业"


def housing_answer(p: SyntheticPerson) -> dict[str, Any]:
    as_of = p.data_as_of
    return {
        "data_as_of": as_of,
        "properties": [
            {
                "certificate_no": h["certificate_no"] if h["certified"] else None,
                "holder_relation": h["holder"],
                "district_code": h["district"],
                "planned_use": _use(h["residential"]),
                "registered_on": _first_day(h["from"]),
                "deregistered_on": None if h["to"] >= as_of else _last_day(h["to"]),
            }
            for h in p.properties
        ],
        "leases": [
            {
                "filing_no": f"京租备{i + 1:06d}" if lease["registered"] else None,
                "district_code": lease["district"],
                "start_date": _first_day(lease["from"]),
                "end_date": _last_day(lease["to"]),
                "platform_filed": lease["registered"],
                "planned_use": _use(lease["residential"]),
                "has_certificate": lease["certified"],
            }
            for i, lease in enumerate(p.leases)
        ],
        "dormitories": [
            {
                "unit_name": d["unit_name"],
                "district_code": d["district"],
                "start_date": _first_day(d["from"]),
                "end_date": _last_day(d["to"]) if d["to"] < as_of else None,
                "planned_use": _use(d["residential"]),
                "has_certificate": d["certified"],
            }
            for d in p.dormitories
        ],
    }


def housing_router(people: People) -> APIRouter:
    r = APIRouter(tags=["住建 housing"])
    add_query_routes(
        r,
        people,
        resource="housing",
        summary="Properties, leases and dormitories 住房信息查询",
        description="Properties the person or their spouse holds, leases of rented homes (filed on the city "
        "rental platform or not) and unit dormitories, with district, planned use and certificate.",
        answer=housing_answer,
    )
    return r


class ContributionIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    insurance: Literal["pension", "unemployment", "medical", "injury", "maternity"]
    from_: str = Field(alias="from", pattern=r"^[0-9]{4}-[0-9]{2}$")
    to: str = Field(pattern=r"^[0-9]{4}-[0-9]{2}$")
    back_paid: bool = False
    district: str = Field(default="110105", max_length=10)
    unit: str | None = Field(default=None, max_length=18, description="The paying unit's credit code")


class PersonIn(BaseModel):
    """A person to answer from now on (test control), e.g. a graduate insured by the employer."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    "id_number": synthetic_resident_id(date(1999, 3, 1), 11, "130102"),
                    "name": "李明",
                    "social_insurance": [
                        {
                            "insurance": "pension",
                            "from": "2025-08",
                            "to": "2026-03",
                            "unit": "91110108MA01ABCD2X",
                        }
                    ],
                }
            ]
        },
    )
    id_number: str = Field(min_length=18, max_length=18)
    name: str = Field(min_length=1, max_length=100)
    social_insurance: list[ContributionIn] = Field(max_length=500)


def contributions_admin_router(people: People, year: int) -> APIRouter:
    r = APIRouter(tags=[ADMIN_TAG])

    @r.put("/_admin/people", summary="Register a person's contributions 登记测试参保记录")
    async def put_person(body: PersonIn) -> Any:
        """Answer these contribution records for this ID number from now on (replacing any person with
        it): for the graduate programme's settlement check, whose graduates the synthetic population
        does not hold."""
        try:
            rid = parse_resident_id(body.id_number)
        except InvalidIdentifier as e:
            return JSONResponse({"code": "INVALID_ID_NUMBER", "message": str(e)}, 422)
        people[rid.number] = SyntheticPerson(
            index=-1,
            id_number=rid.number,
            name=body.name,
            birth_date=rid.birth_date,
            sex=rid.sex,
            application_year=year,
            employer_name="",
            social_insurance=tuple(
                {
                    "insurance": c.insurance,
                    "from": c.from_,
                    "to": c.to,
                    "back_paid": c.back_paid,
                    "district": c.district,
                    "unit": c.unit,
                }
                for c in body.social_insurance
            ),
        )
        return {"registered": True}

    return r


ROUTERS = {
    "social_insurance": social_insurance_router,
    "tax": tax_router,
    "police": police_router,
    "housing": housing_router,
}
TITLES = {
    "social_insurance": "Mock 社保 social insurance registry 社会保险登记系统（模拟）",
    "tax": "Mock 税务 tax registry 税务征管系统（模拟）",
    "police": "Mock 公安 police registry 人口信息系统（模拟）",
    "housing": "Mock 住建 housing registry 住房城乡建设信息系统（模拟）",
    "education": "Mock 学信 education registry 高等教育学历学位信息系统（模拟）",
    "company": "Mock 市场监管 company registry 企业信用信息公示系统（模拟）",
}


def create_registry_app(
    department: str,
    people: Sequence[SyntheticPerson],
    faults: Faults | None = None,
    *,
    fault_seed: int = 0,
    graduate_data: GraduateRegistryData | None = None,
) -> FastAPI:
    """One department's registry over ``people`` (looked up by ID number in a dict); the ``education``
    and ``company`` registries answer from ``graduate_data`` (derived records; by default for the
    graduation year of the population's application year) and ignore ``people``."""
    if department not in REGISTRY_KINDS:
        raise ValueError(f"unknown department {department!r}; one of {', '.join(REGISTRY_KINDS)}")
    app = FastAPI(
        title=TITLES[department],
        version="1.0.0",
        description=(
            f"{TITLES[department]}. Synthetic data (a seeded generator), for development and tests of the "
            "review service's adapters. Faults (latency, 5xx, 429, down) are set with `PUT /_admin/faults`."
        ),
    )
    install_offline_docs(app)  # /docs and /redoc work on an isolated network
    state = FaultState(faults or Faults(), seed=fault_seed)
    install_faults(app, state)
    if department in GRADUATE_REGISTRIES:
        if graduate_data is None:
            year = people[0].application_year if people else DEFAULT_APPLICATION_YEAR
            graduate_data = GraduateRegistryData(year=year, seed=DEFAULT_SEED)
        make = education_router if department == "education" else company_router
        app.include_router(make(graduate_data))
        app.include_router(admin_router(department, graduate_data))
        app.state.graduate_data = graduate_data
    else:
        index = People(people)
        app.include_router(ROUTERS[department](index))
        if department == "social_insurance":
            year = people[0].application_year if people else DEFAULT_APPLICATION_YEAR
            app.include_router(contributions_admin_router(index, year))
    app.state.department = department
    app.state.population_size = len(people)

    @app.get("/healthz", summary="Liveness 存活检查", tags=["operations 运维"])
    async def healthz() -> dict[str, Any]:
        """The registry is up (faults do not apply here)."""
        return {"status": "ok", "department": department, "population": len(people)}

    @app.get("/_admin/faults", summary="Current faults 当前故障配置", tags=[ADMIN_TAG])
    async def get_faults() -> dict[str, Any]:
        """The faults in force, and how many calls were answered and faulted so far."""
        return {"faults": state.faults.model_dump(), "calls": state.calls, "injected": state.injected}

    @app.put("/_admin/faults", summary="Set faults 设置故障", tags=[ADMIN_TAG])
    async def put_faults(faults: Faults) -> dict[str, Any]:
        """Replace the faults in force (all fields; omitted ones reset to no fault)."""
        state.faults = faults
        return {"faults": state.faults.model_dump(), "calls": state.calls, "injected": state.injected}

    return app
