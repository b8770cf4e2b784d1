"""HTTP API of the scoring service.

The two scoring endpoints are the fixed contract of ``../shared/contracts/README.md``: PointsFacts in,
PointsResult out, 422 naming every offending field. They are a public calculator (no personal data is
stored). The other endpoints are for bureau staff: results per application and revision, and the
ranking of a round.
"""

from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path
from typing import Annotated, Any

import orjson
from fastapi import APIRouter, Depends, Query, Request
from fastapi import Path as PathParam
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import Response
from pydantic import BaseModel, ConfigDict, Field, StrictInt

from services.scoring import contract, handlers
from services.scoring.adapters.repository import ScoringRepository
from services.scoring.domain import DomainError, score
from shared.api.auth import PermissionTable, Principal, Role, roles
from shared.api.errors import ApiError
from shared.logging import correlation_id_var
from shared.service import ServiceContext, get_context, principal_of

router = APIRouter()

STAFF = roles(Role.BUREAU_STAFF, Role.OPERATIONS_ADMIN)
PERMISSIONS: PermissionTable = {
    ("POST", "/v1/points/score"): roles(Role.PUBLIC),
    ("POST", "/v1/points/score/batch"): roles(Role.PUBLIC),
    ("GET", "/v1/applications/{application_id}/scores"): STAFF,
    ("POST", "/v1/rounds/{round_id}/rankings"): roles(Role.BUREAU_STAFF),
    ("GET", "/v1/rounds/{round_id}/rankings"): STAFF,
    ("GET", "/v1/rounds/{round_id}/rankings/{ranking_id}"): STAFF,
    ("GET", "/v1/rounds/{round_id}/rankings/{ranking_id}/entries"): STAFF,
    ("POST", "/v1/rounds/{round_id}/rankings/{ranking_id}/finalize"): roles(Role.BUREAU_STAFF),
}

_CONTRACTS = Path(__file__).parent / "contracts"
FACTS_SCHEMA = json.loads((_CONTRACTS / "points-facts.schema.json").read_text())

#: Ids in paths: letters, digits and ``_.:-`` only (no NUL or other text PostgreSQL refuses), at most 64.
IdPath = Annotated[str, PathParam(max_length=64, pattern=r"^[A-Za-z0-9_.:-]+$")]
RESULT_SCHEMA = json.loads((_CONTRACTS / "points-result.schema.json").read_text())
MAX_SINGLE_BYTES = 2 * 1024 * 1024
MAX_BATCH_BYTES = 64 * 1024 * 1024
MAX_BATCH_ITEMS = 10_000

EXAMPLE_FACTS: dict[str, Any] = {
    "application_id": "PTS-2022-000001",
    "application_year": 2022,
    "person": {"birth_date": "1981-09-15", "sex": "female", "female_job_category": "cadre"},
    "residence_permit_issued_on": "2019-06-01",
    "criminal_record": False,
    "social_insurance": [
        {"insurance": t, "from": "2002-10", "to": "2021-12", "back_paid": False, "district": "110108"}
        for t in ("pension", "medical", "unemployment", "injury", "maternity")
    ],
    "housing": [
        {
            "kind": "owned",
            "from": "2010-01",
            "to": "2021-12",
            "district": "110112",
            "residential": True,
            "certified": True,
        }
    ],
    "education": [
        {
            "level": "bachelor",
            "diploma": True,
            "degree": True,
            "graduated_on": "2002-07-01",
            "recognized": True,
        }
    ],
    "innovation": [],
    "income_tax": [{"year": 2019, "amount": "120000"}],
    "tax_penalties": [],
    "honours": [],
    "detentions": [],
}


def _schema_without_meta(schema: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in schema.items() if k not in ("$schema", "$id")}


def _json_body(raw: bytes, limit: int) -> Any:
    if len(raw) > limit:
        raise ApiError(
            413, "payload_too_large", f"The request body is {len(raw)} bytes; the limit is {limit}."
        )
    try:
        return orjson.loads(raw)
    except orjson.JSONDecodeError as e:
        raise ApiError(422, "invalid_json", f"The request body is not valid JSON: {e}.") from None


def _json(doc: Any) -> Response:
    return Response(orjson.dumps(doc), media_type="application/json")


def _score_one(doc: Any, prefix: str = "") -> dict[str, Any]:
    try:
        return contract.result_to_dict(score(contract.parse_facts(doc)))
    except contract.FactsValidationError as e:
        raise ApiError(
            422, e.code, str(e), [{**d, "field": prefix + d["field"]} for d in e.details]
        ) from None
    except DomainError as e:
        raise ApiError(422, e.code, e.message) from None


