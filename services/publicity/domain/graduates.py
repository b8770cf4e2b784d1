"""The graduate programme's publicity, pure rules (policy/graduates.md 第十七条(四), policy/calendar.md).

A supervising unit publishes the graduates it approved for publicity: name, age, university and
education, with its supervision phone and address — nothing else about a graduate — for **at least 5
working days**: opened on day D, the list closes at 24:00 of the 5th working day after D (D not counted;
``shared.calendar.graduate_publicity_period``). A unit may ask for a longer period, never a shorter one.
Each list of a unit is ``GRD-<year>-<unit>-<n>``, n counting the unit's lists of that year from 1.
"""

from __future__ import annotations

from datetime import datetime

from shared.calendar.deadlines import GRADUATE_PUBLICITY_MIN_WORKING_DAYS

MIN_WORKING_DAYS = GRADUATE_PUBLICITY_MIN_WORKING_DAYS
#: The longest period a unit may ask for (a month of working days; longer is a typo, not a policy).
MAX_WORKING_DAYS = 30

EDUCATION_ZH = {
    "doctor": "博士研究生",
    "master": "硕士研究生",
    "bachelor": "大学本科",
    "junior_college": "大学专科",
}


def publicity_id_for(year: int, unit_id: str, n: int) -> str:
    """The id of a unit's ``n``-th list of ``year``: ``GRD-2025-U-HD-1``."""
    return f"GRD-{year}-{unit_id}-{n}"


def supervision_contact(unit_name: str, phone: str | None, address: str | None) -> str:
    """The contact printed on the list: the unit, its supervision phone and its address."""
    return f"{unit_name} 监督电话：{phone or '—'}；地址：{address or '—'}"


def decision_is_newer(
    old_revision: int, old_decided_at: datetime, new_revision: int, new_decided_at: datetime
) -> bool:
    """A decision replaces the one on record when it is about a newer revision of the declaration, or
    about the same revision and decided later (a return after an approval withdraws it)."""
    return new_revision > old_revision or (new_revision == old_revision and new_decided_at >= old_decided_at)


def working_days_refusal(working_days: int) -> str | None:
    """Why a requested period is refused (``None``: it is allowed)."""
    if working_days < MIN_WORKING_DAYS:
        return (
            f"公示期不少于{MIN_WORKING_DAYS}个工作日。A graduate publicity lasts at least {MIN_WORKING_DAYS} "
            f"working days, not {working_days}."
        )
    if working_days > MAX_WORKING_DAYS:
        return f"A graduate publicity lasts at most {MAX_WORKING_DAYS} working days here, not {working_days}."
    return None
