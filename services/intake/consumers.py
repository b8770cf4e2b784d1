"""Kafka consumers of the intake service: decode → command → one handler call.

One consumer (``intake.case-view``) reads the review, scoring, publicity and settlement topics: each event
feeds the applicant's timeline and the application's (or round's) read model
(``handlers/timeline.py``), or a graduate declaration's (``handlers/graduate_events.py``); ``conduct.recorded`` becomes a bad-conduct record (``handlers/conduct.py``).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from services.intake.context import Ctx, Tx
from services.intake.handlers import conduct, graduate_events, timeline
from services.intake.handlers.timeline import Observed
from shared.messaging.inbox import Delivery, Handler, InboxConsumer

TOPICS = ["review.events", "scoring.events", "publicity.events", "settlement.events"]

#: Event type → the handler that applies it to the case view.
CASE_EVENTS: dict[str, Callable[[Tx, Observed[Any]], Awaitable[None]]] = {
    "verification.completed": timeline.on_verification_completed,
    "score.computed": timeline.on_score_computed,
    "ranking.finalized": timeline.on_ranking_finalized,
    "application.ranked": timeline.on_application_ranked,
    "publicity.outcome": lambda tx, seen: (
        graduate_events.on_graduate_publicity_outcome(tx, seen)
        if seen.event.program == "graduates"
        else timeline.on_publicity_outcome(tx, seen)
    ),
    "publicity.closed": timeline.on_publicity_closed,
    "letter.issued": lambda tx, seen: (
        graduate_events.on_graduate_letter_issued(tx, seen)
        if seen.event.letter_type in graduate_events.GRADUATE_LETTER_TYPES
        else timeline.on_letter_issued(tx, seen)
    ),
    "letter.revoked": lambda tx, seen: (
        graduate_events.on_graduate_letter_revoked(tx, seen)
        if seen.event.letter_type in graduate_events.GRADUATE_LETTER_TYPES
        else timeline.on_letter_revoked(tx, seen)
    ),
    "qualification.lapsed": timeline.on_qualification_lapsed,
    "qualification.cancelled": timeline.on_qualification_cancelled,
    # the graduate programme: the declaration's timeline (handlers/graduate_events.py)
    "graduate.verified": graduate_events.on_graduate_verified,
    "graduate.assessed": graduate_events.on_graduate_assessed,
    "graduate.decided": graduate_events.on_graduate_decided,
}


def case_view_consumer(ctx: Ctx) -> InboxConsumer:
    def observe(handler: Callable[[Tx, Observed[Any]], Awaitable[None]]) -> Handler:
        async def on_event(d: Delivery) -> None:
            await handler(ctx.tx_for(d), Observed(d.data, d.envelope.time, d.envelope.id))

        return on_event

    async def on_conduct_recorded(d: Delivery) -> None:
        await conduct.record_conduct(ctx.tx_for(d), conduct.RecordConduct(d.data, d.envelope.time))

    handlers: dict[str, Handler] = {kind: observe(h) for kind, h in CASE_EVENTS.items()}
    handlers["conduct.recorded"] = on_conduct_recorded
    return ctx.consumer("intake.case-view", TOPICS, handlers)
