"""Kafka subscribers of the scoring service: decode → command → one handler call."""

from __future__ import annotations

from services.scoring.context import Ctx
from services.scoring.handlers import graduates, rounds, scores
from shared.messaging.inbox import Delivery, InboxConsumer


def consumers(ctx: Ctx) -> list[InboxConsumer]:
    async def on_verification_completed(d: Delivery) -> None:
        await scores.score_verified_facts(
            ctx.tx_for(d), scores.ScoreVerifiedFacts.from_event(d.data, str(d.envelope.id))
        )

    async def on_graduate_verified(d: Delivery) -> None:
        await graduates.assess_verified_graduate(
            ctx.tx_for(d), graduates.AssessVerifiedGraduate.from_event(d.data, str(d.envelope.id))
        )

    async def on_round_phase_changed(d: Delivery) -> None:
        await rounds.apply_round_phase(ctx.tx_for(d), rounds.ApplyRoundPhase(d.data, d.envelope.time))

    return [
        ctx.consumer(
            "scoring.verifications", ["review.events"], {"verification.completed": on_verification_completed}
        ),
        ctx.consumer("scoring.graduates", ["review.events"], {"graduate.verified": on_graduate_verified}),
        ctx.consumer("scoring.rounds", ["intake.events"], {"round.phase_changed": on_round_phase_changed}),
    ]
