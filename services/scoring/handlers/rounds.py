"""The round read model: what ranking needs to know about a round (policy version, quota, phases)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from services.scoring.context import Tx
from shared.events.contracts.intake import RoundPhaseChangedV1


@dataclass(frozen=True)
class ApplyRoundPhase:
    """A ``round.phase_changed`` and the time of its envelope (the newest event wins)."""

    data: RoundPhaseChangedV1
    event_at: datetime


async def apply_round_phase(tx: Tx, cmd: ApplyRoundPhase) -> bool:
    """Remember the round's policy version, quota and phases; an older event changes nothing.

    Returns whether the row was written (False: a newer phase event is already applied).
    """
    return await tx.repo.apply_round_phase(cmd.data, cmd.event_at)
