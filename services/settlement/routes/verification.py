"""Public verification (no login, rate-limited): the page a letter's QR code opens and its JSON twin."""

from __future__ import annotations

import logging
from datetime import date
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response

from services.settlement import handlers
from services.settlement.domain import chinese_date
from services.settlement.routes.deps import RATE_LIMITED, TokenPath, actor, context
from services.settlement.schemas import VerificationOut
from shared.api.clients import client_address
from shared.api.errors import ApiError
from shared.validation import mask_name

log = logging.getLogger(__name__)
router = APIRouter(tags=["verification 核验"])

VERIFY_HEADERS = {"Cache-Control": "no-store", "X-Robots-Tag": "noindex", "Referrer-Policy": "no-referrer"}


async def _verify(request: Request, token: str, channel: str) -> handlers.Verification:
    ctx = context(request)
    client = client_address(request, ctx.settings.trusted_proxy_networks)
    wait = ctx.runtime.limiter.take(client)
    if wait > 0:
        log.warning("verification rate limit hit by %s (%s)", client, channel)
        raise ApiError(
            429,
            "rate_limited",
            "Too many verification checks from this address; try again later.",
            headers={"Retry-After": ctx.runtime.limiter.retry_after_header(wait)},
        )
    cmd = handlers.VerifyLetter(token, channel, client, request.headers.get("user-agent"))
    return await ctx.run(handlers.verify, cmd, actor=actor(request))


def _verification_out(v: handlers.Verification) -> VerificationOut:
    if v.letter is None:
        return VerificationOut(status="unknown", checked_at=v.checked_at)
    a = v.answer
    return VerificationOut(
        status=a.verdict.value,
        letter_type=v.letter["letter_type"],
        letter_type_name=handlers.letter_type_name(v.letter["letter_type"]),
        serial_number=v.letter["serial_number"],
        issued_on=v.letter["issued_on"],
        holder=mask_name(v.letter["holder_name"]),
        revoked_on=a.on if a.verdict.value == "revoked" else None,
        lapsed_on=a.on if a.verdict.value == "lapsed" else None,
        checked_at=v.checked_at,
    )


@router.get(
    "/v1/verify/{token}",
    summary="Verify a letter 函件核验（接口）",
    response_model=VerificationOut,
    responses=RATE_LIMITED,
)
async def verify_json(request: Request, token: TokenPath) -> Response:
    """Public, no login: the state of the letter whose QR code carries ``token``.

    公开核验，无需登录。Answers `valid`, `revoked` (with the date), `lapsed` (a qualification confirmation
    whose two years ran out unused, with the day it lapsed) or `unknown`, and shows only the letter type,
    serial number, issue date and the holder's masked name (张*). Every check is logged; each address may
    make `verify_burst` checks at once and `verify_rate_per_minute` a minute (429 with `Retry-After`).
    """
    out = _verification_out(await _verify(request, token, "json"))
    return Response(out.model_dump_json(), media_type="application/json", headers=VERIFY_HEADERS)


@router.get(
    "/verify/{token}",
    summary="Verification page 函件核验页面",
    response_class=HTMLResponse,
    responses=RATE_LIMITED,
)
async def verify_page(request: Request, token: TokenPath) -> HTMLResponse:
    """The page a letter's QR code opens: a server-rendered HTML page (no JavaScript) saying whether the
    letter is valid, revoked (with the date) or lapsed, or that no such letter exists.

    二维码打开的核验页面：有效 / 已撤销（日期）/ 已失效 / 未找到；仅显示函件类型、编号、出具日期和持有人脱敏姓名。
    """
    out = _verification_out(await _verify(request, token, "html"))
    r: dict[str, Any] = out.model_dump()
    for k in ("issued_on", "revoked_on", "lapsed_on"):
        d: date | None = r.get(k)
        r[f"{k}_cn"] = chinese_date(d) if d else None
    html = context(request).runtime.templates.get_template("verify.html.j2").render(r=r)
    return HTMLResponse(html, headers=VERIFY_HEADERS)
