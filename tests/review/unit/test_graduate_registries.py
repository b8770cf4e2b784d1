"""The education and company mock registries (deterministic derived records, registered ones on top)
and the graduate adapters over them (in process): normalised answers, 404 as an answer, retries of 5xx
and 429 with Retry-After, the circuit breaker, and the evidence of every check."""

from __future__ import annotations

from datetime import date
from typing import Any

import httpx
import pytest

from services.review.adapters.graduate_registries import ADAPTER_VERSION, HttpRegistryAdapter
from services.review.adapters.http_lookup import DepartmentUnavailable, RetryPolicy
from services.review.adapters.resilience import CircuitBreaker
from services.review.domain.graduates import Registry
from services.review.mock_registries.app import create_registry_app
from services.review.mock_registries.faults import Faults
from services.review.mock_registries.graduates import (
    GraduateRegistryData,
    derive_company,
    derive_education,
    level_for_age,
)
from services.review.mock_registries.population import SyntheticPerson
from shared.validation.identifiers import credit_code_check_character, synthetic_resident_id
from tests.review.support import fixed_clock

Y = 2025
MASTER = synthetic_resident_id(date(Y - 26, 5, 4), 7, "130102")
TOO_OLD = synthetic_resident_id(date(Y - 50, 5, 4), 7, "130102")
CODE = "91110105MA01XYWK1"
CODE += credit_code_check_character(CODE)
BAD_CODE = CODE[:17] + ("0" if CODE[17] != "0" else "1")


def test_records_derive_from_the_key_the_same_every_time() -> None:
    a = derive_education(MASTER, year=Y, seed=1)
    assert a == derive_education(MASTER, year=Y, seed=1)
    assert a is not None and a[0]["level"] == "硕士研究生" and a[1]["level"] == "本科"
    assert a[0]["graduated_on"].startswith(str(Y)) and len(a[0]["diploma_no"]) == 18
    assert derive_education(TOO_OLD, year=Y, seed=1) is None
    assert derive_education("123", year=Y, seed=1) is None
    c = derive_company(CODE, year=Y, seed=1)
    assert c == derive_company(CODE, year=Y, seed=1) and c is not None
    assert c["registration_district_code"] == "110105"  # the code's own region
    assert derive_company(BAD_CODE, year=Y, seed=1) is None  # bad check character
    assert [level_for_age(a) for a in (19, 21, 23, 26, 30, 41)] == [
        None,
        "junior_college",
        "bachelor",
        "master",
        "doctor",
        None,
    ]


def adapter(app: Any, registry: Registry, **kw: Any) -> HttpRegistryAdapter:
    client = httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://registry")
    sleeps: list[float] = kw.pop("sleeps", [])

    async def sleep(d: float) -> None:
        sleeps.append(d)

    return HttpRegistryAdapter(
        registry,
        client,
        fixed_clock(),
        policy=kw.pop("policy", RetryPolicy(max_attempts=4, backoff_initial_s=0.01, backoff_max_s=0.05)),
        digest_key=b"k" * 32,
        sleep=sleep,
        **kw,
    )


async def test_the_education_adapter_normalises_the_registrys_answer() -> None:
    data = GraduateRegistryData(year=Y, seed=1)
    app = create_registry_app("education", [], graduate_data=data)
    result = await adapter(app, "education_registry").lookup(MASTER)
    assert result.outcome == "answered"
    newest = result.data["records"][0]
    assert newest["education"] == "master" and newest["graduated"] is True
    assert newest["graduated_on"].startswith(f"{Y}-")
    assert newest["training_mode"] in ("non_directed", "directed", "commissioned")
    ev = result.evidence
    assert ev.department == "education_registry" and ev.attempts == 1 and ev.http_status == 200
    assert ev.request_digest.startswith("hmac-sha256:") and ev.adapter_version == ADAPTER_VERSION
    # A registered record wins; None means no record: 404 is an answer, not an error.
    data.education_like(MASTER, training_mode="定向", graduation_status="在读", diploma_no=None)
    again = await adapter(app, "education_registry").lookup(MASTER)
    assert again.data["records"][0]["training_mode"] == "directed"
    assert again.data["records"][0]["studying"] is True
    data.register_education(MASTER, None)
    missing = await adapter(app, "education_registry").lookup(MASTER)
    assert (missing.outcome, missing.data) == ("not_found", {"found": False, "records": []})


