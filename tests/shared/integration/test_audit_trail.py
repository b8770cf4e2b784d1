"""The audit trail (全程留痕, issue 12 item 3), against the real PostgreSQL: every use case run through
``ctx.run`` and every event applied through ``ctx.tx_for`` leaves one record linked to the one before, in the
same transaction; concurrent use cases keep one unbroken chain; a changed or deleted row is caught by
``audit-verify``, which names the first broken link (the append-only trigger is disabled for the tamper, as
an attacker holding the table's owner or a superuser would); staff query who saw or changed a case."""

from __future__ import annotations

import asyncio
import logging
import time
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import httpx
import pytest
import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession

from services.intake.app import create_app
from services.intake.config import Settings
from services.intake.context import build_service_context
from shared.api.auth import generate_keypair, issue_token
from shared.api.errors import Conflict
from shared.audit import GENESIS, compute_digest, verify
from shared.clock import ManualClock
from shared.events.contracts.intake import RoundPhaseChangedV1
from shared.events.envelope import Envelope
from shared.messaging.inbox import Delivery
from shared.service import ServiceContext, build_context, service_main
from shared.settings import ServiceSettings
from shared.usecase import Tx
from shared.validation import synthetic_resident_id
from tests.support.infra import Infra

ID_NUMBER = synthetic_resident_id(date(1990, 1, 1), 123, "110101")
pytestmark = pytest.mark.integration

md = sa.MetaData()
effects = sa.Table("test_audit_effects", md, sa.Column("id", sa.String(64), primary_key=True))


class Repo:
    def __init__(self, session: AsyncSession) -> None:
        self.s = session

    async def add_effect(self, effect_id: str) -> None:
        await self.s.execute(sa.insert(effects).values(id=effect_id))


Ctx = ServiceContext[ServiceSettings, None, Repo]


@dataclass(frozen=True)
class ApproveCase:
    application_id: str
    note: str | None = None
    applicant_name: str | None = None
    id_number: str | None = None
    phone: str | None = None
    refuse: bool = False


async def approve_case(tx: Tx[Repo, None], cmd: ApproveCase) -> str:
    await tx.repo.add_effect(f"{cmd.application_id}-{uuid.uuid4().hex[:6]}")
    if cmd.refuse:
        raise Conflict("wrong_state", "refused")
    return cmd.application_id


async def read_case(tx: Tx[Any, Any], cmd: ApproveCase) -> str:
    return cmd.application_id


@pytest.fixture
async def ctx(infra: Infra) -> AsyncIterator[Ctx]:
    url = await infra.fresh_database("intake")
    settings = ServiceSettings(service_name="intake", database_url=url, log_json=False)
    c = build_context(settings, ManualClock(datetime(2026, 6, 1, 9, 0, tzinfo=UTC)), None, Repo)
    async with c.engine.begin() as conn:
        await conn.run_sync(md.create_all)
    try:
        yield c
    finally:
        await c.close()
        await infra.drop(url)


async def _rows(ctx: Ctx) -> list[dict[str, Any]]:
    async with ctx.session_factory() as s:
        result = await s.execute(sa.text("SELECT * FROM audit_chain ORDER BY seq"))
        return [dict(r) for r in result.mappings()]


async def _verify(ctx: Ctx) -> Any:
    async with ctx.session_factory() as s:
        return await verify(s)


def _delivery(session: AsyncSession, ctx: Ctx) -> Delivery:
    data = RoundPhaseChangedV1(round_id="R-2026", program="points", year=2026, phase="declaration", phases=[])
    env = Envelope(
        id=uuid.uuid4(),
        type="round.phase_changed",
        version=1,
        source="/services/intake",
        time=datetime(2026, 6, 1, 9, 0, tzinfo=UTC),
        subject="R-2026",
        correlation_id="corr-1",
        data=data.model_dump(mode="json"),
    )
    return Delivery(env, data, session, ctx.outbox, "intake.rounds")


async def test_a_use_case_leaves_one_linked_record_without_personal_data(ctx: Ctx) -> None:
    cmd = ApproveCase(
        "A-1", note="free text", applicant_name="张三", id_number=ID_NUMBER, phone="13800138000"
    )
    await ctx.run(approve_case, cmd, actor="staff-1", correlation_id="c-1")
    await ctx.run(read_case, ApproveCase("A-1"), actor="staff-2")
    with pytest.raises(Conflict):  # a refused use case rolls back with its record
        await ctx.run(approve_case, ApproveCase("A-2", refuse=True), actor="staff-1")
    rows = await _rows(ctx)
    assert [(r["actor"], r["action"], r["subject"]) for r in rows] == [
        ("staff-1", "intake.approve_case", "A-1"),
        ("staff-2", "intake.read_case", "A-1"),
    ]
    first, second = rows
    assert first["detail"] == {"command": "ApproveCase", "application_id": "A-1", "correlation_id": "c-1"}
    text = str(rows)
    for secret in ("张三", ID_NUMBER, "13800138000", "free text"):
        assert secret not in text
    assert first["prev_digest"] == GENESIS and second["prev_digest"] == first["digest"]
    assert second["digest"] == compute_digest(
        second["seq"], second["at"], "staff-2", "intake.read_case", "A-1", second["detail"], first["digest"]
    )
    assert (await _verify(ctx)).count == 2


