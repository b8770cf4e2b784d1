"""What every service is made of: its context (built at start-up), the app factory with
health, readiness, errors, permissions and the operations endpoints, the worker runner,
the migration runner and the ``python -m services.<name> api|worker|migrate|republish|…`` entry point.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import logging
import signal
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable, Coroutine, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any, Generic, TypeVar, overload

from aiokafka import AIOKafkaProducer
from fastapi import APIRouter, Depends, FastAPI, Request
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from shared import audit
from shared.api.auth import Authorizer, PermissionTable, Principal
from shared.api.docs import documented_app
from shared.api.errors import install_error_handlers
from shared.api.limits import BodyLimit
from shared.api.ops import OPS_PERMISSIONS, ops_router
from shared.clock import Clock, build_clock
from shared.db import create_engine, create_session_factory
from shared.events.envelope import Envelope
from shared.events.registry import EventData
from shared.heartbeat import write_heartbeat
from shared.logging import configure_logging, correlation, correlation_id_var
from shared.messaging.inbox import Delivery, Handler, InboxConsumer
from shared.messaging.kafka import ensure_topics, make_producer
from shared.messaging.outbox import Outbox, OutboxRelay, republish
from shared.settings import ServiceSettings
from shared.usecase import SYSTEM, Tx

log = logging.getLogger(__name__)


S = TypeVar("S", bound=ServiceSettings)
RtT = TypeVar("RtT")
RepoT = TypeVar("RepoT")
C = TypeVar("C")
T = TypeVar("T")


@dataclass
class ServiceContext(Generic[S, RtT, RepoT]):
    """Everything a service's use cases need, built once at start-up and passed in.

    Generic over the service's settings, its runtime (what it needs beside the database: sealers,
    renderers, adapters; built from settings without I/O) and its repository (built on a session).
    Each service names its own alias, e.g. ``Ctx = ServiceContext[Settings, Runtime, Repository]``.
    """

    settings: S
    clock: Clock
    engine: AsyncEngine
    session_factory: async_sessionmaker[AsyncSession]
    outbox: Outbox
    runtime: RtT
    repository: Callable[[AsyncSession], RepoT]

    @contextlib.asynccontextmanager
    async def transaction(
        self, *, actor: str = SYSTEM, correlation_id: str | None = None
    ) -> AsyncIterator[Tx[RepoT, RtT]]:
        """One transaction as a :class:`~shared.usecase.Tx`; commits when the block ends without error."""
        cid = correlation_id or correlation_id_var.get() or str(uuid.uuid4())
        async with self.session_factory() as session, session.begin():

            async def emit(data: EventData, subject: str) -> Envelope:
                return await self.outbox.emit(session, data, subject=subject, correlation_id=cid)

            yield Tx(session, self.repository(session), self.runtime, self.clock.now(), actor, cid, emit)

    async def run(
        self,
        handler: Callable[[Tx[RepoT, RtT], C], Awaitable[T]],
        command: C,
        *,
        actor: str,
        correlation_id: str | None = None,
    ) -> T:
        """Run one use case in its own transaction (an endpoint's only call), audited at its end."""
        async with self.transaction(actor=actor, correlation_id=correlation_id) as tx:
            result = await handler(tx, command)
            await audit.append(tx.session, audit.use_case_entry(self.settings, handler, command, tx))
            return result

    def tx_for(self, d: Delivery, *, actor: str = SYSTEM) -> Tx[RepoT, RtT]:
        """The use-case view of a Kafka delivery: its inbox transaction, its time, its causation; audited
        (once per delivery, just before commit; in a batch, after its last record: ``Delivery.at_commit``)."""
        now = self.clock.now()
        entry = audit.event_entry(now, actor, d)
        if d.at_commit is None:
            audit.append_at_commit(d.session, entry)
        else:
            d.at_commit["audit"] = lambda: audit.append_later(d.session, entry)

        async def emit(data: EventData, subject: str) -> Envelope:
            return await d.emit(data, subject=subject)

        repo = self.repository(d.session)
        return Tx(d.session, repo, self.runtime, now, actor, d.envelope.correlation_id, emit)

    def consumer(self, name: str, topics: Sequence[str], handlers: dict[str, Handler]) -> InboxConsumer:
        """An idempotent consumer of this service (``name`` is ``<service>.<purpose>``)."""
        return InboxConsumer(
            name=name,
            settings=self.settings,
            session_factory=self.session_factory,
            outbox=self.outbox,
            clock=self.clock,
            topics=topics,
            handlers=handlers,
        )

    async def close(self) -> None:
        await self.engine.dispose()


#: A context whose runtime and repository the caller does not use (shared operations, tests).
AnyContext = ServiceContext[Any, Any, Any]


def _no_repository(session: AsyncSession) -> None:
    return None


@overload
def build_context(settings: S, clock: Clock | None = None) -> ServiceContext[S, None, None]: ...


@overload
def build_context(
    settings: S, clock: Clock | None, runtime: RtT, repository: Callable[[AsyncSession], RepoT]
) -> ServiceContext[S, RtT, RepoT]: ...


def build_context(
    settings: Any,
    clock: Clock | None = None,
    runtime: Any = None,
    repository: Callable[[AsyncSession], Any] = _no_repository,
) -> ServiceContext[Any, Any, Any]:
    """Build a context; nothing connects until first used."""
    clock = clock or build_clock(settings.clock, settings.clock_file)
    engine = create_engine(settings)
    return ServiceContext(
        settings,
        clock,
        engine,
        create_session_factory(engine),
        Outbox(settings, clock),
        runtime,
        repository,
    )


def create_service_app(
    settings: ServiceSettings,
    *,
    title: str,
    description: str,
    routers: Sequence[APIRouter],
    permissions: PermissionTable,
    clock: Clock | None = None,
    context: Callable[[Any, Clock], AnyContext] | None = None,
    on_startup: Callable[[AnyContext], Awaitable[None]] | None = None,
    version: str = "1.0.0",
    api_keys: Mapping[str, Principal] | None = None,
    lifespan_extra: Callable[[FastAPI, AnyContext], contextlib.AbstractAsyncContextManager[None]]
    | None = None,
    body_limits: Mapping[tuple[str, str], int] | None = None,
) -> FastAPI:
    """Build a service's FastAPI app. Nothing connects until the lifespan starts.

    ``context(settings, clock)`` builds the service's typed context (its runtime and repository); the
    lifespan puts it at ``app.state.ctx`` (tests may set it themselves). ``body_limits`` gives routes that
    take large bodies (uploads, batches) their own limit, ``{("POST", "/v1/…/{id}/materials"): bytes}``;
    every other route takes at most ``settings.max_request_bytes`` (``shared.api.limits``).
    """
    table = {**OPS_PERMISSIONS, **permissions}
    clock = clock or build_clock(settings.clock, settings.clock_file)
    authorize = Authorizer(
        table,
        settings.jwt_public_key.get_secret_value() if settings.jwt_public_key else None,
        clock,
        api_keys,
    )

    @contextlib.asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        ctx = context(settings, clock) if context is not None else build_context(settings, clock)
        app.state.ctx = ctx
        if on_startup:
            await on_startup(ctx)
        try:
            if lifespan_extra is not None:
                async with lifespan_extra(app, ctx):
                    yield
            else:
                yield
        finally:
            await ctx.close()

    app = documented_app(title=title, description=description, version=version, lifespan=lifespan)
    app.state.permissions = table
    app.state.authorize = authorize
    install_error_handlers(app)
    app.add_middleware(BodyLimit, default=settings.max_request_bytes, limits=body_limits, routes_of=app)

    @app.middleware("http")
    async def correlation_mw(request: Request, call_next: Any) -> Any:
        cid = request.headers.get("x-correlation-id") or request.headers.get("x-request-id")
        cid = (cid or str(uuid.uuid4()))[:100]
        with correlation(cid):
            response = await call_next(request)
        response.headers["x-correlation-id"] = cid
        return response

    app.include_router(ops_router(get_context, authorize))
    app.include_router(audit.audit_router(get_context, authorize))
    for router in routers:
        app.include_router(router, dependencies=[Depends(authorize)])
    return app


def get_context(request: Request) -> AnyContext:
    """FastAPI dependency: the service context built by the lifespan (services type it with their alias:
    ``ctx: Ctx = get_context(request)``)."""
    ctx: AnyContext = request.app.state.ctx
    return ctx


def principal_of(request: Request) -> Principal:
    p: Principal = request.state.principal
    return p


# ---- worker ---------------------------------------------------------------------------------


@dataclass
class Worker:
    """A service's background process: the outbox relay, its consumers and scheduled jobs."""

    ctx: AnyContext
    consumers: list[InboxConsumer]
    jobs: list[Callable[[], Coroutine[Any, Any, None]]] = field(default_factory=list)
    relay: OutboxRelay | None = None
    producer: AIOKafkaProducer | None = None
    _tasks: list[asyncio.Task[None]] = field(default_factory=list)

    async def start(self) -> None:
        await ensure_topics(self.ctx.settings)
        producer = make_producer(self.ctx.settings, client_id=f"{self.ctx.settings.service_name}-relay")
        await producer.start()
        self.producer = producer
        self.relay = OutboxRelay(self.ctx.settings, self.ctx.session_factory, producer, self.ctx.clock)
        self._tasks.append(asyncio.create_task(self.relay.run(), name="outbox-relay"))
        for c in self.consumers:
            self._tasks.append(asyncio.create_task(c.run(), name=f"consumer-{c.name}"))
        for job in self.jobs:
            self._tasks.append(asyncio.create_task(job(), name=getattr(job, "__name__", "job")))
        if self.ctx.settings.heartbeat_file is not None:
            self._tasks.append(asyncio.create_task(self._heartbeat(self.ctx.settings.heartbeat_file)))

    async def _heartbeat(self, path: Path) -> None:
        """Every ``heartbeat_interval_s``: when each loop last turned (``shared/heartbeat.py``)."""
        while True:
            loops = {c.name: c.alive_at for c in self.consumers}
            if self.relay is not None:
                loops["outbox-relay"] = self.relay.alive_at
            await asyncio.to_thread(write_heartbeat, path, loops)
            await asyncio.sleep(self.ctx.settings.heartbeat_interval_s)

    async def stop(self) -> None:
        if self.relay:
            self.relay.stop()
        for c in self.consumers:
            c.stop()
        for t in self._tasks:
            t.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)
        self._tasks.clear()
        producer, self.producer = self.producer, None
        if producer is not None:
            await producer.stop()

    async def run_forever(self) -> int:
        """Run until SIGINT/SIGTERM (exit status 0). A task that dies or ends by itself stops the worker with
        exit status 1, so that whatever supervises the process (the local stack, an orchestrator) restarts it."""
        await self.start()
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGINT, signal.SIGTERM):
            loop.add_signal_handler(sig, stop.set)
        waiter = asyncio.create_task(stop.wait())
        status = 0
        try:
            done, _ = await asyncio.wait([waiter, *self._tasks], return_when=asyncio.FIRST_COMPLETED)
            for t in done:
                if t is not waiter:
                    status = 1
                    error = None if t.cancelled() else t.exception()
                    log.error("worker task %s stopped (%r); exiting with status 1", t.get_name(), error)
        finally:
            waiter.cancel()
            for sig in (signal.SIGINT, signal.SIGTERM):
                loop.remove_signal_handler(sig)
            await self.stop()
            await self.ctx.close()
        return status


