"""The round read model never goes backwards: the newest ``round.phase_changed`` (by event time) wins,
whatever order Kafka (or a replayed dead letter) delivers them in; ``publicity.closed`` writes its own
column and neither touches nor is blocked by the phase columns."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

import pytest
import sqlalchemy as sa

from shared.clock import BEIJING
from shared.events.contracts.intake import PhaseDates, RoundPhaseChangedV1
from shared.events.contracts.publicity import PublicityClosedV1
from tests.settlement.integration.conftest import CLOSED_AT, ROUND, Env

pytestmark = pytest.mark.integration

T = datetime(2022, 7, 1, 9, 0, tzinfo=BEIJING)


def phase_event(phase: str) -> RoundPhaseChangedV1:
    d = CLOSED_AT.date()
    return RoundPhaseChangedV1(
        round_id=ROUND,
        program="points",
        year=2022,
        phase=phase,
        phases=[PhaseDates(phase=phase, starts_on=d, ends_on=d)],
    )


def closed_event(closed_at: datetime = CLOSED_AT) -> PublicityClosedV1:
    return PublicityClosedV1(
        round_id=ROUND,
        program="points",
        opened_at=closed_at - timedelta(days=5),
        closed_at=closed_at,
        cleared=1,
        disqualified=0,
        held=0,
        calendar_version="test",
    )


async def deliver_at(env: Env, data: Any, at: datetime) -> None:
    """Deliver ``data`` as a distinct event (its own id) emitted at ``at``."""
    envelope = env.envelope(data, ROUND).model_copy(update={"time": at})
    await env.deliver(data, ROUND, envelope)


async def round_row(env: Env) -> dict[str, Any]:
    async with env.ctx.session_factory() as s:
        row = (
            (await s.execute(sa.text("SELECT * FROM rounds WHERE round_id = :r"), {"r": ROUND}))
            .mappings()
            .one()
        )
    return dict(row)


async def test_an_older_phase_event_replayed_after_a_newer_one_does_not_move_the_phase_back(
    env: Env,
) -> None:
    await deliver_at(env, phase_event("publicity"), T + timedelta(days=10))
    # The older event (审核, emitted ten days before) arrives late: a redelivery or a replayed dead letter.
    await deliver_at(env, phase_event("review"), T)
    row = await round_row(env)
    assert row["phase"] == "publicity"
    assert row["phases"][0]["phase"] == "publicity"
    assert row["phase_event_at"] == T + timedelta(days=10)

    # A newer event still moves it forward.
    await deliver_at(env, phase_event("settlement"), T + timedelta(days=20))
    row = await round_row(env)
    assert row["phase"] == "settlement" and row["phase_event_at"] == T + timedelta(days=20)


async def test_publicity_closed_neither_touches_nor_is_blocked_by_the_phase(env: Env) -> None:
    # publicity.closed first: the row exists without a phase; the first phase event fills it in.
    await deliver_at(env, closed_event(), T + timedelta(days=30))
    row = await round_row(env)
    assert row["publicity_closed_at"] == CLOSED_AT and row["phase"] is None and row["phase_event_at"] is None
    await deliver_at(env, phase_event("publicity"), T + timedelta(days=10))
    row = await round_row(env)
    assert row["phase"] == "publicity" and row["year"] == 2022
    assert row["publicity_closed_at"] == CLOSED_AT  # the phase event leaves it alone

    # publicity.closed writes only its own column, whatever the time of the phase event stored.
    later = CLOSED_AT + timedelta(days=1)
    await deliver_at(env, closed_event(later), T)
    row = await round_row(env)
    assert row["publicity_closed_at"] == later
    assert row["phase"] == "publicity" and row["phase_event_at"] == T + timedelta(days=10)
