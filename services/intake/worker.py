"""The intake service's worker: outbox relay, the case-view consumer and the phase job."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Coroutine
from typing import Any

from services.intake.config import Settings
from services.intake.consumers import case_view_consumer
from services.intake.handlers.rounds import announce_phase_changes
from services.intake.runtime import IntakeRuntime
from shared.clock import Clock
from shared.service import ServiceContext, Worker, build_context

log = logging.getLogger(__name__)


def phase_job(ctx: ServiceContext, interval_s: float) -> Callable[[], Coroutine[Any, Any, None]]:
    """Announce phase boundaries (``round.phase_changed``) as the clock passes them; state in the database."""

    async def round_phase_job() -> None:
        while True:
            try:
                await announce_phase_changes(ctx)
            except asyncio.CancelledError:
                raise
            except Exception:
                log.exception("phase job failed; retrying")
            await asyncio.sleep(interval_s)

    return round_phase_job


def create_worker(settings: Settings, clock: Clock | None = None) -> Worker:
    ctx = build_context(settings, clock)
    rt = IntakeRuntime(settings)
    return Worker(
        ctx=ctx,
        consumers=[case_view_consumer(ctx, rt)],
        jobs=[phase_job(ctx, settings.phase_job_interval_s)],
    )
