"""A graduate round (引进毕业生) through all five services and the real broker (issue 11, item 8).

Y = 2025. A supervising unit with a quota of 2 and four eligible graduates declared by one employer (three
`counted`, one `direct` on a family ground, 第十六条): intake takes the declarations and the graduates'
consent; review verifies them against the 学信 education and 市场监管 company registries; scoring assesses
them; the unit approves them for publicity and opens its list; an objection is filed and dismissed and the
list clears. At settlement the unit submits the four cases: two `counted` are approved, the third is
refused for lack of quota (409 `quota_exhausted`, then refused by the bureau with the reason), the `direct`
one is approved without touching the quota; the 《接收函》 is issued (PDF). The graduates report for duty;
one is revoked during probation on the employer's request, which gives its unit back. In Y+1 the unit
applies for settlement: review checks education, degree, duty and social insurance against the registries
and the 《报户口介绍信》 is issued. The quota balance never goes below zero, and the year-end account adds up.
"""

from __future__ import annotations

import base64
import csv
import io
import os
import time
import uuid
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from shared.api.auth import generate_keypair
from shared.clock import BEIJING, ManualClock
from shared.validation.identifiers import synthetic_resident_id
from tests.e2e.graduate_support import (
    EMPLOYER_CODE,
    EMPLOYER_NAME,
    ROOT_PASSWORD,
    Y,
    bearer,
    five_services,
    graduate_registries,
    graduates,
    ok,
    until,
)
from tests.support.infra import Infra

pytestmark = pytest.mark.integration

#: Tuesday 3 June 2025, 09:00 Beijing: inside the declaration stage (March–September) of Y.
T0 = datetime(Y, 6, 3, 9, 0, tzinfo=BEIJING)
#: Tuesday 15 July 2025: the graduates report for duty.
DUTY_AT = datetime(Y, 7, 15, 9, 0, tzinfo=BEIJING)
#: Monday 2 March 2026 (Y+1): the settlement applications.
SETTLEMENT_AT = datetime(Y + 1, 3, 2, 9, 0, tzinfo=BEIJING)
WAIT = 120.0
#: Steps of issue 12 (being built beside this test): taken where the service has them.
UNIT_PASSWORD = "unit-pass-2025"
EMPLOYER_PASSWORD = "employer-pass-2025"


