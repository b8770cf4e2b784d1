"""An applicant and an employer, from registration to submission, through the HTTP API alone; the
submission and a later revision reach the real broker with the ID number sealed."""

from __future__ import annotations

import asyncio
import os
import sys
import uuid
from datetime import date
from pathlib import Path

import jwt
import orjson
import pytest

from shared.api.auth import api_key_digest
from shared.crypto import Sealed, Sealer
from shared.events.registry import PRODUCER_TOPICS
from tests.intake.support import EMPLOYER_CODE, Intake, bearer, facts_for, make_id, running_intake
from tests.support.infra import Infra, consume

pytestmark = pytest.mark.integration
REPO = Path(__file__).resolve().parents[3]


async def test_registration_to_submission_then_an_edit_reaches_the_bus_as_revision_2(intake: Intake) -> None:
    http = intake.http
    await intake.create_round()

    # The employer registers itself and its administrator; the applicant registers; both log in.
    employer = await intake.employer()
    applicant = await intake.applicant(username="zhangsan")
    me = (await http.get("/v1/me", headers=bearer(applicant))).json()
    assert me["role"] == "applicant" and me["phone"] == "138****8000"

    # Before the affiliation is confirmed by both sides, declaring is refused.
    r = await intake.declare(applicant)
    assert r.status_code == 409 and r.json()["error"]["code"] == "affiliation_not_confirmed"

    # The employer opens the affiliation, the applicant confirms it.
    r = await http.post("/v1/affiliations", json={"applicant_username": "zhangsan"}, headers=bearer(employer))
    assert r.status_code == 201 and r.json()["status"] == "pending_applicant"
    aff_id = r.json()["id"]
    r = await http.post(f"/v1/affiliations/{aff_id}/confirm", headers=bearer(applicant))
    assert r.json()["status"] == "confirmed" and r.json()["employer_credit_code"] == EMPLOYER_CODE

    # The applicant declares; the ID number is stored sealed and shown masked.
    id_number = make_id(date(1985, 3, 7))
    r = await intake.declare(applicant)
    assert r.status_code == 201, r.text
    app = r.json()
    app_id = app["id"]
    assert app["declaration_status"] == "draft" and app["version"] == 1 and app["revision"] == 0
    assert app["applicant"]["id_number_masked"] == id_number[:6] + "********" + id_number[-4:]
    assert id_number not in r.text

    # Submitting before the employer confirms is refused; the employer sees the draft and confirms it.
    r = await intake.submit(applicant, app_id)
    assert r.status_code == 409 and r.json()["error"]["code"] == "employer_confirmation_required"
    listed = (await http.get("/v1/applications", headers=bearer(employer))).json()
    assert [i["id"] for i in listed["items"]] == [app_id]
    seen = (await http.get(f"/v1/applications/{app_id}", headers=bearer(employer))).json()
    assert seen["applicant"]["phone"] == "138****8000"
    r = await intake.confirm(employer, app_id, 1)
    assert r.status_code == 200 and r.json()["declaration_status"] == "employer_confirmed"

    # Submit, twice with the same key: one submission, the same answer.
    key = str(uuid.uuid4())
    first = await intake.submit(applicant, app_id, key)
    again = await intake.submit(applicant, app_id, key)
    assert first.status_code == 200 and again.status_code == 200, first.text
    assert first.json() == again.json() and first.json()["revision"] == 1
    r = await intake.submit(applicant, app_id)  # a new key, nothing changed
    assert r.status_code == 409 and r.json()["error"]["code"] == "already_submitted"

    # An edit in the declaration phase: new version, the employer confirms again, submit: revision 2.
    facts = facts_for(date(1985, 3, 7))
    facts["income_tax"] = [{"year": 2023, "amount": "25000.00"}]
    r = await http.put(
        f"/v1/applications/{app_id}",
        headers=bearer(applicant),
        json={
            "identity": {"name": "张三", "id_number": id_number, "phone": "13800138001"},
            "facts": facts,
            "version": 1,
        },
    )
    assert r.status_code == 200, r.text
    assert (
        r.json()["version"] == 2 and r.json()["declaration_status"] == "draft" and r.json()["revision"] == 1
    )
    r = await intake.confirm(employer, app_id, 1)  # the employer reviewed an old version
    assert r.status_code == 409 and r.json()["error"]["code"] == "version_mismatch"
    assert (await intake.confirm(employer, app_id, 2)).status_code == 200
    r = await intake.submit(applicant, app_id)
    assert r.status_code == 200 and r.json()["revision"] == 2
    again_first_key = await intake.submit(applicant, app_id, key)
    assert again_first_key.json()["revision"] == 1, "a replayed key answers what it answered then"

    # The worker's relay publishes both revisions to intake.events through the real broker.
    worker = intake.worker()
    await worker.start()
    try:
        records = await consume(
            intake.settings.kafka_bootstrap_servers or "",
            intake.settings.topic(PRODUCER_TOPICS["intake"]),
            until=3,
            timeout_s=15,
        )
    finally:
        await worker.stop()
        await worker.ctx.close()
    submitted = [
        orjson.loads(r.value) for r in records if orjson.loads(r.value)["type"] == "application.submitted"
    ]
    assert [e["data"]["revision"] for e in submitted] == [1, 2]
    assert all(e["version"] == 2 for e in submitted)  # application.submitted v2: PointsFacts
    assert all(r.key == app_id.encode() for r in records if orjson.loads(r.value)["subject"] == app_id)
    latest = submitted[-1]["data"]
    assert latest["declared_facts"]["income_tax"] == [{"year": 2023, "amount": "25000.00"}]
    assert latest["declared_facts"]["application_id"] == app_id
    assert latest["birth_year_month"] == "1985-03" and latest["employer_credit_code"] == EMPLOYER_CODE
    # The ID number travels only sealed; review opens it with the platform key and context "id_number".
    raw = b"".join(r.value for r in records)
    assert id_number.encode() not in raw
    assert intake.settings.data_key is not None
    sealer = Sealer(intake.settings.data_key.get_secret_value())
    assert sealer.open(Sealed.from_dict(latest["id_number"]), context="id_number") == id_number
    assert latest["id_number_digest"] == sealer.digest(id_number, context="id_number")
    # The applicant's account travels with every revision (review and settlement let them act on their own).
    assert [e["data"]["applicant_id"] for e in submitted] == [me["id"], me["id"]]

    # The timeline tells the story, for the applicant.
    tl = (await http.get(f"/v1/applications/{app_id}/timeline", headers=bearer(applicant))).json()
    kinds = [e["kind"] for e in tl["entries"]]
    assert kinds == [
        "declaration.created",
        "declaration.employer_confirmed",
        "application.submitted",
        "declaration.updated",
        "declaration.employer_confirmed",
        "application.submitted",
    ]


