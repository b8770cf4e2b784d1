"""A broker that comes back empty (tansu keeps everything in memory; a re-created Kafka volume) loses no
event: the outbox is republished and consumers apply each event once, in order; the relay re-creates the
topics it needs by itself; consumers rejoin and continue.

Each test starts its own tansu broker on a free port (the session's broker is shared with other tests)."""

from __future__ import annotations

import asyncio
import json
import os
import subprocess
import sys
from collections.abc import AsyncIterator, Awaitable, Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
import orjson
import pytest
import sqlalchemy as sa
from aiokafka import AIOKafkaConsumer, TopicPartition
from aiokafka.admin import AIOKafkaAdminClient

from services.intake.app import create_app
from services.intake.config import Settings
from services.intake.context import build_service_context
from shared.api.auth import generate_keypair, issue_token
from shared.clock import SystemClock
from shared.db import create_engine, create_session_factory
from shared.devstack.servers import TansuBroker, free_port
from shared.events.registry import EventData, EventRegistry
from shared.messaging.inbox import Delivery, InboxConsumer
from shared.messaging.kafka import ensure_topics, make_producer, membership, positions_past_log_end
from shared.messaging.outbox import Outbox, OutboxRelay, republish
from shared.service import Worker, build_context
from shared.settings import ServiceSettings
from tests.support.infra import Infra, consume

pytestmark = pytest.mark.integration

REPO = Path(__file__).resolve().parents[3]
REG = EventRegistry()
TOPIC = "intake.events"


@REG.register("widget.moved", 1, producer="intake", consumers=("intake",))
class WidgetMoved(EventData):
    """Test-only event."""

    application_id: str
    seq: int


async def eventually(check: Callable[[], Awaitable[bool]], what: str, timeout_s: float = 40.0) -> None:
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout_s
    while not await check():
        if loop.time() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        await asyncio.sleep(0.1)


class Stack:
    """One service's database, its own broker, a relay running as in a worker, and consumers."""

    def __init__(self, infra: Infra, url: str, prefix: str, tmp: Path) -> None:
        self.port = free_port()
        self.broker = TansuBroker(self.port, log_path=tmp / "tansu.log")
        self.settings = ServiceSettings(
            service_name="intake",
            database_url=url,
            **{**infra.settings_kwargs(prefix), "kafka_bootstrap_servers": f"127.0.0.1:{self.port}"},
            kafka_request_timeout_ms=3000,  # a send to a broker without the topic fails after 3 s
        )
        self.engine = create_engine(self.settings)
        self.sf = create_session_factory(self.engine)
        self.clock = SystemClock()
        self.outbox = Outbox(self.settings, self.clock, REG)
        self.relay: OutboxRelay | None = None
        self._tasks: list[asyncio.Task[None]] = []
        self._consumers: list[InboxConsumer] = []

    async def start(self) -> None:
        self.broker.start()
        async with self.engine.begin() as conn:
            await conn.execute(
                sa.text(
                    "CREATE TABLE effects (id bigserial primary key, consumer text, event_id uuid, "
                    "subject text, seq int)"
                )
            )
        await ensure_topics(self.settings)
        producer = make_producer(self.settings, "relay")
        await producer.start()
        self.relay = OutboxRelay(self.settings, self.sf, producer, self.clock)
        self._tasks.append(asyncio.create_task(self.relay.run()))

    def restart_broker_empty(self) -> None:
        self.broker.stop()
        self.broker.start()

    def start_consumer(
        self, name: str, hold: Callable[[int], Awaitable[None]] | None = None
    ) -> InboxConsumer:
        async def handler(d: Delivery) -> None:
            if hold is not None:
                await hold(d.data.seq)
            await d.session.execute(
                sa.text("INSERT INTO effects (consumer, event_id, subject, seq) VALUES (:c, :e, :s, :q)"),
                {"c": name, "e": d.envelope.id, "s": d.envelope.subject, "q": d.data.seq},
            )

        c = InboxConsumer(
            name=name,
            settings=self.settings,
            session_factory=self.sf,
            outbox=self.outbox,
            clock=self.clock,
            topics=[TOPIC],
            handlers={"widget.moved": handler},
            registry=REG,
        )
        self._consumers.append(c)
        self._tasks.append(asyncio.create_task(c.run()))
        return c

    async def emit(self, seqs: range) -> None:
        async with self.sf() as s, s.begin():
            for seq in seqs:
                app = f"A-{seq % 3}"
                await self.outbox.emit(
                    s, WidgetMoved(application_id=app, seq=seq), subject=app, correlation_id="t"
                )

    async def effects(self, consumer: str) -> dict[str, list[int]]:
        async with self.sf() as s:
            rows = (
                await s.execute(
                    sa.text("SELECT subject, seq FROM effects WHERE consumer = :c ORDER BY id"),
                    {"c": consumer},
                )
            ).all()
        out: dict[str, list[int]] = {}
        for subject, seq in rows:
            out.setdefault(subject, []).append(seq)
        return out

    async def unpublished(self) -> int:
        async with self.sf() as s:
            return int(await s.scalar(sa.text("SELECT count(*) FROM outbox WHERE published_at IS NULL")) or 0)

    async def close(self) -> None:
        if self.relay:
            self.relay.stop()
        for c in self._consumers:
            c.stop()
        for t in self._tasks:
            t.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)
        if self.relay:
            await self.relay.producer.stop()
        await self.engine.dispose()
        self.broker.stop()


