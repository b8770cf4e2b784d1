"""The settlement service against the real PostgreSQL and broker, with stand-ins for intake and publicity.

``env``: a fresh settlement database, the app (ManualClock) and helpers to hand events straight to the
consumers' handlers in an inbox-like transaction (no broker). ``live``: the same plus the worker (relay,
consumers, jobs) and an upstream outbox that publishes intake and publicity events to the real broker.
"""

from __future__ import annotations

import asyncio
import base64
import os
from collections.abc import AsyncIterator, Awaitable, Callable
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import orjson
import pytest
import sqlalchemy as sa

from services.settlement.app import create_app
from services.settlement.config import Settings
from services.settlement.consumers import event_handlers
from services.settlement.context import Runtime, build_service_context
from services.settlement.worker import create_worker
from shared.api.auth import generate_keypair, issue_token
from shared.clock import BEIJING, ManualClock
from shared.crypto import Sealer
from shared.events.contracts.intake import (
    ApplicationSubmittedV2,
    EncryptedValue,
    PhaseDates,
    RoundPhaseChangedV1,
)
from shared.events.contracts.publicity import PublicityOutcomeV1
from shared.events.envelope import Envelope
from shared.events.registry import EventData
from shared.facts.points import FACTS_EXAMPLE, PointsFacts
from shared.messaging.inbox import Delivery
from shared.messaging.kafka import make_producer
from shared.messaging.outbox import Outbox, OutboxRelay
from shared.service import Worker, build_context
from shared.settings import ServiceSettings
from shared.validation.identifiers import synthetic_resident_id
from tests.support.infra import Infra, consume

REPO = Path(__file__).resolve().parents[3]
OUTPUT = REPO / "test-output" / "settlement"
#: The 2022 round closed its publicity at the end of 2022-07-18 (stored as 00:00 on the 19th).
CLOSED_AT = datetime(2022, 7, 19, 0, 0, tzinfo=BEIJING)
T0 = datetime(2022, 7, 19, 9, 0, tzinfo=BEIJING)
ROUND = "pts-2022"
#: Valid resident ID numbers (check digits correct).
IDS = [
    synthetic_resident_id(date(1985, 3, 7), 1, "110105"),
    synthetic_resident_id(date(1990, 1, 1), 123, "110108")[:-1] + "4",
    synthetic_resident_id(date(1980, 2, 29), 1, "110105")[:-1] + "X",
    synthetic_resident_id(date(1987, 6, 15), 2, "110101")[:-1] + "6",
]


def valid_id(n: int) -> str:
    """A valid resident ID number, different for each n (check character computed)."""
    from shared.validation import resident_id_check_character

    first17 = f"11010819850101{n % 1000:03d}"
    return first17 + resident_id_check_character(first17)


