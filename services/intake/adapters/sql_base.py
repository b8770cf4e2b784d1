"""The session and the small query helpers every part of the intake repository uses."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
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
