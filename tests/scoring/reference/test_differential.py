"""Differential test: the project's scorer against the independent reference of points.md.

Hypothesis builds varied, schema-valid PointsFacts documents aimed at the edges points.md makes
matter (month ends, 29 February, the 2017-01 lease cut-over, the 2018-01 job-residence start,
the 84-month insurance window and its five back-paid months, caps, the penalty windows, ages near
every step, tier edges of the award tables, …) and asserts that both scorers agree on
qualification, every indicator line and the total.

``REFERENCE_MAX_EXAMPLES`` (environment) raises the number of examples for a long local hunt,
e.g. ``REFERENCE_MAX_EXAMPLES=5000 .venv/bin/python -m pytest tests/scoring/reference``.
"""

from __future__ import annotations

import json
import os
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import jsonschema
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from services.scoring.contract import parse_facts, result_to_dict
from services.scoring.domain import score
from tests.scoring.reference.reference_scorer import (
    AWARDS,
    CENTRAL,
    INDICATOR_CODES,
    INSURANCE_TYPES,
    OUTSIDE,
    month_index,
    month_text,
    reference_score,
)
from tests.scoring.unit.scoring_factories import facts_documents as project_facts_documents

MAX_EXAMPLES = int(os.environ.get("REFERENCE_MAX_EXAMPLES", "250"))
SETTINGS = settings(
    max_examples=MAX_EXAMPLES,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)

SCHEMA_PATH = (
    Path(__file__).resolve().parents[3] / ".." / "shared" / "contracts" / "points-facts.schema.json"
).resolve()
FACTS_VALIDATOR = jsonschema.Draft202012Validator(
    json.loads(SCHEMA_PATH.read_text(encoding="utf-8")),
    format_checker=jsonschema.Draft202012Validator.FORMAT_CHECKER,
)

DISTRICTS = (*sorted(CENTRAL), *sorted(OUTSIDE), "city")
HONOURS = (
    "national_model_worker",
    "bj_model_worker",
    "model_worker_equivalent",
    "national_moral_model",
    "capital_moral_model",
    "national_heroic_model",
    "capital_heroic_citizen",
)
CUTOVER = month_index("2017-01")
JOB_RES_2020 = month_index("2018-01")
EMPLOYMENT_START = month_index("1998-07")


# --------------------------------------------------------------------------- comparison


def project_result(doc: dict[str, Any]) -> dict[str, Any]:
    return result_to_dict(score(parse_facts(doc)))


def compare(doc: dict[str, Any]) -> list[str]:
    """Differences between the project and the reference, as readable lines (empty: agree)."""
    ours = reference_score(doc)
    theirs = project_result(doc)
    diffs: list[str] = []
    if theirs["policy_version"] != ours["policy_version"]:
        diffs.append(f"policy_version: project {theirs['policy_version']} reference {ours['policy_version']}")
    if theirs["qualified"] != ours["qualified"]:
        diffs.append(f"qualified: project {theirs['qualified']} reference {ours['qualified']}")
    their_conditions = {c["code"]: c["passed"] for c in theirs["qualification"]}
    if their_conditions != ours["qualification"]:
        diffs.append(f"qualification: project {their_conditions} reference {ours['qualification']}")
    their_lines = {i["code"]: Decimal(i["points"]) for i in theirs["indicators"]}
    assert list(their_lines) == list(INDICATOR_CODES)
    for code in INDICATOR_CODES:
        if their_lines[code] != ours["indicators"][code]:
            diffs.append(f"{code}: project {their_lines[code]} reference {ours['indicators'][code]}")
    if Decimal(theirs["total"]) != ours["total"]:
        diffs.append(f"total: project {theirs['total']} reference {ours['total']}")
    return diffs


def assert_agree(doc: dict[str, Any]) -> None:
    errors = list(FACTS_VALIDATOR.iter_errors(doc))
    assert not errors, f"generator made an invalid document: {errors[0].message}"
    diffs = compare(doc)
    assert not diffs, "\n".join([*diffs, json.dumps(doc, ensure_ascii=False)])


# --------------------------------------------------------------------------- strategies


