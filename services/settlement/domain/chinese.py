"""Dates written in Chinese on letters, in the traditional form of official documents (GB/T 9704-1999:
成文时间用汉字将年、月、日标全，"零"写为"〇"), which certificates and letters of the bureau still use:
2022-07-19 → 二〇二二年七月十九日. The year is written digit by digit, month and day as numbers.
"""

from __future__ import annotations

from datetime import date

_DIGITS = "〇一二三四五六七八九"


def chinese_number(n: int) -> str:
    """1–99 in Chinese numerals as used for months and days: 10 → 十, 11 → 十一, 20 → 二十, 31 → 三十一."""
    if not 1 <= n <= 99:
        raise ValueError(f"only 1..99 are written this way, got {n}")
    tens, ones = divmod(n, 10)
    if tens == 0:
        return _DIGITS[ones]
    head = "十" if tens == 1 else _DIGITS[tens] + "十"
    return head + (_DIGITS[ones] if ones else "")


def chinese_year(year: int) -> str:
    """The year digit by digit: 2022 → 二〇二二."""
    if year < 0:
        raise ValueError("negative years are not written")
    return "".join(_DIGITS[int(c)] for c in str(year))


def chinese_date(d: date) -> str:
    """2022-07-19 → 二〇二二年七月十九日; 2020-10-01 → 二〇二〇年十月一日."""
    return f"{chinese_year(d.year)}年{chinese_number(d.month)}月{chinese_number(d.day)}日"


def chinese_year_month(year_month: str) -> str:
    """A birth year-month ``YYYY-MM`` as printed on letters: 1985-03 → 1985年3月 (Arabic, as on ID cards)."""
    year, _, month = year_month.partition("-")
    if not (year.isdigit() and month.isdigit() and 1 <= int(month) <= 12):
        raise ValueError(f"not a year-month: {year_month!r}")
    return f"{int(year)}年{int(month)}月"
