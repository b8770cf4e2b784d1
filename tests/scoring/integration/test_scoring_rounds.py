"""The round read model never goes backwards: an older ``round.phase_changed`` (redelivered, or a dead
letter replayed days later) does not move a round's phase, policy version or quota back."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from datetime import datetime, timedelta

import pytest
import sqlalchemy as sa
from aiokafka.structs import ConsumerRecord
from sqlalchemy.dialects.postgresql import insert as pg_insert

from services.scoring.adapters.repository import ScoringRepository
from services.scoring.adapters.tables import rounds
from services.scoring.config import Settings
from services.scoring.consumers import consumers
from services.scoring.context import Ctx, build_service_context
from shared.clock import BEIJING, ManualClock
from shared.events.contracts.intake import PhaseDates, RoundPhaseChangedV1
from shared.events.envelope import Envelope
from shared.messaging.inbox import InboxConsumer
from tests.support.infra import Infra

pytestmark = pytest.mark.integration

T0 = datetime(2022, 6, 1, 9, 0, tzinfo=BEIJING)


@pytest.fixture
async def ctx(infra: Infra, topic_prefix: str) -> AsyncIterator[Ctx]:
    url = await infra.fresh_database("scoring")
    c = build_service_context(
        Settings(database_url=url, **infra.settings_kwargs(topic_prefix)), ManualClock(T0)
    )
    try:
        yield c
    finally:
        await c.close()
        await infra.drop(url)


def phase_event(round_id: str, phase: str, at: datetime, quota: int) -> ConsumerRecord[bytes, bytes]:
    """A ``round.phase_changed`` record as intake publishes it (its own event id and envelope time)."""
    data = RoundPhaseChangedV1(
        round_id=round_id,
        program="points",
        year=2022,
        policy_version="bj-points-2020",
        phase=phase,
        phases=[PhaseDates(phase=phase, starts_on=at.date(), ends_on=at.date())],
        quota=quota,
    )
    env = Envelope(
        id=uuid.uuid4(),
        type="round.phase_changed",
        version=1,
        source="/services/intake",
        time=at,
        subject=round_id,
        correlation_id="test",
        data=data.model_dump(mode="json"),
    )
    raw = env.to_json_bytes()
    return ConsumerRecord("intake.events", 0, 0, 0, 0, round_id.encode(), raw, None, 0, len(raw), [])


def rounds_consumer(ctx: Ctx) -> InboxConsumer:
    (consumer,) = [c for c in consumers(ctx) if c.name == "scoring.rounds"]
    return consumer


async def newer_then_older(ctx: Ctx, round_id: str) -> tuple[str, int | None, datetime | None]:
    """Apply the ranking phase (T0 + 1 day), then replay an older verification-phase event (T0)."""
    consumer = rounds_consumer(ctx)
    newer = phase_event(round_id, "ranking", T0 + timedelta(days=1), quota=2)
    older = phase_event(round_id, "verification", T0, quota=1)
    assert await consumer.handle_record(newer) == "applied"
    assert await consumer.handle_record(older) == "applied"  # a different event: the inbox lets it in
    async with ctx.transaction() as tx:
        row = await tx.repo.get_round(round_id)
    assert row is not None
    return row["phase"], row["quota"], row["phase_event_at"]


async def test_an_older_phase_event_does_not_move_the_round_back(ctx: Ctx) -> None:
    phase, quota, at = await newer_then_older(ctx, "pts-2022")
    assert (phase, quota, at) == ("ranking", 2, T0 + timedelta(days=1))
    # The same phase again with a newer time moves it on.
    consumer = rounds_consumer(ctx)
    later = phase_event("pts-2022", "publicity", T0 + timedelta(days=2), quota=2)
    assert await consumer.handle_record(later) == "applied"
    async with ctx.transaction() as tx:
        row = await tx.repo.get_round("pts-2022")
    assert row is not None and row["phase"] == "publicity"


async def test_the_replay_test_fails_without_the_helper(ctx: Ctx, monkeypatch: pytest.MonkeyPatch) -> None:
    """With the unconditional overwrite scoring used before, the same replay moves the phase back."""

    async def overwrite(self: ScoringRepository, data: RoundPhaseChangedV1, event_at: datetime) -> bool:
        values = {
            "round_id": data.round_id,
            "program": data.program,
            "year": data.year,
            "policy_version": data.policy_version,
            "quota": data.quota,
            "phase": data.phase,
            "phases": [p.model_dump(mode="json") for p in data.phases],
            "updated_at": event_at,
        }
        stmt = pg_insert(rounds).values(**values)
        await self.s.execute(
            stmt.on_conflict_do_update(
                index_elements=[rounds.c.round_id],
                set_={k: stmt.excluded[k] for k in values if k != "round_id"},
            )
        )
        return True

    monkeypatch.setattr(ScoringRepository, "apply_round_phase", overwrite)
    phase, quota, _ = await newer_then_older(ctx, "pts-2022-bypass")
    assert (phase, quota) == ("verification", 1)  # moved back: what the helper prevents


async def test_rounds_keep_the_phase_event_time_in_an_aware_nullable_column(ctx: Ctx) -> None:
    async with ctx.transaction() as tx:
        columns = (
            await tx.session.execute(
                sa.text(
                    "SELECT is_nullable, data_type FROM information_schema.columns "
                    "WHERE table_name = 'rounds' AND column_name = 'phase_event_at'"
                )
            )
        ).all()
    assert columns == [("YES", "timestamp with time zone")]
