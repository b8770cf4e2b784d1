"""The session and the small query helpers every part of the intake repository uses."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.ext.asyncio import AsyncSession


class SqlBase:
    def __init__(self, session: AsyncSession) -> None:
        self.s = session

    async def _one(self, q: sa.Select[Any]) -> dict[str, Any] | None:
        row = (await self.s.execute(q)).mappings().first()
        return dict(row) if row is not None else None

    async def _all(self, q: sa.Select[Any]) -> list[dict[str, Any]]:
        return [dict(r) for r in (await self.s.execute(q)).mappings().all()]

    async def _count(self, q: sa.Select[Any]) -> int:
        return int(
            await self.s.scalar(sa.select(sa.func.count()).select_from(q.order_by(None).subquery())) or 0
        )

    async def _append_timeline(
        self,
        table: sa.Table,
        key: dict[str, str],
        *,
        at: datetime,
        kind: str,
        data: dict[str, Any],
        revision: int | None,
        event_id: uuid.UUID | None,
    ) -> bool:
        """One entry of a case's timeline (points application or graduate declaration); False when the
        event it records was already there (the same event id: a redelivery)."""
        r = await self.s.execute(
            pg_insert(table)
            .values(**key, at=at, kind=kind, data=data, revision=revision, event_id=event_id)
            .on_conflict_do_nothing()
            .returning(table.c.id)
        )
        return r.scalar() is not None
