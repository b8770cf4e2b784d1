"""Batch consumption (issue 13 item 7), against the real PostgreSQL and the real broker: the records of a
partition taken by one poll are claimed and applied in one transaction, in offset order, each in a
savepoint; a refusal dead-letters only its record; any other failure rolls the batch back and applies its
records one at a time, exactly once; a crash between the commit and the offset commit has no second effect;
each key keeps its order across batches; the audit trail records each applied event once."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from typing import Any

import orjson
import pytest
import sqlalchemy as sa
from aiokafka import AIOKafkaProducer, ConsumerRecord

from shared.api.errors import Invalid
from shared.audit import verify
from shared.clock import SystemClock
from shared.events.envelope import Envelope
from shared.events.registry import EventData, EventRegistry, dead_letter_topic
from shared.messaging.inbox import Delivery, Handler, InboxConsumer
from shared.messaging.kafka import ensure_topics, make_producer
from shared.messaging.outbox import OutboxRelay
from shared.service import build_context
from shared.settings import ServiceSettings
from tests.support.infra import Infra, consume

pytestmark = pytest.mark.integration

REG = EventRegistry()
TOPIC = "intake.events"
REFUSE = -1  # a record with this seq is refused by the handler (after writing its effect)
REFUSE_AFTER_DB_ERROR = (
    -2
)  # ... refused after a statement failed (the transaction is aborted until rolled back)


@REG.register("gadget.happened", 1, producer="intake", consumers=("intake",))
class GadgetHappened(EventData):
    """Test-only event."""

    application_id: str
    seq: int


class Harness:
    def __init__(self, infra: Infra, settings: ServiceSettings) -> None:
        self.infra = infra
        self.settings = settings
        self.ctx = build_context(settings, SystemClock())
        self.ctx.outbox.registry = REG
        self.sf = self.ctx.session_factory
        self.producer: AIOKafkaProducer | None = None
        self.failures: dict[int, BaseException] = {}  # seq → raised once, at its first attempt
        self.batches: list[bool] = []  # what each handle_batch call returned

    async def start(self) -> None:
        async with self.ctx.engine.begin() as conn:
            await conn.execute(
                sa.text(
                    "CREATE TABLE effects (id bigserial primary key, event_id uuid, subject text, seq int)"
                )
            )
        await ensure_topics(self.settings)
        self.producer = make_producer(self.settings, "test")
        await self.producer.start()

    async def close(self) -> None:
        if self.producer:
            await self.producer.stop()
        await self.ctx.close()

    async def emit(self, *events: tuple[str, int]) -> list[Envelope]:
        """Publish events (application, seq) through the outbox and the relay, in this order."""
        async with self.sf() as s, s.begin():
            out = [
                await self.ctx.outbox.emit(
                    s, GadgetHappened(application_id=a, seq=q), subject=a, correlation_id="batch"
                )
                for a, q in events
            ]
        assert self.producer is not None
        relay = OutboxRelay(self.settings, self.sf, self.producer, self.ctx.clock)
        while await relay.publish_batch():
            pass
        return out

    async def produce_raw(self, key: str, value: bytes) -> None:
        assert self.producer is not None
        await self.producer.send_and_wait(self.settings.topic(TOPIC), value=value, key=key.encode())

    def consumer(self, name: str = "intake.batch-test") -> InboxConsumer:
        async def handler(d: Delivery) -> None:
            tx = self.ctx.tx_for(d)  # audited once per applied event, at commit
            await tx.session.execute(
                sa.text("INSERT INTO effects (event_id, subject, seq) VALUES (:e, :s, :q)"),
                {"e": d.envelope.id, "s": d.envelope.subject, "q": d.data.seq},
            )
            if d.data.seq == REFUSE:
                raise Invalid("widget_refused", "this record is refused")
            if d.data.seq == REFUSE_AFTER_DB_ERROR:
                try:
                    await tx.session.execute(sa.text("SELECT 1 / 0"))
                except sa.exc.DBAPIError as e:
                    raise Invalid("widget_unworkable", "this record cannot be worked out") from e
            failure = self.failures.pop(d.data.seq, None)
            if failure is not None:
                raise failure

        handlers: dict[str, Handler] = {"gadget.happened": handler}
        c = InboxConsumer(
            name=name,
            settings=self.settings,
            session_factory=self.sf,
            outbox=self.ctx.outbox,
            clock=self.ctx.clock,
            topics=[TOPIC],
            handlers=handlers,
            registry=REG,
        )
        real = c.handle_batch

        async def spy(records: Any) -> bool:
            done = await real(records)
            self.batches.append(done)
            return done

        c.handle_batch = spy  # type: ignore[method-assign]
        return c

    async def records(self, n: int) -> list[ConsumerRecord[bytes, bytes]]:
        got = await consume(self.infra.kafka, self.settings.topic(TOPIC), until=n)
        assert len(got) == n
        return sorted(got, key=lambda r: (r.partition, r.offset))

    async def effects(self) -> list[Any]:
        async with self.sf() as s:
            return list(
                (await s.execute(sa.text("SELECT event_id, subject, seq FROM effects ORDER BY id"))).all()
            )

    async def audited(self) -> list[str]:
        async with self.sf() as s:
            rows = await s.execute(sa.text("SELECT detail->>'event_id' FROM audit_chain ORDER BY seq"))
            return [r[0] for r in rows]

    async def dead_letters(self) -> list[Any]:
        async with self.sf() as s:
            return list(
                (
                    await s.execute(
                        sa.text("SELECT event_id, reason_code, error FROM dead_letters ORDER BY id")
                    )
                ).all()
            )


@pytest.fixture
async def h(infra: Infra, topic_prefix: str) -> AsyncIterator[Harness]:
    url = await infra.fresh_database("intake")
    kwargs = {**infra.settings_kwargs(topic_prefix), "consumer_batch_max_records": 50}
    harness = Harness(infra, ServiceSettings(service_name="intake", database_url=url, **kwargs))
    await harness.start()
    try:
        yield harness
    finally:
        await harness.close()
        await infra.drop(url)


async def run_until(c: InboxConsumer, cond: Any, timeout_s: float = 30.0) -> None:
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


async def test_a_duplicate_in_a_batch_is_skipped_and_the_rest_applied_once(h: Harness) -> None:
    envs = await h.emit(("A-1", 1), ("A-1", 2))
    await h.produce_raw("A-1", envs[0].to_json_bytes())  # the first event again, in the same partition
    later = await h.emit(("A-1", 3))
    records = await h.records(4)
    c = h.consumer()
    assert await c.handle_batch(records) is True
    assert (c.processed, c.duplicates, c.dead_lettered) == (3, 1, 0)
    effects = await h.effects()
    assert [e.seq for e in effects] == [1, 2, 3]
    assert [e.event_id for e in effects] == [envs[0].id, envs[1].id, later[0].id]
    assert await h.audited() == [str(e.event_id) for e in effects]
    # The same records again (a redelivery): all duplicates, nothing more.
    assert await c.handle_batch(records) is True
    assert (c.processed, c.duplicates) == (3, 5)
    assert len(await h.effects()) == 3


async def test_a_refused_record_mid_batch_is_dead_lettered_alone_and_the_rest_commits_in_order(
    h: Harness,
) -> None:
    envs = await h.emit(
        ("A-2", 1), ("A-2", 2), ("A-2", REFUSE), ("A-2", 4), ("A-2", REFUSE_AFTER_DB_ERROR), ("A-2", 5)
    )
    await h.produce_raw("A-2", b"not an envelope")  # a bad record at the end of the same batch
    records = await h.records(7)
    c = h.consumer()
    assert await c.handle_batch(records) is True
    assert (c.processed, c.duplicates, c.dead_lettered) == (4, 0, 3)
    effects = await h.effects()
    assert [e.seq for e in effects] == [1, 2, 4, 5], "the refused records' effects are rolled back"
    dead = await h.dead_letters()
    assert [(d.event_id, d.reason_code) for d in dead] == [
        (str(envs[2].id), "widget_refused"),
        (str(envs[4].id), "widget_unworkable"),
        (f"{records[6].topic}:{records[6].partition}:{records[6].offset}", "invalid_envelope"),
    ]
    assert dead[0].error == "this record is refused"
    assert "not an envelope" not in dead[2].error, "a reason never carries the input"
    # Only applied events are audited, in order, and the chain is intact.
    assert await h.audited() == [str(e.event_id) for e in effects]
    async with h.sf() as s:
        assert (await verify(s)).intact
    # The dead letters reach the dead-letter topic through the outbox of the same transaction.
    assert h.producer is not None
    relay = OutboxRelay(h.settings, h.sf, h.producer, h.ctx.clock)
    assert await relay.publish_batch() == 3
    dlq = await consume(h.infra.kafka, h.settings.topic(dead_letter_topic("intake")), until=3)
    reasons = sorted(orjson.loads(r.value)["reason_code"] for r in dlq)
    assert reasons == ["invalid_envelope", "widget_refused", "widget_unworkable"]
    # A redelivery of the batch: the applied records are duplicates, the dead letters are not written twice.
    assert await c.handle_batch(records) is True
    assert len(await h.dead_letters()) == 3
    assert [e.seq for e in await h.effects()] == [1, 2, 4, 5]


@pytest.mark.parametrize(
    "failure",
    [ConnectionError("database went away"), RuntimeError("a bug that happens once")],
    ids=["infrastructure", "bug"],
)
async def test_a_failure_mid_batch_falls_back_to_one_at_a_time_and_applies_everything_once(
    h: Harness, failure: BaseException
) -> None:
    envs = await h.emit(*[("A-3", q) for q in range(1, 9)])
    h.failures[5] = failure  # the fifth record fails once, after writing its effect
    c = h.consumer()

    async def all_applied() -> bool:
        return c.processed >= 8

    await run_until(c, all_applied)
    assert False in h.batches, "the failing batch rolls back"
    effects = await h.effects()
    assert [e.seq for e in effects] == list(range(1, 9))
    assert [e.event_id for e in effects] == [e.id for e in envs]
    assert (c.processed, c.duplicates, c.dead_lettered) == (8, 0, 0)
    assert await h.audited() == [str(e.id) for e in envs]


async def test_a_crash_between_commit_and_offset_commit_redelivers_without_a_second_effect(
    h: Harness,
) -> None:
    envs = await h.emit(*[("A-4", q) for q in range(1, 11)])
    first = h.consumer()

    async def die(*a: Any, **k: Any) -> None:
        raise asyncio.CancelledError  # the process is killed after the commit, before the offset commit

    first._commit = die  # type: ignore[method-assign]
    with pytest.raises(asyncio.CancelledError):
        await asyncio.wait_for(first.run(), 30)
    assert h.batches == [True]
    assert first.processed == 10
    second = h.consumer()  # same group: the offset was never committed

    async def redelivered() -> bool:
        return second.duplicates >= 10

    await run_until(second, redelivered)
    assert second.processed == 0
    assert [e.event_id for e in await h.effects()] == [e.id for e in envs]
    assert len(await h.audited()) == 10


async def test_each_key_keeps_its_order_across_batches_and_partitions(h: Harness) -> None:
    h.settings.consumer_batch_max_records = 7  # many small batches cutting across keys
    apps = [f"A-5-{i}" for i in range(6)]
    await h.emit(*[(a, q) for q in range(30) for a in apps])
    c = h.consumer()

    async def all_in() -> bool:
        return c.processed >= 180

    await run_until(c, all_in, timeout_s=60)
    assert len(h.batches) >= 180 // 7 and all(h.batches)
    by_app: dict[str, list[int]] = {}
    for e in await h.effects():
        by_app.setdefault(e.subject, []).append(e.seq)
    assert by_app == {a: list(range(30)) for a in apps}
    assert c.duplicates == 0


async def test_without_batching_every_record_has_its_own_transaction(h: Harness) -> None:
    h.settings.consumer_batch = False
    envs = await h.emit(*[("A-6", q) for q in range(1, 6)])
    c = h.consumer()

    async def all_in() -> bool:
        return c.processed >= 5

    await run_until(c, all_in)
    assert h.batches == []
    assert [e.event_id for e in await h.effects()] == [e.id for e in envs]
    assert await h.audited() == [str(e.id) for e in envs]
