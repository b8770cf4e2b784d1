from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from tests.intake.support import Intake, running_intake
from tests.support.infra import Infra


@pytest.fixture
async def intake(infra: Infra, topic_prefix: str, tmp_path: Path) -> AsyncIterator[Intake]:
    async with running_intake(infra, topic_prefix, tmp_path) as i:
        yield i
