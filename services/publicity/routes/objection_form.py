"""Filing a real-name objection (public, during the period): the form is read and checked here, the
objection is filed by ``handlers.objections.file_objection``.

Rate limit: a token bucket per client IP kept **in the database** (``rate_buckets``, one row per client,
keyed by a digest of the IP, locked for the update). Chosen over an in-process bucket because the API
runs as several processes behind a load balancer and restarts: a bucket in one process's memory would
multiply the allowance by the number of processes and reset on every deploy. A refused request answers
429 with ``Retry-After``. The client IP is the socket peer, or, behind the proxies listed in
``PUBLICITY_TRUSTED_PROXIES``, the ``X-Forwarded-For`` entry they added
(``shared.api.clients.client_address``). The token is taken in its own transaction before the body is
read (the one endpoint that runs two use cases): an invalid or refused objection spends its token too.
"""

from __future__ import annotations

from datetime import date
from typing import Any
from urllib.parse import quote

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse, Response
from pydantic import ValidationError
from starlette.datastructures import FormData, UploadFile
from starlette.exceptions import HTTPException as StarletteHTTPException

from services.publicity.context import Ctx
from services.publicity.domain.attachments import ALLOWED_TYPES, safe_filename, sniff
from services.publicity.handlers import objections
from services.publicity.handlers.views import ObjectionReceiptView
from services.publicity.routes import pages
from services.publicity.routes.common import CtxDep, PublicityId
from services.publicity.schemas import ObjectionForm, ObjectionReceipt
from shared.api.clients import client_address
from shared.api.errors import ApiError, Invalid, validation_details
from shared.validation import InvalidIdentifier, parse_mobile_number, parse_resident_id
from shared.validation.identifiers import synthetic_resident_id

router = APIRouter(tags=["public 公示"])

#: Who files an objection, as far as the transaction's actor goes (the identity is sealed data).
REPORTER = "reporter"

_FORM_SCHEMA = {
    "type": "object",
    "required": ["entry_no", "reporter_name", "reporter_id_number", "reporter_phone", "text"],
    "properties": {
        **{k: v for k, v in ObjectionForm.model_json_schema()["properties"].items()},
        "attachments": {
            "type": "array",
            "items": {"type": "string", "format": "binary"},
            "description": f"PDF, JPEG or PNG files (recognised by content: {', '.join(ALLOWED_TYPES)}).",
        },
    },
}


@router.post(
    "/v1/public/publicities/{publicity_id}/objections",
    summary="File a real-name objection 实名举报",
    status_code=201,
    response_model=ObjectionReceipt,
    openapi_extra={
        "requestBody": {
            "required": True,
            "content": {
                "multipart/form-data": {
                    "schema": _FORM_SCHEMA,
                    "example": {
                        "entry_no": 12,
                        "reporter_name": "李四",
                        "reporter_id_number": synthetic_resident_id(date(1949, 12, 31), 2, "110105"),
                        "reporter_phone": "13800138000",
                        "text": "该申请人申报的住所信息与实际不符……",
                    },
                },
                "application/x-www-form-urlencoded": {"schema": _FORM_SCHEMA},
            },
        }
    },
    responses={
        404: {"description": "No such publicity"},
        409: {"description": "Outside the publicity period; the message and details give the period"},
        413: {"description": "An attachment or the request is too large"},
        415: {"description": "Not a form submission"},
        429: {"description": "Too many objections from this client; see Retry-After"},
        503: {"description": "No data key configured"},
    },
)
async def file_objection(request: Request, publicity_id: PublicityId, ctx: CtxDep) -> Response:
    """File a written objection against one entry, with the reporter's real name, ID number (GB 11643)
    and mobile number, the text, and optional PDF/JPEG/PNG attachments. Accepted only during the period;
    outside it the answer is 409 with the period's dates. The reporter's identity is encrypted before it is
    stored and never appears in any response; the receipt carries a reference number.

    实名书面举报：仅在公示期内受理；举报人身份加密保存，严格保密。浏览器表单提交时返回网页回执。
    Rate-limited per client (429 with Retry-After).
    """
    as_html = pages.wants_html(request)
    back = f"/public/publicities/{quote(publicity_id, safe='')}"
    try:
        receipt = await _file_objection(request, publicity_id, ctx)
    except ApiError as e:
        if as_html:
            return pages.render_error(e, back)
        raise
    if as_html:
        return pages.render_receipt(receipt["objection_id"], back)
    return JSONResponse(ObjectionReceipt.model_validate(receipt).model_dump(mode="json"), status_code=201)


