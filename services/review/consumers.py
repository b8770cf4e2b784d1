"""Kafka subscribers of the review service: ``application.submitted`` and ``round.phase_changed``
(from ``intake.events``); each decodes the event into a command and calls one handler."""

from __future__ import annotations

from typing import Any

from pydantic import ValidationError

from services.review.context import Ctx
from services.review.handlers.intake_events import (
    RecordRoundPhase,
    RecordSubmission,
    record_round_phase,
    record_submission,
)
from shared.events.registry import REGISTRY, EventData, EventRegistry, InvalidEventData
from shared.messaging.inbox import Delivery, InboxConsumer


def _summary(errors: list[Any]) -> str:
    # Never the input values: they are personal data, and this text ends up in logs and dead letters.
    parts = [f"{'.'.join(str(p) for p in e.get('loc', ()))}: {e.get('msg', '')}" for e in errors]
    return "; ".join(parts[:20])


class _CheckedRegistry(EventRegistry):
    """The shared registry, with two gaps closed until ``shared.events.registry`` closes them: an event
    valid as v1 but not once upcast to v2 (``application.submitted`` with facts that are not points
    facts) is refused as ``invalid_payload`` instead of escaping the consumer's decoding (which stops
    the consumer), and the refusal's text names the fields, never their values (personal data)."""

    def decode(self, type_: str, version: int, data: dict[str, Any]) -> EventData:
        try:
            return super().decode(type_, version, data)
        except InvalidEventData as e:
            e.args = (f"{type_} v{version}: {_summary(e.errors)}",)
            raise
        except ValidationError as e:
            latest = self.latest(type_).version
            refusal = InvalidEventData(type_, latest, e)
            refusal.args = (f"{type_} v{latest}: {_summary(refusal.errors)}",)
            raise refusal from e


def build_consumers(ctx: Ctx) -> list[InboxConsumer]:
    async def on_submitted(d: Delivery) -> None:
        await record_submission(ctx.tx_for(d), RecordSubmission.from_event(d.data, d.envelope))

    async def on_phase(d: Delivery) -> None:
        await record_round_phase(ctx.tx_for(d), RecordRoundPhase(d.data, d.envelope.time))

    consumer = ctx.consumer(
        "review.intake",
        ["intake.events"],
        {"application.submitted": on_submitted, "round.phase_changed": on_phase},
    )
    consumer.registry = _CheckedRegistry(REGISTRY.specs)
    return [consumer]
