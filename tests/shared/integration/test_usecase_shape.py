"""The one use-case shape, against the real PostgreSQL and broker: a transaction per use case that
commits the state change and its events together, the error family in consumers (permanent refusals
dead-lettered at once, ``Unavailable`` retried), and read models that never go backwards."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

import pytest
import sqlalchemy as sa
from sqlalchemy import exc as sa_exc
from sqlalchemy.ext.asyncio import AsyncSession

from shared.api.errors import Conflict, NotFound, Unavailable
from shared.clock import ManualClock
from shared.events.contracts.intake import PhaseDates, RoundPhaseChangedV1
from shared.messaging.inbox import Delivery, Handler, is_infrastructure_error
from shared.messaging.kafka import ensure_topics, make_producer
from shared.messaging.outbox import OutboxRelay
from shared.readmodels import PHASE_EVENT_AT, apply_round_phase
from shared.service import ServiceContext, build_context
from shared.settings import ServiceSettings
from shared.usecase import Tx
from tests.support.infra import Infra

pytestmark = pytest.mark.integration

md = sa.MetaData()
rounds = sa.Table(
    "test_rounds",
    md,
    sa.Column("round_id", sa.String(64), primary_key=True),
    sa.Column("program", sa.String(20), nullable=False),
    sa.Column("year", sa.Integer, nullable=False),
    sa.Column("phase", sa.String(50), nullable=False),
    sa.Column("phases", sa.JSON, nullable=False),
    sa.Column("note", sa.String(50)),
    sa.Column(PHASE_EVENT_AT, sa.DateTime(timezone=True)),
)
effects = sa.Table("test_effects", md, sa.Column("id", sa.String(64), primary_key=True))


class Repo:
    """The test service's repository: all its SQL."""

    def __init__(self, session: AsyncSession) -> None:
        self.s = session

    async def add_effect(self, effect_id: str) -> None:
        await self.s.execute(sa.insert(effects).values(id=effect_id))

    async def effects(self) -> list[str]:
        return list((await self.s.scalars(sa.select(effects.c.id).order_by(effects.c.id))).all())

    async def phase(self, round_id: str) -> str | None:
        return await self.s.scalar(sa.select(rounds.c.phase).where(rounds.c.round_id == round_id))


@dataclass(frozen=True)
class Runtime:
    label: str


Ctx = ServiceContext[ServiceSettings, Runtime, Repo]
TestTx = Tx[Repo, Runtime]


@dataclass(frozen=True)
class Record:
    effect_id: str
    refuse: bool = False


async def record(tx: TestTx, cmd: Record) -> str:
    await tx.repo.add_effect(cmd.effect_id)
    await tx.emit(
        RoundPhaseChangedV1(round_id="R", program="points", year=2026, phase=cmd.effect_id, phases=[]), "R"
    )
    if cmd.refuse:
        raise Conflict("refused_late", "refused after the effect was written")
    return f"{tx.rt.label}:{tx.actor}:{cmd.effect_id}"


@pytest.fixture
async def ctx(infra: Infra, topic_prefix: str) -> AsyncIterator[Ctx]:
    url = await infra.fresh_database("intake")
    settings = ServiceSettings(
        service_name="intake",
        database_url=url,
        consumer_max_attempts=3,
        **infra.settings_kwargs(topic_prefix),
    )
    c = build_context(settings, ManualClock(datetime(2026, 6, 1, 17, 30, tzinfo=UTC)), Runtime("rt"), Repo)
    async with c.engine.begin() as conn:
        await conn.run_sync(md.create_all)
    try:
        yield c
    finally:
        await c.close()
        await infra.drop(url)


async def _unpublished(ctx: Ctx) -> int:
    async with ctx.session_factory() as s:
        return int(await s.scalar(sa.text("SELECT count(*) FROM outbox WHERE published_at IS NULL")) or 0)


async def test_a_use_case_commits_its_effect_and_its_event_together(ctx: Ctx) -> None:
    assert await ctx.run(record, Record("e1"), actor="staff-1") == "rt:staff-1:e1"
    async with ctx.transaction() as tx:
        assert await tx.repo.effects() == ["e1"]
    assert await _unpublished(ctx) == 1


async def test_a_refusal_rolls_back_the_effect_and_the_event(ctx: Ctx) -> None:
    with pytest.raises(Conflict) as e:
        await ctx.run(record, Record("e2", refuse=True), actor="staff-1")
    assert (e.value.status, e.value.code) == (409, "refused_late")
    async with ctx.transaction() as tx:
        assert await tx.repo.effects() == []
    assert await _unpublished(ctx) == 0


async def test_tx_knows_the_beijing_date_of_its_time(ctx: Ctx) -> None:
    async with ctx.transaction() as tx:
        assert tx.today == date(2026, 6, 2)  # 01:30 the next day in Beijing


def _phase_event(phase: str) -> RoundPhaseChangedV1:
    d = date(2026, 1, 1)
    return RoundPhaseChangedV1(
        round_id="R-2026",
        program="points",
        year=2026,
        phase=phase,
        phases=[PhaseDates(phase=phase, starts_on=d, ends_on=d)],
    )


