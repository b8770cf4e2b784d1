"""The scoring service's worker: outbox relay, the verification and round consumers (no scheduled jobs)."""

from __future__ import annotations

from services.scoring.config import Settings
from services.scoring.consumers import consumers
from services.scoring.context import build_service_context
from shared.clock import Clock
from shared.service import Worker


def create_worker(settings: Settings, clock: Clock | None = None) -> Worker:
    ctx = build_service_context(settings, clock)
    return Worker(ctx=ctx, consumers=consumers(ctx))
