from __future__ import annotations

from decimal import Decimal
from typing import Annotated, Literal

from pydantic import Field, StringConstraints

ApplicationId = Annotated[str, StringConstraints(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9_.:-]+$")]
RoundId = Annotated[str, StringConstraints(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9_.:-]+$")]
Program = Literal["points", "graduates"]
Points = Annotated[Decimal, Field(max_digits=7, decimal_places=2)]
YearMonth = Annotated[str, StringConstraints(pattern=r"^(19|20|21)[0-9]{2}-(0[1-9]|1[0-2])$")]
INDICATORS = (
    "employment",
    "housing",
    "education",
    "education_deduction",
    "job_residence",
    "innovation",
    "tax",
    "tax_violation",
    "age",
    "honours",
    "law_abiding",
)
IndicatorCode = Literal[
    "employment",
    "housing",
    "education",
    "education_deduction",
    "job_residence",
    "innovation",
    "tax",
    "tax_violation",
    "age",
    "honours",
    "law_abiding",
]
