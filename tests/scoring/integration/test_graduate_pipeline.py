"""graduate.verified → graduate.assessed through the real broker and database: one assessment per
declaration and revision, idempotent under redelivery, a late older revision never current; the staff read."""

from __future__ import annotations

import asyncio
import copy
import json
from collections.abc import AsyncIterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import httpx
import orjson
import pytest

from services.scoring.worker import create_worker
from shared.api.auth import issue_token
from shared.events.contracts.review import GraduateItemCheck, GraduateVerifiedV1
from shared.messaging.outbox import Outbox
from tests.scoring.integration.test_scoring_pipeline import T0, Env
from tests.support.infra import Infra, consume

pytestmark = pytest.mark.integration

SHARED = Path(__file__).resolve().parents[4] / "shared"
EXAMPLES = {
    p.stem: json.loads(p.read_text())
    for p in sorted((SHARED / "policy" / "examples" / "graduates").glob("*.json"))
}
COUNTED = EXAMPLES["example-01"]  # eligible, counted, age limit 27
INELIGIBLE = next(e for e in EXAMPLES.values() if not e["expected"]["eligible"])


@pytest.fixture
async def genv(infra: Infra, topic_prefix: str) -> AsyncIterator[Env]:
    url = await infra.fresh_database("scoring")
    review_url = await infra.fresh_database("review")
    e = Env(infra, topic_prefix, url, review_url)
    worker = create_worker(e.settings, e.clock)
    await worker.start()
    try:
        yield e
    finally:
        await worker.stop()
        await e.ctx.close()
        await e.up_ctx.close()
        await infra.drop(url)
        await infra.drop(review_url)


def verified(
    declaration_id: str, revision: int, facts: dict[str, Any], unit: str = "unit-a"
) -> GraduateVerifiedV1:
    return GraduateVerifiedV1(
        declaration_id=declaration_id,
        revision=revision,
        declaration_revision=1,
        round_id="grd-2026",
        supervising_unit_id=unit,
        facts=facts,  # validated into GraduateFacts
        items=[GraduateItemCheck(item="education", status="confirmed", department="education_registry")],
        verified_at=T0,
    )


async def assessed(env: Env, n: int, timeout_s: float = 30) -> list[dict[str, Any]]:
    recs = await consume(env.infra.kafka, env.settings.topic("scoring.events"), until=n, timeout_s=timeout_s)
    return [orjson.loads(r.value) for r in recs if r.value is not None]


def unit_token(env: Env, unit: str | None) -> dict[str, str]:
    extra = {"supervising_unit": unit} if unit else None
    token = issue_token(
        env.priv,
        subject="unit-staff",
        roles=["supervising_unit"],
        now=env.clock.now(),
        ttl=timedelta(days=1),
        extra=extra,
    )
    return {"Authorization": f"Bearer {token}"}


async def test_a_verified_declaration_is_assessed_announced_and_readable_by_staff(genv: Env) -> None:
    await genv.publish(
        (verified("GRD-1", 1, COUNTED["facts"]), "GRD-1"),
        (verified("GRD-2", 1, INELIGIBLE["facts"]), "GRD-2"),
    )
    events = {e["subject"]: e for e in await assessed(genv, 2)}
    assert set(events) == {"GRD-1", "GRD-2"}
    one = events["GRD-1"]
    assert one["type"] == "graduate.assessed" and one["correlation_id"] == "test"
    assert one["data"] == {
        "declaration_id": "GRD-1",
        "revision": 1,
        "round_id": "grd-2026",
        "supervising_unit_id": "unit-a",
        "policy_version": "graduates-2018",
        "eligible": True,
        "quota": "counted",
        "age_limit": 27,
        "failed_checks": [],
    }
    two = events["GRD-2"]["data"]
    assert two["eligible"] is False and two["quota"] is None
    assert two["failed_checks"] == [
        c["code"] for c in INELIGIBLE["expected"]["checks"] if c["passed"] is False
    ]

    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=genv.app), base_url="http://t") as http:
        path = "/v1/graduates/declarations/GRD-1/assessment"
        r = await http.get(path, headers=genv.token())
        assert r.status_code == 200, r.text
        body = r.json()
        assert (body["revision"], body["eligible"], body["quota"], body["age_limit"]) == (
            1,
            True,
            "counted",
            27,
        )
        assert [(c["code"], c["passed"]) for c in body["checks"]] == [
            (c["code"], c["passed"]) for c in COUNTED["expected"]["checks"]
        ]
        assert all(c["article"] and c["explanation"] for c in body["checks"])
        assert body["earlier_revisions"] == []
        assert (await http.get(path, headers=unit_token(genv, "unit-a"))).status_code == 200
        other = await http.get(path, headers=unit_token(genv, "unit-b"))
        assert other.status_code == 404 and other.json()["error"]["code"] == "assessment_not_found"
        assert (await http.get(path, headers=unit_token(genv, None))).status_code == 404
        assert (await http.get(path, headers=genv.token("applicant"))).status_code == 403
        assert (await http.get(path)).status_code == 401
        missing = await http.get("/v1/graduates/declarations/GRD-404/assessment", headers=genv.token())
        assert missing.status_code == 404 and missing.json()["error"]["code"] == "assessment_not_found"