async def test_a_graduate_round_runs_through_all_five_services(
    infra: Infra, topic_prefix: str, tmp_path: Path
) -> None:
    started = time.monotonic()
    people = graduates()
    a, b, c, d = people  # a, b, c counted; d direct
    priv, pub = generate_keypair()
    data_key = base64.b64encode(os.urandom(32)).decode()
    clock = ManualClock(T0)
    async with (
        graduate_registries(people) as reg,
        five_services(
            infra,
            topic_prefix,
            clock,
            reg.urls,
            private_key=priv,
            public_key=pub,
            data_key=data_key,
            tmp_path=tmp_path,
        ) as stack,
    ):
        svc = stack.clients
        intake, review, scoring, publicity, settlement = (
            svc["intake"],
            svc["review"],
            svc["scoring"],
            svc["publicity"],
            svc["settlement"],
        )
        login = stack.login
        tokens: dict[str, str] = {}

        async def relogin() -> None:
            """Access tokens are short-lived: log in again after the clock moved."""
            tokens["staff"] = await login("staff-wang")
            if "unit_user" in tokens:
                tokens["unit"] = await login(tokens["unit_user"], UNIT_PASSWORD)
                tokens["employer"] = await login("hr-xinghe", EMPLOYER_PASSWORD)

        await relogin()

        def staff() -> dict[str, str]:
            return bearer(tokens["staff"])

        def unit_h() -> dict[str, str]:
            return bearer(tokens["unit"])

        def employer_h() -> dict[str, str]:
            return bearer(tokens["employer"])

        # ---- the round, the supervising unit, its jurisdiction and the employer ---------------------
        rnd = ok(await intake.post("/v1/graduate-rounds", headers=staff(), json={"year": Y}), 201)
        round_id = rnd.get("round_id") or rnd["id"]
        assert round_id == f"graduates-{Y}"
        unit = ok(
            await intake.post(
                "/v1/supervising-units",
                headers=staff(),
                json={
                    "name": "海淀区人力资源和社会保障局",
                    "phone": "010-82345678",
                    "address": "北京市海淀区长春桥路17号",
                },
            ),
            201,
        )
        unit_id = unit["id"]
        tokens["unit_user"] = "unit-haidian-zhao"
        ok(
            await intake.post(
                f"/v1/supervising-units/{unit_id}/accounts",
                headers=staff(),
                json={"username": tokens["unit_user"], "password": UNIT_PASSWORD, "name": "赵主管"},
            ),
            201,
        )
        ok(
            await intake.post(
                "/v1/employers",
                json={
                    "employer": {
                        "credit_code": EMPLOYER_CODE,
                        "name": EMPLOYER_NAME,
                        "district": "110108",
                        "tax_registered": True,
                    },
                    "admin": {
                        "username": "hr-xinghe",
                        "password": EMPLOYER_PASSWORD,
                        "name": "人事甲",
                        "phone": "13900000901",
                    },
                },
            ),
            201,
        )
        # A new employer starts unverified (a credit code is public): bureau staff verify it before it declares.
        ok(
            await intake.post(
                f"/v1/employers/{EMPLOYER_CODE}/verification",
                headers=staff(),
                json={"note": "营业执照原件与法定代表人授权书已核验。"},
            )
        )
        ok(
            await intake.post(
                f"/v1/supervising-units/{unit_id}/employers",
                headers=staff(),
                json={"employer_credit_code": EMPLOYER_CODE},
            )
        )
        await relogin()

        # ---- the quota: 2 units for the unit in Y ------------------------------------------------------
        async def balance() -> dict[str, Any]:
            acc = ok(await settlement.get(f"/v1/quotas/{Y}/units/{unit_id}", headers=staff()))
            assert acc["remaining"] >= 0, acc
            return dict(acc)

        acc = ok(
            await settlement.post(
                f"/v1/quotas/{Y}/allocations",
                headers=staff(),
                json={
                    "supervising_unit_id": unit_id,
                    "amount": 2,
                    "reason": "2025年度指标分配（局务会决定）",
                },
            ),
            201,
        )
        assert (acc["allocated"], acc["used"], acc["remaining"]) == (2, 0, 2)

        # ---- declarations, consent (one-time link), submission --------------------------------------
        decl: dict[str, str] = {}
        for g in people:
            body = ok(
                await intake.post(
                    "/v1/graduate-declarations", headers=employer_h(), json=g.declaration(round_id, unit_id)
                ),
                201,
            )
            decl[g.key] = body["id"]
            link = ok(
                await intake.post(
                    f"/v1/graduate-declarations/{body['id']}/consent-link", headers=employer_h()
                ),
                201,
            )
            ok(await intake.post(link["path"]))
            sub = ok(
                await intake.post(
                    f"/v1/graduate-declarations/{body['id']}/submit",
                    headers={**employer_h(), "Idempotency-Key": f"submit-{uuid.uuid4()}"},
                )
            )
            assert sub["revision"] == 1, sub
        key_of = {v: k for k, v in decl.items()}

        # ---- review verifies against the registries, scoring assesses -------------------------------
        async def assessed() -> dict[str, Any] | None:
            views = {}
            for k, i in decl.items():
                v = ok(await intake.get(f"/v1/graduate-declarations/{i}", headers=staff()))
                if not (v.get("assessment") and v.get("verification")):
                    return None
                views[k] = v
            return views

        views = await until(assessed, WAIT, "verification and assessment of the four declarations")
        for k, v in views.items():
            assert v["assessment"]["eligible"] is True, (k, v["assessment"])
        assert {k: v["assessment"]["quota"] for k, v in views.items()} == {
            "A": "counted",
            "B": "counted",
            "C": "counted",
            "D": "direct",
        }
        verification = ok(await review.get(f"/v1/graduate-verifications/{decl['A']}", headers=staff()))
        differences = {ch["item"]: ch for ch in verification["checks"] if ch["status"] != "confirmed"}
        # Intake declares the day the employer joined the platform; the company registry's founding day wins.
        assert set(differences) == {"employer_registration"}, differences
        assert differences["employer_registration"]["status"] == "corrected"
        assert differences["employer_registration"]["registry"] == "2015-03-18"
        result = ok(await scoring.get(f"/v1/graduates/declarations/{decl['D']}/assessment", headers=staff()))
        assert result["eligible"] is True and result["quota"] == "direct", result

        # ---- the unit approves for publicity and opens its list --------------------------------------
        for i in decl.values():
            ok(
                await intake.post(
                    f"/v1/graduate-declarations/{i}/unit-approval", headers=unit_h(), json={"revision": 1}
                )
            )

        async def waiting() -> bool:
            page = ok(await publicity.get(f"/v1/units/{unit_id}/graduate-candidates", headers=unit_h()))
            return bool(page["total"] == 4)

        await until(waiting, WAIT, "the four approvals to reach publicity")
        pub_list = ok(
            await publicity.post(
                f"/v1/units/{unit_id}/graduate-publicities", headers=unit_h(), json={"working_days": 5}
            ),
            201,
        )
        pid = pub_list["publicity_id"]
        assert pub_list["status"] == "open" and pub_list["entry_count"] == 4
        entries = ok(await publicity.get(f"/v1/public/graduate-publicities/{pid}/entries"))
        assert entries["total"] == 4
        shown = {e["name"]: e for e in entries["items"]}
        assert set(shown) == {g.name for g in people}
        assert shown[a.name]["age"] == 26 and shown[a.name]["university"] == a.university
        assert all(g.id_number not in str(entries) for g in people)  # nothing else about a graduate

        # ---- an objection, investigated and dismissed ------------------------------------------------
        target = shown[b.name]
        reporter_id = synthetic_resident_id(date(1949, 12, 31), 2, "110105")
        obj = ok(
            await publicity.post(
                f"/v1/public/publicities/{pid}/objections",
                data={
                    "entry_no": str(target["entry_no"]),
                    "reporter_name": "举报人甲",
                    "reporter_id_number": reporter_id,
                    "reporter_phone": "13912345678",
                    "text": "该毕业生的学位证书疑似伪造，请核查。",
                },
            ),
            201,
        )
        oid = obj["objection_id"]
        objections = ok(await publicity.get(f"/v1/publicities/{pid}/objections", headers=staff()))
        assert [o["objection_id"] for o in objections["items"]] == [oid]
        assert reporter_id not in str(objections)  # the reporter's identity stays sealed
        # 周 (supervisor) assigns it to 李 (investigator), who investigates and dismisses it.
        investigator = stack.staff_ids["investigator-li"]
        zhou = bearer(await login("supervisor-zhou"))
        # Publicity keeps who assigns and who investigates objections: operations register the supervisor,
        # the supervisor registers the investigator (a staff member can never assign to themself).
        ops = bearer(await login("root", ROOT_PASSWORD))
        supervisor = stack.staff_ids["supervisor-zhou"]
        ok(await publicity.put(f"/v1/objection-staff/supervisor/{supervisor}", headers=ops))
        ok(await publicity.put(f"/v1/objection-staff/investigator/{investigator}", headers=zhou))
        ok(
            await publicity.post(
                f"/v1/objections/{oid}/assign",
                headers=zhou,
                json={"investigator": investigator, "note": "学历学位核查"},
            )
        )
        li = bearer(await login("investigator-li"))
        decision = ok(
            await publicity.post(
                f"/v1/objections/{oid}/decision",
                headers=li,
                json={"decision": "dismissed", "note": "经学信网核查，学历学位证书真实有效。"},
            )
        )
        objection = decision["objection"]
        assert objection["status"] == "dismissed" and objection["decided_by"] == investigator, objection
        assert decision["outcome_emitted"] is None  # decided within the period: the entry is not held

        # The list closes at 24:00 of its 5th working day; move the clock past it.
        closes_at = datetime.fromisoformat(pub_list["period"]["ends_at"])
        # 4, 5, 6, 9, 10 June 2025 (D = 3 June not counted): 24:00 of Tuesday 10 June.
        assert pub_list["period"]["ends_on"] == f"{Y}-06-10" and pub_list["period"]["calendar_version"]
        assert closes_at == datetime(Y, 6, 11, 0, 0, tzinfo=BEIJING)
        clock.set(closes_at + timedelta(hours=9))
        await relogin()

        async def cleared() -> dict[str, Any] | None:
            cases = {}
            for k, i in decl.items():
                r = await settlement.get(f"/v1/graduate-cases/{i}", headers=staff())
                if r.status_code != 200:
                    return None
                case = r.json()
                if (
                    case["publicity_outcome"] != "cleared"
                    or case["quota_treatment"] is None
                    or case["name"] is None
                ):
                    return None
                cases[k] = case
            return cases

        cases = await until(cleared, WAIT, "the publicity to close and clear the four cases")
        assert {k: c_["quota_treatment"] for k, c_ in cases.items()} == {
            "A": "counted",
            "B": "counted",
            "C": "counted",
            "D": "direct",
        }
        closed = ok(await publicity.get(f"/v1/publicities/{pid}", headers=staff()))
        assert closed["status"] == "closed"

        # ---- the unit submits; the bureau decides against the quota -----------------------------------
        for i in decl.values():
            sub = ok(
                await settlement.post(
                    f"/v1/supervising-units/{unit_id}/graduate-cases/{i}/submit", headers=unit_h(), json={}
                )
            )
            assert sub["status"] == "submitted" and sub["approval_deadline"]["due_date"], sub

        for k in ("A", "B"):
            case = ok(
                await settlement.post(f"/v1/graduate-cases/{decl[k]}/approve", headers=staff(), json={})
            )
            assert case["status"] == "approved", case
        acc = await balance()
        assert (acc["used"], acc["remaining"]) == (2, 0)

        r = await settlement.post(f"/v1/graduate-cases/{decl['C']}/approve", headers=staff(), json={})
        assert r.status_code == 409, r.text
        err = r.json()["error"]
        assert err["code"] == "quota_exhausted", err
        assert f"{unit_id} has 0 quota unit(s) left for {Y}; 1 needed" in err["message"], err
        assert (await balance())["remaining"] == 0
        assert (
            ok(await settlement.get(f"/v1/graduate-cases/{decl['C']}", headers=staff()))["status"]
            == "submitted"
        )
        reason = "本单位2025年度引进毕业生指标已用完（指标不足）"
        refused = ok(
            await settlement.post(
                f"/v1/graduate-cases/{decl['C']}/refuse", headers=staff(), json={"reason": reason}
            )
        )
        assert refused["status"] == "refused" and refused["decision_reason"] == reason
        assert refused["name"] == c.name and refused["quota_treatment"] == "counted"

        case_d = ok(
            await settlement.post(f"/v1/graduate-cases/{decl['D']}/approve", headers=staff(), json={})
        )
        assert case_d["status"] == "approved" and case_d["quota_treatment"] == "direct"
        acc = await balance()
        assert (acc["allocated"], acc["used"], acc["returned"], acc["remaining"]) == (2, 2, 0, 0)

        # ---- 接收函: issued with the approval, as a PDF ------------------------------------------------
        receiving: dict[str, str] = {}
        for k in ("A", "B", "D"):
            case = ok(await settlement.get(f"/v1/graduate-cases/{decl[k]}", headers=staff()))
            (letter,) = [x for x in case["letters"] if x["letter_type"] == "receiving_letter"]
            assert letter["status"] == "issued" and letter["serial_number"].startswith(f"GRD-{Y}-JS-")
            receiving[k] = letter["serial_number"]
        assert len(set(receiving.values())) == 3
        assert not ok(await settlement.get(f"/v1/graduate-cases/{decl['C']}", headers=staff()))["letters"]
        pdf = await settlement.get(f"/v1/letters/{receiving['A']}/pdf", headers=staff())
        assert pdf.status_code == 200 and pdf.headers["content-type"].startswith("application/pdf")
        assert pdf.content.startswith(b"%PDF")

        # graduate.decided reaches intake: the declarations show the bureau's decision.
        async def decided() -> bool:
            statuses = {}
            for k, i in decl.items():
                statuses[k] = ok(await intake.get(f"/v1/graduate-declarations/{i}", headers=staff()))[
                    "status"
                ]
            return statuses == {"A": "approved", "B": "approved", "C": "refused", "D": "approved"}

        await until(decided, WAIT, "intake to show the bureau's decisions")
        view_c = ok(await intake.get(f"/v1/graduate-declarations/{decl['C']}", headers=employer_h()))
        assert view_c["decision"]["decision"] == "refused" and view_c["decision"]["reason"] == reason
        view_d = ok(await intake.get(f"/v1/graduate-declarations/{decl['D']}", headers=employer_h()))
        assert view_d["decision"]["quota"] == "direct"

        # ---- reporting for duty; a revocation during probation gives the unit back -----------------------
        clock.set(DUTY_AT)
        await relogin()
        for g in (a, b, d):
            case = ok(
                await settlement.post(
                    f"/v1/supervising-units/{unit_id}/graduate-cases/{decl[g.key]}/report-duty",
                    headers=unit_h(),
                    json={"diploma_number": g.diploma_no, "degree_number": g.degree_no},
                )
            )
            assert case["status"] == "reported" and case["reported_on"] == DUTY_AT.date().isoformat(), case
            # The employer pays the graduate's pension insurance from the month of reporting for duty.
            ok(
                await reg.http.put(
                    f"{reg.urls['social_insurance']}/_admin/people",
                    json={
                        "id_number": g.id_number,
                        "name": g.name,
                        "social_insurance": [
                            {
                                "insurance": "pension",
                                "from": f"{Y}-07",
                                "to": f"{Y + 1}-02",
                                "district": "110108",
                                "unit": EMPLOYER_CODE,
                            }
                        ],
                    },
                )
            )

        ok(
            await settlement.post(
                f"/v1/supervising-units/{unit_id}/graduate-cases/{decl['B']}/revocation",
                headers=unit_h(),
                json={"reason": "试用期内本人离职，用人单位申请撤销"},
            )
        )
        revoked = ok(
            await settlement.post(
                f"/v1/graduate-cases/{decl['B']}/revocation/approve", headers=staff(), json={}
            )
        )
        assert revoked["status"] == "revoked", revoked
        (letter_b,) = [x for x in revoked["letters"] if x["letter_type"] == "receiving_letter"]
        assert letter_b["status"] == "revoked"
        acc = await balance()
        assert (acc["used"], acc["returned"], acc["remaining"]) == (2, 1, 1)

        # ---- Y+1: the settlement check against the registries, and the 报户口介绍信 -----------------------
        clock.set(SETTLEMENT_AT)
        await relogin()
        for k in ("A", "D"):
            case = ok(
                await settlement.post(
                    f"/v1/supervising-units/{unit_id}/graduate-cases/{decl[k]}/settlement", headers=unit_h()
                )
            )
            assert case["status"] == "settlement_requested" and case["settlement_deadline"]["due_date"], case

        async def settled() -> dict[str, Any] | None:
            out = {}
            for k in ("A", "D"):
                case = ok(await settlement.get(f"/v1/graduate-cases/{decl[k]}", headers=staff()))
                if case["status"] != "settled":
                    assert case["status"] == "settlement_requested", case
                    return None
                out[k] = case
            return out

        final = await until(settled, WAIT, "the settlement checks of review and the hukou letters")
        hukou: dict[str, str] = {}
        for k, case in final.items():
            assert case["settlement_passed"] is True
            types = {x["letter_type"]: x for x in case["letters"]}
            assert types["receiving_letter"]["status"] == "issued"
            assert types["hukou_letter"]["status"] == "issued"
            assert types["hukou_letter"]["serial_number"].startswith(f"GRD-{Y + 1}-HK-")  # year of issue
            hukou[k] = types["hukou_letter"]["serial_number"]
        letters = ok(
            await settlement.get("/v1/letters", headers=staff(), params={"application_id": decl["A"]})
        )
        assert sorted(x["letter_type"] for x in letters["items"]) == ["hukou_letter", "receiving_letter"]
        pdf = await settlement.get(f"/v1/letters/{hukou['A']}/pdf", headers=staff())
        assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF")
        checks = ok(
            await review.get("/v1/graduate-settlement-checks", headers=staff(), params={"passed": "true"})
        )
        assert {x["declaration_id"] for x in checks["items"]} == {decl["A"], decl["D"]}

        # ---- the year-end account (年终执行情况) ------------------------------------------------------
        account = ok(await settlement.get(f"/v1/quotas/{Y}/account", headers=staff()))
        (line,) = [u for u in account["units"] if u["supervising_unit_id"] == unit_id]
        expected = {
            "allocated": 2,
            "reallocated_in": 0,
            "reallocated_out": 0,
            "used": 2,
            "returned": 1,
            "remaining": 1,
            "not_counted": 0,
            "separate_plan": 0,
            "direct": 1,
        }
        assert {k: line[k] for k in expected} == expected, line
        assert {k: account["total"][k] for k in expected} == expected, account["total"]
        export = await settlement.get(f"/v1/quotas/{Y}/account.csv", headers=staff())
        assert export.status_code == 200, export.text
        rows = {r[0]: r for r in csv.reader(io.StringIO(export.content.decode("utf-8-sig")))}
        header = rows["supervising_unit_id"]
        for who in (unit_id, "TOTAL"):
            assert {k: int(rows[who][header.index(k)]) for k in expected} == expected, rows[who]
        final_states = {
            key_of[i]: ok(await settlement.get(f"/v1/graduate-cases/{i}", headers=staff()))["status"]
            for i in decl.values()
        }
        assert final_states == {"A": "settled", "B": "revoked", "C": "refused", "D": "settled"}
    print(f"graduate round: {time.monotonic() - started:.1f}s")
