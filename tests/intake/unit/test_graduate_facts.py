"""The graduate-facts document intake builds from a declaration (``shared.facts.graduates.GraduateFacts``):
the graduate part from what the employer declared, the employer part from its stored data plus the
declared post, system and kind."""

from __future__ import annotations

import copy
from datetime import date
from typing import Any

import pytest

from services.intake.handlers.graduate_common import build_facts
from services.intake.schemas.graduates import EMPLOYMENT_EXAMPLE, GRADUATE_EXAMPLE, GraduateIn
from shared.api.errors import Invalid


def _declaration(**graduate: Any) -> dict[str, Any]:
    g = GraduateIn.model_validate({**copy.deepcopy(GRADUATE_EXAMPLE), **graduate})
    return {
        "graduate": g.model_dump(mode="json", exclude={"name", "id_number", "account_username"}),
        "employment": dict(EMPLOYMENT_EXAMPLE),
        "special_plan": None,
    }


def _build(declaration: dict[str, Any], district: str | None = "110108") -> dict[str, Any]:
    return build_facts(
        declaration_id="GD2025-X",
        year=2025,
        declared_on=date(2025, 4, 1),
        birth_date=date(2000, 4, 2),
        declaration=declaration,
        employer_registered_on=date(2019, 2, 28),
        employer_district=district,
        good_standing=True,
    ).as_document()


def test_the_document_joins_the_declaration_and_the_employers_data() -> None:
    doc = _build(_declaration())
    assert (
        doc["case_id"] == "GD2025-X"
        and doc["introduction_year"] == 2025
        and doc["declared_on"] == "2025-04-01"
    )
    assert doc["graduate"]["birth_date"] == "2000-04-02"
    assert doc["graduate"]["school"] == {
        "in_beijing": False, "full_time_regular": True, "double_first_class": True, "kind": "regular"
    }  # fmt: skip
    assert doc["employer"]["registered_on"] == "2019-02-28" and doc["employer"]["suburban"] is False
    assert doc["employer"]["post"] == "engineer" and "special_plan" not in doc
    assert "founder" not in doc["graduate"] and "family" not in doc["graduate"]


def test_certificates_founder_family_special_plan_and_a_suburban_employer() -> None:
    declaration = _declaration(
        education="junior_college",
        degree={"status": "not_obtained"},
        labour_relation_during_study="own_startup",
        founder={
            "initiator_or_main_founder": True,
            "share_percent_at_founding": "12.5",
            "shares_by_transfer_or_later_investment": False,
            "supported_sector": True,
            "outstanding_results": True,
        },
        family={"both_parents_moved_to_beijing_with_hukou_during_study": True},
    )
    declaration["special_plan"] = "retired_soldier"
    doc = _build(declaration, district="110114")
    assert doc["graduate"]["diploma"] is True and doc["graduate"]["degree"] is False
    assert doc["graduate"]["founder"]["share_percent_at_founding"] == "12.5"
    assert doc["graduate"]["family"]["both_parents_moved_to_beijing_with_hukou_during_study"] is True
    assert doc["special_plan"] == "retired_soldier" and doc["employer"]["suburban"] is True


def test_an_invalid_document_is_a_422_naming_the_fields() -> None:
    declaration = _declaration()
    declaration["graduate"]["graduated_on"] = "2025-02-30"
    with pytest.raises(Invalid) as e:
        _build(declaration)
    assert [d["field"] for d in e.value.details] == ["facts.graduate.graduated_on"]
