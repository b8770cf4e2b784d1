"""Idempotent consumer (inbox) with bounded retries and a dead-letter topic.

For each record: decode the envelope, claim ``(consumer, event id)`` in the inbox table and
run the handler in the same database transaction, commit it, and only then commit the Kafka
offset. A redelivered event (crash before the offset commit, rebalance, duplicate publish)
finds its inbox row and has no second effect.

A handler that raises an error of the family in ``shared.api.errors`` refused the event: it is
dead-lettered at once with the error's code. A failure of infrastructure (the database restarting, a
dropped connection, a timeout; or ``Unavailable``) is retried without limit and without committing the
offset, so nothing is dead-lettered by an outage and later events of the partition wait in order. Any
other exception (a bug) is retried with exponential backoff up to ``consumer_max_attempts`` times; an
envelope that cannot be decoded, an unknown event type or an invalid payload is not retried. Either way the record is written to the ``dead_letters`` table and, through
the outbox, to the service's dead-letter topic with its reason; the partition moves on.
Staff see dead letters through the ops API and can replay them.

Batches: the records of one partition taken by one poll (at most ``consumer_batch_max_records``) are
claimed and applied in ONE transaction, in offset order (so each key's order is kept), and the offset is
committed once after it. Each record runs in its own savepoint: a handler's refusal rolls back that
record's effects only, and its dead letter (row and dead-letter event) goes into the same transaction.
An in-batch duplicate (inbox claim conflict) is skipped. A transient or infrastructure failure, or a bug,
rolls the whole batch back and the batch is applied again one record at a time, with the retries above:
failures behave exactly as without batches. ``consumer_batch=False`` applies every record alone.
"""

from __future__ import annotations

import asyncio
import logging
import random
import socket
import time
import uuid
from collections.abc import Awaitable, Callable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any, TypeAlias

import sqlalchemy as sa
from aiokafka import AIOKafkaConsumer, ConsumerRecord, TopicPartition
from pydantic import ValidationError
from sqlalchemy import exc as sa_exc
from sqlalchemy.dialects.postgresql import UUID
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from shared.api.errors import ApiError, Invalid
from shared.clock import Clock
from shared.events.envelope import Envelope
from shared.events.registry import (
    REGISTRY,
    EventData,
    EventRegistry,
    InvalidEventData,
    UnknownEventType,
    dead_letter_topic,
    describe_validation_error,
)
from shared.logging import correlation
from shared.messaging.kafka import (
    Membership,
    commit_as_member,
    make_consumer,
    membership,
    positions_past_log_end,
)
from shared.messaging.outbox import Outbox
from shared.settings import ServiceSettings

log = logging.getLogger(__name__)

inbox_t = sa.table(
    "inbox",
    sa.column("consumer", sa.String),
    sa.column("event_id", UUID(as_uuid=True)),
    sa.column("event_type", sa.String),
    sa.column("topic", sa.String),
    sa.column("partition", sa.Integer),
    sa.column("offset", sa.BigInteger),
    sa.column("processed_at", sa.DateTime(timezone=True)),
)
dead_letters_t = sa.table(
    "dead_letters",
    sa.column("id", sa.BigInteger),
    sa.column("consumer", sa.String),
    sa.column("event_id", sa.String),
    sa.column("event_type", sa.String),
    sa.column("topic", sa.String),
    sa.column("partition", sa.Integer),
    sa.column("offset", sa.BigInteger),
    sa.column("key", sa.String),
    sa.column("raw_value", sa.Text),
    sa.column("reason_code", sa.String),
    sa.column("error", sa.Text),
    sa.column("attempts", sa.Integer),
    sa.column("status", sa.String),
    sa.column("created_at", sa.DateTime(timezone=True)),
    sa.column("replayed_at", sa.DateTime(timezone=True)),
    sa.column("replayed_by", sa.String),
)


