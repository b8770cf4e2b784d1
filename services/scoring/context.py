"""What the scoring service's use cases run with: its runtime, its context and its transaction.

Scoring needs nothing beside its database: the rules are pure and the public calculator keeps no
state, so the :class:`Runtime` holds only the settings.
"""

from __future__ import annotations

from dataclasses import dataclass

from services.scoring.adapters.repository import ScoringRepository
from services.scoring.config import Settings
from shared.clock import Clock, build_clock
from shared.service import ServiceContext, build_context
from shared.usecase import Tx as _Tx


@dataclass(frozen=True)
class Runtime:
    settings: Settings


Ctx = ServiceContext[Settings, Runtime, ScoringRepository]
Tx = _Tx[ScoringRepository, Runtime]


def build_service_context(settings: Settings, clock: Clock | None = None) -> Ctx:
    """The scoring service's context; nothing connects until first used."""
    clock = clock or build_clock(settings.clock, settings.clock_file)
    return build_context(settings, clock, Runtime(settings), ScoringRepository)
