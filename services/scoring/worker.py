"""The scoring service's worker: outbox relay, the verification and round consumers."""

from __future__ import annotations

from services.scoring.config import Settings
from services.scoring.consumers import consumers
from shared.clock import Clock
from shared.service import Worker, build_context


def create_worker(settings: Settings, clock: Clock | None = None) -> Worker:
    ctx = build_context(settings, clock)
    return Worker(ctx=ctx, consumers=consumers(ctx))
