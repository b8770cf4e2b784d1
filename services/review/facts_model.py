"""``points-facts.schema.json`` as pydantic models: validates declarations arriving in
``application.submitted`` and the values bureau staff enter (on-site corrections, recheck and appeal
results). Values stay JSON strings (dates, months, money) so that a validated document dumps back to
exactly what came in.
"""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any, Literal

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, StrictBool, StrictInt, model_validator

Month = Annotated[str, Field(pattern=r"^(19|20|21)[0-9]{2}-(0[1-9]|1[0-2])$", examples=["2019-07"])]
District = Literal[
    "110101",
    "110102",
    "110105",
    "110106",
    "110107",
    "110108",
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
    "city",
]
Money12 = Annotated[str, Field(pattern=r"^[0-9]{1,12}(\.[0-9]{1,2})?$", examples=["35000.00"])]


def _real_date(value: str) -> str:
    date.fromisoformat(value)
    return value


IsoDate = Annotated[
    str, Field(pattern=r"^[0-9]{4}-[0-9]{2}-[0-9]{2}$", examples=["2016-04-01"]), AfterValidator(_real_date)
]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class _Period(_Strict):
    from_: Month = Field(alias="from")
    to: Month

    @model_validator(mode="after")
    def _ordered(self) -> _Period:
        if self.from_ > self.to:
            raise ValueError("'from' is after 'to'")
        return self


class PersonModel(_Strict):
    birth_date: IsoDate
    sex: Literal["male", "female"]
    female_job_category: Literal["worker", "cadre"] | None = None


class InsuranceModel(_Period):
    insurance: Literal["pension", "medical", "unemployment", "injury", "maternity"]
    back_paid: StrictBool
    district: District


class HousingModel(_Period):
    kind: Literal["owned", "spouse_owned", "rented", "unit_dormitory"]
    district: District
    residential: StrictBool
    certified: StrictBool
    lease_registered: StrictBool | None = None


class EducationModel(_Strict):
    level: Literal["junior_college", "bachelor", "master", "doctor"]
    diploma: StrictBool
    degree: StrictBool
    graduated_on: IsoDate
    recognized: StrictBool


class AwardModel(_Strict):
    type: Literal["award"]
    code: str = Field(max_length=64)
    year: StrictInt = Field(ge=1950, le=2100)
    rank: StrictInt | None = Field(default=None, ge=1)
    prior_year_income_tax: Money12 | None = None


class EquityModel(_Strict):
    type: Literal["equity"]
    share_percent: str = Field(pattern=r"^[0-9]{1,3}(\.[0-9]{1,4})?$")
    company_certified: StrictBool
    financing_3y: str = Field(pattern=r"^[0-9]{1,14}(\.[0-9]{1,2})?$")
    held_full_year: StrictBool


class TenureModel(_Period):
    type: Literal["high_tech_tenure"]


InnovationModel = Annotated[AwardModel | EquityModel | TenureModel, Field(discriminator="type")]


class IncomeTaxModel(_Strict):
    year: StrictInt = Field(ge=1990, le=2100)
    amount: Money12


class PenaltyModel(_Strict):
    date: IsoDate
    fine: Money12


class HonourModel(_Strict):
    title: Literal[
        "national_model_worker",
        "bj_model_worker",
        "model_worker_equivalent",
        "national_moral_model",
        "capital_moral_model",
        "national_heroic_model",
        "capital_heroic_citizen",
    ]
    awarded_on: IsoDate | None = None


class DetentionModel(_Strict):
    date: IsoDate


class PointsFactsModel(_Strict):
    """One applicant's facts for one round (``contracts/points-facts.schema.json``)."""

    application_id: str | None = Field(default=None, max_length=64)
    policy_version: Literal["bj-points-2018", "bj-points-2020"] | None = None
    application_year: StrictInt = Field(ge=2018, le=2100)
    person: PersonModel
    residence_permit_issued_on: IsoDate | None
    criminal_record: StrictBool
    social_insurance: list[InsuranceModel] = Field(max_length=2000)
    housing: list[HousingModel] = Field(max_length=500)
    education: list[EducationModel] = Field(max_length=20)
    innovation: list[InnovationModel] = Field(max_length=50)
    income_tax: list[IncomeTaxModel] = Field(max_length=50)
    tax_penalties: list[PenaltyModel] = Field(max_length=200)
    honours: list[HonourModel] = Field(max_length=20)
    detentions: list[DetentionModel] = Field(max_length=200)


def dump(model: BaseModel) -> Any:
    """JSON form with the schema's field names (``from``) and without unset optional fields."""
    return model.model_dump(mode="json", by_alias=True, exclude_none=True)
