"""The audit chain is append-only, anchored outside the database, and holds the services' own case records
(issue 12, item 3), against the real PostgreSQL:

- the trigger refuses UPDATE, DELETE and TRUNCATE of ``audit_chain`` for the service's own connection;
- a chain cut short at its end, or rewritten from scratch with valid links, passes the link check but not
  ``audit-verify --anchor`` with a head written earlier by ``audit-anchor``;
- a case record (``shared.audit.record``) lands after its use case's record, is dropped with a rolled-back
  savepoint or transaction, keeps no field named like personal data; scoring's and settlement's old
  ``audit_log`` rows move into the chain with their migration;
- staff page through who saw or changed a graduate declaration (``GET /v1/ops/audit``).
"""

from __future__ import annotations

import asyncio
import json
import logging
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
import sqlalchemy as sa
from sqlalchemy.exc import DBAPIError

from services.intake.app import create_app
from services.intake.config import Settings
from services.intake.context import build_service_context
from shared import audit
from shared.api.auth import generate_keypair, issue_token
from shared.api.errors import Conflict
from shared.clock import ManualClock
from shared.devstack.servers import ensure_database, with_database
from shared.service import AnyContext, build_context, migrate, service_main
from shared.settings import ServiceSettings
from shared.usecase import Tx
from tests.support.infra import REPO, Infra

pytestmark = pytest.mark.integration
T0 = datetime(2026, 6, 1, 9, 0, tzinfo=UTC)


@dataclass(frozen=True)
class Decide:
    declaration_id: str
    refuse: bool = False


async def decide(tx: Tx[Any, Any], cmd: Decide) -> str:
    """A use case that writes a case record of its own, as settlement's handlers do."""
    detail = {"outcome": "approved", "note": "材料齐全", "name": "张三", "nested": {"phone": "x", "n": 1}}
    audit.record(
        tx.session, audit.case_entry("intake", tx.now, tx.actor, "case.decided", cmd.declaration_id, detail)
    )
    if cmd.refuse:
        raise Conflict("wrong_state", "refused")
    return cmd.declaration_id


async def look(tx: Tx[Any, Any], cmd: Decide) -> str:
    return cmd.declaration_id


@pytest.fixture
async def ctx(infra: Infra) -> AsyncIterator[AnyContext]:
    url = await infra.fresh_database("intake")
    settings = ServiceSettings(service_name="intake", database_url=url, log_json=False)
    c = build_context(settings, ManualClock(T0))
    try:
        yield c
    finally:
        await c.close()
        await infra.drop(url)


async def _rows(ctx: AnyContext) -> list[dict[str, Any]]:
    async with ctx.session_factory() as s:
        return [
            dict(r) for r in (await s.execute(sa.text("SELECT * FROM audit_chain ORDER BY seq"))).mappings()
        ]


async def _verify(ctx: AnyContext, anchors: list[audit.Anchor] | None = None) -> audit.Verdict:
    async with ctx.session_factory() as s:
        return await audit.verify(s, anchors=anchors or [])


async def _head(ctx: AnyContext) -> audit.Anchor:
    async with ctx.session_factory() as s:
        return await audit.head(s, "intake", ctx.clock.now())


async def _as_owner(ctx: AnyContext, *statements: str) -> None:
    """What someone who may alter the table can do: the trigger off, the statements, the trigger on."""
    async with ctx.engine.begin() as conn:
        await conn.execute(sa.text("ALTER TABLE audit_chain DISABLE TRIGGER audit_chain_append_only"))
        for sql in statements:
            await conn.execute(sa.text(sql))
        await conn.execute(sa.text("ALTER TABLE audit_chain ENABLE TRIGGER audit_chain_append_only"))


@pytest.mark.parametrize(
    ("sql", "op"),
    [
        ("UPDATE audit_chain SET actor = 'someone-else'", "UPDATE"),
        ("UPDATE audit_chain SET actor = actor WHERE seq < 0", "UPDATE"),  # even one touching no row
        ("DELETE FROM audit_chain WHERE seq = (SELECT max(seq) FROM audit_chain)", "DELETE"),
        ("TRUNCATE audit_chain", "TRUNCATE"),
    ],
)
async def test_the_service_cannot_change_or_remove_a_record(ctx: AnyContext, sql: str, op: str) -> None:
    for i in range(3):
        await ctx.run(look, Decide(f"G-{i}"), actor="staff-1")
    before = await _rows(ctx)
    with pytest.raises(DBAPIError) as caught:
        async with ctx.engine.begin() as conn:
            await conn.execute(sa.text(sql))
    assert f"audit_chain is append-only (全程留痕): {op} refused" in str(caught.value)
    assert await _rows(ctx) == before
    assert (await _verify(ctx)).count == 3
    await ctx.run(look, Decide("G-9"), actor="staff-1")  # appending still works
    assert (await _verify(ctx)).count == 4


