"""Helpers shared by the intake use cases: phase checks and the service's recurring refusals."""

from __future__ import annotations

from datetime import date
from typing import Any

from services.intake.adapters.records import RoundRecord
from services.intake.domain.phases import OutOfPhase, PhaseDates, Schedule, require_phase
from shared.api.errors import Conflict, Invalid, NotFound


def schedule_of(round_row: RoundRecord) -> Schedule:
    return Schedule(
        tuple(
            PhaseDates(p["phase"], date.fromisoformat(p["starts_on"]), date.fromisoformat(p["ends_on"]))
            for p in round_row["phases"]
        )
    )


def check_phase(action: str, round_row: RoundRecord, today: date) -> None:
    """409 naming the current phase and the dates of the phases that allow ``action``."""
    try:
        require_phase(action, round_row["id"], schedule_of(round_row), today)
    except OutOfPhase as e:
        current = e.current
        raise Conflict(
            "out_of_phase",
            e.message,
            [
                {
                    "field": None,
                    "code": "phase.current",
                    "message": current.phase
                    + (f" {current.dates.starts_on} – {current.dates.ends_on}" if current.dates else ""),
                },
                *(
                    {
                        "field": None,
                        "code": "phase.allowed",
                        "message": f"{p.phase} {p.starts_on} – {p.ends_on}",
                    }
                    for p in e.allowed
                ),
            ],
        ) from None


def not_found(kind: str, ident: str) -> NotFound:
    return NotFound(f"{kind}_not_found", f"No {kind.replace('_', ' ')} {ident} (or it is not yours to see).")


def invalid(field: str, code: str, message: str) -> Invalid:
    return Invalid(
        "validation_failed",
        "The request has 1 invalid field.",
        [{"field": field, "code": code, "message": message}],
    )


def invalid_many(details: list[dict[str, Any]]) -> Invalid:
    n = len(details)
    return Invalid("validation_failed", f"The request has {n} invalid field{'s' if n != 1 else ''}.", details)