async def test_one_application_per_person_per_round(intake: Intake) -> None:
    await intake.create_round()
    employer = await intake.employer()
    a1, a2 = await intake.applicant(), await intake.applicant()
    await intake.affiliate(a1, employer)
    await intake.affiliate(a2, employer)
    assert (await intake.declare(a1)).status_code == 201
    r = await intake.declare(a1, seq="003")
    assert r.status_code == 409 and r.json()["error"]["code"] == "application_exists"
    r = await intake.declare(a2)  # another account, the same ID number
    assert r.status_code == 409 and r.json()["error"]["code"] == "person_already_declared"


async def test_concurrent_submits_with_one_key_submit_once(intake: Intake) -> None:
    app_id, applicant, employer = await intake.submitted_application()
    r = await intake.http.put(
        f"/v1/applications/{app_id}",
        headers=bearer(applicant),
        json={
            "identity": {"name": "张三", "id_number": make_id(date(1985, 3, 7)), "phone": "13800138000"},
            "facts": facts_for(date(1985, 3, 7)),
        },
    )
    assert r.status_code == 200
    assert (await intake.confirm(employer, app_id, 2)).status_code == 200
    key = str(uuid.uuid4())
    answers = await asyncio.gather(*(intake.submit(applicant, app_id, key) for _ in range(4)))
    assert {a.status_code for a in answers} == {200}
    assert {a.json()["event_id"] for a in answers} == {answers[0].json()["event_id"]}
    async with intake.ctx.session_factory() as s:
        import sqlalchemy as sa

        n = await s.scalar(sa.text("SELECT count(*) FROM outbox WHERE event_type = 'application.submitted'"))
    assert n == 2  # revision 1 (setup) and one revision 2


