"""demo.invariants against real databases: a consistent round holds every invariant; each kind of damage
(a second letter, a second score, a stuck outbox row, a dead letter, an event applied twice, a lost event, a
quota that does not balance) is caught by the check that names it."""

from __future__ import annotations

import json
import uuid
from collections.abc import AsyncIterator
from datetime import UTC, date, datetime
from typing import Any

import pytest
import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine
from sqlalchemy.pool import NullPool

from demo.invariants import NOTHING, InvariantReport, check_invariants
from shared.settings import SERVICES
from shared.validation import synthetic_resident_id
from shared.validation.identifiers import credit_code_check_character
from tests.support.infra import Infra

pytestmark = pytest.mark.integration

T = datetime(2026, 6, 1, 9, 0, tzinfo=UTC)
ROUND = "points-2026"
PHASES = [
    {"phase": p, "starts_on": f"2026-05-{i + 1:02d}", "ends_on": f"2026-05-{i + 1:02d}"}
    for i, p in enumerate(
        ["declaration", "review_summary", "results_query", "recheck_and_ranking", "publicity", "settlement"]
    )
]
#: application → (qualified, admitted, publicity outcome); None: not ranked / not on the list.
CASES: dict[str, tuple[bool, bool | None, str | None]] = {
    "A-1": (False, None, None),  # not qualified
    "A-2": (True, True, "cleared"),
    "A-3": (True, True, "disqualified"),
    "A-4": (True, False, None),  # not admitted
}
INTAKE_STATUS = {"A-1": "scored", "A-2": "letter_issued", "A-3": "disqualified", "A-4": "ranked"}
SEALED = json.dumps({"v": 1, "ct": "x"})
#: A valid unified social credit code, generated (never a literal identifier).
CREDIT_CODE = "91110108MA0000001" + credit_code_check_character("91110108MA0000001")


