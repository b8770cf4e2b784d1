"""Events in: record only what the list needs, from intake (rounds, submissions) and scoring (scores,
the finalized ranking, the ranked applicants). Each use case runs in the delivery's inbox transaction
(``ctx.tx_for(d)``); the commands are built from the decoded event by ``from_event``."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal

from services.publicity.adapters.records import IndicatorLine
from services.publicity.context import Tx
from services.publicity.domain.indicators import ordered
from services.publicity.handlers.common import PUBLICITY_PHASE
from shared.api.errors import Conflict
from shared.events.contracts.intake import ApplicationSubmittedV2, RoundPhaseChangedV1
from shared.events.contracts.scoring import ApplicationRankedV1, RankingFinalizedV1, ScoreComputedV1


@dataclass(frozen=True)
class ApplyRoundPhase:
    """A round's phase announcement, and the dates of its publicity phase (if it has one)."""

    event: RoundPhaseChangedV1
    event_at: datetime
    publicity_starts_on: date | None
    publicity_ends_on: date | None

    @classmethod
    def from_event(cls, data: RoundPhaseChangedV1, event_at: datetime) -> ApplyRoundPhase:
        pub = next((p for p in data.phases if p.phase == PUBLICITY_PHASE), None)
        return cls(data, event_at, pub.starts_on if pub else None, pub.ends_on if pub else None)


async def apply_round_phase(tx: Tx, cmd: ApplyRoundPhase) -> bool:
    """Remember the round's programme and its publicity phase dates. The newest announcement wins: an
    older one (a late redelivery, a replayed dead letter) changes nothing. Returns whether it applied."""
    return await tx.repo.apply_round_phase(
        cmd.event,
        cmd.event_at,
        publicity_starts_on=cmd.publicity_starts_on,
        publicity_ends_on=cmd.publicity_ends_on,
    )


@dataclass(frozen=True)
class RecordSubmission:
    """What the list shows of a submission: name, birth year-month, employer name. Never the ID number."""

    application_id: str
    revision: int
    round_id: str
    program: str
    name: str
    birth_year_month: str
    employer_name: str
    received_at: datetime

    @classmethod
    def from_event(cls, data: ApplicationSubmittedV2, event_at: datetime) -> RecordSubmission:
        return cls(
            application_id=data.application_id,
            revision=data.revision,
            round_id=data.round_id,
            program=data.program,
            name=data.name.strip(),
            birth_year_month=data.birth_year_month,
            employer_name=data.employer_name.strip(),
            received_at=event_at,
        )


async def record_submission(tx: Tx, cmd: RecordSubmission) -> None:
    """Keep the latest revision of a submission until the round's list is prepared."""
    if await tx.repo.publicity_of_round(cmd.round_id) is not None:
        return  # the list was already prepared; a late submission does not change a published list
    await tx.repo.upsert_submission(
        {
            "application_id": cmd.application_id,
            "revision": cmd.revision,
            "round_id": cmd.round_id,
            "program": cmd.program,
            "name": cmd.name,
            "birth_year_month": cmd.birth_year_month,
            "employer_name": cmd.employer_name,
            "received_at": cmd.received_at,
        }
    )


@dataclass(frozen=True)
class RecordScore:
    application_id: str
    revision: int
    round_id: str
    policy_version: str
    total: Decimal
    #: (indicator code, points as text), in the event's order
    indicators: tuple[tuple[str, str], ...]
    received_at: datetime

    @classmethod
    def from_event(cls, data: ScoreComputedV1, event_at: datetime) -> RecordScore:
        return cls(
            application_id=data.application_id,
            revision=data.revision,
            round_id=data.round_id,
            policy_version=data.policy_version,
            total=data.total,
            indicators=tuple((i.code, str(i.points)) for i in data.indicators),
            received_at=event_at,
        )


async def record_score(tx: Tx, cmd: RecordScore) -> None:
    """Keep each application's indicator points and total; the latest revision wins."""
    if await tx.repo.publicity_of_round(cmd.round_id) is not None:
        return
    # in display order with their names, once, so that reading the list does no work per row
    lines: list[IndicatorLine] = [
        {"code": i["code"], "points": i["points"], "name_zh": i["name_zh"]}
        for i in ordered([{"code": code, "points": points} for code, points in cmd.indicators])
    ]
    await tx.repo.upsert_score(
        {
            "application_id": cmd.application_id,
            "revision": cmd.revision,
            "round_id": cmd.round_id,
            "policy_version": cmd.policy_version,
            "total": cmd.total,
            "indicators": lines,
            "received_at": cmd.received_at,
        }
    )


@dataclass(frozen=True)
class RecordRanking:
    round_id: str
    ranking_id: str
    policy_version: str
    cutoff: Decimal | None
    ranked_count: int
    admitted_count: int
    finalized_at: datetime

    @classmethod
    def from_event(cls, data: RankingFinalizedV1, event_at: datetime) -> RecordRanking:
        return cls(
            round_id=data.round_id,
            ranking_id=data.ranking_id,
            policy_version=data.policy_version,
            cutoff=data.cutoff,
            ranked_count=data.ranked_count,
            admitted_count=data.admitted_count,
            finalized_at=event_at,
        )


async def record_ranking(tx: Tx, cmd: RecordRanking) -> None:
    """Record the round's final ranking. A second, different finalized ranking is an upstream fault:
    refused (409 ``ranking_conflict``, dead-lettered at once for operations to see), never a second list."""
    on_record = await tx.repo.insert_ranking(
        {
            "round_id": cmd.round_id,
            "ranking_id": cmd.ranking_id,
            "policy_version": cmd.policy_version,
            "cutoff": cmd.cutoff,
            "ranked_count": cmd.ranked_count,
            "admitted_count": cmd.admitted_count,
            "finalized_at": cmd.finalized_at,
        }
    )
    if on_record != cmd.ranking_id:
        raise Conflict(
            "ranking_conflict",
            f"round {cmd.round_id} already has the finalized ranking {on_record}; got {cmd.ranking_id}",
        )


@dataclass(frozen=True)
class RecordRanked:
    ranking_id: str
    application_id: str
    round_id: str
    rank: int
    admitted: bool
    total: Decimal

    @classmethod
    def from_event(cls, data: ApplicationRankedV1) -> RecordRanked:
        return cls(data.ranking_id, data.application_id, data.round_id, data.rank, data.admitted, data.total)


async def record_ranked(tx: Tx, cmd: RecordRanked) -> None:
    """Record one ranked applicant (admitted or not) of a ranking, whether or not the ranking is in yet."""
    await tx.repo.insert_ranked(
        {
            "ranking_id": cmd.ranking_id,
            "application_id": cmd.application_id,
            "round_id": cmd.round_id,
            "rank": cmd.rank,
            "admitted": cmd.admitted,
            "total": cmd.total,
        }
    )
