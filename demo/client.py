"""HTTP to the stack with bounded concurrency, retries of what a real client retries, and logins.

:class:`Api` holds one ``httpx`` connection pool per service and a semaphore that bounds the requests in
flight; a refused connection, a timeout or a 502/503/504 is retried with backoff and counted as an error
of the stage (it shows in the progress); any other unexpected status raises :class:`DemoError`.
:class:`Accounts` keeps passwords and access tokens; tokens are short-lived, so every clock move makes
them log in again when next needed. :func:`applicant_token` is the one way an applicant logs in: through
the city's identity service (an identity assertion exchanged at intake, ``jwt-bearer``) when the stack
has one, else by registering a password account (argon2, slow).
"""

from __future__ import annotations

import asyncio
import importlib
import time
from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from typing import Any

import httpx

from demo.progress import Stage
from shared.settings import DEFAULT_PORTS

RETRY_STATUSES = {502, 503, 504}
#: Access tokens live 15 minutes of the services' clock: log in again after 10 minutes, or after the
#: shared clock moved (:meth:`Accounts.clock_moved`).
TOKEN_REUSE_S = 600.0
PHASE_CODES = ("out_of_phase", "round_phase_unknown")
JWT_BEARER = "urn:ietf:params:oauth:grant-type:jwt-bearer"


class DemoError(RuntimeError):
    """The stack answered something the demo did not expect."""


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


class Api:
    def __init__(self, *, concurrency: int = 24, timeout_s: float = 120.0, port_offset: int = 0) -> None:
        limits = httpx.Limits(max_connections=concurrency, max_keepalive_connections=concurrency)
        self.clients = {
            svc: httpx.AsyncClient(
                base_url=f"http://127.0.0.1:{port + port_offset}", timeout=timeout_s, limits=limits
            )
            for svc, port in DEFAULT_PORTS.items()
        }
        self.plain = httpx.AsyncClient(timeout=timeout_s, limits=limits)  # registries, absolute URLs
        self.sem = asyncio.Semaphore(concurrency)
        self.requests = 0

    async def aclose(self) -> None:
        for c in self.clients.values():
            await c.aclose()
        await self.plain.aclose()

    async def raw(
        self,
        svc: str,
        method: str,
        path: str,
        *,
        token: str | None = None,
        stage: Stage | None = None,
        retries: int = 6,
        **kw: Any,
    ) -> httpx.Response:
        headers = dict(kw.pop("headers", None) or {})
        if token:
            headers |= bearer(token)
        client = self.plain if svc == "plain" else self.clients[svc]
        delay = 0.3
        lost = False  # a request whose answer was lost may have been carried out
        for attempt in range(retries + 1):
            try:
                async with self.sem:
                    self.requests += 1
                    resp = await client.request(method, path, headers=headers, **kw)
            except (httpx.TransportError, httpx.TimeoutException) as e:
                if attempt == retries:
                    raise DemoError(f"{method} {svc}{path}: {type(e).__name__}: {e}") from e
                lost = True
                if stage is not None:
                    stage.error(f"{method} {path}: {type(e).__name__}, retrying")
            else:
                if resp.status_code not in RETRY_STATUSES or attempt == retries:
                    resp.extensions["demo_answer_lost_before"] = lost
                    return resp
                if stage is not None:
                    stage.error(f"{method} {path}: {resp.status_code}, retrying")
            await asyncio.sleep(delay)
            delay = min(delay * 2, 5.0)
        raise AssertionError("unreachable")

    async def call(
        self,
        svc: str,
        method: str,
        path: str,
        *,
        expect: tuple[int, ...] = (200, 201),
        token: str | None = None,
        stage: Stage | None = None,
        phase_wait_s: float = 0.0,
        **kw: Any,
    ) -> Any:
        """The JSON answer. ``phase_wait_s``: a 409 ``out_of_phase`` is retried that long (a service
        learns that the round's phase changed from an event, a moment after the clock moved)."""
        deadline = time.monotonic() + phase_wait_s
        while True:
            resp = await self.raw(svc, method, path, token=token, stage=stage, **kw)
            if not (resp.status_code == 409 and time.monotonic() < deadline):
                break
            if resp.json().get("error", {}).get("code") not in PHASE_CODES:
                break
            await asyncio.sleep(0.5)
        if resp.status_code == 409 and resp.extensions.get("demo_answer_lost_before"):
            # The first attempt was carried out but its answer lost: the retry finds it done.
            if stage is not None:
                stage.error(f"{method} {path}: done by the attempt whose answer was lost")
            return resp.json() if resp.content else None
        if resp.status_code not in expect:
            raise DemoError(f"{method} {svc}{path} -> {resp.status_code}: {resp.text[:400]}")
        return resp.json() if resp.content else None

    async def page_all(
        self, svc: str, path: str, *, token: str, limit: int = 200, params: dict[str, Any] | None = None
    ) -> list[dict[str, Any]]:
        """Every item of a paginated list (``items``/``total``), pages fetched concurrently."""
        first = await self.call(svc, "GET", path, token=token, params={**(params or {}), "limit": limit})
        items: list[dict[str, Any]] = list(first["items"])
        total = int(first["total"])
        offsets = range(limit, total, limit)
        pages = await asyncio.gather(
            *(
                self.call(
                    svc, "GET", path, token=token, params={**(params or {}), "limit": limit, "offset": o}
                )
                for o in offsets
            )
        )
        for p in pages:
            items.extend(p["items"])
        return items

    async def total(self, svc: str, path: str, *, token: str, **params: Any) -> int:
        doc = await self.call(svc, "GET", path, token=token, params={**params, "limit": 1})
        return int(doc["total"])


