"""Dependencies and documentation helpers shared by the intake routes."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import Depends, Path, Query, Request
from fastapi.security import APIKeyHeader, OAuth2PasswordBearer

from services.intake.context import Ctx
from shared.api.auth import Principal
from shared.api.errors import ErrorResponse
from shared.service import get_context, principal_of

# Documentation only: the shared Authorizer (on every route) does the checking. These make Swagger UI's
# "Authorize" button log in with the password flow, or send a department API key.
oauth2_scheme = OAuth2PasswordBearer(tokenUrl="/v1/auth/token", auto_error=False)
api_key_scheme = APIKeyHeader(name="X-API-Key", auto_error=False)
SECURED = [Depends(oauth2_scheme), Depends(api_key_scheme)]


def service_context(request: Request) -> Ctx:
    ctx: Ctx = get_context(request)
    return ctx


def _principal(request: Request) -> Principal:
    return principal_of(request)


#: The intake context (``app.state.ctx``), typed.
Context = Annotated[Ctx, Depends(service_context)]
Caller = Annotated[Principal, Depends(_principal)]
Limit = Annotated[int, Query(ge=1, le=200, description="Page size.")]
Offset = Annotated[int, Query(ge=0, le=10_000_000, description="Items to skip.")]
ApplicationId = Annotated[
    str, Path(max_length=64, pattern=r"^[A-Za-z0-9_.:-]+$", examples=["PA2024-3F9C1B2D7E"])
]

_DESCRIPTIONS = {
    400: "Bad request",
    404: "Not found, or not yours to see",
    409: "Conflicts with the current state (phase, version, duplicate …); the message says why",
    410: "Gone",
    413: "Too large",
    415: "Unsupported media type",
    503: "The service is not configured for this",
}


def errors(*codes: int) -> dict[int | str, dict[str, Any]]:
    return {c: {"model": ErrorResponse, "description": _DESCRIPTIONS.get(c, "Error")} for c in codes}
