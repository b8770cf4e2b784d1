"""Rounds as ``round.phase_changed`` described them (rechecks in the declaration phase, appeals in the
results-query phase)."""

from __future__ import annotations

from dataclasses import dataclass

from services.review.adapters.records import RoundRecord
from services.review.adapters.repository import Page
from services.review.context import Tx


@dataclass(frozen=True)
class ListRounds:
    limit: int
    offset: int


async def list_rounds(tx: Tx, cmd: ListRounds) -> Page[RoundRecord]:
    return await tx.repo.list_rounds(cmd.limit, cmd.offset)
