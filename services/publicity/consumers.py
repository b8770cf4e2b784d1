"""Kafka subscribers of the publicity service: envelope → inbox → handler."""

from __future__ import annotations

from services.publicity import handlers
from shared.messaging.inbox import InboxConsumer
from shared.service import ServiceContext


def consumers(ctx: ServiceContext) -> list[InboxConsumer]:
    return [
        InboxConsumer(
            name="publicity.intake",
            settings=ctx.settings,
            session_factory=ctx.session_factory,
            outbox=ctx.outbox,
            clock=ctx.clock,
            topics=["intake.events"],
            handlers={
                "round.phase_changed": handlers.on_round_phase_changed,
                "application.submitted": handlers.on_application_submitted,
            },
        ),
        InboxConsumer(
            name="publicity.scoring",
            settings=ctx.settings,
            session_factory=ctx.session_factory,
            outbox=ctx.outbox,
            clock=ctx.clock,
            topics=["scoring.events"],
            handlers={
                "score.computed": handlers.on_score_computed,
                "ranking.finalized": handlers.on_ranking_finalized,
                "application.ranked": handlers.on_application_ranked,
            },
        ),
    ]
