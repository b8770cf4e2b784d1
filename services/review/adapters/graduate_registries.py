"""Clients of the registries the graduate programme asks: the 学信 education registry (by ID number), the
市场监管 company registry (by credit code) and, for the settlement check, the 社保 social-insurance registry
(by ID number, with the paying unit of each record).

One interface (:class:`GraduateRegistry`, ``lookup(key)``), one HTTP implementation
(:class:`HttpRegistryAdapter`) with exactly the protections of the department adapters, from the same
loop (:class:`~.http_lookup.ResilientLookup`): connect and read timeouts; retries of 5xx, 429 (honouring
``Retry-After``), timeouts and connection errors with jittered exponential backoff inside an overall
deadline; a circuit breaker and a concurrency limit per registry; and :class:`~.http_lookup.Evidence` of
every check (keyed request and response digests, request id, times, attempts, HTTP status, adapter
version). A 404 is an answer ("no record"), not an error. Each answer is validated against the registry's own format and
normalised (:func:`normalise_registry_answer`); an answer outside it is ``invalid_response``.
"""

from __future__ import annotations

import asyncio
import random
import uuid
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date
from typing import Any, Literal, Protocol

import httpx
import orjson
from pydantic import BaseModel, ConfigDict, Field

from services.review.adapters.departments import INSURANCE_BY_CODE, YYYYMM
from services.review.adapters.http_lookup import (
    AdapterSet,
    Evidence,
    LookupSettings,
    Outcome,
    ResilientLookup,
    RetryPolicy,
    build_adapters,
    make_digest,
)
from services.review.adapters.resilience import CircuitBreaker
from services.review.domain.graduates import COMPANY_REGISTRY, EDUCATION_REGISTRY, SOCIAL_INSURANCE, Registry
from shared.clock import Clock

ADAPTER_VERSION = "review-graduate-adapters/1.0.0"
YYYYMMDD = r"^(19|20|21)[0-9]{2}(0[1-9]|1[0-2])(0[1-9]|[12][0-9]|3[01])$"
ISO_DATE = r"^[0-9]{4}-[0-9]{2}-[0-9]{2}$"

LEVELS = {"博士研究生": "doctor", "硕士研究生": "master", "本科": "bachelor", "专科": "junior_college"}
TRAINING_MODES = {"非定向": "non_directed", "定向": "directed", "委托培养": "commissioned"}
ENROLMENT_PLANS = {"统招": "national_plan", "非统招": "other"}
COMPANY_STATUSES = {"存续": "operating", "在业": "operating", "吊销": "revoked", "注销": "deregistered"}


def _ymd(value: str) -> str:
    return date(int(value[:4]), int(value[4:6]), int(value[6:8])).isoformat()


class _Answer(BaseModel):
    model_config = ConfigDict(extra="ignore", frozen=True)  # tolerant reader


# ---- 学信 education ---------------------------------------------------------------------------


class EducationRecord(_Answer):
    school_name: str = Field(max_length=200)
    school_code: str | None = Field(default=None, max_length=10)
    major_name: str = Field(max_length=200)
    level: Literal["博士研究生", "硕士研究生", "本科", "专科"] = Field(description="学历层次")
    study_form: str | None = Field(default=None, max_length=20, description="学习形式, e.g. 普通全日制")
    enrolment_plan: Literal["统招", "非统招"] = Field(description="招生计划")
    training_mode: Literal["非定向", "定向", "委托培养"] = Field(description="培养方式")
    entered_on: str = Field(pattern=YYYYMMDD)
    graduated_on: str = Field(pattern=YYYYMMDD, description="Actual or expected graduation")
    graduation_status: Literal["毕业", "在读", "结业", "肄业"] = Field(
        description="毕业 graduated, 在读 studying"
    )
    diploma_no: str | None = Field(default=None, max_length=64)
    degree_no: str | None = Field(default=None, max_length=64)


