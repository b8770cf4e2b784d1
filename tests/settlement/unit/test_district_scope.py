"""The district rule of 落户办理 (pure parts): a district clerk acts on their own district's qualifications
only, fails closed without a district, and the materials example names a district."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

import pytest

from services.settlement.adapters.records import QualificationRecord
from services.settlement.handlers import DistrictScope, may_read, require_own_district
from services.settlement.schemas import MATERIALS_EXAMPLE, MaterialsIn
from shared.api.errors import Forbidden


def qual(district: str | None) -> QualificationRecord:
    at = datetime(2022, 7, 19, tzinfo=UTC)
    return {
        "application_id": "PTS-1",
        "round_id": "pts-2022",
        "program": "points",
        "status": "materials_submitted",
        "outcome_reason": None,
        "publicity_closed_at": at,
        "publicity_closed_on": date(2022, 7, 18),
        "valid_until": None,
        "valid_until_at": None,
        "validity_rule": None,
        "calendar_version": None,
        "materials": None,
        "settlement_district": district,
        "materials_submitted_at": None,
        "materials_submitted_by": None,
        "district_checked_at": None,
        "district_checked_by": None,
        "district_note": None,
        "approved_at": None,
        "approved_by": None,
        "ended_on": None,
        "end_reason_code": None,
        "end_note": None,
        "created_at": at,
        "updated_at": at,
    }


def refusal(fn: Any, *args: Any) -> Forbidden:
    with pytest.raises(Forbidden) as e:
        fn(*args)
    assert e.value.status == 403
    return e.value


def test_a_clerk_of_the_settlement_district_may_act() -> None:
    require_own_district(DistrictScope("110108"), qual("110108"))
    may_read(DistrictScope("110108"), qual("110108"))


def test_a_clerk_of_another_district_is_refused_with_both_districts_named() -> None:
    e = refusal(require_own_district, DistrictScope("110105"), qual("110108"))
    assert e.code == "other_district"
    assert e.message == "This qualification settles in 海淀区 (110108); your account is for 朝阳区 (110105)."
    assert refusal(may_read, DistrictScope("110105"), qual("110108")).code == "other_district"


@pytest.mark.parametrize("claim", [None, ""])
def test_a_clerk_without_a_district_is_refused_everything(claim: str | None) -> None:
    for q in (qual("110108"), qual(None)):
        e = refusal(require_own_district, DistrictScope(claim), q)
        assert e.code == "no_district"
        assert e.message == "Your account has no district; an operations administrator must set one."
        assert refusal(may_read, DistrictScope(claim), q).code == "no_district"


def test_materials_without_a_district_are_nobodys_to_check_but_anyones_to_look_up() -> None:
    assert refusal(require_own_district, DistrictScope("110108"), qual(None)).code == "no_settlement_district"
    may_read(DistrictScope("110108"), qual(None))
    may_read(None, qual("110105"))  # bureau staff, operations administrators: no scope


def test_the_materials_example_is_valid_and_names_a_district() -> None:
    assert MaterialsIn.model_validate(MATERIALS_EXAMPLE).settlement_district == "110108"
    schema = MaterialsIn.model_json_schema()
    assert "settlement_district" in schema["required"]
    prop = schema["properties"]["settlement_district"]
    assert len(prop["enum"]) == 16 and "落户区" in prop["description"]
