"""Canonical forms of facts sections, so that a declaration and a registry answer that say the same
thing compare equal however their records are split or ordered.

Periods become sets of months per distinguishing key and are rebuilt as maximal runs; money becomes
``Decimal`` with two places (records of one tax year add up); lists are sorted. The canonical form is
also what the verified facts carry: it is valid ``points-facts.schema.json`` and scores exactly like
the records it came from (every scoring rule counts per month, per year or per record).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping
from decimal import Decimal
from typing import Any

INSURANCE_ORDER = ("pension", "medical", "unemployment", "injury", "maternity")
HOUSING_ORDER = ("owned", "spouse_owned", "unit_dormitory", "rented")
TWO_PLACES = Decimal("0.01")


def month_index(month: str) -> int:
    """``YYYY-MM`` as a month number (year × 12 + month − 1)."""
    y, m = month.split("-")
    return int(y) * 12 + int(m) - 1


def month_str(index: int) -> str:
    return f"{index // 12:04d}-{index % 12 + 1:02d}"


def runs(months: Iterable[int]) -> list[tuple[int, int]]:
    """Maximal runs of consecutive months, in order."""
    out: list[tuple[int, int]] = []
    for m in sorted(set(months)):
        if out and m == out[-1][1] + 1:
            out[-1] = (out[-1][0], m)
        else:
            out.append((m, m))
    return out


def _expand(records: Iterable[Mapping[str, Any]], key: Any) -> dict[tuple[Any, ...], set[int]]:
    by_key: dict[tuple[Any, ...], set[int]] = defaultdict(set)
    for r in records:
        first, last = month_index(r["from"]), month_index(r["to"])
        by_key[key(r)].update(range(first, last + 1))
    return by_key


def canonical_insurance(records: Iterable[Mapping[str, Any]]) -> list[dict[str, Any]]:
    """Social-insurance records as maximal runs per (insurance, back-paid, district)."""
    by_key = _expand(records, lambda r: (r["insurance"], bool(r["back_paid"]), r["district"]))
    out: list[tuple[tuple[Any, ...], dict[str, Any]]] = []
    for (insurance, back_paid, district), months in by_key.items():
        for first, last in runs(months):
            rec = {
                "insurance": insurance,
                "from": month_str(first),
                "to": month_str(last),
                "back_paid": back_paid,
                "district": district,
            }
            out.append(((INSURANCE_ORDER.index(insurance), first, back_paid, district), rec))
    return [rec for _, rec in sorted(out, key=lambda x: x[0])]


def canonical_housing(records: Iterable[Mapping[str, Any]]) -> list[dict[str, Any]]:
    """Housing records as maximal runs per (kind, district, residential, certified, lease registered)."""

    def key(r: Mapping[str, Any]) -> tuple[Any, ...]:
        registered = bool(r.get("lease_registered", False)) if r["kind"] == "rented" else False
        return (r["kind"], r["district"], bool(r["residential"]), bool(r["certified"]), registered)

    out: list[tuple[tuple[Any, ...], dict[str, Any]]] = []
    for (kind, district, residential, certified, registered), months in _expand(records, key).items():
        for first, last in runs(months):
            rec: dict[str, Any] = {
                "kind": kind,
                "from": month_str(first),
                "to": month_str(last),
                "district": district,
                "residential": residential,
                "certified": certified,
            }
            if kind == "rented":
                rec["lease_registered"] = registered
            out.append(
                ((HOUSING_ORDER.index(kind), first, district, residential, certified, registered), rec)
            )
    return [rec for _, rec in sorted(out, key=lambda x: x[0])]


def money(value: str | int | Decimal) -> Decimal:
    return Decimal(str(value)).quantize(TWO_PLACES)


def money_str(value: Decimal) -> str:
    return f"{value.quantize(TWO_PLACES)}"


def canonical_income_tax(records: Iterable[Mapping[str, Any]]) -> list[dict[str, Any]]:
    """One record per year with the year's total; years with nothing paid are left out."""
    totals: dict[int, Decimal] = defaultdict(Decimal)
    for r in records:
        totals[int(r["year"])] += money(r["amount"])
    return [{"year": y, "amount": money_str(a)} for y, a in sorted(totals.items()) if a > 0]


def canonical_penalties(records: Iterable[Mapping[str, Any]]) -> list[dict[str, Any]]:
    items = sorted((str(r["date"]), money(r["fine"])) for r in records)
    return [{"date": d, "fine": money_str(f)} for d, f in items]


def canonical_detentions(records: Iterable[Mapping[str, Any]]) -> list[dict[str, Any]]:
    return [{"date": d} for d in sorted(str(r["date"]) for r in records)]


def months_covered(records: Iterable[Mapping[str, Any]]) -> int:
    """Distinct months any record covers (for short human-readable notes)."""
    months: set[int] = set()
    for r in records:
        months.update(range(month_index(r["from"]), month_index(r["to"]) + 1))
    return len(months)