@pytest.fixture
async def stack(infra: Infra, topic_prefix: str, tmp_path: Path) -> AsyncIterator[Stack]:
    url = await infra.fresh_database("intake")
    st = Stack(infra, url, topic_prefix, tmp_path)
    await st.start()
    try:
        yield st
    finally:
        await st.close()
        await infra.drop(url)


def expected(seqs: range) -> dict[str, list[int]]:
    out: dict[str, list[int]] = {}
    for seq in seqs:
        out.setdefault(f"A-{seq % 3}", []).append(seq)
    return out


async def test_events_lost_with_the_broker_are_republished_and_every_consumer_applies_each_once(
    stack: Stack,
) -> None:
    since = stack.clock.now()
    live = stack.start_consumer("intake.live")  # runs throughout, across the broker restart
    await stack.emit(range(0, 12))

    def live_has(n: int) -> Callable[[], Awaitable[bool]]:
        async def check() -> bool:
            return sum(map(len, (await stack.effects("intake.live")).values())) >= n

        return check

    await eventually(live_has(12), "the live consumer to apply the first events")
    # More events, relayed to the broker but not yet read by the late consumer (its worker is down)...
    await stack.emit(range(12, 20))
    await eventually(lambda: _zero(stack.unpublished()), "the relay to publish")
    await eventually(live_has(20), "the live consumer to apply every event")
    # ... when the broker dies and comes back empty. As the local stack does: republish while it is down.
    stack.broker.stop()
    async with stack.sf() as s, s.begin():
        rows = await republish(s, "intake", since)
    assert rows == 20
    stack.broker.start()
    await ensure_topics(stack.settings)

    late = stack.start_consumer("intake.late")
    await stack.emit(range(20, 26))  # and the round goes on
    await eventually(live_has(26), "the live consumer to rejoin and apply the new events")

    async def late_has_all() -> bool:
        return sum(map(len, (await stack.effects("intake.late")).values())) >= 26

    await eventually(late_has_all, "the late consumer to receive every event")

    async def live_saw_copies() -> bool:
        return live.duplicates >= 20

    await eventually(live_saw_copies, "the live consumer to see the republished copies")
    await asyncio.sleep(1.0)  # nothing more arrives
    assert await stack.effects("intake.late") == expected(range(26)), "every event once, each key in order"
    assert await stack.effects("intake.live") == expected(range(26)), "the copies had no second effect"
    # The live consumer saw every republished copy (and, having lost its committed offsets with the broker,
    # may re-read after its rejoin what it had read before): none had an effect.
    assert live.duplicates >= 20 and live.dead_lettered == 0 and late.dead_lettered == 0


