"""The graduate comparison rules (pure): declared vs registry per item, and the settlement check."""

from __future__ import annotations

import copy
from datetime import date
from typing import Any

from services.review.domain.graduates import (
    DeclaredGraduate,
    SettlementRequest,
    check_settlement,
    employer_months,
    good_standing,
    settlement_valid_until,
    verify_graduate,
)
from shared.facts.graduates import GRADUATE_FACTS_EXAMPLE

RECORD: dict[str, Any] = {
    "university": "清华大学",
    "school_code": "10003",
    "major": "计算机科学与技术",
    "education": "master",
    "study_form": "普通全日制",
    "enrolment": "national_plan",
    "training_mode": "non_directed",
    "entered_on": "2023-09-01",
    "graduated_on": "2026-07-16",
    "graduated": True,
    "studying": False,
    "diploma_number": "100031202631234567",
    "degree_number": "1000332026123456",
}
EDUCATION = {"found": True, "records": [RECORD]}
COMPANY = {
    "found": True,
    "registered_on": "2020-03-01",
    "district": "110108",
    "status": "operating",
    "abnormal_operations": [],
    "violations": [],
}


def declared(**changes: Any) -> DeclaredGraduate:
    values: dict[str, Any] = {
        "facts": copy.deepcopy(GRADUATE_FACTS_EXAMPLE),
        "university": "清华大学",
        "major": "计算机科学与技术",
        "diploma_number": "100031202631234567",
        "degree_number": "1000332026123456",
    }
    values.update(changes)
    return DeclaredGraduate(**values)


def statuses(outcome: Any) -> dict[str, str]:
    return {c.item: c.status for c in outcome.checks}


def test_a_declaration_that_matches_the_registries_is_confirmed_item_by_item() -> None:
    out = verify_graduate(declared(), {"education_registry": EDUCATION, "company_registry": COMPANY})
    assert set(statuses(out).values()) == {"confirmed"}
    assert len(out.checks) == 10 and out.waiting == []
    assert out.facts == GRADUATE_FACTS_EXAMPLE


def test_a_difference_is_corrected_and_the_registry_value_wins_in_the_facts() -> None:
    education = {
        "found": True,
        "records": [{**RECORD, "training_mode": "directed", "graduated_on": "2026-06-30"}],
    }
    out = verify_graduate(declared(), {"education_registry": education, "company_registry": COMPANY})
    st = statuses(out)
    assert st["training_mode"] == "corrected" and st["graduation_date"] == "corrected"
    assert st["education"] == "confirmed"
    assert out.facts is not None
    assert out.facts["graduate"]["training_mode"] == "directed"
    assert out.facts["graduate"]["graduated_on"] == "2026-06-30"
    check = next(c for c in out.checks if c.item == "training_mode")
    assert (check.declared, check.found) == ("non_directed", "directed")


def test_a_wrong_diploma_number_or_university_is_corrected() -> None:
    out = verify_graduate(
        declared(diploma_number="X1", university="北京大学"),
        {"education_registry": EDUCATION, "company_registry": COMPANY},
    )
    st = statuses(out)
    assert st["diploma"] == "corrected" and st["university"] == "corrected"
    assert out.facts is not None and out.facts["graduate"]["diploma"] is True


def test_no_education_record_is_not_found_and_the_facts_hold_no_diploma() -> None:
    out = verify_graduate(
        declared(), {"education_registry": {"found": False, "records": []}, "company_registry": COMPANY}
    )
    st = statuses(out)
    assert all(st[i] == "not_found" for i in ("education", "university", "diploma", "degree"))
    assert out.facts is not None
    assert out.facts["graduate"]["diploma"] is False and out.facts["graduate"]["degree"] is False


def test_a_record_still_studying_confirms_a_diploma_expected_at_graduation() -> None:
    studying = {**RECORD, "graduated": False, "studying": True, "diploma_number": None, "degree_number": None}
    out = verify_graduate(
        declared(diploma_number=None, degree_number=None),
        {"education_registry": {"found": True, "records": [studying]}, "company_registry": COMPANY},
    )
    assert statuses(out)["diploma"] == "confirmed" and statuses(out)["degree"] == "confirmed"
    assert out.facts is not None and out.facts["graduate"]["diploma"] is True


def test_the_newest_record_is_the_one_compared() -> None:
    older = {**RECORD, "education": "bachelor", "graduated_on": "2023-06-30"}
    out = verify_graduate(
        declared(),
        {"education_registry": {"found": True, "records": [older, RECORD]}, "company_registry": COMPANY},
    )
    assert statuses(out)["education"] == "confirmed"


