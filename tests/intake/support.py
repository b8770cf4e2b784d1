"""Helpers for the intake tests: a running intake (app + optional worker) on a fresh database, and an API
client that plays applicants, employers and staff through HTTP alone."""

from __future__ import annotations

import base64
import copy
import secrets
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
from fastapi import FastAPI

from services.intake.app import create_app
from services.intake.config import Settings
from services.intake.context import Ctx, build_service_context
from services.intake.handlers.accounts import CreateStaffAccount, create_staff_account, new_account
from services.intake.schemas import FACTS_EXAMPLE
from services.intake.worker import create_worker
from shared.api.auth import generate_keypair
from shared.clock import BEIJING, ManualClock
from shared.service import Worker
from shared.validation import resident_id_check_character
from tests.support.infra import Infra

#: The test clock starts inside the declaration phase of ROUND_2024.
START = datetime(2024, 5, 10, 9, 0, tzinfo=BEIJING)

ROUND_2024: dict[str, Any] = {
    "year": 2024,
    "quota": 6000,
    "phases": [
        {"phase": "declaration", "starts_on": "2024-05-06", "ends_on": "2024-05-20"},
        {"phase": "review_summary", "starts_on": "2024-05-21", "ends_on": "2024-06-30"},
        {"phase": "results_query", "starts_on": "2024-07-01", "ends_on": "2024-07-10"},
        {"phase": "recheck_and_ranking", "starts_on": "2024-07-11", "ends_on": "2024-08-10"},
        {"phase": "publicity", "starts_on": "2024-08-11", "ends_on": "2024-08-18"},
        {"phase": "settlement", "starts_on": "2024-08-19", "ends_on": "2026-08-18"},
    ],
}

#: A valid unified social credit code registered in Beijing (GB 32100 check character).
EMPLOYER_CODE = "91110000600037341L"


def make_id(birth: date, seq: str = "001", region: str = "110105") -> str:
    first = f"{region}{birth:%Y%m%d}{seq}"
    return first + resident_id_check_character(first)


def facts_for(birth: date, sex: str = "male", year: int = 2024) -> dict[str, Any]:
    facts = copy.deepcopy(FACTS_EXAMPLE)
    facts["application_year"] = year
    facts["person"] = {"birth_date": birth.isoformat(), "sex": sex}
    return facts


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


