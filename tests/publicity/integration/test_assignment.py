"""Finding 6 of issue 12: any staff member could unseal a reporter by assigning the objection to
themself. Only a registered supervisor assigns, never to themself, only to a registered investigator
account; the identity is unsealed only by that investigator while the objection is open, and every
unsealing is in the access log that supervisors read. The roster is changed by operations (supervisors)
or a supervisor (investigators)."""

from __future__ import annotations

import httpx
import pytest

from services.publicity import jobs
from tests.publicity.conftest import MakePub
from tests.publicity.helpers import INVESTIGATOR, SUPERVISOR, PubEnv, beijing, feed, objection_form, round_of

pytestmark = pytest.mark.integration

OBJECT = "/v1/public/publicities/pts-2022/objections"
REASON = {"reason": "联系举报人补充房产证明材料"}


async def open_with_objection(env: PubEnv) -> str:
    """A list open on 2022-07-11 09:00 with one objection against entry 1; its id."""
    await feed(env.ctx, round_of(3))
    env.clock.set(beijing(2022, 7, 11, 9))
    await jobs.run_scheduled(env.ctx)
    async with env.http() as http:
        r = await http.post(OBJECT, data=objection_form(1))
    assert r.status_code == 201, r.text
    return str(r.json()["objection_id"])


def code(r: httpx.Response) -> tuple[int, str]:
    return r.status_code, r.json()["error"]["code"]


async def test_a_staff_member_who_is_not_a_supervisor_cannot_assign_nor_unseal(make_pub: MakePub) -> None:
    env = await make_pub()
    oid = await open_with_objection(env)
    other = env.token("bureau_staff", "staff-2")  # bureau staff, not a supervisor
    async with env.http() as http:
        for investigator in ("staff-2", INVESTIGATOR):
            r = await http.post(
                f"/v1/objections/{oid}/assign", json={"investigator": investigator}, headers=other
            )
            assert code(r) == (403, "not_supervisor")
        r = await http.post(f"/v1/objections/{oid}/reporter-identity", json=REASON, headers=other)
        assert code(r) == (403, "not_investigator")
        detail = (await http.get(f"/v1/objections/{oid}", headers=other)).json()
        assert detail["status"] == "received" and detail["assigned_to"] is None
        log = await http.get(f"/v1/objections/{oid}/identity-access-log", headers=env.token())
        assert log.status_code == 200 and log.json()["items"] == []


async def test_a_supervisor_cannot_assign_to_themself(make_pub: MakePub) -> None:
    env = await make_pub()
    await env.register("investigator", SUPERVISOR)  # even when also a registered investigator
    oid = await open_with_objection(env)
    boss = env.token("bureau_staff", SUPERVISOR)
    async with env.http() as http:
        r = await http.post(f"/v1/objections/{oid}/assign", json={"investigator": SUPERVISOR}, headers=boss)
        assert code(r) == (409, "self_assignment")
        r = await http.post(f"/v1/objections/{oid}/reporter-identity", json=REASON, headers=boss)
        assert code(r) == (403, "not_investigator")


async def test_assigning_to_an_account_that_is_not_a_registered_investigator_is_refused(
    make_pub: MakePub,
) -> None:
    env = await make_pub()
    oid = await open_with_objection(env)
    boss = env.token("bureau_staff", SUPERVISOR)
    async with env.http() as http:
        for nobody in ("staff-99", "anyone at all", INVESTIGATOR.upper()):
            r = await http.post(f"/v1/objections/{oid}/assign", json={"investigator": nobody}, headers=boss)
            assert code(r) == (422, "unknown_investigator"), nobody
        detail = (await http.get(f"/v1/objections/{oid}", headers=boss)).json()
        assert detail["status"] == "received" and [a["action"] for a in detail["actions"]] == ["filed"]


