"""Builders of PointsFacts documents and hypothesis strategies for the scoring unit tests."""

from __future__ import annotations

import copy
from datetime import date
from decimal import Decimal
from typing import Any

from hypothesis import strategies as st

from services.scoring.contract import parse_facts, result_to_dict
from services.scoring.domain import PointsResult, score

INSURANCE = ("pension", "medical", "unemployment", "injury", "maternity")
CENTRAL = ("110101", "110102", "110105", "110106", "110107", "110108")
OUTSIDE = (
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
)
DISTRICTS = (*CENTRAL, *OUTSIDE, "city")


def insurance(
    first: str,
    last: str,
    *,
    district: str = "110108",
    back_paid: bool = False,
    types: tuple[str, ...] = INSURANCE,
) -> list[dict[str, Any]]:
    """One record per insurance type over ``first`` … ``last``."""
    return [
        {"insurance": t, "from": first, "to": last, "back_paid": back_paid, "district": district}
        for t in types
    ]


def home(
    kind: str,
    first: str,
    last: str,
    *,
    district: str = "110108",
    residential: bool = True,
    certified: bool = True,
    lease_registered: bool | None = None,
) -> dict[str, Any]:
    record: dict[str, Any] = {
        "kind": kind,
        "from": first,
        "to": last,
        "district": district,
        "residential": residential,
        "certified": certified,
    }
    if lease_registered is not None:
        record["lease_registered"] = lease_registered
    return record


def degree(
    level: str, graduated_on: str, *, diploma: bool = True, with_degree: bool = True, recognized: bool = True
) -> dict[str, Any]:
    return {
        "level": level,
        "diploma": diploma,
        "degree": with_degree,
        "graduated_on": graduated_on,
        "recognized": recognized,
    }


def award(code: str, year: int, rank: int | None = None, tax: str | None = None) -> dict[str, Any]:
    item: dict[str, Any] = {"type": "award", "code": code, "year": year, "rank": rank}
    if tax is not None:
        item["prior_year_income_tax"] = tax
    return item


def facts_doc(year: int = 2022, **overrides: Any) -> dict[str, Any]:
    """A qualified applicant of round ``year`` with nothing but 12 years of insurance.

    Born 1985-06-15 (male), residence permit 2015, normal contributions of all five types
    in Haidian from January of year−12 to December of year−1; every other list empty.
    """
    doc: dict[str, Any] = {
        "application_id": "T-1",
        "application_year": year,
        "person": {"birth_date": "1985-06-15", "sex": "male"},
        "residence_permit_issued_on": "2015-01-01",
        "criminal_record": False,
        "social_insurance": insurance(f"{year - 12}-01", f"{year - 1}-12"),
        "housing": [],
        "education": [],
        "innovation": [],
        "income_tax": [],
        "tax_penalties": [],
        "honours": [],
        "detentions": [],
    }
    doc.update(copy.deepcopy(overrides))
    return doc


def run(doc: dict[str, Any]) -> PointsResult:
    """Validate and score a document."""
    return score(parse_facts(doc))


def points(doc: dict[str, Any]) -> dict[str, str]:
    """Indicator code → points as text (``"12.50"``), plus ``total``."""
    result = run(doc)
    out = {code: str(value) for code, value in result.points_by_code().items()}
    out["total"] = str(result.total)
    return out


def passed(doc: dict[str, Any]) -> dict[str, bool]:
    """Condition code → passed."""
    return {c.code: c.passed for c in run(doc).qualification}


def as_document(doc: dict[str, Any]) -> dict[str, Any]:
    return result_to_dict(run(doc))


def d(text: str) -> Decimal:
    return Decimal(text)


# --------------------------------------------------------------------------- hypothesis


def _month(index: int) -> str:
    return f"{index // 12:04d}-{index % 12 + 1:02d}"


@st.composite
def month_ranges(draw: st.DrawFn, lowest: int = 1990 * 12, highest: int = 2027 * 12) -> tuple[str, str]:
    a = draw(st.integers(lowest, highest))
    b = draw(st.integers(a, min(highest, a + 400)))
    return _month(a), _month(b)


@st.composite
def insurance_records(draw: st.DrawFn) -> dict[str, Any]:
    first, last = draw(month_ranges())
    return {
        "insurance": draw(st.sampled_from(INSURANCE)),
        "from": first,
        "to": last,
        "back_paid": draw(st.booleans()),
        "district": draw(st.sampled_from(DISTRICTS)),
    }


@st.composite
def housing_records(draw: st.DrawFn) -> dict[str, Any]:
    first, last = draw(month_ranges())
    kind = draw(st.sampled_from(("owned", "spouse_owned", "rented", "unit_dormitory")))
    lease = draw(st.one_of(st.none(), st.booleans()))
    return home(
        kind,
        first,
        last,
        district=draw(st.sampled_from(DISTRICTS)),
        residential=draw(st.booleans()),
        certified=draw(st.booleans()),
        lease_registered=lease,
    )


