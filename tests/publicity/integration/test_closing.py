"""Preparing, opening and closing without the broker: any arrival order, held entries decided later,
no refill, exactly once with two workers."""

from __future__ import annotations

import asyncio
import random
from decimal import Decimal
from typing import Any

import pytest
import sqlalchemy as sa

from services.publicity import jobs
from services.publicity.adapters.tables import entries, publicities, scores, submissions
from services.publicity.context import build_service_context
from shared.messaging.outbox import outbox_t
from tests.publicity.conftest import MakePub
from tests.publicity.helpers import (
    PubEnv,
    beijing,
    feed,
    objection_form,
    round_of,
    scored,
    submitted,
)

pytestmark = pytest.mark.integration

OBJECT = "/v1/public/publicities/pts-2022/objections"


async def outbox(env: PubEnv, *types: str) -> list[dict[str, Any]]:
    async with env.ctx.session_factory() as s:
        rows = await s.execute(
            sa.select(outbox_t.c.envelope).where(outbox_t.c.event_type.in_(types)).order_by(outbox_t.c.seq)
        )
        return [r[0] for r in rows]


async def staff_list(env: PubEnv) -> list[dict[str, Any]]:
    async with env.http() as http:
        r = await http.get("/v1/publicities/pts-2022/entries", headers=env.token())
        assert r.status_code == 200, r.text
        return list(r.json()["items"])


async def test_the_list_is_prepared_whatever_order_the_events_arrive_in_and_the_latest_revision_wins(
    make_pub: MakePub,
) -> None:
    events = round_of(3)
    late = [
        (submitted("PTS-000002", "李芳（更正）", "北京新单位有限公司（ABC Tech）", revision=2), "PTS-000002"),
        (scored("PTS-000003", Decimal("179.50"), revision=2), "PTS-000003"),
    ]
    stale = [
        (submitted("PTS-000002", "李芳（旧）", "旧单位", revision=1), "PTS-000002"),
        (scored("PTS-000003", Decimal("1.00"), revision=1), "PTS-000003"),
    ]
    orders = [events + late + stale, list(reversed(events + late)) + stale]
    shuffled = events + late
    random.Random(7).shuffle(shuffled)
    orders.append(stale + shuffled)
    for order in orders:
        env = await make_pub()
        await feed(env.ctx, order)
        env.clock.set(beijing(2022, 7, 11, 8))
        report = await jobs.run_scheduled(env.ctx)
        assert report.prepared == ["pts-2022"] and report.opened == ["pts-2022"]
        rows = await staff_list(env)
        assert [(e["entry_no"], e["rank"], e["application_id"]) for e in rows] == [
            (1, 1, "PTS-000001"),
            (2, 2, "PTS-000002"),
            (3, 3, "PTS-000003"),
        ]
        assert (
            rows[1]["name"] == "李芳（更正）" and rows[1]["employer_name"] == "北京新单位有限公司（ABC Tech）"
        )
        assert rows[2]["total"] == "179.50"
        assert {i["code"]: i["points"] for i in rows[2]["indicators"]}["employment"] == "124.50"
        async with env.ctx.session_factory() as s:  # names of the round (incl. the unadmitted) are purged
            assert await s.scalar(sa.select(sa.func.count()).select_from(submissions)) == 0
            assert await s.scalar(sa.select(sa.func.count()).select_from(scores)) == 0
        async with env.http() as http:  # search is case-insensitive and takes %/_ literally
            found = (await http.get("/v1/public/publicities/pts-2022/entries?q=abc%20TECH")).json()
            assert [e["entry_no"] for e in found["items"]] == [2] and found["total"] == 1
            assert (await http.get("/v1/public/publicities/pts-2022/entries?q=%25")).json()["total"] == 0
            assert (await http.get("/v1/public/publicities/pts-2022/entries?q=_")).json()["total"] == 0
            both = (
                await http.get("/v1/public/publicities/pts-2022/entries?q=科技&sort=-rank&limit=1&offset=1")
            ).json()
            assert both["total"] == 2 and [e["entry_no"] for e in both["items"]] == [1]  # 3, 1 → page 2
        # a late event after the snapshot changes nothing
        await feed(env.ctx, [(scored("PTS-000001", Decimal("2.00"), revision=9), "PTS-000001")])
        assert (await staff_list(env))[0]["total"] == "180.00"