async def test_an_offset_read_before_the_broker_came_back_empty_is_never_committed_into_the_new_log(
    stack: Stack,
) -> None:
    """Regression (the chaos test's stall): a consumer busy with a record while the broker dies commits that
    record's offset only as the group member that fetched it. aiokafka's own commit retried until the broker
    was back and then committed the old log's offset into the new, empty cluster (as the rejoined member, or
    as no member at all); a consumer starting from it skipped every record the new log held below it."""
    entered, gate = asyncio.Event(), asyncio.Event()

    async def hold(seq: int) -> None:
        if seq == 12:
            entered.set()
            await gate.wait()

    name = "intake.gated"
    first = stack.start_consumer(name, hold)
    await stack.emit(range(0, 12))

    async def applied(n: int) -> bool:
        return sum(map(len, (await stack.effects(name)).values())) >= n

    await eventually(lambda: applied(12), "the first events")
    await stack.emit(range(12, 13))
    await asyncio.wait_for(entered.wait(), 30)  # its handler now waits: the offset to commit is the old log's
    fetched_in = first._consumer and membership(first._consumer)
    stack.restart_broker_empty()  # nothing to republish: every event was applied
    await ensure_topics(stack.settings)

    async def rejoined() -> bool:
        now = membership(first._consumer) if first._consumer is not None else (-1, "")
        return now[0] >= 0 and now != fetched_in

    await eventually(rejoined, "the consumer to join the group anew on the new broker")
    gate.set()
    await eventually(lambda: applied(13), "the held event")
    await eventually(lambda: _at_least(first.commits_skipped, 1), "the old offset to be refused")
    first.stop()
    await asyncio.sleep(1.0)  # its loop ends within a poll
    # The worker restarts (its consumer reads from the group's committed offsets) and the round goes on: more
    # events than the old log had, so that the new log reaches past the old offsets.
    second = stack.start_consumer(name)
    await stack.emit(range(13, 60))
    await eventually(lambda: applied(60), "every new event, including those below the old offsets")
    await asyncio.sleep(0.5)
    assert await stack.effects(name) == expected(range(60)), "every event once, each key in order"
    assert second.dead_lettered == 0


async def test_a_position_past_the_end_of_a_new_log_is_found_and_read_again_from_the_start(
    tmp_path: Path,
) -> None:
    """tansu answers a fetch past the log's end with nothing (Apache Kafka: OFFSET_OUT_OF_RANGE, and the consumer
    resets): a consumer that kept its position from a broker that came back empty waited there, past every
    record of the new log. ``positions_past_log_end`` finds such a partition (the consumer has no group here,
    so no rejoin resets it, as when a rejoin does not happen)."""
    broker = TansuBroker(free_port(), log_path=tmp_path / "tansu.log")
    settings = ServiceSettings(kafka_bootstrap_servers=broker.start(), kafka_partitions=1)
    tp = TopicPartition(settings.topic(TOPIC), 0)

    async def produce(values: range) -> None:
        producer = make_producer(settings, "test")
        await producer.start()
        try:
            for v in values:
                await producer.send_and_wait(tp.topic, str(v).encode(), partition=0)
        finally:
            await producer.stop()

    async def read(n: int, timeout_s: float = 5.0) -> list[int]:
        got: list[int] = []
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout_s
        while len(got) < n and loop.time() < deadline:
            for records in (await consumer.getmany(timeout_ms=200)).values():
                got += [int(r.value or b"-1") for r in records]
        return got

    await ensure_topics(settings, [TOPIC])
    await produce(range(10))
    consumer = AIOKafkaConsumer(bootstrap_servers=settings.kafka_bootstrap_servers, enable_auto_commit=False)
    await consumer.start()
    try:
        consumer.assign([tp])
        await consumer.seek_to_beginning(tp)
        assert await read(10) == list(range(10))
        assert positions_past_log_end(consumer) == []
        broker.stop()
        broker.start()
        await ensure_topics(settings, [TOPIC])
        await produce(range(100, 104))  # the new log: 4 records, the position: 10
        assert await read(1, timeout_s=3.0) == [], "tansu returns nothing past the log's end"
        assert positions_past_log_end(consumer) == [tp]
        await consumer.seek_to_beginning(tp)
        assert await read(4) == [100, 101, 102, 103]
        assert positions_past_log_end(consumer) == []
    finally:
        await consumer.stop()
        broker.stop()


