"""Kafka subscribers of the review service; each decodes the event into a command and calls one handler.

- ``review.intake`` (``intake.events``): ``application.submitted``, ``round.phase_changed`` and, for the
  graduate programme, ``graduate.declared``;
- ``review.settlement`` (``settlement.events``): ``graduate.settlement_check_requested``.
"""

from __future__ import annotations

from services.review.context import Ctx
from services.review.handlers.graduates import (
    RecordGraduateDeclaration,
    RecordSettlementRequest,
    record_graduate_declaration,
    record_settlement_request,
)
from services.review.handlers.intake_events import (
    RecordRoundPhase,
    RecordSubmission,
    record_round_phase,
    record_submission,
)
from shared.messaging.inbox import Delivery, InboxConsumer


def build_consumers(ctx: Ctx) -> list[InboxConsumer]:
    async def on_submitted(d: Delivery) -> None:
        await record_submission(ctx.tx_for(d), RecordSubmission.from_event(d.data, d.envelope))

    async def on_phase(d: Delivery) -> None:
        await record_round_phase(ctx.tx_for(d), RecordRoundPhase(d.data, d.envelope.time))

    async def on_graduate_declared(d: Delivery) -> None:
        await record_graduate_declaration(
            ctx.tx_for(d), RecordGraduateDeclaration.from_event(d.data, d.envelope)
        )

    async def on_settlement_check_requested(d: Delivery) -> None:
        await record_settlement_request(ctx.tx_for(d), RecordSettlementRequest.from_event(d.data, d.envelope))

    intake = ctx.consumer(
        "review.intake",
        ["intake.events"],
        {
            "application.submitted": on_submitted,
            "round.phase_changed": on_phase,
            "graduate.declared": on_graduate_declared,
        },
    )
    settlement = ctx.consumer(
        "review.settlement",
        ["settlement.events"],
        {"graduate.settlement_check_requested": on_settlement_check_requested},
    )
    return [intake, settlement]
