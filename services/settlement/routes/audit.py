"""The audit trail and the log of verification checks (bureau staff, operations administrators)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Request

from services.settlement import handlers
from services.settlement.routes.deps import Limit, Offset, actor, context
from services.settlement.schemas import SERIAL_PATTERN, AuditOut, AuditPage, CheckOut, CheckPage

router = APIRouter(tags=["audit 审计"])


@router.get("/v1/audit-log", summary="Audit trail 操作审计", response_model=AuditPage)
async def audit_log(
    request: Request,
    subject: Annotated[str | None, Query(max_length=100, pattern=r"^[^\x00-\x1f]*$")] = None,
    limit: Limit = 50,
    offset: Offset = 0,
) -> AuditPage:
    """Who did what and when: staff actions and automatic transitions (actor `system`), newest first;
    `subject` is usually an application or declaration id. Read from settlement's case records in the
    hash-chained audit trail (`id` is the record's seq there; `GET /v1/ops/audit` shows every record,
    reads included).

    操作审计记录（分页）。
    """
    cmd = handlers.ListAudit(subject, limit, offset)
    page = await context(request).run(handlers.list_audit, cmd, actor=actor(request))
    return AuditPage(
        items=[AuditOut.model_validate(r) for r in page.items], total=page.total, limit=limit, offset=offset
    )


@router.get("/v1/verification-checks", summary="Verification log 核验记录", response_model=CheckPage)
async def verification_checks(
    request: Request,
    serial_number: Annotated[str | None, Query(pattern=SERIAL_PATTERN)] = None,
    limit: Limit = 50,
    offset: Offset = 0,
) -> CheckPage:
    """Every public verification check, newest first (the token is kept only as a digest).

    公开核验记录（分页）。
    """
    cmd = handlers.ListChecks(serial_number, limit, offset)
    page = await context(request).run(handlers.list_checks, cmd, actor=actor(request))
    return CheckPage(
        items=[CheckOut.model_validate(r) for r in page.items], total=page.total, limit=limit, offset=offset
    )
