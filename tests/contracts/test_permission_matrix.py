"""The permission matrix, every route × every role, on all five services (issue 12, item 4): a role the
route's permission entry does not name is refused by the route-level check — 401 without credentials,
403 ``forbidden`` with a token of another role — and a role it names is never refused by that check
(object-level rules may still refuse it later, with their own codes)."""

from __future__ import annotations

import importlib
import re
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest

from shared.api.auth import Role, generate_keypair, issue_token
from shared.clock import ManualClock
from shared.settings import SERVICES

NOW = datetime(2026, 6, 1, 2, 0, tzinfo=UTC)
PRIV, PUB = generate_keypair()
ROLES = [r.value for r in Role if r is not Role.PUBLIC]
ROUTE_LEVEL_REFUSAL = "may not call"


def _app(service: str) -> Any:
    cfg = importlib.import_module(f"services.{service}.config")
    settings = cfg.Settings(
        database_url="postgresql+asyncpg://x@127.0.0.1:1/none",
        kafka_bootstrap_servers="127.0.0.1:1",
        jwt_public_key=PUB,
    )
    return importlib.import_module(f"services.{service}.app").create_app(settings, ManualClock(NOW))


def _token(role: str) -> str:
    return issue_token(
        PRIV,
        subject=f"acct-{role}",
        roles=[role],
        now=NOW,
        ttl=timedelta(hours=1),
        extra={"district": "110108", "supervising_unit": "U-1", "employer": "91110000600037341L"},
    )


def _concrete(path: str) -> str:
    # Path parameters get a plausible value; a route refused by role never looks at it.
    return re.sub(r"\{[^}]+\}", "2025", path)


def _routes(app: Any) -> list[tuple[str, str]]:
    # FastAPI includes routers lazily; the OpenAPI document is the public list of routes.
    return sorted((m.upper(), path) for path, ops in app.openapi()["paths"].items() for m in ops)


@pytest.mark.parametrize("service", SERVICES)
async def test_every_route_refuses_every_role_it_does_not_name_and_no_role_it_names(service: str) -> None:
    app = _app(service)
    table = app.state.permissions
    tokens = {role: _token(role) for role in ROLES}
    checked = 0
    problems: list[str] = []
    transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
    async with httpx.AsyncClient(transport=transport, base_url="http://t") as c:
        for method, path in _routes(app):
            allowed = table[(method, path)]
            public = Role.PUBLIC.value in allowed
            url = _concrete(path)
            for role in [None, *ROLES]:
                headers = {"Authorization": f"Bearer {tokens[role]}"} if role else {}
                r = await c.request(method, url, headers=headers)
                checked += 1
                body = r.json() if r.headers.get("content-type", "").startswith("application/json") else {}
                error = body.get("error", {}) if isinstance(body, dict) else {}
                refused_by_role = (r.status_code == 401 and error.get("code") == "unauthenticated") or (
                    r.status_code == 403 and ROUTE_LEVEL_REFUSAL in str(error.get("message", ""))
                )
                should_refuse = not public and (role is None or role not in allowed)
                if should_refuse and not refused_by_role:
                    problems.append(f"{method} {path} as {role or 'anonymous'}: {r.status_code} {error}")
                if not should_refuse and refused_by_role:
                    problems.append(f"{method} {path} as {role or 'anonymous'} refused although allowed")
    assert not problems, "\n".join(problems[:30])
    assert checked == len(_routes(app)) * (len(ROLES) + 1) > 100