async def test_a_list_waits_for_every_admitted_entry_and_says_what_is_missing(pub: PubEnv) -> None:
    events = round_of(3)
    held_back = [e for e in events if e[0].event_type == "application.submitted" and e[1] == "PTS-000002"]  # type: ignore[attr-defined]
    await feed(pub.ctx, [e for e in events if e not in held_back])
    pub.clock.set(beijing(2022, 7, 12))
    assert await jobs.run_scheduled(pub.ctx) == jobs.JobReport()
    async with pub.http() as http:
        r = await http.get("/v1/rounds/pts-2022/publicity-readiness", headers=pub.token("operations_admin"))
        assert r.json()["status"] == "waiting" and r.json()["missing"] == ["application.submitted (1)"]
        await feed(pub.ctx, held_back)
        report = await jobs.run_scheduled(pub.ctx)
        assert report.prepared == ["pts-2022"] and report.opened == [
            "pts-2022"
        ]  # the phase has begun: at once
        r = await http.get("/v1/rounds/pts-2022/publicity-readiness", headers=pub.token())
        assert r.json()["status"] == "open" and r.json()["missing"] == []
        page = (await http.get("/v1/public/publicities/pts-2022/entries")).json()
        assert page["publicity"]["period"]["starts_at"] == "2022-07-12T00:00:00+08:00"
        assert page["publicity"]["period"]["ends_on"] == "2022-07-19"


