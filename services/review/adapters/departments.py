"""Clients of the four department registries (社保, 税务, 公安, 住建), one interface.

Each adapter posts ``{"id_number", "request_id"}`` to its department's query endpoint with httpx and
translates the department's own answer format into the review service's normalised data (facts-shaped
sections, see :func:`SocialInsuranceAnswer.normalise` and the others). Every call goes through
:class:`~.http_lookup.ResilientLookup` (shared with the graduate adapters): timeouts, jittered retries of
transient errors within a deadline honouring ``Retry-After``, a circuit breaker and a concurrency limit
per department, and keyed evidence of every check.

A department that does not know the person answers 404, which is an answer ("no records"), not an error.
"""

from __future__ import annotations

import asyncio
import random
import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import date
from typing import Any, Literal, Protocol

import httpx
import orjson
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from services.review.adapters.http_lookup import (
    AdapterSet,
    LookupSettings,
    Outcome,
    ResilientLookup,
    build_adapters,
    make_digest,
)
from services.review.adapters.http_lookup import DepartmentUnavailable as DepartmentUnavailable
from services.review.adapters.http_lookup import Evidence as Evidence
from services.review.adapters.http_lookup import RetryPolicy as RetryPolicy
from services.review.adapters.resilience import CircuitBreaker
from services.review.domain.model import DEPARTMENTS, Department
from shared.clock import Clock
from shared.events.registry import describe_validation_error
from shared.policy import FACT_DISTRICTS

ADAPTER_VERSION = "review-adapters/1.0.0"

#: The places a points record may name (shared.policy: the 16 districts, BDA and the city office).
DISTRICTS = frozenset(FACT_DISTRICTS)
#: Department account codes that are not district codes: the city-level office and the BDA branch.
SPECIAL_DISTRICTS = {"110000": "city", "110400": "BDA"}
INSURANCE_BY_CODE = {
    "110": "pension",
    "210": "unemployment",
    "310": "medical",
    "410": "injury",
    "510": "maternity",
}

YYYYMM = r"^(19|20|21)[0-9]{2}(0[1-9]|1[0-2])$"
ISO_DATE = r"^[0-9]{4}-[0-9]{2}-[0-9]{2}$"
MONEY = r"^[0-9]{1,12}(\.[0-9]{1,2})?$"


def _district(code: str) -> str:
    d = SPECIAL_DISTRICTS.get(code, code)
    if d not in DISTRICTS:
        raise ValueError(f"unknown district code {code!r}")
    return d


def _month(yyyymm: str) -> str:
    return f"{yyyymm[:4]}-{yyyymm[4:6]}"


def _month_of(iso_date: str) -> str:
    date.fromisoformat(iso_date)
    return iso_date[:7]


class _Answer(BaseModel):
    # Tolerant reader: departments add fields; we read the ones we need.
    model_config = ConfigDict(extra="ignore", frozen=True)


# ---- 社保 ------------------------------------------------------------------------------------


class ContributionRecord(_Answer):
    insurance_type: Literal["110", "210", "310", "410", "510"] = Field(
        description="110 pension 养老, 210 unemployment 失业, 310 medical 医疗, 410 injury 工伤, 510 maternity 生育"
    )
    start_month: str = Field(pattern=YYYYMM, examples=["201501"])
    end_month: str = Field(pattern=YYYYMM, examples=["201812"])
    payment_kind: Literal["normal", "back_paid"] = Field(description="back_paid: 补缴")
    unit_district_code: str = Field(
        max_length=10, description="District of the paying unit's account; 110000 city level, 110400 BDA"
    )


class SocialInsuranceAnswer(_Answer):
    """The 社保 registry's answer: contribution periods per insurance type."""

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "records": [
                        {
                            "insurance_type": "110",
                            "start_month": "201501",
                            "end_month": "202312",
                            "payment_kind": "normal",
                            "unit_district_code": "110105",
                        }
                    ]
                }
            ]
        }
    )
    records: list[ContributionRecord] = Field(max_length=5000)

    def normalise(self) -> dict[str, Any]:
        out = []
        for r in self.records:
            if r.start_month > r.end_month:
                raise ValueError("a contribution period ends before it starts")
            out.append(
                {
                    "insurance": INSURANCE_BY_CODE[r.insurance_type],
                    "from": _month(r.start_month),
                    "to": _month(r.end_month),
                    "back_paid": r.payment_kind == "back_paid",
                    "district": _district(r.unit_district_code),
                }
            )
        return {"found": True, "social_insurance": out}


