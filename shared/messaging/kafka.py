"""aiokafka client factories with every safety-relevant setting explicit.

aiokafka's defaults are unsafe for us (acks=1, auto-commit on, auto_offset_reset=latest);
each is set here on purpose. See ../shared/ENVIRONMENT.md for what the local tansu broker
does not support (idempotence, end offsets, create_partitions).

Topics are never created by accident: aiokafka asks every metadata request to auto-create the
topics it names, and a broker that obeys (tansu always does; Kafka with ``auto.create.topics.enable``)
then creates them with its own default partition count — after a restart of tansu the relay's first
retry silently re-created ``intake.events`` with 4 partitions instead of ``kafka_partitions``. Importing this module turns that off
for every aiokafka client in the process; topics are created only by :func:`ensure_topics`, with their
final partition count (the worker at start, the relay when it finds them missing, the local stack).
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Iterable
from typing import Any

import aiokafka.admin.client
import aiokafka.client
from aiokafka import AIOKafkaConsumer, AIOKafkaProducer, TopicPartition
from aiokafka.admin import AIOKafkaAdminClient, NewTopic
from aiokafka.errors import (
    IllegalGenerationError,
    KafkaError,
    RebalanceInProgressError,
    TopicAlreadyExistsError,
    UnknownMemberIdError,
)
from aiokafka.helpers import create_ssl_context
from aiokafka.protocol.metadata import MetadataRequest
from aiokafka.structs import OffsetAndMetadata

from shared.events.registry import ALL_TOPICS
from shared.settings import ServiceSettings

log = logging.getLogger(__name__)


def _metadata_request(topics: list[str] | None = None, allow_auto_topic_creation: bool | None = None) -> Any:
    """aiokafka's metadata request, never asking the broker to create the topics it names."""
    return MetadataRequest(topics, allow_auto_topic_creation=False)


aiokafka.client.MetadataRequest = _metadata_request
aiokafka.admin.client.MetadataRequest = _metadata_request


def connection_options(settings: ServiceSettings) -> dict[str, Any]:
    """Security options every client of this service uses (production: SASL_SSL with the service's own
    principal; the local broker: PLAINTEXT)."""
    options: dict[str, Any] = {"security_protocol": settings.kafka_security_protocol}
    if settings.kafka_security_protocol in ("SSL", "SASL_SSL"):
        options["ssl_context"] = create_ssl_context(cafile=settings.kafka_ssl_cafile)
    if settings.kafka_security_protocol.startswith("SASL"):
        password = settings.kafka_sasl_password
        options |= {
            "sasl_mechanism": settings.kafka_sasl_mechanism,
            "sasl_plain_username": settings.kafka_sasl_username,
            "sasl_plain_password": password.get_secret_value() if password else None,
        }
    return options


def make_producer(settings: ServiceSettings, client_id: str) -> AIOKafkaProducer:
    return AIOKafkaProducer(
        bootstrap_servers=settings.require_kafka(),
        **connection_options(settings),
        client_id=client_id,
        acks="all",
        enable_idempotence=settings.kafka_enable_idempotence,
        linger_ms=5,
        max_batch_size=256 * 1024,
        request_timeout_ms=settings.kafka_request_timeout_ms,
        max_request_size=settings.kafka_max_message_bytes + 64 * 1024,
    )


def make_consumer(settings: ServiceSettings, group_id: str, topics: Iterable[str]) -> AIOKafkaConsumer:
    return AIOKafkaConsumer(
        *topics,
        bootstrap_servers=settings.require_kafka(),
        **connection_options(settings),
        group_id=group_id,
        client_id=group_id,
        enable_auto_commit=False,
        auto_offset_reset="earliest",
        session_timeout_ms=settings.kafka_session_timeout_ms,
        heartbeat_interval_ms=settings.kafka_heartbeat_interval_ms,
        request_timeout_ms=max(settings.kafka_request_timeout_ms, settings.kafka_session_timeout_ms + 5000),
        max_poll_records=settings.consumer_batch_max_records,
        isolation_level="read_uncommitted",
    )


#: A consumer's place in its group: (generation, member id). A new one after every join.
Membership = tuple[int, str]


def membership(consumer: AIOKafkaConsumer) -> Membership:
    """The consumer's current group membership (aiokafka keeps it on its private coordinator)."""
    coordinator = consumer._coordinator  # no public accessor (aiokafka is pinned >=0.14,<0.15)
    return int(coordinator.generation), str(coordinator.member_id)