async def test_the_company_adapter_and_the_admin_endpoint() -> None:
    app = create_registry_app("company", [], graduate_data=GraduateRegistryData(year=Y, seed=1))
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://r") as c:
        r = await c.put(
            "/_admin/records",
            json={
                "key": CODE,
                "record": {
                    "credit_code": CODE,
                    "name": "北京测试科技有限公司",
                    "established_on": "2024-09-01",
                    "registration_district_code": "110105",
                    "status": "存续",
                    "abnormal_operations": [
                        {"listed_on": "2025-01-02", "reason": "未年报", "removed_on": None}
                    ],
                    "serious_violations": [],
                },
            },
        )
        assert r.status_code == 200
    result = await adapter(app, "company_registry").lookup(CODE)
    assert result.data["registered_on"] == "2024-09-01" and result.data["status"] == "operating"
    assert result.data["abnormal_operations"][0]["removed_on"] is None
    unknown = await adapter(app, "company_registry").lookup(BAD_CODE)
    assert unknown.outcome == "not_found"


async def test_the_social_insurance_answer_names_the_paying_unit() -> None:
    person = SyntheticPerson(
        index=0,
        id_number=MASTER,
        name="李明",
        birth_date=date(Y - 26, 5, 4),
        sex="male",
        application_year=Y + 1,
        employer_name="",
        social_insurance=(
            {
                "insurance": "pension",
                "from": "2025-08",
                "to": "2026-02",
                "back_paid": False,
                "district": "110105",
                "unit": CODE,
            },
        ),
    )
    app = create_registry_app("social_insurance", [person])
    result = await adapter(app, "social_insurance").lookup(MASTER)
    assert result.data["records"] == [
        {"insurance": "pension", "from": "2025-08", "to": "2026-02", "back_paid": False, "unit": CODE}
    ]


async def test_failures_and_rate_limits_are_retried_honouring_retry_after() -> None:
    data = GraduateRegistryData(year=Y, seed=1)
    app = create_registry_app(
        "education", [], Faults(rate_limit_rate=1.0, retry_after_s=0.5), graduate_data=data
    )
    sleeps: list[float] = []
    a = adapter(app, "education_registry", sleeps=sleeps)
    with pytest.raises(DepartmentUnavailable) as e:
        await a.lookup(MASTER)
    assert e.value.reason == "retries_exhausted" and e.value.evidence.attempts == 4
    assert sleeps and all(s >= 0.5 for s in sleeps)  # never sooner than Retry-After
    app.state.faults.faults = Faults(failure_rate=1.0)
    breaker = CircuitBreaker("education_registry", failure_threshold=2, open_s=60)
    b = adapter(app, "education_registry", breaker=breaker)
    with pytest.raises(DepartmentUnavailable) as e:
        await b.lookup(MASTER)
    assert e.value.reason == "circuit_open" and b.calls == 2
    with pytest.raises(DepartmentUnavailable) as e:
        await b.lookup(MASTER)
    assert e.value.reason == "circuit_open" and b.calls == 2  # not called while open


async def test_an_answer_outside_the_registrys_format_is_invalid_not_retried() -> None:
    data = GraduateRegistryData(year=Y, seed=1)
    data.register_education(MASTER, [{"school_name": "X", "diploma_no": "SECRET-NUMBER", "level": "?"}])
    app = create_registry_app("education", [], graduate_data=data)
    a = adapter(app, "education_registry")
    with pytest.raises(DepartmentUnavailable) as e:
        await a.lookup(MASTER)
    assert e.value.reason == "invalid_response" and a.calls == 1
    error = e.value.evidence.error or ""
    assert "education_records.0.level" in error and "SECRET" not in error  # fields, never values


async def test_the_social_insurance_registry_learns_a_graduates_contributions() -> None:
    app = create_registry_app("social_insurance", [])
    a = adapter(app, "social_insurance")
    assert (await a.lookup(MASTER)).outcome == "not_found"
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://r") as c:
        r = await c.put(
            "/_admin/people",
            json={
                "id_number": MASTER,
                "name": "李明",
                "social_insurance": [
                    {"insurance": "pension", "from": "2025-08", "to": "2026-03", "unit": CODE}
                ],
            },
        )
        assert r.status_code == 200
        bad = await c.put("/_admin/people", json={"id_number": "1" * 18, "name": "x", "social_insurance": []})
        assert bad.status_code == 422
    result = await a.lookup(MASTER)
    assert result.data["records"][0]["unit"] == CODE and result.data["records"][0]["to"] == "2026-03"
