"""Bureau staff: run, read and finalize the ranking of a round."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Request

from services.scoring.context import Ctx
from services.scoring.handlers import rankings
from services.scoring.routes.deps import IdPath
from services.scoring.schemas import RankEntryOut, RankEntryPage, RankingList, RankingOut, RankingRun
from shared.service import get_context, principal_of

router = APIRouter(tags=["ranking 排名"])


@router.post(
    "/v1/rounds/{round_id}/rankings",
    summary="Run the ranking of a round 计算年度排名",
    response_model=RankingOut,
    status_code=201,
    responses={409: {"description": "Ranking already finalized, or nothing to rank"}},
)
async def run_ranking(round_id: IdPath, body: RankingRun, request: Request) -> RankingOut:
    """Rank the current results of all qualified applicants of the round (a draft, not yet published).

    Competition ranks; with a quota Q the cut-off is the total at position Q and everyone at or above it is
    admitted (ties included); with a score line everyone at or above the line. The same inputs always give
    the same digest, cut-off and ranks. Without a body quota, the round's quota (from intake) is used.
    """
    ctx: Ctx = get_context(request)
    row = await ctx.run(
        rankings.run_ranking,
        rankings.RunRanking(round_id, body.quota, body.score_line),
        actor=principal_of(request).subject,
    )
    return RankingOut.from_record(row)


@router.get(
    "/v1/rounds/{round_id}/rankings",
    summary="Rankings of a round 年度排名列表",
    response_model=RankingList,
)
async def list_rankings(round_id: IdPath, request: Request) -> RankingList:
    """Every ranking run of the round, newest first, with its status (draft or finalized)."""
    ctx: Ctx = get_context(request)
    rows = await ctx.run(
        rankings.rankings_of_round,
        rankings.RankingsOfRound(round_id),
        actor=principal_of(request).subject,
    )
    return RankingList(items=[RankingOut.from_record(r) for r in rows])


@router.get(
    "/v1/rounds/{round_id}/rankings/{ranking_id}",
    summary="One ranking 排名详情",
    response_model=RankingOut,
    responses={404: {"description": "No such ranking"}},
)
async def get_ranking(round_id: IdPath, ranking_id: IdPath, request: Request) -> RankingOut:
    """A ranking's selection rule, cut-off, counts, input digest and status."""
    ctx: Ctx = get_context(request)
    row = await ctx.run(
        rankings.get_ranking,
        rankings.GetRanking(round_id, ranking_id),
        actor=principal_of(request).subject,
    )
    return RankingOut.from_record(row)


@router.get(
    "/v1/rounds/{round_id}/rankings/{ranking_id}/entries",
    summary="Ranked applicants 排名名单",
    response_model=RankEntryPage,
    responses={404: {"description": "No such ranking"}},
)
async def ranking_entries(
    round_id: IdPath,
    ranking_id: IdPath,
    request: Request,
    admitted: Annotated[
        bool | None, Query(description="Only admitted (true) or not admitted (false)")
    ] = None,
    limit: Annotated[int, Query(ge=1, le=1000)] = 100,
    offset: Annotated[int, Query(ge=0, le=10_000_000)] = 0,
) -> RankEntryPage:
    """Ranked applicants in display order (total descending; inside a tie by application id)."""
    ctx: Ctx = get_context(request)
    page = await ctx.run(
        rankings.ranking_entries,
        rankings.RankingEntries(round_id, ranking_id, admitted, limit, offset),
        actor=principal_of(request).subject,
    )
    return RankEntryPage(
        items=[RankEntryOut.from_record(e) for e in page.items],
        total=page.total,
        limit=limit,
        offset=offset,
    )


@router.post(
    "/v1/rounds/{round_id}/rankings/{ranking_id}/finalize",
    summary="Finalize and publish a ranking 确认排名",
    response_model=RankingOut,
    responses={
        404: {"description": "No such ranking"},
        409: {"description": "Another ranking is finalized, or scores changed since the run"},
    },
)
async def finalize(round_id: IdPath, ranking_id: IdPath, request: Request) -> RankingOut:
    """Finalize a draft ranking: emits `ranking.finalized` and one `application.ranked` per ranked applicant.

    Finalizing is idempotent. Once finalized, the round cannot be ranked again and nobody is added when
    someone drops out (不递补). Refused if any current score of the round changed since the ranking was run.
    """
    ctx: Ctx = get_context(request)
    row = await ctx.run(
        rankings.finalize_ranking,
        rankings.FinalizeRanking(round_id, ranking_id),
        actor=principal_of(request).subject,
    )
    return RankingOut.from_record(row)
