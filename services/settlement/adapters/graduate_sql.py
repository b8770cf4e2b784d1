"""The SQL of the graduate programme: quota accounts and their movements, graduate cases. A mixin of the
service's one repository (``SettlementRepository``); every method returns the TypedDict of its table."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import cast

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.engine import RowMapping
from sqlalchemy.ext.asyncio import AsyncSession

from services.settlement.adapters.page import Page
from services.settlement.adapters.records import (
    GraduateCaseChanges,
    GraduateCaseRecord,
    NewQuotaMovement,
    QuotaAccountRecord,
    QuotaMovementRecord,
)
from services.settlement.adapters.tables import graduate_cases, quota_accounts, quota_movements


def _account(row: RowMapping) -> QuotaAccountRecord:
    return cast(QuotaAccountRecord, dict(row))


def _movement(row: RowMapping) -> QuotaMovementRecord:
    return cast(QuotaMovementRecord, dict(row))


def _case(row: RowMapping) -> GraduateCaseRecord:
    return cast(GraduateCaseRecord, dict(row))


def _key(unit_id: str, year: int) -> list[sa.ColumnElement[bool]]:
    return [quota_accounts.c.supervising_unit_id == unit_id, quota_accounts.c.year == year]


class GraduateSql:
    s: AsyncSession

    # ---- quota accounts ---------------------------------------------------------------
    async def get_account(
        self, unit_id: str, year: int, *, for_update: bool = False
    ) -> QuotaAccountRecord | None:
        q = sa.select(quota_accounts).where(*_key(unit_id, year))
        if for_update:
            q = q.with_for_update()
        row = (await self.s.execute(q)).mappings().first()
        return _account(row) if row else None

    async def add_units(
        self, unit_id: str, year: int, column: str, amount: int, now: datetime
    ) -> QuotaAccountRecord:
        """Add ``amount`` to ``column`` (allocated or reallocated_in) and to ``remaining``,
        creating the account if needed; returns it as it is now."""
        stmt = pg_insert(quota_accounts).values(
            supervising_unit_id=unit_id, year=year, remaining=amount, updated_at=now, **{column: amount}
        )
        upsert = stmt.on_conflict_do_update(
            index_elements=[quota_accounts.c.supervising_unit_id, quota_accounts.c.year],
            set_={
                column: quota_accounts.c[column] + amount,
                "remaining": quota_accounts.c.remaining + amount,
                "updated_at": now,
            },
        ).returning(quota_accounts)
        return _account((await self.s.execute(upsert)).mappings().one())

    async def give_back_units(
        self, unit_id: str, year: int, amount: int, now: datetime
    ) -> QuotaAccountRecord | None:
        """Give ``amount`` used units back (``returned``); None when there were not that many used."""
        stmt = (
            sa.update(quota_accounts)
            .where(*_key(unit_id, year), quota_accounts.c.returned + amount <= quota_accounts.c.used)
            .values(
                returned=quota_accounts.c.returned + amount,
                remaining=quota_accounts.c.remaining + amount,
                updated_at=now,
            )
            .returning(quota_accounts)
        )
        row = (await self.s.execute(stmt)).mappings().first()
        return _account(row) if row else None

    async def take_units(
        self, unit_id: str, year: int, column: str, amount: int, now: datetime
    ) -> QuotaAccountRecord | None:
        """Take ``amount`` units (``used`` or ``reallocated_out``) if at least that many remain: one
        conditional UPDATE. Concurrent takers queue on the row lock and each re-checks ``remaining`` against
        the committed row, so the balance never goes below zero (the CHECK constraint is the last guard).
        None when not enough remain (or there is no account)."""
        stmt = (
            sa.update(quota_accounts)
            .where(*_key(unit_id, year), quota_accounts.c.remaining >= amount)
            .values(
                {
                    column: quota_accounts.c[column] + amount,
                    "remaining": quota_accounts.c.remaining - amount,
                    "updated_at": now,
                }
            )
            .returning(quota_accounts)
        )
        row = (await self.s.execute(stmt)).mappings().first()
        return _account(row) if row else None

    async def accounts_of_year(self, year: int) -> list[QuotaAccountRecord]:
        q = (
            sa.select(quota_accounts)
            .where(quota_accounts.c.year == year)
            .order_by(quota_accounts.c.supervising_unit_id)
        )
        return [_account(r) for r in (await self.s.execute(q)).mappings().all()]

    async def insert_movement(self, row: NewQuotaMovement) -> QuotaMovementRecord:
        stmt = sa.insert(quota_movements).values(**row).returning(quota_movements)
        return _movement((await self.s.execute(stmt)).mappings().one())

    async def movements_of(self, unit_id: str, year: int) -> list[QuotaMovementRecord]:
        q = (
            sa.select(quota_movements)
            .where(quota_movements.c.supervising_unit_id == unit_id, quota_movements.c.year == year)
            .order_by(quota_movements.c.id)
        )
        return [_movement(r) for r in (await self.s.execute(q)).mappings().all()]

    async def approvals_outside_quota(self, year: int) -> dict[str, dict[str, int]]:
        """Approved introductions of ``year`` that use no quota unit, per unit and treatment (cases that
        were approved, whatever happened to them after)."""
        c = graduate_cases.c
        q = (
            sa.select(c.supervising_unit_id, c.quota_treatment, sa.func.count())
            .where(
                c.year == year,
                c.decided_at.is_not(None),
                c.status != "refused",
                c.quota_treatment.in_(("not_counted", "separate_plan", "direct")),
            )
            .group_by(c.supervising_unit_id, c.quota_treatment)
        )
        out: dict[str, dict[str, int]] = {}
        for unit, treatment, n in (await self.s.execute(q)).all():
            out.setdefault(str(unit), {})[str(treatment)] = int(n)
        return out

    # ---- graduate cases ---------------------------------------------------------------
    async def get_case(self, declaration_id: str, *, for_update: bool = False) -> GraduateCaseRecord | None:
        q = sa.select(graduate_cases).where(graduate_cases.c.declaration_id == declaration_id)
        if for_update:
            q = q.with_for_update()
        row = (await self.s.execute(q)).mappings().first()
        return _case(row) if row else None

    async def insert_case(self, row: GraduateCaseChanges) -> GraduateCaseRecord:
        stmt = sa.insert(graduate_cases).values(**row).returning(graduate_cases)
        return _case((await self.s.execute(stmt)).mappings().one())

    async def update_case(self, declaration_id: str, changes: GraduateCaseChanges) -> GraduateCaseRecord:
        stmt = (
            sa.update(graduate_cases)
            .where(graduate_cases.c.declaration_id == declaration_id)
            .values(**changes)
            .returning(graduate_cases)
        )
        return _case((await self.s.execute(stmt)).mappings().one())

    async def list_cases(
        self,
        *,
        unit_id: str | None,
        status: str | None,
        year: int | None,
        overdue_at: datetime | None,
        limit: int,
        offset: int,
    ) -> Page[GraduateCaseRecord]:
        """Cases by unit, status and year; with ``overdue_at``: those at the bureau (submitted, or a
        settlement check requested) whose deadline had passed at that moment, oldest deadline first."""
        c = graduate_cases.c
        cond: list[sa.ColumnElement[bool]] = []
        if unit_id:
            cond.append(c.supervising_unit_id == unit_id)
        if status:
            cond.append(c.status == status)
        if year is not None:
            cond.append(c.year == year)
        order: Sequence[sa.ColumnElement[object]] = [c.declaration_id]
        if overdue_at is not None:
            cond.append(
                sa.or_(
                    sa.and_(c.status == "submitted", c.due_at <= overdue_at),
                    sa.and_(c.status == "settlement_requested", c.settlement_due_at <= overdue_at),
                )
            )
            due = sa.case((c.status == "submitted", c.due_at), else_=c.settlement_due_at)
            order = [due, c.declaration_id]
        q = sa.select(graduate_cases).where(*cond).order_by(*order).limit(limit).offset(offset)
        rows = (await self.s.execute(q)).mappings().all()
        total = await self.s.scalar(sa.select(sa.func.count()).select_from(graduate_cases).where(*cond)) or 0
        return Page([_case(r) for r in rows], total)
