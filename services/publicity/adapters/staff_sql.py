"""The SQL of the objection staff roster (``PublicityRepository`` inherits it): who is a supervisor or an
investigator now, registering a duty and revoking it (the row stays, with who revoked it and when)."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.ext.asyncio import AsyncSession

from services.publicity.adapters.records import StaffDutyRecord, record
from services.publicity.adapters.tables import objection_staff

_c = objection_staff.c


class StaffSql:
    s: AsyncSession

    async def has_duty(self, account_id: str, duty: str) -> bool:
        """Whether ``account_id`` holds ``duty`` now (registered and not revoked)."""
        q = sa.select(sa.literal(1)).where(
            _c.account_id == account_id, _c.duty == duty, _c.revoked_at.is_(None)
        )
        return (await self.s.scalar(q)) is not None

    async def register_duty(self, account_id: str, duty: str, by: str, at: datetime) -> StaffDutyRecord:
        """Register (or re-activate) a duty; an active one is left as it was. Returns the row."""
        stmt = pg_insert(objection_staff).values(
            account_id=account_id,
            duty=duty,
            registered_by=by,
            registered_at=at,
            revoked_by=None,
            revoked_at=None,
        )
        await self.s.execute(
            stmt.on_conflict_do_update(
                index_elements=[_c.account_id, _c.duty],
                set_={"registered_by": by, "registered_at": at, "revoked_by": None, "revoked_at": None},
                where=_c.revoked_at.is_not(None),
            )
        )
        row = await self.staff_duty(account_id, duty)
        assert row is not None
        return row

    async def revoke_duty(self, account_id: str, duty: str, by: str, at: datetime) -> StaffDutyRecord | None:
        """Revoke an active duty; ``None`` when there is none."""
        q = (
            sa.update(objection_staff)
            .where(_c.account_id == account_id, _c.duty == duty, _c.revoked_at.is_(None))
            .values(revoked_by=by, revoked_at=at)
            .returning(*objection_staff.c)
        )
        row = (await self.s.execute(q)).mappings().first()
        return record(StaffDutyRecord, row) if row else None

    async def staff_duty(self, account_id: str, duty: str) -> StaffDutyRecord | None:
        q = sa.select(objection_staff).where(_c.account_id == account_id, _c.duty == duty)
        row = (await self.s.execute(q)).mappings().first()
        return record(StaffDutyRecord, row) if row else None

    async def list_staff(
        self, *, duty: str | None, include_revoked: bool, limit: int, offset: int
    ) -> tuple[list[StaffDutyRecord], int]:
        where = []
        if duty is not None:
            where.append(_c.duty == duty)
        if not include_revoked:
            where.append(_c.revoked_at.is_(None))
        total = await self.s.scalar(sa.select(sa.func.count()).select_from(objection_staff).where(*where))
        q = (
            sa.select(objection_staff)
            .where(*where)
            .order_by(_c.duty, _c.account_id)
            .limit(limit)
            .offset(offset)
        )
        rows = (await self.s.execute(q)).mappings().all()
        return [record(StaffDutyRecord, r) for r in rows], int(total or 0)