def near(values: list[int], spread: int = 2) -> st.SearchStrategy[int]:
    """One of ``values`` shifted by at most ``spread``."""
    return st.builds(lambda v, d: v + d, st.sampled_from(values), st.integers(-spread, spread))


def clamp_month(m: int) -> int:
    return max(month_index("1900-01"), min(month_index("2199-12"), m))


@st.composite
def edge_date(draw: st.DrawFn, anchors: list[date], spread: int = 3) -> str:
    """A date on or next to one of ``anchors``, or anywhere in 1990–2030."""
    if draw(st.integers(0, 4)) == 0:
        return draw(st.dates(date(1990, 1, 1), date(2030, 12, 31))).isoformat()
    anchor = draw(st.sampled_from(anchors))
    return (anchor + timedelta(days=draw(st.integers(-spread, spread)))).isoformat()


@st.composite
def birth_dates(draw: st.DrawFn, year: int) -> str:
    """Births that put the age on A (Y-1-01-01) or E (Y-1-12-31) next to a step of a rule."""
    choice = draw(st.integers(0, 5))
    if choice == 0:
        return draw(st.dates(date(1940, 1, 1), date(2030, 12, 31))).isoformat()
    if choice == 1:  # 29 February births, ages anywhere near the steps
        leap_years = [y for y in range(year - 66, year - 30) if y % 4 == 0 and (y % 100 or y % 400 == 0)]
        return date(draw(st.sampled_from(leap_years)), 2, 29).isoformat()
    if choice in (2, 3):  # age on A near 45 … 50
        ref = date(year - 1, 1, 1)
        age = draw(st.integers(44, 51))
    else:  # age on E near 50, 55, 60
        ref = date(year - 1, 12, 31)
        age = draw(st.sampled_from([49, 50, 54, 55, 59, 60]))
    day = ref.replace(year=ref.year - age) + timedelta(days=draw(st.integers(-2, 2)))
    return day.isoformat()


@st.composite
def person(draw: st.DrawFn, year: int) -> dict[str, Any]:
    out: dict[str, Any] = {
        "birth_date": draw(birth_dates(year)),
        "sex": draw(st.sampled_from(("male", "female"))),
    }
    if draw(st.booleans()):
        out["female_job_category"] = draw(st.sampled_from(("worker", "cadre")))
    return out


@st.composite
def insurance_history(draw: st.DrawFn, year: int) -> list[dict[str, Any]]:
    e_month = (year - 1) * 12 + 11
    window_start = (year - 7) * 12  # Y-7-01
    records: list[dict[str, Any]] = []
    start = draw(
        st.one_of(
            near([window_start, window_start + 1, EMPLOYMENT_START], 2),
            st.integers(month_index("1993-01"), window_start),
            st.integers(month_index("1993-01"), window_start + 24),
        )
    )
    end = draw(st.one_of(near([e_month], 1), st.just(e_month), st.integers(start, e_month + 12)))
    end = max(end, start)
    # a change of employer (district) somewhere, often at 2018-01 or 2017-01
    split = draw(st.one_of(st.none(), near([JOB_RES_2020, CUTOVER], 1), st.integers(start, end)))
    first_district = draw(st.sampled_from(DISTRICTS))
    second_district = draw(st.sampled_from(DISTRICTS))
    types_same = draw(st.integers(0, 3)) > 0
    for t in INSURANCE_TYPES:
        s = start if types_same else start + draw(st.integers(-3, 6))
        e = end if types_same else end - draw(st.integers(-1, 3))
        if e < s:
            continue
        if split is not None and s < split <= e:
            records.append(_si(t, s, split - 1, False, first_district))
            records.append(_si(t, split, e, False, second_district))
        else:
            records.append(_si(t, s, e, False, first_district))
    # gaps: remove a stretch from the normal contributions of some types
    if draw(st.integers(0, 3)) == 0:
        gap_start = draw(st.integers(start, max(start, end)))
        gap_len = draw(st.integers(1, 8))
        gap_types = draw(st.sets(st.sampled_from(INSURANCE_TYPES), min_size=1))
        records = _cut(records, gap_start, gap_start + gap_len - 1, gap_types)
        # and maybe back-pay (some of) it: 补缴
        if draw(st.booleans()):
            bp_start = gap_start + draw(st.integers(-2, 1))
            bp_end = gap_start + gap_len - 1 + draw(st.integers(-1, 2))
            for t in sorted(gap_types):
                if bp_end >= bp_start:
                    records.append(_si(t, bp_start, bp_end, True, draw(st.sampled_from(DISTRICTS))))
    # back-paid records overlapping normal months (a month is back-paid only if nothing normal)
    for _ in range(draw(st.integers(0, 2))):
        bs = draw(st.integers(window_start - 3, e_month))
        be = bs + draw(st.integers(0, 7))
        types = draw(st.sets(st.sampled_from(INSURANCE_TYPES), min_size=1))
        district = draw(st.sampled_from(DISTRICTS))
        for t in sorted(types):
            records.append(_si(t, bs, be, True, district))
    # a few arbitrary records (overlaps, other districts, before 1998-07, after E)
    for _ in range(draw(st.integers(0, 3))):
        a = draw(st.integers(month_index("1995-01"), e_month + 12))
        b = a + draw(st.integers(0, 30))
        records.append(
            _si(
                draw(st.sampled_from(INSURANCE_TYPES)),
                a,
                b,
                draw(st.booleans()),
                draw(st.sampled_from(DISTRICTS)),
            )
        )
    return draw(st.permutations(records))


