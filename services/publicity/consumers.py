"""Kafka subscribers of the publicity service: decode → command → one handler call in the delivery's
inbox transaction (``ctx.tx_for(d)``)."""

from __future__ import annotations

from services.publicity.context import Ctx
from services.publicity.handlers import events, graduates
from shared.messaging.inbox import Delivery, Handler, InboxConsumer


def event_handlers(ctx: Ctx) -> dict[str, Handler]:
    """Event type → what the publicity service does with it (the tests feed events through these)."""

    async def on_round_phase_changed(d: Delivery) -> None:
        await events.apply_round_phase(
            ctx.tx_for(d), events.ApplyRoundPhase.from_event(d.data, d.envelope.time)
        )

    async def on_application_submitted(d: Delivery) -> None:
        await events.record_submission(
            ctx.tx_for(d), events.RecordSubmission.from_event(d.data, d.envelope.time)
        )

    async def on_score_computed(d: Delivery) -> None:
        await events.record_score(ctx.tx_for(d), events.RecordScore.from_event(d.data, d.envelope.time))

    async def on_ranking_finalized(d: Delivery) -> None:
        await events.record_ranking(ctx.tx_for(d), events.RecordRanking.from_event(d.data, d.envelope.time))

    async def on_application_ranked(d: Delivery) -> None:
        await events.record_ranked(ctx.tx_for(d), events.RecordRanked.from_event(d.data))

    async def on_graduate_unit_decided(d: Delivery) -> None:
        cmd = graduates.RecordUnitDecision.from_event(d.data, d.envelope.time)
        await graduates.record_unit_decision(ctx.tx_for(d), cmd)

    return {
        "round.phase_changed": on_round_phase_changed,
        "graduate.unit_decided": on_graduate_unit_decided,
        "application.submitted": on_application_submitted,
        "score.computed": on_score_computed,
        "ranking.finalized": on_ranking_finalized,
        "application.ranked": on_application_ranked,
    }


INTAKE_EVENTS = ("round.phase_changed", "application.submitted", "graduate.unit_decided")
SCORING_EVENTS = ("score.computed", "ranking.finalized", "application.ranked")


def consumers(ctx: Ctx) -> list[InboxConsumer]:
    handlers = event_handlers(ctx)
    return [
        ctx.consumer("publicity.intake", ["intake.events"], {t: handlers[t] for t in INTAKE_EVENTS}),
        ctx.consumer("publicity.scoring", ["scoring.events"], {t: handlers[t] for t in SCORING_EVENTS}),
    ]