dates = st.dates(min_value=date(1940, 1, 1), max_value=date(2030, 12, 31)).map(date.isoformat)
money = st.one_of(
    st.sampled_from(("0", "49.99", "50", "35000", "99999.99", "100000", "100000.00", "250000")),
    st.decimals(min_value=0, max_value=10**7, places=2).map(str),
)


@st.composite
def education_records(draw: st.DrawFn) -> dict[str, Any]:
    return degree(
        draw(st.sampled_from(("junior_college", "bachelor", "master", "doctor"))),
        draw(dates),
        diploma=draw(st.booleans()),
        with_degree=draw(st.booleans()),
        recognized=draw(st.booleans()),
    )


AWARD_CODES = (
    "nat_natural_science_1",
    "nat_sci_tech_progress_special",
    "nat_sci_tech_progress_2",
    "bj_sci_tech_3",
    "china_journalism_2",
    "china_innovation_contest_1",
    "bj_innovation_contest_2",
    "worldskills_medal",
    "national_skills_4_5",
    "china_chuangyi_1",
    "chuangye_beijing_3",
    "bj_cultural_creative_single",
    "not_a_code",
)


@st.composite
def innovation_items(draw: st.DrawFn) -> dict[str, Any]:
    kind = draw(st.sampled_from(("award", "award", "equity", "high_tech_tenure")))
    if kind == "award":
        return award(
            draw(st.sampled_from(AWARD_CODES)),
            draw(st.integers(1990, 2030)),
            draw(st.one_of(st.none(), st.integers(1, 60))),
            draw(st.one_of(st.none(), money)),
        )
    if kind == "equity":
        return {
            "type": "equity",
            "share_percent": draw(st.sampled_from(("5", "9.9999", "10", "10.0001", "55.5"))),
            "company_certified": draw(st.booleans()),
            "financing_3y": draw(st.sampled_from(("0", "4999999.99", "5000000", "20000000", "40000000.00"))),
            "held_full_year": draw(st.booleans()),
        }
    first, last = draw(month_ranges(2010 * 12, 2027 * 12))
    return {"type": "high_tech_tenure", "from": first, "to": last}


HONOURS = (
    "national_model_worker",
    "bj_model_worker",
    "model_worker_equivalent",
    "national_moral_model",
    "capital_moral_model",
    "national_heroic_model",
    "capital_heroic_citizen",
)


@st.composite
def facts_documents(draw: st.DrawFn, years: tuple[int, int] = (2018, 2027)) -> dict[str, Any]:
    """Valid PointsFacts documents covering every field and both policy versions."""
    year = draw(st.integers(*years))
    person: dict[str, Any] = {"birth_date": draw(dates), "sex": draw(st.sampled_from(("male", "female")))}
    if draw(st.booleans()):
        person["female_job_category"] = draw(st.sampled_from(("worker", "cadre")))
    base_first = draw(st.integers(1995 * 12, (year - 2) * 12))
    si = insurance(
        _month(base_first), _month((year - 1) * 12 + 11), district=draw(st.sampled_from(DISTRICTS))
    )
    doc: dict[str, Any] = {
        "application_year": year,
        "person": person,
        "residence_permit_issued_on": draw(st.one_of(st.none(), dates)),
        "criminal_record": draw(st.booleans()),
        "social_insurance": si + draw(st.lists(insurance_records(), max_size=12)),
        "housing": draw(st.lists(housing_records(), max_size=6)),
        "education": draw(st.lists(education_records(), max_size=3)),
        "innovation": draw(st.lists(innovation_items(), max_size=3)),
        "income_tax": draw(
            st.lists(
                st.fixed_dictionaries({"year": st.integers(year - 5, year), "amount": money}),
                max_size=6,
            )
        ),
        "tax_penalties": draw(st.lists(st.fixed_dictionaries({"date": dates, "fine": money}), max_size=3)),
        "honours": draw(
            st.lists(
                st.fixed_dictionaries(
                    {"title": st.sampled_from(HONOURS)}, optional={"awarded_on": st.one_of(st.none(), dates)}
                ),
                max_size=2,
            )
        ),
        "detentions": draw(st.lists(st.fixed_dictionaries({"date": dates}), max_size=2)),
    }
    if draw(st.booleans()):
        doc["application_id"] = draw(st.text(max_size=64))
    return doc


ARRAY_FIELDS = (
    "social_insurance",
    "housing",
    "education",
    "innovation",
    "income_tax",
    "tax_penalties",
    "honours",
    "detentions",
)
