"""落户办理 by district: the materials name the settlement district (落户区); only that district's staff
(区人力社保局, the token's ``district`` claim) take them in, check them and see the qualification; a district
staff account without a district is refused everything (fail closed). Every refusal is a 403 in the shared
error shape and changes nothing."""

from __future__ import annotations

from typing import Any

import pytest
import sqlalchemy as sa

from tests.settlement.integration.conftest import IDS, Env

pytestmark = pytest.mark.integration

NO_ARCHIVE = [
    {"item": "id_card"},
    {"item": "household_register"},
    {"item": "application_form"},
    {"item": "transfer_form"},
    {"item": "no_archive_statement"},
]


def materials(district: Any = "110108") -> dict[str, Any]:
    return {"settlement_district": district, "has_archive": False, "provided": NO_ARCHIVE}


async def confirmed(env: Env, app_id: str, id_number: str = IDS[0]) -> None:
    await env.deliver(env.submitted(app_id, id_number=id_number))
    await env.deliver(env.outcome(app_id))


def assert_error(r: Any, status: int, code: str) -> dict[str, Any]:
    assert r.status_code == status, r.text
    body: dict[str, Any] = r.json()["error"]
    assert body["code"] == code and body["message"] and "correlation_id" in body
    return body


async def test_only_staff_of_the_settlement_district_record_the_district_check(env: Env) -> None:
    await confirmed(env, "PTS-D")
    haidian = env.token("district_staff", "clerk-haidian", district="110108")
    chaoyang = env.token("district_staff", "clerk-chaoyang", district="110105")
    nowhere = env.token("district_staff", "clerk-nowhere")
    bureau = env.token("bureau_staff", "officer-bureau")
    async with env.http() as http:
        r = await http.post("/v1/qualifications/PTS-D/materials", headers=haidian, json=materials("110108"))
        assert r.status_code == 200, r.text
        assert r.json()["settlement_district"] == "110108"
        assert r.json()["settlement_district_name"] == "海淀区"

        # Another district's clerk: 403 other_district naming both districts; nothing changes.
        r = await http.post(
            "/v1/qualifications/PTS-D/district-check", headers=chaoyang, json={"passed": True}
        )
        err = assert_error(r, 403, "other_district")
        assert err["message"] == (
            "This qualification settles in 海淀区 (110108); your account is for 朝阳区 (110105)."
        )
        # A clerk whose account has no district: fail closed.
        r = await http.post("/v1/qualifications/PTS-D/district-check", headers=nowhere, json={"passed": True})
        err = assert_error(r, 403, "no_district")
        assert err["message"] == "Your account has no district; an operations administrator must set one."
        # A district claim that is not a Beijing district never matches.
        odd = env.token("district_staff", "clerk-odd", district="110199")
        r = await http.post("/v1/qualifications/PTS-D/district-check", headers=odd, json={"passed": True})
        assert "unknown district (110199)" in assert_error(r, 403, "other_district")["message"]

        q = (await http.get("/v1/qualifications/PTS-D", headers=bureau)).json()
        assert q["status"] == "materials_submitted" and q["district_checked_by"] is None
        audit = (await http.get("/v1/audit-log", params={"subject": "PTS-D"}, headers=bureau)).json()
        assert "qualification.district_checked" not in {a["action"] for a in audit["items"]}

        # The right district: returned once. The holder moves and hands them in again naming 朝阳区.
        r = await http.post(
            "/v1/qualifications/PTS-D/district-check",
            headers=haidian,
            json={"passed": False, "note": "户口簿为复印件"},
        )
        assert r.status_code == 200 and r.json()["status"] == "materials_returned"
        r = await http.post("/v1/qualifications/PTS-D/materials", headers=bureau, json=materials("110105"))
        assert r.status_code == 200 and r.json()["settlement_district"] == "110105"
        assert r.json()["settlement_district_name"] == "朝阳区"
        r = await http.post("/v1/qualifications/PTS-D/district-check", headers=haidian, json={"passed": True})
        assert assert_error(r, 403, "other_district")["message"] == (
            "This qualification settles in 朝阳区 (110105); your account is for 海淀区 (110108)."
        )
        r = await http.post(
            "/v1/qualifications/PTS-D/district-check", headers=chaoyang, json={"passed": True}
        )
        assert r.status_code == 200, r.text
        assert (
            r.json()["status"] == "district_checked" and r.json()["district_checked_by"] == "clerk-chaoyang"
        )

        # The approval stays with the bureau, whatever its district.
        ok = await http.post("/v1/qualifications/PTS-D/approve", headers=bureau, json={})
        assert ok.status_code == 201, ok.text


