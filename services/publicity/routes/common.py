"""What the publicity routes share: the typed context, path and query parameters, and conversions of
the use cases' results into response models."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import Depends, Path, Query, Request

from services.publicity.context import Ctx
from services.publicity.handlers.views import ObjectionView, StaffPublicityView
from services.publicity.schemas import (
    ID_PATTERN,
    SEARCH_PATTERN,
    AttachmentMeta,
    ObjectionAction,
    ObjectionDetail,
    PublicityStaffOut,
    objection_out,
    publicity_out,
)
from shared.service import get_context


def _context(request: Request) -> Ctx:
    ctx: Ctx = get_context(request)
    return ctx


#: The service's context (``app.state.ctx``), typed.
CtxDep = Annotated[Ctx, Depends(_context)]

PublicityId = Annotated[str, Path(max_length=140, pattern=ID_PATTERN, examples=["pts-2022"])]
ObjectionId = Annotated[str, Path(max_length=40, pattern=ID_PATTERN, examples=["OBJ-3F2A9C1B7D4E5F60"])]
SearchText = Annotated[
    str | None,
    Query(max_length=50, pattern=SEARCH_PATTERN, description="Part of a name or an employer name."),
]
NOT_FOUND: dict[int | str, dict[str, Any]] = {404: {"description": "No such publicity or objection"}}


def search(q: str | None) -> str | None:
    """Search text as the use cases take it: stripped, ``None`` when empty."""
    return (q or "").strip() or None


def staff_publicity_out(p: StaffPublicityView) -> PublicityStaffOut:
    return PublicityStaffOut(
        **publicity_out(p, p["period"]).model_dump(),
        ranking_id=p["ranking_id"],
        prepared_at=p["prepared_at"],
        closed_at=p["closed_at"],
        close_processed_at=p["close_processed_at"],
        cleared=p["cleared"],
        disqualified=p["disqualified"],
        held=p["held"],
        objections=p["objections"],
        unit_name=p["unit_name"],
        unit_phone=p["unit_phone"],
        unit_address=p["unit_address"],
        opened_by=p["opened_by"],
        working_days=p["working_days"],
    )


def objection_detail_out(o: ObjectionView) -> ObjectionDetail:
    return ObjectionDetail(
        **objection_out(o).model_dump(),
        actions=[ObjectionAction.model_validate(a) for a in o["actions"]],
        attachments=[AttachmentMeta.model_validate(a) for a in o["attachments"]],
    )
