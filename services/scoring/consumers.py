"""Kafka subscribers of the scoring service: decode → command → one handler call."""

from __future__ import annotations

from typing import Any

from pydantic import ValidationError

from services.scoring.context import Ctx
from services.scoring.handlers import rounds, scores
from shared.events.registry import REGISTRY, EventData, EventRegistry, InvalidEventData
from shared.messaging.inbox import Delivery, InboxConsumer


class _UpcastChecked(EventRegistry):
    """The shared registry, except that a v1 event whose upcast to v2 does not validate is an
    ``invalid_payload`` (dead-lettered) rather than an error that stops the consumer.

    A workaround: ``EventRegistry.decode`` validates the upcast payload outside its own ``try``, so a
    ``verification.completed`` v1 whose facts are not valid points facts raised a bare pydantic
    ``ValidationError`` out of the inbox (to be fixed in ``shared/events/registry.py``).
    """

    def decode(self, type_: str, version: int, data: dict[str, Any]) -> EventData:
        try:
            return super().decode(type_, version, data)
        except ValidationError as e:
            raise InvalidEventData(type_, version, e) from e


_REGISTRY = _UpcastChecked(REGISTRY.specs)


def consumers(ctx: Ctx) -> list[InboxConsumer]:
    async def on_verification_completed(d: Delivery) -> None:
        await scores.score_verified_facts(
            ctx.tx_for(d), scores.ScoreVerifiedFacts.from_event(d.data, str(d.envelope.id))
        )

    async def on_round_phase_changed(d: Delivery) -> None:
        await rounds.apply_round_phase(ctx.tx_for(d), rounds.ApplyRoundPhase(d.data, d.envelope.time))

    verifications = ctx.consumer(
        "scoring.verifications", ["review.events"], {"verification.completed": on_verification_completed}
    )
    verifications.registry = _REGISTRY
    return [
        verifications,
        ctx.consumer("scoring.rounds", ["intake.events"], {"round.phase_changed": on_round_phase_changed}),
    ]
