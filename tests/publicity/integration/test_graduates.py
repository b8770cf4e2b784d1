"""The graduate programme's lists through the real database: decisions in (newer revisions replace, a
return withdraws), a unit opens its list (at least 5 working days around National Day 2025), the public
reads it (JSON and HTML), objections as for points, and the closing job's outcomes."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest
import sqlalchemy as sa

from services.publicity import jobs
from services.publicity.adapters.tables import graduate_candidates
from services.publicity.handlers import graduates
from shared.api.errors import Invalid
from shared.messaging.outbox import outbox_t
from tests.publicity.conftest import MakePub
from tests.publicity.graduate_helpers import (
    UNIT,
    UNIT_ADDRESS,
    UNIT_NAME,
    UNIT_PHONE,
    decided,
    unit_token,
)
from tests.publicity.helpers import REPORTER, PubEnv, beijing, feed, objection_form

pytestmark = pytest.mark.integration

OPEN = f"/v1/units/{UNIT}/graduate-publicities"
GRD1 = f"GRD-2025-{UNIT}-1"


async def outbox(env: PubEnv, *types: str) -> list[dict[str, Any]]:
    async with env.ctx.session_factory() as s:
        rows = await s.execute(
            sa.select(outbox_t.c.envelope).where(outbox_t.c.event_type.in_(types)).order_by(outbox_t.c.seq)
        )
        return [r[0] for r in rows]


async def candidates(env: PubEnv) -> dict[str, dict[str, Any]]:
    async with env.ctx.session_factory() as s:
        rows = (await s.execute(sa.select(graduate_candidates))).mappings()
        return {r["declaration_id"]: dict(r) for r in rows}


async def test_newer_decisions_replace_a_waiting_entry_and_a_return_withdraws_it(make_pub: MakePub) -> None:
    env = await make_pub()
    t = beijing(2025, 9, 20, 10)
    await feed(
        env.ctx,
        [
            (decided("D-1", "王伟", at=t), "D-1"),
            (decided("D-2", "李芳", at=t), "D-2"),
            (decided("D-1", "王伟", revision=2, university="清华大学", at=beijing(2025, 9, 21)), "D-1"),
            (decided("D-2", decision="returned", at=beijing(2025, 9, 22)), "D-2"),
            # stale: the first revision's approval, and an approval older than the return, arrive late
            (decided("D-1", "王伟（旧）", revision=1, at=beijing(2025, 9, 23)), "D-1"),
            (decided("D-2", "李芳（旧）", at=beijing(2025, 9, 21)), "D-2"),
        ],
    )
    rows = await candidates(env)
    assert rows["D-1"]["revision"] == 2 and rows["D-1"]["university"] == "清华大学"
    assert rows["D-1"]["name"] == "王伟"
    # a returned declaration keeps nothing about the graduate
    assert rows["D-2"]["status"] == "returned"
    assert all(rows["D-2"][k] is None for k in ("name", "age", "university", "education"))
    env.clock.set(beijing(2025, 9, 29, 10))
    async with env.http() as http:
        r = await http.get(f"/v1/units/{UNIT}/graduate-candidates", headers=unit_token(env))
        assert r.status_code == 200, r.text
        assert [(c["declaration_id"], c["revision"]) for c in r.json()["items"]] == [("D-1", 2)]

    # an approval without what the list shows can never succeed: refused (the consumer dead-letters it)
    async with env.ctx.transaction() as tx:
        with pytest.raises(Invalid) as e:
            await graduates.record_unit_decision(
                tx, graduates.RecordUnitDecision(decided("D-3", consent_at=None), t)
            )
    assert e.value.code == "incomplete_approval"


async def test_a_unit_opens_its_list_the_public_objects_and_the_job_closes_it(make_pub: MakePub) -> None:
    env = await make_pub()
    await feed(
        env.ctx,
        [
            (decided("D-1", "王伟", at=beijing(2025, 9, 20, 10)), "D-1"),
            (
                decided(
                    "D-2", "李芳", university="复旦大学", age=29, education="doctor", at=beijing(2025, 9, 21)
                ),
                "D-2",
            ),
            (decided("D-3", "张敏", university="南京大学", at=beijing(2025, 9, 22)), "D-3"),
            (decided("D-9", "赵强", unit="U-CY", at=beijing(2025, 9, 22)), "D-9"),  # another unit's
        ],
    )
    env.clock.set(beijing(2025, 9, 29, 10))  # day D: Monday before National Day
    staff = env.token("bureau_staff", "staff-1")
    investigator = env.token("bureau_staff", "staff-7")
    async with env.http() as http:
        # shorter than 5 working days: refused
        r = await http.post(OPEN, json={"working_days": 4}, headers=unit_token(env))
        assert r.status_code == 422, r.text
        # another unit's staff, a unit token without its unit, bureau staff: refused
        r = await http.post(OPEN, json={}, headers=unit_token(env, "U-CY"))
        assert r.status_code == 403 and r.json()["error"]["code"] == "other_unit"
        r = await http.post(OPEN, json={}, headers=unit_token(env, None))
        assert r.status_code == 403 and r.json()["error"]["code"] == "unit_claim_missing"
        assert (await http.post(OPEN, json={}, headers=staff)).status_code == 403

        r = await http.post(OPEN, json={"working_days": 5}, headers=unit_token(env))
        assert r.status_code == 201, r.text
        p = r.json()
        assert p["publicity_id"] == GRD1 and p["program"] == "graduates" and p["status"] == "open"
        assert p["unit_id"] == UNIT and p["unit_name"] == UNIT_NAME
        assert (p["unit_phone"], p["unit_address"], p["working_days"]) == (UNIT_PHONE, UNIT_ADDRESS, 5)
        # 09-30, (National Day), 10-09, 10-10, the make-up Saturday 10-11, 10-13: 24:00 of 2025-10-13
        assert p["period"]["ends_on"] == "2025-10-13"
        assert p["period"]["ends_at"] == "2025-10-14T00:00:00+08:00"
        assert p["period"]["calendar_version"].startswith("chinesecalendar-")
        assert p["entry_count"] == 3
        # the candidates keep no copy of what the list shows
        rows = await candidates(env)
        assert rows["D-1"]["publicity_id"] == GRD1 and rows["D-1"]["name"] is None
        assert rows["D-9"]["publicity_id"] is None and rows["D-9"]["name"] == "赵强"  # another unit's
        # nothing waits any more: a second list now has nobody
        r = await http.post(OPEN, json={}, headers=unit_token(env))
        assert r.status_code == 409 and r.json()["error"]["code"] == "nothing_to_publish"

        # the public list: name, age, university, education, the unit's phone and address; nothing else
        r = await http.get(f"/v1/public/graduate-publicities/{GRD1}/entries")
        assert r.status_code == 200, r.text
        page = r.json()
        assert [
            (e["entry_no"], e["name"], e["age"], e["university"], e["education"]) for e in page["items"]
        ] == [
            (1, "王伟", 26, "北京大学", "master"),
            (2, "李芳", 29, "复旦大学", "doctor"),
            (3, "张敏", 26, "南京大学", "master"),
        ]
        assert set(page["items"][0]) == {"entry_no", "name", "age", "university", "education", "education_zh"}
        assert page["publicity"]["unit_phone"] == UNIT_PHONE and '"D-1"' not in r.text
        assert (await http.get(f"/v1/public/graduate-publicities/{GRD1}/entries?q=复旦")).json()["total"] == 1
        html = await http.get(f"/public/graduate-publicities/{GRD1}")
        assert html.status_code == 200 and "text/html" in html.headers["content-type"]
        for text in ("王伟", "复旦大学", "博士研究生", UNIT_PHONE, UNIT_ADDRESS, "2025年10月13日 24:00"):
            assert text in html.text
        assert '"D-1"' not in html.text and ">D-1<" not in html.text
        # the points list's URLs do not show a graduate list; the HTML one sends people to it
        assert (await http.get(f"/v1/public/publicities/{GRD1}/entries")).status_code == 404
        r = await http.get(f"/public/publicities/{GRD1}")
        assert r.status_code == 303 and r.headers["location"] == f"/public/graduate-publicities/{GRD1}"
        index = await http.get("/public/publicities")
        assert f"/public/graduate-publicities/{GRD1}" in index.text

        # objections exactly as for points: sealed identity, assignment, decision by the investigator
        oids = []
        for entry_no in (1, 2):
            r = await http.post(f"/v1/public/publicities/{GRD1}/objections", data=objection_form(entry_no))
            assert r.status_code == 201, r.text
            assert REPORTER["id_number"] not in r.text
            oids.append(r.json()["objection_id"])
        for oid in oids:
            r = await http.post(
                f"/v1/objections/{oid}/assign", json={"investigator": "staff-7"}, headers=staff
            )
            assert r.status_code == 200
        r = await http.post(
            f"/v1/objections/{oids[0]}/decision",
            json={
                "decision": "upheld",
                "note": "学历系伪造",
                "reason": "学历证书不实",
                "reason_code": "fraud",
            },
            headers=investigator,
        )
        assert r.status_code == 200, r.text
        r = await http.get(f"/v1/publicities/{GRD1}/objections", headers=staff)
        assert r.json()["total"] == 2 and REPORTER["id_number"] not in r.text

        # a return of a published declaration does not change the list
        await feed(env.ctx, [(decided("D-3", decision="returned", at=beijing(2025, 9, 30)), "D-3")])
        assert (await http.get(f"/v1/public/graduate-publicities/{GRD1}/entries")).json()["total"] == 3

        # not before 24:00 of the 5th working day
        env.clock.set(beijing(2025, 10, 13, 23, 59))
        assert (await jobs.run_scheduled(env.ctx)).closed == []
        env.clock.set(beijing(2025, 10, 14, 0, 0))
        assert (await jobs.run_scheduled(env.ctx)).closed == [GRD1]
        assert (await http.get(f"/v1/public/graduate-publicities/{GRD1}/entries")).status_code == 410
        gone = await http.get(f"/public/graduate-publicities/{GRD1}")
        assert gone.status_code == 410 and "引进毕业生公示" in gone.text and "王伟" not in gone.text
        r = await http.post(f"/v1/public/publicities/{GRD1}/objections", data=objection_form(3))
        assert r.status_code == 409 and r.json()["error"]["code"] == "publicity_period_over"

        outcomes = {e["subject"]: e["data"] for e in await outbox(env, "publicity.outcome")}
        assert {k: v["outcome"] for k, v in outcomes.items()} == {
            "D-1": "disqualified",
            "D-2": "held",
            "D-3": "cleared",
        }
        assert outcomes["D-1"]["reason_code"] == "fraud"
        assert all(v["program"] == "graduates" and v["publicity_id"] == GRD1 for v in outcomes.values())
        assert all(v["application_id"] == k and v["round_id"] == "grd-2025" for k, v in outcomes.items())
        [closed] = await outbox(env, "publicity.closed")
        assert closed["data"]["program"] == "graduates" and closed["data"]["publicity_id"] == GRD1
        assert (closed["data"]["cleared"], closed["data"]["disqualified"], closed["data"]["held"]) == (
            1,
            1,
            1,
        )
        assert closed["data"]["closed_at"] == "2025-10-14T00:00:00+08:00"

        # the held entry is decided later: its outcome goes out again
        env.clock.set(beijing(2025, 10, 15, 10))
        r = await http.post(
            f"/v1/objections/{oids[1]}/decision",
            json={"decision": "dismissed", "note": "经核查属实"},
            headers=investigator,
        )
        assert r.json()["outcome_emitted"]["outcome"] == "cleared"
        later = [e for e in await outbox(env, "publicity.outcome") if e["subject"] == "D-2"]
        assert [e["data"]["outcome"] for e in later] == ["held", "cleared"]

        # staff keep the archived copy with the graduate columns
        r = await http.get(f"/v1/publicities/{GRD1}/entries", headers=staff)
        assert r.status_code == 200 and r.json()["total"] == 3
        assert [(e["application_id"], e["university"], e["outcome"]) for e in r.json()["items"]] == [
            ("D-1", "北京大学", "disqualified"),
            ("D-2", "复旦大学", "cleared"),
            ("D-3", "南京大学", "cleared"),
        ]
        r = await http.get(f"/v1/publicities/{GRD1}", headers=staff)
        assert (r.json()["opened_by"], r.json()["working_days"], r.json()["unit_phone"]) == (
            "unit-staff-1",
            5,
            UNIT_PHONE,
        )

        # the unit's next approval goes on its second list of the year
        await feed(env.ctx, [(decided("D-4", "陈静", at=beijing(2025, 10, 15, 11)), "D-4")])
        r = await http.post(OPEN, json={"working_days": 7}, headers=unit_token(env))
        assert r.status_code == 201, r.text
        assert r.json()["publicity_id"] == f"GRD-2025-{UNIT}-2"
        assert r.json()["period"]["ends_on"] == "2025-10-24"  # 7 working days after Wednesday 10-15


async def test_two_openings_at_once_make_one_list(make_pub: MakePub) -> None:
    env = await make_pub()
    await feed(env.ctx, [(decided(f"D-{i}", f"毕业生{i}"), f"D-{i}") for i in range(1, 6)])
    env.clock.set(beijing(2025, 9, 29, 10))
    async with env.http() as http:
        got = await asyncio.gather(
            *(http.post(OPEN, json={}, headers=unit_token(env, subject=f"unit-staff-{k}")) for k in range(4))
        )
    assert sorted(r.status_code for r in got) == [201, 409, 409, 409]
    [ok] = [r for r in got if r.status_code == 201]
    assert ok.json()["publicity_id"] == GRD1 and ok.json()["entry_count"] == 5
