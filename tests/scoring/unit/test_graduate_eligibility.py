"""Graduate eligibility (graduates-2018, seed 000): the worked examples, the boundaries the issue names,
and properties of the rules (../shared/policy/graduates.md, "Eligibility, precisely")."""

from __future__ import annotations

import copy
import json
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import jsonschema
import pytest
from hypothesis import given
from hypothesis import strategies as st

from services.scoring.domain import graduates as d
from services.scoring.graduates_contract import GraduateFactsInvalid, assess_document

ROOT = Path(__file__).resolve().parents[3].parent / "shared"
EXAMPLES = sorted((ROOT / "policy" / "examples" / "graduates").glob("*.json"))
RESULT_SCHEMA = json.loads((ROOT / "contracts" / "graduate-result.schema.json").read_text())
FACTS_SCHEMA = json.loads((ROOT / "contracts" / "graduate-facts.schema.json").read_text())


def _example(path: Path) -> tuple[dict[str, Any], dict[str, Any]]:
    doc = json.loads(path.read_text())
    return doc["facts"], doc["expected"]


@pytest.mark.parametrize("path", EXAMPLES, ids=[p.stem for p in EXAMPLES])
def test_worked_example(path: Path) -> None:
    facts, expected = _example(path)
    jsonschema.validate(facts, FACTS_SCHEMA)
    result = assess_document(facts)
    jsonschema.validate(result, RESULT_SCHEMA)
    assert result["eligible"] == expected["eligible"]
    assert result["quota"] == expected["quota"]
    assert result["age_limit"] == expected["age_limit"]
    assert [(c["code"], c["passed"]) for c in result["checks"]] == [
        (c["code"], c["passed"]) for c in expected["checks"]
    ]
    assert result["policy_version"] == "graduates-2018"
    assert result["case_id"] == facts.get("case_id")
    assert all(c["article"] and c["explanation"] for c in result["checks"])


def _base() -> dict[str, Any]:
    return copy.deepcopy(_example(EXAMPLES[0])[0])


def _with(doc: dict[str, Any], **graduate: Any) -> dict[str, Any]:
    doc["graduate"].update(graduate)
    return doc


def _check(result: dict[str, Any], code: str) -> bool | None:
    passed: bool | None = next(c["passed"] for c in result["checks"] if c["code"] == code)
    return passed


@pytest.mark.parametrize(
    ("education", "system", "limit"),
    [
        ("doctor", "other", 35),
        ("master", "education", 30),
        ("master", "health", 30),
        ("master", "other", 27),
        ("bachelor", "culture", 24),
    ],
)
def test_age_limit_boundary_is_the_first_of_january_of_y_minus_l(
    education: str, system: str, limit: int
) -> None:
    y = 2026
    for born, ok in ((date(y - limit, 1, 1), True), (date(y - limit, 1, 1) - timedelta(days=1), False)):
        doc = _base()
        doc["introduction_year"] = y
        doc["employer"]["system"] = system
        _with(doc, education=education, birth_date=born.isoformat())
        result = assess_document(doc)
        assert result["age_limit"] == limit
        assert _check(result, "age") is ok, (education, system, born)


@pytest.mark.parametrize(
    ("declared", "registered", "ok"),
    [
        ("2026-06-10", "2025-06-10", True),
        ("2026-06-10", "2025-06-11", False),
        ("2028-02-29", "2027-02-28", True),  # a declaration on 29 February looks at 28 February
        ("2028-02-29", "2027-03-01", False),
        ("2029-03-01", "2028-02-29", True),  # registered on 29 February: no adjustment needed
        ("2029-02-28", "2028-02-29", False),
    ],
)
def test_employer_registered_exactly_one_year_before_the_declaration(
    declared: str, registered: str, ok: bool
) -> None:
    doc = _base()
    doc["declared_on"], doc["employer"]["registered_on"] = declared, registered
    assert _check(assess_document(doc), "employer_registered_one_year") is ok


@pytest.mark.parametrize(("share", "ok"), [("10", True), ("10.0000", True), ("9.9999", False), ("100", True)])
def test_founder_share_of_exactly_ten_percent_is_enough(share: str, ok: bool) -> None:
    doc = _with(
        _base(),
        labour_relation_during_study="own_startup",
        founder={
            "initiator_or_main_founder": True,
            "share_percent_at_founding": share,
            "shares_by_transfer_or_later_investment": False,
            "supported_sector": True,
            "outstanding_results": True,
        },
    )
    assert _check(assess_document(doc), "founder") is ok


