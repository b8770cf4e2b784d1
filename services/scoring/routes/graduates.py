"""Graduate eligibility (引进毕业生): the public calculator of the fixed contract (GraduateFacts in,
GraduateResult out; ``../shared/contracts/README.md``, "Graduate eligibility") and the staff read of a
declaration's assessment.

The calculator is public and stores nothing, like the points calculator: the route parses the raw body
(at most 2 MiB, else 413) and calls the pure :func:`~services.scoring.handlers.graduates.assess_eligibility`;
the answer is the same bytes the ``graduates`` CLI writes for the same line.
"""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import Response

from services.scoring.context import Ctx
from services.scoring.graduates_contract import result_to_json
from services.scoring.handlers import graduates
from services.scoring.routes.calculator import MAX_SINGLE_BYTES, json_body
from services.scoring.routes.deps import IdPath
from services.scoring.schemas import (
    EXAMPLE_GRADUATE_FACTS,
    GRADUATE_FACTS_SCHEMA,
    GraduateAssessmentOut,
    GraduateResultOut,
    schema_without_meta,
)
from shared.service import get_context, principal_of

router = APIRouter(tags=["graduates 引进毕业生"])


@router.post(
    "/v1/graduates/eligibility",
    summary="Assess a graduate's eligibility 毕业生引进资格审核",
    response_model=GraduateResultOut,
    openapi_extra={
        "requestBody": {
            "required": True,
            "content": {
                "application/json": {
                    "schema": schema_without_meta(GRADUATE_FACTS_SCHEMA),
                    "example": EXAMPLE_GRADUATE_FACTS,
                }
            },
        }
    },
    responses={
        413: {"description": "Body larger than 2 MiB"},
        422: {"description": "Not valid JSON (`invalid_json`) or not valid GraduateFacts (`invalid_facts`)"},
    },
)
async def graduate_eligibility(request: Request) -> Response:
    """Assess one employer's declaration of one graduate (GraduateFacts) under graduates-2018.

    按《北京市引进非北京生源毕业生工作管理办法》逐项审核十一项条件（各注明条款并以中文说明），给出是否符合引进条件、
    指标使用方式（`counted` 占用主管单位指标、`not_counted`、`separate_plan` 计划单列、`direct` 直接引进）和适用的
    年龄上限。Public (no credentials), nothing stored. Invalid input answers 422 `invalid_facts` with one
    detail per offending field (e.g. `graduate.birth_date` `date.invalid`, `date.too_early`,
    `graduate.founder.share_percent_at_founding` `share.above_100`); a body that is not JSON `invalid_json`.
    """
    doc = json_body(await request.body(), MAX_SINGLE_BYTES)
    return Response(result_to_json(graduates.assess_eligibility(doc)), media_type="application/json")


@router.get(
    "/v1/graduates/declarations/{declaration_id}/assessment",
    summary="Eligibility assessment of a declaration 毕业生申报资格审核结果",
    response_model=GraduateAssessmentOut,
    responses={404: {"description": "Not assessed yet, or a declaration of another supervising unit"}},
)
async def graduate_assessment(declaration_id: IdPath, request: Request) -> GraduateAssessmentOut:
    """The current eligibility assessment of a graduate declaration (the highest revision of its verified
    facts, from `graduate.verified`), with its eleven checks, and the earlier revisions.

    Bureau staff see every declaration; supervising-unit staff only those of their own unit.
    """
    ctx: Ctx = get_context(request)
    principal = principal_of(request)
    rows = await ctx.run(
        graduates.graduate_assessment,
        graduates.GraduateAssessmentOf(declaration_id, principal),
        actor=principal.subject,
    )
    return GraduateAssessmentOut.from_records(rows)
