"""The objection staff roster: who may assign objections (supervisors, registered by operations) and who
objections may be given to (investigators, registered by operations or a supervisor). Publicity does not
own accounts: the roster holds account ids (the subjects of intake's tokens)."""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Path, Query, Request

from services.publicity.domain.outcomes import StaffDuty
from services.publicity.handlers import staff as uc
from services.publicity.routes.common import CtxDep
from services.publicity.schemas import ID_PATTERN, StaffDutyOut, StaffPageOut
from shared.service import principal_of

router = APIRouter(tags=["investigation 异议核查"])

DutyPath = Annotated[
    Literal["supervisor", "investigator"],
    Path(description="`supervisor` assigns objections; `investigator` is given them and may unseal."),
]
AccountId = Annotated[
    str,
    Path(
        max_length=200,
        pattern=ID_PATTERN,
        description="An account id (token subject).",
        examples=["acc-7f3a9c"],
    ),
]
CHANGE_RESPONSES: dict[int | str, dict[str, str]] = {
    403: {
        "description": "Supervisors are registered by operations; investigators by operations or a supervisor"
    },
    409: {"description": "A duty of one's own (`own_duty`)"},
}


@router.get(
    "/v1/objection-staff", summary="Objection staff roster 异议核查人员名册", response_model=StaffPageOut
)
async def roster(
    request: Request,
    ctx: CtxDep,
    duty: Annotated[Literal["supervisor", "investigator"] | None, Query()] = None,
    include_revoked: bool = False,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
    offset: Annotated[int, Query(ge=0, le=1_000_000)] = 0,
) -> StaffPageOut:
    """Who may assign objections (supervisors) and who may be given one (investigators), with who
    registered them and when; ``include_revoked`` adds revoked duties (who revoked them, when).
    督办负责人与核查人员名册。"""
    page = await ctx.run(
        uc.list_staff,
        uc.ListStaff(StaffDuty(duty) if duty else None, include_revoked, limit, offset),
        actor=principal_of(request).subject[:200],
    )
    return StaffPageOut(
        items=[StaffDutyOut.model_validate(r) for r in page.items],
        total=page.total,
        limit=limit,
        offset=offset,
    )


@router.put(
    "/v1/objection-staff/{duty}/{account_id}",
    summary="Register a supervisor or an investigator 登记督办负责人或核查人员",
    response_model=StaffDutyOut,
    responses=CHANGE_RESPONSES,
)
async def register(duty: DutyPath, account_id: AccountId, request: Request, ctx: CtxDep) -> StaffDutyOut:
    """Register an account for a duty (again, if it was revoked; an active duty is left as it was).
    Supervisors are registered by operations; investigators by operations or a supervisor; nobody
    registers themself. Only a registered supervisor assigns objections, only to a registered
    investigator, never to themself. 登记督办负责人（运维）或核查人员（运维或督办负责人），不得登记本人。"""
    principal = principal_of(request)
    row = await ctx.run(
        uc.register_duty,
        uc.ChangeDuty(StaffDuty(duty), account_id, principal.roles),
        actor=principal.subject[:200],
    )
    return StaffDutyOut.model_validate(row)


@router.delete(
    "/v1/objection-staff/{duty}/{account_id}",
    summary="Revoke a supervisor or an investigator 撤销督办负责人或核查人员",
    response_model=StaffDutyOut,
    responses={**CHANGE_RESPONSES, 404: {"description": "No such active duty"}},
)
async def revoke(duty: DutyPath, account_id: AccountId, request: Request, ctx: CtxDep) -> StaffDutyOut:
    """Revoke an active duty: a revoked supervisor no longer assigns, a revoked investigator can no longer
    unseal a reporter's identity (even on an objection assigned to them). The row stays, with who revoked
    it and when. 撤销登记（记录撤销人和时间）。"""
    principal = principal_of(request)
    row = await ctx.run(
        uc.revoke_duty,
        uc.ChangeDuty(StaffDuty(duty), account_id, principal.roles),
        actor=principal.subject[:200],
    )
    return StaffDutyOut.model_validate(row)
