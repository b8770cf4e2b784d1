"""The six guarantees of the event backbone, against the real PostgreSQL and the real broker."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from typing import Any

import orjson
import pytest
import sqlalchemy as sa
from aiokafka import AIOKafkaProducer

from shared.clock import SystemClock
from shared.db import create_engine, create_session_factory
from shared.events.envelope import Envelope
from shared.events.registry import EventData, EventRegistry, dead_letter_topic
from shared.messaging.inbox import Delivery, InboxConsumer
from shared.messaging.kafka import ensure_topics, make_producer
from shared.messaging.outbox import Outbox, OutboxRelay
from shared.settings import ServiceSettings
from tests.support.infra import Infra, consume

pytestmark = pytest.mark.integration

REG = EventRegistry()


@REG.register("widget.happened", 1, producer="intake", consumers=("intake",))
class WidgetHappened(EventData):
    """Test-only event."""

    application_id: str
    seq: int


TOPIC = "intake.events"


class Harness:
    def __init__(self, infra: Infra, settings: ServiceSettings) -> None:
        self.infra = infra
        self.settings = settings
        self.engine = create_engine(settings)
        self.sf = create_session_factory(self.engine)
        self.clock = SystemClock()
        self.outbox = Outbox(settings, self.clock, REG)
        self.producer: AIOKafkaProducer | None = None

    async def start(self) -> None:
        async with self.engine.begin() as conn:
            await conn.execute(
                sa.text(
                    "CREATE TABLE effects (id bigserial primary key, event_id uuid not null, subject text, seq int)"
                )
            )
        await ensure_topics(self.settings)
        self.producer = make_producer(self.settings, "test")
        await self.producer.start()

    async def close(self) -> None:
        if self.producer:
            await self.producer.stop()
        await self.engine.dispose()

    def relay(self) -> OutboxRelay:
        assert self.producer is not None
        return OutboxRelay(self.settings, self.sf, self.producer, self.clock)

    async def emit(self, app_id: str, seq: int, *, commit: bool = True) -> Envelope:
        async with self.sf() as s:
            await s.begin()
            env = await self.outbox.emit(
                s, WidgetHappened(application_id=app_id, seq=seq), subject=app_id, correlation_id="test"
            )
            if commit:
                await s.commit()
            else:
                await s.rollback()
        return env

    def consumer(self, name: str = "intake.test") -> InboxConsumer:
        async def handler(d: Delivery) -> None:
            await d.session.execute(
                sa.text("INSERT INTO effects (event_id, subject, seq) VALUES (:e, :s, :q)"),
                {"e": d.envelope.id, "s": d.envelope.subject, "q": d.data.seq},
            )

        return InboxConsumer(
            name=name,
            settings=self.settings,
            session_factory=self.sf,
            outbox=self.outbox,
            clock=self.clock,
            topics=[TOPIC],
            handlers={"widget.happened": handler},
            registry=REG,
        )

    async def effects(self) -> list[Any]:
        async with self.sf() as s:
            return list(
                (await s.execute(sa.text("SELECT event_id, subject, seq FROM effects ORDER BY id"))).all()
            )

    async def unpublished(self) -> int:
        async with self.sf() as s:
            return int(await s.scalar(sa.text("SELECT count(*) FROM outbox WHERE published_at IS NULL")) or 0)

    async def produce_raw(self, key: str, value: bytes) -> None:
        assert self.producer is not None
        await self.producer.send_and_wait(self.settings.topic(TOPIC), value=value, key=key.encode())


@pytest.fixture
async def h(infra: Infra, topic_prefix: str) -> AsyncIterator[Harness]:
    url = await infra.fresh_database("intake")
    settings = ServiceSettings(service_name="intake", database_url=url, **infra.settings_kwargs(topic_prefix))
    harness = Harness(infra, settings)
    await harness.start()
    try:
        yield harness
    finally:
        await harness.close()
        await infra.drop(url)


async def run_consumer_until(c: InboxConsumer, cond: Any, timeout_s: float = 20.0) -> None:
    task = asyncio.create_task(c.run())
    try:
        deadline = asyncio.get_running_loop().time() + timeout_s
        while not await cond():
            if task.done():
                task.result()
            if asyncio.get_running_loop().time() > deadline:
                raise AssertionError("condition not reached in time")
            await asyncio.sleep(0.05)
    finally:
        c.stop()
        await asyncio.wait_for(task, 15)


async def test_event_written_in_a_rolled_back_transaction_is_never_published(h: Harness) -> None:
    ghost = await h.emit("A-1", 1, commit=False)
    real = await h.emit("A-1", 2)
    assert await h.relay().publish_batch() == 1
    records = await consume(h.infra.kafka, h.settings.topic(TOPIC), until=2, timeout_s=4)
    ids = [orjson.loads(r.value)["id"] for r in records]
    assert ids == [str(real.id)]
    assert str(ghost.id) not in ids


async def test_relay_killed_after_commit_before_publish_publishes_on_restart(h: Harness) -> None:
    env = await h.emit("A-2", 1)
    # The first relay dies mid-publish: its producer hangs and the process is cancelled.
    relay = h.relay()
    started = asyncio.Event()

    class Hanging:
        async def send(self, *a: Any, **k: Any) -> Any:
            started.set()
            await asyncio.Event().wait()

    relay.producer = Hanging()  # type: ignore[assignment]
    task = asyncio.create_task(relay.publish_batch())
    await started.wait()
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    assert await h.unpublished() == 1, "the committed event must still wait in the outbox"
    # A new relay (the restarted process) publishes it.
    assert await h.relay().publish_batch() == 1
    records = await consume(h.infra.kafka, h.settings.topic(TOPIC), until=1)
    assert [orjson.loads(r.value)["id"] for r in records] == [str(env.id)]
    assert await h.unpublished() == 0


async def test_consumer_killed_after_commit_before_offset_commit_applies_effect_once(h: Harness) -> None:
    env = await h.emit("A-3", 1)
    await h.relay().publish_batch()

    first = h.consumer()

    async def die(*a: Any, **k: Any) -> None:
        raise asyncio.CancelledError  # the process is killed before the offset is committed

    first._commit = die  # type: ignore[method-assign]
    with pytest.raises(asyncio.CancelledError):
        await asyncio.wait_for(first.run(), 30)
    assert first.processed == 1
    assert len(await h.effects()) == 1

    second = h.consumer()  # same group: the offset was never committed, so it is redelivered

    async def redelivered() -> bool:
        return second.duplicates >= 1

    await run_consumer_until(second, redelivered)
    effects = await h.effects()
    assert [e.event_id for e in effects] == [env.id]
    assert second.processed == 0


async def test_the_same_event_delivered_twice_has_one_effect(h: Harness) -> None:
    env = await h.emit("A-4", 1)
    await h.relay().publish_batch()
    await h.produce_raw("A-4", env.to_json_bytes())  # a duplicate delivery of the same event
    c = h.consumer()

    async def both_seen() -> bool:
        return c.processed + c.duplicates >= 2

    await run_consumer_until(c, both_seen)
    assert c.processed == 1 and c.duplicates == 1
    assert [e.event_id for e in await h.effects()] == [env.id]


async def test_unknown_type_or_invalid_payload_goes_to_dead_letter_and_partition_moves_on(h: Harness) -> None:
    now = datetime.now(tz=UTC).isoformat()
    base = {
        "specversion": "1.0",
        "source": "/test",
        "time": now,
        "subject": "A-5",
        "correlation_id": "c",
        "datacontenttype": "application/json",
        "version": 1,
    }
    unknown = {**base, "id": str(uuid.uuid4()), "type": "nobody.knows", "data": {}}
    invalid = {**base, "id": str(uuid.uuid4()), "type": "widget.happened", "data": {"application_id": "A-5"}}
    await h.produce_raw("A-5", orjson.dumps(unknown))
    await h.produce_raw("A-5", orjson.dumps(invalid))
    await h.produce_raw("A-5", b"not json at all")
    good = await h.emit("A-5", 7)
    await h.relay().publish_batch()
    c = h.consumer()

    async def good_applied() -> bool:
        return c.processed >= 1

    await run_consumer_until(c, good_applied)
    assert [e.event_id for e in await h.effects()] == [good.id]
    async with h.sf() as s:
        rows = (await s.execute(sa.text("SELECT reason_code, error FROM dead_letters ORDER BY id"))).all()
    assert [r.reason_code for r in rows] == ["unknown_type", "invalid_payload", "invalid_envelope"]
    assert "seq" in rows[1].error
    # ... and they reach the dead-letter topic, with their reasons.
    await h.relay().publish_batch()
    dlq = await consume(h.infra.kafka, h.settings.topic(dead_letter_topic("intake")), until=3)
    reasons = sorted(orjson.loads(r.value)["reason_code"] for r in dlq)
    assert reasons == ["invalid_envelope", "invalid_payload", "unknown_type"]
    assert all(orjson.loads(r.value)["original"]["topic"] == h.settings.topic(TOPIC) for r in dlq)


async def test_events_of_one_application_arrive_in_order(h: Harness) -> None:
    apps = [f"A-6-{i}" for i in range(5)]
    # Interleave many events of several applications over several transactions and batches.
    for seq in range(40):
        async with h.sf() as s, s.begin():
            for a in apps:
                await h.outbox.emit(
                    s, WidgetHappened(application_id=a, seq=seq), subject=a, correlation_id="o"
                )
    relay = h.relay()
    relay.batch_size = 37  # batches cut across transactions
    while await relay.publish_batch():
        pass
    c = h.consumer()

    async def all_in() -> bool:
        return c.processed >= 200

    await run_consumer_until(c, all_in, timeout_s=40)
    by_app: dict[str, list[int]] = {}
    for e in await h.effects():
        by_app.setdefault(e.subject, []).append(e.seq)
    assert by_app == {a: list(range(40)) for a in apps}


async def test_several_relays_running_at_once_publish_each_row_once(h: Harness) -> None:
    async with h.sf() as s, s.begin():
        for i in range(300):
            await h.outbox.emit(
                s,
                WidgetHappened(application_id=f"R-{i % 7}", seq=i),
                subject=f"R-{i % 7}",
                correlation_id="r",
            )
    relays = [h.relay() for _ in range(3)]
    for r in relays:
        r.batch_size = 20

    async def drain(r: OutboxRelay) -> None:
        idle = 0
        while idle < 5:
            idle = idle + 1 if await r.publish_batch() == 0 else 0
            await asyncio.sleep(0)

    await asyncio.gather(*(drain(r) for r in relays))
    assert sum(r.published_total for r in relays) == 300
    records = await consume(h.infra.kafka, h.settings.topic(TOPIC), until=301, timeout_s=6)
    ids = [orjson.loads(r.value)["id"] for r in records]
    assert len(ids) == 300 and len(set(ids)) == 300
