"""The value checks of the fast PointsFacts validator (:mod:`services.scoring.contract`).

Each check returns the parsed value, or None after appending one ``{"field", "code", "message"}``
detail to an :class:`Errors`. Schema semantics: booleans are JSON booleans; integers JSON numbers
without a fractional part (``2020`` or ``2020.0``, never ``true``); patterns match the whole string;
dates are real calendar dates ``YYYY-MM-DD`` (parsed once and cached: applicants share many dates).
"""

from __future__ import annotations

import re
from datetime import date
from decimal import Decimal
from typing import Any, Final

Detail = dict[str, str]

# Every string matching the month pattern ^(19|20|21)[0-9]{2}-(0[1-9]|1[0-2])$ → month index.
MONTHS: Final[dict[str, int]] = {
    f"{y:04d}-{m:02d}": y * 12 + m - 1 for y in range(1900, 2200) for m in range(1, 13)
}
DATE_RE: Final = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")
MONEY_RE: Final = re.compile(r"[0-9]{1,12}(?:\.[0-9]{1,2})?")
SHARE_RE: Final = re.compile(r"[0-9]{1,3}(?:\.[0-9]{1,4})?")
FINANCING_RE: Final = re.compile(r"[0-9]{1,14}(?:\.[0-9]{1,2})?")
DATE_CACHE: dict[str, date] = {}
DATE_CACHE_LIMIT: Final = 200_000

MISSING: Final = object()


class Errors:
    __slots__ = ("items",)

    def __init__(self) -> None:
        self.items: list[Detail] = []

    def add(self, field: str, code: str, message: str) -> None:
        self.items.append({"field": field, "code": code, "message": message})


def show(value: str) -> str:
    """A string value for an error message, shortened."""
    return repr(value) if len(value) <= 80 else repr(value[:77]) + "…"


def type_name(value: object) -> str:
    if value is None:
        return "null"
    if value is True or value is False:
        return "boolean"
    if isinstance(value, int | float):
        return "number"
    if isinstance(value, str):
        return "string"
    if isinstance(value, list):
        return "array"
    if isinstance(value, dict):
        return "object"
    return type(value).__name__


def as_int(value: object) -> int | None:
    """A JSON integer (also ``2020.0``), never a boolean."""
    t = type(value)
    if t is int:
        return value  # type: ignore[return-value]
    if t is float and value.is_integer():  # type: ignore[attr-defined]
        return int(value)  # type: ignore[call-overload, no-any-return]
    return None


def parse_date(value: object) -> date | None:
    if type(value) is not str:
        return None
    cached = DATE_CACHE.get(value)
    if cached is not None:
        return cached
    if DATE_RE.fullmatch(value) is None:
        return None
    try:
        parsed = date(int(value[0:4]), int(value[5:7]), int(value[8:10]))
    except ValueError:
        return None
    if len(DATE_CACHE) < DATE_CACHE_LIMIT:
        DATE_CACHE[value] = parsed
    return parsed


def date_field(value: object, field: str, errors: Errors) -> date | None:
    parsed = parse_date(value)
    if parsed is None:
        if type(value) is not str:
            errors.add(field, "type", f"must be a date string YYYY-MM-DD, got {type_name(value)}")
        else:
            errors.add(field, "format", f"must be a calendar date YYYY-MM-DD, got {show(value)}")
    return parsed


def month_field(value: object, field: str, errors: Errors) -> int | None:
    if type(value) is str:
        month = MONTHS.get(value)
        if month is not None:
            return month
        errors.add(
            field, "pattern", f"must be a month YYYY-MM between 1900-01 and 2199-12, got {show(value)}"
        )
    else:
        errors.add(field, "type", f"must be a month string YYYY-MM, got {type_name(value)}")
    return None


def bool_field(value: object, field: str, errors: Errors) -> bool | None:
    if value is True or value is False:
        return value
    errors.add(field, "type", f"must be a boolean, got {type_name(value)}")
    return None


def enum_field(value: object, allowed: dict[str, Any] | frozenset[str], field: str, errors: Errors) -> Any:
    if type(value) is str and value in allowed:
        return allowed[value] if isinstance(allowed, dict) else value
    if type(value) is not str:
        errors.add(field, "type", f"must be a string, got {type_name(value)}")
    else:
        errors.add(field, "enum", f"must be one of {', '.join(sorted(allowed))}, got {show(value)}")
    return None


def int_field(
    value: object, field: str, errors: Errors, minimum: int | None, maximum: int | None
) -> int | None:
    number = as_int(value)
    if number is None:
        errors.add(field, "type", f"must be an integer, got {type_name(value)}")
        return None
    if minimum is not None and number < minimum:
        errors.add(field, "minimum", f"must be at least {minimum}, got {number}")
        return None
    if maximum is not None and number > maximum:
        errors.add(field, "maximum", f"must be at most {maximum}, got {number}")
        return None
    return number


def decimal_field(value: object, pattern: re.Pattern[str], field: str, errors: Errors) -> Decimal | None:
    if type(value) is str:
        if pattern.fullmatch(value) is not None:
            return Decimal(value)
        errors.add(field, "pattern", f"must match ^{pattern.pattern}$, got {show(value)}")
    else:
        errors.add(field, "type", f"must be a decimal string, got {type_name(value)}")
    return None


def keys_ok(
    obj: dict[str, Any], allowed: frozenset[str], required: tuple[str, ...], path: str, errors: Errors
) -> bool:
    ok = True
    if not obj.keys() <= allowed:
        for key in obj:
            if key not in allowed:
                errors.add(f"{path}.{key}", "additional_property", "is not allowed")
                ok = False
    for key in required:
        if key not in obj:
            errors.add(f"{path}.{key}", "required", "is required")
            ok = False
    return ok


def range_ok(first: int | None, last: int | None, path: str, errors: Errors) -> bool:
    if first is None or last is None:
        return False
    if first > last:
        errors.add(f"{path}.to", "month_range", "must not be before 'from'")
        return False
    return True


def array(doc: dict[str, Any], name: str, max_items: int, errors: Errors) -> list[Any]:
    value = doc.get(name, MISSING)
    if value is MISSING:
        return []  # reported as missing by the top-level key check
    if not isinstance(value, list):
        errors.add(name, "type", f"must be an array, got {type_name(value)}")
        return []
    if len(value) > max_items:
        errors.add(name, "max_items", f"must have at most {max_items} items, got {len(value)}")
    return value
