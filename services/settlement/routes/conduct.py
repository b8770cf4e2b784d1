"""Bad-conduct records (失信记录): list, one, record."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Query, Request

from services.settlement import handlers
from services.settlement.domain import ConductSubject
from services.settlement.routes.deps import NOT_FOUND, Limit, Offset, actor, conduct_out, context
from services.settlement.schemas import RECORD_ID_PATTERN, ConductIn, ConductOut, ConductPage

router = APIRouter(tags=["conduct 失信记录"])


@router.get("/v1/conduct-records", summary="Bad-conduct records 失信记录列表", response_model=ConductPage)
async def list_conduct(
    request: Request,
    status: Annotated[str | None, Query(pattern="^(pending_holder|active|expired)$")] = None,
    kind: Annotated[str | None, Query(pattern="^(person|employer)$")] = None,
    limit: Limit = 50,
    offset: Offset = 0,
) -> ConductPage:
    """Bad-conduct records (seed 004 第十七条), newest first, filterable by status and kind (paginated).
    ID numbers are shown masked.

    失信记录列表（分页）；身份证号脱敏显示。
    """
    cmd = handlers.ListConduct(status, kind, limit, offset)
    page = await context(request).run(handlers.list_conduct, cmd, actor=actor(request))
    return ConductPage(
        items=[conduct_out(v) for v in page.items], total=page.total, limit=limit, offset=offset
    )


@router.get(
    "/v1/conduct-records/{record_id}",
    summary="One bad-conduct record 失信记录详情",
    response_model=ConductOut,
    responses=NOT_FOUND,
)
async def get_conduct(
    request: Request, record_id: Annotated[str, Path(pattern=RECORD_ID_PATTERN)]
) -> ConductOut:
    """One bad-conduct record: subject, reason, from and until, status.

    失信记录详情。
    """
    cmd = handlers.GetConduct(record_id)
    return conduct_out(await context(request).run(handlers.get_conduct, cmd, actor=actor(request)))


@router.post(
    "/v1/conduct-records",
    summary="Record bad conduct 记录失信",
    response_model=list[ConductOut],
    status_code=201,
    responses={**NOT_FOUND, 409: {"description": "Already recorded"}},
)
async def create_conduct(request: Request, body: ConductIn) -> list[ConductOut]:
    """Record a decision of fraud (seed 004 第十七条) for five years: for an application's applicant and/or
    its employer (`subjects`), or for a person (ID number) and/or an employer (credit code) given directly.
    Each record is emitted as `conduct.recorded` with its end date; intake refuses their declarations.

    记录失信（申请人 5 年；协助提供虚假材料的用人单位 5 年）。
    """
    cmd = handlers.RecordConduct(
        application_id=body.application_id,
        subjects=tuple(ConductSubject(x) for x in body.subjects),
        id_number=body.id_number,
        credit_code=body.employer_credit_code,
        reason=body.reason,
        decided_on=body.decided_on,
    )
    views = await context(request).run(handlers.record_conduct, cmd, actor=actor(request))
    return [conduct_out(v) for v in views]
