"""The intake service's worker: outbox relay, the case-view consumer, the phase job and the purge of used
identity assertions."""

from __future__ import annotations

from services.intake.config import Settings
from services.intake.consumers import case_view_consumer
from services.intake.context import build_service_context
from services.intake.jobs import ASSERTION_PURGE_INTERVAL_S, announce_phase_changes, forget_expired_assertions
from shared.clock import Clock
from shared.service import Worker, periodic


def create_worker(settings: Settings, clock: Clock | None = None) -> Worker:
    ctx = build_service_context(settings, clock)

    async def announce() -> int:
        return await announce_phase_changes(ctx)

    async def purge() -> int:
        return await forget_expired_assertions(ctx)

    return Worker(
        ctx=ctx,
        consumers=[case_view_consumer(ctx)],
        jobs=[
            periodic("round-phase", settings.phase_job_interval_s, announce),
            periodic("assertion-purge", ASSERTION_PURGE_INTERVAL_S, purge),
        ],
    )
