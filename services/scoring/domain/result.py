"""The score of one applicant: qualification, indicator lines and total.

The eleven indicator codes and their order are the programme's (``shared.policy.indicators``).
"""

from __future__ import annotations

from decimal import Decimal
from typing import Literal, NamedTuple, TypeAlias

from shared.policy.indicators import INDICATOR_CODES, IndicatorCode

from .texts import Text, render

__all__ = [
    "CONDITION_CODES",
    "INDICATOR_CODES",
    "Checked",
    "ConditionCode",
    "ConditionResult",
    "IndicatorCode",
    "IndicatorLine",
    "PointsResult",
    "Scored",
]

ConditionCode: TypeAlias = Literal[
    "residence_permit", "retirement_age", "continuous_insurance", "criminal_record"
]
CONDITION_CODES: tuple[ConditionCode, ...] = (
    "residence_permit",
    "retirement_age",
    "continuous_insurance",
    "criminal_record",
)
"""The four qualification conditions, in result order."""

Checked: TypeAlias = tuple[bool, Text]
"""What a qualification rule returns: passed, and the reason."""

Scored: TypeAlias = tuple[Decimal, Text]
"""What an indicator rule returns: points (two decimals), and the explanation."""


class ConditionResult(NamedTuple):
    """One qualification condition; ``reason`` says why it passed or failed, citing the article."""

    code: ConditionCode
    passed: bool
    reason: str


class IndicatorLine(NamedTuple):
    """One indicator: points with exactly two decimals and a checkable explanation."""

    code: IndicatorCode
    points: Decimal
    explanation: str


class PointsResult(NamedTuple):
    """The score of one applicant under one policy version.

    Stored compactly (outcomes, points and unworded texts in contract order); the
    :attr:`qualification` and :attr:`indicators` views always hold the four conditions
    and the eleven indicators. ``total`` is the sum of the (rounded) indicator points.
    """

    application_id: str | None
    policy_version: str
    application_year: int
    qualified: bool
    passed: tuple[bool, ...]
    """Per condition, in ``CONDITION_CODES`` order."""
    reasons: tuple[Text, ...]
    points: tuple[Decimal, ...]
    """Per indicator, in ``INDICATOR_CODES`` order."""
    explanations: tuple[Text, ...]
    total: Decimal

    @property
    def qualification(self) -> tuple[ConditionResult, ...]:
        return tuple(
            ConditionResult(code, passed, render(reason))
            for code, passed, reason in zip(CONDITION_CODES, self.passed, self.reasons, strict=True)
        )

    @property
    def indicators(self) -> tuple[IndicatorLine, ...]:
        return tuple(
            IndicatorLine(code, points, render(text))
            for code, points, text in zip(INDICATOR_CODES, self.points, self.explanations, strict=True)
        )

    def condition(self, code: ConditionCode) -> ConditionResult:
        i = CONDITION_CODES.index(code)
        return ConditionResult(code, self.passed[i], render(self.reasons[i]))

    def indicator(self, code: IndicatorCode) -> IndicatorLine:
        i = INDICATOR_CODES.index(code)
        return IndicatorLine(code, self.points[i], render(self.explanations[i]))

    def points_by_code(self) -> dict[str, Decimal]:
        """Indicator code → points."""
        return dict(zip(INDICATOR_CODES, self.points, strict=True))
