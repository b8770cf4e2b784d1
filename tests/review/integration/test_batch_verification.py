"""Batch data exchange through review's worker: many waiting applications are verified with batch
requests per department, each exactly as the single path verifies it (the same facts and statuses as
the domain rules give on the single look-ups' answers), and a worker that crashes half-way through a
batch leaves every application verified once or still waiting (never a second verification.completed)."""

from __future__ import annotations

import asyncio
from collections import Counter
from typing import Any

import pytest

from services.review.domain.compare import verify
from services.review.domain.model import DEPARTMENTS, Identity
from services.review.handlers.verification import FinishVerification
from services.review.jobs import VerificationJob
from services.review.mock_registries.population import (
    DIFFERENCES,
    SyntheticPerson,
    declaration_for,
    generate_population,
)
from services.review.worker import make_departments
from tests.review.integration.stack import Stack, review_stack
from tests.review.support import answers_for, registry_apps
from tests.support.infra import Infra

pytestmark = pytest.mark.integration

KNOWN = list(generate_population(36, seed=8080))
#: Valid people the registries do not know.
STRANGERS = list(generate_population(4, seed=9090))
DIFFS = sorted(DIFFERENCES)


def declarations() -> list[tuple[str, SyntheticPerson, dict[str, Any]]]:
    out = []
    for i, p in enumerate([*KNOWN, *STRANGERS]):
        app_id = f"B-{i}"
        differences = [DIFFS[i % len(DIFFS)]] if i % 3 == 0 else []
        out.append((app_id, p, declaration_for(p, differences=differences, onsite=False)))
    return out


async def submit_all(st: Stack, apps: list[tuple[str, SyntheticPerson, dict[str, Any]]]) -> None:
    for app_id, p, declared in apps:
        await st.submit(p, app_id, declared=declared)


def completed(events: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [e for e in events if e["type"] == "verification.completed"]


async def test_waiting_applications_are_verified_in_batches_exactly_as_the_single_path_would(
    infra: Infra, topic_prefix: str
) -> None:
    apps = declarations()
    # What the single path gives: the single look-ups' answers, through the same domain rules.
    singles = registry_apps(KNOWN)
    expected = {}
    for app_id, p, declared in apps:
        answers = await answers_for(p, singles)
        out = verify(
            declared=declared,
            departments=answers,
            identity=Identity(p.birth_date.isoformat(), p.sex),  # type: ignore[arg-type]
            application_id=app_id,
        )
        assert out.facts is not None
        expected[app_id] = (out.facts, {i: r.status for i, r in out.items.items()})

    async with review_stack(
        infra, topic_prefix, KNOWN, department_batch_size=16, verify_batch_size=100
    ) as st:
        await submit_all(st, apps)
        ids = [a for a, _, _ in apps]

        async def all_recorded() -> bool:
            return bool(await st.scalar("SELECT count(*) FROM applications") == len(ids))

        # The applications wait (recorded by the consumer) before the verification job takes them.
        worker = await st.start_worker()
        await st.wait_until(all_recorded, what="recorded")
        await st.wait_for_status(ids, "completed", timeout_s=60)
        events = completed(await st.published_events(len(ids)))
        assert Counter(e["subject"] for e in events) == dict.fromkeys(ids, 1)
        for e in events:
            facts, statuses = expected[e["subject"]]
            assert e["data"]["facts"] == facts
            assert {s["indicator"]: s["status"] for s in e["data"]["statuses"]} == statuses
        # Strangers: every department answered "no record" (not_found), as a single query says.
        strangers = {f"B-{len(KNOWN) + k}" for k in range(len(STRANGERS))}
        rows = await st.rows("SELECT application_id, department, outcome, request_id FROM department_checks")
        assert Counter(r["application_id"] for r in rows) == dict.fromkeys(ids, 4)
        for r in rows:
            assert r["outcome"] == ("not_found" if r["application_id"] in strangers else "answered")
        # Far fewer requests than applications × departments: batches (request ids "batch:query").
        batched = [r for r in rows if ":" in r["request_id"]]
        assert len(batched) >= len(rows) // 2
        for dept in DEPARTMENTS:
            assert st.registries[dept].state.calls < len(ids) / 2, dept
        assert worker is not None


class CrashingJob(VerificationJob):
    """A verification job whose process dies once 10 applications of a claimed batch are stored: the
    others are never stored (nor released: a crash cannot)."""

    def __init__(self, *args: Any) -> None:
        super().__init__(*args)
        self.finished: list[str] = []
        self.lost: list[str] = []
        self.commands: list[FinishVerification] = []

    async def _finish(self, commands: list[FinishVerification]) -> None:
        self.commands += commands
        keep = commands[: max(0, 10 - len(self.finished))]
        self.finished += [c.application_id for c in keep]
        self.lost += [c.application_id for c in commands[len(keep) :]]
        if keep:
            await super()._finish(keep)


async def test_a_crash_in_the_middle_of_a_batch_leaves_each_application_verified_once_or_waiting(
    infra: Infra, topic_prefix: str
) -> None:
    apps = declarations()[:24]
    ids = [a for a, _, _ in apps]
    async with review_stack(
        infra, topic_prefix, KNOWN, verify_lease_s=1, pending_retry_initial_s=0.1, pending_retry_max_s=0.1
    ) as st:
        for d in DEPARTMENTS:  # recorded, asked once, waiting for every department
            st.registries[d].set_faults(down=True)
        await st.start_worker()
        await submit_all(st, apps)
        await st.wait_for_status(ids, "pending_department")
        await st.stop_workers()
        for d in DEPARTMENTS:
            st.registries[d].set_faults()
        await asyncio.sleep(0.3)  # due again, and the breakers (0.2 s) half-open

        departments = make_departments(st.settings, st.ctx)
        try:
            crashing = CrashingJob(st.ctx, departments.adapters)
            assert await crashing.run_once() == len(ids)
            assert len(crashing.finished) == 10 and len(crashing.lost) == len(ids) - 10
            statuses = await st.statuses()
            assert {statuses[a] for a in crashing.finished} == {"completed"}
            assert {statuses[a] for a in crashing.lost} == {"pending_department"}  # still claimed
            assert await st.scalar("SELECT count(*) FROM applications WHERE claim_token IS NOT NULL") == 14

            # The crashed worker's finish replayed (a retry after a lost commit acknowledgement):
            # the application is settled already, nothing is emitted again.
            await VerificationJob._finish(crashing, crashing.commands[:1])
            assert crashing.completed == 10

            # Another worker takes the lost ones over once their leases run out.
            await asyncio.sleep(1.1)
            job = VerificationJob(st.ctx, departments.adapters)
            assert await job.run_once() == len(ids) - 10
            assert await job.run_once() == 0
        finally:
            await departments.aclose()
        assert set((await st.statuses()).values()) == {"completed"}
        per_app = await st.rows(
            "SELECT key, count(*) AS n FROM outbox WHERE event_type = 'verification.completed' GROUP BY key"
        )
        assert {r["key"]: r["n"] for r in per_app} == dict.fromkeys(ids, 1)
        assert await st.scalar("SELECT count(*) FROM verified_facts") == len(ids)
        # Down, then back: the waiting applications were asked again in batches. (The replayed finish
        # stored its evidence a second time: evidence is append-only, the verification was not repeated.)
        answered = await st.rows(
            "SELECT application_id, department, request_id FROM department_checks WHERE outcome <> 'unavailable'"
        )
        assert len(answered) == 4 * len(ids) + 4 and all(":" in r["request_id"] for r in answered)
        assert len({(r["application_id"], r["department"]) for r in answered}) == 4 * len(ids)