async def _file_objection(request: Request, publicity_id: str, ctx: Ctx) -> ObjectionReceiptView:
    cfg = ctx.settings
    ip = client_address(request, cfg.trusted_proxy_networks)
    decision = await ctx.run(
        objections.take_objection_token, objections.TakeObjectionToken(ip), actor=REPORTER
    )
    if not decision.allowed:
        raise ApiError(
            429,
            "rate_limited",
            f"提交过于频繁，请 {decision.retry_after_s} 秒后再试。Too many objections from this client; "
            f"try again in {decision.retry_after_s} s.",
            headers={"Retry-After": str(decision.retry_after_s)},
        )
    ctx.runtime.sealer  # noqa: B018 — 503 without a data key, before the body is read
    content_type = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if content_type not in ("multipart/form-data", "application/x-www-form-urlencoded"):
        raise ApiError(
            415,
            "unsupported_media_type",
            "Send the objection as multipart/form-data (with attachments) or a form.",
        )
    length = request.headers.get("content-length")
    if length and length.isdigit() and int(length) > cfg.objection_max_request_bytes:
        raise ApiError(
            413,
            "payload_too_large",
            f"The request is {length} bytes; the limit is {cfg.objection_max_request_bytes}.",
        )
    try:
        form = await request.form(
            max_files=cfg.objection_max_attachments,
            max_fields=20,
            max_part_size=cfg.objection_max_text_chars * 4 + 1024,
        )
    except StarletteHTTPException as e:
        raise Invalid(
            "invalid_form",
            f"The form could not be read: {e.detail}",
            [{"field": "form", "code": "form.invalid", "message": str(e.detail)}],
        ) from None
    try:
        command = await _command(form, publicity_id, ctx)
    finally:
        await form.close()
    return await ctx.run(objections.file_objection, command, actor=REPORTER)


async def _command(form: FormData, publicity_id: str, ctx: Ctx) -> objections.FileObjection:
    """The command of a form, or 422 with one detail per offending field (413 for a too large file)."""
    cfg = ctx.settings
    details: list[dict[str, Any]] = []
    raw: dict[str, Any] = {}
    for name in ObjectionForm.model_fields:
        value = form.get(name)
        if isinstance(value, UploadFile):
            details.append(
                {"field": name, "code": "string_type", "message": "must be a text field, not a file"}
            )
        elif value is not None:
            raw[name] = value
    fields: ObjectionForm | None = None
    try:
        fields = ObjectionForm.model_validate(raw)
    except ValidationError as e:
        details.extend(validation_details(list(e.errors())))
    if fields is not None:
        if len(fields.text) > cfg.objection_max_text_chars:
            details.append(
                {
                    "field": "text",
                    "code": "string_too_long",
                    "message": f"at most {cfg.objection_max_text_chars} characters",
                }
            )
        for name, check in (
            ("reporter_id_number", lambda v: parse_resident_id(v, today=ctx.clock.today()).number),
            ("reporter_phone", parse_mobile_number),
        ):
            try:
                setattr(fields, name, check(getattr(fields, name)))
            except InvalidIdentifier as e:
                details.append({"field": name, "code": e.code, "message": f"{e.message} {e.message_zh}"})
    files: list[objections.AttachmentIn] = []
    for i, item in enumerate(form.getlist("attachments")):
        if isinstance(item, str):
            if item == "":
                continue  # an empty file input of a browser form
            details.append({"field": f"attachments[{i}]", "code": "file_type", "message": "must be a file"})
            continue
        content = await item.read(cfg.objection_max_attachment_bytes + 1)
        if not content and not item.filename:
            continue  # a browser form with no file chosen
        if len(content) > cfg.objection_max_attachment_bytes:
            raise ApiError(
                413,
                "payload_too_large",
                f"Attachment {i + 1} is larger than {cfg.objection_max_attachment_bytes} bytes.",
                [
                    {
                        "field": f"attachments[{i}]",
                        "code": "file.too_large",
                        "message": f"at most {cfg.objection_max_attachment_bytes} bytes",
                    }
                ],
            )
        media_type = sniff(content)
        if media_type is None:
            details.append(
                {
                    "field": f"attachments[{i}]",
                    "code": "file.type",
                    "message": "only PDF, JPEG or PNG files are accepted",
                }
            )
            continue
        files.append(
            objections.AttachmentIn(safe_filename(item.filename, media_type, i + 1), media_type, content)
        )
    if details or fields is None:
        n = len(details)
        raise Invalid(
            "validation_failed", f"The request has {n} invalid field{'s' if n != 1 else ''}.", details
        )
    return objections.FileObjection(
        publicity_id=publicity_id,
        entry_no=fields.entry_no,
        reporter_name=fields.reporter_name,
        reporter_id_number=fields.reporter_id_number,
        reporter_phone=fields.reporter_phone,
        text=fields.text,
        attachments=tuple(files),
    )