class _Savepoints:
    """The per-record savepoints of a batch: one name, sent straight to the driver (asyncpg's simple query
    protocol), the release of a record's savepoint in the same round trip as the next record's savepoint, the
    last one released by the commit. SQLAlchemy's ``begin_nested`` names every savepoint anew, and asyncpg
    prepares each new statement text, evicting from its cache the statements the batch reuses; and a
    statement through the session costs about five times the CPU of the same statement sent to the driver.
    Without asyncpg in a started transaction (never so after a batch's claim) they go through the session."""

    def __init__(self, session: AsyncSession, driver: Any) -> None:
        self.session = session
        self.driver = driver if driver is not None and getattr(driver, "is_in_transaction", bool)() else None
        self.open = False

    @classmethod
    async def of(cls, session: AsyncSession) -> _Savepoints:
        return cls(session, (await (await session.connection()).get_raw_connection()).driver_connection)

    async def _send(self, *commands: str) -> None:
        if self.driver is not None:
            await self.driver.execute("; ".join(commands))
            return
        for command in commands:
            await self.session.execute(sa.text(command))

    async def begin(self) -> None:
        """A new savepoint for the next record (the previous record's released)."""
        if self.open:
            await self._send("RELEASE SAVEPOINT inbox_record", "SAVEPOINT inbox_record")
        else:
            await self._send("SAVEPOINT inbox_record")
        self.open = True

    async def roll_back(self) -> None:
        """Undo everything since :meth:`begin` (the savepoint stays, empty)."""
        await self._send("ROLLBACK TO SAVEPOINT inbox_record")


class Interrupted(Exception):
    """The consumer was stopped while a record waited out an outage: the record stays uncommitted."""


#: Errors that say a dependency is down, not that the event is wrong: retried without limit.
_INFRA_ERRORS: tuple[type[BaseException], ...] = (
    ConnectionError,
    TimeoutError,
    socket.gaierror,
    sa_exc.OperationalError,
    sa_exc.InterfaceError,
    sa_exc.DisconnectionError,
    sa_exc.TimeoutError,
)


def is_infrastructure_error(e: BaseException, depth: int = 0) -> bool:
    """True for a failure of the database, the network or another dependency (a PostgreSQL restart, a
    dropped connection, a timeout), as opposed to a bug or a bad event."""
    if depth > 5:
        return False
    if isinstance(e, _INFRA_ERRORS):
        return True
    if isinstance(e, sa_exc.DBAPIError) and e.connection_invalidated:
        return True
    name = type(e).__module__ + "." + type(e).__name__
    if name.startswith("asyncpg.exceptions.") and (
        "Connection" in name
        or "CannotConnectNow" in name
        or "AdminShutdown" in name
        or "CrashShutdown" in name
    ):
        return True
    cause = e.__cause__ or e.__context__
    return (
        cause is not None
        and cause is not e
        and isinstance(cause, Exception)
        and is_infrastructure_error(cause)
    )


class PermanentError(Invalid):
    """An event that can never succeed: dead-lettered without retries.

    Any error of the family in ``shared.api.errors`` raised by a handler is treated the same way (its
    code becomes the dead letter's reason), except a transient one (``Unavailable``), which is retried.
    """


@dataclass
class Delivery:
    """What a handler receives: the event, and the transaction its effects must go into."""

    envelope: Envelope
    data: Any  # the decoded, upcast EventData of the handler's type
    session: AsyncSession
    outbox: Outbox
    consumer: str
    #: Set when records share one transaction (a batch): work due once per applied record right before the
    #: transaction commits (its audit record), keyed so that a second registration replaces the first. The
    #: consumer runs it after the batch's last record, and drops it with the record's savepoint if the record
    #: is refused. ``None``: the delivery has its transaction to itself (use the session's commit events).
    at_commit: dict[str, Callable[[], Awaitable[object]]] | None = field(default=None, repr=False)

    async def emit(self, data: EventData, *, subject: str) -> Envelope:
        """Emit a follow-up event in the same transaction, caused by this one."""
        return await self.outbox.emit(
            self.session,
            data,
            subject=subject,
            correlation_id=self.envelope.correlation_id,
            causation_id=str(self.envelope.id),
        )


Handler = Callable[[Delivery], Awaitable[None]]
Record: TypeAlias = ConsumerRecord[bytes, bytes]


class DeadLetter(Exception):
    def __init__(
        self, code: str, message: str, event_id: str | None = None, event_type: str | None = None
    ) -> None:
        super().__init__(message)
        self.code = code
        self.event_id = event_id
        self.event_type = event_type


@dataclass
class _Item:
    """One record of a batch, decoded, and what became of it in the batch's transaction."""

    record: Record
    env: Envelope | None = None
    data: EventData | None = None
    dead: DeadLetter | None = None
    outcome: str = "skipped"
    claimed: bool | None = None  # by the batch's one claim statement; None: claimed in its savepoint
    hooks: list[Callable[[], Awaitable[object]]] = field(default_factory=list)