async def commit_as_member(
    consumer: AIOKafkaConsumer, tp: TopicPartition, offset: int, member: Membership, timeout_s: float = 10.0
) -> bool:
    """Commit ``offset`` for ``tp`` only as the group member that fetched the records before it.

    ``AIOKafkaConsumer.commit`` retries until the broker answers, and builds every retry with whatever
    membership the consumer has by then. When the broker comes back empty (tansu keeps nothing; a re-created
    Kafka volume), a commit begun for the old cluster's log is sent again into the new one: as the member the
    consumer has become after its rejoin, or as no member at all (generation -1, which a group without
    members accepts). That offset means nothing in the new log; every record the new log holds below it is
    never read, and the consumer stalls (found by the chaos test: publicity never saw the ranking). Here
    every attempt first checks that the membership is still the one the records were fetched in — with no
    ``await`` between that check and the request being built — and gives up otherwise: the records are in
    the inbox, and their redelivery from wherever the new membership starts has no second effect.

    True when committed; False when the membership changed (nothing committed).
    Raises ``TimeoutError`` after ``timeout_s`` and a non-retriable ``KafkaError`` as is.
    """
    # aiokafka's own commit path (its coordinator's lock and single attempt), without its retry loop.
    coordinator = consumer._coordinator
    offsets = {tp: OffsetAndMetadata(offset, "")}

    async def attempt() -> bool:
        while True:
            await coordinator.ensure_coordinator_known()
            async with coordinator._commit_lock:
                subscription = consumer._subscription.subscription
                assignment = subscription.assignment if subscription is not None else None
                if (
                    member[0] < 0
                    or membership(consumer) != member
                    or assignment is None
                    or tp not in assignment.tps
                ):
                    return False
                try:
                    await coordinator._do_commit_offsets(assignment, offsets)
                    return True
                except (UnknownMemberIdError, IllegalGenerationError, RebalanceInProgressError):
                    return False
                except KafkaError as e:
                    if not e.retriable:
                        raise
            await asyncio.sleep(0.1)  # the broker is not there yet (aiokafka's retry backoff)

    return await asyncio.wait_for(attempt(), timeout_s)


def positions_past_log_end(consumer: AIOKafkaConsumer) -> list[TopicPartition]:
    """The assigned partitions whose fetch position lies beyond the end of the log, as the last fetch response
    for the partition gave it (its high watermark).

    Apache Kafka answers a fetch past the log's end with ``OFFSET_OUT_OF_RANGE`` and the consumer resets its
    position; tansu answers with no records and keeps the position. A consumer still holding a position from a
    broker that came back empty would wait there and never read what the new log holds below it. A position
    is never past the high watermark otherwise (it is at most the offset after the last record read).
    """
    subscription = consumer._subscription.subscription  # position and watermark: aiokafka's partition state
    assignment = subscription.assignment if subscription is not None else None
    if assignment is None or not assignment.active:
        return []
    past: list[TopicPartition] = []
    for tp in assignment.tps:
        state = assignment.state_value(tp)
        if state.has_valid_position and state.highwater is not None and state.position > state.highwater:
            past.append(tp)
    return past


async def ensure_topics(settings: ServiceSettings, names: Iterable[str] | None = None) -> list[str]:
    """Create the project's topics (with their final partition count) if missing.

    Producing to an unknown topic auto-creates it with one partition, so topics are always
    created explicitly first. Returns the names created.
    """
    wanted = [settings.topic(n) for n in (names if names is not None else ALL_TOPICS)]
    admin = AIOKafkaAdminClient(
        bootstrap_servers=settings.require_kafka(), request_timeout_ms=10_000, **connection_options(settings)
    )
    await admin.start()
    try:
        existing = set(await admin.list_topics())
        missing = [t for t in wanted if t not in existing]
        if missing:
            try:
                await admin.create_topics(
                    [
                        NewTopic(
                            t,
                            num_partitions=settings.kafka_partitions,
                            replication_factor=settings.kafka_replication_factor,
                        )
                        for t in missing
                    ]
                )
            except TopicAlreadyExistsError:
                pass
        return missing
    finally:
        await admin.close()


async def broker_reachable(settings: ServiceSettings, timeout_s: float = 3.0) -> bool:
    admin = AIOKafkaAdminClient(
        bootstrap_servers=settings.require_kafka(),
        request_timeout_ms=int(timeout_s * 1000),
        **connection_options(settings),
    )
    try:
        await asyncio.wait_for(admin.start(), timeout_s)
        await asyncio.wait_for(admin.list_topics(), timeout_s)
        return True
    except Exception as e:  # readiness reports the broker as down; it never raises
        log.warning("broker not reachable at %s: %r", settings.kafka_bootstrap_servers, e)
        return False
    finally:
        try:
            await asyncio.wait_for(admin.close(), timeout_s)
        except Exception as e:  # a client that never connected may fail to close; nothing is held
            log.debug("closing the readiness admin client failed: %r", e)
