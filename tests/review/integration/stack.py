"""The review service running for real in a test: its own database, the broker, the four mock
registries over HTTP, its worker(s) and its API (in process)."""

from __future__ import annotations

import asyncio
import base64
import contextlib
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from datetime import date, datetime, timedelta
from typing import Any

import httpx
import orjson
import sqlalchemy as sa

from services.review.app import create_app
from services.review.config import Settings
from services.review.context import build_service_context
from services.review.mock_registries.app import GRADUATE_REGISTRIES, create_registry_app
from services.review.mock_registries.graduates import GraduateRegistryData
from services.review.mock_registries.population import SyntheticPerson, declaration_for
from services.review.worker import create_worker
from shared.api.auth import api_key_digest, generate_keypair, issue_token
from shared.clock import SystemClock
from shared.crypto import Sealer
from shared.events.contracts.intake import (
    ApplicationSubmittedV1,
    EncryptedValue,
    PhaseDates,
    RoundPhaseChangedV1,
)
from shared.events.registry import EventData
from shared.messaging.kafka import ensure_topics, make_producer
from shared.messaging.outbox import Outbox
from shared.service import Worker
from tests.review.support import RegistryServer
from tests.support.infra import Infra, consume

DATA_KEY = base64.b64encode(b"r" * 32).decode()
DEPARTMENT_KEYS = {"tax": "tax-secret-key", "police": "police-secret-key"}
#: Callbacks: every department signs with its own secret and may be called back on the loopback host.
CALLBACK_SECRETS = {
    d: f"{d}-callback-secret-0123456789abcdef" for d in ("social_insurance", "tax", "police", "housing")
}
CALLBACK_HOSTS = {d: ["127.0.0.1", "localhost"] for d in CALLBACK_SECRETS}
ROUND = "points-2024"
#: Y of the graduate tests (Y+1 = 2026 is a year the calendar knows).
GRADUATE_YEAR = 2025


class Stack:
    def __init__(
        self, infra: Infra, settings: Settings, registries: dict[str, RegistryServer], priv: str
    ) -> None:
        self.infra = infra
        self.settings = settings
        self.registries = registries
        self.priv = priv
        self.clock = SystemClock()
        self.sealer = Sealer(DATA_KEY)
        self.intake = Settings(**{**settings.model_dump(), "service_name": "intake"})
        self.workers: list[Worker] = []
        self.graduate_data = GraduateRegistryData(year=GRADUATE_YEAR)
        self.producer: Any = None
        self.app = create_app(settings)
        self.ctx = build_service_context(settings)
        self.app.state.ctx = self.ctx
        self.api = httpx.AsyncClient(transport=httpx.ASGITransport(app=self.app), base_url="http://review")

    # ---- processes ----
    async def start_worker(self) -> Worker:
        w = create_worker(self.settings)
        await w.start()
        self.workers.append(w)
        return w

    async def stop_workers(self) -> None:
        for w in self.workers:
            await w.stop()
            await w.ctx.close()
        self.workers.clear()

    # ---- events in ----
    async def publish(
        self, data: EventData, subject: str, *, time: datetime | None = None, producer: str = "intake"
    ) -> None:
        sender = Settings(**{**self.settings.model_dump(), "service_name": producer})
        env = Outbox(sender, self.clock).envelope(data, subject=subject, correlation_id=f"c-{subject}")
        if time is not None:  # an event that happened then (a redelivered or replayed old one)
            env = env.model_copy(update={"time": time})
        await self.producer.send_and_wait(
            self.settings.topic(f"{producer}.events"), value=env.to_json_bytes(), key=subject.encode()
        )

    async def submit(
        self,
        person: SyntheticPerson,
        application_id: str,
        *,
        revision: int = 1,
        declared: dict[str, Any] | None = None,
        applicant_id: str | None = None,
        **declaration: Any,
    ) -> None:
        facts = declared if declared is not None else declaration_for(person, **declaration)
        sealed = self.sealer.seal(person.id_number, context="id_number")
        await self.publish(
            ApplicationSubmittedV1(
                application_id=application_id,
                revision=revision,
                round_id=ROUND,
                program="points",
                name=person.name,
                birth_year_month=f"{person.birth_date:%Y-%m}",
                employer_name=person.employer_name,
                employer_credit_code="91110000MA01ABCD2X",
                id_number=EncryptedValue(**sealed.as_dict()),
                declared_facts=facts,
                applicant_id=applicant_id,
            ),
            application_id,
        )

    async def phase(self, phase: str, previous: str | None = None, *, time: datetime | None = None) -> None:
        names = [
            "declaration",
            "review_summary",
            "results_query",
            "recheck_ranking",
            "publicity",
            "settlement",
        ]
        start = date(2024, 3, 1)
        phases = [
            PhaseDates(
                phase=n, starts_on=start + timedelta(days=20 * i), ends_on=start + timedelta(days=20 * i + 19)
            )
            for i, n in enumerate(names)
        ]
        await self.publish(
            RoundPhaseChangedV1(
                round_id=ROUND,
                program="points",
                year=2024,
                policy_version="bj-points-2020",
                phase=phase,
                previous_phase=previous,
                phases=phases,
            ),
            ROUND,
            time=time,
        )

    # ---- observing ----
    async def scalar(self, sql: str, **params: Any) -> Any:
        async with self.ctx.session_factory() as s:
            return await s.scalar(sa.text(sql), params)

    async def rows(self, sql: str, **params: Any) -> list[Any]:
        async with self.ctx.session_factory() as s:
            return list((await s.execute(sa.text(sql), params)).mappings().all())

    async def statuses(self) -> dict[str, str]:
        return {
            r["application_id"]: r["status"]
            for r in await self.rows("SELECT application_id, status FROM applications")
        }

    async def wait_until(
        self, cond: Callable[[], Awaitable[bool]], timeout_s: float = 30.0, what: str = ""
    ) -> None:
        deadline = asyncio.get_running_loop().time() + timeout_s
        while not await cond():
            if asyncio.get_running_loop().time() > deadline:
                raise AssertionError(f"not reached in {timeout_s}s: {what} {await self.statuses()}")
            await asyncio.sleep(0.05)

    async def wait_for_status(self, ids: Sequence[str], status: str, timeout_s: float = 30.0) -> None:
        async def done() -> bool:
            st = await self.statuses()
            return all(st.get(i) == status for i in ids)

        await self.wait_until(done, timeout_s, f"all {status}")

    async def published_events(self, n: int, timeout_s: float = 10.0) -> list[dict[str, Any]]:
        """The verification.completed events on the review topic (waits for at least ``n``)."""

        async def relayed() -> bool:
            return (await self.scalar("SELECT count(*) FROM outbox WHERE published_at IS NULL")) == 0

        await self.wait_until(relayed, timeout_s, "outbox relayed")
        records = await consume(
            self.infra.kafka, self.settings.topic("review.events"), until=n, timeout_s=timeout_s
        )
        return [orjson.loads(r.value) for r in records]

    def headers(
        self, role: str = "bureau_staff", subject: str = "staff-1", extra: dict[str, Any] | None = None
    ) -> dict[str, str]:
        return {
            "Authorization": "Bearer "
            + issue_token(self.priv, subject=subject, roles=[role], now=self.clock.now(), extra=extra)
        }