async def test_closing_with_held_entries_emits_outcomes_and_a_held_entry_decided_later_emits_again(
    pub: PubEnv,
) -> None:
    await feed(pub.ctx, round_of(4))
    pub.clock.set(beijing(2022, 7, 11, 9))
    await jobs.run_scheduled(pub.ctx)
    staff1, staff7 = pub.token("bureau_staff", "staff-1"), pub.token("bureau_staff", "staff-7")
    async with pub.http() as http:

        async def file(entry_no: int) -> str:
            r = await http.post(OBJECT, data=objection_form(entry_no))
            assert r.status_code == 201
            return str(r.json()["objection_id"])

        async def assign(oid: str) -> None:
            r = await http.post(
                f"/v1/objections/{oid}/assign", json={"investigator": "staff-7"}, headers=staff1
            )
            assert r.status_code == 200, r.text

        async def decide(oid: str, decision: str, reason: str | None = None, code: str = "ineligible") -> Any:
            body = {
                "decision": decision,
                "note": "核查结论",
                **({"reason": reason, "reason_code": code} if reason else {}),
            }
            return await http.post(f"/v1/objections/{oid}/decision", json=body, headers=staff7)

        o1, o2a, o2b, o3 = await file(1), await file(2), await file(2), await file(3)
        r = await decide(o1, "upheld", "申报住所材料不实")
        assert r.status_code == 409 and r.json()["error"]["code"] == "objection_not_assigned"
        for oid in (o1, o2a, o2b, o3):
            await assign(oid)
        r = await http.post(
            f"/v1/objections/{o1}/decision", json={"decision": "dismissed", "note": "x"}, headers=staff1
        )
        assert r.status_code == 403 and r.json()["error"]["code"] == "not_investigator"
        r = await decide(o1, "upheld", "申报住所材料不实")
        assert (
            r.status_code == 200 and r.json()["outcome_emitted"] is None
        )  # during the period: decided at closing
        assert [a["action"] for a in r.json()["objection"]["actions"]] == ["filed", "assigned", "upheld"]
        assert r.json()["objection"]["decided_by"] == "staff-7"
        assert r.json()["objection"]["disqualification_reason_code"] == "ineligible"  # shown to staff
        assert (await decide(o3, "dismissed")).status_code == 200
        assert (await decide(o3, "upheld", "again")).status_code == 409  # decisions are final

        pub.clock.set(beijing(2022, 7, 18, 23, 59))
        assert (await jobs.run_scheduled(pub.ctx)).closed == []  # not yet
        pub.clock.set(
            beijing(
                2022,
                7,
                19,
                0,
                0,
            )
        )
        assert (await jobs.run_scheduled(pub.ctx)).closed == ["pts-2022"]
        assert (await jobs.run_scheduled(pub.ctx)).closed == []

        outcomes = {e["subject"]: e["data"] for e in await outbox(pub, "publicity.outcome")}
        assert {k: v["outcome"] for k, v in outcomes.items()} == {
            "PTS-000001": "disqualified",
            "PTS-000002": "held",
            "PTS-000003": "cleared",
            "PTS-000004": "cleared",
        }
        assert outcomes["PTS-000001"]["reason"] == "申报住所材料不实"
        assert outcomes["PTS-000001"]["reason_code"] == "ineligible"
        assert outcomes["PTS-000002"]["reason_code"] is None and outcomes["PTS-000004"]["reason_code"] is None
        assert outcomes["PTS-000002"]["reason"].startswith("2 项异议正在核查")
        assert outcomes["PTS-000004"]["reason"] is None
        assert outcomes["PTS-000001"]["publicity_closed_at"] == "2022-07-19T00:00:00+08:00"
        [closed] = await outbox(pub, "publicity.closed")
        assert closed["subject"] == "pts-2022"
        assert (closed["data"]["cleared"], closed["data"]["disqualified"], closed["data"]["held"]) == (
            2,
            1,
            1,
        )
        assert closed["data"]["entry_count"] == 4 and closed["data"]["calendar_version"].startswith(
            "chinesecalendar-"
        )
        assert closed["data"]["opened_at"] == "2022-07-11T09:00:00+08:00"

        # after the period: one objection dismissed, another still open → still held, nothing emitted
        pub.clock.set(beijing(2022, 7, 25, 10))
        r = await decide(o2a, "dismissed")
        assert r.status_code == 200 and r.json()["outcome_emitted"] is None
        r = await decide(o2b, "upheld", "社保缴费记录造假", code="fraud")
        assert r.json()["outcome_emitted"] == {
            "application_id": "PTS-000002",
            "outcome": "disqualified",
            "reason": "社保缴费记录造假",
            "reason_code": "fraud",
        }
        later = [e for e in await outbox(pub, "publicity.outcome") if e["subject"] == "PTS-000002"]
        assert [e["data"]["outcome"] for e in later] == ["held", "disqualified"]
        assert [e["data"]["reason_code"] for e in later] == [None, "fraud"]
        assert later[1]["data"]["decided_at"] == "2022-07-25T10:00:00+08:00"
        assert later[1]["data"]["publicity_closed_at"] == "2022-07-19T00:00:00+08:00"

        staff = await staff_list(pub)
        assert [e["outcome"] for e in staff] == ["disqualified", "disqualified", "cleared", "cleared"]
        assert [e["outcome_reason_code"] for e in staff] == ["ineligible", "fraud", None, None]
        assert len(staff) == 4  # 不递补: nobody takes a disqualified place
        detail = (await http.get("/v1/publicities/pts-2022", headers=pub.token("operations_admin"))).json()
        assert detail["status"] == "closed" and detail["entry_count"] == 4
        assert (detail["cleared"], detail["disqualified"], detail["held"]) == (2, 1, 1)  # as at closing
        assert detail["objections"] == {"upheld": 2, "dismissed": 2}


async def test_two_workers_prepare_open_and_close_exactly_once(pub: PubEnv) -> None:
    await feed(pub.ctx, round_of(30))
    other = build_service_context(pub.settings, pub.clock)
    try:
        pub.clock.set(beijing(2022, 7, 11, 9))
        reports = await asyncio.gather(*(jobs.run_scheduled(c) for c in (pub.ctx, other, pub.ctx, other)))
        assert sum(len(r.prepared) for r in reports) == 1
        pub.clock.set(beijing(2022, 7, 19, 0, 1))
        reports = await asyncio.gather(*(jobs.run_scheduled(c) for c in (pub.ctx, other, pub.ctx, other)))
        assert sum(len(r.closed) for r in reports) == 1
    finally:
        await other.close()
    assert len(await outbox(pub, "publicity.outcome")) == 30
    assert len(await outbox(pub, "publicity.closed")) == 1
    async with pub.ctx.session_factory() as s:
        assert await s.scalar(sa.select(sa.func.count()).select_from(publicities)) == 1
        assert await s.scalar(sa.select(sa.func.count()).select_from(entries)) == 30
