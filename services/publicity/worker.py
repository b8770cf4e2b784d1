"""The publicity service's worker: outbox relay, the intake and scoring consumers, and the scheduled job
that prepares, opens and closes publicities.

The job has no timers of its own: every ``job_interval_s`` it asks the database what is due by the
service clock (``ctx.clock``), so a restart, a moved clock or a second worker changes nothing: what is
due gets done once.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Coroutine
from typing import Any

from services.publicity import handlers
from services.publicity.config import Settings
from services.publicity.consumers import consumers
from shared.clock import Clock
from shared.service import ServiceContext, Worker, build_context

log = logging.getLogger(__name__)

PURGE_EVERY = 3600  # passes between purges of idle rate-limit buckets


def publicity_job(ctx: ServiceContext, interval_s: float) -> Callable[[], Coroutine[Any, Any, None]]:
    async def publicity_schedule() -> None:
        passes = 0
        while True:
            try:
                await handlers.run_scheduled(ctx)
                if passes % PURGE_EVERY == 0:
                    await handlers.purge_rate_buckets(ctx)
            except asyncio.CancelledError:
                raise
            except Exception:
                # The database may be down or a round may be broken: log it and try again next pass.
                log.exception("publicity schedule pass failed; retrying")
            passes += 1
            await asyncio.sleep(interval_s)

    return publicity_schedule


def create_worker(settings: Settings, clock: Clock | None = None) -> Worker:
    ctx = build_context(settings, clock)
    return Worker(ctx=ctx, consumers=consumers(ctx), jobs=[publicity_job(ctx, settings.job_interval_s)])