class World:
    def __init__(self, urls: dict[str, str]) -> None:
        self.urls = urls
        self.engines: dict[str, AsyncEngine] = {
            s: create_async_engine(u, poolclass=NullPool) for s, u in urls.items()
        }

    async def sql(
        self, svc: str, statement: str, rows: list[dict[str, Any]] | dict[str, Any] | None = None
    ) -> None:
        async with self.engines[svc].begin() as conn:
            await conn.execute(sa.text(statement), rows or {})

    async def check(self, **kw: Any) -> InvariantReport:
        return await check_invariants(self.urls, settle_s=0, **kw)

    async def close(self) -> None:
        for e in self.engines.values():
            await e.dispose()

    async def seed(self) -> None:
        """One points round after its publicity: one application of each final state, every row where it
        belongs (publicity's staging rows purged once its list was prepared, as publicity does)."""
        await self.sql(
            "intake",
            "INSERT INTO rounds (id, program, year, policy_version, quota, phases, created_at, created_by, "
            "announced_index) VALUES (:id, 'points', 2026, 'points-2018', 2, CAST(:phases AS jsonb), :t, 'staff', 5)",
            {"id": ROUND, "phases": json.dumps(PHASES), "t": T},
        )
        await self.sql(
            "intake",
            "INSERT INTO employers (id, credit_code, name, tax_registered, registered_at) "
            "VALUES ('E-1', :code, '示范公司', true, :t)",
            {"code": CREDIT_CODE, "t": T},
        )
        for n, app in enumerate(CASES):
            acc = f"U-{n}"
            await self.sql(
                "intake",
                "INSERT INTO accounts (id, username, password_hash, role, name, created_at) "
                "VALUES (:id, :u, 'x', 'applicant', '张三', :t)",
                {"id": acc, "u": f"user{n}", "t": T},
            )
            await self.sql(
                "intake",
                "INSERT INTO affiliations (id, applicant_id, employer_id, status, created_at) "
                "VALUES (:id, :acc, 'E-1', 'confirmed', :t)",
                {"id": f"F-{n}", "acc": acc, "t": T},
            )
            id_number = synthetic_resident_id(date(1990, 1, 1 + n), 1, "110105")
            await self.sql(
                "intake",
                "INSERT INTO applications (id, round_id, applicant_id, employer_id, affiliation_id, status, "
                "declaration_status, revision, name, phone, id_number_sealed, id_number_masked, id_digest, "
                "birth_year_month, facts, submitted_at, created_at, updated_at) VALUES (:id, :r, :acc, 'E-1', "
                ":aff, :status, 'submitted', 1, '张三', '13900000000', CAST(:sealed AS jsonb), :masked, :digest, "
                "'1990-01', '{}'::jsonb, :t, :t, :t)",
                {
                    "id": app,
                    "r": ROUND,
                    "acc": acc,
                    "aff": f"F-{n}",
                    "status": INTAKE_STATUS[app],
                    "sealed": SEALED,
                    "masked": id_number[:6] + "********" + id_number[-4:],
                    "digest": f"d{n}",
                    "t": T,
                },
            )
            await self.sql(
                "review",
                "INSERT INTO applications (application_id, round_id, program, name, employer_name, id_number_sealed, "
                "id_number_digest, id_birth_date, id_sex, declaration_revision, declared_facts, status, "
                "facts_revision, correlation_id, submitted_at, updated_at) VALUES (:id, :r, 'points', '张三', "
                "'示范公司', CAST(:sealed AS jsonb), :digest, '1990-01-01', 'male', 1, '{}'::jsonb, 'completed', 1, "
                "'c', :t, :t)",
                {"id": app, "r": ROUND, "sealed": SEALED, "digest": f"d{n}", "t": T},
            )
            await self.verified(app, 1)
            await self.score(app, 1, qualified=CASES[app][0])
            await self.sql(
                "settlement",
                "INSERT INTO holders (application_id, revision, round_id, program, name, birth_year_month, "
                "employer_name, employer_credit_code, id_number_sealed, updated_at) VALUES (:id, 1, :r, 'points', "
                "'张三', '1990-01', '示范公司', :code, CAST(:sealed AS jsonb), :t)",
                {"id": app, "r": ROUND, "sealed": SEALED, "code": CREDIT_CODE, "t": T},
            )
        ranked = [(a, c[1]) for a, c in CASES.items() if c[1] is not None]
        await self.sql(
            "scoring",
            "INSERT INTO rankings (ranking_id, round_id, policy_version, selection, quota, ranked_count, "
            "admitted_count, input_digest, status, created_at, created_by) VALUES ('RK-1', :r, 'points-2018', "
            "'quota', 2, :n, :adm, 'sha256:x', 'finalized', :t, 'staff')",
            {"r": ROUND, "n": len(ranked), "adm": sum(bool(a) for _, a in ranked), "t": T},
        )
        for pos, (app, admitted) in enumerate(ranked, 1):
            row = {"id": app, "pos": pos, "adm": admitted, "r": ROUND}
            await self.sql(
                "scoring",
                "INSERT INTO ranking_entries (ranking_id, position, application_id, rank, admitted, total) "
                "VALUES ('RK-1', :pos, :id, :pos, :adm, 100)",
                row,
            )
            await self.sql(
                "publicity",
                "INSERT INTO ranked (ranking_id, application_id, round_id, rank, admitted, total) "
                "VALUES ('RK-1', :id, :r, :pos, :adm, 100)",
                row,
            )
        listed = [(a, c[2]) for a, c in CASES.items() if c[2] is not None]
        await self.sql(
            "publicity",
            "INSERT INTO publicities (publicity_id, round_id, program, year, ranking_id, status, entry_count, "
            "supervision_contact, prepared_at) VALUES ('P-1', :r, 'points', 2026, 'RK-1', 'closed', :n, '-', :t)",
            {"r": ROUND, "n": len(listed), "t": T},
        )
        for no, (app, outcome) in enumerate(listed, 1):
            await self.sql(
                "publicity",
                "INSERT INTO entries (publicity_id, entry_no, application_id, name, birth_year_month, "
                "employer_name, indicators, search_text, outcome) VALUES ('P-1', :no, :id, '张三', '1990-01', "
                "'示范公司', '[]'::jsonb, '', :o)",
                {"no": no, "id": app, "o": outcome},
            )
            await self.sql(
                "settlement",
                "INSERT INTO qualifications (application_id, round_id, program, status, publicity_closed_at, "
                "publicity_closed_on, created_at, updated_at) VALUES (:id, :r, 'points', :s, :t, '2026-06-01', :t, :t)",
                {"id": app, "r": ROUND, "s": "confirmed" if outcome == "cleared" else "disqualified", "t": T},
            )
        await self.letter("A-2", 1)
        for svc in SERVICES:
            await self.sql(
                svc,
                "INSERT INTO outbox (event_id, topic, key, event_type, envelope, created_at, published_at) "
                "VALUES (:e, 'x.events', 'k', 'x.y', '{}'::jsonb, :t, :t)",
                {"e": uuid.uuid4(), "t": T},
            )
            await self.applied(svc, uuid.uuid4())

    async def verified(self, app: str, revision: int, trigger: str = "verification") -> None:
        await self.sql(
            "review",
            "INSERT INTO verified_facts (application_id, facts_revision, declaration_revision, trigger, facts, "
            "statuses, event_id, created_at) VALUES (:id, :rev, 1, :tr, '{}'::jsonb, '[]'::jsonb, :e, :t)",
            {"id": app, "rev": revision, "tr": trigger, "e": uuid.uuid4(), "t": T},
        )

    async def score(self, app: str, revision: int, *, qualified: bool) -> None:
        await self.sql(
            "scoring",
            "INSERT INTO score_results (application_id, revision, round_id, policy_version, qualified, total, facts, "
            "result, source_event_id, computed_at) VALUES (:id, :rev, :r, 'points-2018', :q, 100, '{}'::jsonb, "
            "'{}'::jsonb, :e, :t)",
            {"id": app, "rev": revision, "r": ROUND, "q": qualified, "e": str(uuid.uuid4()), "t": T},
        )

    async def letter(self, app: str, sequence: int) -> None:
        await self.sql(
            "settlement",
            "INSERT INTO letters (serial_number, program, letter_type, year, sequence, application_id, round_id, "
            "holder_name, holder_birth_year_month, employer_name, title, body, facts, authority, issued_on, "
            "issued_at, issued_by, token, verify_url) VALUES (:sn, 'points', 'points_qualification_confirmation', "
            "2026, :seq, :id, :r, '张三', '1990-01', '示范公司', 't', 'b', '{}'::jsonb, 'a', '2026-06-01', :t, "
            "'system', :tok, 'http://v')",
            {
                "sn": f"ZG-2026-{sequence:06d}",
                "seq": sequence,
                "id": app,
                "r": ROUND,
                "tok": uuid.uuid4().hex,
                "t": T,
            },
        )

    async def applied(self, svc: str, event_id: uuid.UUID, seq: int | None = None) -> None:
        detail = json.dumps({"event_id": str(event_id), "consumer": f"{svc}.main", "correlation_id": "c"})
        await self.sql(
            svc,
            "INSERT INTO audit_chain (seq, at, actor, action, subject, detail, prev_digest, digest) VALUES "
            "(COALESCE(:seq, (SELECT COALESCE(max(seq), 0) + 1 FROM audit_chain)), :t, 'system', "
            "'application.submitted', 'A-1', CAST(:d AS jsonb), :p, :p)",
            {"seq": seq, "t": T, "d": detail, "p": "0" * 64},
        )


