"""The round read model never goes back: an older ``round.phase_changed`` (a redelivery, a dead letter
replayed days later) met after a newer one changes nothing (``shared.readmodels.apply_round_phase``)."""

from __future__ import annotations

from datetime import timedelta

import pytest

from services.review.mock_registries.population import generate_population
from tests.review.integration.stack import review_stack
from tests.support.infra import Infra

pytestmark = pytest.mark.integration


async def test_an_older_phase_event_replayed_after_a_newer_one_does_not_move_the_phase_back(
    infra: Infra, topic_prefix: str
) -> None:
    people = generate_population(1, seed=5)
    async with review_stack(infra, topic_prefix, people) as st:
        await st.start_worker()
        newer_at = st.clock.now()
        older_at = newer_at - timedelta(days=20)
        await st.phase("results_query", "review_summary", time=newer_at)

        async def processed(n: int) -> bool:
            count = await st.scalar("SELECT count(*) FROM inbox WHERE event_type = 'round.phase_changed'")
            return bool(count >= n)

        await st.wait_until(lambda: processed(1), what="the newer phase event applied")
        # The older event arrives second (its own event id, an older envelope time).
        await st.phase("declaration", None, time=older_at)
        await st.wait_until(lambda: processed(2), what="the older phase event consumed")

        row = (await st.rows("SELECT phase, phase_event_at, policy_version FROM rounds"))[0]
        assert row["phase"] == "results_query"  # not moved back to the declaration phase
        assert row["phase_event_at"] == newer_at
        assert row["policy_version"] == "bj-points-2020"
        assert await st.scalar("SELECT count(*) FROM dead_letters") == 0

        # The API shows the newest phase too.
        r = await st.api.get("/v1/rounds", headers=st.headers())
        assert r.status_code == 200 and r.json()["items"][0]["phase"] == "results_query"
