"""The points facts contract (``../shared/contracts/points-facts.schema.json``) as one pydantic model.

The model of a points declaration everywhere: intake validates what applicants declare with it,
``application.submitted`` (v2) and ``verification.completed`` (v2) carry it, review validates the values
staff enter with it; scoring keeps its own fast validator (``services/scoring/contract.py``) and a
differential test holds the two to the same verdicts. ``tests/contracts/test_points_facts_model.py``
checks the model against the JSON Schema.

Strict like the schema: booleans must be JSON booleans, integers JSON integers (``true`` and ``"2020"`` are
refused), dates real calendar dates in ``YYYY-MM-DD``, months ``YYYY-MM``, money a decimal string, enums
one of their values, and no unknown field anywhere. Values stay JSON strings (dates, months, money), so a
validated document dumps back to exactly what came in (:meth:`PointsFacts.as_document`). Each violation is
one pydantic error naming the field (``social_insurance[3].to``) with a code and a message.
"""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any, Literal

from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    StrictBool,
    StrictInt,
    StrictStr,
    StringConstraints,
    model_validator,
)
from pydantic_core import PydanticCustomError

from shared.policy import FactDistrict, PointsPolicyVersion

MONTH_PATTERN = r"^(19|20|21)[0-9]{2}-(0[1-9]|1[0-2])$"
MONEY_PATTERN = r"^[0-9]{1,12}(\.[0-9]{1,2})?$"
#: Free text: no control characters other than tab and line breaks (PostgreSQL refuses NUL in text).
TEXT_PATTERN = r"^[^\x00-\x08\x0b\x0c\x0e-\x1f\x7f]*$"


def _real_date(value: str) -> str:
    try:
        date.fromisoformat(value)
    except ValueError:
        raise PydanticCustomError("date.invalid", "not a valid calendar date (YYYY-MM-DD)") from None
    return value


Month = Annotated[StrictStr, StringConstraints(pattern=MONTH_PATTERN), Field(examples=["2021-12"])]
IsoDate = Annotated[
    StrictStr,
    StringConstraints(pattern=r"^[0-9]{4}-[0-9]{2}-[0-9]{2}$"),
    AfterValidator(_real_date),
    Field(json_schema_extra={"format": "date"}, examples=["2021-06-30"]),
]
Money = Annotated[StrictStr, StringConstraints(pattern=MONEY_PATTERN), Field(examples=["12000.50"])]
District = FactDistrict


def _absent(value: object) -> bool:
    return value is None


class Strict(BaseModel):
    # Optional fields the schema does not allow as null are left out when absent, and ``from`` keeps
    # its name, in every dump: the JSON of the model is always a valid points-facts document.
    model_config = ConfigDict(extra="forbid", populate_by_name=True, serialize_by_alias=True)


class _MonthRange(Strict):
    @model_validator(mode="after")
    def _ordered(self) -> Any:
        me: Any = self
        start, end = me.from_, me.to
        if start > end:
            raise PydanticCustomError("month_range", "'from' is after 'to'")
        return self


class Person(Strict):
    birth_date: IsoDate
    sex: Literal["male", "female"]
    female_job_category: Literal["worker", "cadre"] | None = Field(
        default=None,
        exclude_if=_absent,
        description="Only for women; decides the retirement age (50 or 55). Default worker.",
    )


class InsuranceRecord(_MonthRange):
    insurance: Literal["pension", "medical", "unemployment", "injury", "maternity"]
    from_: Month = Field(alias="from")
    to: Month
    back_paid: StrictBool = Field(description="补缴: paid later for these months.")
    district: District = Field(
        description="District of the paying unit's account; 'city' for the city office."
    )


class HousingRecord(_MonthRange):
    kind: Literal["owned", "spouse_owned", "rented", "unit_dormitory"]
    from_: Month = Field(alias="from")
    to: Month
    district: District
    residential: StrictBool = Field(description="Planned use is residential.")
    certified: StrictBool = Field(
        description="The dwelling has a property certificate (产权证 / 不动产权证书)."
    )
    lease_registered: StrictBool | None = Field(
        default=None,
        exclude_if=_absent,
        description="For rented homes: the lease is filed on the city platform. Default false.",
    )


class EducationRecord(Strict):
    level: Literal["junior_college", "bachelor", "master", "doctor"]
    diploma: StrictBool = Field(description="Holds the 学历 certificate of this level.")
    degree: StrictBool = Field(description="Holds the 学位 certificate of this level.")
    graduated_on: IsoDate
    recognized: StrictBool = Field(description="Recognised by the Ministry of Education.")


