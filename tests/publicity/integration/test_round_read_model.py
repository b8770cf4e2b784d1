"""The round read model never goes backwards: a ``round.phase_changed`` older than the one the row
reflects (a late redelivery, a dead letter replayed days later) changes nothing."""

from __future__ import annotations

from datetime import date, datetime

import pytest
import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import insert as pg_insert

from services.publicity.adapters.tables import rounds
from services.publicity.consumers import event_handlers
from shared.events.contracts.intake import RoundPhaseChangedV1
from shared.messaging.inbox import Delivery
from shared.readmodels import round_phase_values
from tests.publicity.helpers import ROUND, PubEnv, beijing, round_changed

pytestmark = pytest.mark.integration

NEWER_AT = beijing(2022, 7, 11, 0, 5)
OLDER_AT = beijing(2022, 6, 21, 0, 5)


def announcements() -> tuple[RoundPhaseChangedV1, RoundPhaseChangedV1]:
    """The newer announcement (publicity, dates moved a week later) and an older one (recheck)."""
    newer = round_changed(starts_on=date(2022, 7, 18), ends_on=date(2022, 7, 25), phase="publicity")
    older = round_changed(phase="recheck_and_ranking")
    return newer, older


async def deliver(env: PubEnv, data: RoundPhaseChangedV1, at: datetime) -> None:
    """Deliver one event with its own id and envelope time ``at`` through the consumer's handler."""
    envelope = env.ctx.outbox.envelope(data, subject=ROUND, correlation_id="replay-test").model_copy(
        update={"time": at}
    )
    async with env.ctx.session_factory() as s, s.begin():
        await event_handlers(env.ctx)[envelope.type](Delivery(envelope, data, s, env.ctx.outbox, "test"))


async def stored(env: PubEnv) -> sa.RowMapping:
    async with env.ctx.session_factory() as s:
        row = (await s.execute(sa.select(rounds).where(rounds.c.round_id == ROUND))).mappings().one()
    return row


def assert_newest(row: sa.RowMapping) -> None:
    assert row["phase"] == "publicity"
    assert (row["publicity_starts_on"], row["publicity_ends_on"]) == (date(2022, 7, 18), date(2022, 7, 25))
    assert row["phase_event_at"] == NEWER_AT


async def test_an_older_phase_event_replayed_after_a_newer_one_does_not_move_the_round_back(
    pub: PubEnv,
) -> None:
    newer, older = announcements()
    await deliver(pub, newer, NEWER_AT)
    assert_newest(await stored(pub))

    await deliver(pub, older, OLDER_AT)  # another event id, an older envelope time
    assert_newest(await stored(pub))

    await deliver(pub, newer, NEWER_AT)  # the same time again (a redelivery) writes the same values
    assert_newest(await stored(pub))


async def test_the_check_above_catches_a_writer_that_bypasses_the_helper(pub: PubEnv) -> None:
    """Control: a plain overwrite (what the repository must not do) moves the phase back, and the
    assertion of the test above fails on it."""
    newer, older = announcements()
    await deliver(pub, newer, NEWER_AT)
    values = {**round_phase_values(older, OLDER_AT), "publicity_starts_on": None, "publicity_ends_on": None}
    insert = pg_insert(rounds).values(**values)
    async with pub.ctx.session_factory() as s, s.begin():
        await s.execute(
            insert.on_conflict_do_update(
                index_elements=[rounds.c.round_id],
                set_={k: insert.excluded[k] for k in values if k != "round_id"},
            )
        )
    with pytest.raises(AssertionError):
        assert_newest(await stored(pub))
