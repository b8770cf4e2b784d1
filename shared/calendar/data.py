"""Where the working-day data comes from.

Two sources, merged per year:

1. The ``chinesecalendar`` package (import name ``chinese_calendar``), pinned in ``pyproject.toml``.
   Version 1.11.0 covers 2004-2026.
2. The project override table ``overrides.json`` in this package, for years the package does not cover
   yet (the State Council publishes each year's schedule around November of the year before) or to
   correct a package year. A year in the override table replaces the package's data for that year.

``overrides.json`` format (``format_version`` 1)::

    {
      "$comment": [...free text, ignored...],
      "format_version": 1,
      "years": {
        "2027": {
          "source": "国务院办公厅关于2027年部分节假日安排的通知 (国办发明电〔...〕...号), https://www.gov.cn/...",
          "holidays": ["2027-01-01", ...],
          "make_up_working_days": ["2027-..-..", ...]
        }
      }
    }

- ``source`` (required, non-empty): the notice the entry was copied from, so a reviewer can check it.
- ``holidays``: every day off of every statutory holiday of that year, weekend days inside a holiday
  included (the same meaning as ``chinese_calendar.holidays``). Non-empty.
- ``make_up_working_days``: the weekend days designated as working days (调休上班); each must be a
  Saturday or a Sunday. May be empty.
- Every date must lie in the entry's year; a date may not be both a holiday and a make-up day.

3. The **operator's schedule file**, when the environment names one (``HUKOU_CALENDAR_OVERRIDES``, a path
   every process of a deployment can read: a shared volume, a ConfigMap). Same format. Operations load
   an official year's schedule into it with ``python -m shared.calendar load`` or the ops endpoint
   ``PUT /v1/ops/calendar/years/{year}`` (both validate it first); a year there replaces the package's
   and the project table's. Processes notice a changed file by itself (its modification time).

The data version string is ``chinesecalendar-<package version>+overrides-<sha8>`` where ``sha8`` is the
first 8 hex digits of the SHA-256 of the override file's bytes (``sha256sum overrides.json``), so any edit
of the table, even an empty one, yields a new version that every computed deadline records. With an
operator's file, ``+operator-<sha8>`` of that file's bytes follows.
"""

from __future__ import annotations

import hashlib
import json
import os
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from importlib import resources
from pathlib import Path
from typing import Any, cast

import chinese_calendar

PACKAGE_NAME = "chinesecalendar"
OVERRIDES_RESOURCE = "overrides.json"
OVERRIDES_FORMAT_VERSION = 1

_PACKAGE_SOURCE = "chinesecalendar {version} (chinese_calendar.holidays / chinese_calendar.workdays)"


class CalendarDataError(ValueError):
    """The override table is malformed. Raised when the calendar is loaded, never later."""


@dataclass(frozen=True, slots=True)
class YearSchedule:
    """One year's official schedule: statutory days off and make-up working days."""

    year: int
    holidays: frozenset[date]
    make_up_working_days: frozenset[date]
    source: str

    def is_working_day(self, d: date) -> bool:
        if d in self.make_up_working_days:
            return True
        return d.weekday() < 5 and d not in self.holidays


@dataclass(frozen=True, slots=True)
class CalendarData:
    schedules: Mapping[int, YearSchedule]
    version: str


def package_version() -> str:
    return str(chinese_calendar.__version__)


def package_schedules() -> dict[int, YearSchedule]:
    """Every year the ``chinesecalendar`` package knows, as ``YearSchedule`` objects."""
    holidays = cast(Mapping[date, Any], chinese_calendar.holidays)
    workdays = cast(Mapping[date, Any], chinese_calendar.workdays)
    first, last = min(holidays).year, max(holidays).year
    source = _PACKAGE_SOURCE.format(version=package_version())
    return {
        year: YearSchedule(
            year=year,
            holidays=frozenset(d for d in holidays if d.year == year),
            make_up_working_days=frozenset(d for d in workdays if d.year == year),
            source=source,
        )
        for year in range(first, last + 1)
    }


def read_overrides_file() -> bytes:
    return resources.files("shared.calendar").joinpath(OVERRIDES_RESOURCE).read_bytes()


def overrides_digest(raw: bytes) -> str:
    return hashlib.sha256(raw).hexdigest()[:8]


def parse_overrides(raw: bytes) -> dict[int, YearSchedule]:
    """Parse and check the override table; raise ``CalendarDataError`` on anything suspicious."""
    try:
        document = json.loads(raw)
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise CalendarDataError(f"{OVERRIDES_RESOURCE} is not valid JSON: {exc}") from exc
    if not isinstance(document, dict):
        raise CalendarDataError(f"{OVERRIDES_RESOURCE} must hold a JSON object")
    if document.get("format_version") != OVERRIDES_FORMAT_VERSION:
        raise CalendarDataError(
            f"{OVERRIDES_RESOURCE}: format_version must be {OVERRIDES_FORMAT_VERSION}, "
            f"got {document.get('format_version')!r}"
        )
    years = document.get("years")
    if not isinstance(years, dict):
        raise CalendarDataError(f"{OVERRIDES_RESOURCE}: 'years' must be an object keyed by year")
    schedules: dict[int, YearSchedule] = {}
    for key, entry in years.items():
        year = _parse_year_key(key)
        schedules[year] = _parse_year(year, entry)
    return schedules


