"""The public list as server-rendered HTML (jinja2): works without JavaScript, Chinese UI.

The same data as ``GET /v1/public/publicities/{publicity_id}/entries``. Before a list opens it is not
found (404); after its period it is taken down (410 with a notice); staff keep the archived copy.
"""

from __future__ import annotations

import math
from datetime import datetime, timedelta
from pathlib import Path
from typing import Annotated, Any
from urllib.parse import urlencode

import jinja2
from fastapi import APIRouter, Depends, Query, Request
from fastapi import Path as PathParam
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from markupsafe import Markup, escape

from services.publicity.context import Ctx
from services.publicity.handlers import lists
from services.publicity.handlers.common import GraduateListElsewhere, PublicityTakenDown
from services.publicity.schemas import ID_PATTERN, SEARCH_PATTERN
from shared.api.errors import ApiError
from shared.clock import BEIJING
from shared.policy import INDICATOR_NAMES_ZH
from shared.service import get_context

router = APIRouter(tags=["public 公示（网页）"])

_ENV = jinja2.Environment(
    loader=jinja2.FileSystemLoader(Path(__file__).parent.parent / "templates"),
    autoescape=jinja2.select_autoescape(default=True),
    trim_blocks=True,
    lstrip_blocks=True,
)


def _dt(value: datetime | None) -> str:
    return value.astimezone(BEIJING).strftime("%Y年%m月%d日 %H:%M") if value else "—"


def _end_dt(value: datetime | None) -> str:
    """A period ends at 24:00 of its last day; show it that way, not as 00:00 of the next day."""
    if value is None:
        return "—"
    local = value.astimezone(BEIJING)
    if (local.hour, local.minute, local.second) == (0, 0, 0):
        return (local - timedelta(days=1)).strftime("%Y年%m月%d日 24:00")
    return local.strftime("%Y年%m月%d日 %H:%M")


_NAMES = {code: (str(escape(code)), str(escape(name))) for code, name in INDICATOR_NAMES_ZH.items()}


def _indicator_rows(indicators: list[dict[str, str]]) -> Markup:
    """The rows of an entry's indicator table. 11 lines × 50 entries a page: built directly, with the
    constant names escaped once, instead of three template expressions per line."""
    parts = []
    for i in indicators:
        code, name = _NAMES.get(i["code"]) or (
            str(escape(i["code"])),
            str(escape(i.get("name_zh", i["code"]))),
        )
        parts.append(f'<tr data-code="{code}"><th>{name}</th><td class="num">{escape(i["points"])}</td></tr>')
    return Markup("".join(parts))


_ENV.filters["dt"] = _dt
_ENV.filters["end_dt"] = _end_dt
_ENV.filters["indicator_rows"] = _indicator_rows

HTML_HEADERS = {
    "Content-Security-Policy": "default-src 'none'; style-src 'unsafe-inline'; form-action 'self'; base-uri 'none'",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
}


def render(
    template: str, status: int = 200, headers: dict[str, str] | None = None, **context: Any
) -> HTMLResponse:
    html = _ENV.get_template(template).render(**context)
    return HTMLResponse(html, status_code=status, headers={**HTML_HEADERS, **(headers or {})})


def cache_headers(closes_at: datetime, now: datetime) -> dict[str, str]:
    """Caches may keep a page a minute at most, and never past the end of the period."""
    remaining = int((closes_at - now).total_seconds())
    return {"Cache-Control": f"public, max-age={max(0, min(60, remaining))}"}


def wants_html(request: Request) -> bool:
    accept = request.headers.get("accept", "")
    return "text/html" in accept and "application/json" not in accept


FIELD_LABELS = {
    "entry_no": "被举报人公示编号",
    "reporter_name": "举报人姓名",
    "reporter_id_number": "举报人身份证号码",
    "reporter_phone": "联系电话",
    "text": "异议内容",
    "attachments": "附件",
    "period.starts_at": "公示开始",
    "period.ends_at": "公示结束",
}


def _label(field: str | None) -> str:
    if not field:
        return ""
    base, _, rest = field.partition("[")
    return FIELD_LABELS.get(field) or (FIELD_LABELS.get(base, base) + (f"[{rest}" if rest else ""))


