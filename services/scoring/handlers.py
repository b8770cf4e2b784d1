"""Use cases of the scoring service: load, call the domain, commit once."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from services.scoring import contract
from services.scoring.adapters.repository import ScoringRepository
from services.scoring.domain import (
    DomainError,
    RankEntry,
    Ranking,
    input_digest,
    policy_by_code,
    rank_by_quota,
    rank_by_score_line,
    score,
)
from shared.events.contracts.intake import RoundPhaseChangedV1
from shared.events.contracts.review import VerificationCompletedV1
from shared.events.contracts.scoring import (
    ApplicationRankedV1,
    IndicatorPoints,
    RankingFinalizedV1,
    ScoreComputedV1,
)
from shared.messaging.inbox import Delivery, PermanentError
from shared.messaging.outbox import Outbox


class ScoringError(Exception):
    """A use-case refusal with a status, a stable code and a message for people."""

    def __init__(
        self, status: int, code: str, message: str, details: list[dict[str, Any]] | None = None
    ) -> None:
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message
        self.details = details or []


# ---- events in ----------------------------------------------------------------------------


async def on_round_phase_changed(d: Delivery) -> None:
    """Remember the round's policy version, quota and phases (for ranking and checks)."""
    data: RoundPhaseChangedV1 = d.data
    await ScoringRepository(d.session).upsert_round(
        {
            "round_id": data.round_id,
            "program": data.program,
            "year": data.year,
            "policy_version": data.policy_version,
            "quota": data.quota,
            "phase": data.phase,
            "phases": [p.model_dump(mode="json") for p in data.phases],
            "updated_at": d.envelope.time,
        }
    )


async def on_verification_completed(d: Delivery) -> None:
    """Score one revision of an application's verified facts; emit `score.computed` if it is current.

    Invalid facts or a round outside every policy version can never succeed: dead-lettered with the
    reason (visible to operations) instead of retried.
    """
    data: VerificationCompletedV1 = d.data
    if data.program != "points":
        return  # the graduate programme is not scored on points
    repo = ScoringRepository(d.session)
    facts_doc = dict(data.facts)
    facts_doc.setdefault("application_id", data.application_id)
    rnd = await repo.get_round(data.round_id)
    if rnd and rnd.get("policy_version") and "policy_version" not in facts_doc:
        facts_doc["policy_version"] = rnd["policy_version"]
    try:
        facts = contract.parse_facts(facts_doc)
        result = score(facts)
    except contract.FactsValidationError as e:
        raise PermanentError(
            "invalid_facts", f"verified facts of {data.application_id} r{data.revision}: {e}"
        ) from e
    except DomainError as e:
        raise PermanentError(e.code, f"{data.application_id} r{data.revision}: {e.message}") from e
    doc = contract.result_to_dict(result)
    latest = await repo.latest_revision(data.application_id)
    inserted = await repo.insert_result(
        {
            "application_id": data.application_id,
            "revision": data.revision,
            "round_id": data.round_id,
            "policy_version": result.policy_version,
            "qualified": result.qualified,
            "total": result.total,
            "facts": facts_doc,
            "result": doc,
            "source_event_id": str(d.envelope.id),
            "computed_at": d.outbox.clock.now(),
        }
    )
    if not inserted or (latest is not None and latest > data.revision):
        return  # already scored, or an older revision arriving late: it never supersedes a newer one
    await d.emit(
        score_computed_event(data.application_id, data.revision, data.round_id, doc),
        subject=data.application_id,
    )


def score_computed_event(
    application_id: str, revision: int, round_id: str, doc: dict[str, Any]
) -> ScoreComputedV1:
    return ScoreComputedV1(
        application_id=application_id,
        revision=revision,
        round_id=round_id,
        policy_version=doc["policy_version"],
        qualified=doc["qualified"],
        failed_conditions=[c["code"] for c in doc["qualification"] if not c["passed"]],
        total=Decimal(doc["total"]),
        indicators=[IndicatorPoints(code=i["code"], points=Decimal(i["points"])) for i in doc["indicators"]],
    )


# ---- ranking ------------------------------------------------------------------------------


@dataclass(frozen=True)
class RankingRequest:
    round_id: str
    quota: int | None
    score_line: Decimal | None
    actor: str


def _policy_of_round(rnd: dict[str, Any] | None, totals: list[tuple[str, Decimal, bool, str]]) -> str:
    if rnd and rnd.get("policy_version"):
        return str(rnd["policy_version"])
    versions = {t[3] for t in totals}
    if len(versions) == 1:
        return versions.pop()
    if not versions:
        raise ScoringError(409, "nothing_to_rank", "No scored application in this round yet.")
    raise ScoringError(
        409,
        "mixed_policy_versions",
        f"Results of this round were scored under several policy versions: {sorted(versions)}.",
    )


