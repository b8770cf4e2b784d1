"""Kafka subscribers of the settlement service."""

from __future__ import annotations

from services.settlement.handlers import EventHandlers
from services.settlement.runtime import SettlementRuntime
from shared.messaging.inbox import InboxConsumer
from shared.service import ServiceContext


def consumers(ctx: ServiceContext, rt: SettlementRuntime) -> list[InboxConsumer]:
    h = EventHandlers(rt)
    return [
        InboxConsumer(
            name="settlement.publicity",
            settings=ctx.settings,
            session_factory=ctx.session_factory,
            outbox=ctx.outbox,
            clock=ctx.clock,
            topics=["publicity.events"],
            handlers={"publicity.outcome": h.on_publicity_outcome, "publicity.closed": h.on_publicity_closed},
        ),
        InboxConsumer(
            name="settlement.intake",
            settings=ctx.settings,
            session_factory=ctx.session_factory,
            outbox=ctx.outbox,
            clock=ctx.clock,
            topics=["intake.events"],
            handlers={
                "application.submitted": h.on_application_submitted,
                "round.phase_changed": h.on_round_phase_changed,
            },
        ),
    ]
