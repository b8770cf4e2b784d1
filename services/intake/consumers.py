"""The applicant's view, fed by the other services' events; and bad-conduct records.

One consumer (``intake.case-view``) reads the review, scoring, publicity and settlement topics. Each event
adds a timeline entry (deduplicated by event id, besides the inbox) and updates the application's
read model in the same transaction as its inbox row. Per-application events for an application intake
does not know are dead-lettered (``unknown_application``): they point at a bug or a foreign environment.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from services.intake.adapters.repository import IntakeRepository, Row
from services.intake.domain.case import advance_status
from services.intake.runtime import IntakeRuntime
from shared.crypto import Sealed, SealError
from shared.events.contracts.publicity import PublicityClosedV1, PublicityOutcomeV1
from shared.events.contracts.review import VerificationCompletedV1
from shared.events.contracts.scoring import ApplicationRankedV1, RankingFinalizedV1, ScoreComputedV1
from shared.events.contracts.settlement import (
    ConductRecordedV1,
    LetterIssuedV1,
    LetterRevokedV1,
    QualificationLapsedV1,
)
from shared.events.registry import REGISTRY
from shared.messaging.inbox import Delivery, InboxConsumer, PermanentError
from shared.service import ServiceContext

TOPICS = ["review.events", "scoring.events", "publicity.events", "settlement.events"]


async def _application(repo: IntakeRepository, application_id: str) -> Row:
    row = await repo.application(application_id, for_update=True)
    if row is None:
        raise PermanentError("unknown_application", f"intake knows no application {application_id}")
    return row


async def _record(
    d: Delivery,
    repo: IntakeRepository,
    row: Row,
    kind: str,
    data: dict[str, Any],
    revision: int | None = None,
) -> None:
    await repo.add_timeline(
        row["id"], at=d.envelope.time, kind=kind, data=data, revision=revision, event_id=d.envelope.id
    )


def _newer(current: dict[str, Any] | None, revision: int) -> bool:
    return current is None or int(current.get("revision", 0)) <= revision


async def on_verification_completed(d: Delivery) -> None:
    e: VerificationCompletedV1 = d.data
    repo = IntakeRepository(d.session)
    row = await _application(repo, e.application_id)
    data = {"revision": e.revision, "statuses": [s.model_dump(mode="json") for s in e.statuses]}
    await _record(d, repo, row, "verification.completed", data, e.revision)
    if _newer(row["verification"], e.revision):
        await repo.update_application(
            row["id"],
            verification={**data, "at": d.envelope.time.isoformat()},
            status=advance_status(row["status"], "verified"),
            updated_at=d.envelope.time,
        )


async def on_score_computed(d: Delivery) -> None:
    e: ScoreComputedV1 = d.data
    repo = IntakeRepository(d.session)
    row = await _application(repo, e.application_id)
    data = {
        "revision": e.revision,
        "policy_version": e.policy_version,
        "qualified": e.qualified,
        "failed_conditions": e.failed_conditions,
        "total": str(e.total),
        "indicators": [{"code": i.code, "points": str(i.points)} for i in e.indicators],
    }
    await _record(d, repo, row, "score.computed", data, e.revision)
    if _newer(row["score"], e.revision):
        await repo.update_application(
            row["id"], score=data, status=advance_status(row["status"], "scored"), updated_at=d.envelope.time
        )


async def on_application_ranked(d: Delivery) -> None:
    e: ApplicationRankedV1 = d.data
    repo = IntakeRepository(d.session)
    row = await _application(repo, e.application_id)
    data = {"ranking_id": e.ranking_id, "rank": e.rank, "admitted": e.admitted, "total": str(e.total)}
    await _record(d, repo, row, "application.ranked", data)
    await repo.update_application(
        row["id"], ranking=data, status=advance_status(row["status"], "ranked"), updated_at=d.envelope.time
    )


async def on_publicity_outcome(d: Delivery) -> None:
    e: PublicityOutcomeV1 = d.data
    repo = IntakeRepository(d.session)
    row = await _application(repo, e.application_id)
    data = {
        "outcome": e.outcome,
        "reason": e.reason,
        "publicity_closed_at": e.publicity_closed_at.isoformat(),
    }
    await _record(d, repo, row, "publicity.outcome", data)
    await repo.update_application(
        row["id"], publicity=data, status=advance_status(row["status"], e.outcome), updated_at=d.envelope.time
    )


async def on_letter_issued(d: Delivery) -> None:
    e: LetterIssuedV1 = d.data
    repo = IntakeRepository(d.session)
    row = await _application(repo, e.application_id)
    data = {
        "letter_type": e.letter_type,
        "serial_number": e.serial_number,
        "issued_on": e.issued_on.isoformat(),
    }
    await _record(d, repo, row, "letter.issued", data)
    letters = [x for x in (row["letters"] or []) if x.get("serial_number") != e.serial_number]
    await repo.update_application(
        row["id"],
        letters=[*letters, data],
        status=advance_status(row["status"], "letter_issued"),
        updated_at=d.envelope.time,
    )


async def on_letter_revoked(d: Delivery) -> None:
    e: LetterRevokedV1 = d.data
    repo = IntakeRepository(d.session)
    row = await _application(repo, e.application_id)
    data = {"serial_number": e.serial_number, "reason": e.reason, "revoked_on": e.revoked_on.isoformat()}
    await _record(d, repo, row, "letter.revoked", data)
    letters = [
        {**x, "revoked_on": data["revoked_on"], "revocation_reason": e.reason}
        if x.get("serial_number") == e.serial_number
        else x
        for x in (row["letters"] or [])
    ]
    await repo.update_application(
        row["id"],
        letters=letters,
        status=advance_status(row["status"], "letter_revoked"),
        updated_at=d.envelope.time,
    )


async def on_qualification_lapsed(d: Delivery) -> None:
    e: QualificationLapsedV1 = d.data
    repo = IntakeRepository(d.session)
    row = await _application(repo, e.application_id)
    await _record(d, repo, row, "qualification.lapsed", {"lapsed_on": e.lapsed_on.isoformat()})
    await repo.update_application(
        row["id"],
        lapsed_on=e.lapsed_on,
        status=advance_status(row["status"], "lapsed"),
        updated_at=d.envelope.time,
    )


async def on_qualification_cancelled(d: Delivery) -> None:
    """``qualification.cancelled`` (settlement; read by attribute so intake does not depend on its model)."""
    e = d.data
    repo = IntakeRepository(d.session)
    row = await _application(repo, e.application_id)
    data = {
        "reason_code": e.reason_code,
        "reason": e.reason,
        "ended_on": e.ended_on.isoformat(),
        "abandoned": e.abandoned,
    }
    await _record(d, repo, row, "qualification.cancelled", data)
    await repo.update_application(
        row["id"], status=advance_status(row["status"], "cancelled"), updated_at=d.envelope.time
    )


async def _round_event(
    d: Delivery, round_id: str, kind: str, data: dict[str, Any], **round_values: Any
) -> None:
    repo = IntakeRepository(d.session)
    if await repo.round(round_id, for_update=True) is None:
        raise PermanentError("unknown_round", f"intake knows no round {round_id}")
    await repo.insert_round_event(
        {"round_id": round_id, "at": d.envelope.time, "kind": kind, "data": data, "event_id": d.envelope.id}
    )
    await repo.update_round(round_id, **round_values)


async def on_ranking_finalized(d: Delivery) -> None:
    e: RankingFinalizedV1 = d.data
    data = {
        "ranking_id": e.ranking_id,
        "policy_version": e.policy_version,
        "quota": e.quota,
        "score_line": None if e.score_line is None else str(e.score_line),
        "cutoff": None if e.cutoff is None else str(e.cutoff),
        "ranked_count": e.ranked_count,
        "admitted_count": e.admitted_count,
    }
    await _round_event(d, e.round_id, "ranking.finalized", data, ranking=data)


async def on_publicity_closed(d: Delivery) -> None:
    e: PublicityClosedV1 = d.data
    data = {
        "opened_at": e.opened_at.isoformat(),
        "closed_at": e.closed_at.isoformat(),
        "cleared": e.cleared,
        "disqualified": e.disqualified,
        "held": e.held,
    }
    await _round_event(d, e.round_id, "publicity.closed", data, publicity=data)


def conduct_handler(rt: IntakeRuntime) -> Callable[[Delivery], Awaitable[None]]:
    async def on_conduct_recorded(d: Delivery) -> None:
        e: ConductRecordedV1 = d.data
        digest = e.person_id_digest
        if e.person_id_number is not None:
            try:
                number = rt.sealer.open(
                    Sealed.from_dict(e.person_id_number.model_dump()), context="id_number"
                )
            except SealError as err:
                raise PermanentError("unsealable_id_number", str(err)) from err
            digest = rt.id_digest(number)
        if digest is None and e.employer_credit_code is None:
            raise PermanentError("no_subject", "a conduct record names neither a person nor an employer")
        await IntakeRepository(d.session).upsert_conduct_record(
            {
                "record_id": e.record_id,
                "person_id_digest": digest,
                "employer_credit_code": e.employer_credit_code,
                "reason": e.reason,
                "valid_from": e.valid_from,
                "valid_until": e.valid_until,
                "recorded_at": d.envelope.time,
            }
        )

    return on_conduct_recorded


def case_view_consumer(ctx: ServiceContext, rt: IntakeRuntime) -> InboxConsumer:
    handlers: dict[str, Callable[[Delivery], Awaitable[None]]] = {
        "verification.completed": on_verification_completed,
        "score.computed": on_score_computed,
        "ranking.finalized": on_ranking_finalized,
        "application.ranked": on_application_ranked,
        "publicity.outcome": on_publicity_outcome,
        "publicity.closed": on_publicity_closed,
        "letter.issued": on_letter_issued,
        "letter.revoked": on_letter_revoked,
        "qualification.lapsed": on_qualification_lapsed,
        "conduct.recorded": conduct_handler(rt),
    }
    if "qualification.cancelled" in REGISTRY.known_types():
        handlers["qualification.cancelled"] = on_qualification_cancelled
    return InboxConsumer(
        name="intake.case-view",
        settings=ctx.settings,
        session_factory=ctx.session_factory,
        outbox=ctx.outbox,
        clock=ctx.clock,
        topics=TOPICS,
        handlers=handlers,
    )