@dataclass
class Intake:
    settings: Settings
    clock: ManualClock
    ctx: Ctx
    http: httpx.AsyncClient
    jwt_private_key: str
    tokens: dict[str, str] = field(default_factory=dict)
    passwords: dict[str, tuple[str, str]] = field(default_factory=dict)  # token -> (username, password)
    app: FastAPI | None = None

    def advance(self, **kw: Any) -> None:
        self.clock.advance(timedelta(**kw))

    # ---- accounts --------------------------------------------------------------------------------
    async def staff(self, role: str, username: str | None = None, department: str | None = None) -> str:
        """A staff account created like the bootstrap command does, logged in; returns its token."""
        username = username or f"{role.replace('_', '-')}-{secrets.token_hex(3)}"
        who = await new_account(self.ctx.runtime.passwords, username, "staff-pass-2024", "工作人员")
        await self.ctx.run(
            create_staff_account,
            CreateStaffAccount(
                who,
                role=role,
                department=department,
                district=None,
                created_by="bootstrap",
            ),
            actor="bootstrap",
        )
        return await self.login(username, "staff-pass-2024")

    async def login(self, username: str, password: str) -> str:
        r = await self.http.post(
            "/v1/auth/token", data={"grant_type": "password", "username": username, "password": password}
        )
        assert r.status_code == 200, r.text
        token: str = r.json()["access_token"]
        self.passwords[token] = (username, password)
        return token

    async def relogin(self, token: str) -> str:
        """A fresh access token for the account of ``token`` (after the clock moved past its expiry)."""
        return await self.login(*self.passwords[token])

    async def applicant(self, username: str | None = None, name: str = "张三") -> str:
        username = username or f"app-{secrets.token_hex(4)}"
        r = await self.http.post(
            "/v1/accounts/applicants",
            json={"username": username, "password": "applicant-pass-1", "name": name, "phone": "13800138000"},
        )
        assert r.status_code == 201, r.text
        return await self.login(username, "applicant-pass-1")

    async def employer(
        self, credit_code: str = EMPLOYER_CODE, name: str = "北京某某科技有限公司", *, verified: bool = True
    ) -> str:
        """A registered employer's administrator, logged in; the employer verified by bureau staff through
        the API (``POST /v1/employers/{credit_code}/verification``) unless ``verified=False``."""
        username = f"hr-{secrets.token_hex(4)}"
        r = await self.http.post(
            "/v1/employers",
            json={
                "employer": {
                    "name": name,
                    "credit_code": credit_code,
                    "tax_registered": True,
                    "district": "110108",
                },
                "admin": {
                    "username": username,
                    "password": "employer-pass-1",
                    "name": "王五",
                    "phone": "13900139000",
                },
            },
        )
        assert r.status_code == 201, r.text
        if verified:
            await self.verify_employer(credit_code)
        return await self.login(username, "employer-pass-1")

    async def bureau(self) -> str:
        """The bureau staff token of this test (created once)."""
        bureau = self.tokens.get("bureau") or await self.staff("bureau_staff")
        self.tokens["bureau"] = bureau
        return bureau

    async def verify_employer(self, credit_code: str = EMPLOYER_CODE) -> dict[str, Any]:
        # The simplest call: no body at all (``{"note": …}`` is optional).
        r = await self.http.post(
            f"/v1/employers/{credit_code}/verification", headers=bearer(await self.bureau())
        )
        assert r.status_code == 200 and r.json()["verified"], r.text
        out: dict[str, Any] = r.json()
        return out

    async def create_round(self, body: dict[str, Any] | None = None) -> dict[str, Any]:
        bureau = await self.bureau()
        r = await self.http.post("/v1/rounds", json=body or ROUND_2024, headers=bearer(bureau))
        assert r.status_code == 201, r.text
        out: dict[str, Any] = r.json()
        return out

    async def affiliate(
        self, applicant: str, employer: str, credit_code: str = EMPLOYER_CODE
    ) -> dict[str, Any]:
        r = await self.http.post(
            "/v1/affiliations", json={"employer_credit_code": credit_code}, headers=bearer(applicant)
        )
        assert r.status_code == 201, r.text
        r = await self.http.post(f"/v1/affiliations/{r.json()['id']}/confirm", headers=bearer(employer))
        assert r.status_code == 200 and r.json()["status"] == "confirmed", r.text
        out: dict[str, Any] = r.json()
        return out

    async def declare(
        self,
        applicant: str,
        *,
        birth: date = date(1985, 3, 7),
        seq: str = "001",
        round_id: str = "points-2024",
    ) -> httpx.Response:
        return await self.http.post(
            "/v1/applications",
            headers=bearer(applicant),
            json={
                "round_id": round_id,
                "identity": {"name": "张三", "id_number": make_id(birth, seq), "phone": "13800138000"},
                "facts": facts_for(birth),
            },
        )

    async def confirm(self, employer: str, application_id: str, version: int) -> httpx.Response:
        return await self.http.post(
            f"/v1/applications/{application_id}/employer-confirmation",
            json={"version": version},
            headers=bearer(employer),
        )

    async def submit(self, applicant: str, application_id: str, key: str | None = None) -> httpx.Response:
        return await self.http.post(
            f"/v1/applications/{application_id}/submit",
            headers={**bearer(applicant), "Idempotency-Key": key or str(uuid.uuid4())},
        )

    async def submitted_application(self) -> tuple[str, str, str]:
        """A round, an applicant and an employer, and a submitted application: (app id, applicant, employer)."""
        await self.create_round()
        employer = await self.employer()
        applicant = await self.applicant()
        await self.affiliate(applicant, employer)
        r = await self.declare(applicant)
        assert r.status_code == 201, r.text
        app_id: str = r.json()["id"]
        assert (await self.confirm(employer, app_id, 1)).status_code == 200
        r = await self.submit(applicant, app_id)
        assert r.status_code == 200, r.text
        return app_id, applicant, employer

    def client_at(self, host: str) -> httpx.AsyncClient:
        """Another client of the same app, calling from ``host`` (close it with ``aclose``)."""
        assert self.app is not None
        transport = httpx.ASGITransport(app=self.app, client=(host, 40_000))
        return httpx.AsyncClient(transport=transport, base_url="http://t")

    def worker(self) -> Worker:
        return create_worker(self.settings, self.clock)


@asynccontextmanager
async def running_intake(
    infra: Infra, topic_prefix: str, tmp: Path, **overrides: Any
) -> AsyncIterator[Intake]:
    url = await infra.fresh_database("intake")
    priv, pub = generate_keypair()
    settings = Settings(
        database_url=url,
        jwt_public_key=pub,
        jwt_private_key=priv,
        data_key=base64.b64encode(secrets.token_bytes(32)).decode(),
        materials_dir=tmp / "materials",
        phase_job_interval_s=0.1,
        **{**infra.settings_kwargs(topic_prefix), **overrides},
    )
    clock = ManualClock(START)
    app = create_app(settings, clock)
    ctx = build_service_context(settings, clock)
    app.state.ctx = ctx
    http = httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://t")
    try:
        yield Intake(settings, clock, ctx, http, priv, app=app)
    finally:
        await http.aclose()
        await ctx.close()
        await infra.drop(url)
