"""A handler that keeps failing dead-letters its event; staff see it through the API and replay it."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest
import sqlalchemy as sa

from services.intake.app import create_app
from services.intake.config import Settings
from services.intake.context import build_service_context
from shared.api.auth import generate_keypair, issue_token
from shared.clock import SystemClock
from shared.events.registry import EventData, EventRegistry
from shared.messaging.inbox import Delivery, InboxConsumer
from shared.messaging.kafka import ensure_topics, make_producer
from shared.messaging.outbox import Outbox, OutboxRelay
from tests.support.infra import Infra

pytestmark = pytest.mark.integration

REG = EventRegistry()


@REG.register("gadget.happened", 1, producer="intake", consumers=("intake",))
class GadgetHappened(EventData):
    """Test-only event."""

    n: int


@pytest.fixture
async def env(infra: Infra, topic_prefix: str) -> AsyncIterator[dict[str, Any]]:
    url = await infra.fresh_database("intake")
    priv, pub = generate_keypair()
    settings = Settings(database_url=url, jwt_public_key=pub, **infra.settings_kwargs(topic_prefix))
    app = create_app(settings)
    ctx = build_service_context(settings)
    app.state.ctx = ctx
    await ensure_topics(settings)
    producer = make_producer(settings, "t")
    await producer.start()
    try:
        yield {"app": app, "ctx": ctx, "settings": settings, "priv": priv, "producer": producer}
    finally:
        await producer.stop()
        await ctx.close()
        await infra.drop(url)


async def test_failing_event_is_dead_lettered_listed_for_operations_and_replayed(env: dict[str, Any]) -> None:
    settings, ctx = env["settings"], env["ctx"]
    clock = SystemClock()
    outbox = Outbox(settings, clock, REG)
    broken = {"on": True}
    applied: list[int] = []

    async def handler(d: Delivery) -> None:
        if broken["on"]:
            raise RuntimeError("department registry unreachable")
        applied.append(d.data.n)

    def consumer() -> InboxConsumer:
        return InboxConsumer(
            name="intake.gadgets",
            settings=settings,
            session_factory=ctx.session_factory,
            outbox=outbox,
            clock=clock,
            topics=["intake.events"],
            handlers={"gadget.happened": handler},
            registry=REG,
        )

    relay = OutboxRelay(settings, ctx.session_factory, env["producer"], clock)
    async with ctx.session_factory() as s, s.begin():
        await outbox.emit(s, GadgetHappened(n=42), subject="A-9", correlation_id="c")
    await relay.publish_batch()

    c = consumer()
    task = asyncio.create_task(c.run())
    for _ in range(400):
        if c.dead_lettered:
            break
        await asyncio.sleep(0.05)
    c.stop()
    await task
    assert c.dead_lettered == 1 and applied == []

    ops = issue_token(env["priv"], subject="op1", roles=["operations_admin"], now=clock.now())
    applicant = issue_token(env["priv"], subject="a1", roles=["applicant"], now=clock.now())
    transport = httpx.ASGITransport(app=env["app"])
    async with httpx.AsyncClient(transport=transport, base_url="http://t") as http:
        assert (await http.get("/v1/ops/dead-letters")).status_code == 401
        assert (
            await http.get("/v1/ops/dead-letters", headers={"Authorization": f"Bearer {applicant}"})
        ).status_code == 403
        page = (await http.get("/v1/ops/dead-letters", headers={"Authorization": f"Bearer {ops}"})).json()
        assert page["total"] == 1
        item = page["items"][0]
        assert item["reason_code"] == "handler_failed" and "unreachable" in item["error"]
        assert item["attempts"] == settings.consumer_max_attempts and item["status"] == "open"

        broken["on"] = False  # the cause is fixed; replay
        r = await http.post(
            f"/v1/ops/dead-letters/{item['id']}/replay", headers={"Authorization": f"Bearer {ops}"}
        )
        assert r.status_code == 200 and r.json()["status"] == "replayed" and r.json()["replayed_by"] == "op1"
        r = await http.post("/v1/ops/dead-letters/999999/replay", headers={"Authorization": f"Bearer {ops}"})
        assert r.status_code == 404 and r.json()["error"]["code"] == "dead_letter_not_found"

    while await relay.publish_batch():
        pass
    c2 = consumer()
    task = asyncio.create_task(c2.run())
    for _ in range(400):
        if applied:
            break
        await asyncio.sleep(0.05)
    c2.stop()
    await task
    assert applied == [42]
    async with ctx.session_factory() as s:
        assert await s.scalar(sa.text("SELECT count(*) FROM inbox WHERE consumer = 'intake.gadgets'")) == 1


async def test_numbers_postgresql_cannot_take_are_a_422_never_a_500(env: dict[str, Any]) -> None:
    ops = issue_token(env["priv"], subject="op1", roles=["operations_admin"], now=SystemClock().now())
    headers = {"Authorization": f"Bearer {ops}"}
    transport = httpx.ASGITransport(app=env["app"], raise_app_exceptions=False)
    async with httpx.AsyncClient(transport=transport, base_url="http://t") as http:
        r = await http.get("/v1/ops/dead-letters", params={"offset": 10**24}, headers=headers)
        assert r.status_code == 422, r.text
        r = await http.post(f"/v1/ops/dead-letters/{10**24}/replay", headers=headers)
        assert r.status_code == 422, r.text
