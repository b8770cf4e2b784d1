"""Staff: the scores of an application, one per revision of its verified facts."""

from __future__ import annotations

from fastapi import APIRouter, Request

from services.scoring.context import Ctx
from services.scoring.handlers import scores
from services.scoring.routes.deps import IdPath
from services.scoring.schemas import ScoreHistory, ScoreRecord
from shared.service import get_context, principal_of

router = APIRouter(tags=["results 结果"])


@router.get(
    "/v1/applications/{application_id}/scores",
    summary="Score history of an application 积分记录",
    response_model=ScoreHistory,
    responses={404: {"description": "Not scored yet"}},
)
async def score_history(application_id: IdPath, request: Request) -> ScoreHistory:
    """Every scored revision of an application's verified facts, newest first; the newest is current
    (a recheck or appeal produces a new revision that supersedes the old one)."""
    ctx: Ctx = get_context(request)
    rows = await ctx.run(
        scores.score_history, scores.ScoreHistory(application_id), actor=principal_of(request).subject
    )
    items = [ScoreRecord.from_record(r, current=(i == 0)) for i, r in enumerate(rows)]
    return ScoreHistory(application_id=application_id, items=items)
