"""The quota ledger (指标) through the API: the bureau allocates and reallocates (调剂); a unit's account
with its movements; the year-end account (年终执行情况) as JSON and as CSV."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Request
from fastapi.responses import Response

from services.settlement import handlers
from services.settlement.domain.quota import OUTSIDE_QUOTA, AccountLine, Balance, account_csv
from services.settlement.graduate_schemas import (
    UNIT_ID_PATTERN,
    AllocateIn,
    QuotaAccountOut,
    QuotaMovementOut,
    ReallocateIn,
    ReallocationOut,
    YearEndAccountOut,
    YearEndLineOut,
)
from services.settlement.routes.deps import Responses, actor, context
from shared.api.errors import ErrorResponse

router = APIRouter(tags=["quota 指标"])

YearPath = Annotated[int, Path(ge=2018, le=2100, examples=[2025])]
UnitPath = Annotated[str, Path(pattern=UNIT_ID_PATTERN, examples=["unit-haidian"])]
EXHAUSTED: Responses = {
    409: {"model": ErrorResponse, "description": "`quota_exhausted`: not enough units left"}
}


def _balance(unit: str, year: int, b: Balance) -> dict[str, int | str]:
    return {
        "supervising_unit_id": unit,
        "year": year,
        "allocated": b.allocated,
        "reallocated_in": b.reallocated_in,
        "reallocated_out": b.reallocated_out,
        "used": b.used,
        "returned": b.returned,
        "remaining": b.remaining,
    }


def account_out(a: handlers.QuotaAccount) -> QuotaAccountOut:
    return QuotaAccountOut.model_validate(
        {
            **_balance(a.supervising_unit_id, a.year, a.balance),
            "movements": [QuotaMovementOut.model_validate(m) for m in a.movements],
        }
    )


def _line(line: AccountLine) -> YearEndLineOut:
    outside = {t.value: line.outside(t) for t in OUTSIDE_QUOTA}
    return YearEndLineOut.model_validate(
        {**_balance(line.supervising_unit_id, line.year, line.balance), **outside}
    )


@router.post(
    "/v1/quotas/{year}/allocations",
    summary="Allocate quota 分配指标",
    response_model=QuotaAccountOut,
    status_code=201,
)
async def allocate(request: Request, year: YearPath, body: AllocateIn) -> QuotaAccountOut:
    """The bureau allocates units of `year`'s quota to a supervising unit (a collective decision, 第六条),
    recorded with who decided, when and why. Returns the unit's account.

    市人力社保局分配年度引进指标（记录决定人、时间、理由）。
    """
    cmd = handlers.Allocate(body.supervising_unit_id, year, body.amount, body.reason)
    return account_out(await context(request).run(handlers.allocate, cmd, actor=actor(request)))


@router.post(
    "/v1/quotas/{year}/reallocations",
    summary="Reallocate quota 调剂指标",
    response_model=ReallocationOut,
    status_code=201,
    responses=EXHAUSTED,
)
async def reallocate(request: Request, year: YearPath, body: ReallocateIn) -> ReallocationOut:
    """调剂: move unused units of `year` from one supervising unit to another, recorded on both accounts
    with who decided, when and why. `409 quota_exhausted` when the source has fewer units left.

    指标调剂：从一个主管单位调出、调入另一主管单位。
    """
    cmd = handlers.Reallocate(body.from_unit_id, body.to_unit_id, year, body.amount, body.reason)
    done = await context(request).run(handlers.reallocate, cmd, actor=actor(request))
    return ReallocationOut(source=account_out(done.source), target=account_out(done.target))


@router.get(
    "/v1/quotas/{year}/units/{unit_id}",
    summary="A unit's quota account 主管单位指标账户",
    response_model=QuotaAccountOut,
)
async def unit_account(request: Request, year: YearPath, unit_id: UnitPath) -> QuotaAccountOut:
    """A supervising unit's account for `year`: allocated, reallocated in/out, used, returned, remaining,
    and every movement (allocations and reallocations with their decider and reason; each use and return
    with its declaration). An account never allocated shows zeros.

    主管单位年度指标账户及明细。
    """
    cmd = handlers.GetAccount(unit_id, year)
    return account_out(await context(request).run(handlers.get_account, cmd, actor=actor(request)))


async def _year_end(request: Request, year: int) -> list[AccountLine]:
    cmd = handlers.YearEndAccount(year)
    return await context(request).run(handlers.year_end_account, cmd, actor=actor(request))


@router.get(
    "/v1/quotas/{year}/account",
    summary="Year-end account 年终执行情况",
    response_model=YearEndAccountOut,
)
async def year_end_account(request: Request, year: YearPath) -> YearEndAccountOut:
    """年终执行情况 of `year`: per supervising unit, allocated, reallocated in and out, used, returned,
    remaining, and the approvals outside the quota by treatment (not_counted 第十一条, separate_plan 第九条,
    direct 第十六条); with the total.

    年度指标执行情况（含不占指标、计划单列、直接引进人数）。
    """
    lines = await _year_end(request, year)
    units = [_line(x) for x in lines]
    keys = ("allocated", "reallocated_in", "reallocated_out", "used", "returned", "remaining")
    total = {k: sum(getattr(u, k) for u in units) for k in (*keys, "not_counted", "separate_plan", "direct")}
    return YearEndAccountOut(
        year=year,
        units=units,
        total=YearEndLineOut.model_validate({"supervising_unit_id": "TOTAL", "year": year, **total}),
    )


@router.get(
    "/v1/quotas/{year}/account.csv",
    summary="Year-end account as CSV 年终执行情况（CSV）",
    response_class=Response,
    responses={200: {"content": {"text/csv": {}}, "description": "One line per unit, then TOTAL"}},
)
async def year_end_csv(request: Request, year: YearPath) -> Response:
    """The year-end account of `year` as CSV (UTF-8 with BOM for spreadsheet programs): supervising_unit_id,
    year, allocated, reallocated_in, reallocated_out, used, returned, remaining, not_counted,
    separate_plan, direct; a TOTAL line last.

    年终执行情况导出（CSV）。
    """
    text = account_csv(await _year_end(request, year))
    return Response(
        ("\ufeff" + text).encode("utf-8"),
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="quota-{year}.csv"'},
    )
