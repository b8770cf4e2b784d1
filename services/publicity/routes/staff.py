"""Bureau staff and operations: every publicity, the archived copies with outcomes, readiness."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Query, Request

from services.publicity.handlers import lists
from services.publicity.routes.common import (
    NOT_FOUND,
    CtxDep,
    PublicityId,
    SearchText,
    search,
    staff_publicity_out,
)
from services.publicity.schemas import (
    ID_PATTERN,
    PublicityStaffOut,
    ReadinessOut,
    StaffEntryPage,
    StaffPublicityPage,
    publicity_out,
    staff_entry,
)
from shared.service import principal_of

router = APIRouter(tags=["staff 工作人员"])


@router.get("/v1/publicities", summary="All publicities 全部公示", response_model=StaffPublicityPage)
async def staff_publicities(
    request: Request,
    ctx: CtxDep,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
    offset: Annotated[int, Query(ge=0, le=1_000_000)] = 0,
) -> StaffPublicityPage:
    """Every publicity whatever its status (scheduled, open, closed), with counts of outcomes and of
    objections by status. 全部公示（含已准备、公示中、已结束）。"""
    page = await ctx.run(
        lists.staff_publicities, lists.StaffPublicities(limit, offset), actor=principal_of(request).subject
    )
    return StaffPublicityPage(
        items=[staff_publicity_out(p) for p in page.items], total=page.total, limit=limit, offset=offset
    )


@router.get(
    "/v1/publicities/{publicity_id}",
    summary="One publicity 公示详情",
    response_model=PublicityStaffOut,
    responses=NOT_FOUND,
)
async def staff_publicity(publicity_id: PublicityId, request: Request, ctx: CtxDep) -> PublicityStaffOut:
    """A publicity's status, period (with the calendar data version), counts and objections by status."""
    p = await ctx.run(
        lists.staff_publicity, lists.StaffPublicity(publicity_id), actor=principal_of(request).subject
    )
    return staff_publicity_out(p)


@router.get(
    "/v1/publicities/{publicity_id}/entries",
    summary="Archived copy of a list 公示名单存档",
    response_model=StaffEntryPage,
    responses=NOT_FOUND,
)
async def staff_entries(
    publicity_id: PublicityId,
    request: Request,
    ctx: CtxDep,
    q: SearchText = None,
    outcome: Annotated[str | None, Query(pattern="^(cleared|disqualified|held)$")] = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
    offset: Annotated[int, Query(ge=0, le=1_000_000)] = 0,
) -> StaffEntryPage:
    """The list as published, kept after the period for staff and audit, with each entry's application
    id and outcome. 公示名单存档（含申请编号与公示结果），供工作人员与审计使用。"""
    page = await ctx.run(
        lists.staff_page,
        lists.StaffEntries(publicity_id, search(q), outcome, limit, offset),
        actor=principal_of(request).subject,
    )
    return StaffEntryPage(
        publicity=publicity_out(page.publicity, page.publicity["period"]),
        items=[staff_entry(r) for r in page.rows],
        total=page.total,
        limit=limit,
        offset=offset,
    )


@router.get(
    "/v1/rounds/{round_id}/publicity-readiness",
    summary="Is a round's list ready? 公示准备情况",
    response_model=ReadinessOut,
)
async def readiness(
    round_id: Annotated[str, Path(max_length=64, pattern=ID_PATTERN)], request: Request, ctx: CtxDep
) -> ReadinessOut:
    """Whether the round's list has been prepared, and if not, which upstream events are still missing
    (finalized ranking, admitted applicants' ranking, submission or score, the publicity phase dates)."""
    view = await ctx.run(lists.readiness_of, lists.ReadinessOf(round_id), actor=principal_of(request).subject)
    return ReadinessOut.model_validate(view)
