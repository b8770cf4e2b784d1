"""verification.completed → score.computed through the real broker; ranking of a round; revisions."""

from __future__ import annotations

import asyncio
import copy
import json
from collections.abc import AsyncIterator
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import orjson
import pytest

from services.scoring.app import create_app
from services.scoring.config import Settings
from services.scoring.context import build_service_context
from services.scoring.worker import create_worker
from shared.api.auth import generate_keypair, issue_token
from shared.clock import BEIJING, ManualClock
from shared.events.contracts.intake import PhaseDates, RoundPhaseChangedV1
from shared.events.contracts.review import (
    IndicatorVerification,
    VerificationCompletedV1,
    VerificationCompletedV2,
)
from shared.messaging.kafka import make_producer
from shared.messaging.outbox import Outbox, OutboxRelay
from shared.service import build_context
from shared.settings import ServiceSettings
from tests.support.infra import Infra, consume

pytestmark = pytest.mark.integration

SHARED = Path(__file__).resolve().parents[4] / "shared"
OFFICIAL = json.loads((SHARED / "policy" / "examples" / "points" / "official-01.json").read_text())
T0 = datetime(2022, 6, 1, 9, 0, tzinfo=BEIJING)


class Env:
    def __init__(self, infra: Infra, prefix: str, url: str, review_url: str) -> None:
        self.infra = infra
        self.priv, pub = generate_keypair()
        self.clock = ManualClock(T0)
        self.settings = Settings(database_url=url, jwt_public_key=pub, **infra.settings_kwargs(prefix))
        # A stand-in for the review and intake services: their own database and outbox.
        self.upstream = ServiceSettings(
            service_name="review", database_url=review_url, **infra.settings_kwargs(prefix)
        )
        self.app = create_app(self.settings, self.clock)
        self.ctx = build_service_context(self.settings, self.clock)
        self.app.state.ctx = self.ctx
        self.up_ctx = build_context(self.upstream, self.clock)

    def token(self, role: str = "bureau_staff") -> dict[str, str]:
        return {
            "Authorization": "Bearer "
            + issue_token(
                self.priv, subject="staff-1", roles=[role], now=self.clock.now(), ttl=timedelta(days=1)
            )
        }

    async def publish(self, *events: tuple[Any, str]) -> None:
        outbox = Outbox(self.upstream, self.clock)
        async with self.up_ctx.session_factory() as s, s.begin():
            for data, subject in events:
                await outbox.emit(s, data, subject=subject, correlation_id="test")
        producer = make_producer(self.upstream, "upstream")
        await producer.start()
        try:
            relay = OutboxRelay(self.upstream, self.up_ctx.session_factory, producer, self.clock)
            while await relay.publish_batch():
                pass
        finally:
            await producer.stop()


@pytest.fixture
async def env(infra: Infra, topic_prefix: str) -> AsyncIterator[Env]:
    url = await infra.fresh_database("scoring")
    review_url = await infra.fresh_database("review")
    e = Env(infra, topic_prefix, url, review_url)
    worker = create_worker(e.settings, e.clock)
    await worker.start()
    e.worker = worker  # type: ignore[attr-defined]
    try:
        yield e
    finally:
        await worker.stop()
        await e.ctx.close()
        await e.up_ctx.close()
        await infra.drop(url)
        await infra.drop(review_url)


def verified(
    app_id: str, revision: int, facts: dict[str, Any], round_id: str = "pts-2022"
) -> VerificationCompletedV2:
    """What review emits: v2, the facts a points-facts model."""
    return VerificationCompletedV2(
        application_id=app_id,
        revision=revision,
        round_id=round_id,
        program="points",
        facts=facts,  # validated into PointsFacts
        statuses=[IndicatorVerification(indicator="employment", status="confirmed")],
    )


def verified_v1(
    app_id: str, revision: int, facts: dict[str, Any], round_id: str = "pts-2022"
) -> VerificationCompletedV1:
    """A v1 event (from before review emitted v2, or a replayed dead letter): upcast on receipt."""
    return VerificationCompletedV1(
        application_id=app_id,
        revision=revision,
        round_id=round_id,
        program="points",
        facts=facts,
        statuses=[IndicatorVerification(indicator="employment", status="confirmed")],
    )


