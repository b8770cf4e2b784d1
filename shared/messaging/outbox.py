"""Transactional outbox.

A handler writes its state change and its outgoing events in the same transaction
(:meth:`Outbox.emit` only inserts a row). The :class:`OutboxRelay` publishes committed rows
to Kafka in batches (acks=all, key = subject = application id) and marks them published.

Several relay instances may run at once. Each batch is claimed under a transaction-scoped
advisory lock plus ``FOR UPDATE SKIP LOCKED``: one relay publishes at a time (the others
stand by and take over at once if it dies), which also keeps the per-application order
across batches. A relay that dies after publishing but before marking rows published
republishes them on restart (at-least-once); consumers deduplicate on the event id.

A lost broker (tansu keeps everything in memory; a Kafka volume re-created) loses every record it
held, acknowledged or not. Two things bring the events back:

- the relay checks its topics before its first batch and again after any failed batch, and re-creates
  the missing ones with their final partition count (:func:`~shared.messaging.kafka.ensure_topics`), so
  it keeps publishing to a new, empty broker without a restart;
- :func:`republish` (``python -m services.<name> republish --since …`` and
  ``POST /v1/ops/outbox/republish``) sets ``published_at`` back to NULL on every row created or
  published since a time, and the running relay sends them again. It re-sends rather than publishing
  itself so that the relay stays the only writer to the topics: rows go out in ``seq`` order, after
  older rows still waiting and before newer ones, which keeps each key's order (the key is the
  application id). Consumers' inboxes absorb the copies a surviving consumer had already applied.
  One case it cannot repair: rows newer than the republished ones that a relay already sent to the new
  broker were delivered first, so a consumer may see those before the older re-sent ones (their
  inboxes still apply each once). Republish before the relays reach the new broker — the local stack
  does it while the broker is still down — to keep every key in order.
"""

from __future__ import annotations

import asyncio
import logging
import time
import uuid
import zlib
from datetime import datetime
from typing import Any

import orjson
import sqlalchemy as sa
from aiokafka import AIOKafkaProducer
from sqlalchemy.dialects.postgresql import JSONB, UUID
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from shared.clock import Clock
from shared.events.envelope import CONTENT_TYPE, Envelope
from shared.events.registry import REGISTRY, EventData, EventRegistry
from shared.messaging.kafka import ensure_topics
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
        self.topics_recreated: list[str] = []
        self._topics_checked = False
        self._batches_failed = 0
        self._stopping = asyncio.Event()
        self.alive_at = time.time()

    async def _check_topics(self) -> None:
        """Create the topics the broker lacks (a new, empty broker; a re-created volume)."""
        created = await ensure_topics(self.settings)
        if created and self._batches_failed:
            self.topics_recreated.extend(created)
            log.warning("outbox relay: the broker lost %d topics; re-created %s", len(created), created)
        elif created:
            log.info("outbox relay: created topics %s", created)
        self._topics_checked = True

    async def publish_batch(self) -> int:
        """Publish at most one batch; returns how many rows were published (0: idle or standby).

        Checks the topics first when it has not yet or when the last batch failed (the broker may have
        been replaced by an empty one); a failed batch leaves its rows unpublished for the next one.
        """
        if not self._topics_checked:
            await self._check_topics()
        try:
            return await self._publish_batch()
        except BaseException:
            self._topics_checked = False
            self._batches_failed += 1
            raise

    async def _publish_batch(self) -> int:
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
            self.alive_at = time.time()  # the heartbeat's proof that this loop turns
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


async def republish(session: AsyncSession, service_name: str, since: datetime) -> int:
    """Mark every outbox row created or published since ``since`` unpublished again; the relay sends
    them again, in ``seq`` order. Returns how many rows. Run it in its own transaction.

    Waits for the relay's lock first, so that a batch in flight (sent to a broker that is now gone,
    not yet marked published) is committed or rolled back before the rows are chosen. Both times are
    compared because ``created_at`` and ``published_at`` come from different processes' clocks.
    """
    if since.tzinfo is None:
        raise ValueError("since must carry a time zone")
    await session.execute(sa.select(sa.func.pg_advisory_xact_lock(_lock_key(service_name))))
    marked = (
        sa.update(outbox_t)
        .where(
            outbox_t.c.published_at.is_not(None),
            sa.or_(outbox_t.c.created_at >= since, outbox_t.c.published_at >= since),
        )
        .values(published_at=None)
        .returning(outbox_t.c.seq)
        .cte("marked")
    )
    return int(await session.scalar(sa.select(sa.func.count()).select_from(marked)) or 0)