async def test_tansu_takes_records_for_a_topic_it_lacks_and_the_partition_breaks_once_it_is_created(
    tmp_path: Path,
) -> None:
    """Why the local stack holds the workers while its broker restarts (``broker_child``): a producer still
    holding records for the dead broker sends them the instant the new one listens; tansu acknowledges them
    though it has no such topic, and once the topic is created its partition is broken: its end offset is
    wrong and the next record is refused (Apache Kafka refuses the first record: UNKNOWN_TOPIC_OR_PARTITION).
    This is the broker's behaviour, pinned: if a tansu release fixes it, the hold can go."""
    broker = TansuBroker(free_port(), log_path=tmp_path / "tansu.log")
    settings = ServiceSettings(kafka_bootstrap_servers=broker.start(), kafka_partitions=1)
    topic = settings.topic(TOPIC)
    await ensure_topics(settings, [TOPIC])
    producer = make_producer(settings, "test")
    await producer.start()
    try:
        await producer.send_and_wait(topic, b"before", partition=0)
        broker.stop()
        queued = [await producer.send(topic, f"queued {i}".encode(), partition=0) for i in range(5)]
        await asyncio.sleep(0.5)
        broker.start()  # empty: no topic
        await asyncio.wait_for(asyncio.gather(*queued), 15)  # acknowledged all the same
        assert await ensure_topics(settings, [TOPIC]) == [topic], "the topic did not exist"
        with pytest.raises(Exception):  # noqa: B017 - tansu answers with an unknown error code
            await asyncio.wait_for(producer.send_and_wait(topic, b"after", partition=0), 15)
    finally:
        await producer.stop()
        broker.stop()


async def _at_least(n: int, floor: int) -> bool:
    return n >= floor


async def _zero(n: Awaitable[int]) -> bool:
    return await n == 0


async def test_the_relay_recreates_the_topics_of_a_broker_that_came_back_empty(stack: Stack) -> None:
    await stack.emit(range(0, 3))
    await eventually(lambda: _zero(stack.unpublished()), "the first events to be published")

    stack.restart_broker_empty()  # nobody re-creates the topics but the relay itself
    await stack.emit(range(3, 6))
    await eventually(lambda: _zero(stack.unpublished()), "the relay to publish to the new broker", 60)

    assert stack.relay is not None
    topic = stack.settings.topic(TOPIC)
    admin = AIOKafkaAdminClient(bootstrap_servers=stack.broker.bootstrap)
    await admin.start()
    try:
        described = {t["topic"]: t for t in await admin.describe_topics([topic])}
    finally:
        await admin.close()
    assert len(described[topic]["partitions"]) == stack.settings.kafka_partitions, (
        "the topic was created with its partition count, not auto-created by a producer"
    )
    assert topic in stack.relay.topics_recreated
    records = await consume(stack.broker.bootstrap, topic, until=3)
    assert sorted(orjson.loads(r.value)["data"]["seq"] for r in records) == [3, 4, 5]

    # and it keeps working: the next events go straight through
    await stack.emit(range(6, 8))
    await eventually(lambda: _zero(stack.unpublished()), "the relay to go on publishing", 10)