OPERATOR_FILE_ENV = "HUKOU_CALENDAR_OVERRIDES"


def operator_file() -> Path | None:
    """The operator's schedule file named by ``HUKOU_CALENDAR_OVERRIDES``, if any."""
    value = os.environ.get(OPERATOR_FILE_ENV, "").strip()
    return Path(value) if value else None


def load_calendar_data(
    overrides_json: bytes | None = None, operator_json: bytes | None = None
) -> CalendarData:
    """Merge the package data with the override table (the package's file unless one is given) and the
    operator's schedule file (when given or named by the environment and present)."""
    raw = read_overrides_file() if overrides_json is None else overrides_json
    schedules = package_schedules()
    schedules.update(parse_overrides(raw))
    version = f"{PACKAGE_NAME}-{package_version()}+overrides-{overrides_digest(raw)}"
    if operator_json is None and overrides_json is None:
        path = operator_file()
        if path is not None and path.exists():
            operator_json = path.read_bytes()
    if operator_json is not None:
        schedules.update(parse_overrides(operator_json))
        version += f"+operator-{overrides_digest(operator_json)}"
    return CalendarData(schedules=dict(sorted(schedules.items())), version=version)


def empty_table() -> dict[str, Any]:
    return {"format_version": OVERRIDES_FORMAT_VERSION, "years": {}}


def with_year(table_json: bytes | None, year: int, entry: Mapping[str, Any]) -> bytes:
    """The override table ``table_json`` (empty when None) with ``year`` set to ``entry``, checked.

    Raises ``CalendarDataError`` naming what is wrong; the result is a complete, valid table.
    """
    document = empty_table() if table_json is None else json.loads(table_json)
    parse_overrides(json.dumps(document).encode())  # the table as it is must already be valid
    candidate = {
        "source": entry.get("source"),
        "holidays": entry.get("holidays"),
        "make_up_working_days": entry.get("make_up_working_days", []),
    }
    _parse_year(year, {k: v for k, v in candidate.items()})
    document["years"][str(year)] = candidate
    out = json.dumps(document, ensure_ascii=False, indent=2, sort_keys=True).encode() + b"\n"
    parse_overrides(out)
    return out


def write_operator_year(path: Path, year: int, entry: Mapping[str, Any]) -> str:
    """Validate ``entry`` and write it into the operator's file at ``path`` atomically; returns the new
    calendar data version the processes will record."""
    current = path.read_bytes() if path.exists() else None
    new = with_year(current, year, entry)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    tmp.write_bytes(new)
    os.replace(tmp, path)
    return load_calendar_data(operator_json=new).version


def _parse_year_key(key: str) -> int:
    if len(key) != 4 or not key.isascii() or not key.isdigit():
        raise CalendarDataError(f"{OVERRIDES_RESOURCE}: year key {key!r} is not a four-digit year")
    return int(key)


def _parse_year(year: int, entry: object) -> YearSchedule:
    where = f"{OVERRIDES_RESOURCE}: year {year}"
    if not isinstance(entry, dict):
        raise CalendarDataError(f"{where}: entry must be an object")
    unknown = set(entry) - {"source", "holidays", "make_up_working_days"}
    if unknown:
        raise CalendarDataError(f"{where}: unknown keys {sorted(unknown)}")
    source = entry.get("source")
    if not isinstance(source, str) or not source.strip():
        raise CalendarDataError(f"{where}: 'source' (the State Council notice it comes from) is required")
    holidays = _parse_dates(year, entry.get("holidays"), f"{where}: holidays")
    make_up = _parse_dates(year, entry.get("make_up_working_days", []), f"{where}: make_up_working_days")
    if not holidays:
        raise CalendarDataError(f"{where}: holidays must not be empty")
    both = holidays & make_up
    if both:
        raise CalendarDataError(f"{where}: listed as holiday and make-up day: {_iso(both)}")
    weekdays = {d for d in make_up if d.weekday() < 5}
    if weekdays:
        raise CalendarDataError(f"{where}: make-up working days must be weekend days: {_iso(weekdays)}")
    return YearSchedule(year=year, holidays=holidays, make_up_working_days=make_up, source=source.strip())


def _parse_dates(year: int, value: object, where: str) -> frozenset[date]:
    if not isinstance(value, list):
        raise CalendarDataError(f"{where}: must be a list of YYYY-MM-DD strings")
    parsed: list[date] = []
    for item in value:
        if not isinstance(item, str):
            raise CalendarDataError(f"{where}: {item!r} is not a YYYY-MM-DD string")
        try:
            d = date.fromisoformat(item)
        except ValueError as exc:
            raise CalendarDataError(f"{where}: {item!r} is not a valid YYYY-MM-DD date") from exc
        if len(item) != 10 or d.year != year:
            raise CalendarDataError(f"{where}: {item!r} is not a YYYY-MM-DD date in {year}")
        parsed.append(d)
    result = frozenset(parsed)
    if len(result) != len(parsed):
        raise CalendarDataError(f"{where}: duplicate dates")
    return result


def _iso(days: frozenset[date] | set[date]) -> str:
    return ", ".join(d.isoformat() for d in sorted(days))
