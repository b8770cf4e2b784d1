"""The lists on public view as JSON (no credentials)."""

from __future__ import annotations

from typing import Annotated

import orjson
from fastapi import APIRouter, Query
from fastapi.responses import Response

from services.publicity.handlers import lists
from services.publicity.routes.common import CtxDep, PublicityId, SearchText, search
from services.publicity.routes.pages import cache_headers
from services.publicity.schemas import PublicEntryPage, PublicityPage, public_entry_doc, publicity_out

router = APIRouter(tags=["public 公示"])

#: Who reads a public list: nobody in particular (no credentials).
PUBLIC_READER = "public"


@router.get("/v1/public/publicities", summary="Public lists 公示一览", response_model=PublicityPage)
async def public_publicities(
    ctx: CtxDep,
    limit: Annotated[int, Query(ge=1, le=100)] = 20,
    offset: Annotated[int, Query(ge=0, le=100_000)] = 0,
) -> PublicityPage:
    """The lists that have opened, newest first: on view (``open``) or taken down after their period
    (``closed``), with their period and the supervision contact. 已开始的公示及其公示期。"""
    page = await ctx.run(
        lists.public_publicities, lists.PublicPublicities(limit, offset), actor=PUBLIC_READER
    )
    return PublicityPage(
        items=[publicity_out(p, p["period"]) for p in page.items],
        total=page.total,
        limit=limit,
        offset=offset,
    )


@router.get(
    "/v1/public/publicities/{publicity_id}/entries",
    summary="A public list 公示名单",
    response_model=PublicEntryPage,
    responses={
        404: {"description": "Not on public view (yet)"},
        410: {"description": "Period over; taken down"},
    },
)
async def public_entries(
    publicity_id: PublicityId,
    ctx: CtxDep,
    q: SearchText = None,
    sort: Annotated[str, Query(pattern="^-?rank$", description="`rank` (ascending) or `-rank`.")] = "rank",
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
    offset: Annotated[int, Query(ge=0, le=1_000_000)] = 0,
) -> Response:
    """The list on view, the same data as the HTML page: each entry's number (公示编号), rank, name, birth
    year-month, employer, each indicator's points and the total; nothing else about a person. Search by
    part of a name or employer; sort by rank; paginated (``total`` counts the matching rows).

    公示名单（与网页相同的数据）。公示开始前 404，公示期结束后 410（名单已撤下）。
    """
    page = await ctx.run(
        lists.public_page,
        lists.PublicPage(publicity_id, search(q), sort == "-rank", limit, offset),
        actor=PUBLIC_READER,
    )
    body = {
        "publicity": publicity_out(page.publicity, page.period).model_dump(mode="json"),
        "items": [public_entry_doc(r) for r in page.rows],
        "total": page.total,
        "limit": limit,
        "offset": offset,
    }
    closes_at = page.publicity["closes_at"]
    assert closes_at is not None  # on view: opened, so its period is known
    return Response(
        orjson.dumps(body), media_type="application/json", headers=cache_headers(closes_at, ctx.clock.now())
    )
