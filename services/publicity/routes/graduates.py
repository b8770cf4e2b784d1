"""The graduate programme's lists (issue 11 item 5): supervising-unit staff open a list of their
approved graduates; the public reads it as JSON and as server-rendered HTML. Objections against a
graduate list go through the same endpoint and investigation as the points lists
(``POST /v1/public/publicities/{publicity_id}/objections``, ``routes.investigation``)."""

from __future__ import annotations

import math
from typing import Annotated, Any
from urllib.parse import urlencode

import orjson
from fastapi import APIRouter, Path, Query, Request
from fastapi.responses import HTMLResponse, Response

from services.publicity.handlers import graduates as uc
from services.publicity.handlers.common import PublicityTakenDown
from services.publicity.routes import pages
from services.publicity.routes.common import CtxDep, PublicityId, search
from services.publicity.schemas import (
    ID_PATTERN,
    SEARCH_PATTERN,
    GraduateEntryPage,
    GraduatePublicityOut,
    OpenGraduatePublicityIn,
    WaitingGraduateOut,
    WaitingGraduatePage,
    graduate_entry_out,
    graduate_publicity_out,
)
from shared.api.errors import ApiError
from shared.service import principal_of

router = APIRouter(tags=["graduates 引进毕业生公示"])

UnitId = Annotated[str, Path(max_length=64, pattern=ID_PATTERN, examples=["U-HD"])]
PUBLIC_READER = "public"


def _caller_unit(request: Request) -> str | None:
    return principal_of(request).supervising_unit


@router.get(
    "/v1/units/{unit_id}/graduate-candidates",
    summary="Approved graduates waiting for a list 待公示的毕业生",
    response_model=WaitingGraduatePage,
)
async def waiting(request: Request, unit_id: UnitId, ctx: CtxDep) -> WaitingGraduatePage:
    """The unit's graduates approved for publicity that are on no list yet (the next list takes them
    all). Unit staff see their own unit only. 本单位审核通过、尚未公示的毕业生。"""
    rows = await ctx.run(
        uc.waiting_of,
        uc.WaitingOf(unit_id, _caller_unit(request)),
        actor=principal_of(request).subject,
    )
    return WaitingGraduatePage(items=[WaitingGraduateOut.model_validate(r) for r in rows], total=len(rows))


@router.post(
    "/v1/units/{unit_id}/graduate-publicities",
    summary="Open the unit's graduate publicity 发布引进毕业生公示",
    status_code=201,
    response_model=GraduatePublicityOut,
    responses={
        403: {"description": "Another unit's staff, or a token without a unit"},
        409: {"description": "No approved graduate is waiting"},
        422: {"description": "Fewer than 5 working days"},
    },
)
async def open_publicity(
    request: Request, unit_id: UnitId, body: OpenGraduatePublicityIn, ctx: CtxDep
) -> GraduatePublicityOut:
    """Open a list ``GRD-<year>-<unit>-<n>`` of every approved graduate of the unit that is on no list
    yet, today (day D): it closes at 24:00 of the ``working_days``-th working day after D (D not
    counted; at least 5, longer allowed), computed with the working-day calendar; the due date and the
    calendar version are stored and shown. The list shows name, age, university and education, with the
    unit's supervision phone and address.

    发布本单位引进毕业生公示：公示期不少于5个工作日（自发布次日起计），公示姓名、年龄、毕业院校、学历及监督电话和地址。
    """
    cmd = uc.OpenUnitPublicity(unit_id, _caller_unit(request), body.round_id, body.working_days)
    view = await ctx.run(uc.open_unit_publicity, cmd, actor=principal_of(request).subject)
    return graduate_publicity_out(view, view["period"])


@router.get(
    "/v1/public/graduate-publicities/{publicity_id}/entries",
    summary="A graduate list 引进毕业生公示名单",
    response_model=GraduateEntryPage,
    responses={404: {"description": "Not on public view"}, 410: {"description": "Period over; taken down"}},
)
async def public_entries(
    publicity_id: PublicityId,
    ctx: CtxDep,
    q: Annotated[
        str | None,
        Query(max_length=50, pattern=SEARCH_PATTERN, description="Part of a name or a university."),
    ] = None,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
    offset: Annotated[int, Query(ge=0, le=1_000_000)] = 0,
) -> Response:
    """A supervising unit's graduate list on view: each entry's number, name, age, university and
    education, with the unit's supervision phone and address and the period; nothing else about a
    graduate. 引进毕业生公示名单（公示期外 404 / 410）。"""
    page = await ctx.run(
        uc.graduate_public_page,
        uc.GraduatePublicPage(publicity_id, search(q), limit, offset),
        actor=PUBLIC_READER,
    )
    body = {
        "publicity": graduate_publicity_out(page.publicity, page.period).model_dump(mode="json"),
        "items": [graduate_entry_out(r).model_dump(mode="json") for r in page.rows],
        "total": page.total,
        "limit": limit,
        "offset": offset,
    }
    closes_at = page.publicity["closes_at"]
    assert closes_at is not None  # on view: opened
    return Response(
        orjson.dumps(body),
        media_type="application/json",
        headers=pages.cache_headers(closes_at, ctx.clock.now()),
    )


@router.get(
    "/public/graduate-publicities/{publicity_id}",
    summary="A graduate list (HTML) 引进毕业生公示名单（网页）",
    response_class=HTMLResponse,
    responses={404: {"description": "Not on public view"}, 410: {"description": "Period over; taken down"}},
)
async def list_page(
    publicity_id: PublicityId,
    ctx: CtxDep,
    q: Annotated[
        str | None,
        Query(max_length=50, pattern=SEARCH_PATTERN, description="Part of a name or a university."),
    ] = None,
    page: Annotated[int, Query(ge=1, le=100_000)] = 1,
) -> HTMLResponse:
    """The unit's list with its period, the supervision phone and address, and the objection form.
    Works without JavaScript. 引进毕业生公示名单（网页，含实名举报表）。"""
    cfg = ctx.settings
    size = cfg.public_page_size
    q = search(q)
    try:
        view = await ctx.run(
            uc.graduate_public_page,
            uc.GraduatePublicPage(publicity_id, q, size, (page - 1) * size),
            actor=PUBLIC_READER,
        )
    except PublicityTakenDown as e:
        return pages.render("gone.html", status=410, p=e.publicity, period=e.period)
    except ApiError as e:
        return pages.render_error(e)
    p = view.publicity
    assert p["closes_at"] is not None
    base = f"/public/graduate-publicities/{publicity_id}"

    def url(**changes: Any) -> str:
        params = {"q": q, "page": page, **changes}
        query = {k: v for k, v in params.items() if v not in (None, "")}
        return base + ("?" + urlencode(query) if query else "")

    return pages.render(
        "graduate_list.html",
        headers=pages.cache_headers(p["closes_at"], ctx.clock.now()),
        p=p,
        period=view.period,
        items=[graduate_entry_out(r) for r in view.rows],
        total=view.total,
        page=page,
        pages=max(1, math.ceil(view.total / size)),
        q=q,
        url=url,
        max_mb=round(cfg.objection_max_attachment_bytes / 1024 / 1024, 1),
        max_files=cfg.objection_max_attachments,
    )