class InboxConsumer:
    def __init__(
        self,
        *,
        name: str,
        settings: ServiceSettings,
        session_factory: async_sessionmaker[AsyncSession],
        outbox: Outbox,
        clock: Clock,
        topics: Iterable[str],
        handlers: dict[str, Handler],
        registry: EventRegistry = REGISTRY,
    ) -> None:
        self.name = name
        self.settings = settings
        self.session_factory = session_factory
        self.outbox = outbox
        self.clock = clock
        self.topics = [settings.topic(t) for t in topics]
        self.handlers = handlers
        self.registry = registry
        self.processed = 0
        self.duplicates = 0
        self.dead_lettered = 0
        self.commits_skipped = 0
        self.rewinds = 0
        self._stopping = asyncio.Event()
        self._consumer: AIOKafkaConsumer | None = None
        self.alive_at = time.time()

    # ---- one record -------------------------------------------------------------------
    def _decode(self, record: ConsumerRecord[bytes, bytes]) -> tuple[Envelope, EventData | None]:
        try:
            env = Envelope.from_json_bytes(record.value or b"")
        except ValidationError as e:
            why = describe_validation_error(e)  # never the input: it may be personal data
            raise DeadLetter("invalid_envelope", f"not a valid event envelope: {why}") from e
        if env.type not in self.registry.known_types():
            raise DeadLetter("unknown_type", f"unknown event type {env.type!r}", str(env.id), env.type)
        if env.type not in self.handlers:
            return env, None
        try:
            data = self.registry.decode(env.type, env.version, env.data)
        except UnknownEventType as e:
            raise DeadLetter("unsupported_version", str(e), str(env.id), env.type) from e
        except InvalidEventData as e:
            raise DeadLetter("invalid_payload", str(e), str(env.id), env.type) from e
        return env, data

    async def _claim(self, session: AsyncSession, record: Record, env: Envelope) -> bool:
        """Claim the event in the inbox, in the session's transaction. False if this consumer has it already."""
        claimed = await session.scalar(
            pg_insert(inbox_t)
            .values(
                consumer=self.name,
                event_id=env.id,
                event_type=env.type,
                topic=record.topic,
                partition=record.partition,
                offset=record.offset,
                processed_at=self.clock.now(),
            )
            .on_conflict_do_nothing()
            .returning(inbox_t.c.event_id)
        )
        return claimed is not None

    async def _apply(self, record: Record, env: Envelope, data: EventData) -> bool:
        """Run the handler once, inside the inbox transaction. False if already processed."""
        async with self.session_factory() as session, session.begin():
            if not await self._claim(session, record, env):
                return False
            await self.handlers[env.type](Delivery(env, data, session, self.outbox, self.name))
        return True

    async def handle_record(self, record: ConsumerRecord[bytes, bytes]) -> str:
        """Process one record to the end: applied, duplicate, skipped or dead-lettered."""
        try:
            env, data = self._decode(record)
        except DeadLetter as dl:
            await self._dead_letter(record, dl.code, str(dl), 1, dl.event_id, dl.event_type)
            return "dead_lettered"
        if data is None:
            return "skipped"
        attempt = 0
        delay = self.settings.consumer_backoff_initial_s
        with correlation(env.correlation_id):
            while True:
                attempt += 1
                try:
                    applied = await self._apply(record, env, data)
                except ApiError as e:
                    if not e.transient:
                        await self._dead_letter(record, e.code, str(e), attempt, str(env.id), env.type)
                        return "dead_lettered"
                    delay = await self._wait_out(env, attempt, delay, e)
                    continue
                except asyncio.CancelledError:
                    raise
                except Exception as e:
                    if is_infrastructure_error(e):
                        delay = await self._wait_out(env, attempt, delay, e)
                        continue
                    if attempt >= self.settings.consumer_max_attempts:
                        log.exception(
                            "%s: %s %s failed %d times; dead-lettering", self.name, env.type, env.id, attempt
                        )
                        await self._dead_letter(
                            record,
                            "handler_failed",
                            f"{type(e).__name__}: {e}",
                            attempt,
                            str(env.id),
                            env.type,
                        )
                        return "dead_lettered"
                    log.warning("%s: %s %s failed (attempt %d): %s", self.name, env.type, env.id, attempt, e)
                    await asyncio.sleep(delay * (0.5 + random.random()))  # jittered backoff
                    delay = min(delay * 2, self.settings.consumer_backoff_max_s)
                    continue
                if applied:
                    self.processed += 1
                    return "applied"
                self.duplicates += 1
                log.info("%s: duplicate %s %s ignored", self.name, env.type, env.id)
                return "duplicate"

    # ---- a batch: one partition's records in one transaction ------------------------------
    def _decode_item(self, record: Record) -> _Item:
        try:
            env, data = self._decode(record)
        except DeadLetter as dl:
            return _Item(record, dead=dl, outcome="dead_lettered")
        return _Item(record, env, data)

    async def handle_batch(self, records: Sequence[Record]) -> bool:
        """Apply one partition's records, in offset order, in one transaction, each in a savepoint.

        True when the transaction committed (every record applied, skipped as a duplicate or without a
        handler, or dead-lettered for a refusal or a bad envelope). False when it rolled back (a transient or
        infrastructure failure, or a bug): nothing of the batch remains and the caller applies its records
        one at a time with :meth:`handle_record`, whose retries decide what becomes of each.
        """
        started = time.perf_counter()
        items = [self._decode_item(r) for r in records]
        try:
            async with self.session_factory() as session, session.begin():
                await self._claim_batch(session, items)
                savepoints = await _Savepoints.of(session)
                for item in items:
                    await self._apply_item(session, savepoints, item)
                # Work due right before commit, in record order (the audit records): taken last, as alone.
                for item in items:
                    for hook in item.hooks:
                        await hook()
        except asyncio.CancelledError:
            raise
        except Exception as e:
            bug = not (isinstance(e, ApiError) or is_infrastructure_error(e))
            log.warning(
                "%s: batch of %d records of %s/%s rolled back (%s: %s); applying them one at a time",
                self.name,
                len(records),
                records[0].topic,
                records[0].partition,
                type(e).__name__,
                e,
                exc_info=bug,
            )
            return False
        counts = dict.fromkeys(("applied", "duplicate", "dead_lettered", "skipped"), 0)
        for item in items:
            counts[item.outcome] += 1
            if item.outcome == "duplicate" and item.env is not None:
                log.info("%s: duplicate %s %s ignored", self.name, item.env.type, item.env.id)
            elif item.dead is not None:
                self._dead_lettered(item.record, item.dead.code, str(item.dead))
        self.processed += counts["applied"]
        self.duplicates += counts["duplicate"]
        log.debug(
            "%s: batch %s/%s offsets %d-%d in %.1f ms: %s",
            self.name,
            records[0].topic,
            records[0].partition,
            records[0].offset,
            records[-1].offset,
            (time.perf_counter() - started) * 1000,
            counts,
        )
        return True

    async def _claim_batch(self, session: AsyncSession, items: Sequence[_Item]) -> None:
        """Claim the first record of each event of the batch in the inbox, in one statement (a later record
        of the same event is claimed in its own savepoint, as it would be alone)."""
        first: dict[uuid.UUID, _Item] = {}
        for item in items:
            if item.env is not None and item.data is not None and item.dead is None:
                first.setdefault(item.env.id, item)
        if not first:
            return
        now = self.clock.now()
        rows = [
            {
                "consumer": self.name,
                "event_id": event_id,
                "event_type": item.env.type if item.env else "",
                "topic": item.record.topic,
                "partition": item.record.partition,
                "offset": item.record.offset,
                "processed_at": now,
            }
            for event_id, item in first.items()
        ]
        claimed = set(
            await session.scalars(
                pg_insert(inbox_t).values(rows).on_conflict_do_nothing().returning(inbox_t.c.event_id)
            )
        )
        for event_id, item in first.items():
            item.claimed = event_id in claimed

    async def _apply_item(self, session: AsyncSession, savepoints: _Savepoints, item: _Item) -> None:
        """One record of a batch in its own savepoint; a refusal rolls back its effects (and its claim) and
        dead-letters it in the batch's transaction. Any other exception ends the batch."""
        record, env, data = item.record, item.env, item.data
        if item.dead is not None:
            dl = item.dead
            await self._insert_dead_letter(session, record, dl.code, str(dl), 1, dl.event_id, dl.event_type)
            return
        if env is None or data is None:
            return  # no handler for this type: skipped, as alone
        if item.claimed is False:
            item.outcome = "duplicate"
            return
        hooks: dict[str, Callable[[], Awaitable[object]]] = {}
        with correlation(env.correlation_id):
            await savepoints.begin()
            try:
                if item.claimed is None and not await self._claim(session, record, env):
                    item.outcome = "duplicate"
                else:
                    await self.handlers[env.type](Delivery(env, data, session, self.outbox, self.name, hooks))
                    item.hooks, item.outcome = list(hooks.values()), "applied"
            except ApiError as e:
                if e.transient:
                    raise
                await savepoints.roll_back()
                if item.claimed:  # claimed before the savepoint: a refused event keeps no inbox row, as alone
                    unclaim = sa.delete(inbox_t).where(
                        inbox_t.c.consumer == self.name, inbox_t.c.event_id == env.id
                    )
                    await session.execute(unclaim)
                item.dead = DeadLetter(e.code, str(e), str(env.id), env.type)
                item.outcome = "dead_lettered"
                await self._insert_dead_letter(session, record, e.code, str(e), 1, str(env.id), env.type)
                return

    async def _wait_out(self, env: Envelope, attempt: int, delay: float, e: BaseException) -> float:
        """A transient failure (the database or a dependency is down): wait and try again, for as long as
        it takes. The record is not dead-lettered and its offset is not committed, so the partition's
        later events wait behind it and are applied in order once the outage ends."""
        if self._stopping.is_set():
            raise Interrupted(f"{env.type} {env.id} not applied: stopping during an outage")
        self.alive_at = time.time()  # waiting for a dependency on purpose is progress, not a hang
        if attempt == 1 or attempt % 10 == 0:
            log.warning(
                "%s: %s %s waits for a dependency (attempt %d): %s",
                self.name,
                env.type,
                env.id,
                attempt,
                type(e).__name__,
            )
        await asyncio.sleep(delay * (0.5 + random.random()))
        return min(delay * 2, self.settings.consumer_backoff_max_s)

    async def _insert_dead_letter(
        self,
        session: AsyncSession,
        record: Record,
        code: str,
        error: str,
        attempts: int,
        event_id: str | None,
        event_type: str | None,
    ) -> None:
        """Write the dead letter and its dead-letter event in the session's transaction (once per record:
        the unique constraint makes a second write of the same record a no-op)."""
        raw = (record.value or b"").decode("utf-8", errors="replace")
        key = (record.key or b"").decode("utf-8", errors="replace") or "unknown"
        now = self.clock.now()
        row_id = await session.scalar(
            pg_insert(dead_letters_t)
            .values(
                consumer=self.name,
                event_id=event_id or f"{record.topic}:{record.partition}:{record.offset}",
                event_type=event_type,
                topic=record.topic,
                partition=record.partition,
                offset=record.offset,
                key=key,
                raw_value=raw,
                reason_code=code,
                error=error[:4000],
                attempts=attempts,
                status="open",
                created_at=now,
            )
            .on_conflict_do_nothing()
            .returning(dead_letters_t.c.id)
        )
        if row_id is not None:
            await self.outbox.add_raw(
                session,
                {
                    "dead_letter_id": row_id,
                    "consumer": self.name,
                    "reason_code": code,
                    "error": error[:4000],
                    "attempts": attempts,
                    "dead_lettered_at": now.isoformat(),
                    "original": {
                        "topic": record.topic,
                        "partition": record.partition,
                        "offset": record.offset,
                        "key": key,
                        "value": raw,
                    },
                },
                topic=self.settings.topic(dead_letter_topic(self.settings.service_name)),
                key=key,
                event_type="deadletter",
            )

    def _dead_lettered(self, record: Record, code: str, error: str) -> None:
        """Count and log a dead letter once its transaction has committed."""
        self.dead_lettered += 1
        log.error(
            "%s: dead-lettered %s@%s/%s: %s %s",
            self.name,
            record.topic,
            record.partition,
            record.offset,
            code,
            error[:500],
        )

    async def _dead_letter(
        self,
        record: Record,
        code: str,
        error: str,
        attempts: int,
        event_id: str | None,
        event_type: str | None,
    ) -> None:
        while True:
            try:
                async with self.session_factory() as session, session.begin():
                    await self._insert_dead_letter(
                        session, record, code, error, attempts, event_id, event_type
                    )
                self._dead_lettered(record, code, error)
                return
            except asyncio.CancelledError:
                raise
            except Exception:
                # The database is unreachable: keep the offset where it is and try again.
                log.exception("%s: could not record dead letter; retrying", self.name)
                await asyncio.sleep(1.0)

    # ---- the loop ---------------------------------------------------------------------
    async def run(self, ready: asyncio.Event | None = None) -> None:
        consumer = make_consumer(self.settings, group_id=self.name, topics=self.topics)
        self._consumer = consumer
        await consumer.start()
        try:
            if ready is not None:
                ready.set()
            batching = self.settings.consumer_batch
            while not self._stopping.is_set():
                self.alive_at = time.time()  # the heartbeat's proof that this loop turns
                await self._rewind_past_log_end(consumer)
                before = membership(consumer)
                batches = await consumer.getmany(
                    timeout_ms=300, max_records=self.settings.consumer_batch_max_records
                )
                # The records belong to the assignment of the membership the consumer has now (aiokafka drops
                # records fetched for an assignment a rejoin replaced); a membership that changed while
                # fetching commits none of them.
                fetched_in = membership(consumer)
                if before[0] >= 0 and before != fetched_in:
                    fetched_in = (-1, "")
                for tp, records in batches.items():
                    done = 0
                    try:
                        if batching and len(records) > 1 and await self.handle_batch(records):
                            done = len(records)
                        for record in records[done:]:
                            await self.handle_record(record)
                            done += 1
                    except Interrupted as e:
                        log.info("%s: %s", self.name, e)
                        if done:
                            await self._commit(consumer, tp, records[done - 1].offset + 1, fetched_in)
                        return
                    await self._commit(consumer, tp, records[-1].offset + 1, fetched_in)
        finally:
            self._consumer = None
            await consumer.stop()

    async def _rewind_past_log_end(self, consumer: AIOKafkaConsumer) -> None:
        """A position past the end of its log belongs to a log that is gone (a broker that came back empty, a
        re-created topic): read the partition again from its beginning; the inbox absorbs what was applied."""
        past = positions_past_log_end(consumer)
        if past:
            self.rewinds += len(past)
            log.warning(
                "%s: %s: the position is past the end of the log (the broker lost it); reading from the start",
                self.name,
                ", ".join(f"{tp.topic}/{tp.partition}" for tp in sorted(past)),
            )
            await consumer.seek_to_beginning(*past)

    async def _commit(
        self, consumer: AIOKafkaConsumer, tp: TopicPartition, offset: int, fetched_in: Membership
    ) -> None:
        """Commit the partition's offset as the group member that fetched its records, or not at all: after
        a rejoin (a rebalance, or a broker that came back empty) the offset may belong to another log."""
        try:
            if not await commit_as_member(consumer, tp, offset, fetched_in, timeout_s=10):
                self.commits_skipped += 1
                log.info(
                    "%s: offset %d of %s not committed: the group membership changed since its records were "
                    "fetched (a rebalance, or a broker that came back empty); they are in the inbox",
                    self.name,
                    offset,
                    tp,
                )
        except asyncio.CancelledError:
            raise
        except Exception as e:
            # Not fatal: the records are in the inbox; a redelivery has no second effect.
            log.warning("%s: offset commit for %s failed: %r", self.name, tp, e)

    def stop(self) -> None:
        self._stopping.set()


