"""Acceptance: a round opens, takes objections, closes on time by itself, and its outcomes reach the bus,
through the real broker, with the clock moved forward; the worker is restarted in between."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from decimal import Decimal
from typing import Any

import orjson
import pytest

from services.publicity.worker import create_worker
from shared.events.registry import EventData
from shared.messaging.kafka import make_producer
from shared.messaging.outbox import Outbox, OutboxRelay
from shared.service import Worker, build_context
from shared.settings import ServiceSettings
from tests.publicity.conftest import MakePub
from tests.publicity.helpers import REPORTER, PubEnv, beijing, objection_form, round_of, scored, submitted
from tests.support.infra import Infra, consume

pytestmark = pytest.mark.integration


async def publish(infra: Infra, env: PubEnv, url: str, events: list[tuple[EventData, str]]) -> None:
    """A stand-in for intake and scoring: their events go through an outbox and a relay to the broker."""
    upstream = ServiceSettings(
        service_name="upstream", database_url=url, **infra.settings_kwargs(env.settings.kafka_topic_prefix)
    )
    ctx = build_context(upstream, env.clock)
    outbox = Outbox(upstream, env.clock)
    try:
        async with ctx.session_factory() as s, s.begin():
            for data, subject in events:
                await outbox.emit(s, data, subject=subject, correlation_id="pipeline-test")
        producer = make_producer(upstream, "upstream")
        await producer.start()
        try:
            relay = OutboxRelay(upstream, ctx.session_factory, producer, env.clock)
            while await relay.publish_batch():
                pass
        finally:
            await producer.stop()
    finally:
        await ctx.close()


async def eventually(check: Callable[[], Awaitable[Any]], what: str, timeout_s: float = 30) -> Any:
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout_s
    while True:
        got = await check()
        if got:
            return got
        if loop.time() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        await asyncio.sleep(0.1)


async def test_a_round_opens_takes_objections_closes_by_itself_and_its_outcomes_reach_the_bus(
    infra: Infra, make_pub: MakePub
) -> None:
    env = await make_pub()
    up_url = await infra.fresh_database("publicity")
    events = round_of(4)
    # Scrambled across topics: the round's finalization first, the round's phases last, a later revision.
    scrambled = (
        [e for e in events if e[0].event_type in ("ranking.finalized", "application.ranked")]  # type: ignore[attr-defined]
        + [(scored("PTS-000004", Decimal("150.00"), revision=2), "PTS-000004")]
        + [e for e in events if e[0].event_type == "score.computed"]  # type: ignore[attr-defined]
        + [(submitted("PTS-000003", "欧阳娜娜", "北京中关村某某研究院", revision=2), "PTS-000003")]
        + [e for e in events if e[0].event_type == "application.submitted"]  # type: ignore[attr-defined]
        + [e for e in events if e[0].event_type == "round.phase_changed"]  # type: ignore[attr-defined]
    )
    worker: Worker = create_worker(env.settings, env.clock)
    await worker.start()
    staff = env.token("bureau_staff", "staff-1")
    investigator = env.token("bureau_staff", "staff-7")
    try:
        await publish(infra, env, up_url, scrambled)
        async with env.http() as http:

            async def status() -> str | None:
                r = await http.get("/v1/publicities/pts-2022", headers=staff)
                return r.json()["status"] if r.status_code == 200 else None

            assert await eventually(lambda: _is(status, "scheduled"), "the list to be prepared")
            r = await http.post("/v1/public/publicities/pts-2022/objections", data=objection_form(1))
            assert (
                r.status_code == 409 and "2022-07-11 00:00 – 2022-07-18 24:00" in r.json()["error"]["message"]
            )

            env.clock.set(beijing(2022, 7, 11, 9))  # the publicity phase begins; the worker opens the list
            assert await eventually(lambda: _is(status, "open"), "the list to open")
            page = (await http.get("/v1/public/publicities/pts-2022/entries")).json()
            assert [(e["entry_no"], e["name"]) for e in page["items"]] == [
                (1, "王伟"),
                (2, "李伟"),
                (3, "欧阳娜娜"),
                (4, "刘伟"),
            ]
            assert page["items"][3]["total"] == "150.00"  # the latest score revision
            assert page["publicity"]["period"]["ends_at"] == "2022-07-19T00:00:00+08:00"

            oids = []
            for entry_no in (1, 2):
                r = await http.post(
                    "/v1/public/publicities/pts-2022/objections", data=objection_form(entry_no)
                )
                assert r.status_code == 201
                oids.append(r.json()["objection_id"])
            for oid in oids:
                r = await http.post(
                    f"/v1/objections/{oid}/assign", json={"investigator": "staff-7"}, headers=staff
                )
                assert r.status_code == 200
            r = await http.post(
                f"/v1/objections/{oids[0]}/decision",
                json={
                    "decision": "upheld",
                    "note": "经核实材料系伪造",
                    "reason": "申报材料不实",
                    "reason_code": "fraud",
                },
                headers=investigator,
            )
            assert r.status_code == 200

            # The worker restarts during the period; the clock reaches 24:00 of the 7th day while it is down.
            await worker.stop()
            await worker.ctx.close()
            env.clock.set(beijing(2022, 7, 19, 0, 0))
            worker = create_worker(env.settings, env.clock)
            await worker.start()

            records = await consume(
                infra.kafka, env.settings.topic("publicity.events"), until=5, timeout_s=30
            )
            got = [orjson.loads(r.value) for r in records]
            outcomes = {e["subject"]: e["data"] for e in got if e["type"] == "publicity.outcome"}
            assert {k: v["outcome"] for k, v in outcomes.items()} == {
                "PTS-000001": "disqualified",
                "PTS-000002": "held",
                "PTS-000003": "cleared",
                "PTS-000004": "cleared",
            }
            assert outcomes["PTS-000001"]["reason"] == "申报材料不实"
            # the structured reason code travels with the event: settlement decides fraud on it
            assert outcomes["PTS-000001"]["reason_code"] == "fraud"
            assert {outcomes[k].get("reason_code") for k in ("PTS-000002", "PTS-000003", "PTS-000004")} == {
                None
            }
            [closed] = [e for e in got if e["type"] == "publicity.closed"]
            assert (
                closed["subject"] == "pts-2022" and closed["data"]["closed_at"] == "2022-07-19T00:00:00+08:00"
            )
            assert (closed["data"]["cleared"], closed["data"]["disqualified"], closed["data"]["held"]) == (
                2,
                1,
                1,
            )
            assert all(REPORTER["id_number"] not in r.value.decode() for r in records)
            assert records[0].key.decode() in outcomes  # keyed by application id

            assert (await http.get("/v1/public/publicities/pts-2022/entries")).status_code == 410
            r = await http.post("/v1/public/publicities/pts-2022/objections", data=objection_form(3))
            assert r.status_code == 409 and r.json()["error"]["code"] == "publicity_period_over"

            # the held entry is decided after the period: its outcome goes out again
            env.clock.set(beijing(2022, 7, 21, 15))
            r = await http.post(
                f"/v1/objections/{oids[1]}/decision",
                json={"decision": "dismissed", "note": "经核查申报属实"},
                headers=investigator,
            )
            assert r.json()["outcome_emitted"]["outcome"] == "cleared"
            records = await consume(
                infra.kafka, env.settings.topic("publicity.events"), until=6, timeout_s=30
            )
            mine = [
                orjson.loads(r.value) for r in records if r.key == b"PTS-000002"
            ]  # one key, one partition: in order
            assert [(e["type"], e["data"]["outcome"]) for e in mine] == [
                ("publicity.outcome", "held"),
                ("publicity.outcome", "cleared"),
            ]
            assert mine[1]["data"]["decided_at"] == "2022-07-21T15:00:00+08:00"
            assert len(records) == 6  # closing happened once, across the restart
    finally:
        await worker.stop()
        await worker.ctx.close()
        await infra.drop(up_url)


async def _is(get: Callable[[], Awaitable[str | None]], want: str) -> bool:
    return await get() == want
