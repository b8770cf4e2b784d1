"""Working days in mainland China: weekdays minus statutory holidays plus make-up working days.

Policy: /work/shared/policy/calendar.md, "Working days". A date in a year the data does not cover is an
error, never a guess: every operation that needs such a date raises ``CalendarYearUnknown`` naming it.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date, timedelta

from shared.calendar._checks import require_date
from shared.calendar.data import YearSchedule, load_calendar_data, operator_file

_ONE_DAY = timedelta(days=1)


class CalendarYearUnknown(ValueError):
    """The working-day calendar has no data for ``year``."""

    def __init__(self, year: int, known_years: tuple[int, ...], data_version: str) -> None:
        self.year = year
        self.known_years = known_years
        self.data_version = data_version
        super().__init__(
            f"The working-day calendar has no data for the year {year} "
            f"(known years: {_describe_years(known_years)}; data {data_version}). "
            f"Add the State Council's {year} holiday schedule to shared/calendar/overrides.json."
        )


class Calendar:
    """Working-day arithmetic over a fixed set of official yearly schedules.

    Immutable; build it with ``load_calendar()`` or use the shared ``default_calendar()``.
    """

    __slots__ = ("_data_version", "_known_years", "_schedules")

    def __init__(self, schedules: Mapping[int, YearSchedule], data_version: str) -> None:
        self._schedules = dict(schedules)
        self._known_years = tuple(sorted(self._schedules))
        self._data_version = data_version

    def __repr__(self) -> str:
        return f"Calendar(data_version={self._data_version!r}, years={_describe_years(self._known_years)})"

    @property
    def data_version(self) -> str:
        """Identifies the data behind every answer, e.g. ``chinesecalendar-1.11.0+overrides-1a2b3c4d``."""
        return self._data_version

    @property
    def known_years(self) -> tuple[int, ...]:
        return self._known_years

    def knows_year(self, year: int) -> bool:
        return year in self._schedules

    def schedule(self, year: int) -> YearSchedule:
        """The official schedule for ``year``; raises ``CalendarYearUnknown`` if there is none."""
        try:
            return self._schedules[year]
        except KeyError:
            raise CalendarYearUnknown(year, self._known_years, self._data_version) from None

    def is_working_day(self, d: date) -> bool:
        """True for weekdays that are not statutory holidays and for make-up working days (调休上班)."""
        require_date(d, "d")
        return self.schedule(d.year).is_working_day(d)

    def add_working_days(self, d: date, n: int) -> date:
        """The ``n``-th working day after ``d``; ``d`` itself is never counted (``n == 0`` returns ``d``).

        ``d`` need not be a working day: opened on a Saturday, the first working day after it is the
        following working day.
        """
        require_date(d, "d")
        if n < 0:
            raise ValueError(f"n must be zero or positive, got {n}")
        current = d
        remaining = n
        while remaining:
            current += _ONE_DAY
            if self.schedule(current.year).is_working_day(current):
                remaining -= 1
        return current

    def working_days_between(self, a: date, b: date) -> int:
        """Number of working days in the half-open interval (a, b]; negative when ``b`` precedes ``a``.

        The inverse of ``add_working_days``: ``working_days_between(d, add_working_days(d, n)) == n``.
        Useful for "working days left until the deadline".
        """
        require_date(a, "a")
        require_date(b, "b")
        if b < a:
            return -self.working_days_between(b, a)
        if a == b:
            return 0
        for year in range((a + _ONE_DAY).year, b.year + 1):
            self.schedule(year)  # fail before counting, naming the first missing year
        count = 0
        current = a
        while current < b:
            current += _ONE_DAY
            if self.schedule(current.year).is_working_day(current):
                count += 1
        return count


def load_calendar(*, overrides_json: bytes | None = None) -> Calendar:
    """Build a calendar from the pinned package data and the override table.

    ``overrides_json`` replaces the package's ``overrides.json`` (tests, or checking a new table before
    committing it).
    """
    data = load_calendar_data(overrides_json)
    return Calendar(data.schedules, data.version)


_default: tuple[object, Calendar] | None = None


def _operator_stamp() -> object:
    path = operator_file()
    if path is None:
        return None
    try:
        st = path.stat()
    except FileNotFoundError:
        return (str(path), None)
    return (str(path), st.st_mtime_ns, st.st_size)


def default_calendar() -> Calendar:
    """The process-wide calendar, loaded on first use from the package data, ``overrides.json`` and the
    operator's schedule file; loaded again when that file changes (a year loaded by operations)."""
    global _default
    stamp = _operator_stamp()
    if _default is None or _default[0] != stamp:
        _default = (stamp, load_calendar())
    return _default[1]


def _describe_years(years: tuple[int, ...]) -> str:
    if not years:
        return "none"
    runs: list[tuple[int, int]] = []
    for year in years:
        if runs and runs[-1][1] == year - 1:
            runs[-1] = (runs[-1][0], year)
        else:
            runs.append((year, year))
    return ", ".join(str(s) if s == e else f"{s}-{e}" for s, e in runs)
