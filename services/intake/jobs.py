"""The intake worker's scheduled job: announce phase boundaries (``round.phase_changed``) as the clock
passes them. State is in the database (``rounds.announced_index``), so nothing is lost across restarts;
each round is announced in a transaction of its own, with the round row locked."""

from __future__ import annotations

from services.intake.context import Ctx
from services.intake.handlers.rounds import (
    AnnouncePhases,
    FindUnannounced,
    announce_round_phases,
    rounds_with_unannounced_boundaries,
)


async def announce_phase_changes(ctx: Ctx) -> int:
    """Emit ``round.phase_changed`` for every boundary passed and not announced yet; how many were emitted.
    Safe to run concurrently and repeatedly."""
    async with ctx.transaction() as tx:
        pending = await rounds_with_unannounced_boundaries(tx, FindUnannounced())
    emitted = 0
    for round_id, announced in pending:
        # The correlation id names the first boundary this pass may announce (boundaries passed together,
        # when the clock jumps, share it).
        async with ctx.transaction(correlation_id=f"round-phase:{round_id}:{announced + 1}") as tx:
            emitted += await announce_round_phases(tx, AnnouncePhases(round_id))
    return emitted