async def test_an_anchored_head_catches_a_chain_cut_short_at_its_end(ctx: AnyContext) -> None:
    for i in range(5):
        await ctx.run(look, Decide(f"G-{i}"), actor="staff-1")
    anchor = await _head(ctx)
    rows = await _rows(ctx)
    assert (anchor.seq, anchor.digest) == (rows[-1]["seq"], rows[-1]["digest"])
    assert (await _verify(ctx, [anchor])).anchors_checked == 1
    await _as_owner(ctx, f"DELETE FROM audit_chain WHERE seq >= {rows[3]['seq']}")
    assert (await _verify(ctx)).intact  # nothing follows the removed records: the links still hold
    v = await _verify(ctx, [anchor])
    assert (v.intact, v.broken_seq, v.count) == (False, anchor.seq, 3)
    assert v.reason is not None and "is beyond the chain's end" in v.reason


async def test_an_anchored_head_catches_a_chain_rewritten_from_scratch(ctx: AnyContext) -> None:
    for i in range(4):
        await ctx.run(look, Decide(f"G-{i}"), actor="staff-1")
    first = await _head(ctx)
    await ctx.run(look, Decide("G-4"), actor="staff-2")
    second = await _head(ctx)
    assert (await _verify(ctx, [first, second])).intact
    # Everything removed, the sequence restarted, the same number of records written again with valid links
    # (staff-2's read of G-4 is gone from the rewritten history).
    await _as_owner(ctx, "DELETE FROM audit_chain", "ALTER SEQUENCE audit_chain_seq_seq RESTART WITH 1")
    for i in range(5):
        await ctx.run(look, Decide(f"G-{i}"), actor="staff-1")
    assert (await _verify(ctx)).intact
    assert (await _head(ctx)).seq == second.seq
    v = await _verify(ctx, [first, second])
    assert (v.intact, v.broken_seq) == (False, first.seq)
    assert v.reason is not None and "differs from the chain's record" in v.reason


async def test_an_anchor_naming_a_removed_record_is_caught(ctx: AnyContext) -> None:
    for i in range(3):
        await ctx.run(look, Decide(f"G-{i}"), actor="staff-1")
    anchor = await _head(ctx)
    await _as_owner(
        ctx, "DELETE FROM audit_chain", f"ALTER SEQUENCE audit_chain_seq_seq RESTART WITH {anchor.seq + 1}"
    )
    for i in range(3):
        await ctx.run(look, Decide(f"G-{i}"), actor="staff-1")  # a new chain, from the genesis, after the gap
    assert (await _verify(ctx)).intact
    v = await _verify(ctx, [anchor])
    assert (v.broken_seq, v.reason is not None and "is not in the chain" in v.reason) == (anchor.seq, True)


def _main(settings: ServiceSettings, *argv: str) -> int:
    def nope(_: Any) -> Any:
        raise AssertionError("not used")

    root = logging.getLogger()
    handlers, level = root.handlers[:], root.level
    try:
        return service_main(
            list(argv),
            name="intake",
            load_settings=lambda: settings,
            create_app=nope,
            create_worker=nope,
            migrations_dir=Path("unused"),
        )
    finally:
        root.handlers[:] = handlers
        root.setLevel(level)


