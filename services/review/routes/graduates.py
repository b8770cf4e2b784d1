"""The graduate programme's checks, for bureau staff and supervising units: verifications of graduate
declarations (differences per item) and the settlement checks of Y+1, with their evidence."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Query, Request

from services.review.graduate_schemas import (
    GraduateEvidenceOut,
    GraduateEvidencePage,
    GraduateItemOut,
    GraduateVerificationDetail,
    GraduateVerificationPage,
    GraduateVerificationSummary,
    SettlementCheckOut,
    SettlementCheckPage,
)
from services.review.handlers import graduate_views as h
from services.review.routes.common import ID_PATTERN, NOT_FOUND, Limit, Offset, context
from services.review.schemas import ApplicationIdPath
from shared.api.auth import Principal, Role
from shared.service import principal_of

router = APIRouter(tags=["graduates 引进毕业生核验"])
OptionalId = Annotated[str | None, Query(max_length=64, pattern=ID_PATTERN)]


def unit_scope(principal: Principal) -> str | None:
    """The supervising unit whose declarations alone the caller may see: ``None`` for bureau staff (all);
    a supervising unit's account names its unit in the token claim ``supervising_unit`` (without it,
    it sees nothing)."""
    if principal.has(Role.BUREAU_STAFF):
        return None
    return principal.supervising_unit or ""


@router.get(
    "/v1/graduate-verifications",
    response_model=GraduateVerificationPage,
    summary="List graduate verifications 引进毕业生核验列表",
)
async def list_graduate_verifications(
    request: Request,
    limit: Limit = 50,
    offset: Offset = 0,
    status: Annotated[str | None, Query(pattern="^(pending|pending_department|completed)$")] = None,
    round_id: OptionalId = None,
    supervising_unit_id: Annotated[
        str | None, Query(max_length=64, pattern=ID_PATTERN, description="Bureau staff: one unit")
    ] = None,
    differences: Annotated[bool, Query(description="Only those with an item corrected or not found")] = False,
) -> GraduateVerificationPage:
    """Graduate declarations checked against the 学信 education and 市场监管 company registries, oldest
    first, each with its number of differences. A supervising unit sees only its own declarations."""
    principal = principal_of(request)
    unit = unit_scope(principal)
    page = await context(request).run(
        h.list_graduate_verifications,
        h.ListGraduateVerifications(
            status, round_id, supervising_unit_id if unit is None else unit, differences, limit, offset
        ),
        actor=principal.subject,
    )
    return GraduateVerificationPage(
        items=[GraduateVerificationSummary.of(r) for r in page.items],
        total=page.total,
        limit=limit,
        offset=offset,
    )


@router.get(
    "/v1/graduate-verifications/{declaration_id}",
    response_model=GraduateVerificationDetail,
    summary="One graduate verification 引进毕业生核验详情",
    responses=NOT_FOUND,
)
async def get_graduate_verification(
    request: Request, declaration_id: Annotated[ApplicationIdPath, Path()]
) -> GraduateVerificationDetail:
    """The declaration's check item by item (education level, university, major, graduation date,
    enrolment plan, training mode, diploma, degree; employer registration and standing), each with the
    declared and the registry value; the verified facts emitted; its settlement checks. Another unit's
    declaration answers 404, as an unknown one."""
    principal = principal_of(request)
    view = await context(request).run(
        h.get_graduate_verification,
        h.GetGraduateVerification(declaration_id, unit_scope(principal)),
        actor=principal.subject,
    )
    g = view.verification
    return GraduateVerificationDetail(
        **GraduateVerificationSummary.of(g).model_dump(),
        checks=[GraduateItemOut.model_validate(i) for i in g["items"]],
        diploma_number=g["diploma_number"],
        degree_number=g["degree_number"],
        declared_facts=g["declared_facts"],
        verified_facts=g["verified_facts"],
        settlement_checks=[SettlementCheckOut.model_validate(c) for c in view.settlement_checks],
    )


@router.get(
    "/v1/graduate-verifications/{declaration_id}/evidence",
    response_model=GraduateEvidencePage,
    summary="Evidence of registry checks 核验证据",
    responses=NOT_FOUND,
)
async def list_verification_evidence(
    request: Request,
    declaration_id: Annotated[ApplicationIdPath, Path()],
    limit: Limit = 50,
    offset: Offset = 0,
) -> GraduateEvidencePage:
    """Every registry check made for this declaration, newest first, answered or not: request and
    response digests (HMAC-SHA256), request id, times, attempts, HTTP status and adapter version."""
    principal = principal_of(request)
    page = await context(request).run(
        h.list_graduate_evidence,
        h.ListGraduateEvidence("verification", declaration_id, unit_scope(principal), limit, offset),
        actor=principal.subject,
    )
    return GraduateEvidencePage(
        items=[GraduateEvidenceOut.model_validate(r) for r in page.items],
        total=page.total,
        limit=limit,
        offset=offset,
    )


@router.get(
    "/v1/graduate-settlement-checks",
    response_model=SettlementCheckPage,
    summary="List settlement checks 落户核验列表",
)
async def list_settlement_checks(
    request: Request,
    limit: Limit = 50,
    offset: Offset = 0,
    declaration_id: OptionalId = None,
    passed: Annotated[bool | None, Query(description="Only passed (true) or failed (false) checks")] = None,
) -> SettlementCheckPage:
    """The settlement checks of Y+1 (education, university, diploma, degree, training mode, reporting for
    duty, social insurance), oldest first. A supervising unit sees only its own graduates'."""
    principal = principal_of(request)
    page = await context(request).run(
        h.list_settlement_checks,
        h.ListSettlementChecks(declaration_id, passed, unit_scope(principal), limit, offset),
        actor=principal.subject,
    )
    return SettlementCheckPage(
        items=[SettlementCheckOut.model_validate(r) for r in page.items],
        total=page.total,
        limit=limit,
        offset=offset,
    )


@router.get(
    "/v1/graduate-settlement-checks/{request_id}",
    response_model=SettlementCheckOut,
    summary="One settlement check 落户核验详情",
    responses=NOT_FOUND,
)
async def get_settlement_check(
    request: Request, request_id: Annotated[ApplicationIdPath, Path()]
) -> SettlementCheckOut:
    """One settlement check: passed or not, and every item with the declared and the registry value."""
    principal = principal_of(request)
    row = await context(request).run(
        h.get_settlement_check,
        h.GetSettlementCheck(request_id, unit_scope(principal)),
        actor=principal.subject,
    )
    return SettlementCheckOut.model_validate(row)


@router.get(
    "/v1/graduate-settlement-checks/{request_id}/evidence",
    response_model=GraduateEvidencePage,
    summary="Evidence of a settlement check 落户核验证据",
    responses=NOT_FOUND,
)
async def list_settlement_evidence(
    request: Request,
    request_id: Annotated[ApplicationIdPath, Path()],
    limit: Limit = 50,
    offset: Offset = 0,
) -> GraduateEvidencePage:
    """Every registry check made for this settlement check, newest first, answered or not."""
    principal = principal_of(request)
    page = await context(request).run(
        h.list_graduate_evidence,
        h.ListGraduateEvidence("settlement_check", request_id, unit_scope(principal), limit, offset),
        actor=principal.subject,
    )
    return GraduateEvidencePage(
        items=[GraduateEvidenceOut.model_validate(r) for r in page.items],
        total=page.total,
        limit=limit,
        offset=offset,
    )
