"""The working-day calendar of the demo's synthetic years.

The demo plays next year's round (the shared clock only moves forward), and the graduates' settlement the
year after; the calendar package and the project table know only the years the State Council has
published (``shared/calendar``), and the services refuse to guess a working day. The demo therefore gives
its stack an operator's schedule file (``HUKOU_CALENDAR_OVERRIDES``) for the years it plays that the
calendar does not know, holding only the statutory days off of 全国年节及纪念日放假办法 (2024 revision:
元旦 1, 春节 4 from New Year's Eve, 清明 1, 劳动节 2, 端午 1, 中秋 1, 国庆 3), without the bridging
days and make-up working days a real notice adds. Its ``source`` says so: a demo assumption, never the
official schedule.
"""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path

from shared.calendar.data import load_calendar_data, write_operator_year

#: Lunar-calendar holidays: Spring Festival (正月初一), Qingming, Dragon Boat, Mid-Autumn.
LUNAR: dict[int, tuple[date, date, date, date]] = {
    2027: (date(2027, 2, 6), date(2027, 4, 5), date(2027, 6, 9), date(2027, 9, 15)),
    2028: (date(2028, 1, 26), date(2028, 4, 4), date(2028, 5, 28), date(2028, 10, 3)),
    2029: (date(2029, 2, 13), date(2029, 4, 4), date(2029, 6, 16), date(2029, 9, 22)),
    2030: (date(2030, 2, 3), date(2030, 4, 5), date(2030, 6, 5), date(2030, 9, 12)),
}
SOURCE = (
    "make demo assumption, NOT an official notice: the statutory days off of 全国年节及纪念日放假办法 "
    "(2024 revision) only, without bridging or make-up days"
)


def statutory_days_off(year: int) -> list[str]:
    days = {date(year, 1, 1), date(year, 5, 1), date(year, 5, 2)}
    days |= {date(year, 10, d) for d in (1, 2, 3)}
    if year in LUNAR:
        spring, qingming, dragon, autumn = LUNAR[year]
        days |= {spring + timedelta(days=k) for k in (-1, 0, 1, 2)}
        days |= {qingming, dragon, autumn}
    return sorted(d.isoformat() for d in days if d.year == year)


def write_demo_calendar(path: Path, years: list[int]) -> list[int]:
    """Write the years the calendar does not know into the operator's file ``path``; returns them."""
    known = set(load_calendar_data(operator_json=b'{"format_version": 1, "years": {}}').schedules)
    added = []
    for year in years:
        if year in known:
            continue
        write_operator_year(path, year, {"source": SOURCE, "holidays": statutory_days_off(year)})
        added.append(year)
    return added