async def test_the_anchor_commands(
    ctx: AnyContext, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    file = tmp_path / "anchors.jsonl"
    assert (
        await asyncio.to_thread(_main, ctx.settings, "audit-anchor", "--out", str(file)) == 0
    )  # empty chain
    for i in range(3):
        await ctx.run(look, Decide(f"G-{i}"), actor="staff-1")
    assert await asyncio.to_thread(_main, ctx.settings, "audit-anchor", "--out", str(file)) == 0
    lines = file.read_text().splitlines()
    assert len(lines) == 2 and capsys.readouterr().out.splitlines() == lines
    empty, three = (audit.Anchor.from_json(x) for x in lines)
    assert (empty.seq, empty.digest, three.seq) == (0, audit.GENESIS, (await _head(ctx)).seq)
    assert await asyncio.to_thread(_main, ctx.settings, "audit-verify", "--anchor", str(file)) == 0
    assert "audit chain intact, 3 records; 2 anchored heads found" in capsys.readouterr().out

    rows = await _rows(ctx)
    await _as_owner(ctx, f"DELETE FROM audit_chain WHERE seq = {rows[-1]['seq']}")
    assert await asyncio.to_thread(_main, ctx.settings, "audit-verify") == 0  # the link check alone misses it
    capsys.readouterr()
    assert await asyncio.to_thread(_main, ctx.settings, "audit-verify", "--anchor", str(file)) == 1
    assert f"BROKEN at seq {three.seq}" in capsys.readouterr().out

    other = tmp_path / "other.jsonl"
    other.write_text(audit.Anchor("review", 1, "a" * 64, None, T0).to_json() + "\n")
    for bad, says in ((other, "holds no anchor of intake"), (tmp_path / "missing.jsonl", "cannot read")):
        assert await asyncio.to_thread(_main, ctx.settings, "audit-verify", "--anchor", str(bad)) == 2
        assert says in capsys.readouterr().out
    other.write_text('{"service": "intake", "seq": "x"}\n')
    assert await asyncio.to_thread(_main, ctx.settings, "audit-verify", "--anchor", str(other)) == 2
    assert "not an anchor" in capsys.readouterr().out


async def test_case_records_follow_their_use_case_and_roll_back_with_it(ctx: AnyContext) -> None:
    await ctx.run(decide, Decide("G-1"), actor="staff-1")
    with pytest.raises(Conflict):
        await ctx.run(decide, Decide("G-2", refuse=True), actor="staff-1")
    # A savepoint that rolls back (a refused record of a consumer's batch) takes its case record with it.
    async with ctx.transaction(actor="system") as tx:
        with pytest.raises(RuntimeError):
            async with tx.session.begin_nested():
                await decide(tx, Decide("G-3"))
                raise RuntimeError("refused")
        async with tx.session.begin_nested():
            await decide(tx, Decide("G-4"))  # released, not yet committed: written at the commit
    rows = await _rows(ctx)
    assert [(r["action"], r["subject"]) for r in rows] == [
        ("intake.decide", "G-1"),
        ("intake/case.decided", "G-1"),
        ("intake/case.decided", "G-4"),
    ]
    assert rows[1]["detail"] == {"outcome": "approved", "note": "材料齐全", "nested": {"n": 1}}
    assert rows[1]["prev_digest"] == rows[0]["digest"] and (await _verify(ctx)).count == 3
    async with ctx.session_factory() as s:
        items, total = await audit.case_records(s, "intake", subject=None, limit=1, offset=0)
        assert total == 2 and [(i["id"], i["action"], i["subject"]) for i in items] == [
            (rows[2]["seq"], "case.decided", "G-4")
        ]
        items, total = await audit.case_records(s, "intake", subject="G-1", limit=10, offset=0)
        assert total == 1 and items[0]["actor"] == "staff-1"
        assert (await audit.case_records(s, "review", subject=None, limit=10, offset=0))[1] == 0


def migrate_down(settings: ServiceSettings, migrations_dir: Path, revision: str) -> None:
    from alembic import command

    from shared.service import alembic_config

    command.downgrade(alembic_config(settings, migrations_dir), revision)


@pytest.mark.parametrize("service", ["scoring", "settlement"])
async def test_the_old_audit_log_moves_into_the_chain(infra: Infra, service: str) -> None:
    name = f"t_{service}_legacy_{uuid.uuid4().hex[:8]}"
    await ensure_database(infra.pg_url, name)
    url = with_database(infra.pg_url, name)
    settings = ServiceSettings(service_name=service, database_url=url, log_json=False)
    before = {"scoring": "0006", "settlement": "0008"}[service]
    mdir = REPO / "services" / service / "migrations"
    await asyncio.to_thread(migrate, settings, mdir, before)
    ctx = build_context(settings, ManualClock(T0))
    try:
        await ctx.run(look, Decide("X-0"), actor="staff-0")  # the chain already has a record
        async with ctx.engine.begin() as conn:
            for i in range(3):
                await conn.execute(
                    sa.text(
                        "INSERT INTO audit_log (at, actor, action, subject, detail) "
                        "VALUES (:at, :actor, :action, :subject, CAST(:detail AS jsonb))"
                    ),
                    {
                        "at": T0 + timedelta(days=i),
                        "actor": f"staff-{i}",
                        "action": "letter.issued",
                        "subject": f"PTS-{i}",
                        "detail": json.dumps({"serial_number": f"S-{i}", "holder_name": "张三"}),
                    },
                )
        await asyncio.to_thread(migrate, settings, mdir, "head")
        rows = await _rows(ctx)
        assert [(r["actor"], r["action"], r["subject"]) for r in rows[1:]] == [
            (f"staff-{i}", f"{service}/letter.issued", f"PTS-{i}") for i in range(3)
        ]
        assert rows[2]["detail"] == {"serial_number": "S-1", "legacy_id": 2}
        assert rows[3]["at"] == T0 + timedelta(days=2)
        assert (await _verify(ctx)).count == 4
        async with ctx.engine.connect() as conn:
            assert (await conn.scalar(sa.text("SELECT to_regclass('audit_log')"))) is None
        await asyncio.to_thread(migrate_down, settings, mdir, before)  # the old table again, from the chain
        async with ctx.engine.connect() as conn:
            back = (
                await conn.execute(sa.text("SELECT actor, action, detail FROM audit_log ORDER BY id"))
            ).all()
        assert [(a, b, c["serial_number"]) for a, b, c in back] == [
            (f"staff-{i}", "letter.issued", f"S-{i}") for i in range(3)
        ]
        assert (await _verify(ctx)).count == 4  # the chain keeps them
    finally:
        await ctx.close()
        await infra.drop(url)


async def test_staff_page_through_who_saw_or_changed_a_declaration(infra: Infra) -> None:
    url = await infra.fresh_database("intake")
    priv, pub = generate_keypair()
    settings = Settings(database_url=url, jwt_public_key=pub, log_json=False)
    app = create_app(settings)
    c = build_service_context(settings)
    app.state.ctx = c
    try:
        for i in range(5):
            await c.run(look, Decide("GD-2025-000001"), actor=f"staff-{i % 2}")
        await c.run(look, Decide("GD-2025-000002"), actor="staff-0")
        staff = issue_token(priv, subject="b1", roles=["bureau_staff"], now=c.clock.now())
        h = {"Authorization": f"Bearer {staff}"}
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://t") as http:

            async def page(**params: Any) -> dict[str, Any]:
                r = await http.get("/v1/ops/audit", params=params, headers=h)
                assert r.status_code == 200, r.text
                return dict(r.json())

            # Each query is itself a record of the case: offsets shift, before_seq pages through steadily.
            first = await page(subject="GD-2025-000001", limit=2)
            shifted = await page(subject="GD-2025-000001", limit=2, offset=2)
            assert first["total"] == 5 and shifted["total"] == 6
            assert shifted["items"][0]["seq"] == first["items"][1]["seq"]
            pages, before = [first], first["items"][-1]["seq"]
            while True:
                p = await page(subject="GD-2025-000001", limit=2, before_seq=before)
                if not p["items"]:
                    break
                pages.append(p)
                before = p["items"][-1]["seq"]
            seen = [x for p in pages for x in p["items"]]
            assert len(seen) == 5 and [x["seq"] for x in seen] == sorted(
                {x["seq"] for x in seen}, reverse=True
            )
            assert {x["detail"]["declaration_id"] for x in seen} == {"GD-2025-000001"}
            assert {x["actor"] for x in seen} == {"staff-0", "staff-1"}
            both = await page(subject="GD-2025-000001", actor="staff-1")
            assert both["total"] == 2 and {x["actor"] for x in both["items"]} == {"staff-1"}
            mine = await page(actor="b1", limit=1)  # the queries above, each recorded with what it asked for
            assert mine["total"] == len(pages) + 3 and mine["items"][0]["detail"] == {
                "actor_filter": "staff-1"
            }
            assert mine["items"][0]["subject"] == "GD-2025-000001"
            other = await page(subject="GD-2025-000002")
            assert other["total"] == 1 and other["items"][0]["actor"] == "staff-0"
            for bad in ({"limit": 0}, {"limit": 501}, {"offset": -1}, {"subject": ""}, {"before_seq": 0}):
                r = await http.get("/v1/ops/audit", params=bad, headers=h)
                assert r.status_code == 422, (bad, r.text)
    finally:
        await c.close()
        await infra.drop(url)
