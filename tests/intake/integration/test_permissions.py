"""The permission table, route by route, generated from ``PERMISSIONS``: every caller outside a route's
roles is refused with 401 (no or bad credentials) or 403 (wrong role), never a 500; callers inside its
roles never get a 500 either, whatever garbage they send."""

from __future__ import annotations

import re
from typing import Any

import pytest

from services.intake.api import PERMISSIONS
from shared.api.auth import Role, issue_token
from tests.intake.support import Intake, bearer

pytestmark = pytest.mark.integration

PATH_VALUES = {
    "application_id": "PA2024-NOPE",
    "round_id": "points-1999",
    "affiliation_id": "aff_0000000000000000",
    "account_id": "acc_0000000000000000",
    "material_id": "mat_0000000000000000",
    "dead_letter_id": "424242",
    "year": "2025",
    "declaration_id": "GD2025-NOPE",
    "unit_id": "su_0000000000000000",
    "token": "gc_" + "A" * 43,
    "credit_code": "91110000600037341L",
}
ROLES = [r for r in Role if r is not Role.PUBLIC]


def concrete(path: str) -> str:
    return re.sub(r"\{(\w+)\}", lambda m: PATH_VALUES[m.group(1)], path)


def token_for(intake: Intake, role: Role) -> str:
    extra: dict[str, Any] = {"name": "测试"}
    if role is Role.EMPLOYER_ADMIN:
        extra |= {"employer": "91110000600037341L", "employer_id": "emp_0000000000000000"}
    if role is Role.DEPARTMENT_CLIENT:
        extra["department"] = "tax"
    if role is Role.SUPERVISING_UNIT:
        extra["supervising_unit"] = "su_0000000000000000"
    return issue_token(
        intake.jwt_private_key,
        subject=f"acc_{role.value}",
        roles=[role.value],
        now=intake.clock.now(),
        extra=extra,
    )


async def test_every_route_refuses_every_role_outside_its_entry(intake: Intake) -> None:
    table = intake.http._transport.app.state.permissions  # type: ignore[attr-defined]
    assert set(PERMISSIONS) <= set(table)
    checked = 0
    for (method, path), allowed in sorted(table.items()):
        url = concrete(path)
        if Role.PUBLIC.value not in allowed:
            r = await intake.http.request(method, url)
            assert r.status_code == 401, f"{method} {path} anonymous: {r.status_code} {r.text}"
            r = await intake.http.request(method, url, headers={"Authorization": "Bearer not-a-jwt"})
            assert r.status_code == 401, f"{method} {path} bad token: {r.status_code}"
            r = await intake.http.request(method, url, headers={"Authorization": "Basic dXNlcjpwdw=="})
            assert r.status_code == 401, f"{method} {path} basic auth: {r.status_code}"
        for role in ROLES:
            if role.value in allowed or Role.PUBLIC.value in allowed:
                continue
            r = await intake.http.request(method, url, headers=bearer(token_for(intake, role)))
            assert r.status_code == 403, f"{method} {path} as {role.value}: {r.status_code} {r.text}"
            assert r.json()["error"]["code"] == "forbidden"
            checked += 1
    assert checked > 50


GARBAGE: list[dict[str, Any]] = [
    {},
    {"json": {"unexpected": True}},
    {"json": [1, 2, 3]},
    {"json": "text"},
    {"content": b"\xff\xfe{not json", "headers": {"Content-Type": "application/json"}},
    {"data": {"grant_type": "password", "username": "x" * 500}},
    {"files": {"file": ("a.txt", b"hello", "text/plain")}},
    {"json": {"round_id": "x\u0000", "reason": "a\u0000b", "version": 1, "name": "\u0000\u0000"}},
    {"data": {"grant_type": "password", "username": "a\u0000b", "password": "x"}},
]


async def test_allowed_callers_never_get_a_500_whatever_they_send(intake: Intake) -> None:
    await intake.create_round()
    for (method, path), allowed in sorted(intake.http._transport.app.state.permissions.items()):  # type: ignore[attr-defined]
        callers: list[dict[str, str]] = (
            [{}]
            if Role.PUBLIC.value in allowed
            else [bearer(token_for(intake, Role(r))) for r in sorted(allowed)]
        )
        for headers in callers:
            for extra in GARBAGE:
                kw = dict(extra)
                hdrs = {**headers, **kw.pop("headers", {}), "Idempotency-Key": "k" * 300}
                # ASGITransport re-raises an unhandled error: a 500 fails the test here.
                r = await intake.http.request(method, concrete(path), headers=hdrs, **kw)
                assert r.status_code < 500, f"{method} {path}: {r.status_code} {r.text}"
                nul = re.sub(r"\{(\w+)\}", "a%00b", path)  # PostgreSQL refuses NUL in text
                r = await intake.http.request(method, nul + "?round_id=x%00&employer=%00", headers=hdrs, **kw)
                assert r.status_code < 500 or (path == "/readyz" and r.status_code == 503), (
                    f"{method} {path}: {r.status_code} {r.text}"
                )
                if r.status_code >= 400:
                    assert set(r.json()["error"]) >= {"code", "message", "details"}