async def test_redelivery_is_idempotent_and_a_late_older_revision_never_becomes_current(genv: Env) -> None:
    facts2 = copy.deepcopy(COUNTED["facts"])
    facts2["special_plan"] = "civil_service"
    outbox = Outbox(genv.upstream, genv.clock)
    first = outbox.envelope(verified("GRD-3", 1, COUNTED["facts"]), subject="GRD-3", correlation_id="test")
    doc = first.model_dump(mode="json")
    topic = genv.upstream.topic("review.events")
    async with genv.up_ctx.session_factory() as s, s.begin():
        for _ in range(2):  # the same event twice (same envelope id): the inbox takes it once
            await outbox.add_raw(s, doc, topic=topic, key="GRD-3", event_type=first.type)
    await genv.publish(
        (verified("GRD-3", 1, COUNTED["facts"]), "GRD-3"),  # the same revision under another event id
        (verified("GRD-3", 3, facts2), "GRD-3"),
        (verified("GRD-3", 2, INELIGIBLE["facts"]), "GRD-3"),  # older than 3, arriving late
        (verified("GRD-3", 4, facts2), "GRD-3"),  # a sentinel behind it on the same partition
    )
    events = await assessed(genv, 3)
    assert [(e["subject"], e["data"]["revision"]) for e in events] == [
        ("GRD-3", 1),
        ("GRD-3", 3),
        ("GRD-3", 4),
    ]
    assert events[1]["data"]["quota"] == "separate_plan"
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=genv.app), base_url="http://t") as http:
        body = (await http.get("/v1/graduates/declarations/GRD-3/assessment", headers=genv.token())).json()
    assert body["revision"] == 4 and body["quota"] == "separate_plan"
    # Every revision is kept once; the late revision 2 is history, not current.
    assert [(r["revision"], r["eligible"]) for r in body["earlier_revisions"]] == [
        (3, True),
        (2, False),
        (1, True),
    ]


async def test_an_invalid_graduate_verified_is_dead_lettered_naming_fields_not_values(genv: Env) -> None:
    outbox = Outbox(genv.upstream, genv.clock)
    env = outbox.envelope(verified("GRD-5", 1, COUNTED["facts"]), subject="GRD-5", correlation_id="test")
    doc = env.model_dump(mode="json")
    doc["data"]["facts"]["graduate"]["birth_date"] = "2026-02-30"
    async with genv.up_ctx.session_factory() as s, s.begin():
        await outbox.add_raw(
            s, doc, topic=genv.upstream.topic("review.events"), key="GRD-5", event_type=env.type
        )
    await genv.publish((verified("GRD-6", 1, COUNTED["facts"]), "GRD-6"))
    events = await assessed(genv, 1)
    assert [e["subject"] for e in events] == ["GRD-6"]
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=genv.app), base_url="http://t") as http:
        for _ in range(100):
            page = (await http.get("/v1/ops/dead-letters", headers=genv.token("operations_admin"))).json()
            if page["total"] >= 1:
                break
            await asyncio.sleep(0.1)
    (letter,) = page["items"]
    assert letter["reason_code"] == "invalid_payload"
    assert "facts.graduate.birth_date" in letter["error"] and "2026-02-30" not in letter["error"]
