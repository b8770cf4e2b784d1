"""All SQL of the scoring service; every method returns the TypedDict of its table (``records.py``)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any, TypeVar, cast

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import distinct_on
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.engine import RowMapping
from sqlalchemy.ext.asyncio import AsyncSession

from services.scoring.adapters.records import (
    CurrentTotal,
    GraduateAssessmentRecord,
    NewGraduateAssessment,
    NewScoreResult,
    RankingEntryRecord,
    RankingRecord,
    RoundRecord,
    ScoreResultRecord,
)
from services.scoring.adapters.tables import (
    graduate_assessments,
    ranking_entries,
    rankings,
    rounds,
    score_results,
)
from shared import audit
from shared.events.contracts.intake import RoundPhaseChangedV1
from shared.readmodels import apply_round_phase

R = TypeVar("R")


def _record(row: RowMapping, _: type[R]) -> R:
    # A row of a table is its TypedDict: the columns are exactly its keys (tests/scoring/unit/
    # test_scoring_records.py holds the two together).
    return cast(R, dict(row))


class ScoringRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.s = session

    # ---- rounds ---------------------------------------------------------------------
    async def apply_round_phase(self, data: RoundPhaseChangedV1, event_at: datetime) -> bool:
        """Keep the newest ``round.phase_changed`` of the round (an older event changes nothing)."""
        return await apply_round_phase(
            self.s,
            rounds,
            data,
            event_at,
            policy_version=data.policy_version,
            quota=data.quota,
            updated_at=event_at,
        )

    async def get_round(self, round_id: str) -> RoundRecord | None:
        row = (
            (await self.s.execute(sa.select(rounds).where(rounds.c.round_id == round_id))).mappings().first()
        )
        return _record(row, RoundRecord) if row else None

    # ---- results --------------------------------------------------------------------
    async def latest_revision(self, application_id: str) -> int | None:
        revision: int | None = await self.s.scalar(
            sa.select(sa.func.max(score_results.c.revision)).where(
                score_results.c.application_id == application_id
            )
        )
        return revision

    async def insert_result(self, row: NewScoreResult) -> bool:
        """Store one result; False if this application's revision was already scored."""
        inserted = await self.s.scalar(
            pg_insert(score_results).values(**row).on_conflict_do_nothing().returning(score_results.c.id)
        )
        return inserted is not None

    async def results_of(self, application_id: str) -> list[ScoreResultRecord]:
        rows = await self.s.execute(
            sa.select(score_results)
            .where(score_results.c.application_id == application_id)
            .order_by(score_results.c.revision.desc())
        )
        return [_record(r, ScoreResultRecord) for r in rows.mappings()]

    async def latest_totals(self, round_id: str) -> list[CurrentTotal]:
        """The current result (total, qualified, policy version) of each application of the round."""
        q = (
            sa.select(
                score_results.c.application_id,
                score_results.c.total,
                score_results.c.qualified,
                score_results.c.policy_version,
            )
            .where(score_results.c.round_id == round_id)
            .ext(distinct_on(score_results.c.application_id))
            .order_by(score_results.c.application_id, score_results.c.revision.desc())
        )
        return [CurrentTotal(r[0], r[1], r[2], r[3]) for r in (await self.s.execute(q)).all()]

    # ---- graduate assessments -------------------------------------------------------
    async def lock_declaration(self, declaration_id: str) -> None:
        """Serialize the assessments of one declaration until the transaction ends (two revisions
        assessed at once must agree on which one is current)."""
        await self.s.execute(
            sa.select(
                sa.func.pg_advisory_xact_lock(sa.func.hashtextextended(f"graduate:{declaration_id}", 0))
            )
        )

    async def latest_assessed_revision(self, declaration_id: str) -> int | None:
        revision: int | None = await self.s.scalar(
            sa.select(sa.func.max(graduate_assessments.c.revision)).where(
                graduate_assessments.c.declaration_id == declaration_id
            )
        )
        return revision

    async def insert_assessment(self, row: NewGraduateAssessment) -> bool:
        """Store one assessment; False if this declaration's revision was already assessed."""
        inserted = await self.s.scalar(
            pg_insert(graduate_assessments)
            .values(**row)
            .on_conflict_do_nothing(index_elements=["declaration_id", "revision"])
            .returning(graduate_assessments.c.id)
        )
        return inserted is not None

    async def assessments_of(self, declaration_id: str) -> list[GraduateAssessmentRecord]:
        """Every assessed revision of a declaration, newest (current) first."""
        rows = await self.s.execute(
            sa.select(graduate_assessments)
            .where(graduate_assessments.c.declaration_id == declaration_id)
            .order_by(graduate_assessments.c.revision.desc())
        )
        return [_record(r, GraduateAssessmentRecord) for r in rows.mappings()]

    # ---- rankings -------------------------------------------------------------------
    async def insert_ranking(self, row: RankingRecord, entries: Sequence[RankingEntryRecord]) -> None:
        await self.s.execute(sa.insert(rankings).values(**row))
        for start in range(0, len(entries), 5000):
            await self.s.execute(sa.insert(ranking_entries), list(entries[start : start + 5000]))

    async def get_ranking(self, ranking_id: str, *, for_update: bool = False) -> RankingRecord | None:
        q = sa.select(rankings).where(rankings.c.ranking_id == ranking_id)
        if for_update:
            q = q.with_for_update()
        row = (await self.s.execute(q)).mappings().first()
        return _record(row, RankingRecord) if row else None

    async def rankings_of_round(self, round_id: str) -> list[RankingRecord]:
        rows = await self.s.execute(
            sa.select(rankings).where(rankings.c.round_id == round_id).order_by(rankings.c.created_at.desc())
        )
        return [_record(r, RankingRecord) for r in rows.mappings()]

    async def finalized_ranking(self, round_id: str) -> RankingRecord | None:
        q = sa.select(rankings).where(rankings.c.round_id == round_id, rankings.c.status == "finalized")
        row = (await self.s.execute(q)).mappings().first()
        return _record(row, RankingRecord) if row else None

    async def mark_finalized(self, ranking_id: str, at: datetime, by: str) -> None:
        await self.s.execute(
            sa.update(rankings)
            .where(rankings.c.ranking_id == ranking_id)
            .values(status="finalized", finalized_at=at, finalized_by=by)
        )

    async def entries(
        self, ranking_id: str, *, limit: int | None = None, offset: int = 0, admitted: bool | None = None
    ) -> list[RankingEntryRecord]:
        q = sa.select(ranking_entries).where(ranking_entries.c.ranking_id == ranking_id)
        if admitted is not None:
            q = q.where(ranking_entries.c.admitted.is_(admitted))
        q = q.order_by(ranking_entries.c.position).offset(offset)
        if limit is not None:
            q = q.limit(limit)
        return [_record(r, RankingEntryRecord) for r in (await self.s.execute(q)).mappings()]

    async def count_entries(self, ranking_id: str, admitted: bool | None = None) -> int:
        q = (
            sa.select(sa.func.count())
            .select_from(ranking_entries)
            .where(ranking_entries.c.ranking_id == ranking_id)
        )
        if admitted is not None:
            q = q.where(ranking_entries.c.admitted.is_(admitted))
        return int(await self.s.scalar(q) or 0)

    # ---- audit ----------------------------------------------------------------------
    async def audit(
        self, at: datetime, actor: str, action: str, subject: str, detail: dict[str, Any]
    ) -> None:
        """A case record ``scoring/<action>`` in the hash-chained audit trail, appended at commit."""
        audit.record(self.s, audit.case_entry("scoring", at, actor, action, subject, detail))
