"""The intake part of the graduate programme through the HTTP API and the real database: a graduate
round, a supervising unit with its staff and jurisdiction, an employer's declaration, the graduate's
consent by a one-time link, the unit's approval → ``graduate.declared`` and ``graduate.unit_decided`` in the
outbox with the right content; and the refusals (outside the jurisdiction, outside the declaration
window, no consent, another unit's staff)."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

import jwt
import pytest
import sqlalchemy as sa

from shared.clock import BEIJING
from shared.crypto import Sealed, Sealer
from tests.intake.graduate_support import (
    BIRTH,
    OTHER_EMPLOYER_CODE,
    graduate_body,
    graduate_world,
)
from tests.intake.support import Intake, bearer, make_id

pytestmark = pytest.mark.integration


async def _outbox(intake: Intake, event_type: str) -> list[dict[str, Any]]:
    async with intake.ctx.session_factory() as s:
        rows = await s.execute(
            sa.text("SELECT envelope FROM outbox WHERE event_type = :t ORDER BY seq"), {"t": event_type}
        )
        return [r[0] for r in rows]


async def test_the_graduate_round_has_its_stages_and_is_announced_as_graduates(intake: Intake) -> None:
    world = await graduate_world(intake)
    r = await intake.http.get("/v1/rounds/graduates-2025")
    body = r.json()
    assert body["program"] == "graduates" and body["policy_version"] == "graduates-2018"
    assert body["current_phase"] == "declaration" and body["current_phase_zh"] == "申报"
    assert [(p["phase"], p["starts_on"], p["ends_on"]) for p in body["phases"]] == [
        ("demand_survey", "2024-10-01", "2024-11-30"),
        ("quota_allocation", "2024-12-01", "2025-02-28"),
        ("declaration", "2025-03-01", "2025-09-30"),
        ("settlement", "2026-01-01", "2026-12-31"),
    ]
    r = await intake.http.post("/v1/graduate-rounds", json={"year": 2025}, headers=bearer(world.bureau))
    assert r.status_code == 409 and r.json()["error"]["code"] == "round_exists"
    r = await intake.http.post(
        "/v1/graduate-rounds",
        json={"year": 2026, "stages": {"declaration": {"ends_on": "2026-10-15"}}},
        headers=bearer(world.bureau),
    )
    assert r.status_code == 422
    detail = r.json()["error"]["details"][0]
    assert detail["field"] == "stages.declaration.ends_on" and detail["code"] == "stages.declaration_window"

    from services.intake.jobs import announce_phase_changes

    assert await announce_phase_changes(intake.ctx) == 3  # demand survey, quota allocation, declaration
    events = await _outbox(intake, "round.phase_changed")
    assert [(e["data"]["program"], e["data"]["phase"]) for e in events] == [
        ("graduates", "demand_survey"),
        ("graduates", "quota_allocation"),
        ("graduates", "declaration"),
    ]
    assert events[-1]["subject"] == "graduates-2025" and len(events[-1]["data"]["phases"]) == 4


async def test_declaration_consent_by_link_and_approval_emit_the_events(intake: Intake) -> None:
    world = await graduate_world(intake)
    http = intake.http
    # The unit's token carries its unit as a claim.
    claims = jwt.decode(world.unit, options={"verify_signature": False})
    assert claims["supervising_unit"] == world.unit_id and claims["roles"] == ["supervising_unit"]

    body = graduate_body(world.round_id, world.unit_id)
    body["graduate"]["degree"] = {"status": "expected", "number": None}
    body["graduate"]["diploma"] = {"status": "obtained", "number": "1048612025000123"}
    r = await world.declare(body)
    assert r.status_code == 201, r.text
    decl = r.json()
    decl_id = decl["id"]
    id_number = make_id(BIRTH, "011", "420106")
    assert id_number not in r.text and decl["graduate"]["id_number_masked"].endswith(id_number[-4:])
    assert decl["status"] == "draft" and decl["version"] == 1 and decl["revision"] == 0
    assert decl["supervising_unit"]["phone"] == "010-6000 0000"

    # Submit (idempotent per key): graduate.declared revision 1 with the facts and the ID sealed.
    key = str(uuid.uuid4())
    first, again = await world.submit(decl_id, key), await world.submit(decl_id, key)
    assert first.status_code == 200 and first.json() == again.json() and first.json()["revision"] == 1
    r = await world.submit(decl_id)
    assert r.status_code == 409 and r.json()["error"]["code"] == "declaration_not_submittable"
    [declared] = await _outbox(intake, "graduate.declared")
    data = declared["data"]
    assert declared["subject"] == decl_id and data["revision"] == 1 and data["year"] == 2025
    assert (
        data["supervising_unit_id"] == world.unit_id and data["employer_credit_code"] == "91110000600037341L"
    )
    assert data["name"] == "李雷" and data["birth_date"] == "2000-04-02" and data["university"] == "武汉大学"
    assert data["diploma_number"] == "1048612025000123" and data["degree_number"] is None
    assert id_number not in str(declared)
    sealer = Sealer(intake.settings.data_key.get_secret_value())  # type: ignore[union-attr]
    assert sealer.open(Sealed.from_dict(data["id_number"]), context="id_number") == id_number
    facts = data["facts"]
    assert facts["case_id"] == decl_id and facts["introduction_year"] == 2025
    assert facts["declared_on"] == "2025-04-01"
    assert facts["graduate"]["birth_date"] == "2000-04-02" and facts["graduate"]["education"] == "master"
    assert facts["graduate"]["diploma"] is True and facts["graduate"]["degree"] is True
    assert facts["employer"] == {
        "registered_on": "2025-04-01",
        "good_standing": True,
        "system": "other",
        "suburban": False,
        "kind": "other",
        "post": "engineer",
        "high_end_industry": False,
        "innovation_team": False,
        "municipal_university": False,
        "municipal_health_institution": False,
    }

    # Without consent the unit cannot approve.
    r = await world.approve(decl_id, 1)
    assert r.status_code == 409 and r.json()["error"]["code"] == "consent_required"

    # The graduate consents through the one-time link; the link works once.
    r = await http.post(f"/v1/graduate-declarations/{decl_id}/consent-link", headers=bearer(world.employer))
    assert r.status_code == 201
    link = r.json()
    async with intake.ctx.session_factory() as s:
        stored = await s.scalar(sa.text("SELECT token_hash FROM graduate_consent_links"))
    assert stored != link["token"] and link["token"] not in str(stored)
    intake.advance(minutes=30)
    r = await http.post(link["path"])
    assert r.status_code == 200 and r.json()["via"] == "link", r.text
    consent_at = r.json()["consent_at"]
    r = await http.post(link["path"])
    assert r.status_code == 410 and r.json()["error"]["code"] == "consent_link_used"

    # The unit approves: graduate.unit_decided with exactly the publicity fields.
    unit = await intake.relogin(world.unit)
    r = await world.approve(decl_id, 1, unit)
    assert r.status_code == 200 and r.json()["status"] == "approved_for_publicity", r.text
    [decided] = await _outbox(intake, "graduate.unit_decided")
    d = decided["data"]
    assert decided["subject"] == decl_id
    assert (d["decision"], d["revision"], d["supervising_unit_id"]) == (
        "approved_for_publicity",
        1,
        world.unit_id,
    )
    assert (d["name"], d["age"], d["university"], d["education"]) == ("李雷", 25, "武汉大学", "master")
    assert (d["unit_phone"], d["unit_address"]) == ("010-6000 0000", "北京市某区某路2号")
    assert datetime.fromisoformat(d["consent_at"]) == datetime.fromisoformat(consent_at)
    assert d["supervising_unit_name"] == "海淀区人力资源和社会保障局"

    # Both parties read the state and the timeline.
    employer = await intake.relogin(world.employer)
    for token in (employer, unit):
        r = await http.get(f"/v1/graduate-declarations/{decl_id}/timeline", headers=bearer(token))
        assert r.status_code == 200 and r.json()["status"] == "approved_for_publicity"
        kinds = [e["kind"] for e in r.json()["entries"]]
        assert kinds == [
            "declaration.created",
            "graduate.declared",
            "consent.link_sent",
            "graduate.consented",
            "graduate.unit_decided",
        ]
    listed = (await http.get("/v1/graduate-declarations", headers=bearer(unit))).json()
    assert [i["id"] for i in listed["items"]] == [decl_id]


async def test_a_returned_declaration_is_corrected_and_submitted_as_revision_2(intake: Intake) -> None:
    world = await graduate_world(intake)
    decl_id = (await world.declare()).json()["id"]
    assert (await world.submit(decl_id)).status_code == 200
    r = await intake.http.post(
        f"/v1/graduate-declarations/{decl_id}/unit-return",
        json={"revision": 1, "reason": "学位证书编号有误，请核对。"},
        headers=bearer(world.unit),
    )
    assert r.status_code == 200 and r.json()["status"] == "returned"
    assert r.json()["returned_reason"] == "学位证书编号有误，请核对。"
    [returned] = await _outbox(intake, "graduate.unit_decided")
    assert returned["data"]["decision"] == "returned" and returned["data"]["name"] is None
    r = await world.submit(decl_id)
    assert r.status_code == 409 and "correct it first" in r.json()["error"]["message"]

    body = graduate_body(world.round_id, world.unit_id)
    body["graduate"]["degree"] = {"status": "expected", "number": "10486120250099"}
    correction = {k: body[k] for k in ("graduate", "employment")} | {"version": 1}
    r = await intake.http.put(
        f"/v1/graduate-declarations/{decl_id}", json=correction, headers=bearer(world.employer)
    )
    assert r.status_code == 200 and r.json()["version"] == 2 and r.json()["status"] == "draft", r.text
    r = await world.submit(decl_id)
    assert r.status_code == 200 and r.json()["revision"] == 2
    revisions = [e["data"]["revision"] for e in await _outbox(intake, "graduate.declared")]
    assert revisions == [1, 2]
    assert (await _outbox(intake, "graduate.declared"))[-1]["data"]["degree_number"] == "10486120250099"


async def test_an_employer_outside_the_units_jurisdiction_is_refused(intake: Intake) -> None:
    world = await graduate_world(intake)
    other_employer = await intake.employer(OTHER_EMPLOYER_CODE, "北京另一家科技有限公司")
    # Not assigned to any unit.
    r = await world.declare(employer=other_employer)
    assert r.status_code == 403
    err = r.json()["error"]
    assert err["code"] == "outside_jurisdiction" and "第五条" in err["message"]
    assert "has not assigned it to any supervising unit" in err["message"]
    # Assigned to another unit: still refused for this one, accepted for its own.
    other_unit, _ = await world.new_unit("朝阳区人力资源和社会保障局")
    assert (await world.assign(other_unit, OTHER_EMPLOYER_CODE)).status_code == 200
    r = await world.declare(employer=other_employer)
    assert (
        r.status_code == 403 and f"belongs to supervising unit {other_unit}" in r.json()["error"]["message"]
    )
    r = await world.declare(graduate_body(world.round_id, other_unit), employer=other_employer)
    assert r.status_code == 201, r.text


async def test_declaring_outside_the_declaration_window_is_refused(intake: Intake) -> None:
    world = await graduate_world(intake)
    decl_id = (await world.declare()).json()["id"]
    intake.clock.set(datetime(2025, 10, 1, 0, 0, tzinfo=BEIJING))
    world.employer = await intake.relogin(world.employer)
    for r in (
        await world.declare(graduate_body(world.round_id, world.unit_id, seq="021")),
        await world.submit(decl_id),
    ):
        assert r.status_code == 409
        err = r.json()["error"]
        assert err["code"] == "out_of_phase"
        assert "declaration (申报, 2025-03-01 – 2025-09-30)" in err["message"]


async def test_another_units_staff_cannot_see_or_decide(intake: Intake) -> None:
    world = await graduate_world(intake)
    decl_id = (await world.declare()).json()["id"]
    assert (await world.submit(decl_id)).status_code == 200
    assert (await world.consent_by_link(decl_id)).status_code == 200
    _, stranger = await world.new_unit("西城区人力资源和社会保障局")
    r = await world.approve(decl_id, 1, stranger)
    assert r.status_code == 404 and r.json()["error"]["code"] == "declaration_not_found"
    r = await intake.http.get(f"/v1/graduate-declarations/{decl_id}", headers=bearer(stranger))
    assert r.status_code == 404
    assert (await intake.http.get("/v1/graduate-declarations", headers=bearer(stranger))).json()["total"] == 0
    # Bureau staff read it but do not decide for the unit.
    r = await world.approve(decl_id, 1, world.bureau)
    assert r.status_code == 403
    assert await _outbox(intake, "graduate.unit_decided") == []


async def test_operations_create_a_unit_account_that_carries_its_unit(intake: Intake) -> None:
    world = await graduate_world(intake)
    ops = await intake.staff("operations_admin")
    account = {
        "username": "hd-unit-2",
        "password": "unit-pass-2025",
        "name": "钱七",
        "role": "supervising_unit",
    }
    r = await intake.http.post(
        "/v1/accounts", json={**account, "supervising_unit_id": "su_missing"}, headers=bearer(ops)
    )
    assert r.status_code == 422 and r.json()["error"]["details"][0]["field"] == "supervising_unit_id"
    r = await intake.http.post(
        "/v1/accounts",
        json={**account, "role": "bureau_staff", "supervising_unit_id": world.unit_id},
        headers=bearer(ops),
    )
    assert r.status_code == 422
    r = await intake.http.post(
        "/v1/accounts", json={**account, "supervising_unit_id": world.unit_id}, headers=bearer(ops)
    )
    assert r.status_code == 201 and r.json()["supervising_unit_id"] == world.unit_id, r.text
    token = await intake.login("hd-unit-2", "unit-pass-2025")
    assert jwt.decode(token, options={"verify_signature": False})["supervising_unit"] == world.unit_id
    r = await intake.http.get(f"/v1/supervising-units/{world.unit_id}/employers", headers=bearer(token))
    assert [e["employer_credit_code"] for e in r.json()["items"]] == ["91110000600037341L"]


async def test_a_consent_link_expires_and_an_unknown_one_is_not_found(intake: Intake) -> None:
    world = await graduate_world(intake)
    decl_id = (await world.declare()).json()["id"]
    r = await intake.http.post(
        f"/v1/graduate-declarations/{decl_id}/consent-link", headers=bearer(world.employer)
    )
    assert r.status_code == 201
    path = r.json()["path"]
    r = await intake.http.post("/v1/graduate-consents/gc_" + "x" * 43)
    assert r.status_code == 404 and r.json()["error"]["code"] == "consent_link_not_found"
    intake.advance(seconds=intake.settings.graduate_consent_link_ttl_s + 1)
    r = await intake.http.post(path)
    assert r.status_code == 410 and r.json()["error"]["code"] == "consent_link_expired"
    employer = await intake.relogin(world.employer)
    seen = (await intake.http.get(f"/v1/graduate-declarations/{decl_id}", headers=bearer(employer))).json()
    assert seen["consent"] == {"given_at": None, "via": None}