# ---- 税务 ------------------------------------------------------------------------------------


class AnnualTax(_Answer):
    tax_year: int = Field(ge=1990, le=2100, strict=True)
    tax_paid: str = Field(pattern=MONEY, examples=["123456.78"])
    tax_region: str = Field(default="110000", description="Region of the tax authority; Beijing is 11xxxx")


class TaxPenaltyRecord(_Answer):
    decision_no: str | None = Field(default=None, max_length=100)
    decision_date: str = Field(pattern=ISO_DATE)
    fine_amount: str = Field(pattern=MONEY)


class TaxAnswer(_Answer):
    """The 税务 registry's answer: yearly income tax paid in Beijing, penalty decisions."""

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "annual_iit": [{"tax_year": 2023, "tax_paid": "120000.00", "tax_region": "110000"}],
                    "penalties": [],
                }
            ]
        }
    )
    annual_iit: list[AnnualTax] = Field(default_factory=list, max_length=100)
    penalties: list[TaxPenaltyRecord] = Field(default_factory=list, max_length=500)

    def normalise(self) -> dict[str, Any]:
        for p in self.penalties:
            date.fromisoformat(p.decision_date)
        return {
            "found": True,
            "income_tax": [
                {"year": t.tax_year, "amount": t.tax_paid}
                for t in self.annual_iit
                if t.tax_region.startswith("11")
            ],
            "tax_penalties": [{"date": p.decision_date, "fine": p.fine_amount} for p in self.penalties],
        }


# ---- 公安 ------------------------------------------------------------------------------------


class PoliceIdentity(_Answer):
    name: str = Field(max_length=100)
    gender_code: Literal["1", "2"] = Field(description="GB/T 2261.1: 1 male, 2 female")
    birth_date: str = Field(pattern=r"^[0-9]{8}$", examples=["19850312"])


class ResidencePermit(_Answer):
    permit_no: str | None = Field(default=None, max_length=50)
    issued_on: str = Field(pattern=ISO_DATE)


class CriminalRecord(_Answer):
    has_record: bool = Field(strict=True)


class Detention(_Answer):
    decision_no: str | None = Field(default=None, max_length=100)
    decision_date: str = Field(pattern=ISO_DATE)
    days: int | None = Field(default=None, ge=0)
    authority: str | None = Field(default=None, max_length=100)


class PoliceAnswer(_Answer):
    """The 公安 registry's answer: identity, residence permit, criminal record, detentions."""

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "identity": {"name": "张伟", "gender_code": "1", "birth_date": "19850312"},
                    "residence_permit": {"issued_on": "2016-04-01"},
                    "criminal_record": {"has_record": False},
                    "administrative_detentions": [],
                }
            ]
        }
    )
    identity: PoliceIdentity | None = None
    residence_permit: ResidencePermit | None = None
    criminal_record: CriminalRecord = Field(default_factory=lambda: CriminalRecord(has_record=False))
    administrative_detentions: list[Detention] = Field(default_factory=list, max_length=500)

    def normalise(self) -> dict[str, Any]:
        identity = None
        if self.identity is not None:
            b = self.identity.birth_date
            identity = {
                "name": self.identity.name,
                "sex": "male" if self.identity.gender_code == "1" else "female",
                "birth_date": date(int(b[:4]), int(b[4:6]), int(b[6:])).isoformat(),
            }
        permit = self.residence_permit.issued_on if self.residence_permit else None
        if permit:
            date.fromisoformat(permit)
        for d in self.administrative_detentions:
            date.fromisoformat(d.decision_date)
        return {
            "found": True,
            "identity": identity,
            "residence_permit_issued_on": permit,
            "criminal_record": self.criminal_record.has_record,
            "detentions": [{"date": d.decision_date} for d in self.administrative_detentions],
        }


