"""Transactional outbox.

A handler writes its state change and its outgoing events in the same transaction
(:meth:`Outbox.emit` only inserts a row). The :class:`OutboxRelay` publishes committed rows
to Kafka in batches (acks=all, key = subject = application id) and marks them published.

Several relay instances may run at once. Each batch is claimed under a transaction-scoped
advisory lock plus ``FOR UPDATE SKIP LOCKED``: one relay publishes at a time (the others
stand by and take over at once if it dies), which also keeps the per-application order
across batches. A relay that dies after publishing but before marking rows published
republishes them on restart (at-least-once); consumers deduplicate on the event id.
"""

from __future__ import annotations

import asyncio
import logging
import uuid
import zlib
from typing import Any

import orjson
import sqlalchemy as sa
from aiokafka import AIOKafkaProducer
from sqlalchemy.dialects.postgresql import JSONB, UUID
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from shared.clock import Clock
from shared.events.envelope import CONTENT_TYPE, Envelope
from shared.events.registry import REGISTRY, EventData, EventRegistry
from shared.settings import ServiceSettings

log = logging.getLogger(__name__)

outbox_t = sa.table(
    "outbox",
    sa.column("seq", sa.BigInteger),
    sa.column("event_id", UUID(as_uuid=True)),
    sa.column("topic", sa.String),
    sa.column("key", sa.String),
    sa.column("event_type", sa.String),
    sa.column("envelope", JSONB),
    sa.column("created_at", sa.DateTime(timezone=True)),
    sa.column("published_at", sa.DateTime(timezone=True)),
)


class EventTooLarge(ValueError):
    pass


class Outbox:
    """Builds envelopes and adds them to the current transaction."""

    def __init__(self, settings: ServiceSettings, clock: Clock, registry: EventRegistry = REGISTRY) -> None:
        self.settings = settings
        self.clock = clock
        self.registry = registry
        self.source = f"/services/{settings.service_name}"

    def envelope(
        self,
        data: EventData,
        *,
        subject: str,
        correlation_id: str,
        causation_id: str | None = None,
    ) -> Envelope:
        spec = self.registry.spec_for(type(data))
        return Envelope(
            id=uuid.uuid4(),
            type=spec.type,
            version=spec.version,
            source=self.source,
            time=self.clock.now(),
            subject=subject,
            correlation_id=correlation_id,
            causation_id=causation_id,
            data=data.model_dump(mode="json"),
        )

    async def emit(
        self,
        session: AsyncSession,
        data: EventData,
        *,
        subject: str,
        correlation_id: str,
        causation_id: str | None = None,
    ) -> Envelope:
        """Add one event to the session's transaction; it is published only if that commits."""
        env = self.envelope(data, subject=subject, correlation_id=correlation_id, causation_id=causation_id)
        topic = self.settings.topic(self.registry.spec_for(type(data)).topic)
        await self.add_envelope(session, env, topic)
        return env

    async def add_envelope(self, session: AsyncSession, env: Envelope, topic: str) -> None:
        doc = env.model_dump(mode="json")
        size = len(env.to_json_bytes())
        if size > self.settings.kafka_max_message_bytes:
            raise EventTooLarge(
                f"event {env.type} for {env.subject} is {size} bytes; the limit is "
                f"{self.settings.kafka_max_message_bytes}"
            )
        await self.add_raw(session, doc, topic=topic, key=env.subject, event_type=env.type, event_id=env.id)

    async def add_raw(
        self,
        session: AsyncSession,
        doc: dict[str, Any],
        *,
        topic: str,
        key: str,
        event_type: str,
        event_id: uuid.UUID | None = None,
    ) -> None:
        """Add an arbitrary JSON record (dead letters, replays) to the transaction's outbox."""
        await session.execute(
            sa.insert(outbox_t).values(
                event_id=event_id or uuid.uuid4(),
                topic=topic,
                key=key,
                event_type=event_type,
                envelope=doc,
                created_at=self.clock.now(),
            )
        )


def _lock_key(name: str) -> int:
    return zlib.crc32(f"outbox-relay:{name}".encode()) & 0x7FFFFFFF


class OutboxRelay:
    """Publishes committed outbox rows to Kafka and marks them published."""

    def __init__(
        self,
        settings: ServiceSettings,
        session_factory: async_sessionmaker[AsyncSession],
        producer: AIOKafkaProducer,
        clock: Clock,
    ) -> None:
        self.settings = settings
        self.session_factory = session_factory
        self.producer = producer
        self.clock = clock
        self.batch_size = settings.outbox_batch_size
        self.published_total = 0
        self._stopping = asyncio.Event()

    async def publish_batch(self) -> int:
        """Publish at most one batch; returns how many rows were published (0: idle or standby)."""
        async with self.session_factory() as session, session.begin():
            got = await session.scalar(
                sa.select(sa.func.pg_try_advisory_xact_lock(_lock_key(self.settings.service_name)))
            )
            if not got:
                return 0  # another relay instance is publishing; stand by
            rows = (
                await session.execute(
                    sa.select(outbox_t.c.seq, outbox_t.c.topic, outbox_t.c.key, outbox_t.c.envelope)
                    .where(outbox_t.c.published_at.is_(None))
                    .order_by(outbox_t.c.seq)
                    .limit(self.batch_size)
                    .with_for_update(skip_locked=True)
                )
            ).all()
            if not rows:
                return 0
            futures = []
            for row in rows:
                doc: dict[str, Any] = row.envelope
                value = orjson.dumps(doc)
                if "specversion" in doc:
                    headers = [
                        ("content-type", CONTENT_TYPE.encode()),
                        ("ce_type", str(doc["type"]).encode()),
                        ("ce_id", str(doc["id"]).encode()),
                        ("ce_version", str(doc["version"]).encode()),
                    ]
                else:  # a dead-letter record or a replayed raw value
                    headers = [("content-type", b"application/json")]
                futures.append(
                    await self.producer.send(row.topic, value=value, key=row.key.encode(), headers=headers)
                )
            await asyncio.gather(*futures)  # every record acknowledged by the broker (acks=all)
            await session.execute(
                sa.update(outbox_t)
                .where(outbox_t.c.seq.in_([r.seq for r in rows]))
                .values(published_at=self.clock.now())
            )
        self.published_total += len(rows)
        return len(rows)

    async def run(self) -> None:
        """Publish until stopped; waits ``outbox_poll_interval_s`` when idle, backs off on errors."""
        backoff = self.settings.outbox_poll_interval_s
        while not self._stopping.is_set():
            try:
                n = await self.publish_batch()
                backoff = self.settings.outbox_poll_interval_s
            except asyncio.CancelledError:
                raise
            except Exception:
                log.exception("outbox relay batch failed; retrying")
                n = 0
                backoff = min(backoff * 2, 5.0)
            if n < self.batch_size:
                try:
                    await asyncio.wait_for(self._stopping.wait(), timeout=backoff)
                except TimeoutError:
                    pass

    def stop(self) -> None:
        self._stopping.set()
