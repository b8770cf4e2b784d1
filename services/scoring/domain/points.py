"""Exact point arithmetic: two decimals, rounded half-up.

Every indicator line is rounded to two places with ROUND_HALF_UP (away from zero on a
tie) before the lines are added up (policy/points.md, "Indicators"). Values such as
``months × yearly points ÷ 12`` are rounded exactly from their rational value, so no
intermediate precision or decimal context can change a result.
"""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal

CENT = Decimal("0.01")
ZERO = Decimal("0.00")

_RATIO_CACHE: dict[Decimal, tuple[int, int]] = {}
_CENTS_CACHE: dict[int, Decimal] = {}


def ratio(value: Decimal) -> tuple[int, int]:
    """``value`` as an integer ratio ``(numerator, denominator)`` (cached)."""
    cached = _RATIO_CACHE.get(value)
    if cached is None:
        cached = value.as_integer_ratio()
        if len(_RATIO_CACHE) < 4096:
            _RATIO_CACHE[value] = cached
    return cached


def from_cents(cents: int) -> Decimal:
    """Points from an integer number of hundredths (``1050`` → ``Decimal('10.50')``)."""
    value = _CENTS_CACHE.get(cents)
    if value is None:
        value = Decimal(cents).scaleb(-2)
        if len(_CENTS_CACHE) < 100_000:
            _CENTS_CACHE[cents] = value
    return value


def round2_fraction(numerator: int, denominator: int) -> Decimal:
    """``numerator / denominator`` rounded half-up (away from zero) to two places.

    The same as ``round2`` of the exact quotient, without an inexact intermediate
    decimal (``months × 0.5 ÷ 12`` has no finite decimal expansion).
    """
    if denominator < 0:
        numerator, denominator = -numerator, -denominator
    magnitude = (abs(numerator) * 200 + denominator) // (2 * denominator)
    return from_cents(-magnitude if numerator < 0 else magnitude)


def round2(value: Decimal) -> Decimal:
    """A decimal rounded half-up to two places (``Decimal.quantize`` with ROUND_HALF_UP)."""
    return value.quantize(CENT, rounding=ROUND_HALF_UP)


def times(count: int, points: Decimal) -> Decimal:
    """``count × points`` as a two-place value (never ``-0.00``)."""
    n, d = ratio(points)
    return round2_fraction(count * n, d)


def cents(value: Decimal) -> int:
    """A two-place value as an integer number of hundredths (``Decimal('10.50')`` → ``1050``)."""
    return int(value * 100)
