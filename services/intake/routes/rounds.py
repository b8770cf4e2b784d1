"""Rounds (年度申报) and their phases."""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Path, Query

from services.intake.handlers import rounds as h
from services.intake.routes.deps import SECURED, Caller, Context, Limit, Offset, errors
from services.intake.schemas import RoundIn, RoundOut, RoundPage

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