# ---- 住建 ------------------------------------------------------------------------------------


class PropertyRecord(_Answer):
    certificate_no: str | None = Field(
        default=None, max_length=100, description="null: no property certificate"
    )
    holder_relation: Literal["owner", "spouse"]
    district_code: str = Field(max_length=10)
    planned_use: str = Field(max_length=20, description="住宅 residential, 商业, 办公 …")
    registered_on: str = Field(pattern=ISO_DATE)
    deregistered_on: str | None = Field(default=None, pattern=ISO_DATE)


class LeaseRecord(_Answer):
    filing_no: str | None = Field(default=None, max_length=100)
    district_code: str = Field(max_length=10)
    start_date: str = Field(pattern=ISO_DATE)
    end_date: str = Field(pattern=ISO_DATE)
    platform_filed: bool = Field(strict=True, description="Filed on the city rental supervision platform")
    planned_use: str = Field(max_length=20)
    has_certificate: bool = Field(strict=True)


class DormitoryRecord(_Answer):
    unit_name: str | None = Field(default=None, max_length=200)
    district_code: str = Field(max_length=10)
    start_date: str = Field(pattern=ISO_DATE)
    end_date: str | None = Field(default=None, pattern=ISO_DATE)
    planned_use: str = Field(max_length=20)
    has_certificate: bool = Field(strict=True)


class HousingAnswer(_Answer):
    """The 住建 registry's answer: properties, filed leases, unit dormitories."""

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "data_as_of": "2023-12",
                    "properties": [
                        {
                            "certificate_no": "京(2019)不动产权第0001234号",
                            "holder_relation": "owner",
                            "district_code": "110112",
                            "planned_use": "住宅",
                            "registered_on": "2019-03-15",
                            "deregistered_on": None,
                        }
                    ],
                    "leases": [],
                    "dormitories": [],
                }
            ]
        }
    )
    data_as_of: str = Field(
        pattern=r"^(19|20|21)[0-9]{2}-(0[1-9]|1[0-2])$", description="Open periods end here"
    )
    properties: list[PropertyRecord] = Field(default_factory=list, max_length=200)
    leases: list[LeaseRecord] = Field(default_factory=list, max_length=500)
    dormitories: list[DormitoryRecord] = Field(default_factory=list, max_length=200)

    def normalise(self) -> dict[str, Any]:
        as_of = self.data_as_of
        housing: list[dict[str, Any]] = []
        spouse: list[dict[str, Any]] = []

        def period(start: str, end: str | None) -> tuple[str, str] | None:
            first, last = _month_of(start), _month_of(end) if end else as_of
            last = min(last, as_of)
            return (first, last) if first <= last else None

        for p in self.properties:
            span = period(p.registered_on, p.deregistered_on)
            if span is None:
                continue
            rec = {
                "kind": "owned" if p.holder_relation == "owner" else "spouse_owned",
                "from": span[0],
                "to": span[1],
                "district": _district(p.district_code),
                "residential": p.planned_use == "住宅",
                "certified": p.certificate_no is not None,
            }
            (housing if p.holder_relation == "owner" else spouse).append(rec)
        for d in self.dormitories:
            span = period(d.start_date, d.end_date)
            if span is not None:
                housing.append(
                    {
                        "kind": "unit_dormitory",
                        "from": span[0],
                        "to": span[1],
                        "district": _district(d.district_code),
                        "residential": d.planned_use == "住宅",
                        "certified": d.has_certificate,
                    }
                )
        for lease in self.leases:
            span = period(lease.start_date, lease.end_date)
            if span is not None:
                housing.append(
                    {
                        "kind": "rented",
                        "from": span[0],
                        "to": span[1],
                        "district": _district(lease.district_code),
                        "residential": lease.planned_use == "住宅",
                        "certified": lease.has_certificate,
                        "lease_registered": lease.platform_filed,
                    }
                )
        return {"found": True, "housing": housing, "spouse_owned": spouse}


