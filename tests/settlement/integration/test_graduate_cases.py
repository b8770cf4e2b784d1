"""Graduate cases through the real database: from the three events (any order, latest revision wins),
submission by the supervising unit with the bureau's 10-working-day deadline (warning, overdue list),
approval with the 《接收函》 (PDF, serial, QR), refusal, reporting for duty, the settlement of Y+1 with the
《报户口介绍信》 or the revocation of the receiving letter, revocation during probation giving the unit back,
fraud with five-year records; the points path ignores none of its own events."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from pathlib import Path

import pytest
from PIL import Image

from services.settlement.adapters.pdf import QR_SIZE, QR_X, QR_Y
from services.settlement.domain.letters import parse_serial
from shared.clock import BEIJING
from tests.settlement.integration.conftest import Env
from tests.settlement.integration.graduate_support import (
    OTHER_UNIT,
    SUBMITTED_AT,
    UNIT,
    Y,
    allocate,
    assessed,
    checked,
    declared,
    outcome,
    submitted_case,
    unit_token,
)
from tests.settlement.integration.test_letters_through_the_broker import run
from tests.settlement.qr_decode import decode

pytestmark = pytest.mark.integration


async def test_a_case_is_built_from_events_in_any_order_and_the_latest_revision_wins(env: Env) -> None:
    env.clock.set(SUBMITTED_AT)
    # The outcome first, then the assessment (revision 2, then a late revision 1), then the declaration.
    await env.deliver(outcome("GD-1"), "GD-1")
    await env.deliver(assessed("GD-1", "direct", revision=2), "GD-1")
    await env.deliver(assessed("GD-1", "counted", revision=1), "GD-1")
    await env.deliver(declared(env, "GD-1", name="王五"), "GD-1")
    async with env.http() as http:
        case = (await http.get("/v1/graduate-cases/GD-1", headers=env.token())).json()
        assert case["status"] == "open" and case["publicity_outcome"] == "cleared"
        assert case["quota_treatment"] == "direct" and case["eligible"] is True
        assert case["name"] == "王五" and case["supervising_unit_id"] == UNIT and case["year"] == Y
        assert case["approval_deadline"] is None

        # Held: not ready for the bureau; the refusal names what is missing.
        await env.deliver(declared(env, "GD-2", 2), "GD-2")
        await env.deliver(outcome("GD-2", "held"), "GD-2")
        r = await http.post(
            f"/v1/supervising-units/{UNIT}/graduate-cases/GD-2/submit", json={}, headers=unit_token(env)
        )
        assert r.status_code == 409 and r.json()["error"]["code"] == "not_ready"
        assert "graduate.assessed" in r.json()["error"]["message"] and "held" in r.json()["error"]["message"]

        # Another unit's case is refused.
        r = await http.post(
            f"/v1/supervising-units/{OTHER_UNIT}/graduate-cases/GD-1/submit",
            json={},
            headers=unit_token(env, OTHER_UNIT),
        )
        assert r.status_code == 403 and r.json()["error"]["code"] == "other_unit"


async def test_a_fraud_found_in_publicity_disqualifies_and_records_the_graduate_for_five_years(
    env: Env,
) -> None:
    env.clock.set(SUBMITTED_AT)
    await env.deliver(outcome("GD-F", "disqualified", "学历证书系伪造", "fraud"), "GD-F")
    await env.deliver(declared(env, "GD-F", 7), "GD-F")  # the declaration arrives after: the record completes
    assert (
        await env.scalar("SELECT status FROM graduate_cases WHERE declaration_id = 'GD-F'") == "disqualified"
    )
    assert await env.scalar("SELECT status FROM conduct_records WHERE application_id = 'GD-F'") == "active"
    assert await env.scalar("SELECT valid_until FROM conduct_records WHERE application_id = 'GD-F'") == (
        date(2030, 7, 1)
    )
    assert len(await env.outbox_events("conduct.recorded")) == 1


async def test_submission_deadline_warning_overdue_and_approval_with_the_receiving_letter(
    env: Env, tmp_path: Path
) -> None:
    env.clock.set(SUBMITTED_AT)  # Tue 2025-07-01
    async with env.http() as http:
        staff = env.token()
        await allocate(env, http, 2)
        case = await submitted_case(env, http, "GD-A", 1)
        d = case["approval_deadline"]
        assert case["status"] == "submitted" and d["received_on"] == "2025-07-01"
        assert d["due_date"] == "2025-07-15" and d["rule"] == "approval.10_working_days"
        assert d["calendar_version"].startswith("chinesecalendar") and d["state"] == "on_time"
        assert d["warn_from"] == "2025-07-11" and d["working_days_left"] == 10
        await submitted_case(env, http, "GD-B", 2)

        # Two working days before: the warning.
        env.clock.set(datetime(2025, 7, 11, 9, 0, tzinfo=BEIJING))
        d = (await http.get("/v1/graduate-cases/GD-A", headers=staff)).json()["approval_deadline"]
        assert d["warning"] is True and d["state"] == "warning" and d["working_days_left"] == 2
        assert (await http.get("/v1/graduate-cases/overdue", headers=staff)).json()["total"] == 0

        # From 24:00 of the due date: overdue, and listed for staff.
        env.clock.set(datetime(2025, 7, 16, 0, 0, tzinfo=BEIJING))
        overdue = (await http.get("/v1/graduate-cases/overdue", headers=staff)).json()
        assert overdue["total"] == 2 and overdue["items"][0]["approval_deadline"]["overdue"] is True
        assert (await http.get("/v1/graduate-cases/overdue", headers=unit_token(env))).status_code == 403

        r = await http.post("/v1/graduate-cases/GD-A/approve", json={"note": "核准"}, headers=staff)
        assert r.status_code == 200, r.text
        case = r.json()
        assert case["status"] == "approved" and case["approval_deadline"]["state"] == "done"
        (letter,) = case["letters"]
        assert letter["letter_type"] == "receiving_letter" and letter["serial_number"] == "GRD-2025-JS-000001"
        assert parse_serial(letter["serial_number"]).kind is not None
        r = await http.post(
            "/v1/graduate-cases/GD-B/refuse", json={"reason": "专业与岗位不符"}, headers=staff
        )
        assert r.status_code == 200 and r.json()["status"] == "refused"
        assert (await http.get("/v1/graduate-cases/overdue", headers=staff)).json()["total"] == 0

        full = (await http.get("/v1/letters/GRD-2025-JS-000001", headers=staff)).json()
        assert "同意你单位引进李四同志" in full["body"] and "2025年" in full["body"]
        pdf = await http.get("/v1/letters/GRD-2025-JS-000001/pdf", headers=staff)
        assert pdf.status_code == 200 and pdf.headers["content-type"] == "application/pdf"
        path = tmp_path / "receiving.pdf"
        path.write_bytes(pdf.content)
        text = await run(["pdftotext", "-enc", "UTF-8", str(path), "-"])
        assert "北京市引进非北京生源毕业生接收函" in text and "GRD-2025-JS-000001" in text
        dpi = 200
        await run(["pdftoppm", "-r", str(dpi), "-png", "-singlefile", str(path), str(tmp_path / "page")])
        page = Image.open(tmp_path / "page.png")
        px = dpi / 25.4
        box = (int(QR_X * px), int(QR_Y * px), int((QR_X + QR_SIZE) * px), int((QR_Y + QR_SIZE) * px))
        url = decode(page.crop(box))
        assert url == full["verify_url"]
        token = url.rsplit("/", 1)[-1]
        page_html = await http.get(f"/verify/{token}")
        assert page_html.status_code == 200 and 'data-status="valid"' in page_html.text

        acct = (await http.get(f"/v1/quotas/{Y}/units/{UNIT}", headers=staff)).json()
        assert (acct["used"], acct["remaining"]) == (1, 1)
        # The points revocation endpoint does not reach a graduate letter: it is revoked through its case.
        r = await http.post(
            "/v1/letters/GRD-2025-JS-000001/revoke", json={"reason": "fraud", "note": "x"}, headers=staff
        )
        assert r.status_code == 409 and r.json()["error"]["code"] == "graduate_letter"

    decided = await env.outbox_events("graduate.decided")
    assert [(e["data"]["decision"], e["data"]["deadline_on"]) for e in decided] == [
        ("approved", "2025-07-15"),
        ("refused", "2025-07-15"),
    ]
    assert decided[0]["data"]["quota"] == "counted" and decided[0]["subject"] == "GD-A"
    issued = await env.outbox_events("letter.issued")
    assert [e["data"]["letter_type"] for e in issued] == ["receiving_letter"]


async def test_reporting_for_duty_and_the_settlement_of_the_next_year(env: Env) -> None:
    env.clock.set(SUBMITTED_AT)
    async with env.http() as http:
        staff, unit = env.token(), unit_token(env)
        await allocate(env, http, 3)
        for decl, n in (("GD-S", 1), ("GD-X", 2)):
            await submitted_case(env, http, decl, n)
            assert (
                await http.post(f"/v1/graduate-cases/{decl}/approve", json={}, headers=staff)
            ).status_code == 200
            r = await http.post(
                f"/v1/supervising-units/{UNIT}/graduate-cases/{decl}/report-duty",
                json={"diploma_number": "100011202502000123", "degree_number": "1000142025000123"},
                headers=unit,
            )
            assert r.status_code == 200 and r.json()["status"] == "reported", r.text

        # Not before Y+1.
        r = await http.post(f"/v1/supervising-units/{UNIT}/graduate-cases/GD-S/settlement", headers=unit)
        assert r.status_code == 409 and r.json()["error"]["code"] == "not_settlement_year"

        env.clock.set(datetime(2026, 3, 2, 9, 0, tzinfo=BEIJING))
        for decl in ("GD-S", "GD-X"):
            r = await http.post(
                f"/v1/supervising-units/{UNIT}/graduate-cases/{decl}/settlement", headers=unit
            )
            assert r.status_code == 200, r.text
            sd = r.json()["settlement_deadline"]
            assert sd["due_date"] == "2026-03-16" and sd["calendar_version"] and sd["state"] == "on_time"
        requests = await env.outbox_events("graduate.settlement_check_requested")
        assert len(requests) == 2 and requests[0]["data"]["diploma_number"] == "100011202502000123"
        assert requests[0]["data"]["year"] == 2025 and "ciphertext" in str(requests[0]["data"]["id_number"])
        ids = {e["subject"]: e["data"]["request_id"] for e in requests}

        await env.deliver(checked("GD-S", ids["GD-S"], True), "GD-S")
        await env.deliver(checked("GD-X", ids["GD-X"], False), "GD-X")
        s = (await http.get("/v1/graduate-cases/GD-S", headers=staff)).json()
        assert s["status"] == "settled"
        hukou = [x for x in s["letters"] if x["letter_type"] == "hukou_letter"]
        assert hukou and hukou[0]["serial_number"] == "GRD-2026-HK-000001"
        body = (await http.get(f"/v1/letters/{hukou[0]['serial_number']}", headers=staff)).json()["body"]
        assert "GRD-2025-JS-000001" in body and "有关公安派出所" in body

        x = (await http.get("/v1/graduate-cases/GD-X", headers=staff)).json()
        assert x["status"] == "settlement_failed" and x["letters"][0]["status"] == "revoked"
        acct = (await http.get(f"/v1/quotas/{Y}/units/{UNIT}", headers=staff)).json()
        assert (acct["used"], acct["returned"], acct["remaining"]) == (2, 1, 2)
    revoked = await env.outbox_events("letter.revoked")
    assert [(e["subject"], e["data"]["letter_type"], e["data"]["reason_code"]) for e in revoked] == [
        ("GD-X", "receiving_letter", "settlement_check_failed")
    ]


async def test_revocation_in_probation_gives_the_unit_back_and_fraud_records_graduate_and_employer(
    env: Env,
) -> None:
    env.clock.set(SUBMITTED_AT)
    async with env.http() as http:
        staff, unit = env.token(), unit_token(env)
        await allocate(env, http, 1)
        await submitted_case(env, http, "GD-R", 1)
        assert (await http.post("/v1/graduate-cases/GD-R/approve", json={}, headers=staff)).status_code == 200
        env.clock.advance(timedelta(days=30))
        r = await http.post(
            f"/v1/supervising-units/{UNIT}/graduate-cases/GD-R/revocation",
            json={"reason": "试用期内本人离职"},
            headers=unit,
        )
        assert r.status_code == 200 and r.json()["status"] == "revocation_requested"
        r = await http.post("/v1/graduate-cases/GD-R/revocation/approve", json={}, headers=staff)
        assert r.status_code == 200 and r.json()["status"] == "revoked"
        assert r.json()["letters"][0]["status"] == "revoked"
        acct = (await http.get(f"/v1/quotas/{Y}/units/{UNIT}", headers=staff)).json()
        assert (acct["used"], acct["returned"], acct["remaining"]) == (1, 1, 1)
        assert [m["kind"] for m in acct["movements"]] == ["allocation", "use", "return"]

        # The unit returned can be used by the next approval; then fraud is found.
        await submitted_case(env, http, "GD-Z", 2)
        assert (await http.post("/v1/graduate-cases/GD-Z/approve", json={}, headers=staff)).status_code == 200
        r = await http.post(
            "/v1/graduate-cases/GD-Z/fraud",
            json={"reason": "学历证书系伪造", "employer_involved": True},
            headers=staff,
        )
        assert r.status_code == 200, r.text
        assert r.json()["conduct_records"] == 2 and r.json()["case"]["status"] == "cancelled"
        acct = (await http.get(f"/v1/quotas/{Y}/units/{UNIT}", headers=staff)).json()
        assert (acct["used"], acct["returned"], acct["remaining"]) == (2, 2, 1)
    kinds = sorted(e["subject"].split(":")[0] for e in await env.outbox_events("conduct.recorded"))
    assert kinds == ["employer", "person"]
    assert await env.scalar("SELECT min(valid_until) FROM conduct_records") == date(2030, 7, 31)


async def test_a_later_assessment_finding_the_graduate_ineligible_blocks_the_approval(env: Env) -> None:
    env.clock.set(SUBMITTED_AT)
    async with env.http() as http:
        staff = env.token()
        await allocate(env, http, 1)
        await submitted_case(env, http, "GD-E", 1)
        await env.deliver(assessed("GD-E", None, revision=2), "GD-E")
        r = await http.post("/v1/graduate-cases/GD-E/approve", json={}, headers=staff)
        assert r.status_code == 409 and r.json()["error"]["code"] == "not_eligible"
        r = await http.post("/v1/graduate-cases/GD-E/refuse", json={"reason": "不符合条件"}, headers=staff)
        assert r.status_code == 200 and r.json()["status"] == "refused"
        acct = (await http.get(f"/v1/quotas/{Y}/units/{UNIT}", headers=staff)).json()
        assert (acct["used"], acct["remaining"]) == (0, 1)


async def test_the_approval_records_the_approval_form_exchanged_for_the_receiving_letter(env: Env) -> None:
    """第十七条(五): the unit's 《<Y>年非北京生源毕业生进京审批表》 (3 copies) is exchanged for the 《接收函》 on
    approval, numbered after the letter; a refused case has no exchange."""
    env.clock.set(SUBMITTED_AT)
    async with env.http() as http:
        staff = env.token()
        await allocate(env, http, 2)
        for n, decl in enumerate(("GD-F1", "GD-F2", "GD-F3"), start=1):
            case = await submitted_case(env, http, decl, n)
            assert case["approval_form"] is None  # not yet decided

        for decl in ("GD-F1", "GD-F2"):
            r = await http.post(f"/v1/graduate-cases/{decl}/approve", json={}, headers=staff)
            assert r.status_code == 200, r.text
        r = await http.post(
            "/v1/graduate-cases/GD-F3/refuse", json={"reason": "专业与岗位不符"}, headers=staff
        )
        assert r.status_code == 200 and r.json()["status"] == "refused"

        for decl, seq in (("GD-F1", 1), ("GD-F2", 2)):
            case = (await http.get(f"/v1/graduate-cases/{decl}", headers=staff)).json()
            (letter,) = case["letters"]
            assert letter["serial_number"] == f"GRD-2025-JS-00000{seq}"
            assert case["approval_form"] == {
                "title": "2025年非北京生源毕业生进京审批表",
                "copies": 3,
                "number": f"GRD-2025-SP-00000{seq}",
                "receiving_letter_serial": letter["serial_number"],
                "exchanged_at": case["decided_at"],
                "exchanged_by": case["decided_by"],
            }
            assert case["decided_by"] and datetime.fromisoformat(case["decided_at"]) == SUBMITTED_AT
        # The unit sees the exchange on its own case too.
        mine = await http.get(f"/v1/supervising-units/{UNIT}/graduate-cases", headers=unit_token(env))
        forms = {c["declaration_id"]: c["approval_form"] for c in mine.json()["items"]}
        assert forms["GD-F1"]["number"] == "GRD-2025-SP-000001" and forms["GD-F3"] is None

        refused = (await http.get("/v1/graduate-cases/GD-F3", headers=staff)).json()
        assert (
            refused["status"] == "refused" and refused["approval_form"] is None and refused["letters"] == []
        )

        spec = (await http.get("/openapi.json")).json()["components"]["schemas"]
        assert "审批表" in spec["CaseOut"]["properties"]["approval_form"]["description"]
        assert set(spec["ApprovalFormOut"]["required"]) >= {"title", "copies", "number", "exchanged_at"}