class AwardItem(Strict):
    type: Literal["award"]
    code: StrictStr = Field(
        max_length=64, pattern=TEXT_PATTERN, description="A code of the innovation table (policy/points.md)."
    )
    year: StrictInt = Field(ge=1950, le=2100)
    rank: StrictInt | None = Field(
        default=None, exclude_if=_absent, ge=1, description="Contributor position, where graded."
    )
    prior_year_income_tax: Money | None = Field(default=None, exclude_if=_absent)


class EquityItem(Strict):
    type: Literal["equity"]
    share_percent: Annotated[StrictStr, StringConstraints(pattern=r"^[0-9]{1,3}(\.[0-9]{1,4})?$")]
    company_certified: StrictBool
    financing_3y: Annotated[StrictStr, StringConstraints(pattern=r"^[0-9]{1,14}(\.[0-9]{1,2})?$")]
    held_full_year: StrictBool


class TenureItem(_MonthRange):
    type: Literal["high_tech_tenure"]
    from_: Month = Field(alias="from")
    to: Month


InnovationItem = Annotated[AwardItem | EquityItem | TenureItem, Field(discriminator="type")]


class IncomeTaxRecord(Strict):
    year: StrictInt = Field(ge=1990, le=2100)
    amount: Money = Field(description="Individual income tax paid in Beijing that year (yuan).")


class TaxPenalty(Strict):
    date: IsoDate
    fine: Money


class Honour(Strict):
    title: Literal[
        "national_model_worker", "bj_model_worker", "model_worker_equivalent", "national_moral_model",
        "capital_moral_model", "national_heroic_model", "capital_heroic_citizen",
    ]  # fmt: skip
    awarded_on: IsoDate | None = Field(default=None, exclude_if=_absent)


class Detention(Strict):
    date: IsoDate


FACTS_EXAMPLE: dict[str, Any] = {
    "application_year": 2024,
    "person": {"birth_date": "1985-03-07", "sex": "male"},
    "residence_permit_issued_on": "2016-05-10",
    "criminal_record": False,
    "social_insurance": [
        {"insurance": t, "from": "2010-07", "to": "2023-12", "back_paid": False, "district": "110105"}
        for t in ("pension", "medical", "unemployment", "injury", "maternity")
    ],
    "housing": [
        {
            "kind": "owned",
            "from": "2018-01",
            "to": "2023-12",
            "district": "110108",
            "residential": True,
            "certified": True,
        }
    ],
    "education": [
        {
            "level": "bachelor",
            "diploma": True,
            "degree": True,
            "graduated_on": "2007-07-01",
            "recognized": True,
        }
    ],
    "innovation": [],
    "income_tax": [{"year": 2023, "amount": "18000.00"}],
    "tax_penalties": [],
    "honours": [],
    "detentions": [],
}


class PointsFacts(Strict):
    """The declared facts, in the shape of ``contracts/points-facts.schema.json``."""

    model_config = ConfigDict(
        extra="forbid",
        populate_by_name=True,
        serialize_by_alias=True,
        json_schema_extra={"examples": [FACTS_EXAMPLE]},
    )

    application_id: StrictStr | None = Field(
        default=None,
        exclude_if=_absent,
        max_length=64,
        pattern=TEXT_PATTERN,
        description="Optional; echoed in the result (intake sets it to the application's id).",
    )
    policy_version: PointsPolicyVersion | None = Field(
        default=None,
        exclude_if=_absent,
        description="Optional; must match the round's policy version when given.",
    )
    application_year: StrictInt = Field(ge=2018, le=2100, description="The round's year.")
    person: Person
    residence_permit_issued_on: IsoDate | None = Field(description="Beijing residence permit; null if none.")
    criminal_record: StrictBool
    social_insurance: list[InsuranceRecord] = Field(max_length=2000)
    housing: list[HousingRecord] = Field(max_length=500)
    education: list[EducationRecord] = Field(max_length=20)
    innovation: list[InnovationItem] = Field(max_length=50)
    income_tax: list[IncomeTaxRecord] = Field(max_length=50)
    tax_penalties: list[TaxPenalty] = Field(max_length=200)
    honours: list[Honour] = Field(max_length=20)
    detentions: list[Detention] = Field(max_length=200)

    def as_document(self) -> dict[str, Any]:
        """The facts as a points-facts JSON document (optional fields without a value stay absent)."""
        return self.model_dump(mode="json")