async def score_events(env: Env, n: int, timeout_s: float = 30) -> list[dict[str, Any]]:
    recs = await consume(env.infra.kafka, env.settings.topic("scoring.events"), until=n, timeout_s=timeout_s)
    return [orjson.loads(r.value) for r in recs]


async def test_verified_facts_are_scored_and_score_computed_reaches_the_bus(env: Env) -> None:
    await env.publish((verified("PTS-1", 1, OFFICIAL["facts"]), "PTS-1"))
    events = await score_events(env, 1)
    assert len(events) == 1
    ev = events[0]
    assert ev["type"] == "score.computed" and ev["subject"] == "PTS-1" and ev["correlation_id"] == "test"
    data = ev["data"]
    assert data["total"] == OFFICIAL["expected"]["total"] and data["qualified"] is True
    assert data["policy_version"] == "bj-points-2020" and data["revision"] == 1
    assert {i["code"]: i["points"] for i in data["indicators"]} == OFFICIAL["expected"]["indicators"]


async def test_a_later_revision_supersedes_and_the_history_is_kept(env: Env) -> None:
    facts2 = copy.deepcopy(OFFICIAL["facts"])
    facts2["honours"] = [{"title": "bj_model_worker", "awarded_on": "2019-05-01"}]
    await env.publish(
        (verified("PTS-2", 1, OFFICIAL["facts"]), "PTS-2"), (verified("PTS-2", 2, facts2), "PTS-2")
    )
    events = await score_events(env, 2)
    assert [e["data"]["revision"] for e in events] == [1, 2]
    first, second = (json.loads(json.dumps(e["data"]["total"])) for e in events)
    assert float(second) == float(first) + 20
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=env.app), base_url="http://t") as http:
        r = await http.get("/v1/applications/PTS-2/scores", headers=env.token())
        assert r.status_code == 200
        items = r.json()["items"]
        assert [(i["revision"], i["current"]) for i in items] == [(2, True), (1, False)]
        assert (await http.get("/v1/applications/PTS-2/scores")).status_code == 401
        assert (
            await http.get("/v1/applications/PTS-2/scores", headers=env.token("applicant"))
        ).status_code == 403


async def dead_letters(env: Env, n: int) -> list[dict[str, Any]]:
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=env.app), base_url="http://t") as http:
        for _ in range(100):
            page = (await http.get("/v1/ops/dead-letters", headers=env.token("operations_admin"))).json()
            if page["total"] >= n:
                break
            await asyncio.sleep(0.1)
    items: list[dict[str, Any]] = page["items"]
    return items


async def test_invalid_verified_facts_are_dead_lettered_with_the_offending_fields(env: Env) -> None:
    # verification.completed v2 carries points facts: facts that are not valid can only come in a v1
    # event, whose upcast refuses them before the handler runs (invalid_payload, naming the fields).
    bad = {**OFFICIAL["facts"], "person": {"birth_date": "1981-13-01", "sex": "x"}}
    await env.publish(
        (verified_v1("PTS-3", 1, bad), "PTS-3"), (verified_v1("PTS-4", 1, OFFICIAL["facts"]), "PTS-4")
    )
    events = await score_events(env, 1)
    assert [e["subject"] for e in events] == ["PTS-4"]  # the partition moved on
    (letter,) = await dead_letters(env, 1)
    assert letter["reason_code"] == "invalid_payload"
    assert "facts.person.birth_date" in letter["error"] and "facts.person.sex" in letter["error"]


async def test_facts_the_rules_refuse_are_dead_lettered_as_invalid_facts(env: Env) -> None:
    # Valid points facts naming a policy version that does not govern their round: scoring refuses them.
    mismatched = {**OFFICIAL["facts"], "policy_version": "bj-points-2018"}
    await env.publish(
        (verified("PTS-5", 1, mismatched), "PTS-5"), (verified("PTS-6", 1, OFFICIAL["facts"]), "PTS-6")
    )
    events = await score_events(env, 1)
    assert [e["subject"] for e in events] == ["PTS-6"]
    (letter,) = await dead_letters(env, 1)
    assert letter["reason_code"] == "invalid_facts"
    assert "policy_version" in letter["error"] and "PTS-5 r1" in letter["error"]


