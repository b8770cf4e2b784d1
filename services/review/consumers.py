"""Kafka subscribers of the review service: ``application.submitted`` and ``round.phase_changed``."""

from __future__ import annotations

from services.review.handlers import record_round_phase, record_submission
from shared.crypto import Sealer
from shared.messaging.inbox import Delivery, InboxConsumer
from shared.service import ServiceContext


def build_consumers(ctx: ServiceContext, sealer: Sealer | None) -> list[InboxConsumer]:
    async def on_submitted(d: Delivery) -> None:
        await record_submission(d, sealer=sealer, clock=ctx.clock)

    async def on_phase(d: Delivery) -> None:
        await record_round_phase(d, clock=ctx.clock)

    return [
        InboxConsumer(
            name="review.intake",
            settings=ctx.settings,
            session_factory=ctx.session_factory,
            outbox=ctx.outbox,
            clock=ctx.clock,
            topics=["intake.events"],
            handlers={"application.submitted": on_submitted, "round.phase_changed": on_phase},
        )
    ]
