"""The quota ledger through the API and the real database: allocation and reallocation with decider, time
and reason; an approval of a counted graduate uses a unit, the other treatments none; the balance never
goes below zero when many approvals race for the last units; the year-end account as JSON and CSV."""

from __future__ import annotations

import asyncio
import csv
import io

import pytest

from tests.settlement.integration.conftest import Env
from tests.settlement.integration.graduate_support import (
    OTHER_UNIT,
    SUBMITTED_AT,
    UNIT,
    Y,
    allocate,
    submitted_case,
)

pytestmark = pytest.mark.integration


async def test_allocations_and_reallocations_are_recorded_with_decider_time_and_reason(env: Env) -> None:
    env.clock.set(SUBMITTED_AT)
    async with env.http() as http:
        staff = env.token(subject="bureau-1")
        acct = await allocate(env, http, 5)
        assert (acct["allocated"], acct["remaining"]) == (5, 5)
        r = await http.post(
            f"/v1/quotas/{Y}/reallocations",
            json={"from_unit_id": UNIT, "to_unit_id": OTHER_UNIT, "amount": 2, "reason": "年中调剂"},
            headers=staff,
        )
        assert r.status_code == 201, r.text
        src, dst = r.json()["source"], r.json()["target"]
        assert (src["reallocated_out"], src["remaining"]) == (2, 3)
        assert (dst["reallocated_in"], dst["remaining"]) == (2, 2)
        assert [m["kind"] for m in src["movements"]] == ["allocation", "reallocation_out"]
        out = src["movements"][1]
        assert out["decided_by"] == "bureau-1" and out["reason"] == "年中调剂"
        assert out["counterpart_unit_id"] == OTHER_UNIT and out["decided_at"].startswith("2025-07-01")

        # More than is left: refused, nothing moves.
        r = await http.post(
            f"/v1/quotas/{Y}/reallocations",
            json={"from_unit_id": UNIT, "to_unit_id": OTHER_UNIT, "amount": 4, "reason": "再调剂"},
            headers=staff,
        )
        assert r.status_code == 409 and r.json()["error"]["code"] == "quota_exhausted"
        assert "3 quota unit(s) left" in r.json()["error"]["message"]
        acct = (await http.get(f"/v1/quotas/{Y}/units/{UNIT}", headers=staff)).json()
        assert acct["remaining"] == 3 and len(acct["movements"]) == 2

        # Only bureau staff decide; a supervising unit may not allocate.
        r = await http.post(
            f"/v1/quotas/{Y}/allocations",
            json={"supervising_unit_id": UNIT, "amount": 1, "reason": "x"},
            headers=env.token("supervising_unit", "unit-1"),
        )
        assert r.status_code == 403
        r = await http.post(
            f"/v1/quotas/{Y}/allocations",
            json={"supervising_unit_id": UNIT, "amount": 0, "reason": "x"},
            headers=staff,
        )
        assert r.status_code == 422


async def test_only_counted_graduates_use_the_quota_and_the_year_end_account_shows_the_others(
    env: Env,
) -> None:
    env.clock.set(SUBMITTED_AT)
    async with env.http() as http:
        staff = env.token()
        await allocate(env, http, 1)
        for i, quota in enumerate(["counted", "direct", "not_counted", "separate_plan", "counted"]):
            await submitted_case(env, http, f"GD-{i}", i + 1, quota)
        results = {}
        for i in range(5):
            r = await http.post(f"/v1/graduate-cases/GD-{i}/approve", json={}, headers=staff)
            results[i] = r
        assert [results[i].status_code for i in range(4)] == [200, 200, 200, 200]
        refused = results[4]
        assert refused.status_code == 409 and refused.json()["error"]["code"] == "quota_exhausted"
        assert "unit-haidian has 0 quota unit(s) left for 2025" in refused.json()["error"]["message"]
        case = (await http.get("/v1/graduate-cases/GD-4", headers=staff)).json()
        assert case["status"] == "submitted" and case["letters"] == []

        account = (await http.get(f"/v1/quotas/{Y}/account", headers=staff)).json()
        (line,) = account["units"]
        assert (line["allocated"], line["used"], line["remaining"]) == (1, 1, 0)
        assert (line["not_counted"], line["separate_plan"], line["direct"]) == (1, 1, 1)
        assert account["total"]["used"] == 1

        r = await http.get(f"/v1/quotas/{Y}/account.csv", headers=staff)
        assert r.status_code == 200 and r.headers["content-type"].startswith("text/csv")
        rows = list(csv.DictReader(io.StringIO(r.content.decode("utf-8-sig"))))
        assert rows[0]["supervising_unit_id"] == UNIT and rows[0]["used"] == "1" and rows[0]["direct"] == "1"
        assert rows[-1]["supervising_unit_id"] == "TOTAL"


@pytest.mark.parametrize("units", [1, 2])
async def test_many_concurrent_approvals_racing_for_the_last_units_never_overdraw(
    env: Env, units: int
) -> None:
    """20 approvals, each its own request and transaction, race for the last ``units`` units: exactly that
    many succeed, the others get 409 quota_exhausted, and the balance is never below zero."""
    env.clock.set(SUBMITTED_AT)
    n = 20
    async with env.http() as http:
        staff = env.token()
        await allocate(env, http, units)
        for i in range(n):
            await submitted_case(env, http, f"RACE-{i}", i + 1)

        async def approve(i: int) -> tuple[int, str | None]:
            r = await http.post(f"/v1/graduate-cases/RACE-{i}/approve", json={}, headers=staff)
            return r.status_code, (r.json().get("error") or {}).get("code")

        results = await asyncio.gather(*(approve(i) for i in range(n)))
        assert sum(1 for s, _ in results if s == 200) == units
        refused = [c for s, c in results if s != 200]
        assert refused == ["quota_exhausted"] * (n - units)

        acct = (await http.get(f"/v1/quotas/{Y}/units/{UNIT}", headers=staff)).json()
        assert (acct["used"], acct["remaining"]) == (units, 0)
        assert [m["kind"] for m in acct["movements"]].count("use") == units
    assert await env.scalar("SELECT count(*) FROM quota_accounts WHERE remaining < 0") == 0
    approved = await env.scalar("SELECT count(*) FROM graduate_cases WHERE status = 'approved'")
    assert approved == units
    # Receiving letters: one per approval, numbered without gaps.
    serials = await env.scalar(
        "SELECT string_agg(serial_number, ',' ORDER BY serial_number) FROM letters "
        "WHERE letter_type = 'receiving_letter'"
    )
    assert serials.split(",") == [f"GRD-2025-JS-{k:06d}" for k in range(1, units + 1)]


async def test_the_database_itself_refuses_a_negative_balance(env: Env) -> None:
    import sqlalchemy as sa
    from sqlalchemy.exc import IntegrityError

    env.clock.set(SUBMITTED_AT)
    async with env.http() as http:
        await allocate(env, http, 1)
    with pytest.raises(IntegrityError):
        async with env.ctx.session_factory() as s, s.begin():
            await s.execute(
                sa.text(
                    "UPDATE quota_accounts SET used = used + 2, remaining = remaining - 2 WHERE year = 2025"
                )
            )