class EducationAnswer(_Answer):
    """The education registry's answer: every higher-education record of the person."""

    education_records: list[EducationRecord] = Field(max_length=20)

    def normalise(self) -> dict[str, Any]:
        records = [
            {
                "university": r.school_name.strip(),
                "school_code": r.school_code,
                "major": r.major_name.strip(),
                "education": LEVELS[r.level],
                "study_form": r.study_form,
                "enrolment": ENROLMENT_PLANS[r.enrolment_plan],
                "training_mode": TRAINING_MODES[r.training_mode],
                "entered_on": _ymd(r.entered_on),
                "graduated_on": _ymd(r.graduated_on),
                "graduated": r.graduation_status == "毕业",
                "studying": r.graduation_status == "在读",
                "diploma_number": r.diploma_no,
                "degree_number": r.degree_no,
            }
            for r in self.education_records
        ]
        records.sort(key=lambda r: str(r["graduated_on"]), reverse=True)  # newest first
        return {"found": bool(records), "records": records}


# ---- 市场监管 company ----------------------------------------------------------------------------


class AbnormalListing(_Answer):
    listed_on: str = Field(pattern=ISO_DATE)
    reason: str | None = Field(default=None, max_length=500)
    removed_on: str | None = Field(default=None, pattern=ISO_DATE)


class Violation(_Answer):
    listed_on: str = Field(pattern=ISO_DATE)
    reason: str | None = Field(default=None, max_length=500)


class Enterprise(_Answer):
    credit_code: str = Field(min_length=18, max_length=18)
    name: str = Field(max_length=200)
    established_on: str = Field(pattern=ISO_DATE)
    registration_district_code: str = Field(max_length=10)
    status: str = Field(max_length=20, description="存续 (在业), 吊销, 注销")
    abnormal_operations: list[AbnormalListing] = Field(default_factory=list, max_length=200)
    serious_violations: list[Violation] = Field(default_factory=list, max_length=200)


class CompanyAnswer(_Answer):
    """The company registry's answer: the enterprise's registration and credit."""

    enterprise: Enterprise

    def normalise(self) -> dict[str, Any]:
        e = self.enterprise
        date.fromisoformat(e.established_on)
        return {
            "found": True,
            "credit_code": e.credit_code,
            "name": e.name,
            "registered_on": e.established_on,
            "district": e.registration_district_code,
            "status": COMPANY_STATUSES.get(e.status, "other"),
            "abnormal_operations": [
                {"listed_on": a.listed_on, "reason": a.reason, "removed_on": a.removed_on}
                for a in e.abnormal_operations
            ],
            "violations": [{"listed_on": v.listed_on, "reason": v.reason} for v in e.serious_violations],
        }


# ---- 社保 social insurance, with the paying unit ------------------------------------------------


class UnitContribution(_Answer):
    insurance_type: Literal["110", "210", "310", "410", "510"]
    start_month: str = Field(pattern=YYYYMM)
    end_month: str = Field(pattern=YYYYMM)
    payment_kind: Literal["normal", "back_paid"]
    unit_credit_code: str | None = Field(default=None, max_length=18, description="The paying unit")


class ContributionsAnswer(_Answer):
    """The social-insurance registry's answer, read for the settlement check (who paid which months)."""

    records: list[UnitContribution] = Field(max_length=5000)

    def normalise(self) -> dict[str, Any]:
        out = []
        for r in self.records:
            if r.start_month > r.end_month:
                raise ValueError("a contribution period ends before it starts")
            out.append(
                {
                    "insurance": INSURANCE_BY_CODE[r.insurance_type],
                    "from": f"{r.start_month[:4]}-{r.start_month[4:]}",
                    "to": f"{r.end_month[:4]}-{r.end_month[4:]}",
                    "back_paid": r.payment_kind == "back_paid",
                    "unit": r.unit_credit_code,
                }
            )
        return {"found": True, "records": out}