async def test_refresh_tokens_rotate_and_a_reused_one_revokes_the_login(intake: Intake) -> None:
    http = intake.http
    await http.post(
        "/v1/accounts/applicants",
        json={"username": "lisi", "password": "applicant-pass-1", "name": "李四", "phone": "13800138000"},
    )
    r = await http.post(
        "/v1/auth/token", data={"grant_type": "password", "username": "LiSi", "password": "applicant-pass-1"}
    )
    assert r.status_code == 200, r.text
    first = r.json()
    assert first["token_type"] == "bearer" and first["expires_in"] == 900
    r = await http.post(
        "/v1/auth/token", data={"grant_type": "password", "username": "lisi", "password": "wrong-1234"}
    )
    assert r.status_code == 401 and r.json()["error"]["code"] == "invalid_credentials"

    r = await http.post(
        "/v1/auth/token", data={"grant_type": "refresh_token", "refresh_token": first["refresh_token"]}
    )
    assert r.status_code == 200
    second = r.json()
    assert second["refresh_token"] != first["refresh_token"]
    # The first refresh token was used up: presenting it again revokes the whole login.
    r = await http.post(
        "/v1/auth/token", data={"grant_type": "refresh_token", "refresh_token": first["refresh_token"]}
    )
    assert r.status_code == 401 and r.json()["error"]["code"] == "refresh_token_reused"
    r = await http.post(
        "/v1/auth/token", data={"grant_type": "refresh_token", "refresh_token": second["refresh_token"]}
    )
    assert r.status_code == 401 and r.json()["error"]["code"] == "invalid_refresh_token"

    # Access tokens expire by the project clock.
    assert (await http.get("/v1/me", headers=bearer(second["access_token"]))).status_code == 200
    intake.advance(minutes=16)
    r = await http.get("/v1/me", headers=bearer(second["access_token"]))
    assert r.status_code == 401 and r.json()["error"]["code"] == "token_expired"
    r = await http.post("/v1/auth/token", data={"grant_type": "password"})
    assert r.status_code == 422 and r.json()["error"]["details"][0]["field"] == "username"


async def test_operations_admin_creates_staff_and_disables_accounts(intake: Intake) -> None:
    http = intake.http
    ops = await intake.staff("operations_admin")
    r = await http.post(
        "/v1/accounts",
        headers=bearer(ops),
        json={
            "username": "tax-client",
            "password": "client-secret-2024",
            "name": "市税务局接口",
            "role": "department_client",
            "department": "tax",
        },
    )
    assert r.status_code == 201, r.text
    account_id = r.json()["id"]
    r = await http.post(
        "/v1/auth/token",
        data={
            "grant_type": "client_credentials",
            "client_id": "tax-client",
            "client_secret": "client-secret-2024",
        },
    )
    assert r.status_code == 200
    me = (await http.get("/v1/me", headers=bearer(r.json()["access_token"]))).json()
    assert me["department"] == "tax" and me["role"] == "department_client"
    r = await http.post(
        "/v1/accounts",
        headers=bearer(ops),
        json={
            "username": "x-client",
            "password": "client-secret-2024",
            "name": "接口",
            "role": "department_client",
        },
    )
    assert r.status_code == 422 and r.json()["error"]["details"][0]["code"] == "department.required"
    r = await http.post(f"/v1/accounts/{account_id}/disable", headers=bearer(ops))
    assert r.status_code == 200 and r.json()["status"] == "disabled"
    r = await http.post(
        "/v1/auth/token",
        data={
            "grant_type": "client_credentials",
            "client_id": "tax-client",
            "client_secret": "client-secret-2024",
        },
    )
    assert r.status_code == 401 and r.json()["error"]["code"] == "account_disabled"
    page = (await http.get("/v1/accounts?role=department_client", headers=bearer(ops))).json()
    assert page["total"] == 1


