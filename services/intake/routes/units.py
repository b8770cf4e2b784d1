"""Supervising units (主管单位): creation, jurisdiction over employers (第五条), staff accounts."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path

from services.intake.handlers import units as h
from services.intake.handlers.accounts import new_account
from services.intake.routes.deps import SECURED, Caller, Context, Limit, Offset, errors
from services.intake.schemas import AccountOut
from services.intake.schemas.units import (
    JurisdictionIn,
    JurisdictionOut,
    JurisdictionPage,
    UnitAccountIn,
    UnitIn,
    UnitOut,
    UnitPage,
)

router = APIRouter(tags=["supervising units 主管单位"], dependencies=SECURED)
UnitId = Annotated[str, Path(max_length=40, pattern=r"^[A-Za-z0-9_.:-]+$", examples=["su_1a2b3c4d5e6f7a8b"])]


@router.post(
    "/v1/supervising-units",
    summary="Create a supervising unit 创建主管单位",
    status_code=201,
    response_model=UnitOut,
    responses=errors(409),
)
async def create_unit(ctx: Context, caller: Caller, body: UnitIn) -> UnitOut:
    """Bureau staff create a supervising unit (主管单位, seed 000 第五条) with its supervision phone and
    address, which its publicity shows (第十七条(四)). Names are unique (409 `unit_exists`)."""
    cmd = h.CreateUnit(body.name, body.phone, body.address, caller.subject)
    return await ctx.run(h.create_unit, cmd, actor=caller.subject)


@router.get("/v1/supervising-units", summary="List supervising units 主管单位列表", response_model=UnitPage)
async def list_units(ctx: Context, caller: Caller, limit: Limit = 50, offset: Offset = 0) -> UnitPage:
    """Every supervising unit with its phone and address, by name. Employers use it to find the unit they
    declare to."""
    return await ctx.run(h.list_units, h.ListUnits(limit, offset), actor=caller.subject)


@router.get(
    "/v1/supervising-units/{unit_id}",
    summary="A supervising unit 主管单位详情",
    response_model=UnitOut,
    responses=errors(404),
)
async def get_unit(ctx: Context, caller: Caller, unit_id: UnitId) -> UnitOut:
    """Bureau staff see every unit; a unit's staff their own (others: 404)."""
    return await ctx.run(h.get_unit, h.GetUnit(caller, unit_id), actor=caller.subject)


@router.post(
    "/v1/supervising-units/{unit_id}/employers",
    summary="Put an employer into a unit's jurisdiction 指定用人单位的主管单位",
    response_model=JurisdictionOut,
    responses=errors(404),
)
async def assign_employer(
    ctx: Context, caller: Caller, unit_id: UnitId, body: JurisdictionIn
) -> JurisdictionOut:
    """第五条: bureau staff record which supervising unit an employer goes through (its own body or group,
    the district HRSS bureau of its registration …). An employer belongs to one unit; assigning it again
    moves it. Declarations to any other unit are refused (403 `outside_jurisdiction`)."""
    cmd = h.AssignEmployer(unit_id, body.employer_credit_code, caller.subject)
    return await ctx.run(h.assign_employer, cmd, actor=caller.subject)


@router.get(
    "/v1/supervising-units/{unit_id}/employers",
    summary="The employers in a unit's jurisdiction 主管单位管辖的用人单位",
    response_model=JurisdictionPage,
    responses=errors(404),
)
async def list_jurisdiction(
    ctx: Context, caller: Caller, unit_id: UnitId, limit: Limit = 50, offset: Offset = 0
) -> JurisdictionPage:
    """The employers assigned to the unit, by name: bureau staff for any unit, a unit's staff for their own."""
    cmd = h.ListJurisdiction(caller, unit_id, limit, offset)
    return await ctx.run(h.list_jurisdiction, cmd, actor=caller.subject)


@router.post(
    "/v1/supervising-units/{unit_id}/accounts",
    summary="Create a unit staff account 创建主管单位账户",
    status_code=201,
    response_model=AccountOut,
    responses=errors(404, 409),
)
async def create_unit_account(
    ctx: Context, caller: Caller, unit_id: UnitId, body: UnitAccountIn
) -> AccountOut:
    """Bureau staff create an account (role `supervising_unit`) for a unit's staff. It belongs to that unit:
    its access tokens carry the `supervising_unit` claim, and it acts only on its unit's declarations."""
    who = await new_account(ctx.runtime.passwords, body.username, body.password, body.name)
    cmd = h.CreateUnitAccount(unit_id, who, caller.subject)
    return await ctx.run(h.create_unit_account, cmd, actor=caller.subject)
