"""The phases of a points round and which actions each allows. Pure: the caller passes the date.

Seed 004 第三条: the yearly round (年度申报) runs through six phases, in this order: 申报 declaration,
部门审核结果汇总 review summary, 审核结果查询 results query, 部门复核及积分排名 recheck and ranking,
公示 publicity, 落户办理 settlement. Bureau staff set the dates of each phase when they create the round.

A phase runs from 00:00 of its first day to 24:00 of its last day, Beijing time; both ends are inclusive
dates. Phases follow each other without overlap; a gap between two phases is allowed (no phase is current
then). Before the first phase the round has ``not_started``; after the last it is ``closed``.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from enum import StrEnum


class Phase(StrEnum):
    DECLARATION = "declaration"
    REVIEW_SUMMARY = "review_summary"
    RESULTS_QUERY = "results_query"
    RECHECK_AND_RANKING = "recheck_and_ranking"
    PUBLICITY = "publicity"
    SETTLEMENT = "settlement"


#: Pseudo-phases: before the first phase, between two phases, after the last.
NOT_STARTED = "not_started"
BETWEEN_PHASES = "between_phases"
CLOSED = "closed"

POINTS_PHASES: tuple[Phase, ...] = tuple(Phase)

PHASE_NAMES_ZH: dict[str, str] = {
    Phase.DECLARATION: "申报",
    Phase.REVIEW_SUMMARY: "部门审核结果汇总",
    Phase.RESULTS_QUERY: "审核结果查询",
    Phase.RECHECK_AND_RANKING: "部门复核及积分排名",
    Phase.PUBLICITY: "公示",
    Phase.SETTLEMENT: "落户办理",
    # The graduate round's own stages (services/intake/domain/graduate_rounds.py).
    "demand_survey": "需求调查",
    "quota_allocation": "指标分配",
    NOT_STARTED: "未开始",
    BETWEEN_PHASES: "阶段间隔",
    CLOSED: "已结束",
}

#: The actions a phase allows (seed 004 第五条, 第七条, 第八条). An action not listed for the current
#: phase is refused with a 409 naming the phase and its dates.
ACTION_PHASES: dict[str, tuple[Phase, ...]] = {
    # 第五条: the applicant declares, edits and submits during the declaration phase; the employer
    # confirms during it as well.
    "declare": (Phase.DECLARATION,),
    "edit_declaration": (Phase.DECLARATION,),
    "employer_review": (Phase.DECLARATION,),
    "submit": (Phase.DECLARATION,),
    # 第七条: evidence may be uploaded while the declaration is checked and during the results query
    # (第八条: appeals are raised then).
    "upload_material": (Phase.DECLARATION, Phase.REVIEW_SUMMARY, Phase.RESULTS_QUERY),
    "delete_material": (Phase.DECLARATION,),
    # Graduates, seed 000 第十七条(三): the employer declares and submits from March to September of Y.
    "graduate_declare": (Phase.DECLARATION,),
    "graduate_edit": (Phase.DECLARATION,),
    "graduate_submit": (Phase.DECLARATION,),
}

ACTION_NAMES: dict[str, str] = {
    "declare": "Declaring 填报积分指标",
    "edit_declaration": "Editing a declaration 修改申报信息",
    "employer_review": "Employer confirmation 单位确认",
    "submit": "Submitting 提交申报",
    "upload_material": "Uploading materials 上传材料",
    "delete_material": "Deleting materials 删除材料",
    "graduate_declare": "Declaring a graduate 申报引进毕业生",
    "graduate_edit": "Correcting a graduate declaration 修改毕业生申报",
    "graduate_submit": "Submitting a graduate declaration 提交毕业生申报",
}


class ScheduleError(ValueError):
    """The phase dates of a round are not usable. ``field`` names the offending entry."""

    def __init__(self, field: str, code: str, message: str) -> None:
        super().__init__(message)
        self.field = field
        self.code = code
        self.message = message


@dataclass(frozen=True, slots=True)
class PhaseDates:
    phase: str
    starts_on: date
    ends_on: date

    def contains(self, day: date) -> bool:
        return self.starts_on <= day <= self.ends_on

    def describe(self) -> str:
        return (
            f"{self.phase} ({PHASE_NAMES_ZH.get(self.phase, self.phase)}, {self.starts_on} – {self.ends_on})"
        )


@dataclass(frozen=True, slots=True)
class CurrentPhase:
    """Where a round stands on a day: ``phase`` is a :class:`Phase` value or a pseudo-phase."""

    phase: str
    dates: PhaseDates | None  # of the current phase, when one is current
    next: PhaseDates | None  # the next phase to start, if any
    index: int  # number of phases started so far, minus one (-1: none started)

    @property
    def is_open(self) -> bool:
        return self.dates is not None


@dataclass(frozen=True, slots=True)
class Schedule:
    """The dated phases of one round, validated: all six, in order, without overlap."""

    phases: tuple[PhaseDates, ...]

    @classmethod
    def build(
        cls,
        entries: Sequence[PhaseDates],
        *,
        year: int | None = None,
        expected: Sequence[str] = POINTS_PHASES,
        program: str = "points",
    ) -> Schedule:
        names = [e.phase for e in entries]
        if names != [str(p) for p in expected]:
            raise ScheduleError(
                "phases",
                "phases.order",
                f"A {program} round has exactly these phases, in this order: "
                + ", ".join(f"{p} ({PHASE_NAMES_ZH[p]})" for p in expected)
                + ".",
            )
        for i, e in enumerate(entries):
            if e.ends_on < e.starts_on:
                raise ScheduleError(
                    f"phases[{i}].ends_on",
                    "phases.ends_before_start",
                    f"Phase {e.phase} ends before it starts.",
                )
            if i and e.starts_on <= entries[i - 1].ends_on:
                raise ScheduleError(
                    f"phases[{i}].starts_on",
                    "phases.overlap",
                    f"Phase {e.phase} must start after {entries[i - 1].phase} ends ({entries[i - 1].ends_on}).",
                )
        if year is not None and entries and entries[0].starts_on.year != year:
            raise ScheduleError(
                "phases[0].starts_on",
                "phases.declaration_year",
                f"The declaration phase of round {year} must start in {year}.",
            )
        return cls(tuple(entries))

    def dates_of(self, phase: str) -> PhaseDates | None:
        return next((p for p in self.phases if p.phase == phase), None)

    def index_on(self, day: date) -> int:
        """How many phases have started on ``day``, minus one (-1: none)."""
        return sum(1 for p in self.phases if p.starts_on <= day) - 1

    def is_closed_on(self, day: date) -> bool:
        return bool(self.phases) and day > self.phases[-1].ends_on

    def current(self, day: date) -> CurrentPhase:
        index = self.index_on(day)
        upcoming = self.phases[index + 1] if index + 1 < len(self.phases) else None
        if index < 0:
            return CurrentPhase(NOT_STARTED, None, upcoming, index)
        started = self.phases[index]
        if started.contains(day):
            return CurrentPhase(started.phase, started, upcoming, index)
        if upcoming is None:
            return CurrentPhase(CLOSED, None, None, index)
        return CurrentPhase(BETWEEN_PHASES, None, upcoming, index)


class OutOfPhase(Exception):
    """An action was attempted outside the phases that allow it."""

    def __init__(self, action: str, round_id: str, current: CurrentPhase, allowed: list[PhaseDates]) -> None:
        self.action = action
        self.round_id = round_id
        self.current = current
        self.allowed = allowed
        super().__init__(self.message)

    @property
    def message(self) -> str:
        allowed = " or ".join(p.describe() for p in self.allowed) or "no phase"
        if self.current.dates is not None:
            now = f"round {self.round_id} is in the {self.current.dates.describe()} phase"
        elif self.current.phase == NOT_STARTED and self.current.next is not None:
            now = f"round {self.round_id} has not started; it opens with {self.current.next.describe()}"
        elif self.current.phase == BETWEEN_PHASES and self.current.next is not None:
            now = f"round {self.round_id} is between phases; next is {self.current.next.describe()}"
        else:
            now = f"round {self.round_id} is closed"
        return f"{ACTION_NAMES.get(self.action, self.action)} is only possible in the {allowed} phase; {now}."


def require_phase(action: str, round_id: str, schedule: Schedule, day: date) -> CurrentPhase:
    """The current phase if it allows ``action``; else :class:`OutOfPhase`."""
    current = schedule.current(day)
    allowed = ACTION_PHASES[action]
    if current.dates is None or current.phase not in allowed:
        dates = [d for d in (schedule.dates_of(p) for p in allowed) if d is not None]
        raise OutOfPhase(action, round_id, current, dates)
    return current


@dataclass(frozen=True, slots=True)
class Transition:
    """One boundary to announce: the round enters ``phase`` (or ``closed``) from ``previous``."""

    phase: str
    previous: str | None
    index: int  # the phase's position; len(phases) for ``closed``


def transitions_due(schedule: Schedule, announced_index: int, day: date) -> list[Transition]:
    """The boundaries crossed since the last announced one, in order, each exactly once.

    ``announced_index`` is the position of the last announced phase (-1: none; ``len(phases)``: the
    round's closing was announced). When the clock jumps over several boundaries at once, every phase in
    between is announced in order, so consumers never miss a phase.
    """
    n = len(schedule.phases)
    target = schedule.index_on(day)
    if schedule.is_closed_on(day):
        target = n
    out: list[Transition] = []
    for i in range(announced_index + 1, target + 1):
        previous = schedule.phases[i - 1].phase if i >= 1 else None
        phase = schedule.phases[i].phase if i < n else CLOSED
        out.append(Transition(phase, previous, i))
    return out
