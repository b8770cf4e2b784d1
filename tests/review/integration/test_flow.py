"""The whole flow through the real broker: application.submitted → department checks over HTTP →
verification.completed, also with a flaky registry, and with a registry down for a while."""

from __future__ import annotations

import asyncio
from collections import Counter
from typing import Any

import pytest

from services.review.mock_registries.population import (
    DIFFERENCES,
    declaration_for,
    generate_population,
    truth_facts,
)
from shared.events.envelope import Envelope
from tests.review.integration.stack import review_stack
from tests.review.support import canonical_facts, schema_errors
from tests.support.infra import Infra

pytestmark = pytest.mark.integration

PEOPLE = generate_population(40, seed=4040)


def completed(events: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [e for e in events if e["type"] == "verification.completed"]


async def test_submitted_applications_are_verified_and_emitted_with_facts_in_the_contract_shape(
    infra: Infra, topic_prefix: str
) -> None:
    people = PEOPLE[:10]
    async with review_stack(infra, topic_prefix, people) as st:
        await st.start_worker()
        ids = [f"A-{i}" for i in range(len(people))]
        for i, p in enumerate(people[:7]):
            await st.submit(p, ids[i], onsite=False)
        differing = {ids[7]: "income_tax_higher", ids[8]: "birth_date_changed", ids[9]: "owned_home_claimed"}
        for i in (7, 8, 9):
            await st.submit(people[i], ids[i], onsite=False, differences=[differing[ids[i]]])
        await st.wait_for_status(ids, "completed")
        events = completed(await st.published_events(len(ids)))
        assert sorted(e["subject"] for e in events) == sorted(ids)
        for e in events:
            env = Envelope.model_validate(e)
            data = env.data
            i = ids.index(data["application_id"])
            assert env.subject == data["application_id"] and data["revision"] == 1
            assert data["declaration_revision"] == 1 and data["trigger"] == "verification"
            assert env.correlation_id == f"c-{data['application_id']}"  # the submission's correlation id
            assert schema_errors(data["facts"]) == []
            # Matching or not, the verified facts are the registry truth.
            assert data["facts"] == canonical_facts(
                truth_facts(people[i], onsite=False, application_id=ids[i])
            )
            st_by_item = {s["indicator"]: s["status"] for s in data["statuses"]}
            if ids[i] in differing:
                item = DIFFERENCES[differing[ids[i]]]
                assert st_by_item[item] in ("corrected", "not_found")
            else:
                assert set(st_by_item.values()) == {"confirmed"}
        # Evidence for every check: four departments per application, digests, adapter version.
        checks = await st.rows(
            "SELECT application_id, department, outcome, request_digest, adapter_version FROM department_checks"
        )
        assert Counter(c["application_id"] for c in checks) == dict.fromkeys(ids, 4)
        assert all(c["request_digest"].startswith("hmac-sha256:") for c in checks)

        # A resubmission (new declaration revision) is verified again: a second facts revision.
        await st.submit(people[7], ids[7], revision=2, onsite=False)

        async def reverified() -> bool:
            return (
                await st.scalar("SELECT facts_revision FROM applications WHERE application_id = :a", a=ids[7])
            ) == 2

        await st.wait_until(reverified, what="re-verification")
        events = completed(await st.published_events(len(ids) + 1))
        again = [e["data"] for e in events if e["subject"] == ids[7] and e["data"]["revision"] == 2]
        assert len(again) == 1 and again[0]["declaration_revision"] == 2
        assert set(s["status"] for s in again[0]["statuses"]) == {"confirmed"}
        # A stale or duplicate revision changes nothing.
        await st.submit(people[7], ids[7], revision=1, onsite=False)
        r = await st.api.get(f"/v1/verifications/{ids[7]}", headers=st.headers())
        assert r.status_code == 200
        body = r.json()
        assert body["declaration_revision"] == 2 and body["status"] == "completed"
        assert [h["facts_revision"] for h in body["facts_revisions"]] == [1, 2]
        assert {i["item"] for i in body["items"]} >= {"employment", "housing", "age", "residence_permit"}
        ev = await st.api.get(f"/v1/verifications/{ids[7]}/evidence", headers=st.headers())
        assert ev.json()["total"] == 8 and all(x["adapter_version"] for x in ev.json()["items"])


@pytest.mark.parametrize("batch", [False, True], ids=["single", "batch"])
async def test_with_one_registry_failing_30_percent_of_calls_every_application_completes_once(
    infra: Infra, topic_prefix: str, batch: bool
) -> None:
    people = PEOPLE[:20]
    async with review_stack(infra, topic_prefix, people, department_batch=batch) as st:
        # Batches are few: the tax registry first fails every call, then 30% of them.
        st.registries["tax"].set_faults(failure_rate=1.0 if batch else 0.3, latency_ms=5)
        st.registries["housing"].set_faults(rate_limit_rate=0.1, retry_after_s=0.05)
        ids = [f"F-{i}" for i in range(len(people))]
        for i, p in enumerate(people):
            await st.submit(p, ids[i], onsite=False)
        await st.start_worker()
        if batch:

            async def failed_twice() -> bool:
                return bool(st.registries["tax"].state.injected["failure"] >= 2)

            await st.wait_until(failed_twice, what="tax failures")
            st.registries["tax"].set_faults(failure_rate=0.3, latency_ms=5)
        await st.wait_for_status(ids, "completed", timeout_s=45)
        events = completed(await st.published_events(len(ids)))
        assert Counter(e["subject"] for e in events) == dict.fromkeys(ids, 1)
        assert st.registries["tax"].state.injected["failure"] > 0
        for e in events:
            assert schema_errors(e["data"]["facts"]) == []
        assert await st.scalar("SELECT count(*) FROM verified_facts") == len(ids)
        if not batch:  # one request per application and department: no batch request ids
            rows = await st.rows("SELECT request_id FROM department_checks")
            assert rows and all(":" not in r["request_id"] for r in rows)


async def test_a_registry_down_for_a_while_then_back_completes_every_waiting_application_once(
    infra: Infra, topic_prefix: str
) -> None:
    people = PEOPLE[20:32]
    async with review_stack(infra, topic_prefix, people) as st:
        st.registries["police"].set_faults(down=True)
        await st.start_worker()
        ids = [f"D-{i}" for i in range(len(people))]
        for i, p in enumerate(people):
            await st.submit(p, ids[i], onsite=False)
        await st.wait_for_status(ids, "pending_department")

        # Staff see the waiting applications, and for which department.
        r = await st.api.get(
            "/v1/verifications",
            params={"status": "pending_department", "department": "police"},
            headers=st.headers(),
        )
        assert r.status_code == 200 and r.json()["total"] == len(ids)
        item = r.json()["items"][0]
        assert item["waiting_departments"] == ["police"] and "police" in item["last_error"]
        detail = (await st.api.get(f"/v1/verifications/{ids[0]}", headers=st.headers())).json()
        statuses = {i["item"]: i["status"] for i in detail["items"]}
        assert statuses["age"] == "pending_department" and statuses["employment"] == "confirmed"

        async def retried() -> bool:
            return bool(await st.scalar("SELECT min(attempts) FROM applications") >= 2)

        await st.wait_until(retried, what="automatic retries")
        # The worker stops (a restart) while they wait; the registry comes back; two workers start.
        await st.stop_workers()
        # Half of them as a crashed worker would leave them: claimed, the lease still running for 1 s.
        crashed = await st.scalar(
            "WITH c AS (UPDATE applications SET claim_token = gen_random_uuid(), "
            "claimed_until = now() + interval '1 second', next_attempt_at = now() "
            "WHERE application_id IN (SELECT application_id FROM applications ORDER BY 1 LIMIT 6) RETURNING 1) "
            "SELECT count(*) FROM c"
        )
        assert crashed == 6
        st.registries["police"].set_faults()
        await st.start_worker()
        await st.start_worker()
        await st.wait_for_status(ids, "completed", timeout_s=40)
        events = completed(await st.published_events(len(ids)))
        assert Counter(e["subject"] for e in events) == dict.fromkeys(ids, 1), "none verified twice"
        assert await st.scalar("SELECT count(*) FROM verified_facts") == len(ids)
        # The departments that had answered were not asked again.
        per_dept = await st.rows(
            "SELECT department, count(*) AS n FROM department_checks WHERE outcome <> 'unavailable' GROUP BY department"
        )
        assert {r["department"]: r["n"] for r in per_dept} == dict.fromkeys(
            ("social_insurance", "tax", "police", "housing"), len(ids)
        )


async def test_staff_can_retry_waiting_applications_at_once(infra: Infra, topic_prefix: str) -> None:
    people = PEOPLE[32:36]
    async with review_stack(
        infra, topic_prefix, people, pending_retry_initial_s=600, pending_retry_max_s=600
    ) as st:
        st.registries["tax"].set_faults(down=True)
        await st.start_worker()
        ids = [f"R-{i}" for i in range(len(people))]
        for i, p in enumerate(people):
            await st.submit(p, ids[i], onsite=False)
        await st.wait_for_status(ids, "pending_department")
        st.registries["tax"].set_faults()
        # The department is back; the staff retry comes after the worker's circuit breaker for it has
        # half-opened (breaker_open_s=0.2 here): a retry while it is still open fails fast, by design.
        await asyncio.sleep(0.5)
        r = await st.api.post(f"/v1/verifications/{ids[0]}/retry", headers=st.headers())
        assert r.status_code == 200 and r.json() == {"scheduled": 1}
        await st.wait_for_status(ids[:1], "completed")
        assert (await st.statuses())[
            ids[1]
        ] == "pending_department"  # the others still wait (next try in 10 min)
        r = await st.api.post(
            "/v1/verifications/retry", json={"department": "tax"}, headers=st.headers("operations_admin")
        )
        assert r.status_code == 200 and r.json() == {"scheduled": len(ids) - 1}
        await st.wait_for_status(ids, "completed")
        r = await st.api.post(f"/v1/verifications/{ids[0]}/retry", headers=st.headers())
        assert r.status_code == 409 and r.json()["error"]["code"] == "not_waiting"
        r = await st.api.post("/v1/verifications/retry", json={"department": "nobody"}, headers=st.headers())
        assert r.status_code == 422 and r.json()["error"]["details"][0]["field"] == "department"


async def test_an_undecryptable_or_invalid_submission_is_dead_lettered_not_retried_forever(
    infra: Infra, topic_prefix: str
) -> None:
    async with review_stack(infra, topic_prefix, PEOPLE[:2]) as st:
        await st.start_worker()
        bad = declaration_for(PEOPLE[0], onsite=False)
        bad["social_insurance"][0]["district"] = "999999"
        await st.submit(PEOPLE[0], "X-1", declared=bad)
        await st.submit(PEOPLE[1], "X-2", onsite=False)
        await st.wait_for_status(["X-2"], "completed")

        async def dead_lettered() -> bool:
            return bool(await st.scalar("SELECT count(*) FROM dead_letters") >= 1)

        await st.wait_until(dead_lettered, what="dead letter")
        row = (await st.rows("SELECT reason_code, error FROM dead_letters"))[0]
        # application.submitted v2 carries PointsFacts: the event registry refuses the invalid facts of a
        # v1 event before the handler runs (it used to be the handler's ``invalid_declaration``).
        assert row["reason_code"] == "invalid_payload"
        assert "999999" not in row["error"] and "social_insurance" in row["error"]
