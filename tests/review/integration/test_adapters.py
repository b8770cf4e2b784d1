"""The department adapters against running mock registries (real HTTP) with injected slowness, errors,
rate limiting and outages."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator
from datetime import date
from typing import Any

import httpx
import pytest

from services.review.adapters.departments import (
    ADAPTER_VERSION,
    DepartmentUnavailable,
    HttpDepartmentAdapter,
    RetryPolicy,
)
from services.review.adapters.resilience import CircuitBreaker
from services.review.domain.canonical import canonical_insurance
from services.review.mock_registries.app import create_registry_app
from services.review.mock_registries.population import generate_population
from shared.validation.identifiers import synthetic_resident_id
from tests.review.support import RegistryServer, fixed_clock

pytestmark = pytest.mark.integration

PEOPLE = generate_population(30, seed=202)
UNKNOWN_ID = synthetic_resident_id(date(1949, 12, 31), 2, "110105")


@pytest.fixture
async def registry() -> AsyncIterator[RegistryServer]:
    server = RegistryServer(create_registry_app("social_insurance", PEOPLE, fault_seed=3))
    await server.start()
    try:
        yield server
    finally:
        await server.stop()


def adapter(
    server: RegistryServer,
    client: httpx.AsyncClient,
    *,
    attempts: int = 4,
    threshold: int = 50,
    open_s: float = 30,
    concurrency: int = 8,
    sleeps: list[float] | None = None,
) -> HttpDepartmentAdapter:
    async def sleep(d: float) -> None:
        if sleeps is not None:
            sleeps.append(d)
        await asyncio.sleep(d)

    return HttpDepartmentAdapter(
        "social_insurance",
        client,
        fixed_clock(),
        RetryPolicy(
            max_attempts=attempts,
            backoff_initial_s=0.01,
            backoff_max_s=0.04,
            retry_after_max_s=1,
            deadline_s=10,
        ),
        breaker=CircuitBreaker("social_insurance", failure_threshold=threshold, open_s=open_s),
        concurrency=concurrency,
        digest_key=b"k" * 32,
        sleep=sleep,
    )


def client_for(server: RegistryServer, timeout: float = 2.0) -> httpx.AsyncClient:
    return httpx.AsyncClient(base_url=server.url, timeout=httpx.Timeout(timeout, connect=0.5))


async def test_an_answer_is_translated_and_its_evidence_kept(registry: RegistryServer) -> None:
    async with client_for(registry) as c:
        a = adapter(registry, c)
        p = PEOPLE[0]
        result = await a.lookup(p.id_number)
        assert result.outcome == "answered"
        assert canonical_insurance(result.data["social_insurance"]) == canonical_insurance(p.social_insurance)
        ev = result.evidence
        assert ev.http_status == 200 and ev.attempts == 1 and ev.adapter_version == ADAPTER_VERSION
        assert ev.request_digest.startswith("hmac-sha256:") and ev.response_digest is not None
        assert p.id_number not in repr(ev)
        missing = await a.lookup(UNKNOWN_ID)
        assert missing.outcome == "not_found" and missing.data == {"found": False, "social_insurance": []}
        assert missing.evidence.http_status == 404


async def test_a_flaky_registry_is_retried_until_it_answers(registry: RegistryServer) -> None:
    registry.set_faults(failure_rate=0.5)
    async with client_for(registry) as c:
        a = adapter(registry, c, attempts=12)
        results = [await a.lookup(p.id_number) for p in PEOPLE[:10]]
    assert all(r.outcome == "answered" for r in results)
    assert registry.state.injected["failure"] > 0
    assert sum(r.evidence.attempts for r in results) == 10 + registry.state.injected["failure"]


async def test_a_slow_registry_times_out_and_gives_up_after_the_last_attempt(
    registry: RegistryServer,
) -> None:
    registry.set_faults(latency_ms=400)
    async with client_for(registry, timeout=0.1) as c:
        a = adapter(registry, c, attempts=3)
        with pytest.raises(DepartmentUnavailable) as e:
            await a.lookup(PEOPLE[1].id_number)
    assert e.value.reason == "retries_exhausted"
    assert e.value.evidence.attempts == 3 and "timeout" in (e.value.evidence.error or "")
    assert e.value.evidence.http_status is None


async def test_rate_limiting_is_honoured_with_retry_after_and_does_not_trip_the_breaker(
    registry: RegistryServer,
) -> None:
    registry.set_faults(rate_limit_rate=1.0, retry_after_s=0.15)
    sleeps: list[float] = []
    async with client_for(registry) as c:
        a = adapter(registry, c, attempts=3, threshold=2, sleeps=sleeps)
        with pytest.raises(DepartmentUnavailable) as e:
            await a.lookup(PEOPLE[2].id_number)
        assert e.value.evidence.http_status == 429 and len(sleeps) == 2
        assert all(s >= 0.15 for s in sleeps)
        assert a.breaker is not None and a.breaker.current_state() == "closed"
        # A Retry-After beyond what a lookup may wait ends the lookup at once (the job comes back later).
        registry.set_faults(rate_limit_rate=1.0, retry_after_s=120)
        with pytest.raises(DepartmentUnavailable) as e2:
            await a.lookup(PEOPLE[2].id_number)
        assert e2.value.reason == "rate_limited" and e2.value.evidence.attempts == 1
        registry.set_faults()
        assert (await a.lookup(PEOPLE[2].id_number)).outcome == "answered"


async def test_a_registry_that_is_down_opens_the_breaker_and_later_calls_fail_fast(
    registry: RegistryServer,
) -> None:
    async with client_for(registry) as c:
        # Faults are set through the registry's own admin API, as an operator would.
        r = await c.put("/_admin/faults", json={"down": True})
        assert r.status_code == 200 and r.json()["faults"]["down"] is True
        a = adapter(registry, c, attempts=3, threshold=3, open_s=0.3)
        with pytest.raises(DepartmentUnavailable):
            await a.lookup(PEOPLE[3].id_number)
        assert a.breaker is not None and a.breaker.current_state() == "open"
        sent = a.calls
        with pytest.raises(DepartmentUnavailable) as e:
            await a.lookup(PEOPLE[3].id_number)
        assert e.value.reason == "circuit_open" and a.calls == sent
        await c.put("/_admin/faults", json={})
        await asyncio.sleep(0.3)
        assert (await a.lookup(PEOPLE[3].id_number)).outcome == "answered"  # the half-open trial succeeds
        assert a.breaker.current_state() == "closed"


async def test_a_stopped_registry_is_a_connection_error(registry: RegistryServer) -> None:
    await registry.stop()
    async with client_for(registry) as c:
        a = adapter(registry, c, attempts=2)
        with pytest.raises(DepartmentUnavailable) as e:
            await a.lookup(PEOPLE[4].id_number)
    assert "connection error" in (e.value.evidence.error or "")


async def test_calls_in_flight_are_limited_per_department(registry: RegistryServer) -> None:
    registry.set_faults(latency_ms=100)
    in_flight = {"now": 0, "max": 0}
    app: Any = registry.app

    @app.middleware("http")
    async def count(request: Any, call_next: Any) -> Any:
        in_flight["now"] += 1
        in_flight["max"] = max(in_flight["max"], in_flight["now"])
        try:
            return await call_next(request)
        finally:
            in_flight["now"] -= 1

    app.middleware_stack = app.build_middleware_stack()
    async with client_for(registry) as c:
        a = adapter(registry, c, concurrency=2)
        t0 = time.monotonic()
        results = await asyncio.gather(*(a.lookup(p.id_number) for p in PEOPLE[:6]))
    assert all(r.outcome == "answered" for r in results)
    assert in_flight["max"] == 2
    assert time.monotonic() - t0 >= 0.28
