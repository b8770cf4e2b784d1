"""The rounds this service knows from ``round.phase_changed``."""

from __future__ import annotations

from fastapi import APIRouter, Request

from services.review.handlers import rounds as h
from services.review.routes.common import Limit, Offset, context
from services.review.schemas import RoundOut, RoundPage
from shared.service import principal_of

router = APIRouter(tags=["rounds 年度"])


@router.get("/v1/rounds", response_model=RoundPage, summary="Rounds and phases 申报年度及阶段")
async def list_rounds(request: Request, limit: Limit = 50, offset: Offset = 0) -> RoundPage:
    """The rounds this service knows from `round.phase_changed`, with their current phase (rechecks are
    possible in the declaration phase, appeals in the results-query phase)."""
    page = await context(request).run(
        h.list_rounds, h.ListRounds(limit, offset), actor=principal_of(request).subject
    )
    return RoundPage(
        items=[RoundOut.model_validate(r) for r in page.items], total=page.total, limit=limit, offset=offset
    )
