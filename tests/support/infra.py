"""Real servers for the test session: embedded PostgreSQL 18 and the tansu broker.

External servers can be used instead: ``HUKOU_TEST_POSTGRES_URL`` (a server URL; databases
are created on it, e.g. the machine's PostgreSQL 15) and ``HUKOU_TEST_KAFKA`` (bootstrap).
"""

from __future__ import annotations

import asyncio
import os
import shutil
import tempfile
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from aiokafka import AIOKafkaConsumer

from shared.devstack.servers import (
    EmbeddedPostgres,
    TansuBroker,
    drop_database,
    ensure_database,
    free_port,
    to_asyncpg_url,
    with_database,
)
from shared.service import migrate
from shared.settings import ServiceSettings

REPO = Path(__file__).resolve().parents[2]


@dataclass
class Infra:
    pg_url: str
    kafka: str
    _pg: EmbeddedPostgres | None = None
    _broker: TansuBroker | None = None
    _tmp: Path | None = None
    _templates: dict[str, str] = field(default_factory=dict)
    _created: set[str] = field(default_factory=set)
    _lock: asyncio.Lock = field(default_factory=asyncio.Lock)

    @classmethod
    def start(cls) -> Infra:
        tmp = Path(tempfile.mkdtemp(prefix="hukou-test-", dir=os.environ.get("HUKOU_TEST_TMP")))
        ext_pg = os.environ.get("HUKOU_TEST_POSTGRES_URL")
        ext_kafka = os.environ.get("HUKOU_TEST_KAFKA")
        pg = None
        if ext_pg:
            pg_url = to_asyncpg_url(ext_pg)
        else:
            pg = EmbeddedPostgres(tmp / "pg")
            pg_url = pg.start()
        broker = None
        if ext_kafka:
            kafka = ext_kafka
        else:
            broker = TansuBroker(free_port(), log_path=tmp / "tansu.log")
            kafka = broker.start()
        return cls(pg_url=pg_url, kafka=kafka, _pg=pg, _broker=broker, _tmp=tmp)

    def stop(self) -> None:
        if self._pg is None and (self._templates or self._created):
            self._drop_databases()  # an external server keeps its databases: leave nothing behind
        if self._broker:
            self._broker.stop()
        if self._pg:
            self._pg.stop()
        if self._tmp:
            shutil.rmtree(self._tmp, ignore_errors=True)

    def _drop_databases(self) -> None:
        import psycopg

        dsn = with_database(self.pg_url, "postgres").replace("postgresql+asyncpg://", "postgresql://", 1)
        with psycopg.connect(dsn, autocommit=True) as conn:
            for name in [*self._created, *self._templates.values()]:
                conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')

    @property
    def tmp(self) -> Path:
        assert self._tmp is not None
        return self._tmp

    async def template_for(self, service: str) -> str:
        """A database migrated to head once per session, copied for each test."""
        async with self._lock:
            if service not in self._templates:
                name = f"tmpl_{service}_{uuid.uuid4().hex[:6]}"
                await ensure_database(self.pg_url, name)
                settings = ServiceSettings(
                    service_name=service, database_url=with_database(self.pg_url, name)
                )
                await asyncio.to_thread(migrate, settings, REPO / "services" / service / "migrations")
                self._templates[service] = name
            return self._templates[service]

    async def fresh_database(self, service: str) -> str:
        """A new database of ``service`` at the latest migration; returns its URL."""
        template = await self.template_for(service)
        name = f"t_{service}_{uuid.uuid4().hex[:10]}"
        await ensure_database(self.pg_url, name, template=template)
        self._created.add(name)
        return with_database(self.pg_url, name)

    async def drop(self, url: str) -> None:
        name = url.rsplit("/", 1)[1].split("?")[0]
        await drop_database(self.pg_url, name)
        self._created.discard(name)

    def settings_kwargs(self, prefix: str) -> dict[str, Any]:
        return {
            "kafka_bootstrap_servers": self.kafka,
            "kafka_topic_prefix": prefix,
            "kafka_session_timeout_ms": 2000,
            "kafka_heartbeat_interval_ms": 500,
            "consumer_backoff_initial_s": 0.01,
            "consumer_backoff_max_s": 0.05,
            "outbox_poll_interval_s": 0.05,
            "log_json": False,
        }


async def consume(bootstrap: str, topic: str, *, until: int, timeout_s: float = 20.0) -> list[Any]:
    """Read ``topic`` from the beginning until ``until`` records arrived or the time is up."""
    c = AIOKafkaConsumer(
        topic,
        bootstrap_servers=bootstrap,
        group_id=f"probe-{uuid.uuid4().hex[:8]}",
        enable_auto_commit=False,
        auto_offset_reset="earliest",
        session_timeout_ms=2000,
        heartbeat_interval_ms=500,
    )
    await c.start()
    out: list[Any] = []
    try:
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout_s
        while len(out) < until and loop.time() < deadline:
            batch = await c.getmany(timeout_ms=200)
            for records in batch.values():
                out.extend(records)
    finally:
        await c.stop()
    return out


async def aiter_nothing() -> AsyncIterator[None]:  # pragma: no cover - helper for typing
    if False:
        yield None
