"""What the publicity use cases share: the period of a list as shown to people, the refusals that name
it, and the translation of the objection workflow's domain errors into the error family."""

from __future__ import annotations

from datetime import datetime, time, timedelta
from typing import Any

from services.publicity.adapters.records import PublicityRecord, RoundRecord
from services.publicity.domain.outcomes import (
    ObjectionState,
    ObjectionStatus,
    ReasonCode,
    WorkflowError,
)
from services.publicity.domain.period import PeriodState, period_state, phase_start, publicity_deadline
from services.publicity.handlers.views import PeriodView
from shared.api.errors import ApiError, Conflict, Forbidden, Invalid, NotFound
from shared.calendar import BEIJING

PUBLICITY_PHASE = "publicity"
IDENTITY_CONTEXT = "reporter_identity"


class PublicityTakenDown(ApiError):
    """410 ``publicity_closed``: the period is over and the list has been taken down. Carries the
    publicity and its period, so the HTML page can show the notice of a taken-down list."""

    def __init__(self, publicity: PublicityRecord, period: PeriodView) -> None:
        when = period_text(_aware(period["starts_at"]), _aware(period["ends_at"]))
        super().__init__(
            410,
            "publicity_closed",
            f"公示期（{when}，北京时间）已结束，名单已撤下。The publicity period ({when}, Beijing time) is over "
            "and the list has been taken down.",
            [
                {
                    "field": "period.starts_at",
                    "code": "period",
                    "message": _aware(period["starts_at"]).isoformat(),
                },
                {
                    "field": "period.ends_at",
                    "code": "period",
                    "message": _aware(period["ends_at"]).isoformat(),
                },
            ],
        )
        self.publicity = publicity
        self.period = period


class GraduateListElsewhere(NotFound):
    """404 on the points list's URLs for a graduate list: it has its own page (the HTML page redirects)."""

    def __init__(self, publicity_id: str) -> None:
        self.url = f"/public/graduate-publicities/{publicity_id}"
        super().__init__(
            "publicity_not_found",
            f"{publicity_id} is a graduate list: see {self.url} or "
            f"/v1/public/graduate-publicities/{publicity_id}/entries.",
        )


def _aware(value: datetime | None) -> datetime:
    assert value is not None, "an opened publicity has its period"
    return value


def workflow_refusal(e: WorkflowError) -> ApiError:
    """A step the objection workflow does not allow, as the family (403, 409 or 422)."""
    if e.status == 403:
        return Forbidden(e.code, e.message)
    if e.status == 409:
        return Conflict(e.code, e.message)
    if e.status == 422:
        return Invalid(e.code, e.message)
    return ApiError(e.status, e.code, e.message)


def identity_context(objection_id: str) -> str:
    """Associated data of a sealed reporter identity: bound to its objection, so it cannot be moved."""
    return f"{IDENTITY_CONTEXT}:{objection_id}"


def objection_state(status: str, reason: str | None, code: str | None) -> ObjectionState:
    return ObjectionState(ObjectionStatus(status), reason, ReasonCode(code) if code else None)


def period_of(p: PublicityRecord, round_row: RoundRecord | None) -> PeriodView:
    """The period of a publicity as shown to people: actual dates once open, planned dates before."""
    if p["opened_at"] is not None:
        return {
            "starts_at": p["opened_at"],
            "ends_at": p["closes_at"],
            "ends_on": p["closes_on"],
            "planned": False,
            "calendar_version": p["calendar_version"],
        }
    starts_on = round_row["publicity_starts_on"] if round_row else None
    if starts_on is None:
        return {
            "starts_at": None,
            "ends_at": None,
            "ends_on": None,
            "planned": True,
            "calendar_version": None,
        }
    deadline = publicity_deadline(p["program"], phase_start(starts_on))
    return {
        "starts_at": phase_start(starts_on),
        "ends_at": deadline.due_at,
        "ends_on": deadline.due_date,
        "planned": True,
        "calendar_version": deadline.calendar_version,
    }


def period_text(start: datetime, end: datetime) -> str:
    """``2022-07-11 09:00 – 2022-07-18 24:00``: a period ends at 24:00 of its last day (Beijing)."""
    start_local, end_local = start.astimezone(BEIJING), end.astimezone(BEIJING)
    if end_local.time() == time.min:
        end_text = (end_local - timedelta(days=1)).strftime("%Y-%m-%d") + " 24:00"
    else:
        end_text = end_local.strftime("%Y-%m-%d %H:%M")
    return f"{start_local.strftime('%Y-%m-%d %H:%M')} – {end_text}"


def publicly_visible(p: PublicityRecord, now: datetime) -> bool:
    """On public view only inside the period; taken down at 24:00 of the last day even if the closing
    job has not run yet."""
    return p["status"] == "open" and period_state(now, p["opened_at"], p["closes_at"]) == PeriodState.OPEN


def outside_period_error(period: PeriodView, state: PeriodState) -> Conflict:
    start, end = period["starts_at"], period["ends_at"]
    if start is None or end is None:
        return Conflict("publicity_not_open", "This publicity has not opened yet. 公示尚未开始。")
    when = f"{period_text(start, end)}（北京时间 Beijing time）"
    if state == PeriodState.BEFORE:
        code, zh, en = (
            "publicity_not_open",
            "公示尚未开始，异议须在公示期内提出",
            "The publicity has not opened yet",
        )
    else:
        code, zh, en = "publicity_period_over", "公示期已结束，不再受理异议", "The publicity period is over"
    details: list[dict[str, Any]] = [
        {"field": "period.starts_at", "code": "period", "message": start.isoformat()},
        {"field": "period.ends_at", "code": "period", "message": end.isoformat()},
    ]
    return Conflict(
        code, f"{zh}。公示期 {when}。{en}; objections are accepted only during the period {when}.", details
    )