async def test_the_investigator_unseals_while_open_and_never_after_the_decision(make_pub: MakePub) -> None:
    env = await make_pub()
    oid = await open_with_objection(env)
    boss, inv = env.token("bureau_staff", SUPERVISOR), env.token("bureau_staff", INVESTIGATOR)
    async with env.http() as http:
        r = await http.post(f"/v1/objections/{oid}/assign", json={"investigator": INVESTIGATOR}, headers=boss)
        assert r.status_code == 200 and r.json()["assigned_to"] == INVESTIGATOR
        # the supervisor who assigned it is not the investigator
        r = await http.post(f"/v1/objections/{oid}/reporter-identity", json=REASON, headers=boss)
        assert code(r) == (403, "not_investigator")
        r = await http.post(f"/v1/objections/{oid}/reporter-identity", json=REASON, headers=inv)
        assert r.status_code == 200, r.text
        r = await http.post(
            f"/v1/objections/{oid}/decision", json={"decision": "dismissed", "note": "不成立"}, headers=inv
        )
        assert r.status_code == 200, r.text
        r = await http.post(f"/v1/objections/{oid}/reporter-identity", json=REASON, headers=inv)
        assert code(r) == (409, "objection_decided")
        assert "举报人" not in r.text and "13912345678" not in r.text
        # once decided it cannot be reassigned either
        r = await http.post(f"/v1/objections/{oid}/assign", json={"investigator": INVESTIGATOR}, headers=boss)
        assert code(r) == (409, "objection_decided")
        # every unsealing is recorded (who, when) and the supervisor reads the record: exactly one here
        log = await http.get(f"/v1/objections/{oid}/identity-access-log", headers=boss)
        assert log.status_code == 200
        [entry] = log.json()["items"]
        assert entry["accessed_by"] == INVESTIGATOR and entry["at"] == "2022-07-11T09:00:00+08:00"


async def test_an_investigator_taken_off_the_roster_can_no_longer_unseal(make_pub: MakePub) -> None:
    env = await make_pub()
    oid = await open_with_objection(env)
    boss, inv = env.token("bureau_staff", SUPERVISOR), env.token("bureau_staff", INVESTIGATOR)
    async with env.http() as http:
        r = await http.post(f"/v1/objections/{oid}/assign", json={"investigator": INVESTIGATOR}, headers=boss)
        assert r.status_code == 200
        r = await http.delete(f"/v1/objection-staff/investigator/{INVESTIGATOR}", headers=boss)
        assert r.status_code == 200 and r.json()["revoked_by"] == SUPERVISOR
        r = await http.post(f"/v1/objections/{oid}/reporter-identity", json=REASON, headers=inv)
        assert code(r) == (403, "not_investigator")


async def test_the_roster_is_changed_by_operations_and_supervisors_only(make_pub: MakePub) -> None:
    env = await make_pub(roster=False)
    ops, boss = env.token("operations_admin", "ops-1"), env.token("bureau_staff", SUPERVISOR)
    staff2 = env.token("bureau_staff", "staff-2")
    async with env.http() as http:
        # nobody can assign on an empty roster; bureau staff cannot make themselves supervisors
        for who in (boss, staff2):
            r = await http.put(f"/v1/objection-staff/supervisor/{SUPERVISOR}", headers=who)
            assert code(r) == (403, "not_allowed")
            r = await http.put("/v1/objection-staff/investigator/staff-2", headers=who)
            assert code(r) == (403, "not_allowed")
        r = await http.put(f"/v1/objection-staff/supervisor/{SUPERVISOR}", headers=ops)
        assert r.status_code == 200 and r.json()["registered_by"] == "ops-1"
        # a supervisor registers investigators, but not themself
        r = await http.put(f"/v1/objection-staff/investigator/{SUPERVISOR}", headers=boss)
        assert code(r) == (409, "own_duty")
        r = await http.put(f"/v1/objection-staff/investigator/{INVESTIGATOR}", headers=boss)
        assert r.status_code == 200 and r.json()["registered_by"] == SUPERVISOR
        # and cannot make or unmake supervisors
        r = await http.delete(f"/v1/objection-staff/supervisor/{SUPERVISOR}", headers=boss)
        assert code(r) == (403, "not_allowed")
        for who in (env.token("applicant", "A-1"), env.token("supervising_unit", "unit-1")):
            r = await http.put("/v1/objection-staff/investigator/x-1", headers=who)
            assert r.status_code == 403
        page = (await http.get("/v1/objection-staff", headers=staff2)).json()
        assert page["total"] == 2
        assert {(i["duty"], i["account_id"]) for i in page["items"]} == {
            ("supervisor", SUPERVISOR),
            ("investigator", INVESTIGATOR),
        }
        r = await http.delete(f"/v1/objection-staff/investigator/{INVESTIGATOR}", headers=ops)
        assert r.status_code == 200
        r = await http.delete(f"/v1/objection-staff/investigator/{INVESTIGATOR}", headers=ops)
        assert code(r) == (404, "duty_not_found")
        page = (
            await http.get("/v1/objection-staff?duty=investigator&include_revoked=true", headers=ops)
        ).json()
        [row] = page["items"]
        assert row["revoked_by"] == "ops-1" and row["revoked_at"] == "2022-07-08T09:00:00+08:00"
        assert (await http.get("/v1/objection-staff?duty=investigator", headers=ops)).json()["total"] == 0