def _si(t: str, a: int, b: int, back_paid: bool, district: str) -> dict[str, Any]:
    return {
        "insurance": t,
        "from": month_text(clamp_month(a)),
        "to": month_text(clamp_month(b)),
        "back_paid": back_paid,
        "district": district,
    }


def _cut(records: list[dict[str, Any]], a: int, b: int, types: set[str]) -> list[dict[str, Any]]:
    out = []
    for r in records:
        lo, hi = month_index(r["from"]), month_index(r["to"])
        if r["insurance"] not in types or r["back_paid"] or hi < a or lo > b:
            out.append(r)
            continue
        if lo < a:
            out.append({**r, "to": month_text(a - 1)})
        if hi > b:
            out.append({**r, "from": month_text(b + 1)})
    return out


@st.composite
def housing_records(draw: st.DrawFn, year: int) -> list[dict[str, Any]]:
    e_month = (year - 1) * 12 + 11
    anchors = [CUTOVER, JOB_RES_2020, EMPLOYMENT_START, e_month, e_month + 1, month_index("2017-01") - 12]
    records = []
    for _ in range(draw(st.integers(0, 5))):
        kind = draw(st.sampled_from(("owned", "owned", "spouse_owned", "rented", "rented", "unit_dormitory")))
        if draw(st.booleans()):
            a = draw(near(anchors, 2))
        else:
            a = draw(st.integers(month_index("1994-01"), e_month + 3))
        if draw(st.booleans()):
            b = draw(near([CUTOVER - 1, JOB_RES_2020 - 1, e_month, e_month - 12, e_month + 2], 2))
        else:
            b = a + draw(st.integers(0, 200))
        if b < a:
            a, b = b, a
        flags = draw(st.integers(0, 9))
        record: dict[str, Any] = {
            "kind": kind,
            "from": month_text(a),
            "to": month_text(b),
            "district": draw(st.sampled_from((*DISTRICTS, *sorted(OUTSIDE)))),
            "residential": flags != 0,
            "certified": flags != 1,
        }
        lease = draw(st.sampled_from((None, True, True, False)))
        if lease is not None:
            record["lease_registered"] = lease
        records.append(record)
    return records


@st.composite
def education_records(draw: st.DrawFn, year: int) -> list[dict[str, Any]]:
    e_date = date(year - 1, 12, 31)
    anchors = [
        e_date,
        date(year - 4, 6, 30),
        date(year - 3, 1, 1),
        date(year - 8, 7, 1),
        date(2001, 6, 30),
        date(1999, 7, 1),
        date(2016, 12, 31),
        date(2020, 2, 29),
    ]
    out = []
    for _ in range(draw(st.integers(0, 3))):
        level = draw(st.sampled_from(("junior_college", "bachelor", "master", "doctor")))
        out.append(
            {
                "level": level,
                "diploma": draw(st.sampled_from((True, True, False))),
                "degree": draw(st.booleans()),
                "graduated_on": draw(edge_date(anchors, 40)),
                "recognized": draw(st.integers(0, 6)) > 0,
            }
        )
    return out