class Env:
    def __init__(self, infra: Infra, prefix: str, url: str, up_url: str | None, **overrides: Any) -> None:
        self.infra = infra
        self.prefix = prefix
        self.priv, pub = generate_keypair()
        self.data_key = base64.b64encode(os.urandom(32)).decode()
        self.sealer = Sealer(self.data_key)
        self.clock = ManualClock(T0)
        kwargs: dict[str, Any] = {
            **infra.settings_kwargs(prefix),
            "job_interval_s": 0.1,
            "public_base_url": "https://settlement.example.gov.cn",
            **overrides,
        }
        self.settings = Settings(database_url=url, jwt_public_key=pub, data_key=self.data_key, **kwargs)
        # A stand-in for intake and publicity: its own database and outbox (topics follow the event types);
        # only the broker tests need its database.
        self.upstream = ServiceSettings(
            service_name="publicity", database_url=up_url or url, **infra.settings_kwargs(prefix)
        )
        self.app = create_app(self.settings, self.clock)
        self.ctx = build_service_context(self.settings, self.clock)
        self.app.state.ctx = self.ctx
        self.up_ctx = build_context(self.upstream, self.clock)
        self.up_outbox = Outbox(self.upstream, self.clock)
        self.rt: Runtime = self.ctx.runtime
        self.handlers: dict[str, Callable[[Delivery], Awaitable[None]]] = event_handlers(self.ctx)
        self.worker: Worker | None = None

    # ---- identities ----------------------------------------------------------------------------
    def token(
        self,
        role: str = "bureau_staff",
        subject: str = "staff-1",
        *,
        also: tuple[str, ...] = (),
        district: str | None = None,
        unit: str | None = None,
    ) -> dict[str, str]:
        """A token for ``subject`` with ``role`` (and the roles in ``also``, for an account holding several);
        ``district`` puts intake's ``district`` claim in it (district staff, e.g. ``110108``)."""
        tok = issue_token(
            self.priv,
            subject=subject,
            roles=[role, *also],
            now=self.clock.now(),
            ttl=timedelta(days=3650),
            extra={
                **({"district": district} if district is not None else {}),
                **({"supervising_unit": unit} if unit is not None else {}),
            }
            or None,
        )
        return {"Authorization": "Bearer " + tok}

    def http(self) -> httpx.AsyncClient:
        return httpx.AsyncClient(transport=httpx.ASGITransport(app=self.app), base_url="http://t")

    # ---- upstream events -----------------------------------------------------------------------
    def submitted(
        self,
        app_id: str,
        name: str = "张三",
        id_number: str = IDS[0],
        revision: int = 1,
        employer_credit_code: str = "91110108MA01ABCD1X",
    ) -> ApplicationSubmittedV2:
        sealed = self.sealer.seal(id_number, context="id_number")
        return ApplicationSubmittedV2(
            application_id=app_id,
            revision=revision,
            round_id=ROUND,
            program="points",
            name=name,
            birth_year_month="1985-03",
            employer_name="北京中关村某某科技有限公司",
            employer_credit_code=employer_credit_code,
            id_number=EncryptedValue(**sealed.as_dict()),
            declared_facts=PointsFacts.model_validate(FACTS_EXAMPLE),
        )

    @staticmethod
    def outcome(
        app_id: str,
        outcome: str = "cleared",
        reason: str | None = None,
        closed_at: datetime = CLOSED_AT,
        reason_code: str | None = None,
    ) -> PublicityOutcomeV1:
        return PublicityOutcomeV1(
            application_id=app_id,
            round_id=ROUND,
            program="points",
            outcome=outcome,
            reason=reason,
            reason_code=reason_code,
            publicity_closed_at=closed_at,
        )  # type: ignore[arg-type]

    @staticmethod
    def round_event() -> RoundPhaseChangedV1:
        d = CLOSED_AT.date()
        return RoundPhaseChangedV1(
            round_id=ROUND,
            program="points",
            year=2022,
            phase="settlement",
            phases=[PhaseDates(phase="settlement", starts_on=d, ends_on=d)],
        )

    def envelope(self, data: EventData, subject: str) -> Envelope:
        return self.up_outbox.envelope(data, subject=subject, correlation_id="test")

    async def deliver(self, data: EventData, subject: str | None = None, env: Envelope | None = None) -> None:
        """Hand one event to its handler in one transaction, as the inbox consumer would (without Kafka)."""
        subject = subject or getattr(data, "application_id", None) or getattr(data, "round_id", "x")
        env = env or self.envelope(data, subject)
        async with self.ctx.session_factory() as s, s.begin():
            await self.handlers[env.type](Delivery(env, data, s, self.ctx.outbox, "test"))

    async def publish(self, *events: tuple[EventData, str]) -> list[Envelope]:
        """Publish upstream events to the real broker through the stand-in's outbox and relay."""
        out = []
        async with self.up_ctx.session_factory() as s, s.begin():
            for data, subject in events:
                out.append(await self.up_outbox.emit(s, data, subject=subject, correlation_id="test"))
        await self.relay_upstream()
        return out

    async def publish_envelope_again(self, env: Envelope) -> None:
        """Publish exactly the same record again (same event id): a broker-level redelivery."""
        from shared.events.registry import REGISTRY

        topic = self.upstream.topic(REGISTRY.latest(env.type).topic)
        async with self.up_ctx.session_factory() as s, s.begin():
            await self.up_outbox.add_envelope(s, env, topic)
        await self.relay_upstream()

    async def relay_upstream(self) -> None:
        producer = make_producer(self.upstream, "upstream")
        await producer.start()
        try:
            relay = OutboxRelay(self.upstream, self.up_ctx.session_factory, producer, self.clock)
            while await relay.publish_batch():
                pass
        finally:
            await producer.stop()

    # ---- what settlement emitted ---------------------------------------------------------------
    async def outbox_events(self, type_: str | None = None) -> list[dict[str, Any]]:
        q = "SELECT envelope FROM outbox WHERE event_type <> 'deadletter' ORDER BY seq"
        async with self.ctx.session_factory() as s:
            rows = (await s.execute(sa.text(q))).scalars().all()
        docs = [r if isinstance(r, dict) else orjson.loads(r) for r in rows]
        return [d for d in docs if type_ is None or d["type"] == type_]

    async def bus_events(self, until: int, timeout_s: float = 20) -> list[dict[str, Any]]:
        recs = await consume(
            self.infra.kafka, self.settings.topic("settlement.events"), until=until, timeout_s=timeout_s
        )
        return [orjson.loads(r.value) for r in recs]

    async def wait_for(self, check: Callable[[], Awaitable[bool]], timeout_s: float = 20) -> None:
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout_s
        while not await check():
            if loop.time() > deadline:
                raise AssertionError("condition not reached in time")
            await asyncio.sleep(0.05)

    async def scalar(self, sql: str, **params: Any) -> Any:
        async with self.ctx.session_factory() as s:
            return (await s.execute(sa.text(sql), params)).scalar()


async def _make(
    infra: Infra, topic_prefix: str, upstream: bool = False, **overrides: Any
) -> tuple[Env, list[str]]:
    url = await infra.fresh_database("settlement")
    # Any database with an outbox table will do for the stand-in publisher.
    up_url = await infra.fresh_database("settlement") if upstream else None
    return Env(infra, topic_prefix, url, up_url, **overrides), [url] + ([up_url] if up_url else [])


async def _close(env: Env, infra: Infra, urls: list[str]) -> None:
    if env.worker is not None:
        await env.worker.stop()
        await env.worker.ctx.close()
    await env.ctx.close()
    await env.up_ctx.close()
    for u in urls:
        await infra.drop(u)


@pytest.fixture
async def env(infra: Infra, topic_prefix: str) -> AsyncIterator[Env]:
    e, urls = await _make(infra, topic_prefix)
    try:
        yield e
    finally:
        await _close(e, infra, urls)


@pytest.fixture
async def live(infra: Infra, topic_prefix: str) -> AsyncIterator[Env]:
    e, urls = await _make(infra, topic_prefix, upstream=True)
    e.worker = create_worker(e.settings, e.clock)
    await e.worker.start()
    try:
        yield e
    finally:
        await _close(e, infra, urls)
