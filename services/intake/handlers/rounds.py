"""Rounds (年度申报) and the announcement of their phases.

The API decides what is allowed from the clock and the round's dates directly. The worker's phase job
announces each boundary (``round.phase_changed``) once: the round row keeps the last boundary announced,
and the job locks the row, emits the event(s) and moves the marker in one transaction, so a restart, a
second worker or a clock that jumps several phases at once never loses or repeats an announcement.
"""

from __future__ import annotations

import logging
from datetime import date, datetime, time

from services.intake.adapters.repository import IntakeRepository, Row
from services.intake.domain.phases import PHASE_NAMES_ZH, PhaseDates, Schedule, ScheduleError, transitions_due
from services.intake.domain.policy import policy_version_for_round
from services.intake.handlers.common import invalid, not_found, schedule_of
from services.intake.schemas import RoundIn, RoundOut, RoundPage, phase_out
from shared.api.auth import Principal
from shared.api.errors import ApiError
from shared.calendar import BEIJING, end_of_day
from shared.events.contracts.intake import PhaseDates as EventPhaseDates
from shared.events.contracts.intake import RoundPhaseChangedV1
from shared.service import ServiceContext

log = logging.getLogger(__name__)


def round_out(row: Row, today: date) -> RoundOut:
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


async def create_round(ctx: ServiceContext, principal: Principal, body: RoundIn) -> RoundOut:
    try:
        schedule = Schedule.build(
            [
                PhaseDates(p.phase.value, date.fromisoformat(p.starts_on), date.fromisoformat(p.ends_on))
                for p in body.phases
            ],
            year=body.year,
        )
    except ScheduleError as e:
        raise invalid(e.field, e.code, e.message) from None
    policy_version = body.policy_version or policy_version_for_round(body.year)
    if policy_version != policy_version_for_round(body.year):
        raise invalid(
            "policy_version",
            "policy_version.mismatch",
            f"Round {body.year} follows {policy_version_for_round(body.year)}.",
        )
    round_id = f"{body.program}-{body.year}"
    async with ctx.session_factory() as s, s.begin():
        repo = IntakeRepository(s)
        if await repo.round_exists(body.program, body.year):
            raise ApiError(409, "round_exists", f"Round {round_id} already exists.")
        await repo.insert_round(
            {
                "id": round_id,
                "program": body.program,
                "year": body.year,
                "policy_version": policy_version,
                "quota": body.quota,
                "phases": [
                    {"phase": p.phase, "starts_on": p.starts_on.isoformat(), "ends_on": p.ends_on.isoformat()}
                    for p in schedule.phases
                ],
                "created_at": ctx.clock.now(),
                "created_by": principal.subject,
            }
        )
        row = await repo.round(round_id)
    assert row is not None
    return round_out(row, ctx.clock.today())


async def get_round(ctx: ServiceContext, round_id: str) -> RoundOut:
    async with ctx.session_factory() as s:
        row = await IntakeRepository(s).round(round_id)
    if row is None:
        raise not_found("round", round_id)
    return round_out(row, ctx.clock.today())


async def list_rounds(
    ctx: ServiceContext, program: str | None, year: int | None, limit: int, offset: int
) -> RoundPage:
    async with ctx.session_factory() as s:
        rows, total = await IntakeRepository(s).list_rounds(
            program=program, year=year, limit=limit, offset=offset
        )
    today = ctx.clock.today()
    return RoundPage(items=[round_out(r, today) for r in rows], total=total, limit=limit, offset=offset)


def _boundary_instant(schedule: Schedule, index: int) -> datetime:
    """When the boundary was crossed: 00:00 of the phase's first day, or 24:00 of the last phase's end."""
    if index < len(schedule.phases):
        return datetime.combine(schedule.phases[index].starts_on, time.min, tzinfo=BEIJING)
    return end_of_day(schedule.phases[-1].ends_on)


async def announce_phase_changes(ctx: ServiceContext) -> int:
    """Emit ``round.phase_changed`` for every phase boundary the clock has passed and no event announced
    yet; returns how many were emitted. Safe to run concurrently and repeatedly."""
    today = ctx.clock.today()
    async with ctx.session_factory() as s:
        round_ids = await IntakeRepository(s).rounds_with_unannounced_boundaries()
    emitted = 0
    for round_id in round_ids:
        async with ctx.session_factory() as s, s.begin():
            repo = IntakeRepository(s)
            row = await repo.round(round_id, for_update=True)
            if row is None:
                continue
            schedule = schedule_of(row)
            due = transitions_due(schedule, row["announced_index"], today)
            if not due:
                continue
            phases = [
                EventPhaseDates(phase=p.phase, starts_on=p.starts_on, ends_on=p.ends_on)
                for p in schedule.phases
            ]
            for t in due:
                await ctx.outbox.emit(
                    s,
                    RoundPhaseChangedV1(
                        round_id=round_id,
                        program=row["program"],
                        year=row["year"],
                        policy_version=row["policy_version"],
                        phase=t.phase,
                        previous_phase=t.previous,
                        phases=phases,
                        quota=row["quota"],
                    ),
                    subject=round_id,
                    correlation_id=f"round-phase:{round_id}:{t.index}",
                )
                await repo.insert_round_event(
                    {
                        "round_id": round_id,
                        "at": _boundary_instant(schedule, t.index),
                        "kind": "round.phase_changed",
                        "data": {"phase": t.phase, "previous_phase": t.previous},
                        "event_id": None,
                    }
                )
                log.info("round %s enters phase %s", round_id, t.phase)
            await repo.set_announced(round_id, due[-1].index, ctx.clock.now())
            emitted += len(due)
    return emitted
