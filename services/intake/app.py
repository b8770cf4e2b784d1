"""The intake service's FastAPI application."""

from __future__ import annotations

import contextlib
import logging
from collections.abc import AsyncIterator
from typing import Any

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse

from services.intake.adapters.storage import MaterialCorrupted, MaterialStoreError
from services.intake.api import PERMISSIONS, router
from services.intake.config import Settings
from services.intake.runtime import IntakeRuntime
from shared.api.auth import Principal, Role
from shared.api.errors import error_json
from shared.clock import Clock
from shared.service import ServiceContext, create_service_app

log = logging.getLogger(__name__)

DESCRIPTION = """Accounts, rounds and phases, and declarations from applicants and employers.
账户、年度与阶段、申请人与用人单位的申报。

**How to declare (积分落户申报流程)**
1. The employer registers itself and its administrator: `POST /v1/employers`.
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
async def _close_runtime(app: FastAPI, _: ServiceContext) -> AsyncIterator[None]:
    try:
        yield
    finally:
        await app.state.intake.aclose()


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
        api_keys=api_keys,
        lifespan_extra=_close_runtime,
    )
    app.state.intake = IntakeRuntime(settings)

    @app.exception_handler(MaterialStoreError)
    async def material_store_failed(request: Request, exc: MaterialStoreError) -> JSONResponse:
        # The message names the operation, the digest's start and the S3 status/code; never a credential.
        log.error("material store: %s (%s %s)", exc, request.method, request.url.path)
        if isinstance(exc, MaterialCorrupted):
            # 502: the storage back end answered with content that is not what was stored.
            return error_json(
                502, "material_corrupted", "The stored file failed its integrity check; it has been logged."
            )
        return error_json(
            503,
            "material_store_unavailable",
            "The material store is unavailable; try again later.",
            headers={"Retry-After": "30"},
        )

    upload_limit = settings.materials_max_bytes + 64 * 1024  # the file plus multipart framing

    @app.middleware("http")
    async def refuse_oversized_uploads(request: Request, call_next: Any) -> Any:
        # Refuse before the multipart body is read and spooled; the route checks the file's real size too.
        if request.method == "POST" and request.url.path.endswith("/materials"):
            declared = request.headers.get("content-length", "")
            if declared.isdigit() and int(declared) > upload_limit:
                return error_json(
                    413,
                    "payload_too_large",
                    f"A material may be at most {settings.materials_max_bytes} bytes.",
                )
        return await call_next(request)

    return app