ANSWER_MODELS: dict[str, type[SocialInsuranceAnswer | TaxAnswer | PoliceAnswer | HousingAnswer]] = {
    "social_insurance": SocialInsuranceAnswer,
    "tax": TaxAnswer,
    "police": PoliceAnswer,
    "housing": HousingAnswer,
}
QUERY_PATHS: dict[str, str] = {
    "social_insurance": "/api/v1/contributions/query",
    "tax": "/api/v1/taxpayers/query",
    "police": "/api/v1/residents/query",
    "housing": "/api/v1/housing/query",
}
#: The batch look-up (批量数据交换) of each department: up to :data:`MAX_BATCH` people per request.
BATCH_PATHS: dict[str, str] = {d: path.removesuffix("/query") + "/batch" for d, path in QUERY_PATHS.items()}
MAX_BATCH = 500


class BatchResultItem(_Answer):
    query_id: str = Field(max_length=100)
    found: bool = Field(strict=True)


class BatchEnvelope(_Answer):
    """A batch answer: one result per query, in the order asked (a found one carries the fields of the
    single answer)."""

    results: list[BatchResultItem] = Field(max_length=MAX_BATCH)


def not_found_data(department: str) -> dict[str, Any]:
    """What a department that does not know the person tells us: no records at all."""
    empty: dict[str, dict[str, Any]] = {
        "social_insurance": {"found": False, "social_insurance": []},
        "tax": {"found": False, "income_tax": [], "tax_penalties": []},
        "police": {
            "found": False,
            "identity": None,
            "residence_permit_issued_on": None,
            "criminal_record": False,
            "detentions": [],
        },
        "housing": {"found": False, "housing": [], "spouse_owned": []},
    }
    return empty[department]


def normalise_answer(department: str, payload: Mapping[str, Any]) -> dict[str, Any]:
    """Validate a department's answer (a registry response or a pushed answer) and normalise it.

    Raises ``ValidationError`` or ``ValueError`` for an answer that breaks the department's contract.
    """
    return ANSWER_MODELS[department].model_validate(payload).normalise()


# ---- the interface and its HTTP implementation ----------------------------------------------


@dataclass(frozen=True)
class CheckResult:
    department: Department
    outcome: Literal["answered", "not_found"]
    data: dict[str, Any]
    evidence: Evidence


class DepartmentAdapter(Protocol):
    """One department's registry, as the verification flow sees it."""

    department: Department
    version: str

    async def lookup(self, id_number: str) -> CheckResult:
        """The department's data about this person; raises :class:`DepartmentUnavailable`."""
        ...

    async def lookup_many(self, id_numbers: Sequence[str]) -> list[CheckResult | DepartmentUnavailable]:
        """The department's data about each of these people, in one batch request (at most
        :data:`MAX_BATCH`): one result per ID number, in order, each what :meth:`lookup` would have given
        (a record that breaks the format is that person's ``invalid_response``). Raises
        :class:`DepartmentUnavailable` when the batch as a whole gets no answer."""
        ...