@contextlib.asynccontextmanager
async def review_stack(
    infra: Infra, topic_prefix: str, people: Sequence[SyntheticPerson], **overrides: Any
) -> AsyncIterator[Stack]:
    url = await infra.fresh_database("review")
    registries = {
        d: RegistryServer(create_registry_app(d, people, fault_seed=11))
        for d in ("social_insurance", "tax", "police", "housing")
    }
    # The graduate programme's registries: records derived for graduates of GRADUATE_YEAR.
    graduate_data = GraduateRegistryData(year=GRADUATE_YEAR, seed=11)
    for d in GRADUATE_REGISTRIES:
        registries[d] = RegistryServer(create_registry_app(d, [], graduate_data=graduate_data))
    for r in registries.values():
        await r.start()
    priv, pub = generate_keypair()
    values: dict[str, Any] = {
        "database_url": url,
        "data_key": DATA_KEY,
        "jwt_public_key": pub,
        **{f"registry_{d}_url": r.url for d, r in registries.items()},
        "department_timeout_s": 1.0,
        "department_connect_timeout_s": 0.5,
        "department_max_attempts": 4,
        "department_backoff_initial_s": 0.01,
        "department_backoff_max_s": 0.05,
        "department_retry_after_max_s": 1.0,
        "breaker_failure_threshold": 5,
        "breaker_open_s": 0.2,
        "verify_poll_interval_s": 0.05,
        "verify_lease_s": 6,
        "pending_retry_initial_s": 0.2,
        "pending_retry_max_s": 0.4,
        "submissions_poll_interval_s": 0.05,
        "callback_retry_initial_s": 0.05,
        "callback_retry_max_s": 0.2,
        "department_api_keys": {api_key_digest(k): d for d, k in DEPARTMENT_KEYS.items()},
        "department_callback_secrets": CALLBACK_SECRETS,
        "department_callback_hosts": CALLBACK_HOSTS,
        **infra.settings_kwargs(topic_prefix),
        "log_level": "WARNING",
    }
    values.update(overrides)
    settings = Settings(**values)
    stack = Stack(infra, settings, registries, priv)
    stack.graduate_data = graduate_data
    await ensure_topics(settings)
    stack.producer = make_producer(settings, f"test-{uuid.uuid4().hex[:6]}")
    await stack.producer.start()
    try:
        yield stack
    finally:
        await stack.stop_workers()
        await stack.producer.stop()
        await stack.api.aclose()
        await stack.ctx.close()
        for r in registries.values():
            await r.stop()
        await infra.drop(url)
