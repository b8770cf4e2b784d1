"""Issue 12, finding 1 (employer squatting): registering an employer is public and credit codes are public,
so a new employer starts unverified and its administrators can confirm nothing until bureau staff verify
it; a disputed code is reassigned by bureau staff to a new administrator, with an audit record. Finding 8:
the 409 of an employer naming an applicant who is affiliated elsewhere does not name the other employer."""

from __future__ import annotations

from typing import Any

import pytest

from tests.intake.graduate_support import OTHER_EMPLOYER_CODE, graduate_body, graduate_world
from tests.intake.support import EMPLOYER_CODE, Intake, bearer

pytestmark = pytest.mark.integration

REAL_ADMIN = {"username": "hr-real", "password": "employer-pass-9", "name": "赵六", "phone": "13900139001"}


def _unverified(r: Any) -> None:
    assert r.status_code == 409, r.text
    error = r.json()["error"]
    assert error["code"] == "employer_unverified", error
    assert "not verified" in error["message"] and "核验" in error["message"]


async def _open_by_applicant(intake: Intake, applicant: str, code: str = EMPLOYER_CODE) -> str:
    r = await intake.http.post(
        "/v1/affiliations", json={"employer_credit_code": code}, headers=bearer(applicant)
    )
    assert r.status_code == 201, r.text
    affiliation_id: str = r.json()["id"]
    return affiliation_id


async def test_a_new_employer_is_unverified_and_can_confirm_nothing_until_the_bureau_verifies_it(
    intake: Intake,
) -> None:
    squatter = await intake.employer(verified=False)
    me = (await intake.http.get("/v1/employers/me", headers=bearer(squatter))).json()
    assert me["verified"] is False and me["verified_at"] is None

    applicant = await intake.applicant()
    affiliation_id = await _open_by_applicant(intake, applicant)
    _unverified(
        await intake.http.post(f"/v1/affiliations/{affiliation_id}/confirm", headers=bearer(squatter))
    )
    await intake.applicant(username="lisi-applicant")
    _unverified(
        await intake.http.post(
            "/v1/affiliations", json={"applicant_username": "lisi-applicant"}, headers=bearer(squatter)
        )
    )

    # Nor does it see who asked to be affiliated with it.
    _unverified(await intake.http.get("/v1/affiliations", headers=bearer(squatter)))

    # Only bureau staff and operations administrators verify.
    path = f"/v1/employers/{EMPLOYER_CODE}/verification"
    assert (await intake.http.post(path, json={}, headers=bearer(squatter))).status_code == 403
    assert (await intake.http.post(path, json={}, headers=bearer(applicant))).status_code == 403
    assert (await intake.http.post(path, json={})).status_code == 401
    queue = await intake.http.get("/v1/employers?verified=false", headers=bearer(await intake.bureau()))
    assert [e["credit_code"] for e in queue.json()["items"]] == [EMPLOYER_CODE]

    verified = await intake.verify_employer(EMPLOYER_CODE)
    assert verified["verified"] is True and verified["verified_at"] is not None
    r = await intake.http.post(f"/v1/affiliations/{affiliation_id}/confirm", headers=bearer(squatter))
    assert r.status_code == 200 and r.json()["status"] == "confirmed", r.text

    audit = await intake.http.get(
        f"/v1/employers/{EMPLOYER_CODE}/audit", headers=bearer(await intake.bureau())
    )
    assert audit.status_code == 200, audit.text
    [entry] = audit.json()["entries"]
    assert entry["action"] == "verified" and entry["actor"].startswith("acc_") and entry["at"]
    # Verifying again changes nothing.
    await intake.verify_employer(EMPLOYER_CODE)
    audit = await intake.http.get(
        f"/v1/employers/{EMPLOYER_CODE}/audit", headers=bearer(await intake.bureau())
    )
    assert len(audit.json()["entries"]) == 1