async def replay_dead_letter(
    session: AsyncSession, outbox: Outbox, dead_letter_id: int, who: str, now_: Any
) -> dict[str, Any] | None:
    """Put a dead letter's original record back on its topic (through the outbox)."""
    row = (
        (
            await session.execute(
                sa.select(dead_letters_t).where(dead_letters_t.c.id == dead_letter_id).with_for_update()
            )
        )
        .mappings()
        .first()
    )
    if row is None:
        return None
    if row["status"] != "open":
        return dict(row)
    import orjson

    try:
        doc = orjson.loads(row["raw_value"])
    except orjson.JSONDecodeError:
        doc = {"raw": row["raw_value"]}
    if not isinstance(doc, dict):
        doc = {"raw": doc}
    await outbox.add_raw(
        session,
        doc,
        topic=row["topic"],
        key=row["key"] or "unknown",
        event_type=row["event_type"] or "replay",
        event_id=uuid.uuid4(),
    )
    await session.execute(
        sa.update(dead_letters_t)
        .where(dead_letters_t.c.id == dead_letter_id)
        .values(status="replayed", replayed_at=now_, replayed_by=who)
    )
    updated = (
        (await session.execute(sa.select(dead_letters_t).where(dead_letters_t.c.id == dead_letter_id)))
        .mappings()
        .first()
    )
    return dict(updated) if updated else None