async def test_a_consumed_event_leaves_one_record_at_commit_and_none_on_rollback(ctx: Ctx) -> None:
    async with ctx.session_factory() as s, s.begin():
        d = _delivery(s, ctx)
        tx = ctx.tx_for(d)
        ctx.tx_for(d)  # a second view of the same delivery still records the event once
        await tx.repo.add_effect("e1")
    with pytest.raises(RuntimeError):
        async with ctx.session_factory() as s, s.begin():
            await ctx.tx_for(_delivery(s, ctx)).repo.add_effect("e2")
            raise RuntimeError("handler failed")
    await ctx.run(read_case, ApproveCase("A-1"), actor="staff-1")
    rows = await _rows(ctx)
    assert [(r["actor"], r["action"], r["subject"]) for r in rows] == [
        ("system", "round.phase_changed", "R-2026"),
        ("staff-1", "intake.read_case", "A-1"),
    ]
    assert rows[0]["detail"]["consumer"] == "intake.rounds"
    assert rows[1]["prev_digest"] == rows[0]["digest"]
    assert (await _verify(ctx)).intact


async def test_concurrent_use_cases_keep_one_unbroken_chain(ctx: Ctx) -> None:
    n = 40
    await asyncio.gather(
        *(ctx.run(approve_case, ApproveCase(f"A-{i}"), actor=f"staff-{i % 3}") for i in range(n))
    )
    rows = await _rows(ctx)
    assert len(rows) == n
    assert len({r["prev_digest"] for r in rows}) == n  # no fork: each digest is followed once
    v = await _verify(ctx)
    assert (v.count, v.intact) == (n, True)


async def tamper(ctx: Ctx, sql: str, params: dict[str, Any]) -> None:
    """Change the chain as someone who may alter the table would: the append-only trigger off, the change, on."""
    async with ctx.engine.begin() as conn:
        await conn.execute(sa.text("ALTER TABLE audit_chain DISABLE TRIGGER audit_chain_append_only"))
        await conn.execute(sa.text(sql), params)
        await conn.execute(sa.text("ALTER TABLE audit_chain ENABLE TRIGGER audit_chain_append_only"))


async def _five(ctx: Ctx) -> list[int]:
    for i in range(5):
        await ctx.run(approve_case, ApproveCase(f"A-{i}"), actor="staff-1")
    return [r["seq"] for r in await _rows(ctx)]


async def test_a_changed_detail_is_caught_at_its_seq(ctx: Ctx) -> None:
    seqs = await _five(ctx)
    sql = """UPDATE audit_chain SET detail = '{"command": "ApproveCase"}' WHERE seq = :s"""
    await tamper(ctx, sql, {"s": seqs[2]})
    v = await _verify(ctx)
    assert (v.intact, v.broken_seq, v.count) == (False, seqs[2], 2)
    assert v.reason is not None and "detail" in v.reason


async def test_a_deleted_row_is_caught_at_the_next_seq(ctx: Ctx) -> None:
    seqs = await _five(ctx)
    await tamper(ctx, "DELETE FROM audit_chain WHERE seq = :s", {"s": seqs[1]})
    v = await _verify(ctx)
    assert (v.intact, v.broken_seq) == (False, seqs[2])
    assert v.reason is not None and f"seq {seqs[0]}" in v.reason


def _main(settings: ServiceSettings) -> int:
    def nope(_: Any) -> Any:
        raise AssertionError("not used")

    # The entry point configures the process's logging as a real command does; give the test session
    # its own handlers back afterwards (else they would write to pytest's closed capture streams at exit).
    root = logging.getLogger()
    handlers, level = root.handlers[:], root.level
    try:
        return service_main(
            ["audit-verify"],
            name="intake",
            load_settings=lambda: settings,
            create_app=nope,
            create_worker=nope,
            migrations_dir=Path("unused"),
        )
    finally:
        root.handlers[:] = handlers
        root.setLevel(level)


