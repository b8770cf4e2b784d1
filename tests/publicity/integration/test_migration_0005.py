"""Migration 0005 (graduate lists) goes down to 0004 and up again on a database at the latest revision."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest
from alembic import command

from services.publicity.config import Settings
from shared.service import alembic_config
from tests.support.infra import Infra

pytestmark = pytest.mark.integration

MIGRATIONS = Path(__file__).parents[3] / "services" / "publicity" / "migrations"


async def test_migration_0005_down_and_up(infra: Infra) -> None:
    url = await infra.fresh_database("publicity")
    try:
        cfg = alembic_config(Settings(database_url=url), MIGRATIONS)
        await asyncio.to_thread(command.downgrade, cfg, "0004")
        await asyncio.to_thread(command.upgrade, cfg, "head")
    finally:
        await infra.drop(url)
