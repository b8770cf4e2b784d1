"""Through the real broker: the graduate events of intake, scoring and publicity (three topics) open a
case; the unit submits, the bureau approves; `graduate.decided` and `letter.issued` (receiving_letter) go
out on settlement.events; in Y+1 review's `graduate.settlement_checked` brings the hukou letter."""

from __future__ import annotations

from datetime import datetime

import pytest

from shared.clock import BEIJING
from tests.settlement.integration.conftest import Env
from tests.settlement.integration.graduate_support import (
    SUBMITTED_AT,
    UNIT,
    allocate,
    assessed,
    checked,
    declared,
    outcome,
    unit_token,
)

pytestmark = pytest.mark.integration


async def _status(env: Env, decl: str) -> str | None:
    value = await env.scalar("SELECT status FROM graduate_cases WHERE declaration_id = :d", d=decl)
    return str(value) if value is not None else None


async def test_graduate_events_through_the_broker_to_approval_and_the_hukou_letter(live: Env) -> None:
    env = live
    env.clock.set(SUBMITTED_AT)
    await env.publish(
        (outcome("GB-1"), "GB-1"), (assessed("GB-1", "counted"), "GB-1"), (declared(env, "GB-1"), "GB-1")
    )

    async def ready() -> bool:
        n = await env.scalar(
            "SELECT count(*) FROM graduate_cases WHERE declaration_id = 'GB-1' AND declared_revision = 1 "
            "AND assessed_revision = 1 AND publicity_outcome = 'cleared'"
        )
        return bool(n)

    await env.wait_for(ready)
    async with env.http() as http:
        await allocate(env, http, 1)
        r = await http.post(
            f"/v1/supervising-units/{UNIT}/graduate-cases/GB-1/submit", json={}, headers=unit_token(env)
        )
        assert r.status_code == 200, r.text
        r = await http.post("/v1/graduate-cases/GB-1/approve", json={}, headers=env.token())
        assert r.status_code == 200, r.text
        events = await env.bus_events(until=2)
        by_type = {e["type"]: e for e in events}
        assert by_type["graduate.decided"]["data"]["decision"] == "approved"
        assert by_type["graduate.decided"]["subject"] == "GB-1"
        assert by_type["letter.issued"]["data"]["letter_type"] == "receiving_letter"
        assert by_type["letter.issued"]["data"]["serial_number"] == "GRD-2025-JS-000001"

        r = await http.post(
            f"/v1/supervising-units/{UNIT}/graduate-cases/GB-1/report-duty",
            json={"diploma_number": "100011202502000123", "degree_number": "1000142025000123"},
            headers=unit_token(env),
        )
        assert r.status_code == 200, r.text
        env.clock.set(datetime(2026, 3, 2, 9, 0, tzinfo=BEIJING))
        r = await http.post(
            f"/v1/supervising-units/{UNIT}/graduate-cases/GB-1/settlement", headers=unit_token(env)
        )
        assert r.status_code == 200, r.text
        (request,) = await env.outbox_events("graduate.settlement_check_requested")
        await env.publish((checked("GB-1", request["data"]["request_id"], True), "GB-1"))

        async def settled() -> bool:
            return await _status(env, "GB-1") == "settled"

        await env.wait_for(settled)
        events = await env.bus_events(until=4)
        letters = [e["data"]["letter_type"] for e in events if e["type"] == "letter.issued"]
        assert letters == ["receiving_letter", "hukou_letter"]
