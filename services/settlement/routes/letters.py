"""Letters (函件): list, one, the PDF, revocation."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import Response

from services.settlement import handlers
from services.settlement.adapters.pdf import FontNotFound, UnsupportedGlyph
from services.settlement.domain import RevocationReason
from services.settlement.routes.deps import (
    CONFLICT,
    NOT_FOUND,
    Limit,
    Offset,
    SerialPath,
    actor,
    applicant,
    context,
    letter_out,
)
from services.settlement.schemas import APPLICATION_ID_PATTERN, EndIn, LetterOut, LetterPage, LetterType
from shared.api.errors import Conflict, Unavailable

router = APIRouter(tags=["letters 函件"])


@router.get("/v1/letters", summary="Letters 函件列表", response_model=LetterPage)
async def list_letters(
    request: Request,
    application_id: Annotated[str | None, Query(pattern=APPLICATION_ID_PATTERN)] = None,
    letter_type: LetterType | None = None,
    status: Annotated[str | None, Query(pattern="^(issued|revoked)$")] = None,
    limit: Limit = 50,
    offset: Offset = 0,
) -> LetterPage:
    """Issued letters, newest first, filterable by application, type and status (paginated).

    已出具函件列表（分页）。
    """
    cmd = handlers.ListLetters(application_id, letter_type, status, limit, offset)
    page = await context(request).run(handlers.list_letters, cmd, actor=actor(request))
    return LetterPage(items=[letter_out(x) for x in page.items], total=page.total, limit=limit, offset=offset)


@router.get(
    "/v1/letters/{serial_number}",
    summary="One letter 函件详情",
    response_model=LetterOut,
    responses=NOT_FOUND,
)
async def get_letter(request: Request, serial_number: SerialPath) -> LetterOut:
    """A letter: serial number, holder, text, issuing authority, verification address and its state.

    函件详情。
    """
    cmd = handlers.GetLetter(serial_number)
    return letter_out(await context(request).run(handlers.get_letter, cmd, actor=actor(request)))


@router.get(
    "/v1/letters/{serial_number}/pdf",
    summary="Letter as PDF 函件 PDF",
    response_class=Response,
    responses={
        200: {"content": {"application/pdf": {}}, "description": "The letter, A4"},
        **NOT_FOUND,
        409: {"description": "The letter contains characters the installed font cannot print"},
        503: {"description": "No CJK font installed"},
    },
)
async def letter_pdf(request: Request, serial_number: SerialPath) -> Response:
    """The letter as printed: A4 PDF with a CJK font, the serial number, the holder, the text from its
    template, the issuing authority, the date written in Chinese and the QR code of its verification page.
    A revoked letter is still rendered (as issued); its verification page says revoked.

    函件 PDF（含二维码）。Applicants may download their own letters.
    """
    ctx = context(request)
    cmd = handlers.GetLetter(serial_number, applicant(request))
    letter = await ctx.run(handlers.get_letter, cmd, actor=actor(request))
    # Rendering is CPU work outside the transaction: in a thread, so the event loop keeps serving.
    try:
        pdf = await run_in_threadpool(ctx.runtime.renderer.render, handlers.letter_document(letter))
    except UnsupportedGlyph as e:
        raise Conflict("unsupported_glyph", str(e)) from None
    except FontNotFound as e:
        raise Unavailable("font_missing", str(e)) from None
    return Response(
        pdf,
        media_type="application/pdf",
        headers={"Content-Disposition": f'inline; filename="{serial_number}.pdf"'},
    )


@router.post(
    "/v1/letters/{serial_number}/revoke",
    summary="Revoke a letter 撤销函件",
    response_model=LetterOut,
    responses={**NOT_FOUND, **CONFLICT},
)
async def revoke_letter(request: Request, serial_number: SerialPath, body: EndIn) -> LetterOut:
    """Revoke a letter with a reason (fraud, criminal record, on request). The qualification behind it ends
    too (its other letters are revoked with it); `letter.revoked` is emitted and the verification page says
    revoked at once. Fraud also records the person (and the employer, if it helped) for five years.

    撤销函件并说明理由；核验页面立即显示已撤销。
    """
    cmd = handlers.Revoke(serial_number, RevocationReason(body.reason), body.note, body.employer_assisted)
    return letter_out(await context(request).run(handlers.revoke, cmd, actor=actor(request)))
