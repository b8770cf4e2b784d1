"""The verified facts of one applicant for one round (what the rules read).

Mirrors ``contracts/points-facts.schema.json`` after validation: months are month
indices (see :mod:`.months`), dates are :class:`datetime.date`, money is
:class:`~decimal.Decimal` yuan. Records are immutable named tuples (cheap to build in
bulk); the applicant-level objects are frozen dataclasses.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Literal, NamedTuple, TypeAlias

from .months import Month

InsuranceType: TypeAlias = Literal["pension", "medical", "unemployment", "injury", "maternity"]
HousingKind: TypeAlias = Literal["owned", "spouse_owned", "rented", "unit_dormitory"]
EducationLevel: TypeAlias = Literal["junior_college", "bachelor", "master", "doctor"]
Sex: TypeAlias = Literal["male", "female"]
FemaleJobCategory: TypeAlias = Literal["worker", "cadre"]
HonourTitle: TypeAlias = Literal[
    "national_model_worker",
    "bj_model_worker",
    "model_worker_equivalent",
    "national_moral_model",
    "capital_moral_model",
    "national_heroic_model",
    "capital_heroic_citizen",
]

INSURANCE_TYPES: tuple[InsuranceType, ...] = ("pension", "medical", "unemployment", "injury", "maternity")
"""The five insurance types, in the order used for ties and explanations."""


class InsuranceRecord(NamedTuple):
    """Contributions of one insurance type over months ``first`` … ``last`` (inclusive)."""

    insurance: InsuranceType
    first: Month
    last: Month
    back_paid: bool
    district: str
    """District code of the paying unit's social-insurance account, or ``city``."""


class HousingRecord(NamedTuple):
    """Living in one dwelling over months ``first`` … ``last`` (inclusive)."""

    kind: HousingKind
    first: Month
    last: Month
    district: str
    residential: bool
    certified: bool
    lease_registered: bool = False


class EducationRecord(NamedTuple):
    """One education record (学历 and/or 学位 of one level)."""

    level: EducationLevel
    diploma: bool
    degree: bool
    graduated_on: date
    recognized: bool


class AwardItem(NamedTuple):
    """An award of the innovation table, by its code."""

    code: str
    year: int
    rank: int | None = None
    prior_year_income_tax: Decimal | None = None


class EquityItem(NamedTuple):
    """A shareholding in a certified high-tech or tech SME company."""

    share_percent: Decimal
    company_certified: bool
    financing_3y: Decimal
    held_full_year: bool


class TenureItem(NamedTuple):
    """Employment in a high-tech company over months ``first`` … ``last`` (2018 rules)."""

    first: Month
    last: Month


InnovationItem: TypeAlias = AwardItem | EquityItem | TenureItem


class IncomeTaxRecord(NamedTuple):
    """Individual income tax paid in Beijing in a calendar year (records of a year add up)."""

    year: int
    amount: Decimal


class TaxPenalty(NamedTuple):
    """A tax administrative penalty."""

    on: date
    fine: Decimal


class Honour(NamedTuple):
    """An honour title, with its award date when known."""

    title: HonourTitle
    awarded_on: date | None = None


class Detention(NamedTuple):
    """An administrative detention by Beijing police."""

    on: date


@dataclass(frozen=True, slots=True)
class Person:
    birth_date: date
    sex: Sex
    female_job_category: FemaleJobCategory | None = None
    """Only meaningful for women; ``None`` means worker."""


@dataclass(frozen=True, slots=True)
class PointsFacts:
    """Everything the rules read about one applicant for round ``application_year``."""

    application_year: int
    person: Person
    residence_permit_issued_on: date | None
    criminal_record: bool
    social_insurance: tuple[InsuranceRecord, ...] = ()
    housing: tuple[HousingRecord, ...] = ()
    education: tuple[EducationRecord, ...] = ()
    innovation: tuple[InnovationItem, ...] = ()
    income_tax: tuple[IncomeTaxRecord, ...] = ()
    tax_penalties: tuple[TaxPenalty, ...] = ()
    honours: tuple[Honour, ...] = ()
    detentions: tuple[Detention, ...] = ()
    application_id: str | None = None
    policy_version: str | None = None
    """Requested policy version; ``None`` means the one that covers the round."""
