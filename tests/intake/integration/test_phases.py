"""Phase gating through the API (409 naming the phase and its dates) and the announcement of phase changes
(``round.phase_changed``), exactly once per boundary, across worker restarts, through the real broker."""

from __future__ import annotations

import asyncio
import copy
from datetime import date, datetime

import orjson
import pytest
import sqlalchemy as sa

from services.intake.jobs import announce_phase_changes
from shared.clock import BEIJING
from tests.intake.support import ROUND_2024, Intake, bearer, facts_for, make_id
from tests.support.infra import consume

pytestmark = pytest.mark.integration


async def test_declaring_before_the_declaration_phase_names_the_phase_and_its_dates(intake: Intake) -> None:
    later = copy.deepcopy(ROUND_2024)
    later["phases"][0]["starts_on"] = "2024-05-15"
    await intake.create_round(later)
    employer, applicant = await intake.employer(), await intake.applicant(username="early")
    await intake.affiliate(applicant, employer)
    r = await intake.declare(applicant)
    assert r.status_code == 409
    err = r.json()["error"]
    assert err["code"] == "out_of_phase"
    assert "declaration (申报, 2024-05-15 – 2024-05-20)" in err["message"]
    assert "has not started" in err["message"]
    round_view = (await intake.http.get("/v1/rounds/points-2024")).json()
    assert round_view["current_phase"] == "not_started"
    intake.clock.set(datetime(2024, 5, 15, 0, 0, tzinfo=BEIJING))
    applicant = await intake.login("early", "applicant-pass-1")  # the old access token has expired
    assert (await intake.declare(applicant)).status_code == 201


async def test_after_the_declaration_phase_edits_confirmations_and_submissions_are_refused(
    intake: Intake,
) -> None:
    await intake.create_round()
    employer, applicant = await intake.employer(), await intake.applicant()
    await intake.affiliate(applicant, employer)
    app_id = (await intake.declare(applicant)).json()["id"]
    # The declaration phase ends at 24:00 of 2024-05-20, Beijing time.
    intake.clock.set(datetime(2024, 5, 20, 23, 50, tzinfo=BEIJING))
    employer, applicant = await intake.relogin(employer), await intake.relogin(applicant)
    assert (await intake.confirm(employer, app_id, 1)).status_code == 200
    intake.clock.set(datetime(2024, 5, 21, 0, 0, tzinfo=BEIJING))
    for r in (
        await intake.submit(applicant, app_id),
        await intake.confirm(employer, app_id, 1),
        await intake.http.put(
            f"/v1/applications/{app_id}",
            headers=bearer(applicant),
            json={
                "identity": {"name": "张三", "id_number": make_id(date(1985, 3, 7)), "phone": "13800138000"},
                "facts": facts_for(date(1985, 3, 7)),
            },
        ),
    ):
        assert r.status_code == 409, r.text
        err = r.json()["error"]
        assert err["code"] == "out_of_phase"
        assert "review_summary (部门审核结果汇总, 2024-05-21 – 2024-06-30)" in err["message"]
        assert "declaration (申报, 2024-05-06 – 2024-05-20)" in err["message"]
    assert (await intake.http.get("/v1/rounds/points-2024")).json()["current_phase"] == "review_summary"
    staff = await intake.staff("bureau_staff")
    page = (await intake.http.get("/v1/applications?phase=review_summary", headers=bearer(staff))).json()
    assert page["total"] == 1
    page = (await intake.http.get("/v1/applications?phase=declaration", headers=bearer(staff))).json()
    assert page["total"] == 0


async def test_round_dates_are_validated(intake: Intake) -> None:
    staff = await intake.staff("bureau_staff")
    body = copy.deepcopy(ROUND_2024)
    body["phases"][2]["starts_on"] = "2024-06-30"  # overlaps review_summary
    r = await intake.http.post("/v1/rounds", json=body, headers=bearer(staff))
    assert r.status_code == 422
    assert r.json()["error"]["details"][0] == {
        "field": "phases[2].starts_on",
        "code": "phases.overlap",
        "message": "Phase results_query must start after review_summary ends (2024-06-30).",
    }
    body = copy.deepcopy(ROUND_2024)
    body["phases"][0], body["phases"][1] = body["phases"][1], body["phases"][0]
    r = await intake.http.post("/v1/rounds", json=body, headers=bearer(staff))
    assert r.status_code == 422 and r.json()["error"]["details"][0]["code"] == "phases.order"
    body = copy.deepcopy(ROUND_2024)
    body["phases"][0]["ends_on"] = "2024-02-30"
    r = await intake.http.post("/v1/rounds", json=body, headers=bearer(staff))
    assert r.status_code == 422 and r.json()["error"]["details"][0]["code"] == "date.invalid"
    await intake.create_round()
    r = await intake.http.post("/v1/rounds", json=ROUND_2024, headers=bearer(staff))
    assert r.status_code == 409 and r.json()["error"]["code"] == "round_exists"


async def _announced(intake: Intake) -> list[str]:
    async with intake.ctx.session_factory() as s:
        rows = await s.execute(
            sa.text(
                "SELECT envelope->'data'->>'phase' FROM outbox WHERE event_type = 'round.phase_changed' ORDER BY seq"
            )
        )
        return [r[0] for r in rows]


async def test_each_boundary_is_announced_exactly_once_even_when_the_clock_jumps(intake: Intake) -> None:
    await intake.create_round()
    counts = await asyncio.gather(*(announce_phase_changes(intake.ctx) for _ in range(3)))
    assert sum(counts) == 1
    assert await announce_phase_changes(intake.ctx) == 0
    intake.clock.set(datetime(2024, 8, 12, tzinfo=BEIJING))  # jumps over three boundaries into publicity
    assert await announce_phase_changes(intake.ctx) == 4
    intake.clock.set(datetime(2026, 8, 19, tzinfo=BEIJING))
    assert await announce_phase_changes(intake.ctx) == 2
    assert await announce_phase_changes(intake.ctx) == 0
    assert await _announced(intake) == [
        "declaration",
        "review_summary",
        "results_query",
        "recheck_and_ranking",
        "publicity",
        "settlement",
        "closed",
    ]


async def test_the_worker_announces_phase_changes_on_the_bus_and_resumes_after_a_restart(
    intake: Intake,
) -> None:
    await intake.create_round()

    async def run_worker_until(n: int) -> None:
        worker = intake.worker()
        await worker.start()
        try:
            for _ in range(200):
                if len(await _announced(intake)) >= n:
                    break
                await asyncio.sleep(0.05)
            await asyncio.sleep(0.3)  # let the relay publish
        finally:
            await worker.stop()
            await worker.ctx.close()

    await run_worker_until(1)
    intake.clock.set(datetime(2024, 7, 2, tzinfo=BEIJING))  # the worker is down while two boundaries pass
    await run_worker_until(3)
    records = await consume(
        intake.settings.kafka_bootstrap_servers or "",
        intake.settings.topic("intake.events"),
        until=3,
        timeout_s=10,
    )
    events = [orjson.loads(r.value) for r in records]
    assert [e["data"]["phase"] for e in events] == ["declaration", "review_summary", "results_query"]
    first = events[1]["data"]
    assert first["previous_phase"] == "declaration" and first["round_id"] == "points-2024"
    assert first["policy_version"] == "bj-points-2020" and first["quota"] == 6000
    assert [p["phase"] for p in first["phases"]][-1] == "settlement"
    assert all(r.key == b"points-2024" for r in records)