async def test_operations_admin_creates_district_staff_who_log_in_with_their_district(intake: Intake) -> None:
    http = intake.http
    ops = await intake.staff("operations_admin")
    bureau = await intake.staff("bureau_staff")
    body = {
        "username": "haidian-clerk",
        "password": "district-staff-2024",
        "name": "海淀区经办人",
        "role": "district_staff",
        "district": "110108",
    }
    r = await http.post("/v1/accounts", headers=bearer(bureau), json=body)
    assert r.status_code == 403  # only operations administrators create accounts
    r = await http.post("/v1/accounts", headers=bearer(ops), json=body)
    assert r.status_code == 201, r.text
    assert r.json()["role"] == "district_staff" and r.json()["district"] == "110108"

    r = await http.post(
        "/v1/auth/token",
        data={"grant_type": "password", "username": "haidian-clerk", "password": "district-staff-2024"},
    )
    assert r.status_code == 200, r.text
    assert r.json()["roles"] == ["district_staff"]
    token = r.json()["access_token"]
    claims = jwt.decode(token, options={"verify_signature": False})
    assert claims["roles"] == ["district_staff"] and claims["district"] == "110108"
    me = (await http.get("/v1/me", headers=bearer(token))).json()
    assert me["role"] == "district_staff" and me["district"] == "110108" and me["name"] == "海淀区经办人"
    # Staff-only intake endpoints stay closed to district staff.
    assert (await http.get("/v1/accounts", headers=bearer(token))).status_code == 403
    assert (await http.post("/v1/rounds", headers=bearer(token), json={})).status_code == 403

    # Without a district: the account works, the token carries no district claim.
    r = await http.post(
        "/v1/accounts", headers=bearer(ops), json={**body, "username": "district-any"} | {"district": None}
    )
    assert r.status_code == 201 and r.json()["district"] is None
    plain = await intake.login("district-any", "district-staff-2024")
    assert "district" not in jwt.decode(plain, options={"verify_signature": False})

    # The district code is a Beijing division code, and only for district staff.
    bad = await http.post(
        "/v1/accounts", headers=bearer(ops), json={**body, "username": "d2", "district": "31"}
    )
    assert bad.status_code == 422
    bad = await http.post(
        "/v1/accounts", headers=bearer(ops), json={**body, "username": "d3-bureau", "role": "bureau_staff"}
    )
    assert bad.status_code == 422 and bad.json()["error"]["details"][0]["code"] == "district.not_allowed"
    page = (await http.get("/v1/accounts?role=district_staff", headers=bearer(ops))).json()
    assert page["total"] == 2


async def test_employer_registration_checks_beijing_and_tax_and_credit_code(intake: Intake) -> None:
    http = intake.http
    admin = {"username": "hr-x", "password": "employer-pass-1", "name": "王五", "phone": "13900139000"}
    shenzhen = "914403001922038216"  # valid, registered in Shenzhen
    r = await http.post(
        "/v1/employers",
        json={
            "employer": {"name": "深圳某公司", "credit_code": shenzhen, "tax_registered": True},
            "admin": admin,
        },
    )
    assert r.status_code == 422 and r.json()["error"]["details"][0]["code"] == "credit_code.not_beijing"
    r = await http.post(
        "/v1/employers",
        json={
            "employer": {"name": "某公司", "credit_code": EMPLOYER_CODE[:-1] + "M", "tax_registered": "yes"},
            "admin": admin,
        },
    )
    assert r.status_code == 422
    codes = {d["field"]: d["code"] for d in r.json()["error"]["details"]}
    assert codes == {
        "employer.credit_code": "credit_code.check_character",
        "employer.tax_registered": "bool_type",
    }
    r = await http.post(
        "/v1/employers",
        json={
            "employer": {"name": "某公司", "credit_code": EMPLOYER_CODE, "tax_registered": False},
            "admin": admin,
        },
    )
    assert (
        r.status_code == 422
        and r.json()["error"]["details"][0]["code"] == "employer.tax_registration_required"
    )


async def test_the_bootstrap_command_creates_the_first_operations_admin(intake: Intake) -> None:
    env = {
        **os.environ,
        "INTAKE_DATABASE_URL": intake.settings.database_url or "",
        "INTAKE_BOOTSTRAP_PASSWORD": "root-pass-2024",
    }
    proc = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "services.intake",
        "create-user",
        "--username",
        "Root",
        "--name",
        "运维管理员",
        env=env,
        cwd=REPO,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    out, err = await asyncio.wait_for(proc.communicate(), 60)
    assert proc.returncode == 0, err.decode()
    assert b"created operations_admin root" in out
    ops = await intake.login("root", "root-pass-2024")
    me = (await intake.http.get("/v1/me", headers=bearer(ops))).json()
    assert me["role"] == "operations_admin" and me["name"] == "运维管理员"


async def test_department_systems_call_with_an_api_key_scoped_to_their_department(
    infra: Infra, topic_prefix: str, tmp_path: Path
) -> None:
    keys = {api_key_digest("k-tax-0123456789"): "tax"}
    async with running_intake(infra, topic_prefix, tmp_path, department_api_keys=keys) as intake:
        r = await intake.http.get("/v1/me", headers={"X-API-Key": "k-tax-0123456789"})
        assert (
            r.status_code == 200
            and r.json()["department"] == "tax"
            and r.json()["role"] == "department_client"
        )
        r = await intake.http.get("/v1/me", headers={"X-API-Key": "wrong"})
        assert r.status_code == 401 and r.json()["error"]["code"] == "invalid_api_key"
        r = await intake.http.get("/v1/applications", headers={"X-API-Key": "k-tax-0123456789"})
        assert r.status_code == 403
