"""The settlement service's worker: outbox relay, the publicity and intake consumers, and the scheduled
jobs (lapse unused qualifications, end expired bad-conduct records)."""

from __future__ import annotations

import asyncio
import logging
import uuid
from collections.abc import Callable, Coroutine
from typing import Any

from services.settlement import handlers
from services.settlement.config import Settings
from services.settlement.consumers import consumers
from services.settlement.runtime import SettlementRuntime
from shared.clock import Clock
from shared.logging import correlation
from shared.service import ServiceContext, Worker, build_context

log = logging.getLogger(__name__)


async def run_jobs_once(ctx: ServiceContext, rt: SettlementRuntime) -> dict[str, int]:
    """One pass of every scheduled job, each batch in its own transaction; returns what each did.

    The jobs read what is due from the database (no timers in memory): a restart loses nothing, and rows
    are claimed with ``FOR UPDATE SKIP LOCKED``, so several workers never do the same work twice.
    """
    done = {"lapsed": 0, "conduct_expired": 0}
    with correlation(f"job-{uuid.uuid4().hex[:12]}"):
        for name, job in (("lapsed", handlers.lapse_due), ("conduct_expired", handlers.expire_conduct)):
            while True:
                async with ctx.session_factory() as s, s.begin():
                    cid = f"job:{name}"
                    tx = handlers.tx_for_request(s, ctx.outbox, rt, ctx.clock.now(), handlers.SYSTEM, cid)
                    n = await job(tx)
                done[name] += n
                if n == 0:
                    break
    if any(done.values()):
        log.info("settlement jobs: %s", done)
    return done


def scheduler(
    ctx: ServiceContext, rt: SettlementRuntime, interval_s: float
) -> Callable[[], Coroutine[Any, Any, None]]:
    async def settlement_jobs() -> None:
        while True:
            try:
                await run_jobs_once(ctx, rt)
            except asyncio.CancelledError:
                raise
            except Exception:  # the database may be down for a moment: try again next round
                log.exception("settlement jobs failed; retrying in %.1f s", interval_s)
            await asyncio.sleep(interval_s)

    return settlement_jobs


def create_worker(settings: Settings, clock: Clock | None = None) -> Worker:
    ctx = build_context(settings, clock)
    rt = SettlementRuntime(settings)
    ctx.extras["settlement"] = rt
    return Worker(ctx=ctx, consumers=consumers(ctx, rt), jobs=[scheduler(ctx, rt, settings.job_interval_s)])