def periodic(
    name: str, interval_s: float, once: Callable[[], Awaitable[object]]
) -> Callable[[], Coroutine[Any, Any, None]]:
    """A worker job that runs ``once`` every ``interval_s`` seconds, for ever.

    A pass that fails (the database is down for a moment) is logged and tried again next time; the job
    reads what is due from the database, so nothing is lost between passes or across restarts.
    """

    async def job() -> None:
        while True:
            try:
                with correlation(f"job-{name}-{uuid.uuid4().hex[:8]}"):
                    await once()
            except asyncio.CancelledError:
                raise
            except Exception:
                log.exception("job %s failed; retrying in %.1f s", name, interval_s)
            await asyncio.sleep(interval_s)

    job.__name__ = name
    return job


# ---- migrations -----------------------------------------------------------------------------


def alembic_config(settings: ServiceSettings, migrations_dir: Path) -> Any:
    from alembic.config import Config

    cfg = Config()
    cfg.set_main_option("script_location", str(migrations_dir))
    cfg.set_main_option("version_table", f"alembic_version_{settings.service_name}")
    cfg.attributes["database_url"] = settings.require_database_url()
    cfg.attributes["service_name"] = settings.service_name
    return cfg


def migrate(settings: ServiceSettings, migrations_dir: Path, revision: str = "head") -> None:
    from alembic import command

    command.upgrade(alembic_config(settings, migrations_dir), revision)


