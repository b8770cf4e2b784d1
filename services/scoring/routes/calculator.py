"""The public calculator, the fixed contract of ``../shared/contracts/README.md``: PointsFacts in,
PointsResult out, 422 naming every offending field. Nothing is stored and no database is needed: the
routes parse the raw body and call the pure use cases of :mod:`services.scoring.handlers.calculator`.
"""

from __future__ import annotations

from typing import Any

import orjson
from fastapi import APIRouter, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import Response

from services.scoring.handlers import calculator
from services.scoring.schemas import EXAMPLE_FACTS, FACTS_SCHEMA, RESULT_SCHEMA, schema_without_meta
from shared.api.errors import ApiError, Invalid

router = APIRouter(tags=["points 积分"])

MAX_SINGLE_BYTES = 2 * 1024 * 1024
MAX_BATCH_BYTES = 64 * 1024 * 1024
MAX_BATCH_ITEMS = calculator.MAX_BATCH_ITEMS


def json_body(raw: bytes, limit: int) -> Any:
    if len(raw) > limit:
        raise ApiError(
            413, "payload_too_large", f"The request body is {len(raw)} bytes; the limit is {limit}."
        )
    try:
        return orjson.loads(raw)
    except orjson.JSONDecodeError as e:
        raise Invalid("invalid_json", f"The request body is not valid JSON: {e}.") from None


def _json(doc: Any) -> Response:
    return Response(orjson.dumps(doc), media_type="application/json")


@router.post(
    "/v1/points/score",
    summary="Score one applicant 计算积分",
    openapi_extra={
        "requestBody": {
            "required": True,
            "content": {
                "application/json": {"schema": schema_without_meta(FACTS_SCHEMA), "example": EXAMPLE_FACTS}
            },
        }
    },
    responses={
        200: {
            "description": "The PointsResult",
            "content": {"application/json": {"schema": schema_without_meta(RESULT_SCHEMA)}},
        },
        413: {"description": "Body larger than 2 MiB"},
    },
)
async def score_one(request: Request) -> Response:
    """Score verified facts (PointsFacts) under the policy version of their round.

    按申报年度对应的政策版本计算积分：四项资格条件、十一项指标逐项说明、总分。
    Invalid facts answer 422 with one detail per offending field.
    """
    doc = json_body(await request.body(), MAX_SINGLE_BYTES)
    return _json(calculator.score_one(doc))


@router.post(
    "/v1/points/score/batch",
    summary="Score many applicants 批量计算积分",
    openapi_extra={
        "requestBody": {
            "required": True,
            "content": {
                "application/json": {
                    "schema": {
                        "type": "object",
                        "required": ["items"],
                        "additionalProperties": False,
                        "properties": {
                            "items": {
                                "type": "array",
                                "maxItems": MAX_BATCH_ITEMS,
                                "items": schema_without_meta(FACTS_SCHEMA),
                            }
                        },
                    },
                    "example": {"items": [EXAMPLE_FACTS]},
                }
            },
        }
    },
    responses={
        200: {
            "description": '`{"results": [PointsResult, …]}` in the order of the items',
            "content": {
                "application/json": {
                    "schema": {
                        "type": "object",
                        "properties": {
                            "results": {"type": "array", "items": schema_without_meta(RESULT_SCHEMA)}
                        },
                    }
                }
            },
        }
    },
)
async def score_batch(request: Request) -> Response:
    """Score up to 10,000 PointsFacts in one call; results come back in the same order.

    批量计算（最多 10,000 条），结果顺序与输入一致。Any invalid item makes the whole call 422; each detail
    names its item, e.g. `items[3].person.birth_date`.
    """
    doc = json_body(await request.body(), MAX_BATCH_BYTES)
    return _json(await run_in_threadpool(calculator.score_batch, doc))
