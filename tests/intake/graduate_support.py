"""Helpers for the graduate-programme tests: a graduate round of 2025, a supervising unit with its staff,
an employer in its jurisdiction, and declaration bodies."""

from __future__ import annotations

import copy
import secrets
import uuid
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

import httpx

from services.intake.schemas.graduates import EMPLOYMENT_EXAMPLE, GRADUATE_EXAMPLE
from shared.clock import BEIJING
from tests.intake.support import EMPLOYER_CODE, Intake, bearer, make_id

#: Inside the declaration stage of the graduate round 2025 (March–September).
IN_WINDOW = datetime(2025, 4, 1, 9, 0, tzinfo=BEIJING)
#: A second valid Beijing credit code (GB 32100 check character).
OTHER_EMPLOYER_CODE = "91110108700224669C"
BIRTH = date(2000, 4, 2)


def graduate_body(
    round_id: str, unit_id: str, *, birth: date = BIRTH, seq: str = "011", name: str = "李雷", **graduate: Any
) -> dict[str, Any]:
    g = copy.deepcopy(GRADUATE_EXAMPLE)
    g.update(name=name, id_number=make_id(birth, seq, "420106"), **graduate)
    return {
        "round_id": round_id,
        "supervising_unit_id": unit_id,
        "graduate": g,
        "employment": dict(EMPLOYMENT_EXAMPLE),
    }


@dataclass
class GraduateWorld:
    intake: Intake
    bureau: str
    unit_id: str
    unit: str  # a unit staff token
    employer: str  # an employer administrator token (employer in the unit's jurisdiction)
    round_id: str = "graduates-2025"

    @property
    def http(self) -> httpx.AsyncClient:
        return self.intake.http

    async def new_unit(self, name: str) -> tuple[str, str]:
        """Another unit and a logged-in staff account of it: (unit id, token)."""
        r = await self.http.post(
            "/v1/supervising-units",
            json={"name": name, "phone": "010-6000 0000", "address": "北京市某区某路2号"},
            headers=bearer(self.bureau),
        )
        assert r.status_code == 201, r.text
        unit_id: str = r.json()["id"]
        username = f"unit-{secrets.token_hex(3)}"
        r = await self.http.post(
            f"/v1/supervising-units/{unit_id}/accounts",
            json={"username": username, "password": "unit-pass-2025", "name": "赵六"},
            headers=bearer(self.bureau),
        )
        assert r.status_code == 201, r.text
        return unit_id, await self.intake.login(username, "unit-pass-2025")

    async def assign(self, unit_id: str, credit_code: str) -> httpx.Response:
        return await self.http.post(
            f"/v1/supervising-units/{unit_id}/employers",
            json={"employer_credit_code": credit_code},
            headers=bearer(self.bureau),
        )

    async def declare(
        self, body: dict[str, Any] | None = None, employer: str | None = None
    ) -> httpx.Response:
        return await self.http.post(
            "/v1/graduate-declarations",
            json=body or graduate_body(self.round_id, self.unit_id),
            headers=bearer(employer or self.employer),
        )

    async def submit(self, declaration_id: str, key: str | None = None) -> httpx.Response:
        return await self.http.post(
            f"/v1/graduate-declarations/{declaration_id}/submit",
            headers={**bearer(self.employer), "Idempotency-Key": key or str(uuid.uuid4())},
        )

    async def consent_by_link(self, declaration_id: str) -> httpx.Response:
        r = await self.http.post(
            f"/v1/graduate-declarations/{declaration_id}/consent-link", headers=bearer(self.employer)
        )
        assert r.status_code == 201, r.text
        return await self.http.post(r.json()["path"])

    async def approve(self, declaration_id: str, revision: int, token: str | None = None) -> httpx.Response:
        return await self.http.post(
            f"/v1/graduate-declarations/{declaration_id}/unit-approval",
            json={"revision": revision},
            headers=bearer(token or self.unit),
        )


async def graduate_world(intake: Intake, *, round_body: dict[str, Any] | None = None) -> GraduateWorld:
    """Clock in the declaration window of 2025; the round, one unit with a staff account, one employer in
    its jurisdiction."""
    intake.clock.set(IN_WINDOW)
    bureau = await intake.staff("bureau_staff")
    intake.tokens["bureau"] = bureau
    r = await intake.http.post(
        "/v1/graduate-rounds", json=round_body or {"year": 2025}, headers=bearer(bureau)
    )
    assert r.status_code == 201, r.text
    employer = await intake.employer()
    world = GraduateWorld(intake, bureau, "", "", employer)
    world.unit_id, world.unit = await world.new_unit("海淀区人力资源和社会保障局")
    assert (await world.assign(world.unit_id, EMPLOYER_CODE)).status_code == 200
    return world
