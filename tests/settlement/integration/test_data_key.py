"""Without the platform data key (SETTLEMENT_DATA_KEY) a person's ID number cannot be opened for its digest:
the API answers 503 ``data_key_missing``; a consumer refuses the event for good (dead-lettered at once with
that code, not retried), and nothing of it is written."""

from __future__ import annotations

import pytest

from services.settlement.context import Runtime
from shared.messaging.inbox import PermanentError
from tests.settlement.integration.conftest import IDS, Env

pytestmark = pytest.mark.integration


def without_data_key(env: Env) -> None:
    env.ctx.runtime = Runtime(env.settings.model_copy(update={"data_key": None}))


async def test_a_fraud_outcome_without_the_data_key_is_refused_for_good(env: Env) -> None:
    await env.deliver(env.submitted("PTS-K"))
    without_data_key(env)
    with pytest.raises(PermanentError) as e:
        await env.deliver(env.outcome("PTS-K", "disqualified", "伪造社保记录", reason_code="fraud"))
    assert e.value.code == "data_key_missing" and not e.value.transient
    assert await env.scalar("SELECT count(*) FROM qualifications") == 0
    assert await env.scalar("SELECT count(*) FROM conduct_records") == 0


async def test_recording_a_person_without_the_data_key_is_503(env: Env) -> None:
    without_data_key(env)
    async with env.http() as http:
        r = await http.post(
            "/v1/conduct-records", headers=env.token(), json={"id_number": IDS[0], "reason": "伪造材料"}
        )
    assert r.status_code == 503 and r.json()["error"]["code"] == "data_key_missing"
    assert await env.scalar("SELECT count(*) FROM conduct_records") == 0