def with_total_shift(facts: dict[str, Any], honours: bool, detentions: int) -> dict[str, Any]:
    f = copy.deepcopy(facts)
    if honours:
        f["honours"] = [{"title": "bj_model_worker"}]
    f["detentions"] = [{"date": f"2019-03-{i + 1:02d}"} for i in range(detentions)]
    return f


async def test_ranking_admits_ties_at_the_cutoff_is_reproducible_and_final(env: Env) -> None:
    base = OFFICIAL["facts"]
    unqualified = {**copy.deepcopy(base), "criminal_record": True}
    # totals: A 125.92 (honours), B and C 105.92 (tie), D 75.92 (one detention), E not qualified.
    await env.publish(
        (
            RoundPhaseChangedV1(
                round_id="pts-2022",
                program="points",
                year=2022,
                policy_version="bj-points-2020",
                phase="ranking",
                phases=[PhaseDates(phase="ranking", starts_on=T0.date(), ends_on=T0.date())],
                quota=2,
            ),
            "pts-2022",
        ),
        (verified("A", 1, with_total_shift(base, True, 0)), "A"),
        (verified("B", 1, base), "B"),
        (verified("C", 1, base), "C"),
        (verified("D", 1, with_total_shift(base, False, 1)), "D"),
        (verified("E", 1, unqualified), "E"),
    )
    await score_events(env, 5)
    h = env.token()
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=env.app), base_url="http://t") as http:
        for _ in range(100):  # the round event is consumed by another consumer; wait until it is known
            r = await http.post("/v1/rounds/pts-2022/rankings", json={}, headers=h)
            if r.status_code == 201:
                break
            await asyncio.sleep(0.1)
        assert r.status_code == 201, r.text
        first = r.json()
        assert first["quota"] == 2 and first["cutoff"] == "105.92"
        assert (
            first["ranked_count"] == 4 and first["admitted_count"] == 3
        )  # the tie at position 2 is admitted
        entries = (
            await http.get(f"/v1/rounds/pts-2022/rankings/{first['ranking_id']}/entries", headers=h)
        ).json()
        assert [(e["application_id"], e["rank"], e["admitted"]) for e in entries["items"]] == [
            ("A", 1, True),
            ("B", 2, True),
            ("C", 2, True),
            ("D", 4, False),
        ]
        again = (await http.post("/v1/rounds/pts-2022/rankings", json={"quota": 2}, headers=h)).json()
        assert again["input_digest"] == first["input_digest"] and again["cutoff"] == first["cutoff"]
        assert (
            await http.post("/v1/rounds/pts-2022/rankings", json={"quota": 2, "score_line": "1"}, headers=h)
        ).status_code == 422
        assert (
            await http.post("/v1/rounds/pts-2022/rankings", json={"quota": "2"}, headers=h)
        ).status_code == 422
        fin = await http.post(f"/v1/rounds/pts-2022/rankings/{first['ranking_id']}/finalize", headers=h)
        assert fin.status_code == 200 and fin.json()["status"] == "finalized"
        fin2 = await http.post(f"/v1/rounds/pts-2022/rankings/{first['ranking_id']}/finalize", headers=h)
        assert fin2.status_code == 200
        other = await http.post(f"/v1/rounds/pts-2022/rankings/{again['ranking_id']}/finalize", headers=h)
        assert other.status_code == 409
        rerun = await http.post("/v1/rounds/pts-2022/rankings", json={"quota": 2}, headers=h)
        assert rerun.status_code == 409 and rerun.json()["error"]["code"] == "ranking_finalized"
    events = await score_events(env, 5 + 1 + 4)
    ranked = [e for e in events if e["type"] == "application.ranked"]
    final = [e for e in events if e["type"] == "ranking.finalized"]
    assert (
        len(final) == 1 and final[0]["data"]["admitted_count"] == 3 and final[0]["data"]["cutoff"] == "105.92"
    )
    assert sorted((e["subject"], e["data"]["rank"], e["data"]["admitted"]) for e in ranked) == [
        ("A", 1, True),
        ("B", 2, True),
        ("C", 2, True),
        ("D", 4, False),
    ]