@router.post(
    "/v1/points/score",
    summary="Score one applicant 计算积分",
    tags=["points 积分"],
    openapi_extra={
        "requestBody": {
            "required": True,
            "content": {
                "application/json": {"schema": _schema_without_meta(FACTS_SCHEMA), "example": EXAMPLE_FACTS}
            },
        }
    },
    responses={
        200: {
            "description": "The PointsResult",
            "content": {"application/json": {"schema": _schema_without_meta(RESULT_SCHEMA)}},
        },
        413: {"description": "Body larger than 2 MiB"},
    },
)
async def score_one(request: Request) -> Response:
    """Score verified facts (PointsFacts) under the policy version of their round.

    按申报年度对应的政策版本计算积分：四项资格条件、十一项指标逐项说明、总分。
    Invalid facts answer 422 with one detail per offending field.
    """
    doc = _json_body(await request.body(), MAX_SINGLE_BYTES)
    return _json(_score_one(doc))


@router.post(
    "/v1/points/score/batch",
    summary="Score many applicants 批量计算积分",
    tags=["points 积分"],
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
                                "items": _schema_without_meta(FACTS_SCHEMA),
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
                            "results": {"type": "array", "items": _schema_without_meta(RESULT_SCHEMA)}
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
    doc = _json_body(await request.body(), MAX_BATCH_BYTES)
    if not isinstance(doc, dict) or set(doc) != {"items"} or not isinstance(doc["items"], list):
        raise ApiError(
            422,
            "invalid_batch",
            'The body must be {"items": [PointsFacts, …]}.',
            [{"field": "items", "code": "required", "message": "an array of PointsFacts is required"}],
        )
    items = doc["items"]
    if len(items) > MAX_BATCH_ITEMS:
        raise ApiError(
            422,
            "batch_too_large",
            f"{len(items)} items; at most {MAX_BATCH_ITEMS} per call.",
            [{"field": "items", "code": "max_items", "message": f"at most {MAX_BATCH_ITEMS} items"}],
        )

    def work() -> dict[str, Any]:
        results, details = [], []
        for i, item in enumerate(items):
            try:
                results.append(_score_one(item, prefix=f"items[{i}]."))
            except ApiError as e:
                details.extend(e.details or [{"field": f"items[{i}]", "code": e.code, "message": e.message}])
        if details:
            raise ApiError(422, "invalid_facts", f"{len(details)} invalid field(s) in the batch.", details)
        return {"results": results}

    return _json(await run_in_threadpool(work))


# ---- staff: results and ranking ---------------------------------------------------------------


class ScoreRecord(BaseModel):
    application_id: str
    revision: int
    round_id: str
    policy_version: str
    qualified: bool
    total: Decimal
    computed_at: Any
    result: dict[str, Any] = Field(description="The PointsResult of this revision.")
    current: bool = Field(description="True for the highest revision: the one that counts.")


class ScoreHistory(BaseModel):
    application_id: str
    items: list[ScoreRecord]


@router.get(
    "/v1/applications/{application_id}/scores",
    summary="Score history of an application 积分记录",
    response_model=ScoreHistory,
    tags=["results 结果"],
    responses={404: {"description": "Not scored yet"}},
)
async def score_history(application_id: IdPath, ctx: ServiceContext = Depends(get_context)) -> ScoreHistory:
    """Every scored revision of an application's verified facts, newest first; the newest is current
    (a recheck or appeal produces a new revision that supersedes the old one)."""
    async with ctx.session_factory() as s:
        rows = await ScoringRepository(s).results_of(application_id)
    if not rows:
        raise ApiError(404, "not_scored", f"Application {application_id} has no score yet.")
    items = [
        ScoreRecord(**{k: r[k] for k in ScoreRecord.model_fields if k in r}, current=(i == 0))
        for i, r in enumerate(rows)
    ]
    return ScoreHistory(application_id=application_id, items=items)


class RankingRun(BaseModel):
    """Exactly one of `quota` (bj-points-2020: head count) and `score_line` (bj-points-2018)."""

    model_config = ConfigDict(
        extra="forbid", json_schema_extra={"examples": [{"quota": 6000}, {"score_line": "90.75"}]}
    )

    quota: StrictInt | None = Field(default=None, ge=1, le=1_000_000, description="Head count (落户指标).")
    score_line: Decimal | None = Field(
        default=None,
        ge=0,
        le=1000,
        max_digits=6,
        decimal_places=2,
        description="Yearly score line (落户分值), decimal string.",
    )


class RankingOut(BaseModel):
    ranking_id: str = Field(examples=["rk-3f2a9c0d1e2b4a5f6c7d"])
    round_id: str
    policy_version: str
    selection: str = Field(examples=["quota"])
    quota: int | None
    score_line: Decimal | None
    cutoff: Decimal | None = Field(description="Lowest admitted total; everyone at or above it is admitted.")
    ranked_count: int
    admitted_count: int
    input_digest: str = Field(
        examples=["sha256:9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08"]
    )
    status: str = Field(examples=["draft"])
    created_at: Any
    created_by: str
    finalized_at: Any = None
    finalized_by: str | None = None


class RankingList(BaseModel):
    items: list[RankingOut]


class RankEntryOut(BaseModel):
    position: int
    application_id: str
    rank: int
    admitted: bool
    total: Decimal


class RankEntryPage(BaseModel):
    items: list[RankEntryOut]
    total: int
    limit: int
    offset: int


def _raise(e: handlers.ScoringError) -> None:
    raise ApiError(e.status, e.code, e.message, e.details) from None


@router.post(
    "/v1/rounds/{round_id}/rankings",
    summary="Run the ranking of a round 计算年度排名",
    response_model=RankingOut,
    status_code=201,
    tags=["ranking 排名"],
    responses={409: {"description": "Ranking already finalized, or nothing to rank"}},
)
async def run_ranking(
    round_id: IdPath, body: RankingRun, request: Request, ctx: ServiceContext = Depends(get_context)
) -> RankingOut:
    """Rank the current results of all qualified applicants of the round (a draft, not yet published).

    Competition ranks; with a quota Q the cut-off is the total at position Q and everyone at or above it is
    admitted (ties included); with a score line everyone at or above the line. The same inputs always give
    the same digest, cut-off and ranks. Without a body quota, the round's quota (from intake) is used.
    """
    who: Principal = principal_of(request)
    async with ctx.session_factory() as s, s.begin():
        try:
            row = await handlers.run_ranking(
                s,
                handlers.RankingRequest(round_id, body.quota, body.score_line, who.subject),
                ctx.clock.now(),
            )
        except handlers.ScoringError as e:
            _raise(e)
    return RankingOut(**row)


@router.get(
    "/v1/rounds/{round_id}/rankings",
    summary="Rankings of a round 年度排名列表",
    response_model=RankingList,
    tags=["ranking 排名"],
)
async def list_rankings(round_id: IdPath, ctx: ServiceContext = Depends(get_context)) -> RankingList:
    """Every ranking run of the round, newest first, with its status (draft or finalized)."""
    async with ctx.session_factory() as s:
        rows = await ScoringRepository(s).rankings_of_round(round_id)
    return RankingList(items=[RankingOut(**r) for r in rows])


@router.get(
    "/v1/rounds/{round_id}/rankings/{ranking_id}",
    summary="One ranking 排名详情",
    response_model=RankingOut,
    tags=["ranking 排名"],
    responses={404: {"description": "No such ranking"}},
)
async def get_ranking(
    round_id: IdPath, ranking_id: IdPath, ctx: ServiceContext = Depends(get_context)
) -> RankingOut:
    """A ranking's selection rule, cut-off, counts, input digest and status."""
    async with ctx.session_factory() as s:
        row = await ScoringRepository(s).get_ranking(ranking_id)
    if row is None or row["round_id"] != round_id:
        raise ApiError(404, "ranking_not_found", f"Round {round_id} has no ranking {ranking_id}.")
    return RankingOut(**row)


@router.get(
    "/v1/rounds/{round_id}/rankings/{ranking_id}/entries",
    summary="Ranked applicants 排名名单",
    response_model=RankEntryPage,
    tags=["ranking 排名"],
    responses={404: {"description": "No such ranking"}},
)
async def ranking_entries(
    round_id: IdPath,
    ranking_id: IdPath,
    ctx: ServiceContext = Depends(get_context),
    admitted: Annotated[
        bool | None, Query(description="Only admitted (true) or not admitted (false)")
    ] = None,
    limit: Annotated[int, Query(ge=1, le=1000)] = 100,
    offset: Annotated[int, Query(ge=0, le=10_000_000)] = 0,
) -> RankEntryPage:
    """Ranked applicants in display order (total descending; inside a tie by application id)."""
    async with ctx.session_factory() as s:
        repo = ScoringRepository(s)
        row = await repo.get_ranking(ranking_id)
        if row is None or row["round_id"] != round_id:
            raise ApiError(404, "ranking_not_found", f"Round {round_id} has no ranking {ranking_id}.")
        items = await repo.entries(ranking_id, limit=limit, offset=offset, admitted=admitted)
        total = await repo.count_entries(ranking_id, admitted)
    return RankEntryPage(
        items=[RankEntryOut(**{k: e[k] for k in RankEntryOut.model_fields}) for e in items],
        total=total,
        limit=limit,
        offset=offset,
    )


@router.post(
    "/v1/rounds/{round_id}/rankings/{ranking_id}/finalize",
    summary="Finalize and publish a ranking 确认排名",
    response_model=RankingOut,
    tags=["ranking 排名"],
    responses={
        404: {"description": "No such ranking"},
        409: {"description": "Another ranking is finalized, or scores changed since the run"},
    },
)
async def finalize(
    round_id: IdPath, ranking_id: IdPath, request: Request, ctx: ServiceContext = Depends(get_context)
) -> RankingOut:
    """Finalize a draft ranking: emits `ranking.finalized` and one `application.ranked` per ranked applicant.

    Finalizing is idempotent. Once finalized, the round cannot be ranked again and nobody is added when
    someone drops out (不递补). Refused if any current score of the round changed since the ranking was run.
    """
    who = principal_of(request)
    async with ctx.session_factory() as s, s.begin():
        try:
            row = await handlers.finalize_ranking(
                s,
                ctx.outbox,
                round_id,
                ranking_id,
                who.subject,
                ctx.clock.now(),
                correlation_id_var.get() or ranking_id,
            )
        except handlers.ScoringError as e:
            _raise(e)
    return RankingOut(**row)
