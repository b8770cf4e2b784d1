"""The intake runtime: a missing key is ``Unavailable`` (503, transient), so a consumer retries the event
instead of dead-lettering it, and an endpoint answers 503 with the same codes as before."""

from __future__ import annotations

from datetime import date, datetime

import pytest

from services.intake.config import Settings
from services.intake.context import Runtime, build_service_context
from shared.api.errors import Unavailable
from shared.clock import BEIJING, ManualClock
from shared.validation import synthetic_resident_id


def test_a_missing_data_key_is_unavailable_and_transient() -> None:
    rt = Runtime(Settings())
    with pytest.raises(Unavailable) as err:
        rt.id_digest(synthetic_resident_id(date(1985, 3, 7), 1, "110105"))
    assert err.value.status == 503 and err.value.code == "data_key_missing" and err.value.transient


def test_a_missing_signing_key_is_unavailable() -> None:
    with pytest.raises(Unavailable) as err:
        _ = Runtime(Settings()).signing_key
    assert err.value.status == 503 and err.value.code == "token_signing_not_configured"


async def test_the_service_context_carries_intake_runtime_and_repository() -> None:
    settings = Settings(database_url="postgresql+asyncpg://x@localhost/none")
    ctx = build_service_context(settings, ManualClock(datetime(2024, 5, 10, tzinfo=BEIJING)))
    try:
        assert isinstance(ctx.runtime, Runtime) and ctx.runtime.settings is settings
        assert ctx.settings is settings
    finally:
        await ctx.close()
