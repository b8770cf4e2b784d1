"""The intake service's FastAPI application."""

from __future__ import annotations

import contextlib
import logging
from collections.abc import AsyncIterator

from fastapi import FastAPI

from services.intake.config import Settings
from services.intake.context import build_service_context
from services.intake.routes import PERMISSIONS, router
from shared.api.auth import Principal, Role
from shared.clock import Clock
from shared.service import AnyContext, create_service_app

log = logging.getLogger(__name__)

DESCRIPTION = """Accounts, rounds and phases, and declarations from applicants and employers.
账户、年度与阶段、申请人与用人单位的申报。

**How to declare (积分落户申报流程)**
1. The employer registers itself and its administrator: `POST /v1/employers`; bureau staff check its
   documents and verify it (`POST /v1/employers/{credit_code}/verification`) before it can confirm
   anything (409 `employer_unverified` until then).
2. The applicant registers: `POST /v1/accounts/applicants`; both log in at `POST /v1/auth/token`
   (OAuth2 password flow; use "Authorize" above).
3. Applicant and employer confirm their affiliation: `POST /v1/affiliations`, then
   `POST /v1/affiliations/{id}/confirm` by the other side.
4. In the declaration phase of the round (`GET /v1/rounds`), the applicant declares:
   `POST /v1/applications`, and may edit with `PUT /v1/applications/{id}`.
5. The employer confirms the version it reviewed: `POST /v1/applications/{id}/employer-confirmation`.
6. The applicant submits with an `Idempotency-Key`: `POST /v1/applications/{id}/submit`.
7. Follow the case: `GET /v1/applications/{id}` and `GET /v1/applications/{id}/timeline`.

Errors have one shape, `{"error": {"code", "message", "details"}}`; invalid input answers 422 with one
detail (field, code, message) per offending field; an action outside its phase answers 409 naming the
phase and its dates.
"""


@contextlib.asynccontextmanager
async def _close_runtime(app: FastAPI, ctx: AnyContext) -> AsyncIterator[None]:
    """The material store's connections (S3) are closed with the app."""
    try:
        yield
    finally:
        await ctx.runtime.aclose()


def create_app(settings: Settings, clock: Clock | None = None) -> FastAPI:
    api_keys = {
        digest: Principal(
            subject=f"department:{department}",
            roles=frozenset({Role.DEPARTMENT_CLIENT.value}),
            name=department,
            department=department,
        )
        for digest, department in settings.department_api_keys.items()
    }
    app = create_service_app(
        settings,
        title="Intake 申报受理",
        description=DESCRIPTION,
        routers=[router],
        permissions=PERMISSIONS,
        clock=clock,
        context=build_service_context,
        api_keys=api_keys,
        lifespan_extra=_close_runtime,
        # An upload may carry one material plus its multipart framing; every other route the default.
        body_limits={
            ("POST", "/v1/applications/{application_id}/materials"): settings.materials_max_bytes + 64 * 1024
        },
    )

    return app
