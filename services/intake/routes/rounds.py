"""Rounds (年度申报) and their phases."""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Path, Query

from services.intake.handlers import rounds as h
from services.intake.routes.deps import SECURED, Caller, Context, Limit, Offset, errors
from services.intake.schemas import RoundIn, RoundOut, RoundPage
from services.intake.schemas.rounds import GraduateRoundIn

router = APIRouter(tags=["rounds 年度申报"])
RoundId = Annotated[str, Path(max_length=64, pattern=r"^[A-Za-z0-9_.:-]+$", examples=["points-2024"])]


@router.post(
    "/v1/rounds",
    summary="Create a round 创建年度申报",
    status_code=201,
    response_model=RoundOut,
    responses=errors(409),
    dependencies=SECURED,
)
async def create_round(ctx: Context, caller: Caller, body: RoundIn) -> RoundOut:
    """Bureau staff open the round of year Y with its policy version, quota and the dates of its six phases
    (seed 004 第三条): 申报 declaration, 部门审核结果汇总 review summary, 审核结果查询 results query,
    部门复核及积分排名 recheck and ranking, 公示 publicity, 落户办理 settlement. Phases are whole days
    (Beijing time), in this order, without overlap. The round's id is `points-Y`.

    The current phase follows from the service clock; the worker announces each phase as it starts
    (`round.phase_changed`).
    """
    cmd = h.CreateRound(
        program=body.program,
        year=body.year,
        policy_version=body.policy_version,
        quota=body.quota,
        phases=tuple(h.PhaseIn(p.phase.value, p.starts_on, p.ends_on) for p in body.phases),
        created_by=caller.subject,
    )
    return await ctx.run(h.create_round, cmd, actor=caller.subject)


@router.post(
    "/v1/graduate-rounds",
    summary="Create a graduate round 创建引进毕业生年度",
    status_code=201,
    response_model=RoundOut,
    responses=errors(409),
    dependencies=SECURED,
)
async def create_graduate_round(ctx: Context, caller: Caller, body: GraduateRoundIn) -> RoundOut:
    """Bureau staff open the graduate round of year Y (seed 000 第十七条; id `graduates-Y`, policy
    `graduates-2018`) with its four stages, by default computed from Y: 需求调查 demand survey
    (Y−1-10-01 – Y−1-11-30: units report demand by 30 November), 指标分配 quota allocation (Y−1-12-01 – end
    of February Y), 申报 declaration (Y-03-01 – Y-09-30), 落户办理 settlement (Y+1-01-01 – Y+1-12-31).
    Any stage's dates can be overridden; they must keep the order and the limits of 第十七条 (422 naming
    the stage otherwise).

    The current stage follows from the service clock (`GET /v1/rounds/graduates-Y`); the worker announces
    each stage as it starts (`round.phase_changed`, program `graduates`). Graduate declarations are only
    made and submitted in the declaration stage (409 otherwise).
    """
    cmd = h.CreateGraduateRound(
        year=body.year,
        quota=body.quota,
        stages=tuple(h.StageIn(name, d.starts_on, d.ends_on) for name, d in body.stages.items()),
        created_by=caller.subject,
    )
    return await ctx.run(h.create_graduate_round, cmd, actor=caller.subject)


@router.get("/v1/rounds", summary="List rounds 年度申报列表", response_model=RoundPage)
async def list_rounds(
    ctx: Context,
    caller: Caller,
    program: Annotated[Literal["points", "graduates"] | None, Query()] = None,
    year: Annotated[int | None, Query(ge=2018, le=2100)] = None,
    limit: Limit = 50,
    offset: Offset = 0,
) -> RoundPage:
    """Public: every round, newest year first, with its phases and the phase it is in now."""
    return await ctx.run(h.list_rounds, h.ListRounds(program, year, limit, offset), actor=caller.subject)


@router.get(
    "/v1/rounds/{round_id}",
    summary="A round and its current phase 年度申报详情",
    response_model=RoundOut,
    responses=errors(404),
)
async def get_round(ctx: Context, caller: Caller, round_id: RoundId) -> RoundOut:
    """Public: the round's phases and dates, the phase it is in now (by the service clock), and, once
    known, its ranking cut-off and publicity counts."""
    return await ctx.run(h.get_round, h.GetRound(round_id), actor=caller.subject)