@pytest.mark.parametrize(
    ("path", "value", "code"),
    [
        (("graduate", "birth_date"), "2026-02-30", "date.invalid"),
        (("graduate", "birth_date"), "1899-12-31", "date.too_early"),
        (("declared_on",), "2026-13-01", "date.invalid"),
        (("declared_on",), "2026-1-01", "string_pattern_mismatch"),
        (("graduate", "on_time"), "true", "bool_type"),
        (("introduction_year",), "2026", "int_type"),
    ],
)
def test_invalid_input_is_refused_naming_the_field(path: tuple[str, ...], value: Any, code: str) -> None:
    doc = _base()
    target = doc
    for key in path[:-1]:
        target = target[key]
    target[path[-1]] = value
    with pytest.raises(GraduateFactsInvalid) as e:
        assess_document(doc)
    assert [(x["field"], x["code"]) for x in e.value.details] == [(".".join(path), code)]


def test_founder_share_above_100_is_invalid_input() -> None:
    doc = _with(
        _base(),
        founder={
            "initiator_or_main_founder": True,
            "share_percent_at_founding": "100.5",
            "shares_by_transfer_or_later_investment": False,
            "supported_sector": True,
            "outstanding_results": True,
        },
    )
    with pytest.raises(GraduateFactsInvalid) as e:
        assess_document(doc)
    assert e.value.details[0]["field"] == "graduate.founder.share_percent_at_founding"


def test_unknown_fields_are_refused() -> None:
    doc = _base()
    doc["graduate"]["nickname"] = "x"
    with pytest.raises(GraduateFactsInvalid):
        assess_document(doc)


# ---- properties ------------------------------------------------------------------------------------

bools = st.booleans()


@st.composite
def facts(draw: st.DrawFn) -> dict[str, Any]:
    y = draw(st.integers(2018, 2030))
    doc = _base()
    doc["introduction_year"] = y
    doc["declared_on"] = draw(st.dates(date(y, 3, 1), date(y, 9, 30))).isoformat()
    doc["special_plan"] = draw(st.sampled_from([None, "civil_service", "retired_soldier"]))
    g = doc["graduate"]
    g.update(
        birth_date=draw(st.dates(date(y - 40, 1, 1), date(y - 18, 12, 31))).isoformat(),
        beijing_hukou=draw(bools),
        education=draw(st.sampled_from(["doctor", "master", "bachelor", "junior_college"])),
        graduated_on=draw(st.dates(date(y - 1, 1, 1), date(y + 1, 12, 31))).isoformat(),
        on_time=draw(bools),
        diploma=draw(bools),
        degree=draw(bools),
        enrolment=draw(st.sampled_from(["national_plan", "other"])),
        training_mode=draw(st.sampled_from(["non_directed", "directed", "commissioned"])),
        labour_relation_during_study=draw(st.sampled_from(["none", "own_startup", "employment"])),
        major_matches_post=draw(bools),
        outstanding_doctor=draw(bools),
        family=draw(
            st.none()
            | st.fixed_dictionaries(
                {
                    "parents_beijing_frontier_support": bools,
                    "close_relative_in_beijing_needs_care": bools,
                    "both_parents_moved_to_beijing_with_hukou_during_study": bools,
                }
            )
        ),
    )
    g["school"].update(in_beijing=draw(bools), full_time_regular=draw(bools), double_first_class=draw(bools))
    e = doc["employer"]
    e.update(
        registered_on=draw(st.dates(date(y - 5, 1, 1), date(y, 9, 30))).isoformat(),
        good_standing=draw(bools),
        system=draw(st.sampled_from(["education", "health", "culture", "sports", "other"])),
        suburban=draw(bools),
        high_end_industry=draw(bools),
    )
    return doc


@given(facts())
def test_eligible_exactly_when_no_check_fails_and_only_eligible_graduates_get_a_quota(
    doc: dict[str, Any],
) -> None:
    r = assess_document(doc)
    jsonschema.validate(r, RESULT_SCHEMA)
    assert [c["code"] for c in r["checks"]] == list(d.CHECK_CODES)
    assert r["eligible"] == all(c["passed"] is not False for c in r["checks"])
    assert (r["quota"] is None) == (not r["eligible"])


@given(facts())
def test_a_special_plan_changes_only_the_quota_treatment(doc: dict[str, Any]) -> None:
    with_plan = copy.deepcopy(doc)
    with_plan["special_plan"] = "civil_service"
    without = copy.deepcopy(doc)
    without["special_plan"] = None
    a, b = assess_document(with_plan), assess_document(without)
    assert [c["passed"] for c in a["checks"]] == [c["passed"] for c in b["checks"]]
    assert a["eligible"] == b["eligible"]
    if a["eligible"]:
        assert a["quota"] == "separate_plan"


@given(facts())
def test_direct_introduction_waives_exactly_the_selection_criteria(doc: dict[str, Any]) -> None:
    doc["graduate"]["family"] = {"both_parents_moved_to_beijing_with_hukou_during_study": True}
    r = assess_document(doc)
    waived = {"education_level", "age", "school", "major_match"}
    assert all(c["passed"] is None for c in r["checks"] if c["code"] in waived)
    assert r["age_limit"] is None
    if r["eligible"]:
        assert r["quota"] == ("separate_plan" if doc.get("special_plan") else "direct")