@pytest.fixture
async def world(infra: Infra) -> AsyncIterator[World]:
    urls = {svc: await infra.fresh_database(svc) for svc in SERVICES}
    w = World(urls)
    try:
        await w.seed()
        yield w
    finally:
        await w.close()
        for url in urls.values():
            await infra.drop(url)


def failed(report: InvariantReport) -> dict[str, str]:
    return {c.name: c.detail for c in report.checks if not c.held}


async def test_a_consistent_round_holds_every_invariant(world: World) -> None:
    report = await world.check()
    assert report.held, failed(report)
    by_name = {c.name: c.detail for c in report.checks}
    assert by_name["points: every application in exactly one final state"] == (
        "4 applications: cleared 1, disqualified 1, not_admitted 1, not_qualified 1"
    )
    assert by_name["graduates: every declared graduate in exactly one final state"] == NOTHING
    assert by_name["graduates: quota balances equal allocations minus counted approvals"] == NOTHING
    assert report.as_dict()["held"] is True and len(report.as_dict()["checks"]) == len(report.checks)


async def test_a_second_letter_is_caught(world: World) -> None:
    # The schema forbids it (one letter per application and type); the invariant must not rely on that.
    await world.sql("settlement", "ALTER TABLE letters DROP CONSTRAINT uq_letters_application_type")
    await world.letter("A-2", 2)
    bad = failed(await world.check())
    assert (
        "A-2 points_qualification_confirmation×2"
        in bad["no second effect (scores, letters, list entries, events)"]
    )
    assert "A-2" in bad["points: every application in exactly one final state"]


async def test_a_second_score_is_caught(world: World) -> None:
    await world.score("A-4", 2, qualified=True)  # a revision of facts review never emitted
    bad = failed(await world.check())
    assert (
        "scores for a revision of facts review never emitted: A-4 r2"
        in bad["no second effect (scores, letters, list entries, events)"]
    )
    await world.sql("scoring", "DELETE FROM score_results WHERE revision = 2")
    await world.sql(
        "scoring", "ALTER TABLE score_results DROP CONSTRAINT uq_score_results_application_revision"
    )
    await world.score("A-4", 1, qualified=True)  # the same revision scored twice
    bad = failed(await world.check())
    assert (
        "1 facts revisions scored twice: A-4 r1"
        in bad["no second effect (scores, letters, list entries, events)"]
    )