async def test_republish_through_the_ops_api_and_the_cli(infra: Infra, topic_prefix: str) -> None:
    url = await infra.fresh_database("intake")
    priv, pub = generate_keypair()
    settings = Settings(database_url=url, jwt_public_key=pub, **infra.settings_kwargs(topic_prefix))
    app = create_app(settings)
    ctx = build_service_context(settings)
    app.state.ctx = ctx
    clock = SystemClock()
    outbox = Outbox(settings, clock, REG)
    try:
        async with ctx.session_factory() as s, s.begin():
            for seq in range(4):
                await outbox.emit(
                    s, WidgetMoved(application_id="A-1", seq=seq), subject="A-1", correlation_id="t"
                )
        async with ctx.session_factory() as s, s.begin():
            await s.execute(sa.text("UPDATE outbox SET published_at = created_at"))
            await s.execute(
                sa.text(
                    "UPDATE outbox SET created_at = created_at - interval '2 days', "
                    "published_at = published_at - interval '2 days' WHERE seq = (SELECT min(seq) FROM outbox)"
                )
            )

        async def unpublished() -> int:
            async with ctx.session_factory() as s:
                return int(
                    await s.scalar(sa.text("SELECT count(*) FROM outbox WHERE published_at IS NULL")) or 0
                )

        since = clock.now() - timedelta(days=1)
        ops = issue_token(priv, subject="op1", roles=["operations_admin"], now=clock.now())
        staff = issue_token(priv, subject="s1", roles=["bureau_staff"], now=clock.now())
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://t") as http:
            body = {"since": since.isoformat()}
            assert (await http.post("/v1/ops/outbox/republish", json=body)).status_code == 401
            r = await http.post(
                "/v1/ops/outbox/republish", json=body, headers={"Authorization": f"Bearer {staff}"}
            )
            assert r.status_code == 403
            r = await http.post(
                "/v1/ops/outbox/republish",
                json={"since": "2026-06-01T08:00:00"},
                headers={"Authorization": f"Bearer {ops}"},
            )
            assert r.status_code == 422, "a time without a zone is ambiguous"
            r = await http.post(
                "/v1/ops/outbox/republish", json=body, headers={"Authorization": f"Bearer {ops}"}
            )
            assert r.status_code == 200, r.text
            assert r.json()["rows"] == 3, "the row from two days ago is not sent again"
        assert await unpublished() == 3

        async with ctx.session_factory() as s, s.begin():
            await s.execute(sa.text("UPDATE outbox SET published_at = created_at"))
        env = {
            **os.environ,
            "INTAKE_DATABASE_URL": url,
            "INTAKE_LOG_JSON": "false",
        }
        cli_since = (datetime.now(UTC) - timedelta(days=3)).isoformat()
        done = await asyncio.to_thread(
            subprocess.run,
            [sys.executable, "-m", "services.intake", "republish", "--since", cli_since],
            cwd=REPO,
            env=env,
            capture_output=True,
            text=True,
            timeout=120,
        )
        assert done.returncode == 0, done.stderr
        assert "intake: 4 outbox rows" in done.stdout
        assert await unpublished() == 4
        bad = await asyncio.to_thread(
            subprocess.run,
            [sys.executable, "-m", "services.intake", "republish", "--since", "2026-06-01T08:00:00"],
            cwd=REPO,
            env=env,
            capture_output=True,
            text=True,
            timeout=120,
        )
        assert bad.returncode == 2 and "time zone" in bad.stderr
    finally:
        await ctx.close()
        await infra.drop(url)


async def test_a_worker_whose_task_dies_exits_with_a_non_zero_status(infra: Infra, topic_prefix: str) -> None:
    url = await infra.fresh_database("intake")
    settings = ServiceSettings(service_name="intake", database_url=url, **infra.settings_kwargs(topic_prefix))
    ctx = build_context(settings)

    async def dies() -> None:
        await asyncio.sleep(0.2)
        raise RuntimeError("a bug in a job")

    try:
        worker = Worker(ctx, consumers=[], jobs=[dies])
        status = await asyncio.wait_for(worker.run_forever(), 30)
        assert status == 1
    finally:
        await ctx.close()
        await infra.drop(url)


async def test_a_worker_writes_its_heartbeat_with_every_loop(
    infra: Infra, topic_prefix: str, tmp_path: Path
) -> None:
    from shared.heartbeat import check_heartbeat

    url = await infra.fresh_database("intake")
    heartbeat = tmp_path / "worker-heartbeat.json"
    settings = ServiceSettings(
        service_name="intake",
        database_url=url,
        heartbeat_file=heartbeat,
        heartbeat_interval_s=0.2,
        **infra.settings_kwargs(topic_prefix),
    )
    ctx = build_context(settings)

    async def nothing(d: Delivery) -> None:
        return None

    consumer = ctx.consumer("intake.heartbeat-test", ["review.events"], {"verification.completed": nothing})
    worker = Worker(ctx, consumers=[consumer])
    try:
        await worker.start()
        for _ in range(100):
            if heartbeat.exists():
                break
            await asyncio.sleep(0.1)
        doc = json.loads(heartbeat.read_text())
        assert set(doc["loops"]) == {"outbox-relay", "intake.heartbeat-test"}
        assert check_heartbeat(heartbeat, max_age_s=30) is None
    finally:
        await worker.stop()
        await ctx.close()
        await infra.drop(url)
