"""All SQL of the scoring service."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import distinct_on
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.ext.asyncio import AsyncSession

from services.scoring.adapters.tables import audit_log, ranking_entries, rankings, rounds, score_results


class ScoringRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.s = session

    # ---- rounds ---------------------------------------------------------------------
    async def upsert_round(self, row: dict[str, Any]) -> None:
        stmt = pg_insert(rounds).values(**row)
        await self.s.execute(
            stmt.on_conflict_do_update(
                index_elements=[rounds.c.round_id],
                set_={k: stmt.excluded[k] for k in row if k != "round_id"},
            )
        )

    async def get_round(self, round_id: str) -> dict[str, Any] | None:
        row = (
            (await self.s.execute(sa.select(rounds).where(rounds.c.round_id == round_id))).mappings().first()
        )
        return dict(row) if row else None

    # ---- results --------------------------------------------------------------------
    async def latest_revision(self, application_id: str) -> int | None:
        revision: int | None = await self.s.scalar(
            sa.select(sa.func.max(score_results.c.revision)).where(
                score_results.c.application_id == application_id
            )
        )
        return revision

    async def insert_result(self, row: dict[str, Any]) -> bool:
        """Store one result; False if this application's revision was already scored."""
        inserted = await self.s.scalar(
            pg_insert(score_results).values(**row).on_conflict_do_nothing().returning(score_results.c.id)
        )
        return inserted is not None

    async def results_of(self, application_id: str) -> list[dict[str, Any]]:
        rows = await self.s.execute(
            sa.select(score_results)
            .where(score_results.c.application_id == application_id)
            .order_by(score_results.c.revision.desc())
        )
        return [dict(r) for r in rows.mappings()]

    async def latest_totals(self, round_id: str) -> list[tuple[str, Decimal, bool, str]]:
        """(application id, total, qualified, policy version) of each application's current result."""
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
        return [(r[0], r[1], r[2], r[3]) for r in (await self.s.execute(q)).all()]

    # ---- rankings -------------------------------------------------------------------
    async def insert_ranking(self, row: dict[str, Any], entries: list[dict[str, Any]]) -> None:
        await self.s.execute(sa.insert(rankings).values(**row))
        for start in range(0, len(entries), 5000):
            await self.s.execute(sa.insert(ranking_entries), entries[start : start + 5000])

    async def get_ranking(self, ranking_id: str, *, for_update: bool = False) -> dict[str, Any] | None:
        q = sa.select(rankings).where(rankings.c.ranking_id == ranking_id)
        if for_update:
            q = q.with_for_update()
        row = (await self.s.execute(q)).mappings().first()
        return dict(row) if row else None

    async def rankings_of_round(self, round_id: str) -> list[dict[str, Any]]:
        rows = await self.s.execute(
            sa.select(rankings).where(rankings.c.round_id == round_id).order_by(rankings.c.created_at.desc())
        )
        return [dict(r) for r in rows.mappings()]

    async def finalized_ranking(self, round_id: str) -> dict[str, Any] | None:
        row = (
            (
                await self.s.execute(
                    sa.select(rankings).where(
                        rankings.c.round_id == round_id, rankings.c.status == "finalized"
                    )
                )
            )
            .mappings()
            .first()
        )
        return dict(row) if row else None

    async def mark_finalized(self, ranking_id: str, at: datetime, by: str) -> None:
        await self.s.execute(
            sa.update(rankings)
            .where(rankings.c.ranking_id == ranking_id)
            .values(status="finalized", finalized_at=at, finalized_by=by)
        )

    async def entries(
        self, ranking_id: str, *, limit: int | None = None, offset: int = 0, admitted: bool | None = None
    ) -> list[dict[str, Any]]:
        q = sa.select(ranking_entries).where(ranking_entries.c.ranking_id == ranking_id)
        if admitted is not None:
            q = q.where(ranking_entries.c.admitted.is_(admitted))
        q = q.order_by(ranking_entries.c.position).offset(offset)
        if limit is not None:
            q = q.limit(limit)
        return [dict(r) for r in (await self.s.execute(q)).mappings()]

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
        await self.s.execute(
            sa.insert(audit_log).values(at=at, actor=actor, action=action, subject=subject, detail=detail)
        )
