"""Through the real broker: ``graduate.unit_decided`` in (intake's topic) → a unit's list opened over
HTTP → the worker closes it at 24:00 of the 5th working day → ``publicity.outcome`` and
``publicity.closed`` out on ``publicity.events``."""

from __future__ import annotations

import orjson
import pytest

from services.publicity.worker import create_worker
from shared.service import Worker
from tests.publicity.conftest import MakePub
from tests.publicity.graduate_helpers import UNIT, decided, unit_token
from tests.publicity.helpers import beijing
from tests.publicity.integration.test_publicity_pipeline import eventually, publish
from tests.support.infra import Infra, consume

pytestmark = pytest.mark.integration


async def test_unit_decisions_in_outcomes_out_through_the_broker(infra: Infra, make_pub: MakePub) -> None:
    env = await make_pub()
    env.clock.set(beijing(2025, 9, 26, 10))
    up_url = await infra.fresh_database("publicity")
    worker: Worker = create_worker(env.settings, env.clock)
    await worker.start()
    try:
        await publish(
            infra,
            env,
            up_url,
            [
                (decided("D-1", "王伟", at=beijing(2025, 9, 20, 10)), "D-1"),
                (decided("D-2", "李芳", at=beijing(2025, 9, 21, 10)), "D-2"),
                (decided("D-3", "张敏", at=beijing(2025, 9, 21, 11)), "D-3"),
                (decided("D-3", decision="returned", at=beijing(2025, 9, 22, 9)), "D-3"),  # withdrawn
            ],
        )
        async with env.http() as http:

            async def waiting() -> list[str] | None:
                r = await http.get(f"/v1/units/{UNIT}/graduate-candidates", headers=unit_token(env))
                ids = [c["declaration_id"] for c in r.json()["items"]]
                return ids if len(ids) == 2 else None

            assert await eventually(waiting, "the decisions to arrive") == ["D-1", "D-2"]
            env.clock.set(beijing(2025, 9, 29, 10))
            r = await http.post(f"/v1/units/{UNIT}/graduate-publicities", json={}, headers=unit_token(env))
            assert r.status_code == 201, r.text
            pid = r.json()["publicity_id"]
            assert pid == f"GRD-2025-{UNIT}-1" and r.json()["period"]["ends_on"] == "2025-10-13"

            env.clock.set(beijing(2025, 10, 14, 0, 0))  # 24:00 of the 5th working day: the worker closes
            records = await consume(
                infra.kafka, env.settings.topic("publicity.events"), until=3, timeout_s=30
            )
            got = [orjson.loads(r.value) for r in records]
            outcomes = {e["subject"]: e["data"] for e in got if e["type"] == "publicity.outcome"}
            assert {k: v["outcome"] for k, v in outcomes.items()} == {"D-1": "cleared", "D-2": "cleared"}
            assert all(v["program"] == "graduates" and v["publicity_id"] == pid for v in outcomes.values())
            [closed] = [e for e in got if e["type"] == "publicity.closed"]
            assert closed["data"]["publicity_id"] == pid and closed["data"]["program"] == "graduates"
            assert closed["data"]["entry_count"] == 2
            assert (await http.get(f"/v1/public/graduate-publicities/{pid}/entries")).status_code == 410
    finally:
        await worker.stop()
        await worker.ctx.close()
        await infra.drop(up_url)
