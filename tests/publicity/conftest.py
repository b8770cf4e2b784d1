"""Fixtures of the publicity tests: a fresh database and the service's app, clock and tokens."""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any

import pytest

from shared.clock import ManualClock
from tests.publicity.helpers import INVESTIGATOR, SUPERVISOR, PubEnv, beijing
from tests.support.infra import Infra

MakePub = Callable[..., Awaitable[PubEnv]]


@pytest.fixture
async def make_pub(infra: Infra, topic_prefix: str) -> AsyncIterator[MakePub]:
    """Build publicity environments on fresh databases; the clock stands on 2022-07-08 09:00, before the
    publicity phase (2022-07-11 … 2022-07-18), with staff-1 a supervisor and staff-7 an investigator on the
    objection staff roster (``roster=False``: an empty roster). Keyword arguments override settings."""
    made: list[tuple[PubEnv, str]] = []

    async def make(*, roster: bool = True, **overrides: Any) -> PubEnv:
        url = await infra.fresh_database("publicity")
        overrides.setdefault("objection_rate_capacity", 1000)
        env = PubEnv(
            url, infra.settings_kwargs(topic_prefix), ManualClock(beijing(2022, 7, 8, 9)), **overrides
        )
        made.append((env, url))
        if roster:  # staff-1 assigns objections, staff-7 investigates them (the tests' usual pair)
            await env.register("supervisor", SUPERVISOR)
            await env.register("investigator", INVESTIGATOR)
        return env

    try:
        yield make
    finally:
        for env, url in made:
            await env.ctx.close()
            await infra.drop(url)


@pytest.fixture
async def pub(make_pub: MakePub) -> PubEnv:
    return await make_pub()
