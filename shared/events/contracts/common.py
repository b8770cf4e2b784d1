from __future__ import annotations

from decimal import Decimal
from typing import Annotated, Literal

from pydantic import Field, StringConstraints

from shared.policy.indicators import INDICATOR_CODES, IndicatorCode

ApplicationId = Annotated[str, StringConstraints(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9_.:-]+$")]
RoundId = Annotated[str, StringConstraints(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9_.:-]+$")]
Program = Literal["points", "graduates"]
Points = Annotated[Decimal, Field(max_digits=7, decimal_places=2)]
YearMonth = Annotated[str, StringConstraints(pattern=r"^(19|20|21)[0-9]{2}-(0[1-9]|1[0-2])$")]
#: The eleven indicators (owned by ``shared.policy.indicators``; re-exported for event contracts).
INDICATORS = INDICATOR_CODES

#: A graduate declaration's id (the Kafka key of every graduate event).
DeclarationId = ApplicationId
#: A supervising unit (主管单位) by its id at intake.
UnitId = Annotated[str, StringConstraints(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9_.:-]+$")]
QuotaTreatment = Literal["counted", "not_counted", "separate_plan", "direct"]
GraduateEducation = Literal["doctor", "master", "bachelor", "junior_college"]

__all__ = [
    "INDICATORS",
    "ApplicationId",
    "DeclarationId",
    "GraduateEducation",
    "IndicatorCode",
    "Points",
    "Program",
    "QuotaTreatment",
    "RoundId",
    "UnitId",
    "YearMonth",
]
