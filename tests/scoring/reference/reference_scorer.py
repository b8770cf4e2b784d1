"""An independent, deliberately plain reading of ``shared/policy/points.md``.

This module exists to check the project's scorer (``services/scoring``) from the outside: it was
written from the policy text alone, without reading the project's domain code. It favours being
obviously right over being fast: every period is walked month by month, every amount is an exact
``Fraction`` until the single ``round2`` of each indicator line.

``reference_score(doc)`` takes a PointsFacts document (``points-facts.schema.json``) and returns::

    {
        "policy_version": "bj-points-2020",
        "qualified": True,
        "qualification": {"residence_permit": True, ...},   # the four conditions
        "failed": ["continuous_insurance", ...],              # codes of failed conditions
        "indicators": {"employment": Decimal("57.75"), ...},  # all eleven lines
        "total": Decimal("105.92"),
    }

Readings of points.md where the text leaves room are collected in ``Options`` (defaults are the
reading this module defends); each field says which sentence it interprets.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from fractions import Fraction
from typing import Any

# --------------------------------------------------------------------------- constants

INSURANCE_TYPES = ("pension", "medical", "unemployment", "injury", "maternity")

# "Six central districts (城六区)"
CENTRAL = frozenset({"110101", "110102", "110105", "110106", "110107", "110108"})
# "The other districts: ... and 北京经济技术开发区 `BDA` (outside)". `city` is in neither list: for
# social insurance points.md says it "counts as central"; a dwelling is never outside unless listed.
OUTSIDE = frozenset(
    {
        "110109",
        "110111",
        "110112",
        "110113",
        "110114",
        "110115",
        "110116",
        "110117",
        "110118",
        "110119",
        "BDA",
    }
)

INDICATOR_CODES = (
    "employment",
    "housing",
    "education",
    "education_deduction",
    "job_residence",
    "innovation",
    "tax",
    "tax_violation",
    "age",
    "honours",
    "law_abiding",
)
CONDITION_CODES = ("residence_permit", "retirement_age", "continuous_insurance", "criminal_record")

V2018 = "bj-points-2018"
V2020 = "bj-points-2020"


# --------------------------------------------------------------------------- options


@dataclass(frozen=True)
class Options:
    """Readings of points.md that the text does not pin down."""

    # "Before the cut-over, every month ... that no own-home or dormitory record covers counts as a
    # rented month": before 2017-01 rented months come from insurance only; a `rented` record
    # before the cut-over adds nothing of its own (seed 004 第十五条(二): 以申请人同期在京合法稳定就业年限计算).
    pre_cutover_rented_records_count: bool = False
    # job_residence: "lives in an `owned` home". Whether that home must also be a qualifying
    # housing record (residential and certified), as housing demands.
    job_residence_home_must_qualify: bool = True
    # "Everything is counted up to and including month Y-1-12 unless a rule says otherwise"
    # (seed 004 第十六条 names 教育背景 and 创新创业 among the indicators cut off at E).
    education_only_up_to_e: bool = True
    awards_only_up_to_e: bool = True
    # education_deduction: "each month counted in `employment`": the months of the insurance
    # type that `employment` used (ties: the first in schema order).
    deduction_employment: str = "employment_type"  # or "any_type"


DEFAULT_OPTIONS = Options()


# --------------------------------------------------------------------------- small helpers


def month_index(text: str) -> int:
    """``YYYY-MM`` → a month number (year × 12 + month − 1)."""
    year, month = text.split("-")
    return int(year) * 12 + int(month) - 1


def month_of(day: date) -> int:
    return day.year * 12 + day.month - 1


def month_text(index: int) -> str:
    return f"{index // 12:04d}-{index % 12 + 1:02d}"


def parse_date(text: str) -> date:
    return date.fromisoformat(text)


def covers(record: dict[str, Any], month: int) -> bool:
    return month_index(record["from"]) <= month <= month_index(record["to"])


def round2(value: Fraction) -> Decimal:
    """Half-up to two decimals (a half goes away from zero, as Decimal's ROUND_HALF_UP)."""
    hundredths = value * 100
    magnitude = math.floor(abs(hundredths) + Fraction(1, 2))
    signed = -magnitude if hundredths < 0 else magnitude
    return Decimal(signed).scaleb(-2).quantize(Decimal("0.01"))


def completed_age(birth: date, on: date) -> int:
    """Birthdays passed by ``on``; a 29 February birthday falls on 1 March in other years."""
    years = on.year - birth.year
    if birth.month == 2 and birth.day == 29:
        leap = on.year % 4 == 0 and (on.year % 100 != 0 or on.year % 400 == 0)
        birthday = date(on.year, 2, 29) if leap else date(on.year, 3, 1)
    else:
        birthday = date(on.year, birth.month, birth.day)
    if on < birthday:
        years -= 1
    return years


def policy_version_of(doc: dict[str, Any]) -> str:
    explicit = doc.get("policy_version")
    if explicit:
        return str(explicit)
    return V2018 if doc["application_year"] <= 2019 else V2020


# --------------------------------------------------------------------------- facts views


class Facts:
    """Month sets computed once from a document (all plain loops)."""

    def __init__(self, doc: dict[str, Any], options: Options) -> None:
        self.doc = doc
        self.options = options
        self.year: int = doc["application_year"]
        self.version = policy_version_of(doc)
        self.e_date = date(self.year - 1, 12, 31)  # counting end E
        self.a_date = date(self.year - 1, 1, 1)  # age reference A
        self.e_month = month_of(self.e_date)  # Y-1-12

        # insurance: months with a normal / a back-paid contribution, per type
        self.normal: dict[str, set[int]] = {t: set() for t in INSURANCE_TYPES}
        self.back_paid: dict[str, set[int]] = {t: set() for t in INSURANCE_TYPES}
        self.work_outside: set[int] = set()
        for rec in doc["social_insurance"]:
            target = self.back_paid if rec["back_paid"] else self.normal
            for m in range(month_index(rec["from"]), month_index(rec["to"]) + 1):
                target[rec["insurance"]].add(m)
                if rec["district"] in OUTSIDE:
                    self.work_outside.add(m)
        self.any_normal: set[int] = set().union(*self.normal.values())

        # employment: months from 1998-07 to Y-1-12 with a normal contribution, per type
        self.employment_window = range(month_index("1998-07"), self.e_month + 1)
        self.employment_months: dict[str, set[int]] = {
            t: {m for m in self.normal[t] if m in self.employment_window} for t in INSURANCE_TYPES
        }
        counts = {t: len(self.employment_months[t]) for t in INSURANCE_TYPES}
        self.m = max(counts.values())
        self.employment_type = next(t for t in INSURANCE_TYPES if counts[t] == self.m)

    # ----------------------------------------------------------------- housing

    def _qualifying(self, rec: dict[str, Any]) -> bool:
        return bool(rec["residential"]) and bool(rec["certified"])

    def residence_kind(self, month: int) -> str | None:
        """The best kind of qualifying residence in ``month`` (before the cap), or None."""
        if month > self.e_month:
            return None
        records = [r for r in self.doc["housing"] if self._qualifying(r) and covers(r, month)]
        if any(r["kind"] in ("owned", "spouse_owned") for r in records):
            return "own"
        if any(r["kind"] == "unit_dormitory" for r in records):
            return "dorm"
        cutover = month_index("2017-01")
        if month < cutover:
            if month >= month_index("1998-07") and month in self.any_normal:
                return "rent"
            if self.options.pre_cutover_rented_records_count and any(r["kind"] == "rented" for r in records):
                return "rent"
            return None
        if any(r["kind"] == "rented" and r.get("lease_registered", False) for r in records):
            return "rent"
        return None

    def residence_months(self) -> dict[str, int]:
        """Months of each kind, before the cap."""
        candidates: set[int] = set()
        for rec in self.doc["housing"]:
            candidates.update(range(month_index(rec["from"]), month_index(rec["to"]) + 1))
        candidates.update(m for m in self.any_normal if m < month_index("2017-01"))
        out = {"own": 0, "dorm": 0, "rent": 0}
        for m in candidates:
            kind = self.residence_kind(m)
            if kind is not None:
                out[kind] += 1
        return out


# --------------------------------------------------------------------------- qualification


def qualification(f: Facts) -> dict[str, bool]:
    doc = f.doc
    permit = doc["residence_permit_issued_on"]
    permit_ok = permit is not None and parse_date(permit) <= f.e_date

    person = doc["person"]
    age_on_e = completed_age(parse_date(person["birth_date"]), f.e_date)
    if person["sex"] == "male":
        limit = 60
    else:
        limit = 55 if person.get("female_job_category") == "cadre" else 50
    age_ok = age_on_e < limit

    window = range(month_index(f"{f.year - 7}-01"), f.e_month + 1)
    assert len(window) == 84
    insurance_ok = True
    for t in INSURANCE_TYPES:
        back_only = 0
        for m in window:
            has_normal = m in f.normal[t]
            has_back = m in f.back_paid[t]
            if not has_normal and not has_back:
                insurance_ok = False
            if has_back and not has_normal:
                back_only += 1
        if back_only > 5:
            insurance_ok = False

    return {
        "residence_permit": permit_ok,
        "retirement_age": age_ok,
        "continuous_insurance": insurance_ok,
        "criminal_record": not doc["criminal_record"],
    }


# --------------------------------------------------------------------------- indicators


def employment(f: Facts) -> Decimal:
    return round2(Fraction(f.m * 3, 12))


def housing(f: Facts) -> Decimal:
    months = f.residence_months()
    own = min(months["own"], f.m)
    dorm = min(months["dorm"], f.m - own)
    rent = min(months["rent"], f.m - own - dorm)
    return round2(Fraction(own, 12)) + round2(Fraction(dorm, 24)) + round2(Fraction(rent, 24))


# (points, window years) by (level, diploma, degree) for bj-points-2020 (附件2)
EDUCATION_2020: dict[tuple[str, bool, bool], tuple[Fraction, int]] = {
    ("junior_college", True, False): (Fraction(21, 2), 3),
    ("junior_college", True, True): (Fraction(21, 2), 3),
    ("bachelor", True, False): (Fraction(21, 2), 3),
    ("bachelor", False, True): (Fraction(21, 2), 3),
    ("bachelor", True, True): (Fraction(15), 4),
    ("master", True, False): (Fraction(15), 4),
    ("master", False, True): (Fraction(15), 4),
    ("master", True, True): (Fraction(26), 3),
    ("doctor", True, False): (Fraction(26), 3),
    ("doctor", False, True): (Fraction(26), 3),
    ("doctor", True, True): (Fraction(37), 3),
}
FULL_2018 = {"bachelor": Fraction(15), "master": Fraction(26), "doctor": Fraction(37)}


def _education_records(f: Facts) -> list[dict[str, Any]]:
    out = []
    for rec in f.doc["education"]:
        if not rec["recognized"]:
            continue
        if f.options.education_only_up_to_e and parse_date(rec["graduated_on"]) > f.e_date:
            continue
        out.append(rec)
    return out


def _deduction_for(f: Facts, rec: dict[str, Any], years: int) -> Fraction:
    """Positive amount to deduct for one education record (before rounding)."""
    last = month_of(parse_date(rec["graduated_on"]))
    first = last - years * 12 + 1
    emp = 0
    res = 0
    for m in range(first, last + 1):
        if f.options.deduction_employment == "employment_type":
            counted = m in f.employment_months[f.employment_type]
        else:
            counted = any(m in f.employment_months[t] for t in INSURANCE_TYPES)
        if counted:
            emp += 1
        if f.residence_kind(m) is not None:
            res += 1
    return Fraction(1, 4) * emp + Fraction(1, 24) * res


def education_2020(f: Facts) -> tuple[Decimal, Decimal]:
    best: tuple[Fraction, Decimal] | None = None  # (points, rounded deduction magnitude)
    for rec in _education_records(f):
        entry = EDUCATION_2020.get((rec["level"], rec["diploma"], rec["degree"]))
        if entry is None:
            continue
        pts, years = entry
        ded = round2(_deduction_for(f, rec, years))
        if best is None or pts > best[0] or (pts == best[0] and ded < best[1]):
            best = (pts, ded)
    if best is None:
        return Decimal("0.00"), Decimal("0.00")
    return round2(best[0]), -best[1]


def education_2018(f: Facts) -> Decimal:
    best = Fraction(0)
    for rec in _education_records(f):
        level, diploma, deg = rec["level"], rec["diploma"], rec["degree"]
        if level == "junior_college":
            pts = Fraction(21, 2) if diploma else Fraction(0)
        elif diploma and deg:
            pts = FULL_2018[level]
        elif diploma:
            pts = Fraction(21, 2)
        else:
            pts = Fraction(0)
        best = max(best, pts)
    return round2(best)


def _lives_outside_owned(f: Facts, month: int) -> bool:
    for rec in f.doc["housing"]:
        if rec["kind"] != "owned" or rec["district"] not in OUTSIDE or not covers(rec, month):
            continue
        if f.options.job_residence_home_must_qualify and not (rec["residential"] and rec["certified"]):
            continue
        return True
    return False


def job_residence(f: Facts) -> Decimal:
    if not _lives_outside_owned(f, f.e_month):
        return Decimal("0.00")
    start = month_index("2018-01" if f.version == V2020 else "2017-01")
    live_and_work = 0
    live_only = 0
    for m in range(start, f.e_month + 1):
        if not _lives_outside_owned(f, m):
            continue
        if m in f.work_outside:
            live_and_work += 1
        else:
            live_only += 1
    if f.version == V2020:
        pts = (live_and_work // 12) * 3 + (live_only // 12) * 2
    else:
        pts = (live_and_work // 12) * 4 + min((live_only // 12) * 2, 6)
    return round2(Fraction(min(pts, 12)))


def _tiers(*pairs: tuple[int, int, int]) -> list[tuple[int, int, int]]:
    return list(pairs)


# code → either a flat value or rank tiers [(lo, hi, points)]
AWARDS: dict[str, int | list[tuple[int, int, int]]] = {
    "nat_natural_science_1": 12,
    "nat_natural_science_2": _tiers((1, 3, 12), (4, 5, 10)),
    "nat_tech_invention_1": 12,
    "nat_tech_invention_2": _tiers((1, 3, 12), (4, 6, 10)),
    "nat_sci_tech_progress_special": _tiers((1, 15, 12), (16, 30, 11), (31, 50, 10)),
    "nat_sci_tech_progress_1": _tiers((1, 5, 12), (6, 10, 11), (11, 15, 10)),
    "nat_sci_tech_progress_2": _tiers((1, 3, 10), (4, 6, 9), (7, 10, 8)),
    "bj_zgc_outstanding_contribution": 6,
    "bj_zgc_young_talent": 6,
    "bj_sci_tech_major_innovation": _tiers((1, 6, 6), (7, 20, 5)),
    "bj_sci_tech_special": _tiers((1, 12, 6), (13, 30, 5)),
    "bj_sci_tech_1": _tiers((1, 6, 6), (7, 15, 5)),
    "bj_sci_tech_2": _tiers((1, 4, 6), (5, 10, 5)),
    "bj_sci_tech_3": _tiers((1, 3, 5), (4, 6, 4)),
    "five_ones_project": 12,
    "china_journalism_special_or_1": 12,
    "changjiang_taofen": 12,
    "china_journalism_2": 9,
    "china_journalism_3": 6,
    "bj_social_science_special_or_1": 6,
    "bj_social_science_2": 4,
    "bj_literature_art": 6,
    "capital_civilization": 6,
    "bj_journalism_1": 6,
    "bj_journalism_2": 4,
    "bj_journalism_3": 2,
    "china_innovation_contest_1": 12,
    "china_innovation_contest_2": 9,
    "china_innovation_contest_3": 6,
    "bj_innovation_contest_1": 6,
    "bj_innovation_contest_2": 4,
    "bj_innovation_contest_3": 2,
    "worldskills_medal": 12,
    "national_skills_1": 12,
    "national_skills_2_3": 9,
    "national_skills_4_5": 6,
    "bj_skills_1": 6,
    "bj_skills_2_3": 4,
    "bj_skills_4_5": 2,
    "bj_cultural_creative_1": 6,
    "bj_cultural_creative_2": 4,
    "bj_cultural_creative_3": 3,
    "bj_cultural_creative_single": 2,
    "china_chuangyi_1": 12,
    "china_chuangyi_2": 9,
    "china_chuangyi_3": 6,
    "chuangye_beijing_1": 6,
    "chuangye_beijing_2": 4,
    "chuangye_beijing_3": 2,
}
FROM_YEAR: dict[str, int] = {}
for _code in AWARDS:
    if _code.startswith("china_innovation_contest_"):
        FROM_YEAR[_code] = 2012
    elif _code.startswith("bj_innovation_contest_"):
        FROM_YEAR[_code] = 2015
    elif _code == "worldskills_medal" or _code.startswith(("national_skills_", "bj_skills_")):
        FROM_YEAR[_code] = 2011
    elif _code.startswith(("china_chuangyi_", "chuangye_beijing_")):
        FROM_YEAR[_code] = 2020
NEEDS_TAX = {c for c in AWARDS if c.startswith(("china_innovation_contest_", "bj_innovation_contest_"))}
# "the award items above without the 2020 contests (china_chuangyi_*, chuangye_beijing_*, skills
# contests) and without equity"
NOT_IN_2018 = {
    c
    for c in AWARDS
    if c.startswith(("china_chuangyi_", "chuangye_beijing_", "national_skills_", "bj_skills_"))
    or c == "worldskills_medal"
}


def _award_points(f: Facts, item: dict[str, Any]) -> int:
    code = item["code"]
    if code not in AWARDS or (f.version == V2018 and code in NOT_IN_2018):
        return 0
    if f.options.awards_only_up_to_e and item["year"] > f.year - 1:
        return 0
    if code in FROM_YEAR and item["year"] < FROM_YEAR[code]:
        return 0
    if code in NEEDS_TAX:
        tax = item.get("prior_year_income_tax")
        if tax is None or Decimal(tax) < 35000:
            return 0
    value = AWARDS[code]
    if isinstance(value, int):
        return value
    rank = item.get("rank")
    if rank is None:
        return 0
    for lo, hi, pts in value:
        if lo <= rank <= hi:
            return pts
    return 0


def _equity_points(item: dict[str, Any]) -> int:
    if not (Decimal(item["share_percent"]) >= 10 and item["company_certified"] and item["held_full_year"]):
        return 0
    financing = Decimal(item["financing_3y"])
    if financing >= 40_000_000:
        return 6
    if financing >= 20_000_000:
        return 4
    if financing >= 5_000_000:
        return 2
    return 0


def _tenure_points(f: Facts, item: dict[str, Any]) -> int:
    months = 0
    for m in range(month_index(item["from"]), month_index(item["to"]) + 1):
        if m <= f.e_month:
            months += 1
    return 2 * min(months // 12, 3)


def innovation(f: Facts) -> Decimal:
    best = 0
    for item in f.doc["innovation"]:
        if item["type"] == "award":
            pts = _award_points(f, item)
        elif item["type"] == "equity":
            pts = _equity_points(item) if f.version == V2020 else 0
        else:  # high_tech_tenure
            pts = _tenure_points(f, item) if f.version == V2018 else 0
        best = max(best, pts)
    return round2(Fraction(min(best, 12)))


def tax(f: Facts) -> Decimal:
    years = (f.year - 3, f.year - 2, f.year - 1)
    amounts = {y: Decimal(0) for y in years}
    for rec in f.doc["income_tax"]:
        if rec["year"] in amounts:
            amounts[rec["year"]] += Decimal(rec["amount"])
    if not all(amounts[y] > 0 for y in years):
        return Decimal("0.00")
    if f.version == V2020:
        pts = min(2 * sum(1 for y in years if amounts[y] >= 100_000), 6)
    else:
        pts = 2 if sum(amounts.values()) / 3 >= 100_000 else 0
    return round2(Fraction(pts))


def _penalty_window_start(f: Facts) -> date:
    return date(f.year - 5, 1, 1) if f.version == V2020 else date(2017, 1, 1)


def tax_violation(f: Facts) -> Decimal:
    start = _penalty_window_start(f)
    count = 0
    for rec in f.doc["tax_penalties"]:
        if start <= parse_date(rec["date"]) <= f.e_date and Decimal(rec["fine"]) >= 50:
            count += 1
    return round2(Fraction(-12 * count))


def age(f: Facts) -> Decimal:
    years = completed_age(parse_date(f.doc["person"]["birth_date"]), f.a_date)
    if f.version == V2018:
        return round2(Fraction(20 if years <= 45 else 0))
    table = {46: 16, 47: 12, 48: 8, 49: 4}
    pts = 20 if years <= 45 else table.get(years, 0)
    return round2(Fraction(pts))


def honours(f: Facts) -> Decimal:
    for rec in f.doc["honours"]:
        awarded = rec.get("awarded_on")
        if awarded is None or parse_date(awarded) <= f.e_date:
            return Decimal("20.00")
    return Decimal("0.00")


def law_abiding(f: Facts) -> Decimal:
    start = _penalty_window_start(f)
    count = sum(1 for rec in f.doc["detentions"] if start <= parse_date(rec["date"]) <= f.e_date)
    return round2(Fraction(-30 * count))


# --------------------------------------------------------------------------- entry point


def reference_score(doc: dict[str, Any], options: Options = DEFAULT_OPTIONS) -> dict[str, Any]:
    """Score one PointsFacts document by the plain reading of points.md."""
    f = Facts(doc, options)
    conditions = qualification(f)
    lines: dict[str, Decimal] = {code: Decimal("0.00") for code in INDICATOR_CODES}
    lines["employment"] = employment(f)
    lines["housing"] = housing(f)
    if f.version == V2020:
        lines["education"], lines["education_deduction"] = education_2020(f)
    else:
        lines["education"] = education_2018(f)
    lines["job_residence"] = job_residence(f)
    lines["innovation"] = innovation(f)
    lines["tax"] = tax(f)
    lines["tax_violation"] = tax_violation(f)
    lines["age"] = age(f)
    lines["honours"] = honours(f)
    lines["law_abiding"] = law_abiding(f)
    total = sum(lines.values(), Decimal("0.00"))
    return {
        "policy_version": f.version,
        "qualified": all(conditions.values()),
        "qualification": conditions,
        "failed": [c for c in CONDITION_CODES if not conditions[c]],
        "indicators": lines,
        "total": total,
    }
