"""Kafka subscribers of the scoring service."""

from __future__ import annotations

from services.scoring import handlers
from shared.messaging.inbox import InboxConsumer
from shared.service import ServiceContext


def consumers(ctx: ServiceContext) -> list[InboxConsumer]:
    return [
        InboxConsumer(
            name="scoring.verifications",
            settings=ctx.settings,
            session_factory=ctx.session_factory,
            outbox=ctx.outbox,
            clock=ctx.clock,
            topics=["review.events"],
            handlers={"verification.completed": handlers.on_verification_completed},
        ),
        InboxConsumer(
            name="scoring.rounds",
            settings=ctx.settings,
            session_factory=ctx.session_factory,
            outbox=ctx.outbox,
            clock=ctx.clock,
            topics=["intake.events"],
            handlers={"round.phase_changed": handlers.on_round_phase_changed},
        ),
    ]