@dataclass
class HttpDepartmentAdapter(ResilientLookup):
    """A department registry over HTTP, with retries, a circuit breaker and a concurrency limit."""

    department: Department
    client: httpx.AsyncClient
    clock: Clock
    policy: RetryPolicy = field(default_factory=RetryPolicy)
    breaker: CircuitBreaker | None = None
    concurrency: int = 8
    digest_key: bytes | None = None
    rng: random.Random = field(default_factory=random.Random)
    sleep: Any = asyncio.sleep
    version: str = ADAPTER_VERSION
    batch_concurrency: int = 2
    batch_timeout_s: float = 30.0

    def __post_init__(self) -> None:
        self.path = QUERY_PATHS[self.department]
        self.batch_path = BATCH_PATHS[self.department]
        self.batch_semaphore = asyncio.Semaphore(self.batch_concurrency)
        self.breaker = self.breaker or CircuitBreaker(self.department)
        self.semaphore = asyncio.Semaphore(self.concurrency)
        self._digest = make_digest(self.digest_key)
        self.calls = 0  # HTTP requests sent (for tests and metrics)

    async def lookup(self, id_number: str) -> CheckResult:
        request_id = uuid.uuid4().hex
        body = orjson.dumps({"id_number": id_number, "request_id": request_id})

        def parse(status: int, payload: Any) -> tuple[Outcome, dict[str, Any]]:
            if status == 200:
                return "answered", normalise_answer(self.department, payload)
            return "not_found", not_found_data(self.department)

        outcome, data, evidence = await self._lookup(self.department, self.path, body, request_id, parse)
        return CheckResult(self.department, outcome, data, evidence)

    async def lookup_many(self, id_numbers: Sequence[str]) -> list[CheckResult | DepartmentUnavailable]:
        if not 0 < len(id_numbers) <= MAX_BATCH:
            raise ValueError(f"a batch asks about 1 to {MAX_BATCH} people, not {len(id_numbers)}")
        batch_id = uuid.uuid4().hex
        queries = [{"query_id": str(i), "id_number": n} for i, n in enumerate(id_numbers)]
        body = orjson.dumps({"request_id": batch_id, "queries": queries})

        def parse(status: int, payload: Any) -> list[tuple[Any, Outcome, dict[str, Any] | str]]:
            if status != 200:
                raise ValueError(f"the batch look-up answered {status}")
            envelope = BatchEnvelope.model_validate(payload)
            if [r.query_id for r in envelope.results] != [q["query_id"] for q in queries]:
                raise ValueError("the batch results do not match the queries one for one")
            out: list[tuple[Any, Outcome, dict[str, Any] | str]] = []
            for item, raw in zip(envelope.results, payload["results"], strict=True):
                if not item.found:
                    out.append((raw, "not_found", not_found_data(self.department)))
                    continue
                try:
                    out.append((raw, "answered", normalise_answer(self.department, raw)))
                except ValidationError as e:  # the fields, never the values (personal data)
                    out.append((raw, "answered", f"invalid answer: {describe_validation_error(e)}"))
                except ValueError as e:
                    out.append((raw, "answered", f"invalid answer: {str(e)[:300]}"))
            return out

        items, batch = await self._exchange(
            self.department,
            self.batch_path,
            body,
            batch_id,
            parse,
            semaphore=self.batch_semaphore,
            read_timeout_s=self.batch_timeout_s,
        )
        results: list[CheckResult | DepartmentUnavailable] = []
        for query, (raw, outcome, data) in zip(queries, items, strict=True):
            # Each person's evidence: the batch's exchange, with the digests of their own query and result.
            evidence = replace(
                batch,
                request_id=f"{batch_id}:{query['query_id']}",
                request_digest=self._digest(orjson.dumps({"request_id": batch_id, **query})),
                response_digest=self._digest(orjson.dumps(raw)),
            )
            if isinstance(data, str):
                evidence = replace(evidence, error=data)
                results.append(DepartmentUnavailable(self.department, "invalid_response", evidence))
            else:
                results.append(CheckResult(self.department, outcome, data, evidence))
        return results


#: The four adapters of the points verification and their HTTP clients.
DepartmentSet = AdapterSet[str, DepartmentAdapter]


def _department(name: str) -> Department:
    for d in DEPARTMENTS:
        if d == name:
            return d
    raise ValueError(f"unknown department {name!r}")


def build_departments(
    urls: Mapping[str, str],
    clock: Clock,
    conn: LookupSettings,
    transports: Mapping[str, httpx.AsyncBaseTransport] | None = None,
) -> DepartmentSet:
    def make(dept: str, client: httpx.AsyncClient, breaker: CircuitBreaker) -> DepartmentAdapter:
        return HttpDepartmentAdapter(
            department=_department(dept),
            client=client,
            clock=clock,
            policy=conn.policy,
            breaker=breaker,
            concurrency=conn.concurrency,
            digest_key=conn.digest_key,
            batch_concurrency=conn.batch_concurrency,
            batch_timeout_s=conn.batch_timeout_s,
        )

    return build_adapters(urls, conn, make, transports)
