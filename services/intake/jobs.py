"""The intake worker's scheduled jobs: announce phase boundaries (``round.phase_changed``) as the clock
passes them. State is in the database (``rounds.announced_index``), so nothing is lost across restarts;
each round is announced in a transaction of its own, with the round row locked. And forget the ``jti`` of
expired identity assertions (``used_assertions``)."""

from __future__ import annotations

from services.intake.context import Ctx
from services.intake.handlers.identity import PurgeUsedAssertions, purge_used_assertions
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


#: How often the worker forgets the ``jti`` of expired identity assertions.
ASSERTION_PURGE_INTERVAL_S = 300.0


async def forget_expired_assertions(ctx: Ctx) -> int:
    """Delete the ``jti`` of identity assertions past their expiry (and leeway); how many."""
    async with ctx.transaction() as tx:
        return await purge_used_assertions(tx, PurgeUsedAssertions(before=tx.now))