async def test_an_older_phase_event_never_moves_a_round_back(ctx: Ctx) -> None:
    t0 = datetime(2026, 5, 1, tzinfo=UTC)
    async with ctx.transaction() as tx:
        assert await apply_round_phase(tx.session, rounds, _phase_event("review"), t0)
        assert await apply_round_phase(tx.session, rounds, _phase_event("publicity"), t0 + timedelta(days=9))
        # A redelivered or replayed older event: nothing changes.
        assert not await apply_round_phase(tx.session, rounds, _phase_event("review"), t0 + timedelta(days=1))
        assert await tx.repo.phase("R-2026") == "publicity"
        # The same newest event again writes the same values (idempotent).
        assert await apply_round_phase(tx.session, rounds, _phase_event("publicity"), t0 + timedelta(days=9))
        # A row made by another event (no phase time yet) takes the phase event.
        await tx.session.execute(
            sa.insert(rounds).values(round_id="R-other", program="points", year=2026, phase="-", phases=[])
        )
        assert await apply_round_phase(
            tx.session, rounds, _phase_event("ranking").model_copy(update={"round_id": "R-other"}), t0
        )
        assert await tx.repo.phase("R-other") == "ranking"


async def _deliver(ctx: Ctx, handler: Handler, count: int = 1) -> dict[str, int]:
    """Publish ``count`` round events and run a consumer with ``handler`` until it has dealt with them."""
    await ensure_topics(ctx.settings)
    for i in range(count):
        await ctx.run(record, Record(f"source-{i}"), actor="staff")
    producer = make_producer(ctx.settings, "test")
    await producer.start()
    try:
        await OutboxRelay(ctx.settings, ctx.session_factory, producer, ctx.clock).publish_batch()
    finally:
        await producer.stop()
    consumer = ctx.consumer("intake.shape-test", ["intake.events"], {"round.phase_changed": handler})
    task = asyncio.create_task(consumer.run())
    try:
        deadline = asyncio.get_running_loop().time() + 30
        while consumer.processed + consumer.dead_lettered < count:
            assert asyncio.get_running_loop().time() < deadline, "consumer did not finish in time"
            if task.done():
                task.result()
            await asyncio.sleep(0.05)
    finally:
        consumer.stop()
        await asyncio.wait_for(task, 15)
    async with ctx.session_factory() as s:
        rows = (await s.execute(sa.text("SELECT reason_code, attempts FROM dead_letters"))).all()
    return {"processed": consumer.processed, "dead": consumer.dead_lettered, **{r[0]: r[1] for r in rows}}


async def test_a_refusal_in_a_consumer_is_dead_lettered_at_once_with_its_code(ctx: Ctx) -> None:
    calls = 0

    async def handler(d: Delivery) -> None:
        nonlocal calls
        calls += 1
        tx = ctx.tx_for(d)
        await tx.repo.add_effect("consumer-effect")
        raise NotFound("unknown_round", "no such round")

    out = await _deliver(ctx, handler)
    assert out["dead"] == 1 and out["unknown_round"] == 1
    assert calls == 1, "a permanent refusal is not retried"
    async with ctx.transaction() as tx:
        assert "consumer-effect" not in await tx.repo.effects()


async def test_unavailable_in_a_consumer_is_retried_and_then_applied(ctx: Ctx) -> None:
    calls = 0

    async def handler(d: Delivery) -> None:
        nonlocal calls
        calls += 1
        if calls < 3:
            raise Unavailable("data_key_missing", "not yet")
        tx = ctx.tx_for(d)
        await tx.repo.add_effect(f"applied-by-{tx.actor}")
        assert tx.correlation_id == d.envelope.correlation_id

    out = await _deliver(ctx, handler)
    assert out == {"processed": 1, "dead": 0}
    assert calls == 3
    async with ctx.transaction() as tx:
        assert "applied-by-system" in await tx.repo.effects()


async def test_a_database_outage_is_waited_out_in_order_and_never_dead_lettered(ctx: Ctx) -> None:
    """Infrastructure errors (here: the connection dropped, five times, beyond consumer_max_attempts=3)
    are retried without limit; the partition's next event waits and is applied after, in order."""
    seen: list[str] = []
    failures = 0

    async def handler(d: Delivery) -> None:
        nonlocal failures
        if d.data.phase == "source-0" and failures < 5:
            failures += 1
            raise sa_exc.OperationalError(
                "SELECT 1", {}, ConnectionResetError("server closed the connection")
            )
        seen.append(d.data.phase)
        await ctx.tx_for(d).repo.add_effect(f"consumed-{d.data.phase}")

    out = await _deliver(ctx, handler, count=2)
    assert out == {"processed": 2, "dead": 0}
    assert failures == 5
    assert seen == ["source-0", "source-1"]


def test_what_counts_as_infrastructure() -> None:
    assert is_infrastructure_error(sa_exc.OperationalError("x", {}, OSError("down")))
    assert is_infrastructure_error(ConnectionRefusedError())
    assert is_infrastructure_error(TimeoutError())
    wrapped = RuntimeError("while applying")
    wrapped.__cause__ = ConnectionResetError()
    assert is_infrastructure_error(wrapped)
    assert not is_infrastructure_error(RuntimeError("a bug"))
    assert not is_infrastructure_error(FileNotFoundError("font.ttf"))
    assert not is_infrastructure_error(sa_exc.IntegrityError("x", {}, Exception("duplicate key")))


async def test_database_errors_never_list_the_bound_values(ctx: Ctx) -> None:
    """SQLAlchemy would print ``[parameters: ('13800138000',)]`` into the error and the log."""
    secret = "13800138000"
    with pytest.raises(sa_exc.DBAPIError) as e:
        async with ctx.transaction() as tx:
            await tx.session.execute(sa.text("SELECT length(CAST(:v AS text)) / 0"), {"v": secret})
    assert secret not in str(e.value)
    assert "hidden" in str(e.value)
