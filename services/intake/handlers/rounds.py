"""Rounds (年度申报) and the announcement of their phases.

The API decides what is allowed from the clock and the round's dates directly. The worker's phase job
(``services/intake/jobs.py``) announces each boundary (``round.phase_changed``) once: the round row keeps
the last boundary announced, and :func:`announce_round_phases` locks the row, emits the event(s) and moves
the marker in one transaction, so a restart, a second worker or a clock that jumps several phases at once
never loses or repeats an announcement.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import date, datetime, time

from services.intake.adapters.records import RoundRecord
from services.intake.context import Tx
from services.intake.domain.graduates import GRADUATE_POLICY_VERSION, StageOverride, graduate_schedule
from services.intake.domain.phases import PHASE_NAMES_ZH, PhaseDates, Schedule, ScheduleError, transitions_due
from services.intake.handlers.common import invalid, not_found, schedule_of
from services.intake.schemas import RoundOut, RoundPage, phase_out
from shared.api.errors import Conflict
from shared.calendar import BEIJING, end_of_day
from shared.events.contracts.intake import PhaseDates as EventPhaseDates
from shared.events.contracts.intake import RoundPhaseChangedV1
from shared.policy import points_policy_version_for_year

log = logging.getLogger(__name__)


def round_out(row: RoundRecord, today: date) -> RoundOut:
    schedule = schedule_of(row)
    current = schedule.current(today)
    return RoundOut(
        id=row["id"],
        program=row["program"],
        year=row["year"],
        policy_version=row["policy_version"],
        quota=row["quota"],
        current_phase=current.phase,
        current_phase_zh=PHASE_NAMES_ZH.get(current.phase, current.phase),
        phases=[phase_out(p.phase, p.starts_on, p.ends_on) for p in schedule.phases],
        ranking=row["ranking"],
        publicity=row["publicity"],
        created_at=row["created_at"],
    )


@dataclass(frozen=True)
class PhaseIn:
    phase: str
    starts_on: str  # ISO date (validated by the request model)
    ends_on: str


@dataclass(frozen=True)
class CreateRound:
    program: str
    year: int
    policy_version: str | None
    quota: int | None
    phases: tuple[PhaseIn, ...]
    created_by: str


async def create_round(tx: Tx, cmd: CreateRound) -> RoundOut:
    """Bureau staff open the round of a year with its policy version, quota and phase dates."""
    try:
        schedule = Schedule.build(
            [
                PhaseDates(p.phase, date.fromisoformat(p.starts_on), date.fromisoformat(p.ends_on))
                for p in cmd.phases
            ],
            year=cmd.year,
        )
    except ScheduleError as e:
        raise invalid(e.field, e.code, e.message) from None
    governing = points_policy_version_for_year(cmd.year)
    policy_version = cmd.policy_version or governing
    if policy_version != governing:
        raise invalid("policy_version", "policy_version.mismatch", f"Round {cmd.year} follows {governing}.")
    round_id = f"{cmd.program}-{cmd.year}"
    if await tx.repo.round_exists(cmd.program, cmd.year):
        raise Conflict("round_exists", f"Round {round_id} already exists.")
    await tx.repo.insert_round(
        {
            "id": round_id,
            "program": cmd.program,
            "year": cmd.year,
            "policy_version": policy_version,
            "quota": cmd.quota,
            "phases": [
                {"phase": p.phase, "starts_on": p.starts_on.isoformat(), "ends_on": p.ends_on.isoformat()}
                for p in schedule.phases
            ],
            "created_at": tx.now,
            "created_by": cmd.created_by,
        }
    )
    row = await tx.repo.round(round_id)
    assert row is not None
    return round_out(row, tx.today)


@dataclass(frozen=True)
class StageIn:
    stage: str
    starts_on: str | None  # ISO dates (validated by the request model)
    ends_on: str | None


@dataclass(frozen=True)
class CreateGraduateRound:
    year: int
    quota: int | None
    stages: tuple[StageIn, ...]
    created_by: str


async def create_graduate_round(tx: Tx, cmd: CreateGraduateRound) -> RoundOut:
    """Bureau staff open the graduate round of year Y (program ``graduates``, id ``graduates-Y``) with its
    stages (seed 000 第十七条): the defaults computed from Y, with the dates staff override. The phase job
    announces each stage as it starts (``round.phase_changed``, program ``graduates``)."""
    overrides = {
        s.stage: StageOverride(
            date.fromisoformat(s.starts_on) if s.starts_on else None,
            date.fromisoformat(s.ends_on) if s.ends_on else None,
        )
        for s in cmd.stages
    }
    try:
        schedule = graduate_schedule(cmd.year, overrides)
    except ScheduleError as e:
        raise invalid(e.field, e.code, e.message) from None
    round_id = f"graduates-{cmd.year}"
    if await tx.repo.round_exists("graduates", cmd.year):
        raise Conflict("round_exists", f"Round {round_id} already exists.")
    await tx.repo.insert_round(
        {
            "id": round_id,
            "program": "graduates",
            "year": cmd.year,
            "policy_version": GRADUATE_POLICY_VERSION,
            "quota": cmd.quota,
            "phases": [
                {"phase": p.phase, "starts_on": p.starts_on.isoformat(), "ends_on": p.ends_on.isoformat()}
                for p in schedule.phases
            ],
            "created_at": tx.now,
            "created_by": cmd.created_by,
        }
    )
    row = await tx.repo.round(round_id)
    assert row is not None
    return round_out(row, tx.today)


@dataclass(frozen=True)
class GetRound:
    round_id: str


async def get_round(tx: Tx, cmd: GetRound) -> RoundOut:
    row = await tx.repo.round(cmd.round_id)
    if row is None:
        raise not_found("round", cmd.round_id)
    return round_out(row, tx.today)


@dataclass(frozen=True)
class ListRounds:
    program: str | None
    year: int | None
    limit: int
    offset: int


async def list_rounds(tx: Tx, cmd: ListRounds) -> RoundPage:
    rows, total = await tx.repo.list_rounds(
        program=cmd.program, year=cmd.year, limit=cmd.limit, offset=cmd.offset
    )
    return RoundPage(
        items=[round_out(r, tx.today) for r in rows], total=total, limit=cmd.limit, offset=cmd.offset
    )


# ---- announcing phases (the worker's job) ---------------------------------------------------------


@dataclass(frozen=True)
class FindUnannounced:
    pass


async def rounds_with_unannounced_boundaries(tx: Tx, cmd: FindUnannounced) -> list[tuple[str, int]]:
    """Rounds whose closing has not been announced yet, with the index of the last boundary announced
    (their dates decide what is due)."""
    return await tx.repo.rounds_with_unannounced_boundaries()


def _boundary_instant(schedule: Schedule, index: int) -> datetime:
    """When the boundary was crossed: 00:00 of the phase's first day, or 24:00 of the last phase's end."""
    if index < len(schedule.phases):
        return datetime.combine(schedule.phases[index].starts_on, time.min, tzinfo=BEIJING)
    return end_of_day(schedule.phases[-1].ends_on)


@dataclass(frozen=True)
class AnnouncePhases:
    round_id: str


async def announce_round_phases(tx: Tx, cmd: AnnouncePhases) -> int:
    """Emit ``round.phase_changed`` for every boundary of the round the clock has passed and no event
    announced yet; returns how many were emitted. The row lock makes concurrent runs safe."""
    row = await tx.repo.round(cmd.round_id, for_update=True)
    if row is None:
        return 0
    schedule = schedule_of(row)
    due = transitions_due(schedule, row["announced_index"], tx.today)
    if not due:
        return 0
    phases = [
        EventPhaseDates(phase=p.phase, starts_on=p.starts_on, ends_on=p.ends_on) for p in schedule.phases
    ]
    for t in due:
        await tx.emit(
            RoundPhaseChangedV1(
                round_id=row["id"],
                program=row["program"],
                year=row["year"],
                policy_version=row["policy_version"],
                phase=t.phase,
                previous_phase=t.previous,
                phases=phases,
                quota=row["quota"],
            ),
            row["id"],
        )
        await tx.repo.insert_round_event(
            {
                "round_id": row["id"],
                "at": _boundary_instant(schedule, t.index),
                "kind": "round.phase_changed",
                "data": {"phase": t.phase, "previous_phase": t.previous},
                "event_id": None,
            }
        )
        log.info("round %s enters phase %s", row["id"], t.phase)
    await tx.repo.set_announced(row["id"], due[-1].index, tx.now)
    return len(due)
