"""现场审核: on-site review tasks and their decisions."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Query, Request

from services.review.handlers import onsite as h
from services.review.routes.common import (
    CONFLICT,
    ID_PATTERN,
    MAX_ID,
    NOT_FOUND,
    Limit,
    Offset,
    context,
)
from services.review.schemas import OnsiteDecisionIn, OnsiteTaskOut, OnsiteTaskPage
from shared.service import principal_of

router = APIRouter(tags=["on-site 现场审核"])
TaskId = Annotated[int, Path(ge=1, le=MAX_ID)]


@router.get("/v1/onsite-tasks", response_model=OnsiteTaskPage, summary="On-site review tasks 现场审核任务")
async def list_onsite_tasks(
    request: Request,
    limit: Limit = 50,
    offset: Offset = 0,
    status: Annotated[str | None, Query(pattern="^(open|decided|superseded)$")] = "open",
    round_id: Annotated[str | None, Query(max_length=64, pattern=ID_PATTERN)] = None,
    topic: Annotated[
        str | None, Query(pattern="^(spouse_relationship|education|innovation|honours|female_job_category)$")
    ] = None,
    application_id: Annotated[str | None, Query(max_length=64, pattern=ID_PATTERN)] = None,
) -> OnsiteTaskPage:
    """What data exchange cannot prove, for bureau staff to check on site (open ones by default): the
    spouse relationship of a spouse-owned home, education certificates, awards and equity, honours, and a
    woman's cadre job category."""
    page = await context(request).run(
        h.list_tasks,
        h.ListTasks(status, round_id, topic, application_id, limit, offset),
        actor=principal_of(request).subject,
    )
    return OnsiteTaskPage(
        items=[OnsiteTaskOut.model_validate(r) for r in page.items],
        total=page.total,
        limit=limit,
        offset=offset,
    )


@router.get(
    "/v1/onsite-tasks/{task_id}",
    response_model=OnsiteTaskOut,
    summary="One on-site review task 现场审核任务详情",
    responses=NOT_FOUND,
)
async def get_onsite_task(request: Request, task_id: TaskId) -> OnsiteTaskOut:
    """The task, with what was declared and any registry hint."""
    row = await context(request).run(h.get_task, h.GetTask(task_id), actor=principal_of(request).subject)
    return OnsiteTaskOut.model_validate(row)


@router.post(
    "/v1/onsite-tasks/{task_id}/decision",
    response_model=OnsiteTaskOut,
    summary="Decide an on-site review task 录入现场审核结论",
    responses={**NOT_FOUND, **CONFLICT},
)
async def decide_onsite_task(request: Request, task_id: TaskId, body: OnsiteDecisionIn) -> OnsiteTaskOut:
    """Record the reviewer's decision and note. When it was the last open question and every department
    has answered, verification completes in the same transaction (`verification.completed` is emitted)."""
    row = await context(request).run(
        h.decide_onsite,
        h.DecideOnsite(task_id, body.decision, body.value, body.reviewer, body.note),
        actor=principal_of(request).subject,
    )
    return OnsiteTaskOut.model_validate(row)
