"""落户办理 through the API against the real database: materials (with the children's rules), district
check, approval (four eyes) and the settlement letter; cancellation for a criminal record; bad-conduct
records; the applicant's own view; rate limiting; no 500 on bad input. Events reach the consumers'
handlers directly, in an inbox-like transaction (the broker path has its own tests)."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import pytest
import sqlalchemy as sa

from shared.validation.identifiers import synthetic_resident_id
from tests.settlement.integration.conftest import IDS, Env

pytestmark = pytest.mark.integration

BASE = [
    {"item": "id_card"},
    {"item": "household_register"},
    {"item": "application_form"},
    {"item": "transfer_form"},
]
CHILD_DOCS = ["child_household_register", "birth_certificate", "marriage_certificate"]


async def confirmed(env: Env, app_id: str, **kw: Any) -> None:
    await env.deliver(env.submitted(app_id, **kw))
    await env.deliver(env.outcome(app_id))


async def test_materials_district_check_and_approval_issue_the_settlement_letter(env: Env) -> None:
    await env.deliver(env.round_event())
    await confirmed(env, "PTS-1")
    # District staff (区人力社保局) of the settlement district take in and check the materials; bureau staff
    # (市人力社保局) approve.
    staff1 = env.token("district_staff", "clerk-haidian", district="110108")
    staff2 = env.token("bureau_staff", "officer-bureau")
    # A second child born before 2016 needs the family-planning certificate; the first child does not.
    children = [
        {"birth_date": "2012-04-01", "birth_order": 1, "name": "张一"},
        {"birth_date": "2015-06-30", "birth_order": 2, "name": "张二"},
    ]
    provided = [
        *BASE,
        {"item": "archive_acceptance"},
        *[{"item": c, "child": i} for i in (0, 1) for c in CHILD_DOCS],
    ]
    async with env.http() as http:
        pre = await http.post(
            "/v1/materials/checklist", json={"has_archive": True, "children": children, "provided": provided}
        )
        assert pre.status_code == 200
        assert [(m["item"], m["child"]) for m in pre.json()["missing"]] == [
            ("family_planning_certificate", 1)
        ]

        r = await http.post(
            "/v1/qualifications/PTS-1/materials",
            headers=staff1,
            json={
                "settlement_district": "110108",
                "has_archive": True,
                "children": children,
                "provided": provided,
            },
        )
        assert r.status_code == 422 and r.json()["error"]["code"] == "materials_incomplete"
        assert "family_planning_certificate (child 1)" in r.json()["error"]["details"][0]["message"]

        provided.append({"item": "family_planning_certificate", "child": 1})
        body = {
            "settlement_district": "110108",
            "has_archive": True,
            "children": children,
            "provided": provided,
        }
        r = await http.post("/v1/qualifications/PTS-1/materials", headers=staff1, json=body)
        assert r.status_code == 200, r.text
        assert r.json()["status"] == "materials_submitted"
        assert (
            r.json()["settlement_district"] == "110108" and r.json()["settlement_district_name"] == "海淀区"
        )
        assert len(r.json()["materials"]["checklist"]) == 5 + 2 * 3 + 1

        # District staff find what waits for their check (in their district).
        listed = await http.get(
            "/v1/qualifications", params={"status": "materials_submitted"}, headers=staff1
        )
        assert listed.status_code == 200 and [q["application_id"] for q in listed.json()["items"]] == [
            "PTS-1"
        ]
        # The district check is the district's: neither the bureau nor the applicant may record it.
        for who in (staff2, env.token("applicant", "acc-applicant"), env.token("operations_admin", "ops-1")):
            r = await http.post("/v1/qualifications/PTS-1/district-check", headers=who, json={"passed": True})
            assert r.status_code == 403 and r.json()["error"]["code"] == "forbidden"

        # Returned once, resubmitted, then passed.
        r = await http.post("/v1/qualifications/PTS-1/district-check", headers=staff1, json={"passed": False})
        assert r.status_code == 422  # returning needs a note (一次性告知)
        r = await http.post(
            "/v1/qualifications/PTS-1/district-check",
            headers=staff1,
            json={"passed": False, "note": "《出生医学证明》为复印件"},
        )
        assert r.json()["status"] == "materials_returned"
        assert (
            await http.post("/v1/qualifications/PTS-1/approve", headers=staff2, json={})
        ).status_code == 409
        assert (
            await http.post("/v1/qualifications/PTS-1/materials", headers=staff1, json=body)
        ).status_code == 200
        r = await http.post("/v1/qualifications/PTS-1/district-check", headers=staff1, json={"passed": True})
        assert r.json()["status"] == "district_checked" and r.json()["district_checked_by"] == "clerk-haidian"

        # District staff may not approve; and the one who checked may not approve, even holding both roles.
        district_only = await http.post("/v1/qualifications/PTS-1/approve", headers=staff1, json={})
        assert district_only.status_code == 403 and district_only.json()["error"]["code"] == "forbidden"
        both = env.token("district_staff", "clerk-haidian", also=("bureau_staff",))
        same = await http.post("/v1/qualifications/PTS-1/approve", headers=both, json={})
        assert same.status_code == 409 and same.json()["error"]["code"] == "four_eyes"
        env.clock.advance(timedelta(days=40))
        ok = await http.post("/v1/qualifications/PTS-1/approve", headers=staff2, json={"note": "核准"})
        assert ok.status_code == 201, ok.text
        letter = ok.json()
        assert letter["serial_number"] == "PTS-2022-SL-000001"
        assert letter["title"] == "关于办理积分落户调档及落户手续的函"
        assert letter["body"].startswith("有关档案管理部门、公安派出所：")
        assert "准予办理调档及落户手续" in letter["body"] and letter["issued_on"] == "2022-08-28"
        again = await http.post("/v1/qualifications/PTS-1/approve", headers=staff2, json={})
        assert again.status_code == 409

        q = (await http.get("/v1/qualifications/PTS-1", headers=staff1)).json()
        assert q["status"] == "approved" and [x["letter_type"] for x in q["letters"]] == [
            "points_qualification_confirmation",
            "points_settlement_letter",
        ]
        pdf = await http.get(f"/v1/letters/{letter['serial_number']}/pdf", headers=staff2)
        assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF")
        # Letters stay with the bureau.
        assert (
            await http.get(f"/v1/letters/{letter['serial_number']}/pdf", headers=staff1)
        ).status_code == 403

        # A criminal record found before settlement ends it (第十八条): both letters revoked.
        env.clock.advance(timedelta(days=5))
        end = await http.post(
            "/v1/qualifications/PTS-1/cancel",
            headers=staff2,
            json={"reason": "criminal_record", "note": "公安机关书面告知"},
        )
        assert end.status_code == 200, end.text
        assert end.json()["qualification"]["status"] == "cancelled"
        assert {x["serial_number"] for x in end.json()["revoked"]} == {
            "PTS-2022-QC-000001",
            "PTS-2022-SL-000001",
        }
        token = letter["verify_url"].rsplit("/", 1)[1]
        js = (await http.get(f"/v1/verify/{token}")).json()
        assert js["status"] == "revoked" and js["revoked_on"] == "2022-09-02"
        assert (
            await http.post("/v1/qualifications/PTS-1/cancel", headers=staff2, json={"reason": "on_request"})
        ).status_code == 409

        audit = (
            await http.get("/v1/audit-log", params={"subject": "PTS-1", "limit": 100}, headers=staff2)
        ).json()
        actions = [a["action"] for a in reversed(audit["items"])]
        assert actions.count("letter.revoked") == 2 and "qualification.cancelled" in actions
        assert actions.index("qualification.approved") < actions.index("qualification.cancelled")
        assert {"clerk-haidian", "officer-bureau", "system"} <= {a["actor"] for a in audit["items"]}

    types = [e["type"] for e in await env.outbox_events()]
    assert types.count("letter.issued") == 2 and types.count("letter.revoked") == 2
    assert types.count("qualification.cancelled") == 1 and "conduct.recorded" not in types


async def test_serial_numbers_are_unique_and_gapless_under_concurrent_issuance(env: Env) -> None:
    import asyncio

    from services.settlement import handlers
    from services.settlement.domain.letters import QUALIFICATION_CONFIRMATION

    n = 48
    for i in range(n):  # qualifications waiting for the holder's data
        await env.deliver(env.outcome(f"PTS-C{i:02d}"))
        async with env.ctx.session_factory() as s, s.begin():
            from services.settlement.adapters.repository import SettlementRepository

            await SettlementRepository(s).upsert_holder(
                {
                    **{
                        k: v
                        for k, v in env.submitted(f"PTS-C{i:02d}").model_dump(mode="json").items()
                        if k
                        in (
                            "application_id",
                            "revision",
                            "round_id",
                            "program",
                            "name",
                            "birth_year_month",
                            "employer_name",
                            "employer_credit_code",
                        )
                    },
                    "id_number_sealed": env.submitted("x").id_number.model_dump(mode="json"),
                    "updated_at": env.clock.now(),
                }
            )

    class Crash(Exception):
        pass

    async def issue(i: int, crash: bool = True) -> str | None:
        async with env.ctx.transaction(actor="test", correlation_id="c") as tx:
            qual = await tx.repo.get_qualification(f"PTS-C{i:02d}", for_update=True)
            holder = await tx.repo.get_holder(f"PTS-C{i:02d}")
            assert qual and holder
            letter = await handlers.issue_letter(tx, QUALIFICATION_CONFIRMATION, qual, holder)
            await asyncio.sleep(0.005)  # hold the counter a moment, so that others queue behind it
            if crash and i % 4 == 3:
                raise Crash  # this transaction dies after taking a number: the number must come back
            return str(letter["serial_number"])

    results = await asyncio.gather(*(issue(i) for i in range(n)), return_exceptions=True)
    ok = [r for r in results if isinstance(r, str)]
    assert sum(isinstance(r, Crash) for r in results) == n // 4
    seqs = sorted(int(s.rsplit("-", 1)[1]) for s in ok)
    assert seqs == list(range(1, len(ok) + 1))  # no gap, no duplicate

    # The ones that crashed are issued now, continuing the series; every application has one letter.
    await asyncio.gather(*(issue(i, crash=False) for i in range(n) if i % 4 == 3))
    async with env.ctx.session_factory() as s:
        rows = (await s.execute(sa.text("SELECT sequence FROM letters ORDER BY sequence"))).scalars().all()
        last = (await s.execute(sa.text("SELECT last_sequence FROM letter_counters"))).scalar()
        apps = (await s.execute(sa.text("SELECT count(DISTINCT application_id) FROM letters"))).scalar()
    assert list(rows) == list(range(1, n + 1)) and last == n and apps == n
    assert len(await env.outbox_events("letter.issued")) == n  # rolled-back issues emitted nothing


async def test_concurrent_duplicate_outcomes_for_one_application_issue_one_letter(env: Env) -> None:
    import asyncio

    await env.deliver(env.submitted("PTS-X"))
    await asyncio.gather(*(env.deliver(env.outcome("PTS-X")) for _ in range(12)))
    await asyncio.gather(*(env.deliver(env.submitted("PTS-X", revision=2)) for _ in range(4)))
    assert await env.scalar("SELECT count(*) FROM letters") == 1
    assert len(await env.outbox_events("letter.issued")) == 1
    assert await env.scalar("SELECT last_sequence FROM letter_counters") == 1


async def test_holder_data_after_the_outcome_still_issues_the_confirmation(env: Env) -> None:
    await env.deliver(env.outcome("PTS-O"))
    assert await env.scalar("SELECT status FROM qualifications") == "pending_holder"
    assert await env.outbox_events("letter.issued") == []
    await env.deliver(env.submitted("PTS-O", name="李四"))
    assert await env.scalar("SELECT status FROM qualifications") == "confirmed"
    [ev] = await env.outbox_events("letter.issued")
    assert ev["data"]["application_id"] == "PTS-O"


async def test_held_then_decided_and_disqualified_entries(env: Env) -> None:
    await env.deliver(env.submitted("PTS-H"))
    await env.deliver(env.outcome("PTS-H", "held"))
    assert await env.scalar("SELECT status FROM qualifications") == "held"
    await env.deliver(env.outcome("PTS-H", "cleared"))
    assert await env.scalar("SELECT status FROM qualifications") == "confirmed"
    # A disqualification that comes after clearance (a later finding) cancels and revokes; not fraud here.
    await env.deliver(env.outcome("PTS-H", "disqualified", "不符合居住证条件"))
    assert await env.scalar("SELECT status FROM qualifications") == "cancelled"
    assert await env.scalar("SELECT status FROM letters") == "revoked"
    await env.deliver(env.outcome("PTS-H", "cleared"))  # never revived, never refilled
    assert await env.scalar("SELECT status FROM qualifications") == "cancelled"
    assert await env.scalar("SELECT count(*) FROM conduct_records") == 0


async def test_a_fraud_reason_code_records_the_person_whatever_the_text(env: Env) -> None:
    await env.deliver(env.submitted("PTS-C", id_number=IDS[1]))
    await env.deliver(env.outcome("PTS-C", "cleared"))
    assert await env.scalar("SELECT status FROM qualifications") == "confirmed"
    # A later finding, coded fraud; the text alone ("不实") would not have said so.
    await env.deliver(env.outcome("PTS-C", "disqualified", "申报住所材料不实", reason_code="fraud"))
    assert await env.scalar("SELECT status FROM qualifications") == "cancelled"
    assert await env.scalar("SELECT status FROM letters") == "revoked"
    [revoked] = await env.outbox_events("letter.revoked")
    assert revoked["data"]["reason_code"] == "fraud"
    [ev] = await env.outbox_events("conduct.recorded")
    assert ev["subject"].startswith("person:") and ev["data"]["valid_until"] == "2027-07-19"
    assert await env.scalar("SELECT count(*) FROM conduct_records") == 1


async def test_a_non_fraud_reason_code_wins_over_fraud_words_in_the_text(env: Env) -> None:
    await env.deliver(env.submitted("PTS-I", id_number=IDS[1]))
    await env.deliver(env.outcome("PTS-I", "cleared"))
    # The investigator found the reported forgery untrue but the applicant ineligible: the text is full
    # of fraud words, the code says ineligible — disqualified, no bad-conduct record.
    text = "举报称房产证系伪造、材料弄虚作假，经查不实；但居住证不符合申报条件"
    await env.deliver(env.outcome("PTS-I", "disqualified", text, reason_code="ineligible"))
    assert await env.scalar("SELECT status FROM qualifications") == "cancelled"
    [revoked] = await env.outbox_events("letter.revoked")
    assert revoked["data"]["reason_code"] == "disqualified"
    # and straight from publicity (no qualification yet), coded `other`
    await env.deliver(env.submitted("PTS-J", id_number=IDS[3]))
    await env.deliver(env.outcome("PTS-J", "disqualified", "伪造 fraud", reason_code="other"))
    assert await env.scalar("SELECT status FROM qualifications WHERE application_id = 'PTS-J'") == (
        "disqualified"
    )
    assert await env.outbox_events("conduct.recorded") == []
    assert await env.scalar("SELECT count(*) FROM conduct_records") == 0


async def test_an_outcome_without_a_reason_code_still_reads_the_text(env: Env) -> None:
    # Older producers send no reason_code: the words decide, as before.
    await env.deliver(env.submitted("PTS-T", id_number=IDS[1]))
    await env.deliver(env.outcome("PTS-T", "disqualified", "举报查实：社保缴费记录系伪造"))
    [ev] = await env.outbox_events("conduct.recorded")
    assert ev["data"]["valid_from"] == "2022-07-19"
    await env.deliver(env.submitted("PTS-U", id_number=IDS[3]))
    await env.deliver(env.outcome("PTS-U", "disqualified", "不符合居住证条件"))
    assert len(await env.outbox_events("conduct.recorded")) == 1  # no words of fraud, no record
    assert await env.scalar("SELECT count(*) FROM qualifications WHERE status = 'disqualified'") == 2


async def test_bad_conduct_records_for_person_and_employer_listed_for_staff(env: Env) -> None:
    # Fraud found in publicity before the holder's data arrived: the record waits, then completes.
    await env.deliver(env.outcome("PTS-F", "disqualified", "举报查实：申报材料弄虚作假"))
    assert await env.scalar("SELECT status FROM conduct_records") == "pending_holder"
    assert await env.outbox_events("conduct.recorded") == []
    await env.deliver(env.submitted("PTS-F", id_number=IDS[1]))
    [ev] = await env.outbox_events("conduct.recorded")
    assert ev["data"]["valid_from"] == "2022-07-19" and ev["data"]["valid_until"] == "2027-07-19"
    assert ev["data"]["person_id_number"]["alg"] == "AES-256-GCM"
    assert IDS[1] not in str(ev)

    await env.deliver(env.submitted("PTS-G", id_number=IDS[3], employer_credit_code="91110108MA01ABCD1X"))
    async with env.http() as http:
        staff = env.token()
        r = await http.post(
            "/v1/conduct-records",
            headers=staff,
            json={
                "application_id": "PTS-G",
                "subjects": ["person", "employer"],
                "reason": "协助伪造社保记录",
            },
        )
        assert r.status_code == 201, r.text
        assert {x["subject_kind"] for x in r.json()} == {"person", "employer"}
        dup = await http.post(
            "/v1/conduct-records",
            headers=staff,
            json={"application_id": "PTS-G", "subjects": ["employer"], "reason": "again"},
        )
        assert dup.status_code == 409
        direct = await http.post(
            "/v1/conduct-records",
            headers=staff,
            json={"id_number": IDS[0], "reason": "伪造学历", "decided_on": "2022-07-01"},
        )
        assert direct.status_code == 201 and direct.json()[0]["id_number_masked"] == "110105********0019"
        assert direct.json()[0]["valid_until"] == "2027-07-01"
        page = (await http.get("/v1/conduct-records", params={"limit": 2, "offset": 0}, headers=staff)).json()
        assert page["total"] == 4 and len(page["items"]) == 2
        people = (await http.get("/v1/conduct-records", params={"kind": "person"}, headers=staff)).json()
        assert people["total"] == 3
        assert all(IDS[0] not in str(x) for x in people["items"])
        one = await http.get(f"/v1/conduct-records/{page['items'][0]['record_id']}", headers=staff)
        assert one.status_code == 200
        bad = await http.post(
            "/v1/conduct-records",
            headers=staff,
            json={
                "id_number": synthetic_resident_id(date(1985, 3, 7), 1, "110105")[:-1] + "8",
                "reason": "x",
            },
        )
        assert (
            bad.status_code == 422
            and synthetic_resident_id(date(1985, 3, 7), 1, "110105")[:-1] + "8" not in bad.text
        )
    assert len(await env.outbox_events("conduct.recorded")) == 4


async def test_applicants_see_only_their_own_application(env: Env) -> None:
    await confirmed(env, "PTS-P")
    async with env.ctx.session_factory() as s, s.begin():
        await s.execute(sa.text("UPDATE holders SET applicant_account_id = 'acct-7'"))
    async with env.http() as http:
        mine = env.token("applicant", subject="acct-7")
        other = env.token("applicant", subject="acct-8")
        assert (await http.get("/v1/qualifications/PTS-P", headers=mine)).status_code == 200
        assert (await http.get("/v1/qualifications/PTS-P", headers=other)).status_code == 403
        assert (await http.get("/v1/qualifications", headers=mine)).status_code == 403
        serial = (await http.get("/v1/qualifications/PTS-P", headers=mine)).json()["letters"][0][
            "serial_number"
        ]
        assert (await http.get(f"/v1/letters/{serial}/pdf", headers=other)).status_code == 403
        assert (
            await http.post(f"/v1/letters/{serial}/revoke", headers=mine, json={"reason": "on_request"})
        ).status_code == 403
        r = await http.post(
            "/v1/qualifications/PTS-P/materials",
            headers=mine,
            json={
                "settlement_district": "110105",
                "has_archive": False,
                "provided": [*BASE, {"item": "no_archive_statement"}],
            },
        )
        assert r.status_code == 200 and r.json()["status"] == "materials_submitted"
        assert r.json()["settlement_district"] == "110105"


async def test_public_verification_is_rate_limited_and_every_check_is_logged(
    infra: Any, topic_prefix: str
) -> None:
    from tests.settlement.integration.conftest import _close, _make

    env, urls = await _make(infra, topic_prefix, verify_burst=3, verify_rate_per_minute=6)
    try:
        async with env.http() as http:
            codes = [
                (await http.get("/v1/verify/not-a-real-token-at-all-0000")).status_code for _ in range(4)
            ]
            assert codes == [200, 200, 200, 429]
            r = await http.get("/verify/whatever")
            assert r.status_code == 429 and int(r.headers["retry-after"]) >= 1
            assert r.json()["error"]["code"] == "rate_limited"
            checks = (await http.get("/v1/verification-checks", headers=env.token())).json()
            assert checks["total"] == 3 and {c["result"] for c in checks["items"]} == {"unknown"}
    finally:
        await _close(env, infra, urls)


async def test_behind_a_trusted_proxy_each_forwarded_client_has_its_own_limit_and_cannot_forge_one(
    infra: Any, topic_prefix: str
) -> None:
    from tests.settlement.integration.conftest import _close, _make

    # The test client connects from 127.0.0.1: that is "our proxy" here.
    env, urls = await _make(
        infra, topic_prefix, verify_burst=1, verify_rate_per_minute=1, trusted_proxies="127.0.0.1"
    )
    try:
        async with env.http() as http:

            async def check(forwarded: str) -> int:
                r = await http.get(
                    "/v1/verify/not-a-real-token-at-all-0000", headers={"x-forwarded-for": forwarded}
                )
                return r.status_code

            assert await check("198.51.100.1") == 200
            assert await check("198.51.100.2") == 200  # another client behind the same proxy
            assert await check("198.51.100.1") == 429
            # Prepending a fresh address does not make a new client: the proxy's own entry is last.
            assert await check("203.0.113.99, 198.51.100.1") == 429
            checks = (await http.get("/v1/verification-checks", headers=env.token())).json()
            assert checks["total"] == 2
    finally:
        await _close(env, infra, urls)


async def test_unknown_tokens_answer_unknown(env: Env) -> None:
    async with env.http() as http:
        js = (await http.get("/v1/verify/AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA")).json()
        assert js["status"] == "unknown" and js["serial_number"] is None and js["holder"] is None
        assert (await http.get("/v1/verify/abcdefgh%00ijklmnopqrstuvwxyz")).json()["status"] == "unknown"
        assert (
            await http.get(
                "/v1/verify/%E5%BC%A0%E4%B8%89%E5%BC%A0%E4%B8%89%E5%BC%A0%E4%B8%89%E5%BC%A0%E4%B8%89"
                "%E5%BC%A0%E4%B8%89%E5%BC%A0%E4%B8%89%E5%BC%A0%E4%B8%89%E5%BC%A0%E4%B8%89"
            )
        ).json()["status"] == "unknown"
        page = await http.get("/verify/short")
        assert page.status_code == 200 and 'data-status="unknown"' in page.text


BAD_INPUT: list[tuple[str, str, Any, int]] = [
    ("GET", "/v1/qualifications/bad%20id", None, 422),
    ("GET", "/v1/qualifications/PTS-NONE", None, 404),
    ("GET", "/v1/qualifications?status=bogus", None, 422),
    ("GET", "/v1/qualifications?limit=0", None, 422),
    ("GET", "/v1/qualifications?limit=abc", None, 422),
    ("GET", "/v1/letters/NOT-A-SERIAL", None, 422),
    ("GET", "/v1/letters/PTS-2022-QC-000099", None, 404),
    ("GET", "/v1/letters/PTS-2022-QC-000099/pdf", None, 404),
    ("POST", "/v1/letters/PTS-2022-QC-000099/revoke", {"reason": "fraud"}, 404),
    ("POST", "/v1/letters/PTS-2022-QC-000099/revoke", {"reason": "boredom"}, 422),
    (
        "POST",
        "/v1/qualifications/PTS-NONE/materials",
        {"settlement_district": "110108", "has_archive": True, "provided": []},
        404,
    ),
    ("POST", "/v1/qualifications/PTS-NONE/materials", {"has_archive": True, "provided": []}, 422),
    (
        "POST",
        "/v1/qualifications/PTS-NONE/materials",
        {"settlement_district": "110103", "has_archive": True, "provided": []},
        422,
    ),
    (
        "POST",
        "/v1/qualifications/PTS-NONE/materials",
        {"settlement_district": "110108", "has_archive": "yes", "provided": []},
        422,
    ),
    ("POST", "/v1/qualifications/PTS-NONE/materials", [1, 2], 422),
    ("POST", "/v1/qualifications/PTS-NONE/approve", {"note": 5}, 422),
    ("POST", "/v1/qualifications/PTS-NONE/cancel", {"reason": "fraud"}, 404),
    (
        "POST",
        "/v1/qualifications/PTS-NONE/cancel",
        {"reason": "criminal_record", "employer_assisted": "1"},
        422,
    ),
    (
        "POST",
        "/v1/materials/checklist",
        {"has_archive": True, "children": [{"birth_date": "2040-01-01", "birth_order": 1}]},
        422,
    ),
    (
        "POST",
        "/v1/materials/checklist",
        {"has_archive": True, "children": [{"birth_date": "2015-02-30", "birth_order": 1}]},
        422,
    ),
    ("POST", "/v1/materials/checklist", {"has_archive": True, "provided": [{"item": "passport"}]}, 422),
    (
        "POST",
        "/v1/materials/checklist",
        {"has_archive": True, "children": [{"birth_date": "2015-01-01", "birth_order": 1.5}]},
        422,
    ),
    ("POST", "/v1/conduct-records", {"reason": "x"}, 422),
    ("POST", "/v1/conduct-records", {"application_id": "PTS-NONE", "reason": "x"}, 404),
    ("POST", "/v1/conduct-records", {"employer_credit_code": "91110108MA01ABCD1Y", "reason": "x"}, 422),
    (
        "POST",
        "/v1/conduct-records",
        {"employer_credit_code": "91110108MA01ABCD1X", "reason": "x", "decided_on": "2099-01-01"},
        422,
    ),
    ("GET", "/v1/conduct-records/CR-nope", None, 422),
    ("GET", "/v1/conduct-records/CR-00000000000000000000", None, 404),
    ("GET", "/v1/verify/" + "x" * 300, None, 422),
    ("POST", "/v1/qualifications/PTS-NONE/cancel", {"reason": "fraud", "note": "a\u0000b"}, 422),
    ("POST", "/v1/conduct-records", {"employer_credit_code": "91110108MA01ABCD1X", "reason": "\u0000"}, 422),
    (
        "POST",
        "/v1/materials/checklist",
        {
            "has_archive": True,
            "children": [{"birth_date": "2015-01-01", "birth_order": 1, "name": "x\u0000"}],
        },
        422,
    ),
    ("GET", "/v1/audit-log?subject=%00", None, 422),
    # Dates whose arithmetic leaves the calendar (an 18th birthday after 9999) were a 500.
    (
        "POST",
        "/v1/materials/checklist",
        {
            "has_archive": True,
            "as_of": "9999-12-31",
            "children": [{"birth_date": "9990-01-01", "birth_order": 1}],
        },
        422,
    ),
    ("POST", "/v1/materials/checklist", {"has_archive": True, "as_of": "0001-01-01"}, 422),
    (
        "POST",
        "/v1/conduct-records",
        {"employer_credit_code": "91110108MA01ABCD1X", "reason": "x", "decided_on": "0001-01-01"},
        422,
    ),
]


async def test_bad_input_gets_a_clear_4xx_never_a_500(env: Env) -> None:
    async with env.http() as http:
        for method, path, body, status in BAD_INPUT:
            r = await http.request(method, path, json=body, headers=env.token())
            assert r.status_code == status, (method, path, body, r.text)
            assert "error" in r.json()


async def test_every_staff_route_needs_a_token_and_the_right_role(env: Env) -> None:
    from services.settlement.api import PERMISSIONS

    async with env.http() as http:
        for (method, path), allowed in PERMISSIONS.items():
            if "public" in allowed:
                continue
            url = (
                path.replace("{application_id}", "PTS-1")
                .replace("{serial_number}", "PTS-2022-QC-000001")
                .replace("{record_id}", "CR-00000000000000000000")
            )
            assert (await http.request(method, url)).status_code == 401, (method, path)
            if "employer_admin" not in allowed:
                r = await http.request(method, url, headers=env.token("employer_admin"))
                assert r.status_code == 403, (method, path)
