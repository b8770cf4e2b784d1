"""Batch data exchange (批量数据交换): a department's batch look-up gives each person exactly what the
single look-up gives (property-based over the synthetic population, with people the registries do not
know and declarations that differ from the registries), and a batch fails, is rate-limited or is down as
a whole, retried like a single look-up. The registries run in process (ASGI)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping
from typing import Any

import httpx
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from services.review.adapters.departments import (
    MAX_BATCH,
    CheckResult,
    DepartmentUnavailable,
    HttpDepartmentAdapter,
    RetryPolicy,
)
from services.review.domain.compare import verify
from services.review.domain.model import DEPARTMENTS, Identity
from services.review.mock_registries.app import create_registry_app
from services.review.mock_registries.faults import Faults
from services.review.mock_registries.population import (
    DIFFERENCES,
    SyntheticPerson,
    declaration_for,
    generate_population,
)
from tests.review.support import fixed_clock

KNOWN = generate_population(300, seed=2718)
#: People of another population: valid ID numbers the registries have never heard of.
STRANGERS = [p for p in generate_population(40, seed=3141) if KNOWN.find(p.id_number) is None]
APPS = {d: create_registry_app(d, KNOWN, fault_seed=3) for d in DEPARTMENTS}


def adapter(
    dept: str, app: Any, *, sleeps: list[float] | None = None, attempts: int = 1
) -> tuple[HttpDepartmentAdapter, httpx.AsyncClient]:
    client = httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://registry")

    async def sleep(s: float) -> None:
        if sleeps is not None:
            sleeps.append(s)

    a = HttpDepartmentAdapter(
        dept,  # type: ignore[arg-type]
        client,
        fixed_clock(),
        RetryPolicy(max_attempts=attempts, backoff_initial_s=0.01, backoff_max_s=0.02, retry_after_max_s=5),
        sleep=sleep,
    )
    return a, client


def same(single: CheckResult | DepartmentUnavailable, batch: CheckResult | DepartmentUnavailable) -> None:
    assert isinstance(single, CheckResult) and isinstance(batch, CheckResult)
    assert (batch.department, batch.outcome, batch.data) == (single.department, single.outcome, single.data)
    assert batch.evidence.http_status == 200 and batch.evidence.attempts == 1
    assert batch.evidence.request_digest.startswith("sha256:") and batch.evidence.response_digest


def verified(
    declared: dict[str, Any],
    identity: Identity,
    answers: Mapping[str, list[CheckResult | DepartmentUnavailable]],
    k: int,
) -> Any:
    data: dict[str, Any] = {d: answers[d][k].data for d in DEPARTMENTS}  # type: ignore[union-attr]
    return verify(declared=declared, departments=data, identity=identity, application_id="A-1")


people_st = st.lists(
    st.one_of(
        st.sampled_from(list(range(len(KNOWN)))).map(lambda i: KNOWN[i]),
        st.sampled_from(STRANGERS),
    ),
    min_size=1,
    max_size=30,
    unique_by=lambda p: p.id_number,
)
differences_st = st.lists(st.sampled_from(sorted(DIFFERENCES)), max_size=3, unique=True)


@settings(max_examples=15)
@given(people=people_st, differences=st.data())
async def test_a_batch_answers_each_person_as_the_single_look_up_and_verifies_the_same(
    people: list[SyntheticPerson], differences: st.DataObject
) -> None:
    single: dict[str, list[CheckResult | DepartmentUnavailable]] = {}
    batch: dict[str, list[CheckResult | DepartmentUnavailable]] = {}
    for dept, app in APPS.items():
        a, client = adapter(dept, app)
        async with client:
            single[dept] = [await a.lookup(p.id_number) for p in people]
            batch[dept] = await a.lookup_many([p.id_number for p in people])
            assert a.calls == len(people) + 1  # the whole batch in one request
    for k, p in enumerate(people):
        for dept in DEPARTMENTS:
            same(single[dept][k], batch[dept][k])
        known = KNOWN.find(p.id_number) is not None
        assert {single[d][k].outcome for d in DEPARTMENTS} == {"answered" if known else "not_found"}  # type: ignore[union-attr]
        # What verification makes of them: the same items, statuses and facts.
        declared = declaration_for(p, differences=differences.draw(differences_st), onsite=False)
        identity = Identity(p.birth_date.isoformat(), p.sex)  # type: ignore[arg-type]

        by_single = verified(declared, identity, single, k)
        by_batch = verified(declared, identity, batch, k)
        assert by_batch.items == by_single.items
        assert by_batch.facts == by_single.facts
        assert by_batch.waiting == by_single.waiting == []


async def test_each_person_of_a_batch_has_evidence_of_their_own_query_and_result() -> None:
    a, client = adapter("police", APPS["police"])
    async with client:
        out = await a.lookup_many([KNOWN[0].id_number, STRANGERS[0].id_number, KNOWN[1].id_number])
    ids = [r.evidence.request_id for r in out]
    batch_id = ids[0].split(":")[0]
    assert ids == [f"{batch_id}:0", f"{batch_id}:1", f"{batch_id}:2"]
    assert len({r.evidence.request_digest for r in out}) == 3
    assert len({r.evidence.response_digest for r in out}) == 3
    assert [r.outcome for r in out] == ["answered", "not_found", "answered"]  # type: ignore[union-attr]


async def test_a_batch_of_more_than_the_limit_is_refused_before_any_request() -> None:
    a, client = adapter("tax", APPS["tax"])
    async with client:
        with pytest.raises(ValueError):
            await a.lookup_many([KNOWN[0].id_number] * (MAX_BATCH + 1))
        with pytest.raises(ValueError):
            await a.lookup_many([])
    assert a.calls == 0


async def test_the_registry_refuses_an_oversized_batch_and_repeated_query_ids() -> None:
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=APPS["tax"]), base_url="http://registry"
    ) as c:
        queries = [{"query_id": str(i), "id_number": KNOWN[0].id_number} for i in range(MAX_BATCH + 1)]
        r = await c.post("/api/v1/taxpayers/batch", json={"request_id": "r", "queries": queries})
        assert r.status_code == 422
        r = await c.post("/api/v1/taxpayers/batch", json={"request_id": "r", "queries": queries[:1] * 2})
        assert r.status_code == 422 and r.json()["code"] == "DUPLICATE_QUERY_ID"


def failing_first(app: Any, answers: list[tuple[int, dict[str, str]]]) -> Callable[..., Awaitable[None]]:
    """The registry, answering the first requests with the given statuses (and headers) instead."""
    left = list(answers)

    async def wrapped(scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope["type"] == "http" and scope["path"].endswith("/batch") and left:
            status, headers = left.pop(0)
            await send(
                {
                    "type": "http.response.start",
                    "status": status,
                    "headers": [(k.encode(), v.encode()) for k, v in headers.items()],
                }
            )
            await send({"type": "http.response.body", "body": b'{"code": "X"}'})
            return
        await app(scope, receive, send)

    return wrapped


async def test_a_batch_answered_503_is_retried_whole_with_backoff() -> None:
    sleeps: list[float] = []
    app = failing_first(APPS["housing"], [(503, {}), (502, {})])
    a, client = adapter("housing", app, sleeps=sleeps, attempts=4)
    people = [KNOWN[5], KNOWN[6], STRANGERS[1]]
    async with client:
        out = await a.lookup_many([p.id_number for p in people])
    assert a.calls == 3 and len(sleeps) == 2
    assert [r.outcome for r in out] == ["answered", "answered", "not_found"]  # type: ignore[union-attr]
    assert all(r.evidence.attempts == 3 for r in out)


async def test_a_rate_limited_batch_waits_at_least_retry_after() -> None:
    sleeps: list[float] = []
    app = failing_first(APPS["tax"], [(429, {"Retry-After": "0.7"})])
    a, client = adapter("tax", app, sleeps=sleeps, attempts=3)
    async with client:
        out = await a.lookup_many([KNOWN[7].id_number, KNOWN[8].id_number])
    assert sleeps and sleeps[0] >= 0.7
    assert all(isinstance(r, CheckResult) for r in out)


async def test_a_registry_down_makes_the_whole_batch_unavailable_after_the_attempts() -> None:
    app = create_registry_app("social_insurance", KNOWN, Faults(down=True))
    a, client = adapter("social_insurance", app, sleeps=[], attempts=3)
    async with client:
        with pytest.raises(DepartmentUnavailable) as e:
            await a.lookup_many([KNOWN[0].id_number, KNOWN[1].id_number])
    assert e.value.reason == "retries_exhausted" and e.value.evidence.attempts == 3
    assert app.state.faults.injected["down"] == 3


async def test_one_record_outside_the_format_fails_only_that_person() -> None:
    async def broken(scope: dict[str, Any], receive: Any, send: Any) -> None:
        body = (
            b'{"request_id": "x", "results": [{"query_id": "0", "found": true, "records": '
            b'[{"insurance_type": "999"}]}, {"query_id": "1", "found": false}]}'
        )
        await send(
            {
                "type": "http.response.start",
                "status": 200,
                "headers": [(b"content-type", b"application/json")],
            }
        )
        await send({"type": "http.response.body", "body": body})

    a, client = adapter("social_insurance", broken)
    async with client:
        first, second = await a.lookup_many([KNOWN[0].id_number, KNOWN[1].id_number])
    assert isinstance(first, DepartmentUnavailable) and first.reason == "invalid_response"
    assert first.evidence.error and "insurance_type" in first.evidence.error
    assert isinstance(second, CheckResult) and second.outcome == "not_found"


async def test_results_that_do_not_match_the_queries_are_refused_as_a_whole() -> None:
    async def shuffled(scope: dict[str, Any], receive: Any, send: Any) -> None:
        body = b'{"request_id": "x", "results": [{"query_id": "1", "found": false}, {"query_id": "0", "found": false}]}'
        await send(
            {
                "type": "http.response.start",
                "status": 200,
                "headers": [(b"content-type", b"application/json")],
            }
        )
        await send({"type": "http.response.body", "body": body})

    a, client = adapter("tax", shuffled)
    async with client:
        with pytest.raises(DepartmentUnavailable) as e:
            await a.lookup_many([KNOWN[0].id_number, KNOWN[1].id_number])
    assert e.value.reason == "invalid_response"
