"""The settlement service's migrations build exactly the tables ``adapters/tables.py`` declares (the approval
form columns of migration 0006 included): no column, constraint, index or type differs."""

from __future__ import annotations

from typing import Any

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy.ext.asyncio import create_async_engine

from services.settlement.adapters.tables import metadata
from tests.support.infra import Infra

pytestmark = pytest.mark.integration


async def test_the_migrated_schema_is_the_declared_one(infra: Infra) -> None:
    url = await infra.fresh_database("settlement")
    engine = create_async_engine(url)

    def diff(connection: Any) -> list[Any]:
        ctx = MigrationContext.configure(connection, opts={"compare_type": True})
        return list(compare_metadata(ctx, metadata))

    try:
        async with engine.connect() as conn:
            differences = await conn.run_sync(diff)
    finally:
        await engine.dispose()
        await infra.drop(url)
    ours = [
        d for d in differences if not (d[0] == "remove_table" and d[1].name.startswith("alembic_version"))
    ]
    assert ours == []
