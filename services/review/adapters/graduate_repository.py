"""The graduate programme's SQL (verifications of declarations, settlement checks, their evidence), a
part of :class:`~services.review.adapters.repository.Repository` (which inherits it)."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any, TypeVar

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import distinct_on
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.ext.asyncio import AsyncSession

from services.review.adapters.paging import Page, typed
from services.review.adapters.records import (
    GraduateEvidenceRecord,
    GraduateSettlementCheckChanges,
    GraduateSettlementCheckRecord,
    GraduateSubject,
    GraduateVerificationChanges,
    GraduateVerificationRecord,
    NewGraduateEvidence,
    NewGraduateVerification,
)
from services.review.adapters.tables import (
    graduate_evidence,
    graduate_settlement_checks,
    graduate_verifications,
)

R = TypeVar("R")
DUE = ("pending", "pending_department")


class GraduateQueries:
    s: AsyncSession

    async def _rows(self, q: Any, kind: type[R]) -> list[R]:
        return [typed(r, kind) for r in (await self.s.execute(q)).mappings().all()]

    async def _row(self, q: Any, kind: type[R]) -> R | None:
        row = (await self.s.execute(q)).mappings().first()
        return typed(row, kind) if row is not None else None

    async def _paged(self, q: Any, limit: int, offset: int, kind: type[R]) -> Page[R]:
        total = await self.s.scalar(sa.select(sa.func.count()).select_from(q.order_by(None).subquery())) or 0
        return Page(await self._rows(q.limit(limit).offset(offset), kind), int(total))

    async def _claim(
        self,
        table: sa.Table,
        key: sa.Column[str],
        now: datetime,
        lease_until: datetime,
        token: uuid.UUID,
        limit: int,
    ) -> list[str]:
        """Claim up to ``limit`` due rows (a lease, ``FOR UPDATE SKIP LOCKED``); their keys."""
        c = table.c
        due = (
            sa.select(key)
            .where(
                c.status.in_(DUE),
                c.next_attempt_at <= now,
                sa.or_(c.claimed_until.is_(None), c.claimed_until < now),
            )
            .order_by(c.next_attempt_at)
            .limit(limit)
            .with_for_update(skip_locked=True)
        )
        keys = list((await self.s.scalars(due)).all())
        if keys:
            await self.s.execute(
                sa.update(table)
                .where(key.in_(keys))
                .values(claim_token=token, claimed_until=lease_until, attempts=c.attempts + 1)
            )
        return keys

    async def release_graduate_claims(self, token: uuid.UUID) -> int:
        """Give back the verifications and settlement checks claimed under ``token``."""
        n = 0
        for table in (graduate_verifications, graduate_settlement_checks):
            result = await self.s.execute(
                sa.update(table)
                .where(table.c.claim_token == token)
                .values(claim_token=None, claimed_until=None)
            )
            n += int(getattr(result, "rowcount", 0) or 0)
        return n

    # ---- verifications of declarations ----------------------------------------------------------

    async def get_graduate(
        self, declaration_id: str, *, for_update: bool = False
    ) -> GraduateVerificationRecord | None:
        q = sa.select(graduate_verifications).where(graduate_verifications.c.declaration_id == declaration_id)
        if for_update:
            q = q.with_for_update()
        return await self._row(q, GraduateVerificationRecord)

    async def upsert_graduate(self, values: NewGraduateVerification) -> None:
        stmt = pg_insert(graduate_verifications).values(**values)
        await self.s.execute(
            stmt.on_conflict_do_update(
                index_elements=[graduate_verifications.c.declaration_id],
                set_={k: stmt.excluded[k] for k in values if k != "declaration_id"},
            )
        )

    async def update_graduate(self, declaration_id: str, values: GraduateVerificationChanges) -> None:
        await self.s.execute(
            sa.update(graduate_verifications)
            .where(graduate_verifications.c.declaration_id == declaration_id)
            .values(**values)
        )

    async def claim_due_graduates(
        self, *, now: datetime, lease_until: datetime, token: uuid.UUID, limit: int
    ) -> list[GraduateVerificationRecord]:
        t = graduate_verifications
        keys = await self._claim(t, t.c.declaration_id, now, lease_until, token, limit)
        if not keys:
            return []
        return await self._rows(sa.select(t).where(t.c.declaration_id.in_(keys)), GraduateVerificationRecord)

    async def list_graduates(
        self,
        *,
        status: str | None,
        round_id: str | None,
        unit: str | None,
        with_differences: bool,
        limit: int,
        offset: int,
    ) -> Page[GraduateVerificationRecord]:
        c = graduate_verifications.c
        where: list[sa.ColumnElement[bool]] = []
        if status:
            where.append(c.status == status)
        if round_id:
            where.append(c.round_id == round_id)
        if unit is not None:
            where.append(c.supervising_unit_id == unit)
        if with_differences:
            where.append(
                sa.or_(
                    c["items"].contains([{"status": "corrected"}]),
                    c["items"].contains([{"status": "not_found"}]),
                )
            )
        q = sa.select(graduate_verifications).where(*where).order_by(c.declared_at, c.declaration_id)
        return await self._paged(q, limit, offset, GraduateVerificationRecord)

    # ---- settlement checks ----------------------------------------------------------------------

    async def insert_settlement_check(self, values: GraduateSettlementCheckRecord) -> bool:
        """False when the request is known already (a redelivery)."""
        stmt = pg_insert(graduate_settlement_checks).values(**values).on_conflict_do_nothing()
        result = await self.s.execute(stmt.returning(graduate_settlement_checks.c.request_id))
        return result.first() is not None

    async def get_settlement_check(
        self, request_id: str, *, for_update: bool = False
    ) -> GraduateSettlementCheckRecord | None:
        q = sa.select(graduate_settlement_checks).where(graduate_settlement_checks.c.request_id == request_id)
        if for_update:
            q = q.with_for_update()
        return await self._row(q, GraduateSettlementCheckRecord)

    async def update_settlement_check(self, request_id: str, values: GraduateSettlementCheckChanges) -> None:
        await self.s.execute(
            sa.update(graduate_settlement_checks)
            .where(graduate_settlement_checks.c.request_id == request_id)
            .values(**values)
        )

    async def claim_due_settlement_checks(
        self, *, now: datetime, lease_until: datetime, token: uuid.UUID, limit: int
    ) -> list[GraduateSettlementCheckRecord]:
        t = graduate_settlement_checks
        keys = await self._claim(t, t.c.request_id, now, lease_until, token, limit)
        if not keys:
            return []
        return await self._rows(sa.select(t).where(t.c.request_id.in_(keys)), GraduateSettlementCheckRecord)

    async def list_settlement_checks(
        self,
        *,
        declaration_id: str | None,
        passed: bool | None,
        unit: str | None,
        limit: int,
        offset: int,
    ) -> Page[GraduateSettlementCheckRecord]:
        c = graduate_settlement_checks.c
        where: list[sa.ColumnElement[bool]] = []
        if declaration_id:
            where.append(c.declaration_id == declaration_id)
        if passed is not None:
            where.append(c.passed.is_(passed))
        if unit is not None:
            g = graduate_verifications.c
            where.append(
                c.declaration_id.in_(sa.select(g.declaration_id).where(g.supervising_unit_id == unit))
            )
        q = sa.select(graduate_settlement_checks).where(*where).order_by(c.created_at, c.request_id)
        return await self._paged(q, limit, offset, GraduateSettlementCheckRecord)

    # ---- evidence -------------------------------------------------------------------------------

    async def insert_graduate_evidence(self, values: NewGraduateEvidence) -> None:
        await self.s.execute(sa.insert(graduate_evidence).values(**values))

    async def graduate_registry_data(
        self, subject: GraduateSubject, subject_id: str, revision: int
    ) -> dict[str, dict[str, Any]]:
        """The latest answer of each registry that has answered for this subject and revision."""
        c = graduate_evidence.c
        q = (
            sa.select(c.registry, c.data)
            .where(
                c.subject == subject,
                c.subject_id == subject_id,
                c.revision == revision,
                c.outcome.in_(("answered", "not_found")),
            )
            .ext(distinct_on(c.registry))
            .order_by(c.registry, c.id.desc())
        )
        return {r["registry"]: r["data"] for r in (await self.s.execute(q)).mappings().all()}

    async def list_graduate_evidence(
        self, subject: GraduateSubject, subject_id: str, limit: int, offset: int
    ) -> Page[GraduateEvidenceRecord]:
        c = graduate_evidence.c
        q = (
            sa.select(graduate_evidence)
            .where(c.subject == subject, c.subject_id == subject_id)
            .order_by(c.id.desc())
        )
        return await self._paged(q, limit, offset, GraduateEvidenceRecord)
