"""Calendar months, month sets and completed age.

Every period in the facts is a run of whole calendar months, both ends inclusive
(policy/points.md, "Dates of a round"). A month is represented by its *month index*
``year * 12 + (month - 1)``, so that consecutive months are consecutive integers and
"the months from A to B" is an integer range.

A *month set* is a Python ``int`` used as a bitset: bit ``i`` stands for the month
``MONTH_SET_FIRST + i``. Union, intersection, difference and counting ("how many months
of this set fall in that window") become single big-integer operations, which keeps the
rules fast and makes "a month counts at most once per category" hold by construction.
Month sets cover 1900-01 … 2199-12, every month the facts contract can express
(``^(19|20|21)[0-9]{2}-(0[1-9]|1[0-2])$``); months outside that range belong to no rule
window and are dropped.
"""

from __future__ import annotations

from datetime import date

Month = int
"""A month index: ``year * 12 + (month - 1)``."""

MonthSet = int
"""A set of months as a bitset; bit ``i`` is month ``MONTH_SET_FIRST + i``."""


def month_of(year: int, month: int) -> Month:
    """The month index of ``year``-``month`` (``month`` 1–12)."""
    return year * 12 + month - 1


def month_of_date(day: date) -> Month:
    """The month index of the calendar month containing ``day``."""
    return day.year * 12 + day.month - 1


def month_label(month: Month) -> str:
    """``YYYY-MM`` for a month index."""
    offset = month - _LABELS_FIRST
    if 0 <= offset < len(_LABELS):
        return _LABELS[offset]
    return f"{month // 12:04d}-{month % 12 + 1:02d}"


MONTH_SET_FIRST: Month = month_of(1900, 1)
MONTH_SET_LAST: Month = month_of(2199, 12)

_LABELS_FIRST = MONTH_SET_FIRST
_LABELS: tuple[str, ...] = tuple(
    f"{m // 12:04d}-{m % 12 + 1:02d}" for m in range(MONTH_SET_FIRST, MONTH_SET_LAST + 1)
)


def month_span(first: Month, last: Month) -> MonthSet:
    """The set of months ``first`` … ``last``, both inclusive (empty if ``first > last``)."""
    if first < MONTH_SET_FIRST:
        first = MONTH_SET_FIRST
    if last > MONTH_SET_LAST:
        last = MONTH_SET_LAST
    if first > last:
        return 0
    return ((1 << (last - first + 1)) - 1) << (first - MONTH_SET_FIRST)


def months_in(months: MonthSet) -> int:
    """How many months a month set holds."""
    return months.bit_count()


def months_list(months: MonthSet) -> list[Month]:
    """The months of a set in ascending order (for explanations; not for hot paths)."""
    out: list[Month] = []
    offset = MONTH_SET_FIRST
    while months:
        low = months & -months
        out.append(offset + low.bit_length() - 1)
        months ^= low
    return out


def month_runs(months: MonthSet) -> list[tuple[Month, Month]]:
    """The maximal runs ``(first, last)`` of consecutive months of a set, ascending."""
    runs: list[tuple[Month, Month]] = []
    offset = MONTH_SET_FIRST
    while months:
        start = (months & -months).bit_length() - 1
        # Length of the run of ones starting at `start`.
        shifted = months >> start
        length = (~shifted & (shifted + 1)).bit_length() - 1
        runs.append((offset + start, offset + start + length - 1))
        months &= ~(((1 << length) - 1) << start)
    return runs


def describe_runs(months: MonthSet, limit: int = 4) -> str:
    """Runs of a month set as ``2019-09 至 2019-11、2020-02`` (at most ``limit`` runs)."""
    runs = month_runs(months)
    parts = [month_label(a) if a == b else f"{month_label(a)} 至 {month_label(b)}" for a, b in runs[:limit]]
    if len(runs) > limit:
        parts.append(f"等 {len(runs)} 段")
    return "、".join(parts)


def _is_leap(year: int) -> bool:
    return year % 4 == 0 and (year % 100 != 0 or year % 400 == 0)


def completed_age(birth: date, on: date) -> int:
    """Completed years of age on ``on``: the number of birthdays passed.

    The age increases on the birthday itself. A 29 February birthday falls on
    1 March in years that have no 29 February (policy/points.md, "Completed age").
    May be negative when ``on`` is before the birth date.
    """
    years = on.year - birth.year
    b_month, b_day = birth.month, birth.day
    if b_month == 2 and b_day == 29 and not _is_leap(on.year):
        b_month, b_day = 3, 1
    if (on.month, on.day) < (b_month, b_day):
        years -= 1
    return years
