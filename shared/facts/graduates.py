"""The graduate facts contract (``../shared/contracts/graduate-facts.schema.json``) as one pydantic model:
one employer's declaration of one fresh non-Beijing graduate, as the eligibility rules need it.

Used by the scoring service's eligibility endpoint and CLI (invalid input → 422 naming each field, or an
error line), and carried by the graduate events. Strict like the schema (JSON booleans, integers, enums,
no unknown field), plus what ``graduates.md`` calls invalid input rather than an ineligible graduate: an
impossible date (``2026-02-30``), a date before 1900-01-01, a founder share above 100.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Annotated, Any, Literal

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, StrictBool, StrictInt, StrictStr
from pydantic_core import PydanticCustomError

EARLIEST = date(1900, 1, 1)


def _real_date(value: str) -> str:
    try:
        day = date.fromisoformat(value)
    except ValueError:
        raise PydanticCustomError("date.invalid", "not a valid calendar date (YYYY-MM-DD)") from None
    if day < EARLIEST:
        raise PydanticCustomError("date.too_early", "a date before 1900-01-01 is not accepted")
    return value


def _share(value: str) -> str:
    if Decimal(value) > 100:
        raise PydanticCustomError("share.above_100", "a share cannot be above 100 percent")
    return value


IsoDate = Annotated[
    StrictStr,
    Field(pattern=r"^\d{4}-\d{2}-\d{2}$", json_schema_extra={"format": "date"}, examples=["2026-06-10"]),
    AfterValidator(_real_date),
]
Share = Annotated[
    StrictStr, Field(pattern=r"^\d{1,3}(\.\d{1,4})?$", examples=["12.5"]), AfterValidator(_share)
]
SpecialPlan = Literal[
    "civil_service",
    "village_official",
    "selected_graduate",
    "retired_soldier",
    "rural_special_post_teacher",
    "city_specific_policy",
]
Education = Literal["doctor", "master", "bachelor", "junior_college"]
EmployerSystem = Literal["education", "health", "culture", "sports", "other"]
EmployerKind = Literal[
    "municipal_arts_troupe",
    "municipal_sports_team",
    "primary_secondary_school",
    "public_health_unit",
    "other",
]
Post = Literal[
    "teacher",
    "medical",
    "pharmacy",
    "nursing",
    "medical_technician",
    "writer",
    "director",
    "actor",
    "stage_technician",
    "athlete",
    "coach",
    "engineer",
    "other",
]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class School(_Strict):
    in_beijing: StrictBool
    full_time_regular: StrictBool = Field(description="全日制普通高等学校.")
    double_first_class: StrictBool = Field(
        description="On the list of 一流大学建设高校 or 一流学科建设高校; counts for a school outside Beijing."
    )
    kind: Literal["regular", "independent_arts", "national_sports", "provincial_normal", "provincial_medical"]


class Founder(_Strict):
    initiator_or_main_founder: StrictBool
    share_percent_at_founding: Share
    shares_by_transfer_or_later_investment: StrictBool
    supported_sector: StrictBool
    outstanding_results: StrictBool


class Family(_Strict):
    parents_beijing_frontier_support: StrictBool = False
    parents_beijing_educated_youth: StrictBool = False
    close_relative_in_beijing_needs_care: StrictBool = False
    both_parents_moved_to_beijing_with_hukou_during_study: StrictBool = False


class Graduate(_Strict):
    birth_date: IsoDate
    beijing_hukou: StrictBool
    education: Education
    graduated_on: IsoDate
    on_time: StrictBool
    diploma: StrictBool = Field(
        description="Diploma (学历证书) of that education obtained, or expected at graduation (checked again "
        "before settlement)."
    )
    degree: StrictBool = Field(
        description="Degree (学位证书) of that education obtained, or expected at graduation (checked again "
        "before settlement)."
    )
    enrolment: Literal["national_plan", "other"]
    training_mode: Literal["non_directed", "directed", "commissioned"]
    labour_relation_during_study: Literal["none", "own_startup", "employment"]
    school: School
    major_matches_post: StrictBool
    outstanding_doctor: StrictBool = False
    founder: Founder | None = None
    family: Family | None = None


class Employer(_Strict):
    registered_on: IsoDate
    good_standing: StrictBool = Field(description="Operates normally, good credit, no violations (第十条).")
    system: EmployerSystem
    suburban: StrictBool
    kind: EmployerKind
    post: Post
    high_end_industry: StrictBool = False
    innovation_team: StrictBool = False
    municipal_university: StrictBool = False
    municipal_health_institution: StrictBool = False


GRADUATE_FACTS_EXAMPLE: dict[str, Any] = {
    "case_id": "example-01",
    "introduction_year": 2026,
    "declared_on": "2026-06-10",
    "graduate": {
        "birth_date": "1999-01-01",
        "beijing_hukou": False,
        "education": "master",
        "graduated_on": "2026-07-16",
        "on_time": True,
        "diploma": True,
        "degree": True,
        "enrolment": "national_plan",
        "training_mode": "non_directed",
        "labour_relation_during_study": "none",
        "school": {
            "in_beijing": False,
            "full_time_regular": True,
            "double_first_class": True,
            "kind": "regular",
        },
        "major_matches_post": True,
    },
    "employer": {
        "registered_on": "2020-03-01",
        "good_standing": True,
        "system": "other",
        "suburban": False,
        "kind": "other",
        "post": "engineer",
    },
}


class GraduateFacts(_Strict):
    """One employer's declaration of one graduate (``contracts/graduate-facts.schema.json``)."""

    model_config = ConfigDict(
        extra="forbid", frozen=True, json_schema_extra={"examples": [GRADUATE_FACTS_EXAMPLE]}
    )

    case_id: StrictStr | None = Field(default=None, max_length=200, description="Echoed back.")
    introduction_year: StrictInt = Field(
        ge=2018, le=2100, description="Y: the year of introduction (当年引进)."
    )
    declared_on: IsoDate = Field(
        description="The day the employer submits the declaration to its supervising unit."
    )
    special_plan: SpecialPlan | None = Field(default=None, description="计划单列 channel of 第九条, if any.")
    graduate: Graduate
    employer: Employer

    def as_document(self) -> dict[str, Any]:
        return self.model_dump(mode="json", exclude_unset=True)