# ---- entry point ----------------------------------------------------------------------------


BUILTIN_COMMANDS = ("api", "worker", "migrate", "republish", *audit.COMMANDS)


def service_main(
    argv: Sequence[str] | None,
    *,
    name: str,
    load_settings: Callable[[], ServiceSettings],
    create_app: Callable[[ServiceSettings], FastAPI],
    create_worker: Callable[[ServiceSettings], Worker],
    migrations_dir: Path,
    extra_commands: dict[str, Callable[[list[str]], int]] | None = None,
) -> int:
    parser = argparse.ArgumentParser(prog=f"python -m services.{name}")
    parser.add_argument("command", choices=[*BUILTIN_COMMANDS, *sorted((extra_commands or {}).keys())])
    args, rest = parser.parse_known_args(argv)
    if extra_commands and args.command in extra_commands:
        return extra_commands[args.command](rest)
    since = _republish_since(name, rest) if args.command == "republish" else None
    settings = load_settings()
    configure_logging(name, settings.log_level, settings.log_json)
    if since is not None:
        rows = asyncio.run(_republish(settings, since))
        print(f"{name}: {rows} outbox rows since {since.isoformat()} will be sent again by the relay")
        return 0
    if args.command in audit.COMMANDS:
        return audit.run_command(name, args.command, rest, settings)
    if args.command == "migrate":
        migrate(settings, migrations_dir)
        log.info("%s database migrated to head", name)
        return 0
    if args.command == "api":
        import uvicorn

        app = create_app(settings)
        uvicorn.run(app, host=settings.host, port=settings.port, log_config=None, access_log=False)
        return 0
    return asyncio.run(create_worker(settings).run_forever())


def _republish_since(name: str, rest: Sequence[str]) -> datetime:
    parser = argparse.ArgumentParser(prog=f"python -m services.{name} republish")
    parser.add_argument("--since", required=True, help="ISO time with a zone, e.g. 2026-06-01T08:00:00+08:00")
    text = parser.parse_args(list(rest)).since
    try:
        since = datetime.fromisoformat(text)
    except ValueError:
        parser.error(f"--since {text!r} is not an ISO 8601 time")
    if since.tzinfo is None:
        parser.error("--since needs a time zone (e.g. +08:00 or Z)")
    return since


async def _republish(settings: ServiceSettings, since: datetime) -> int:
    """Mark this service's outbox rows since ``since`` unpublished (needs only the database)."""
    engine = create_engine(settings)
    try:
        async with create_session_factory(engine)() as s, s.begin():
            return await republish(s, settings.service_name, since)
    finally:
        await engine.dispose()
