"""Helpers shared by the intake use cases."""

from __future__ import annotations

import uuid
from datetime import date
from typing import Any

from services.intake.adapters.repository import Row
from services.intake.domain.phases import OutOfPhase, PhaseDates, Schedule, require_phase
from shared.api.errors import ApiError
from shared.logging import correlation_id_var


def correlation_id() -> str:
    return correlation_id_var.get() or str(uuid.uuid4())


def schedule_of(round_row: Row) -> Schedule:
    return Schedule(
        tuple(
            PhaseDates(p["phase"], date.fromisoformat(p["starts_on"]), date.fromisoformat(p["ends_on"]))
            for p in round_row["phases"]
        )
    )


def check_phase(action: str, round_row: Row, today: date) -> None:
    """409 naming the current phase and the dates of the phases that allow ``action``."""
    try:
        require_phase(action, round_row["id"], schedule_of(round_row), today)
    except OutOfPhase as e:
        current = e.current
        raise ApiError(
            409,
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


def not_found(kind: str, ident: str) -> ApiError:
    return ApiError(
        404, f"{kind}_not_found", f"No {kind.replace('_', ' ')} {ident} (or it is not yours to see)."
    )


def invalid(field: str, code: str, message: str) -> ApiError:
    return ApiError(
        422,
        "validation_failed",
        "The request has 1 invalid field.",
        [{"field": field, "code": code, "message": message}],
    )


def invalid_many(details: list[dict[str, Any]]) -> ApiError:
    n = len(details)
    return ApiError(
        422, "validation_failed", f"The request has {n} invalid field{'s' if n != 1 else ''}.", details
    )