async def test_the_audit_verify_command_exits_0_when_intact_and_1_naming_the_broken_seq(
    ctx: Ctx, capsys: pytest.CaptureFixture[str]
) -> None:
    seqs = await _five(ctx)
    assert await asyncio.to_thread(_main, ctx.settings) == 0
    assert "audit chain intact, 5 records" in capsys.readouterr().out
    await tamper(ctx, "UPDATE audit_chain SET actor = 'someone-else' WHERE seq = :s", {"s": seqs[3]})
    assert await asyncio.to_thread(_main, ctx.settings) == 1
    assert f"BROKEN at seq {seqs[3]}" in capsys.readouterr().out


async def test_staff_see_who_saw_or_changed_a_case(infra: Infra) -> None:
    url = await infra.fresh_database("intake")
    priv, pub = generate_keypair()
    settings = Settings(database_url=url, jwt_public_key=pub, log_json=False)
    app = create_app(settings)
    c = build_service_context(settings)
    app.state.ctx = c
    try:
        await c.run(read_case, ApproveCase("A-7"), actor="staff-1")
        await c.run(read_case, ApproveCase("A-8"), actor="staff-2")
        now = c.clock.now()
        staff = issue_token(priv, subject="b1", roles=["bureau_staff"], now=now)
        applicant = issue_token(priv, subject="a1", roles=["applicant"], now=now)
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://t") as http:
            assert (await http.get("/v1/ops/audit")).status_code == 401
            denied = await http.get("/v1/ops/audit", headers={"Authorization": f"Bearer {applicant}"})
            assert denied.status_code == 403
            h = {"Authorization": f"Bearer {staff}"}
            r = await http.get("/v1/ops/audit", params={"subject": "A-7"}, headers=h)
            assert r.status_code == 200, r.text
            page = r.json()
            assert page["total"] == 1 and page["items"][0]["actor"] == "staff-1"
            r = await http.get("/v1/ops/audit", params={"actor": "b1", "limit": 1}, headers=h)
            assert r.json()["total"] == 1  # the first query was recorded too
            assert r.json()["items"][0]["action"] == "intake.ops_audit_query"
        async with c.session_factory() as s:
            assert (await verify(s)).count == 4
    finally:
        await c.close()
        await infra.drop(url)


async def test_measure_the_cost_of_auditing_a_use_case(ctx: Ctx) -> None:
    """Not an assertion on speed: prints the time per use case with and without the audit append."""
    n = 200

    async def plain(i: int) -> None:
        async with ctx.transaction(actor="staff-1") as tx:
            await read_case(tx, ApproveCase(f"A-{i}"))
            await tx.repo.add_effect(f"p-{i}")

    t0 = time.perf_counter()
    for i in range(n):
        await plain(i)
    t1 = time.perf_counter()
    for i in range(n):
        await ctx.run(approve_case, ApproveCase(f"A-{i}"), actor="staff-1")
    t2 = time.perf_counter()
    print(f"\naudit cost: {(t1 - t0) / n * 1000:.2f} ms/use case without, {(t2 - t1) / n * 1000:.2f} ms with")
    assert (await _verify(ctx)).count == n


async def test_measure_the_cost_on_an_endpoint_loop(infra: Infra, monkeypatch: pytest.MonkeyPatch) -> None:
    """Not an assertion on speed: prints the latency of `GET /v1/me` (one ctx.run, no other SQL) with and
    without the audit append."""
    import shared.audit

    url = await infra.fresh_database("intake")
    priv, pub = generate_keypair()
    settings = Settings(database_url=url, jwt_public_key=pub, log_json=False)
    app = create_app(settings)
    c = build_service_context(settings)
    app.state.ctx = c
    token = issue_token(priv, subject="staff-1", roles=["bureau_staff"], now=c.clock.now())
    h = {"Authorization": f"Bearer {token}"}
    n, timings = 300, {}
    real = shared.audit.append

    async def no_audit(session: AsyncSession, entry: Any) -> int:
        return 0

    try:
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://t") as http:
            for label, fn in (
                ("warm-up", real),
                ("without", no_audit),
                ("with", real),
                ("without2", no_audit),
            ):
                monkeypatch.setattr(shared.audit, "append", fn)
                t0 = time.perf_counter()
                for _ in range(n):
                    assert (await http.get("/v1/me", headers=h)).status_code == 200
                timings[label] = (time.perf_counter() - t0) / n * 1000
        print("\nGET /v1/me ms/request: " + ", ".join(f"{k} {v:.2f}" for k, v in timings.items()))
        async with c.session_factory() as s:
            assert (await verify(s)).count == 2 * n
    finally:
        await c.close()
        await infra.drop(url)
