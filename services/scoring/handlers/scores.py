"""Scores of submitted applications: each revision of the verified facts (``verification.completed``)
is scored and kept; the highest revision is current and announced (``score.computed``)."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from services.scoring.adapters.records import ScoreResultRecord
from services.scoring.context import Tx
from services.scoring.contract import FactsValidationError, parse_facts
from services.scoring.domain import DomainError, score
from services.scoring.results import result_to_dict
from shared.api.errors import Invalid, NotFound
from shared.events.contracts.review import VerificationCompletedV2
from shared.events.contracts.scoring import IndicatorPoints, ScoreComputedV1


@dataclass(frozen=True)
class ScoreVerifiedFacts:
    """One revision of an application's verified facts, as ``verification.completed`` carries it."""

    application_id: str
    revision: int
    round_id: str
    program: str
    facts: dict[str, Any]
    """The points-facts document (``PointsFacts.as_document()``)."""
    source_event_id: str

    @classmethod
    def from_event(cls, data: VerificationCompletedV2, event_id: str) -> ScoreVerifiedFacts:
        return cls(
            application_id=data.application_id,
            revision=data.revision,
            round_id=data.round_id,
            program=data.program,
            facts=data.facts.as_document(),
            source_event_id=event_id,
        )


async def score_verified_facts(tx: Tx, cmd: ScoreVerifiedFacts) -> None:
    """Score one revision of an application's verified facts; emit ``score.computed`` if it is current.

    Facts the rules refuse (a policy version that does not cover the round) or a round outside every
    policy version can never succeed: :class:`Invalid`, dead-lettered with the reason (visible to
    operations) instead of retried. A revision already scored, or older than the current one, is kept
    in the history but announces nothing.
    """
    if cmd.program != "points":
        return  # the graduate programme is not scored on points
    facts_doc = dict(cmd.facts)
    facts_doc.setdefault("application_id", cmd.application_id)
    rnd = await tx.repo.get_round(cmd.round_id)
    if rnd is not None and rnd["policy_version"] and "policy_version" not in facts_doc:
        facts_doc["policy_version"] = rnd["policy_version"]
    try:
        result = score(parse_facts(facts_doc))
    except FactsValidationError as e:
        raise Invalid("invalid_facts", f"verified facts of {cmd.application_id} r{cmd.revision}: {e}") from e
    except DomainError as e:
        raise Invalid(e.code, f"{cmd.application_id} r{cmd.revision}: {e.message}") from e
    doc = result_to_dict(result)
    latest = await tx.repo.latest_revision(cmd.application_id)
    inserted = await tx.repo.insert_result(
        {
            "application_id": cmd.application_id,
            "revision": cmd.revision,
            "round_id": cmd.round_id,
            "policy_version": result.policy_version,
            "qualified": result.qualified,
            "total": result.total,
            "facts": facts_doc,
            "result": doc,
            "source_event_id": cmd.source_event_id,
            "computed_at": tx.now,
        }
    )
    if not inserted or (latest is not None and latest > cmd.revision):
        return  # already scored, or an older revision arriving late: it never supersedes a newer one
    await tx.emit(
        score_computed_event(cmd.application_id, cmd.revision, cmd.round_id, doc), cmd.application_id
    )


def score_computed_event(
    application_id: str, revision: int, round_id: str, doc: dict[str, Any]
) -> ScoreComputedV1:
    """``score.computed`` for a PointsResult document."""
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


@dataclass(frozen=True)
class ScoreHistory:
    application_id: str


async def score_history(tx: Tx, cmd: ScoreHistory) -> list[ScoreResultRecord]:
    """Every scored revision of an application, newest (current) first; ``not_scored`` if none."""
    rows = await tx.repo.results_of(cmd.application_id)
    if not rows:
        raise NotFound("not_scored", f"Application {cmd.application_id} has no score yet.")
    return rows
