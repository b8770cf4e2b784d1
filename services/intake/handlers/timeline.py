"""The applicant's view, fed by the other services' events.

Each event adds a timeline entry (deduplicated by event id, besides the inbox) and updates the
application's read model (or the round's), in the same transaction as the consumer's inbox row. A case
never moves back to an earlier stage (``domain/case.py``); verification and score keep the newest
revision. Per-application events for an application intake does not know are refused
(``unknown_application``, dead-lettered): they point at a bug or a foreign environment.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Generic, TypeVar

from services.intake.adapters.records import ApplicationView
from services.intake.adapters.repository import RoundChanges
from services.intake.context import Tx
from services.intake.domain.case import advance_status
from shared.api.errors import NotFound
from shared.events.contracts.publicity import PublicityClosedV1, PublicityOutcomeV1
from shared.events.contracts.review import VerificationCompletedV2
from shared.events.contracts.scoring import ApplicationRankedV1, RankingFinalizedV1, ScoreComputedV1
from shared.events.contracts.settlement import (
    LetterIssuedV1,
    LetterRevokedV1,
    QualificationCancelledV1,
    QualificationLapsedV1,
)
from shared.events.registry import EventData

E = TypeVar("E", bound=EventData)


@dataclass(frozen=True)
class Observed(Generic[E]):
    """An event of another service, as a command: the decoded event, when it happened and its id."""

    event: E
    at: datetime
    event_id: uuid.UUID


async def _application(tx: Tx, application_id: str) -> ApplicationView:
    row = await tx.repo.application(application_id, for_update=True)
    if row is None:
        raise NotFound("unknown_application", f"intake knows no application {application_id}")
    return row


async def _record(
    tx: Tx,
    seen: Observed[Any],
    row: ApplicationView,
    kind: str,
    data: dict[str, Any],
    revision: int | None = None,
) -> None:
    await tx.repo.add_timeline(
        row["id"], at=seen.at, kind=kind, data=data, revision=revision, event_id=seen.event_id
    )


def _newer(current: dict[str, Any] | None, revision: int) -> bool:
    return current is None or int(current.get("revision", 0)) <= revision


async def on_verification_completed(tx: Tx, seen: Observed[VerificationCompletedV2]) -> None:
    e = seen.event
    row = await _application(tx, e.application_id)
    data = {"revision": e.revision, "statuses": [s.model_dump(mode="json") for s in e.statuses]}
    await _record(tx, seen, row, "verification.completed", data, e.revision)
    if _newer(row["verification"], e.revision):
        await tx.repo.update_application(
            row["id"],
            verification={**data, "at": seen.at.isoformat()},
            status=advance_status(row["status"], "verified"),
            updated_at=seen.at,
        )


async def on_score_computed(tx: Tx, seen: Observed[ScoreComputedV1]) -> None:
    e = seen.event
    row = await _application(tx, e.application_id)
    data = {
        "revision": e.revision,
        "policy_version": e.policy_version,
        "qualified": e.qualified,
        "failed_conditions": e.failed_conditions,
        "total": str(e.total),
        "indicators": [{"code": i.code, "points": str(i.points)} for i in e.indicators],
    }
    await _record(tx, seen, row, "score.computed", data, e.revision)
    if _newer(row["score"], e.revision):
        await tx.repo.update_application(
            row["id"], score=data, status=advance_status(row["status"], "scored"), updated_at=seen.at
        )


async def on_application_ranked(tx: Tx, seen: Observed[ApplicationRankedV1]) -> None:
    e = seen.event
    row = await _application(tx, e.application_id)
    data = {"ranking_id": e.ranking_id, "rank": e.rank, "admitted": e.admitted, "total": str(e.total)}
    await _record(tx, seen, row, "application.ranked", data)
    await tx.repo.update_application(
        row["id"], ranking=data, status=advance_status(row["status"], "ranked"), updated_at=seen.at
    )


async def on_publicity_outcome(tx: Tx, seen: Observed[PublicityOutcomeV1]) -> None:
    e = seen.event
    row = await _application(tx, e.application_id)
    data = {
        "outcome": e.outcome,
        "reason": e.reason,
        "publicity_closed_at": e.publicity_closed_at.isoformat(),
    }
    await _record(tx, seen, row, "publicity.outcome", data)
    await tx.repo.update_application(
        row["id"], publicity=data, status=advance_status(row["status"], e.outcome), updated_at=seen.at
    )


async def on_letter_issued(tx: Tx, seen: Observed[LetterIssuedV1]) -> None:
    e = seen.event
    row = await _application(tx, e.application_id)
    data = {
        "letter_type": e.letter_type,
        "serial_number": e.serial_number,
        "issued_on": e.issued_on.isoformat(),
    }
    await _record(tx, seen, row, "letter.issued", data)
    letters = [x for x in (row["letters"] or []) if x.get("serial_number") != e.serial_number]
    await tx.repo.update_application(
        row["id"],
        letters=[*letters, data],
        status=advance_status(row["status"], "letter_issued"),
        updated_at=seen.at,
    )


async def on_letter_revoked(tx: Tx, seen: Observed[LetterRevokedV1]) -> None:
    e = seen.event
    row = await _application(tx, e.application_id)
    data = {"serial_number": e.serial_number, "reason": e.reason, "revoked_on": e.revoked_on.isoformat()}
    await _record(tx, seen, row, "letter.revoked", data)
    letters = [
        {**x, "revoked_on": data["revoked_on"], "revocation_reason": e.reason}
        if x.get("serial_number") == e.serial_number
        else x
        for x in (row["letters"] or [])
    ]
    await tx.repo.update_application(
        row["id"],
        letters=letters,
        status=advance_status(row["status"], "letter_revoked"),
        updated_at=seen.at,
    )


async def on_qualification_lapsed(tx: Tx, seen: Observed[QualificationLapsedV1]) -> None:
    e = seen.event
    row = await _application(tx, e.application_id)
    await _record(tx, seen, row, "qualification.lapsed", {"lapsed_on": e.lapsed_on.isoformat()})
    await tx.repo.update_application(
        row["id"],
        lapsed_on=e.lapsed_on,
        status=advance_status(row["status"], "lapsed"),
        updated_at=seen.at,
    )


async def on_qualification_cancelled(tx: Tx, seen: Observed[QualificationCancelledV1]) -> None:
    e = seen.event
    row = await _application(tx, e.application_id)
    data = {
        "reason_code": e.reason_code,
        "reason": e.reason,
        "ended_on": e.ended_on.isoformat(),
        "abandoned": e.abandoned,
    }
    await _record(tx, seen, row, "qualification.cancelled", data)
    await tx.repo.update_application(
        row["id"], status=advance_status(row["status"], "cancelled"), updated_at=seen.at
    )


# ---- round-wide events -------------------------------------------------------------------------------


async def _round_event(
    tx: Tx, seen: Observed[Any], round_id: str, kind: str, data: dict[str, Any], changes: RoundChanges
) -> None:
    if await tx.repo.round(round_id, for_update=True) is None:
        raise NotFound("unknown_round", f"intake knows no round {round_id}")
    await tx.repo.insert_round_event(
        {"round_id": round_id, "at": seen.at, "kind": kind, "data": data, "event_id": seen.event_id}
    )
    await tx.repo.update_round(round_id, **changes)


async def on_ranking_finalized(tx: Tx, seen: Observed[RankingFinalizedV1]) -> None:
    e = seen.event
    data = {
        "ranking_id": e.ranking_id,
        "policy_version": e.policy_version,
        "quota": e.quota,
        "score_line": None if e.score_line is None else str(e.score_line),
        "cutoff": None if e.cutoff is None else str(e.cutoff),
        "ranked_count": e.ranked_count,
        "admitted_count": e.admitted_count,
    }
    await _round_event(tx, seen, e.round_id, "ranking.finalized", data, {"ranking": data})


async def on_publicity_closed(tx: Tx, seen: Observed[PublicityClosedV1]) -> None:
    e = seen.event
    data = {
        "opened_at": e.opened_at.isoformat(),
        "closed_at": e.closed_at.isoformat(),
        "cleared": e.cleared,
        "disqualified": e.disqualified,
        "held": e.held,
    }
    await _round_event(tx, seen, e.round_id, "publicity.closed", data, {"publicity": data})
