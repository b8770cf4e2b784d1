"""What the review routes share: the context, paging, documented error answers, the caller's scope."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import Query, Request

from services.review.context import Ctx
from shared.api.auth import Principal, Role
from shared.api.errors import ErrorResponse
from shared.service import get_context

Limit = Annotated[int, Query(ge=1, le=500, description="Page size")]
Offset = Annotated[int, Query(ge=0, le=10_000_000, description="Items to skip")]
NOT_FOUND: dict[int | str, dict[str, Any]] = {404: {"model": ErrorResponse, "description": "Not found"}}
CONFLICT: dict[int | str, dict[str, Any]] = {
    409: {"model": ErrorResponse, "description": "Not possible in the current state or phase"}
}
ID_PATTERN = r"^[A-Za-z0-9_.:-]+$"
MAX_ID = 2**63 - 1  # ids are BIGINT: a larger one is a 422, not a database error


def context(request: Request) -> Ctx:
    ctx: Ctx = get_context(request)
    return ctx


def own_only(principal: Principal) -> str | None:
    """The account whose applications alone the caller may reach: an applicant's own id; ``None`` for
    bureau staff (every application)."""
    if principal.has(Role.BUREAU_STAFF):
        return None
    return principal.subject