def test_employer_registration_and_standing_come_from_the_company_registry() -> None:
    company = {**COMPANY, "registered_on": "2025-09-01", "violations": [{"listed_on": "2025-10-01"}]}
    out = verify_graduate(declared(), {"education_registry": EDUCATION, "company_registry": company})
    st = statuses(out)
    assert st["employer_registration"] == "corrected" and st["employer_standing"] == "corrected"
    assert out.facts is not None
    assert out.facts["employer"] == {
        **out.facts["employer"],
        "registered_on": "2025-09-01",
        "good_standing": False,
    }
    unknown = verify_graduate(
        declared(), {"education_registry": EDUCATION, "company_registry": {"found": False}}
    )
    assert statuses(unknown)["employer_standing"] == "not_found"
    assert unknown.facts is not None and unknown.facts["employer"]["good_standing"] is False


def test_good_standing_needs_operation_and_no_open_listing() -> None:
    assert good_standing(COMPANY)
    assert not good_standing({**COMPANY, "status": "revoked"})
    assert not good_standing(
        {**COMPANY, "abnormal_operations": [{"listed_on": "2025-01-01", "removed_on": None}]}
    )
    assert good_standing(
        {**COMPANY, "abnormal_operations": [{"listed_on": "2024-01-01", "removed_on": "2024-05-01"}]}
    )


def test_a_registry_that_has_not_answered_leaves_its_items_pending_and_no_facts() -> None:
    out = verify_graduate(declared(), {"education_registry": EDUCATION})
    assert out.waiting == ["company_registry"] and out.facts is None
    assert statuses(out)["employer_registration"] == "pending_department"
    assert statuses(out)["education"] == "confirmed"


# ---- the settlement check ------------------------------------------------------------------------

CODE = "91110108MA01ABCD2X"
REQUEST = SettlementRequest(
    year=2026,
    university="清华大学",
    education="master",
    diploma_number="100031202631234567",
    degree_number="1000332026123456",
    training_mode="non_directed",
    employer_credit_code=CODE,
    reported_for_duty_on=date(2026, 8, 3),
)


def insurance(first: str = "2026-08", last: str = "2027-03", unit: str | None = CODE) -> dict[str, Any]:
    return {
        "found": True,
        "records": [{"insurance": "pension", "from": first, "to": last, "back_paid": False, "unit": unit}],
    }


def settle(req: SettlementRequest = REQUEST, **registries: Any) -> Any:
    values = {"education_registry": EDUCATION, "social_insurance": insurance(), **registries}
    return check_settlement(req, values, today=date(2027, 3, 15), min_insurance_months=3)


def test_a_settlement_check_passes_when_every_item_is_confirmed() -> None:
    out = settle()
    assert out.passed is True, [c.note for c in out.checks if c.status != "confirmed"]
    assert [c.item for c in out.checks] == [
        "education",
        "university",
        "diploma",
        "degree",
        "training_mode",
        "reporting_for_duty",
        "social_insurance",
    ]


def test_a_wrong_degree_number_or_directed_training_fails_the_check() -> None:
    from dataclasses import replace

    out = settle(replace(REQUEST, degree_number="999"))
    assert out.passed is False and statuses(out)["degree"] == "corrected"
    directed = {"found": True, "records": [{**RECORD, "training_mode": "directed"}]}
    out = settle(replace(REQUEST, training_mode="directed"), education_registry=directed)
    assert out.passed is False and statuses(out)["training_mode"] == "corrected"


def test_no_insurance_paid_by_the_employer_fails_the_check() -> None:
    out = settle(social_insurance=insurance(unit="91110000OTHER0000X"))
    assert out.passed is False
    assert statuses(out)["social_insurance"] == "not_found"
    assert statuses(out)["reporting_for_duty"] == "not_found"
    out = settle(social_insurance={"found": False, "records": []})
    assert out.passed is False


def test_too_few_months_fail_and_a_pending_registry_leaves_passed_open() -> None:
    out = settle(social_insurance=insurance("2026-08", "2026-09"))
    assert out.passed is False and statuses(out)["social_insurance"] == "not_found"
    pending = check_settlement(REQUEST, {"education_registry": EDUCATION}, today=date(2027, 3, 15))
    assert pending.passed is None and pending.waiting == ["social_insurance"]


def test_employer_months_count_distinct_pension_months_since_reporting() -> None:
    data = {
        "records": [
            {"insurance": "pension", "from": "2026-06", "to": "2026-09", "unit": CODE},
            {"insurance": "pension", "from": "2026-09", "to": "2026-10", "unit": CODE},
            {"insurance": "medical", "from": "2026-11", "to": "2026-12", "unit": CODE},
            {"insurance": "pension", "from": "2026-12", "to": "2027-01", "unit": None},
        ]
    }
    assert employer_months(data, CODE, "2026-08", "2026-12") == ["2026-08", "2026-09", "2026-10", "2026-12"]
    assert settlement_valid_until(2025) == date(2026, 12, 31)