RANK_EDGES = sorted(
    {
        edge
        for value in AWARDS.values()
        if isinstance(value, list)
        for lo, hi, _ in value
        for edge in (lo, hi, hi + 1)
    }
)


@st.composite
def innovation_items(draw: st.DrawFn, year: int) -> list[dict[str, Any]]:
    out: list[dict[str, Any]] = []
    for _ in range(draw(st.integers(0, 3))):
        kind = draw(st.sampled_from(("award", "award", "award", "equity", "high_tech_tenure")))
        if kind == "award":
            code = draw(st.one_of(st.sampled_from(sorted(AWARDS)), st.just("not_a_code")))
            item: dict[str, Any] = {
                "type": "award",
                "code": code,
                "year": draw(
                    st.one_of(near([2011, 2012, 2015, 2020, year - 1, year], 1), st.integers(1995, 2030))
                ),
            }
            rank_choice = draw(st.integers(0, 3))
            if rank_choice == 1:
                item["rank"] = None
            elif rank_choice >= 2:
                tiers = AWARDS.get(code)
                edges = (
                    [e for lo, hi, _ in tiers for e in (lo, hi, hi + 1)]
                    if isinstance(tiers, list)
                    else RANK_EDGES
                )
                item["rank"] = draw(st.one_of(st.sampled_from(edges), st.integers(1, 60)))
            tax_choice = draw(st.integers(0, 3))
            if tax_choice == 1:
                item["prior_year_income_tax"] = None
            elif tax_choice >= 2:
                item["prior_year_income_tax"] = draw(
                    st.sampled_from(("0", "34999.99", "35000", "35000.00", "120000"))
                )
            out.append(item)
        elif kind == "equity":
            out.append(
                {
                    "type": "equity",
                    "share_percent": draw(st.sampled_from(("9.9999", "10", "10.0", "10.0001", "100"))),
                    "company_certified": draw(st.sampled_from((True, True, False))),
                    "financing_3y": draw(
                        st.sampled_from(
                            (
                                "4999999.99",
                                "5000000",
                                "19999999.99",
                                "20000000.00",
                                "39999999",
                                "40000000",
                                "90000000",
                            )
                        )
                    ),
                    "held_full_year": draw(st.sampled_from((True, True, False))),
                }
            )
        else:
            e_month = (year - 1) * 12 + 11
            a = draw(st.integers(month_index("2008-01"), e_month + 2))
            b = a + draw(st.sampled_from((10, 11, 12, 23, 24, 35, 36, 47, 48, 60)))
            out.append({"type": "high_tech_tenure", "from": month_text(a), "to": month_text(b)})
    return out


MONEY = st.sampled_from(
    ("0", "0.01", "1200.50", "33333.33", "50000", "99999.99", "100000", "100000.00", "100000.01", "250000")
)


@st.composite
def income_tax(draw: st.DrawFn, year: int) -> list[dict[str, Any]]:
    out = []
    for y in range(year - 4, year + 1):
        for _ in range(draw(st.sampled_from((0, 1, 1, 1, 2)))):
            out.append({"year": y, "amount": draw(MONEY)})
    return draw(st.permutations(out))


@st.composite
def dated_events(draw: st.DrawFn, year: int, with_fine: bool) -> list[dict[str, Any]]:
    anchors = [
        date(year - 5, 1, 1),
        date(2017, 1, 1),
        date(year - 1, 12, 31),
        date(year, 1, 1),
        date(year - 6, 12, 31),
    ]
    out = []
    for _ in range(draw(st.integers(0, 3))):
        event: dict[str, Any] = {"date": draw(edge_date(anchors, 1))}
        if with_fine:
            event["fine"] = draw(st.sampled_from(("0", "49.99", "50", "50.00", "1000")))
        out.append(event)
    return out