def render_error(e: ApiError, back: str | None = None) -> HTMLResponse:
    titles = {
        404: "未找到",
        409: "不在公示期内",
        410: "公示已结束",
        413: "文件过大",
        415: "格式不支持",
        422: "填写有误",
        429: "提交过于频繁",
        503: "暂不可用",
    }
    return render(
        "notice.html",
        status=e.status,
        headers=e.headers,
        title=titles.get(e.status, "出错了"),
        message=e.message,
        details=[{**d, "field": _label(d.get("field"))} for d in e.details],
        error=True,
        back=back,
    )


def render_receipt(objection_id: str, back: str) -> HTMLResponse:
    return render(
        "notice.html",
        status=201,
        title="异议已受理",
        message="您的实名举报已受理，我们将依法核查并严格为您保密。",
        objection_id=objection_id,
        back=back,
    )


def _context(request: Request) -> Ctx:
    ctx: Ctx = get_context(request)
    return ctx


#: Who reads a public page: nobody in particular (no credentials).
PUBLIC_READER = "public"


@router.get(
    "/public/publicities",
    summary="Current public lists (HTML) 公示名单一览（网页）",
    response_class=HTMLResponse,
)
async def index_page(
    request: Request,
    ctx: Ctx = Depends(_context),
) -> HTMLResponse:
    """The lists on public view, and the ones whose period is over (taken down). 公示名单一览。"""
    page = await ctx.run(lists.public_publicities, lists.PublicPublicities(100, 0), actor=PUBLIC_READER)
    return render("index.html", items=page.items)


@router.get(
    "/public/publicities/{publicity_id}",
    summary="A public list (HTML) 公示名单（网页）",
    response_class=HTMLResponse,
    responses={
        404: {"description": "Not on public view (yet)"},
        410: {"description": "Period over; taken down"},
    },
)
async def list_page(
    request: Request,
    publicity_id: Annotated[str, PathParam(max_length=140, pattern=ID_PATTERN)],
    q: Annotated[
        str | None,
        Query(max_length=50, pattern=SEARCH_PATTERN, description="Part of a name or an employer name."),
    ] = None,
    page: Annotated[int, Query(ge=1, le=100_000)] = 1,
    sort: Annotated[str, Query(pattern="^-?rank$", description="`rank` (ascending) or `-rank`.")] = "rank",
    ctx: Ctx = Depends(_context),
) -> Response:
    """The list with its period and the supervision contact: search by name or employer, page through,
    sort by rank, each entry's indicator points (expand 查看). Works without JavaScript.

    公示名单：按姓名或单位名称查询、分页、按排名排序，展开查看各项指标积分。公示期外返回 404（未开始）或 410（已撤下）。
    """
    cfg = ctx.settings
    size = cfg.public_page_size
    q = (q or "").strip() or None
    try:
        view = await ctx.run(
            lists.public_page,
            lists.PublicPage(publicity_id, q, sort == "-rank", size, (page - 1) * size),
            actor=PUBLIC_READER,
        )
    except PublicityTakenDown as e:
        return render("gone.html", status=410, p=e.publicity, period=e.period)
    except GraduateListElsewhere as e:
        return RedirectResponse(e.url, status_code=303)
    except ApiError as e:
        return render_error(e)
    p, total = view.publicity, view.total
    assert p["closes_at"] is not None  # on view: opened, so its period is known
    pages = max(1, math.ceil(total / size))
    base = f"/public/publicities/{publicity_id}"

    def url(**changes: Any) -> str:
        params = {"q": q, "sort": sort, "page": page, **changes}
        query = {k: v for k, v in params.items() if v not in (None, "") and not (k == "sort" and v == "rank")}
        return base + ("?" + urlencode(query) if query else "")

    return render(
        "list.html",
        headers=cache_headers(p["closes_at"], ctx.clock.now()),
        p=p,
        period=view.period,
        items=view.rows,
        total=total,
        page=page,
        pages=pages,
        q=q,
        sort=sort,
        url=url,
        max_mb=round(cfg.objection_max_attachment_bytes / 1024 / 1024, 1),
        max_files=cfg.objection_max_attachments,
    )