async def test_an_unverified_employer_cannot_declare_graduates(intake: Intake) -> None:
    world = await graduate_world(intake)  # its employer is verified by the helper
    unverified = await intake.employer(OTHER_EMPLOYER_CODE, "北京另一家科技有限公司", verified=False)
    assert (await world.assign(world.unit_id, OTHER_EMPLOYER_CODE)).status_code == 200
    _unverified(await world.declare(graduate_body(world.round_id, world.unit_id), employer=unverified))
    await intake.verify_employer(OTHER_EMPLOYER_CODE)
    r = await world.declare(graduate_body(world.round_id, world.unit_id), employer=unverified)
    assert r.status_code == 201, r.text


async def test_the_bureau_reassigns_a_squatted_code_with_an_audit_record(intake: Intake) -> None:
    squatter = await intake.employer()  # registered first and even verified by mistake
    bureau = await intake.bureau()
    intake.advance(minutes=5)  # the real employer complains (tokens stay valid for 15 minutes)
    path = f"/v1/employers/{EMPLOYER_CODE}/reassignment"
    body = {"reason": "营业执照原件核验：原注册人非本单位人员。", "admin": REAL_ADMIN}
    assert (await intake.http.post(path, json=body, headers=bearer(squatter))).status_code == 403
    r = await intake.http.post(path, json=body, headers=bearer(bureau))
    assert r.status_code == 200, r.text
    out = r.json()
    assert out["employer"]["credit_code"] == EMPLOYER_CODE and out["employer"]["verified"] is True
    assert out["admin"]["username"] == "hr-real" and out["admin"]["employer_credit_code"] == EMPLOYER_CODE
    squatter_name = intake.passwords[squatter][0]
    assert [a["username"] for a in out["entry"]["from_accounts"]] == [squatter_name]

    audit = (await intake.http.get(f"/v1/employers/{EMPLOYER_CODE}/audit", headers=bearer(bureau))).json()
    reassigned = audit["entries"][-1]
    assert reassigned["action"] == "reassigned"
    assert reassigned["reason"] == body["reason"] and reassigned["to_account"] == out["admin"]["id"]
    assert reassigned["actor"].startswith("acc_") and reassigned["at"]

    # The squatter is out: its access token (still unexpired) confirms nothing, and it cannot log in.
    applicant = await intake.applicant()
    affiliation_id = await _open_by_applicant(intake, applicant)
    r = await intake.http.post(f"/v1/affiliations/{affiliation_id}/confirm", headers=bearer(squatter))
    assert r.status_code in (403, 404), r.text
    r = await intake.http.post(
        "/v1/employers/me/admins",
        json={
            "username": "hr-accomplice",
            "password": "employer-pass-2",
            "name": "钱七",
            "phone": "13900139002",
        },
        headers=bearer(squatter),
    )
    assert r.status_code == 403, r.text
    r = await intake.http.post(
        "/v1/auth/token",
        data={"grant_type": "password", "username": squatter_name, "password": "employer-pass-1"},
    )
    assert r.status_code == 401 and r.json()["error"]["code"] == "account_disabled", r.text

    real = await intake.login("hr-real", REAL_ADMIN["password"])
    r = await intake.http.post(f"/v1/affiliations/{affiliation_id}/confirm", headers=bearer(real))
    assert r.status_code == 200 and r.json()["status"] == "confirmed", r.text


async def test_an_employer_is_not_told_which_employer_an_applicant_is_affiliated_with(intake: Intake) -> None:
    await intake.employer(EMPLOYER_CODE, "北京甲科技有限公司")
    nosy = await intake.employer(OTHER_EMPLOYER_CODE, "北京乙科技有限公司")
    applicant = await intake.applicant(username="wangwu-applicant")
    await _open_by_applicant(intake, applicant, EMPLOYER_CODE)

    r = await intake.http.post(
        "/v1/affiliations", json={"applicant_username": "wangwu-applicant"}, headers=bearer(nosy)
    )
    assert r.status_code == 409 and r.json()["error"]["code"] == "affiliation_exists", r.text
    assert "甲" not in r.text and EMPLOYER_CODE not in r.text and "pending" not in r.text

    # The applicant is told, about their own affiliation.
    r = await intake.http.post(
        "/v1/affiliations", json={"employer_credit_code": OTHER_EMPLOYER_CODE}, headers=bearer(applicant)
    )
    assert r.status_code == 409 and "北京甲科技有限公司" in r.json()["error"]["message"], r.text
