"""Policy versions of the points programme (../shared/policy/points.md: rounds 2018–2019 follow the 2018
细则, rounds 2020 onward the 2020-era 细则)."""

from __future__ import annotations

POLICY_VERSIONS = ("bj-points-2018", "bj-points-2020")


def policy_version_for_round(year: int) -> str:
    return "bj-points-2018" if year < 2020 else "bj-points-2020"


def birth_year_month(birth_date_iso: str) -> str:
    """``YYYY-MM`` of an ISO date: the only part of the birth date that leaves intake (publicity)."""
    return birth_date_iso[:7]