@st.composite
def honours(draw: st.DrawFn, year: int) -> list[dict[str, Any]]:
    out = []
    for _ in range(draw(st.integers(0, 2))):
        item: dict[str, Any] = {"title": draw(st.sampled_from(HONOURS))}
        choice = draw(st.integers(0, 2))
        if choice == 1:
            item["awarded_on"] = None
        elif choice == 2:
            item["awarded_on"] = draw(edge_date([date(year - 1, 12, 31), date(year, 1, 1)], 1))
        out.append(item)
    return out


@st.composite
def facts_documents(draw: st.DrawFn) -> dict[str, Any]:
    year = draw(st.one_of(st.integers(2018, 2021), st.integers(2018, 2030)))
    e_date = date(year - 1, 12, 31)
    doc: dict[str, Any] = {
        "application_year": year,
        "person": draw(person(year)),
        "residence_permit_issued_on": draw(
            st.one_of(
                st.none(),
                edge_date([e_date, date(year - 5, 6, 1), date(year - 3, 2, 29 if year % 4 == 3 else 28)], 1),
            )
            if draw(st.integers(0, 3)) == 0
            else st.dates(date(2000, 1, 1), e_date).map(date.isoformat)
        ),
        "criminal_record": draw(st.integers(0, 9)) == 0,
        "social_insurance": draw(insurance_history(year)),
        "housing": draw(housing_records(year)),
        "education": draw(education_records(year)),
        "innovation": draw(innovation_items(year)),
        "income_tax": draw(income_tax(year)),
        "tax_penalties": draw(dated_events(year, True)),
        "honours": draw(honours(year)),
        "detentions": draw(dated_events(year, False)),
    }
    if draw(st.booleans()):
        doc["policy_version"] = "bj-points-2018" if year <= 2019 else "bj-points-2020"
    if draw(st.booleans()):
        doc["application_id"] = f"REF-{draw(st.integers(0, 10**6))}"
    return doc


@st.composite
def wide_month_range(draw: st.DrawFn) -> tuple[str, str]:
    a = draw(st.integers(month_index("1900-01"), month_index("2199-12")))
    b = draw(st.one_of(st.integers(a, min(a + 600, month_index("2199-12"))), st.just(month_index("2199-12"))))
    return month_text(a), month_text(b)


WIDE_DATES = st.dates(date(1900, 1, 1), date(2199, 12, 31)).map(date.isoformat)
WIDE_MONEY = st.builds(
    lambda whole, cents, places: (
        str(whole) if places == 0 else f"{whole}.{cents:02d}"[: len(str(whole)) + 1 + places]
    ),
    st.integers(0, 10**12 - 1),
    st.integers(0, 99),
    st.integers(0, 2),
)