@dataclass(frozen=True)
class RegistrySpec:
    path: str
    key_field: str
    answer: type[EducationAnswer | CompanyAnswer | ContributionsAnswer]
    not_found: dict[str, Any]


SPECS: dict[Registry, RegistrySpec] = {
    EDUCATION_REGISTRY: RegistrySpec(
        "/api/v1/education/query", "id_number", EducationAnswer, {"found": False, "records": []}
    ),
    COMPANY_REGISTRY: RegistrySpec(
        "/api/v1/enterprises/query", "credit_code", CompanyAnswer, {"found": False}
    ),
    SOCIAL_INSURANCE: RegistrySpec(
        "/api/v1/contributions/query", "id_number", ContributionsAnswer, {"found": False, "records": []}
    ),
}


def normalise_registry_answer(registry: Registry, payload: Mapping[str, Any]) -> dict[str, Any]:
    """Validate a registry's answer and normalise it (``ValidationError`` / ``ValueError`` otherwise)."""
    return SPECS[registry].answer.model_validate(payload).normalise()


# ---- the interface and its HTTP implementation ----------------------------------------------


@dataclass(frozen=True)
class RegistryResult:
    registry: Registry
    outcome: Literal["answered", "not_found"]
    data: dict[str, Any]
    evidence: Evidence


class GraduateRegistry(Protocol):
    """One registry of the graduate programme, as the checks see it."""

    registry: Registry
    version: str

    async def lookup(self, key: str) -> RegistryResult:
        """What the registry holds under ``key`` (an ID number or a credit code); raises
        :class:`~.departments.DepartmentUnavailable` when it gives no usable answer this time."""
        ...


@dataclass
class HttpRegistryAdapter(ResilientLookup):
    """A registry over HTTP, with retries, a circuit breaker and a concurrency limit."""

    registry: Registry
    client: httpx.AsyncClient
    clock: Clock
    policy: RetryPolicy = field(default_factory=RetryPolicy)
    breaker: CircuitBreaker | None = None
    concurrency: int = 8
    digest_key: bytes | None = None
    rng: random.Random = field(default_factory=random.Random)
    sleep: Any = asyncio.sleep
    version: str = ADAPTER_VERSION

    def __post_init__(self) -> None:
        self.spec = SPECS[self.registry]
        self.breaker = self.breaker or CircuitBreaker(self.registry)
        self.semaphore = asyncio.Semaphore(self.concurrency)
        self._digest = make_digest(self.digest_key)
        self.calls = 0

    async def lookup(self, key: str) -> RegistryResult:
        request_id = uuid.uuid4().hex
        body = orjson.dumps({self.spec.key_field: key, "request_id": request_id})

        def parse(status: int, payload: Any) -> tuple[Outcome, dict[str, Any]]:
            data = (
                normalise_registry_answer(self.registry, payload)
                if status == 200
                else dict(self.spec.not_found)
            )
            return ("answered" if data.get("found") else "not_found"), data

        outcome, data, evidence = await self._lookup(self.registry, self.spec.path, body, request_id, parse)
        return RegistryResult(self.registry, outcome, data, evidence)


#: The education, company and social-insurance adapters of the graduate checks and their HTTP clients.
GraduateRegistrySet = AdapterSet[Registry, GraduateRegistry]


def build_graduate_registries(
    urls: Mapping[Registry, str],
    clock: Clock,
    conn: LookupSettings,
    transports: Mapping[str, httpx.AsyncBaseTransport] | None = None,
) -> GraduateRegistrySet:
    def make(registry: Registry, client: httpx.AsyncClient, breaker: CircuitBreaker) -> GraduateRegistry:
        return HttpRegistryAdapter(
            registry=registry,
            client=client,
            clock=clock,
            policy=conn.policy,
            breaker=breaker,
            concurrency=conn.concurrency,
            digest_key=conn.digest_key,
        )

    return build_adapters(urls, conn, make, transports)
