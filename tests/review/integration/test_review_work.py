"""Bureau staff and partner departments at work: on-site review, rechecks and appeals gated by the
round's phase (filed by staff, or by the applicant for their own application), department pushes (202,
then a callback), permissions and validation."""

from __future__ import annotations

from typing import Any

import httpx
import pytest
from fastapi import FastAPI, Request

from services.review.domain.callbacks import verify_signature
from services.review.mock_registries.app import create_registry_app
from services.review.mock_registries.population import generate_population, truth_facts
from tests.review.integration.stack import CALLBACK_SECRETS, DEPARTMENT_KEYS, review_stack
from tests.review.support import RegistryServer, canonical_facts, schema_errors
from tests.support.infra import Infra

pytestmark = pytest.mark.integration

PEOPLE = generate_population(80, seed=5150)
ONSITE_PERSON = next(p for p in PEOPLE if p.education and p.innovation)
PLAIN = [p for p in PEOPLE if p is not ONSITE_PERSON][:3]
NEW_HOME = {
    "kind": "owned",
    "from": "2020-01",
    "to": "2023-12",
    "district": "110112",
    "residential": True,
    "certified": True,
}


def completed(events: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [e["data"] for e in events if e["type"] == "verification.completed"]


async def test_onsite_review_completes_verification_and_rechecks_and_appeals_follow_the_phases(
    infra: Infra, topic_prefix: str
) -> None:
    async with review_stack(infra, topic_prefix, [ONSITE_PERSON]) as st:
        await st.start_worker()
        await st.phase("declaration")
        await st.submit(ONSITE_PERSON, "O-1")
        await st.wait_for_status(["O-1"], "onsite_review")
        staff = st.headers()

        # Permissions: no token 401, another role 403.
        assert (await st.api.get("/v1/onsite-tasks")).status_code == 401
        r = await st.api.get("/v1/onsite-tasks", headers=st.headers("applicant"))
        assert r.status_code == 403 and r.json()["error"]["code"] == "forbidden"

        page = (await st.api.get("/v1/onsite-tasks", params={"application_id": "O-1"}, headers=staff)).json()
        topics = {t["topic"]: t for t in page["items"]}
        assert {"education", "innovation"} <= set(topics)
        edu = topics["education"]
        assert edu["status"] == "open" and edu["declared"] == list(ONSITE_PERSON.education)

        # Validation: 422 in the shared error shape, never 500.
        r = await st.api.post(
            f"/v1/onsite-tasks/{edu['id']}/decision",
            json={"decision": "corrected", "reviewer": "王审核", "note": "x"},
            headers=staff,
        )
        assert r.status_code == 422 and r.json()["error"]["details"][0]["field"] == "value"
        r = await st.api.post(
            f"/v1/onsite-tasks/{edu['id']}/decision",
            json={"decision": "corrected", "reviewer": "王审核", "note": "x", "value": [{"level": "phd"}]},
            headers=staff,
        )
        assert r.status_code == 422 and r.json()["error"]["details"][0]["field"].startswith("value[0]")
        r = await st.api.post(
            f"/v1/onsite-tasks/{edu['id']}/decision", json={"decision": "maybe"}, headers=staff
        )
        assert r.status_code == 422 and {d["field"] for d in r.json()["error"]["details"]} >= {
            "decision",
            "reviewer",
        }
        r = await st.api.post(
            "/v1/onsite-tasks/0/decision",
            json={"decision": "confirmed", "reviewer": "a", "note": "b"},
            headers=staff,
        )
        assert r.status_code == 422

        # Inputs the database could not store are refused as 422 too, never a 500.
        r = await st.api.post(
            f"/v1/onsite-tasks/{2**70}/decision", json={"decision": "confirmed"}, headers=staff
        )
        assert r.status_code == 422
        r = await st.api.post(
            f"/v1/onsite-tasks/{edu['id']}/decision",
            json={"decision": "confirmed", "reviewer": "a\u0000", "note": "n"},
            headers=staff,
        )
        assert r.status_code == 422 and r.json()["error"]["details"][0]["field"] == "reviewer"
        r = await st.api.get("/v1/onsite-tasks", params={"application_id": "O\x001"}, headers=staff)
        assert r.status_code == 422
        r = await st.api.post(
            "/v1/review-requests", content=b"{not json", headers={**staff, "content-type": "application/json"}
        )
        assert r.status_code == 422 and r.json()["error"]["code"] == "validation_failed"

        for t in page["items"]:
            r = await st.api.post(
                f"/v1/onsite-tasks/{t['id']}/decision",
                json={"decision": "confirmed", "reviewer": "王审核", "note": "原件核验一致"},
                headers=staff,
            )
            assert (
                r.status_code == 200
                and r.json()["status"] == "decided"
                and r.json()["decided_by"] == "staff-1"
            )
        r = await st.api.post(
            f"/v1/onsite-tasks/{edu['id']}/decision",
            json={"decision": "rejected", "reviewer": "王审核", "note": "again"},
            headers=staff,
        )
        assert r.status_code == 409
        await st.wait_for_status(["O-1"], "completed")
        [first] = completed(await st.published_events(1))
        assert first["trigger"] == "onsite_review" and first["revision"] == 1
        assert first["facts"] == canonical_facts(
            truth_facts(ONSITE_PERSON, application_id="O-1") | {"policy_version": "bj-points-2020"}
        )

        # Declaration phase: a recheck yes, an appeal no (409 naming the phase and its dates).
        r = await st.api.post(
            "/v1/review-requests",
            json={"application_id": "O-1", "kind": "appeal", "item": "honours", "reason": "r"},
            headers=staff,
        )
        assert r.status_code == 409 and r.json()["error"]["code"] == "out_of_phase"
        assert "declaration (2024-03-01 – 2024-03-20)" in r.json()["error"]["message"]
        r = await st.api.post(
            "/v1/review-requests",
            json={"application_id": "O-1", "kind": "recheck", "item": "housing", "reason": "产权证已取得"},
            headers=staff,
        )
        assert r.status_code == 201, r.text
        recheck = r.json()
        r = await st.api.post(
            "/v1/review-requests",
            json={"application_id": "O-1", "kind": "recheck", "item": "housing", "reason": "again"},
            headers=staff,
        )
        assert r.status_code == 409 and r.json()["error"]["code"] == "already_requested"
        r = await st.api.post(
            f"/v1/review-requests/{recheck['id']}/decision",
            json={
                "outcome": "changed",
                "reviewer": "李复核",
                "note": "补充产权证书",
                "value": [{**NEW_HOME, "kind": "rented"}],
            },
            headers=staff,
        )
        assert r.status_code == 422  # a recheck of the own home takes own-home records only
        r = await st.api.post(
            f"/v1/review-requests/{recheck['id']}/decision",
            json={"outcome": "changed", "reviewer": "李复核", "note": "补充产权证书", "value": [NEW_HOME]},
            headers=staff,
        )
        assert r.status_code == 200 and r.json()["facts_revision"] == 2
        events = completed(await st.published_events(2))
        second = next(e for e in events if e["revision"] == 2)
        assert second["trigger"] == "recheck" and schema_errors(second["facts"]) == []
        assert NEW_HOME in second["facts"]["housing"]
        assert {s["indicator"]: s["status"] for s in second["statuses"]}["housing"] == "corrected"

        # Results-query phase: an appeal yes, a recheck no; "unchanged" emits nothing new.
        await st.phase("results_query", "declaration")

        async def in_results_query() -> bool:
            return await st.scalar("SELECT phase FROM rounds") == "results_query"

        await st.wait_until(in_results_query, what="phase")
        r = await st.api.post(
            "/v1/review-requests",
            json={"application_id": "O-1", "kind": "recheck", "item": "innovation", "reason": "r"},
            headers=staff,
        )
        assert r.status_code == 409
        r = await st.api.post(
            "/v1/review-requests",
            json={"application_id": "O-1", "kind": "appeal", "item": "innovation", "reason": "奖项名次有误"},
            headers=staff,
        )
        assert r.status_code == 201
        r = await st.api.post(
            f"/v1/review-requests/{r.json()['id']}/decision",
            json={"outcome": "unchanged", "reviewer": "李复核", "note": "维持"},
            headers=staff,
        )
        assert (
            r.status_code == 200 and r.json()["outcome"] == "unchanged" and r.json()["facts_revision"] is None
        )
        listed = (await st.api.get("/v1/review-requests", headers=staff)).json()
        assert listed["total"] == 2
        rounds = (await st.api.get("/v1/rounds", headers=staff)).json()
        assert rounds["items"][0]["phase"] == "results_query"
        assert await st.scalar("SELECT facts_revision FROM applications") == 2

        # A resubmission that declares the same diplomas and awards keeps the on-site decisions and the
        # recheck result: it verifies again without staff, as a new facts revision.
        await st.submit(ONSITE_PERSON, "O-1", revision=2)

        async def reverified() -> bool:
            return await st.scalar("SELECT facts_revision FROM applications") == 3

        await st.wait_until(reverified, what="re-verification without staff")
        third = next(e for e in completed(await st.published_events(3)) if e["revision"] == 3)
        assert third["trigger"] == "verification" and third["declaration_revision"] == 2
        assert third["facts"] == second["facts"]
        carried = (await st.api.get("/v1/onsite-tasks", params={"status": "decided"}, headers=staff)).json()
        assert sum(
            "carried over from declaration revision 1" in (t["note"] or "") for t in carried["items"]
        ) == len(page["items"])


async def test_an_applicant_files_a_recheck_of_their_own_application_only_in_its_phase(
    infra: Infra, topic_prefix: str
) -> None:
    async with review_stack(infra, topic_prefix, PLAIN) as st:
        await st.start_worker()
        await st.phase("declaration")
        await st.submit(PLAIN[0], "A-1", onsite=False, applicant_id="acc-a")
        await st.submit(PLAIN[1], "B-1", onsite=False, applicant_id="acc-b")
        await st.submit(PLAIN[2], "L-1", onsite=False)  # an event from before intake sent applicant_id
        await st.wait_for_status(["A-1", "B-1", "L-1"], "completed")
        owners = {
            r["application_id"]: r["applicant_id"]
            for r in await st.rows("SELECT application_id, applicant_id FROM applications")
        }
        assert owners == {"A-1": "acc-a", "B-1": "acc-b", "L-1": None}
        staff = st.headers()
        alice = st.headers("applicant", "acc-a")
        bob = st.headers("applicant", "acc-b")

        def recheck(app_id: str, item: str = "housing", kind: str = "recheck") -> dict[str, str]:
            return {"application_id": app_id, "kind": kind, "item": item, "reason": "产权证已取得"}

        # Someone else's application, one without a known owner and an unknown one look alike: 404.
        unknown = await st.api.post("/v1/review-requests", json=recheck("X-9"), headers=alice)
        assert unknown.status_code == 404
        for app_id in ("B-1", "L-1"):
            r = await st.api.post("/v1/review-requests", json=recheck(app_id), headers=alice)
            assert r.status_code == 404 and r.json()["error"]["code"] == "application_not_found", r.text
            assert r.json()["error"]["message"] == unknown.json()["error"]["message"].replace("X-9", app_id)

        # Own application, wrong phase: 409 naming the phase, as for staff.
        r = await st.api.post("/v1/review-requests", json=recheck("A-1", "honours", "appeal"), headers=alice)
        assert r.status_code == 409 and r.json()["error"]["code"] == "out_of_phase"
        assert "declaration (2024-03-01 – 2024-03-20)" in r.json()["error"]["message"]

        # Own application, declaration phase: a recheck, once only (whoever files it again).
        r = await st.api.post("/v1/review-requests", json=recheck("A-1"), headers=alice)
        assert r.status_code == 201, r.text
        mine = r.json()
        assert mine["requested_by"] == "acc-a" and mine["status"] == "open" and mine["phase"] == "declaration"
        for who in (alice, staff):
            r = await st.api.post("/v1/review-requests", json=recheck("A-1"), headers=who)
            assert r.status_code == 409 and r.json()["error"]["code"] == "already_requested"

        # Applicants see their own requests only; they do not decide them.
        assert (await st.api.get("/v1/review-requests", headers=alice)).json()["total"] == 1
        assert (await st.api.get("/v1/review-requests", headers=bob)).json()["total"] == 0
        r = await st.api.get("/v1/review-requests", params={"application_id": "A-1"}, headers=bob)
        assert r.json()["total"] == 0
        r = await st.api.get(f"/v1/review-requests/{mine['id']}", headers=bob)
        assert r.status_code == 404 and r.json()["error"]["code"] == "request_not_found"
        decision = {"outcome": "changed", "reviewer": "李复核", "note": "补充产权证书", "value": [NEW_HOME]}
        r = await st.api.post(f"/v1/review-requests/{mine['id']}/decision", json=decision, headers=alice)
        assert r.status_code == 403
        assert (await st.api.get("/v1/verifications/A-1", headers=alice)).status_code == 403
        assert (await st.api.get("/v1/review-requests", headers=staff)).json()["total"] == 1

        # Staff decide it; the changed result is a new verification.completed revision.
        r = await st.api.post(f"/v1/review-requests/{mine['id']}/decision", json=decision, headers=staff)
        assert r.status_code == 200 and r.json()["facts_revision"] == 2, r.text
        events = completed(await st.published_events(4))
        second = next(e for e in events if e["application_id"] == "A-1" and e["revision"] == 2)
        assert second["trigger"] == "recheck" and schema_errors(second["facts"]) == []
        assert NEW_HOME in second["facts"]["housing"]
        assert {s["indicator"]: s["status"] for s in second["statuses"]}["housing"] == "corrected"

        # The applicant sees the decision.
        r = await st.api.get(f"/v1/review-requests/{mine['id']}", headers=alice)
        assert r.status_code == 200
        seen = r.json()
        assert seen["status"] == "decided" and seen["outcome"] == "changed" and seen["facts_revision"] == 2
        assert seen["value"] == [NEW_HOME]
        listed = (await st.api.get("/v1/review-requests", params={"status": "decided"}, headers=alice)).json()
        assert [i["id"] for i in listed["items"]] == [mine["id"]]

        # Results-query phase: no recheck any more; an appeal of the own application is possible.
        await st.phase("results_query", "declaration")

        async def in_results_query() -> bool:
            return await st.scalar("SELECT phase FROM rounds") == "results_query"

        await st.wait_until(in_results_query, what="phase")
        r = await st.api.post("/v1/review-requests", json=recheck("A-1", "innovation"), headers=alice)
        assert r.status_code == 409 and r.json()["error"]["code"] == "out_of_phase"
        r = await st.api.post("/v1/review-requests", json=recheck("B-1", "honours", "appeal"), headers=alice)
        assert r.status_code == 404
        r = await st.api.post("/v1/review-requests", json=recheck("A-1", "honours", "appeal"), headers=alice)
        assert r.status_code == 201 and r.json()["kind"] == "appeal"
        assert (await st.api.get("/v1/review-requests", headers=alice)).json()["total"] == 2


async def test_a_department_pushes_answers_and_corrections_answered_202_then_called_back(
    infra: Infra, topic_prefix: str
) -> None:
    received: list[dict[str, Any]] = []
    raw: list[tuple[bytes, dict[str, str]]] = []
    receiver_app = FastAPI()

    @receiver_app.post("/cb")
    async def cb(request: Request) -> dict[str, str]:
        raw.append((await request.body(), dict(request.headers)))
        received.append(await request.json())
        return {"ok": "yes"}

    receiver = RegistryServer(receiver_app)
    await receiver.start()
    try:
        async with review_stack(infra, topic_prefix, PLAIN) as st:
            await st.start_worker()
            await st.submit(PLAIN[0], "P-1", onsite=False)
            await st.wait_for_status(["P-1"], "completed")
            tax = {"X-API-Key": DEPARTMENT_KEYS["tax"]}
            body = {
                "application_id": "P-1",
                "kind": "correction",
                "reference": "TX-2024-1",
                "callback_url": f"{receiver.url}/cb",
                "data": {"annual_iit": [{"tax_year": 2023, "tax_paid": "250000.00"}], "penalties": []},
            }
            url = "/v1/departments/tax/submissions"
            assert (await st.api.post(url, json=body)).status_code == 401
            assert (await st.api.post(url, json=body, headers={"X-API-Key": "nope"})).json()["error"][
                "code"
            ] == "invalid_api_key"
            r = await st.api.post(url, json=body, headers={"X-API-Key": DEPARTMENT_KEYS["police"]})
            assert r.status_code == 403 and r.json()["error"]["code"] == "other_department"
            assert (await st.api.post(url, json=body, headers=st.headers())).status_code == 403
            bad = {**body, "data": {"annual_iit": [{"tax_year": 2023, "tax_paid": 250000.5}]}}
            r = await st.api.post(url, json=bad, headers=tax)
            assert r.status_code == 422 and "data" in r.json()["error"]["details"][0]["field"]
            r = await st.api.post(url, json={**body, "application_id": "nobody"}, headers=tax)
            assert r.status_code == 404

            r = await st.api.post(url, json=body, headers=tax)
            assert r.status_code == 202, r.text
            accepted = r.json()
            assert accepted["status"] == "accepted" and accepted["status_url"].endswith(
                accepted["submission_id"]
            )
            again = await st.api.post(url, json=body, headers=tax)
            assert again.status_code == 202 and again.json()["submission_id"] == accepted["submission_id"]
            r = await st.api.post(
                url, json={**body, "kind": "answer", "data": {"annual_iit": []}}, headers=tax
            )
            assert r.status_code == 409 and r.json()["error"]["code"] == "reference_reused"

            async def called_back() -> bool:
                return len(received) >= 1

            await st.wait_until(called_back, what="callback")
            assert received[0]["status"] == "applied" and received[0]["result"]["changed"] is True
            assert received[0]["result"]["facts_revision"] == 2
            # Signed: HMAC-SHA256 with the tax secret over "<timestamp>." + the body bytes as received.
            body_bytes, got = raw[0]
            ts, sig = got["x-hukou-timestamp"], got["x-hukou-signature"]
            assert sig.startswith("sha256=") and got["content-type"] == "application/json"
            assert got["x-hukou-submission-id"] == accepted["submission_id"] == received[0]["submission_id"]
            assert got["x-hukou-department"] == "tax"
            now = int(st.clock.now().timestamp())
            assert verify_signature(CALLBACK_SECRETS["tax"], ts, body_bytes, sig, now=now)
            tampered = body_bytes.replace(b'"changed":true', b'"changed":false')
            assert tampered != body_bytes
            assert not verify_signature(CALLBACK_SECRETS["tax"], ts, tampered, sig, now=now)
            assert not verify_signature(CALLBACK_SECRETS["tax"], str(int(ts) + 1), body_bytes, sig, now=now)
            assert not verify_signature(CALLBACK_SECRETS["police"], ts, body_bytes, sig, now=now)

            # The worker records the delivery once the department's answer to the callback is back: wait for it.
            async def delivered() -> bool:
                status = await st.api.get(accepted["status_url"], headers=tax)
                return status.status_code == 200 and status.json()["callback_status"] == "delivered"

            await st.wait_until(delivered, what="callback recorded as delivered")
            assert (
                await st.api.get(accepted["status_url"], headers={"X-API-Key": DEPARTMENT_KEYS["police"]})
            ).status_code == 404
            events = completed(await st.published_events(2))
            second = next(e for e in events if e["revision"] == 2)
            assert second["trigger"] == "department_correction"
            assert second["facts"]["income_tax"] == [{"year": 2023, "amount": "250000.00"}]
            assert {s["indicator"]: s["status"] for s in second["statuses"]}["tax"] == "corrected"

            # An asynchronous answer: the police registry is down; the police push their answer instead.
            st.registries["police"].set_faults(down=True)
            await st.submit(PLAIN[1], "P-2", onsite=False)
            await st.wait_for_status(["P-2"], "pending_department")
            mock = create_registry_app("police", PLAIN)
            async with httpx.AsyncClient(
                transport=httpx.ASGITransport(app=mock), base_url="http://police"
            ) as c:
                answer = (
                    await c.post(
                        "/api/v1/residents/query", json={"id_number": PLAIN[1].id_number, "request_id": "r1"}
                    )
                ).json()
            r = await st.api.post(
                "/v1/departments/police/submissions",
                json={"application_id": "P-2", "kind": "answer", "reference": "GA-77", "data": answer},
                headers={"X-API-Key": DEPARTMENT_KEYS["police"]},
            )
            assert r.status_code == 202, r.text
            await st.wait_for_status(["P-2"], "completed")
            events = completed(await st.published_events(3))
            p2 = [e for e in events if e["application_id"] == "P-2"]
            assert len(p2) == 1 and p2[0]["trigger"] in ("department_answer", "verification")
            assert p2[0]["facts"] == canonical_facts(
                truth_facts(PLAIN[1], onsite=False, application_id="P-2")
            )
    finally:
        await receiver.stop()


async def test_a_callback_url_off_the_allow_list_or_without_a_secret_is_a_422(
    infra: Infra, topic_prefix: str
) -> None:
    secrets = {d: s for d, s in CALLBACK_SECRETS.items() if d != "police"}  # police: no callback secret
    hosts = {"tax": ["127.0.0.1", "cb.tax.example.gov.cn"], "police": ["127.0.0.1"]}
    async with review_stack(
        infra,
        topic_prefix,
        PLAIN,
        department_callback_secrets=secrets,
        department_callback_hosts=hosts,
    ) as st:
        await st.start_worker()
        await st.submit(PLAIN[0], "P-1", onsite=False)
        await st.wait_for_status(["P-1"], "completed")
        tax = {"X-API-Key": DEPARTMENT_KEYS["tax"]}
        body = {
            "application_id": "P-1",
            "kind": "correction",
            "reference": "TX-CB-1",
            "data": {"annual_iit": [{"tax_year": 2023, "tax_paid": "250000.00"}], "penalties": []},
        }
        url = "/v1/departments/tax/submissions"
        for callback_url, why in [
            ("https://evil.example.com/cb", "not on this department's callback allow-list"),
            ("https://169.254.169.254/latest/meta-data", "not on this department's callback allow-list"),
            ("https://cb.tax.example.gov.cn.evil.example.com/cb", "allow-list"),
            ("http://cb.tax.example.gov.cn/cb", "must use https"),
            ("https://user:pw@cb.tax.example.gov.cn/cb", "credentials"),
        ]:
            r = await st.api.post(url, json={**body, "callback_url": callback_url}, headers=tax)
            assert r.status_code == 422, (callback_url, r.text)
            err = r.json()["error"]
            assert err["details"][0]["field"] == "callback_url" and "callback_url" in err["message"]
            assert err["details"][0]["code"] == "callback_url_not_allowed" and why in err["message"]
        assert await st.scalar("SELECT count(*) FROM department_submissions") == 0

        # Allowed: https on an allowed host, and http on the loopback host.
        r = await st.api.post(
            url, json={**body, "callback_url": "https://CB.tax.example.gov.cn:8443/cb"}, headers=tax
        )
        assert r.status_code == 202, r.text
        r = await st.api.post(
            url,
            json={**body, "reference": "TX-CB-2", "callback_url": "http://127.0.0.1:9/cb"},
            headers=tax,
        )
        assert r.status_code == 202, r.text

        # The police have an allowed host but no secret: an unsigned callback is never sent.
        police = {"X-API-Key": DEPARTMENT_KEYS["police"]}
        push = {
            "application_id": "P-1",
            "kind": "answer",
            "reference": "GA-CB-1",
            "callback_url": "http://127.0.0.1:9/cb",
            "data": {},
        }
        r = await st.api.post("/v1/departments/police/submissions", json=push, headers=police)
        assert r.status_code == 422, r.text
        err = r.json()["error"]
        assert err["details"][0] == {
            "field": "callback_url",
            "code": "callback_not_configured",
            "message": "no callback secret",
        }
        assert "No callback secret is configured for police" in err["message"]
        # Without callback_url the push is accepted (poll status_url instead).
        r = await st.api.post(
            "/v1/departments/police/submissions",
            json={k: v for k, v in push.items() if k != "callback_url"},
            headers=police,
        )
        assert r.status_code == 202, r.text
        assert r.json()["callback_status"] == "none"


async def test_an_offset_postgresql_cannot_take_is_a_422_never_a_500(infra: Infra, topic_prefix: str) -> None:
    async with review_stack(infra, topic_prefix, []) as st:
        staff = st.headers()
        huge = 10**24  # beyond BIGINT: it used to reach PostgreSQL and answer 500
        for path in (
            "/v1/verifications",
            "/v1/verifications/O-1/evidence",
            "/v1/rounds",
            "/v1/onsite-tasks",
            "/v1/review-requests",
        ):
            r = await st.api.get(path, params={"offset": huge}, headers=staff)
            assert r.status_code == 422, (path, r.text)
            assert r.json()["error"]["details"][0]["field"] == "offset"
            r = await st.api.get(path, params={"offset": 10_000_000}, headers=staff)
            assert r.status_code in (200, 404), (path, r.text)