@st.composite
def wide_documents(draw: st.DrawFn) -> dict[str, Any]:
    """Schema-valid documents with values anywhere the schema allows (ranges kept in order)."""
    year = draw(st.integers(2018, 2100))

    def si() -> dict[str, Any]:
        a, b = draw(wide_month_range())
        return _si_text(
            draw(st.sampled_from(INSURANCE_TYPES)),
            a,
            b,
            draw(st.booleans()),
            draw(st.sampled_from(DISTRICTS)),
        )

    def home() -> dict[str, Any]:
        a, b = draw(wide_month_range())
        rec: dict[str, Any] = {
            "kind": draw(st.sampled_from(("owned", "spouse_owned", "rented", "unit_dormitory"))),
            "from": a,
            "to": b,
            "district": draw(st.sampled_from(DISTRICTS)),
            "residential": draw(st.booleans()),
            "certified": draw(st.booleans()),
        }
        if draw(st.booleans()):
            rec["lease_registered"] = draw(st.booleans())
        return rec

    def item() -> dict[str, Any]:
        kind = draw(st.sampled_from(("award", "equity", "high_tech_tenure")))
        if kind == "award":
            out: dict[str, Any] = {
                "type": "award",
                "code": draw(st.one_of(st.sampled_from(sorted(AWARDS)), st.text(max_size=64))),
                "year": draw(st.integers(1950, 2100)),
            }
            if draw(st.booleans()):
                out["rank"] = draw(st.one_of(st.none(), st.integers(1, 10**9)))
            if draw(st.booleans()):
                out["prior_year_income_tax"] = draw(st.one_of(st.none(), WIDE_MONEY))
            return out
        if kind == "equity":
            return {
                "type": "equity",
                "share_percent": draw(st.from_regex(r"\A[0-9]{1,3}(\.[0-9]{1,4})?\Z")),
                "company_certified": draw(st.booleans()),
                "financing_3y": draw(st.from_regex(r"\A[0-9]{1,14}(\.[0-9]{1,2})?\Z")),
                "held_full_year": draw(st.booleans()),
            }
        a, b = draw(wide_month_range())
        return {"type": "high_tech_tenure", "from": a, "to": b}

    person_doc: dict[str, Any] = {
        "birth_date": draw(WIDE_DATES),
        "sex": draw(st.sampled_from(("male", "female"))),
    }
    if draw(st.booleans()):
        person_doc["female_job_category"] = draw(st.sampled_from(("worker", "cadre")))
    honour_items = []
    for _ in range(draw(st.integers(0, 3))):
        honour: dict[str, Any] = {"title": draw(st.sampled_from(HONOURS))}
        if draw(st.booleans()):
            honour["awarded_on"] = draw(st.one_of(st.none(), WIDE_DATES))
        honour_items.append(honour)
    doc: dict[str, Any] = {
        "application_year": year,
        "person": person_doc,
        "residence_permit_issued_on": draw(st.one_of(st.none(), WIDE_DATES)),
        "criminal_record": draw(st.booleans()),
        "social_insurance": [si() for _ in range(draw(st.integers(0, 8)))],
        "housing": [home() for _ in range(draw(st.integers(0, 4)))],
        "education": [
            {
                "level": draw(st.sampled_from(("junior_college", "bachelor", "master", "doctor"))),
                "diploma": draw(st.booleans()),
                "degree": draw(st.booleans()),
                "graduated_on": draw(WIDE_DATES),
                "recognized": draw(st.booleans()),
            }
            for _ in range(draw(st.integers(0, 3)))
        ],
        "innovation": [item() for _ in range(draw(st.integers(0, 3)))],
        "income_tax": [
            {"year": draw(st.integers(max(1990, year - 5), min(2100, year + 1))), "amount": draw(WIDE_MONEY)}
            for _ in range(draw(st.integers(0, 5)))
        ],
        "tax_penalties": [
            {"date": draw(WIDE_DATES), "fine": draw(WIDE_MONEY)} for _ in range(draw(st.integers(0, 3)))
        ],
        "honours": honour_items,
        "detentions": [{"date": draw(WIDE_DATES)} for _ in range(draw(st.integers(0, 3)))],
    }
    if draw(st.booleans()):
        doc["policy_version"] = "bj-points-2018" if year <= 2019 else "bj-points-2020"
    if draw(st.booleans()):
        doc["application_id"] = draw(st.text(max_size=64))
    return doc


def _si_text(t: str, a: str, b: str, back_paid: bool, district: str) -> dict[str, Any]:
    return {"insurance": t, "from": a, "to": b, "back_paid": back_paid, "district": district}


# --------------------------------------------------------------------------- tests


@SETTINGS
@given(facts_documents())
def test_project_scorer_agrees_with_reference(doc: dict[str, Any]) -> None:
    assert_agree(doc)


@settings(SETTINGS, max_examples=max(MAX_EXAMPLES // 3, 50))
@given(project_facts_documents())
def test_project_scorer_agrees_with_reference_on_the_unit_test_generator(doc: dict[str, Any]) -> None:
    """The same check on the broader, less targeted generator of the project's own unit tests."""
    assert_agree(doc)


@settings(SETTINGS, max_examples=max(MAX_EXAMPLES // 3, 50))
@given(wide_documents())
def test_project_scorer_agrees_with_reference_anywhere_in_the_schema(doc: dict[str, Any]) -> None:
    assert_agree(doc)