async def test_district_staff_take_in_materials_only_for_their_own_district(env: Env) -> None:
    await confirmed(env, "PTS-M")
    haidian = env.token("district_staff", "clerk-haidian", district="110108")
    async with env.http() as http:
        r = await http.post("/v1/qualifications/PTS-M/materials", headers=haidian, json=materials("110105"))
        err = assert_error(r, 403, "other_district")
        assert "朝阳区 (110105)" in err["message"] and "海淀区 (110108)" in err["message"]
        assert err["details"][0]["field"] == "settlement_district"
        nowhere = env.token("district_staff", "clerk-nowhere")
        r = await http.post("/v1/qualifications/PTS-M/materials", headers=nowhere, json=materials("110108"))
        assert_error(r, 403, "no_district")
        assert await env.scalar("SELECT status FROM qualifications") == "confirmed"
        assert await env.scalar("SELECT settlement_district FROM qualifications") is None

        # Before the materials name a district, any district's clerk can look the qualification up …
        chaoyang = env.token("district_staff", "clerk-chaoyang", district="110105")
        r = await http.get("/v1/qualifications/PTS-M", headers=chaoyang)
        assert r.status_code == 200 and r.json()["settlement_district"] is None
        assert r.json()["settlement_district_name"] is None
        # … afterwards only the settlement district's.
        r = await http.post("/v1/qualifications/PTS-M/materials", headers=haidian, json=materials("110108"))
        assert r.status_code == 200, r.text
        assert (await http.get("/v1/qualifications/PTS-M", headers=haidian)).json()[
            "settlement_district"
        ] == ("110108")
        assert_error(await http.get("/v1/qualifications/PTS-M", headers=chaoyang), 403, "other_district")
        nowhere_read = await http.get("/v1/qualifications/PTS-M", headers=nowhere)
        assert_error(nowhere_read, 403, "no_district")


async def test_the_settlement_district_is_required_and_must_be_a_beijing_district(env: Env) -> None:
    await confirmed(env, "PTS-V")
    bureau = env.token()
    async with env.http() as http:
        for body in (
            {"has_archive": False, "provided": NO_ARCHIVE},
            materials("110103"),  # 崇文区, merged into 东城区 in 2010
            materials("BDA"),
            materials(""),
            materials(110108),
            materials(None),
        ):
            r = await http.post("/v1/qualifications/PTS-V/materials", headers=bureau, json=body)
            err = assert_error(r, 422, "validation_failed")
            assert [d["field"] for d in err["details"]] == ["settlement_district"], err
    assert await env.scalar("SELECT status FROM qualifications") == "confirmed"


async def test_district_staff_list_only_the_qualifications_of_their_district(env: Env) -> None:
    await confirmed(env, "PTS-A", IDS[0])
    await confirmed(env, "PTS-B", IDS[1])
    await confirmed(env, "PTS-C", IDS[2])  # no materials yet: no district
    await confirmed(env, "PTS-E", IDS[3])
    bureau = env.token()
    async with env.http() as http:
        for app_id, district in (("PTS-A", "110108"), ("PTS-B", "110105"), ("PTS-E", "110108")):
            r = await http.post(
                f"/v1/qualifications/{app_id}/materials", headers=bureau, json=materials(district)
            )
            assert r.status_code == 200, r.text

        async def listed(headers: dict[str, str], **params: Any) -> tuple[list[str], int]:
            r = await http.get("/v1/qualifications", headers=headers, params=params)
            assert r.status_code == 200, r.text
            return [q["application_id"] for q in r.json()["items"]], r.json()["total"]

        haidian = env.token("district_staff", "clerk-haidian", district="110108")
        assert await listed(haidian) == (["PTS-A", "PTS-E"], 2)
        assert await listed(haidian, limit=1, offset=1) == (["PTS-E"], 2)
        assert await listed(haidian, status="confirmed") == ([], 0)
        chaoyang = env.token("district_staff", "clerk-chaoyang", district="110105")
        assert await listed(chaoyang) == (["PTS-B"], 1)
        assert await listed(env.token("district_staff", "clerk-x", district="110119")) == ([], 0)
        everyone = (["PTS-A", "PTS-B", "PTS-C", "PTS-E"], 4)
        assert await listed(bureau) == everyone
        assert await listed(env.token("operations_admin", "ops-1")) == everyone
        r = await http.get("/v1/qualifications", headers=env.token("district_staff", "clerk-nowhere"))
        assert_error(r, 403, "no_district")


async def test_materials_recorded_without_a_district_cannot_be_checked_by_any_district(env: Env) -> None:
    # Materials handed in before the settlement district was asked for (migration 0003) name none.
    await confirmed(env, "PTS-OLD")
    async with env.http() as http:
        r = await http.post("/v1/qualifications/PTS-OLD/materials", headers=env.token(), json=materials())
        assert r.status_code == 200
        async with env.ctx.session_factory() as s, s.begin():
            await s.execute(sa.text("UPDATE qualifications SET settlement_district = NULL"))
        haidian = env.token("district_staff", "clerk-haidian", district="110108")
        r = await http.post(
            "/v1/qualifications/PTS-OLD/district-check", headers=haidian, json={"passed": True}
        )
        assert_error(r, 403, "no_settlement_district")
    assert await env.scalar("SELECT status FROM qualifications") == "materials_submitted"
