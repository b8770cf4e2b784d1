"""The publicity service's worker: outbox relay, the intake and scoring consumers, and the scheduled job
that prepares, opens and closes publicities (``services.publicity.jobs``)."""

from __future__ import annotations

from services.publicity.config import Settings
from services.publicity.consumers import consumers
from services.publicity.context import build_service_context
from services.publicity.jobs import publicity_job
from shared.clock import Clock
from shared.service import Worker


def create_worker(settings: Settings, clock: Clock | None = None) -> Worker:
    ctx = build_service_context(settings, clock)
    return Worker(ctx=ctx, consumers=consumers(ctx), jobs=[publicity_job(ctx, settings.job_interval_s)])
