"""Kafka subscribers of the settlement service: decode → command → one handler call in the inbox
transaction (``ctx.tx_for(d)``).

A missing data key is permanent for an event (it cannot succeed until an operator configures the key and
replays the dead letter): the handlers' 503 ``data_key_missing`` is turned into a
:class:`~shared.messaging.inbox.PermanentError` here, so the event is dead-lettered at once, not retried.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator

from services.settlement import handlers
from services.settlement.context import Ctx
from shared.api.errors import Unavailable
from shared.messaging.inbox import Delivery, Handler, InboxConsumer, PermanentError


@contextlib.contextmanager
def _data_key_missing_is_permanent() -> Iterator[None]:
    try:
        yield
    except Unavailable as e:
        if e.code != "data_key_missing":
            raise
        raise PermanentError(e.code, e.message) from e


def event_handlers(ctx: Ctx) -> dict[str, Handler]:
    """The handler of each event type the service consumes."""

    async def on_round_phase_changed(d: Delivery) -> None:
        cmd = handlers.ApplyRoundPhase(d.data, d.envelope.time)
        await handlers.apply_round_phase(ctx.tx_for(d), cmd)

    async def on_publicity_closed(d: Delivery) -> None:
        cmd = handlers.RecordPublicityClosed.from_event(d.data, d.envelope.time)
        await handlers.record_publicity_closed(ctx.tx_for(d), cmd)

    async def on_application_submitted(d: Delivery) -> None:
        cmd = handlers.KeepHolder.from_event(d.data, d.envelope.time)
        with _data_key_missing_is_permanent():
            await handlers.keep_holder(ctx.tx_for(d), cmd)

    async def on_publicity_outcome(d: Delivery) -> None:
        if d.data.program == "graduates":
            graduate = handlers.ApplyGraduateOutcome.from_event(d.data, d.envelope)
            await handlers.apply_graduate_outcome(ctx.tx_for(d), graduate)
            return
        cmd = handlers.ApplyOutcome.from_event(d.data, d.envelope)
        with _data_key_missing_is_permanent():
            await handlers.apply_outcome(ctx.tx_for(d), cmd)

    async def on_graduate_declared(d: Delivery) -> None:
        await handlers.record_declaration(ctx.tx_for(d), handlers.RecordDeclaration(d.data))

    async def on_graduate_assessed(d: Delivery) -> None:
        await handlers.record_assessment(ctx.tx_for(d), handlers.RecordAssessment(d.data))

    async def on_settlement_checked(d: Delivery) -> None:
        await handlers.apply_settlement_check(ctx.tx_for(d), handlers.ApplySettlementCheck(d.data))

    return {
        "graduate.declared": on_graduate_declared,
        "graduate.assessed": on_graduate_assessed,
        "graduate.settlement_checked": on_settlement_checked,
        "publicity.outcome": on_publicity_outcome,
        "publicity.closed": on_publicity_closed,
        "application.submitted": on_application_submitted,
        "round.phase_changed": on_round_phase_changed,
    }


def consumers(ctx: Ctx) -> list[InboxConsumer]:
    h = event_handlers(ctx)
    return [
        ctx.consumer(
            "settlement.publicity",
            ["publicity.events"],
            {"publicity.outcome": h["publicity.outcome"], "publicity.closed": h["publicity.closed"]},
        ),
        ctx.consumer(
            "settlement.intake",
            ["intake.events"],
            {
                "application.submitted": h["application.submitted"],
                "round.phase_changed": h["round.phase_changed"],
                "graduate.declared": h["graduate.declared"],
            },
        ),
        ctx.consumer(
            "settlement.graduates",
            ["scoring.events", "review.events"],
            {
                "graduate.assessed": h["graduate.assessed"],
                "graduate.settlement_checked": h["graduate.settlement_checked"],
            },
        ),
    ]