class Accounts:
    """Passwords of the demo's staff, employer and unit accounts and their current access tokens (a
    token is used for at most :data:`TOKEN_REUSE_S` seconds, and never across a move of the clock)."""

    def __init__(self, api: Api) -> None:
        self.api = api
        self.passwords: dict[str, str] = {}
        self.ids: dict[str, str] = {}
        self._tokens: dict[str, tuple[int, float, str]] = {}
        self._locks: dict[str, asyncio.Lock] = {}
        self.generation = 0

    def clock_moved(self) -> None:
        self.generation += 1

    async def token(self, username: str) -> str:
        lock = self._locks.setdefault(username, asyncio.Lock())
        async with lock:
            have = self._tokens.get(username)
            if have and have[0] == self.generation and time.monotonic() - have[1] < TOKEN_REUSE_S:
                return have[2]
            doc = await self.api.call(
                "intake",
                "POST",
                "/v1/auth/token",
                data={"grant_type": "password", "username": username, "password": self.passwords[username]},
            )
            tok = str(doc["access_token"])
            self._tokens[username] = (self.generation, time.monotonic(), tok)
            return tok

    async def account_id(self, username: str) -> str:
        if username not in self.ids:
            me = await self.api.call("intake", "GET", "/v1/me", token=await self.token(username))
            self.ids[username] = str(me.get("account_id") or me.get("subject") or me.get("id"))
        return self.ids[username]


def identity_provider(var: Path) -> Callable[..., str] | None:
    """A function minting the city identity service's assertions for this stack, or None when the stack
    has no identity provider (``shared.devstack.idp`` not there)."""
    try:
        idp = importlib.import_module("shared.devstack.idp")
    except ImportError:
        return None
    private_pem, _public = idp.idp_keys(var)

    def mint(*, sub: str, name: str, id_number: str, now: datetime, phone: str | None = None) -> str:
        return str(
            idp.mint_identity_assertion(
                private_pem, sub=sub, name=name, id_number=id_number, now=now, phone=phone
            )
        )

    return mint


async def applicant_token(
    api: Api,
    *,
    username: str,
    name: str,
    id_number: str,
    phone: str,
    now: datetime,
    mint: Callable[..., str] | None,
    stage: Stage | None = None,
) -> str:
    """An applicant's access token: through the identity service when there is one, else a password
    account registered and logged into (the fallback of a stack without an identity provider)."""
    if mint is not None:
        assertion = mint(sub=username, name=name, id_number=id_number, now=now, phone=phone)
        doc = await api.call(
            "intake",
            "POST",
            "/v1/auth/token",
            data={"grant_type": JWT_BEARER, "assertion": assertion},
            stage=stage,
        )
        return str(doc["access_token"])
    password = "applicant-pass-2027"
    await api.call(
        "intake",
        "POST",
        "/v1/accounts/applicants",
        json={"username": username, "password": password, "name": name, "phone": phone},
        stage=stage,
    )
    doc = await api.call(
        "intake",
        "POST",
        "/v1/auth/token",
        data={"grant_type": "password", "username": username, "password": password},
        stage=stage,
    )
    return str(doc["access_token"])
