"""Argument checks shared by the calendar modules."""

from __future__ import annotations

from datetime import date, datetime


def require_date(value: date, name: str) -> None:
    # datetime is a date subclass; silently dropping its time and zone would hide a bug.
    if isinstance(value, datetime) or not isinstance(value, date):
        raise TypeError(f"{name} must be a datetime.date, got {type(value).__name__}")


def require_aware(value: datetime, name: str) -> None:
    if not isinstance(value, datetime):
        raise TypeError(f"{name} must be a datetime, got {type(value).__name__}")
    if value.utcoffset() is None:
        raise ValueError(f"{name} must be timezone-aware, got naive {value.isoformat()}")
