"""What the settlement routes share: path and query types, documented error responses, who the caller
acts as (an applicant reaching their own application, district staff of their district), and the
mapping of use-case results to response models."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import Path, Query, Request

from services.settlement.adapters.records import LetterRecord
from services.settlement.context import Ctx
from services.settlement.handlers import ConductView, DistrictScope, QualificationView
from services.settlement.schemas import (
    APPLICATION_ID_PATTERN,
    SERIAL_PATTERN,
    ConductOut,
    LetterOut,
    LetterSummary,
    QualificationOut,
)
from shared.api.auth import Principal, Role
from shared.api.errors import ErrorResponse
from shared.service import get_context, principal_of
from shared.validation import district_name

ApplicationIdPath = Annotated[str, Path(pattern=APPLICATION_ID_PATTERN, examples=["PTS-2022-000123"])]
SerialPath = Annotated[str, Path(pattern=SERIAL_PATTERN, examples=["PTS-2022-QC-000001"])]
TokenPath = Annotated[str, Path(max_length=200, description="The token printed in the letter's QR code.")]
Limit = Annotated[int, Query(ge=1, le=500)]
Offset = Annotated[int, Query(ge=0, le=10_000_000)]

Responses = dict[int | str, dict[str, Any]]
NOT_FOUND: Responses = {404: {"description": "Not found"}}
CONFLICT: Responses = {409: {"description": "Not allowed in the qualification's current state"}}
OTHER_DISTRICT: Responses = {
    403: {
        "model": ErrorResponse,
        "description": "Your role may not call this endpoint (`forbidden`), or, for district staff, the "
        "qualification settles in another district (`other_district`) or your account has no district "
        "(`no_district`)",
    }
}
RATE_LIMITED: Responses = {429: {"description": "Too many checks from this address; see Retry-After"}}


def context(request: Request) -> Ctx:
    ctx: Ctx = get_context(request)
    return ctx


def actor(request: Request) -> str:
    return principal_of(request).subject


def _is_staff(p: Principal) -> bool:
    return p.has(Role.BUREAU_STAFF.value, Role.DISTRICT_STAFF.value, Role.OPERATIONS_ADMIN.value)


def applicant(request: Request) -> str | None:
    """The caller's account id when they are an applicant (they reach only their own application), None
    for staff."""
    p = principal_of(request)
    return None if _is_staff(p) else p.subject


def district_claim(request: Request) -> str | None:
    """The district of a district staff token (intake's ``district`` claim); None when absent or not text."""
    value = principal_of(request).claims.get("district")
    return value if isinstance(value, str) and value else None


def acting_scope(request: Request) -> DistrictScope | None:
    """District staff act for their district only; bureau staff are not restricted (an account holding both
    roles acts as bureau staff here, except for the district check, which is always the district's)."""
    p = principal_of(request)
    if p.has(Role.DISTRICT_STAFF.value) and not p.has(Role.BUREAU_STAFF.value):
        return DistrictScope(district_claim(request))
    return None


def reading_scope(request: Request) -> DistrictScope | None:
    """District staff read their district's qualifications; bureau staff and operations administrators all."""
    p = principal_of(request)
    if p.has(Role.DISTRICT_STAFF.value) and not p.has(Role.BUREAU_STAFF.value, Role.OPERATIONS_ADMIN.value):
        return DistrictScope(district_claim(request))
    return None


# ---- results as response models -----------------------------------------------------------------


def letter_summary(letter: LetterRecord) -> LetterSummary:
    return LetterSummary.model_validate(letter)


def letter_out(letter: LetterRecord) -> LetterOut:
    return LetterOut.model_validate(letter)


def qualification_out(v: QualificationView) -> QualificationOut:
    district = v.qualification["settlement_district"]
    return QualificationOut.model_validate(
        {
            **v.qualification,
            "holder_name": v.holder_name,
            "settlement_district_name": district_name(district) if district else None,
            "letters": [letter_summary(x) for x in v.letters],
        }
    )


def conduct_out(v: ConductView) -> ConductOut:
    return ConductOut.model_validate({**v.record, "id_number_masked": v.id_number_masked})
