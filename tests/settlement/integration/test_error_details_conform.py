"""Refusals carry details in the documented shape (``ErrorDetail``: ``code`` and ``message``, optional
``field``). Found by schemathesis: a reallocation from a unit without quota answered 409
``quota_exhausted`` with details ``{"supervising_unit_id", "year", "remaining", "needed"}``, and a case
submitted before it was ready 409 ``not_ready`` with ``{"missing"}``, both off the OpenAPI schema."""

from __future__ import annotations

from typing import Any

import pytest

from shared.api.errors import ErrorResponse
from tests.settlement.integration.conftest import Env
from tests.settlement.integration.graduate_support import (
    OTHER_UNIT,
    SUBMITTED_AT,
    UNIT,
    Y,
    declared,
    outcome,
    unit_token,
)

pytestmark = pytest.mark.integration


def conforming_details(body: Any) -> list[dict[str, Any]]:
    ErrorResponse.model_validate(body)  # raises on a detail without code or message
    details: list[dict[str, Any]] = body["error"]["details"]
    assert details and all(set(d) <= {"field", "code", "message"} for d in details), details
    return details


async def test_quota_exhausted_and_not_ready_refusals_have_documented_details(env: Env) -> None:
    env.clock.set(SUBMITTED_AT)
    async with env.http() as http:
        r = await http.post(
            f"/v1/quotas/{Y}/reallocations",
            json={"from_unit_id": UNIT, "to_unit_id": OTHER_UNIT, "amount": 2, "reason": "年中调剂"},
            headers=env.token(subject="bureau-1"),
        )
        assert r.status_code == 409 and r.json()["error"]["code"] == "quota_exhausted"
        [detail] = conforming_details(r.json())
        assert detail == {
            "field": "supervising_unit_id",
            "code": "quota_exhausted",
            "message": "0 left, 2 needed",
        }

        await env.deliver(declared(env, "GD-2", 2), "GD-2")
        await env.deliver(outcome("GD-2", "held"), "GD-2")
        r = await http.post(
            f"/v1/supervising-units/{UNIT}/graduate-cases/GD-2/submit", json={}, headers=unit_token(env)
        )
        assert r.status_code == 409 and r.json()["error"]["code"] == "not_ready"
        details = conforming_details(r.json())
        assert {d["code"] for d in details} == {"missing"}
        assert any("graduate.assessed" in d["message"] for d in details)
