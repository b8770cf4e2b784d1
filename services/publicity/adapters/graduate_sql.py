"""The SQL of the graduate programme's lists (``PublicityRepository`` inherits it): the supervising
units' decisions waiting for a list, opening a unit's list and reading it."""

from __future__ import annotations

from datetime import date, datetime

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.ext.asyncio import AsyncSession

from services.publicity.adapters.records import GraduateCandidateRecord, GraduateEntryRow, record
from services.publicity.adapters.tables import entries, graduate_candidates, publicities

GRADUATES = "graduates"


def _like_pattern(q: str) -> str:
    escaped = q.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


class GraduateSql:
    s: AsyncSession

    async def upsert_candidate(self, row: GraduateCandidateRecord) -> bool:
        """Write the unit's decision on a declaration unless a newer one is on record or the declaration
        is on a list (the rule of ``domain.graduates.decision_is_newer``, kept here too so that two
        concurrent first deliveries cannot undo it). Returns whether it was written."""
        stmt = pg_insert(graduate_candidates).values(**row)
        c = graduate_candidates.c
        newer = sa.or_(
            stmt.excluded.revision > c.revision,
            sa.and_(stmt.excluded.revision == c.revision, stmt.excluded.decided_at >= c.decided_at),
        )
        res = await self.s.execute(
            stmt.on_conflict_do_update(
                index_elements=[c.declaration_id],
                set_={k: stmt.excluded[k] for k in row if k != "declaration_id"},
                where=sa.and_(c.publicity_id.is_(None), newer),
            )
        )
        return bool(res.rowcount)  # type: ignore[attr-defined]

    async def get_candidate(
        self, declaration_id: str, *, lock: bool = False
    ) -> GraduateCandidateRecord | None:
        q = sa.select(graduate_candidates).where(graduate_candidates.c.declaration_id == declaration_id)
        if lock:
            q = q.with_for_update()
        row = (await self.s.execute(q)).mappings().first()
        return record(GraduateCandidateRecord, row) if row else None

    async def waiting_candidates(
        self, unit_id: str, round_id: str | None = None, *, lock: bool = False
    ) -> list[GraduateCandidateRecord]:
        """The unit's approved declarations on no list yet, in the order they were approved."""
        c = graduate_candidates.c
        q = sa.select(graduate_candidates).where(
            c.unit_id == unit_id, c.status == "approved", c.publicity_id.is_(None)
        )
        if round_id is not None:
            q = q.where(c.round_id == round_id)
        q = q.order_by(c.decided_at, c.declaration_id)
        if lock:
            q = q.with_for_update()
        return [record(GraduateCandidateRecord, r) for r in (await self.s.execute(q)).mappings()]

    async def lock_unit(self, unit_id: str) -> None:
        """Serialise the openings of one unit's lists (their numbers follow each other)."""
        await self.s.execute(sa.select(sa.func.pg_advisory_xact_lock(sa.func.hashtext("grd:" + unit_id))))

    async def count_unit_publicities(self, unit_id: str, year: int) -> int:
        p = publicities.c
        got = await self.s.scalar(
            sa.select(sa.func.count())
            .select_from(publicities)
            .where(p.program == GRADUATES, p.scope == unit_id, p.year == year)
        )
        return int(got or 0)

    async def insert_graduate_publicity(
        self,
        *,
        publicity_id: str,
        unit: GraduateCandidateRecord,
        contact: str,
        opened_at: datetime,
        opened_by: str,
        closes_at: datetime,
        closes_on: date,
        period_rule: str,
        calendar_version: str,
        working_days: int,
        people: list[GraduateCandidateRecord],
    ) -> None:
        """An open list of the unit with its entries, numbered in the order the unit approved them; the
        candidates are marked as on that list (and keep no copy of what it shows)."""
        await self.s.execute(
            sa.insert(publicities).values(
                publicity_id=publicity_id,
                round_id=unit["round_id"],
                scope=unit["unit_id"],
                program=GRADUATES,
                year=unit["year"],
                ranking_id=None,
                status="open",
                entry_count=len(people),
                supervision_contact=contact,
                prepared_at=opened_at,
                opened_at=opened_at,
                closes_at=closes_at,
                closes_on=closes_on,
                period_rule=period_rule,
                calendar_version=calendar_version,
                unit_name=unit["unit_name"],
                unit_phone=unit["unit_phone"],
                unit_address=unit["unit_address"],
                opened_by=opened_by,
                working_days=working_days,
            )
        )
        await self.s.execute(
            sa.insert(entries),
            [
                {
                    "publicity_id": publicity_id,
                    "entry_no": n,
                    "application_id": c["declaration_id"],
                    "rank": None,
                    "name": c["name"] or "",
                    "birth_year_month": "",
                    "employer_name": "",
                    "total": None,
                    "indicators": [],
                    "search_text": " ".join([c["name"] or "", c["university"] or ""]).lower(),
                    "age": c["age"],
                    "university": c["university"],
                    "education": c["education"],
                }
                for n, c in enumerate(people, start=1)
            ],
        )
        await self.s.execute(
            sa.update(graduate_candidates)
            .where(graduate_candidates.c.declaration_id.in_([c["declaration_id"] for c in people]))
            .values(  # the list's entries hold what was published; the candidate keeps no copy
                publicity_id=publicity_id,
                name=None,
                age=None,
                university=None,
                education=None,
                unit_phone=None,
                unit_address=None,
            )
        )

    async def page_graduate_entries(
        self, publicity_id: str, *, q: str | None, limit: int, offset: int
    ) -> tuple[list[GraduateEntryRow], int]:
        """One page of a graduate list (the public columns only) and the number of matching rows."""
        e = entries.c
        conds = [e.publicity_id == publicity_id]
        if q:
            conds.append(e.search_text.like(sa.func.lower(_like_pattern(q)), escape="\\"))
        rows = await self.s.execute(
            sa.select(e.entry_no, e.name, e.age, e.university, e.education)
            .where(*conds)
            .order_by(e.entry_no)
            .limit(limit)
            .offset(offset)
        )
        total = await self.s.scalar(sa.select(sa.func.count()).select_from(entries).where(*conds))
        return [record(GraduateEntryRow, r) for r in rows.mappings()], int(total or 0)
