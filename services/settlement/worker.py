"""The settlement service's worker: outbox relay, the publicity and intake consumers, and the scheduled
jobs (lapse unused qualifications, end expired bad-conduct records)."""

from __future__ import annotations

import logging

from services.settlement import handlers
from services.settlement.config import Settings
from services.settlement.consumers import consumers
from services.settlement.context import Ctx, build_service_context
from shared.clock import Clock
from shared.service import Worker, periodic

log = logging.getLogger(__name__)


async def run_jobs_once(ctx: Ctx) -> dict[str, int]:
    """One pass of every scheduled job, each batch in its own transaction; returns what each did.

    The jobs read what is due from the database (no timers in memory): a restart loses nothing, and rows
    are claimed with ``FOR UPDATE SKIP LOCKED``, so several workers never do the same work twice.
    """
    done = {"lapsed": 0, "conduct_expired": 0}
    while True:
        async with ctx.transaction(correlation_id="job:lapsed") as tx:
            n = await handlers.lapse_due(tx, handlers.LapseDue())
        done["lapsed"] += n
        if n == 0:
            break
    while True:
        async with ctx.transaction(correlation_id="job:conduct_expired") as tx:
            n = await handlers.expire_conduct(tx, handlers.ExpireConduct())
        done["conduct_expired"] += n
        if n == 0:
            break
    if any(done.values()):
        log.info("settlement jobs: %s", done)
    return done


def create_worker(settings: Settings, clock: Clock | None = None) -> Worker:
    ctx = build_service_context(settings, clock)

    async def jobs_once() -> dict[str, int]:
        return await run_jobs_once(ctx)

    return Worker(
        ctx=ctx,
        consumers=consumers(ctx),
        jobs=[periodic("settlement-jobs", settings.job_interval_s, jobs_once)],
    )