async def test_an_unpublished_outbox_row_is_a_stuck_event(world: World) -> None:
    await world.sql(
        "scoring",
        "INSERT INTO outbox (event_id, topic, key, event_type, envelope, created_at) "
        "VALUES (:e, 'scoring.events', 'A-2', 'score.computed', '{}'::jsonb, :t)",
        {"e": uuid.uuid4(), "t": T},
    )
    bad = failed(await world.check())
    assert bad == {"no event stuck (every outbox row published)": "scoring: 1 unpublished (score.computed×1)"}


async def test_a_dead_letter_is_caught_unless_expected(world: World) -> None:
    await world.sql(
        "settlement",
        'INSERT INTO dead_letters (consumer, event_id, event_type, topic, partition, "offset", raw_value, '
        "reason_code, error, attempts, created_at) VALUES ('settlement.publicity', 'e-1', 'publicity.outcome', "
        "'publicity.events', 0, 7, '{}', 'handler_failed', 'boom', 5, :t)",
        {"t": T},
    )
    bad = failed(await world.check())
    assert list(bad) == ["no dead letter beyond those expected"]
    assert "publicity.outcome handler_failed (open)" in bad["no dead letter beyond those expected"]
    assert (await world.check(expected_dead_letters=1)).held


async def test_an_event_applied_twice_by_a_consumer_is_caught(world: World) -> None:
    event_id = uuid.uuid4()
    await world.applied("publicity", event_id)
    await world.applied("publicity", event_id)  # what a consumer without its inbox check leaves behind
    bad = failed(await world.check())
    assert (
        f"publicity: 1 events applied more than once: application.submitted {event_id} ×2"
        in bad["no second effect (scores, letters, list entries, events)"]
    )


async def test_a_lost_event_breaks_the_counts(world: World) -> None:
    await world.sql("settlement", "DELETE FROM holders WHERE application_id = 'A-1'")
    await world.sql("settlement", "DELETE FROM letters WHERE application_id = 'A-2'")
    bad = failed(await world.check())
    assert "1 submitted never reached settlement: A-1" in bad["points: counts agree across the services"]
    assert "1 in none: A-2" in bad["points: every application in exactly one final state"]


async def test_quota_balances_follow_the_approvals_that_hold_a_unit(world: World) -> None:
    await world.sql(
        "settlement",
        "INSERT INTO quota_accounts (supervising_unit_id, year, allocated, used, remaining, updated_at) "
        "VALUES ('SU-1', 2026, 5, 1, 4, :t)",
        {"t": T},
    )
    await world.sql(
        "settlement",
        "INSERT INTO quota_movements (supervising_unit_id, year, kind, amount, declaration_id, decided_by, "
        "decided_at) VALUES ('SU-1', 2026, 'allocation', 5, NULL, 'bureau', :t), "
        "('SU-1', 2026, 'use', 1, 'G-1', 'bureau', :t)",
        {"t": T},
    )
    name = "graduates: quota balances equal allocations minus counted approvals"
    bad = failed(await world.check())
    assert (
        bad[name] == "SU-1/2026: 1 units used net, but 0 approvals hold one and 0 counted graduates settled"
    )
    await world.sql(
        "settlement",
        "INSERT INTO graduate_cases (declaration_id, status, round_id, supervising_unit_id, year, quota_unit_held, "
        "created_at, updated_at) VALUES ('G-1', 'approved', 'graduates-2026', 'SU-1', 2026, true, :t, :t)",
        {"t": T},
    )
    assert name not in failed(await world.check())
    # Settled in Y+1: the case no longer holds the unit (it cannot be given back), the unit stays used.
    await world.sql(
        "settlement",
        "UPDATE graduate_cases SET status = 'settled', quota_unit_held = false, quota_treatment = 'counted' "
        "WHERE declaration_id = 'G-1'",
    )
    assert name not in failed(await world.check())
    # The schema balances an account itself; the check must not rely on it.
    await world.sql("settlement", "ALTER TABLE quota_accounts DROP CONSTRAINT ck_quota_accounts_balanced")
    await world.sql(
        "settlement", "UPDATE quota_accounts SET remaining = 5 WHERE supervising_unit_id = 'SU-1'"
    )
    assert failed(await world.check())[name] == "SU-1/2026: remaining 5, allocated 5 − 1 used net"