async def run_ranking(session: AsyncSession, req: RankingRequest, now: datetime) -> dict[str, Any]:
    """Rank the current results of all qualified applicants of a round and store it as a draft.

    Running it again over the same inputs gives the same digest, cut-off and ranks. A round whose
    ranking is finalized cannot be ranked again (after publication nobody is added, 不递补).
    """
    repo = ScoringRepository(session)
    if await repo.finalized_ranking(req.round_id):
        raise ScoringError(
            409,
            "ranking_finalized",
            f"The ranking of round {req.round_id} is finalized and published; it cannot be re-run.",
        )
    rnd = await repo.get_round(req.round_id)
    totals = await repo.latest_totals(req.round_id)
    policy_code = _policy_of_round(rnd, totals)
    policy = policy_by_code(policy_code)
    quota = req.quota
    if quota is None and req.score_line is None and policy.selection.mode == "quota":
        quota = (rnd or {}).get("quota")  # the round's quota as intake announced it
    if (quota is None) == (req.score_line is None):
        raise ScoringError(
            422, "selection_required", "Give either a quota (head count) or a score line, not both."
        )
    selection = policy.selection.mode
    if selection == "quota" and quota is None:
        raise ScoringError(422, "quota_required", f"{policy_code} admits by head count: give a quota.")
    if selection == "score_line" and req.score_line is None:
        raise ScoringError(
            422, "score_line_required", f"{policy_code} admits by a yearly score line: give one."
        )
    entries = [RankEntry(app_id, total) for app_id, total, qualified, _ in totals if qualified]
    if quota is not None:
        ranking: Ranking = rank_by_quota(entries, quota)
    else:
        assert req.score_line is not None  # checked above: exactly one of the two
        ranking = rank_by_score_line(entries, req.score_line)
    ranking_id = "rk-" + uuid.uuid4().hex[:20]
    row = {
        "ranking_id": ranking_id,
        "round_id": req.round_id,
        "policy_version": policy_code,
        "selection": ranking.selection,
        "quota": ranking.quota,
        "score_line": ranking.score_line,
        "cutoff": ranking.cutoff,
        "ranked_count": len(ranking.ranks),
        "admitted_count": ranking.admitted_count,
        "input_digest": ranking.input_digest,
        "status": "draft",
        "created_at": now,
        "created_by": req.actor,
    }
    await repo.insert_ranking(
        row,
        [
            {
                "ranking_id": ranking_id,
                "position": i + 1,
                "application_id": r.application_id,
                "rank": r.rank,
                "admitted": r.admitted,
                "total": r.total,
            }
            for i, r in enumerate(ranking.ranks)
        ],
    )
    await repo.audit(
        now,
        req.actor,
        "ranking.run",
        req.round_id,
        {
            "ranking_id": ranking_id,
            "input_digest": ranking.input_digest,
            "quota": ranking.quota,
            "score_line": str(ranking.score_line) if ranking.score_line is not None else None,
        },
    )
    return row


async def finalize_ranking(
    session: AsyncSession,
    outbox: Outbox,
    round_id: str,
    ranking_id: str,
    actor: str,
    now: datetime,
    correlation_id: str,
) -> dict[str, Any]:
    """Publish a draft ranking: `ranking.finalized` and one `application.ranked` per ranked applicant."""
    repo = ScoringRepository(session)
    rk = await repo.get_ranking(ranking_id, for_update=True)
    if rk is None or rk["round_id"] != round_id:
        raise ScoringError(404, "ranking_not_found", f"Round {round_id} has no ranking {ranking_id}.")
    if rk["status"] == "finalized":
        return rk  # idempotent: finalizing twice publishes once
    other = await repo.finalized_ranking(round_id)
    if other:
        raise ScoringError(
            409,
            "ranking_finalized",
            f"Round {round_id} already has a finalized ranking ({other['ranking_id']}).",
        )
    totals = await repo.latest_totals(round_id)
    current = sorted((a, t) for a, t, q, _ in totals if q)
    digest_now = input_digest(
        [RankEntry(a, t) for a, t in current], quota=rk["quota"], score_line=rk["score_line"]
    )
    if digest_now != rk["input_digest"]:
        raise ScoringError(
            409,
            "ranking_stale",
            "Scores of this round changed since this ranking was run; run the ranking again.",
        )
    await repo.mark_finalized(ranking_id, now, actor)
    await outbox.emit(
        session,
        RankingFinalizedV1(
            round_id=round_id,
            ranking_id=ranking_id,
            policy_version=rk["policy_version"],
            quota=rk["quota"],
            score_line=rk["score_line"],
            cutoff=rk["cutoff"],
            ranked_count=rk["ranked_count"],
            admitted_count=rk["admitted_count"],
            input_digest=rk["input_digest"],
        ),
        subject=round_id,
        correlation_id=correlation_id,
    )
    for e in await repo.entries(ranking_id):
        await outbox.emit(
            session,
            ApplicationRankedV1(
                application_id=e["application_id"],
                round_id=round_id,
                ranking_id=ranking_id,
                rank=e["rank"],
                admitted=e["admitted"],
                total=e["total"],
            ),
            subject=e["application_id"],
            correlation_id=correlation_id,
        )
    await repo.audit(now, actor, "ranking.finalized", round_id, {"ranking_id": ranking_id})
    rk.update(status="finalized", finalized_at=now, finalized_by=actor)
    return rk
