"""Domain results as PointsResult documents (``contracts/points-result.schema.json``): points as
two-decimal strings, explanations worded (:func:`~.domain.texts.render`)."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import orjson

from .domain import PointsResult
from .domain.result import CONDITION_CODES, INDICATOR_CODES
from .domain.texts import render


def result_to_dict(result: PointsResult) -> dict[str, Any]:
    """A domain result as a PointsResult document (points as two-decimal strings)."""
    return {
        "application_id": result.application_id,
        "policy_version": result.policy_version,
        "application_year": result.application_year,
        "qualified": result.qualified,
        "qualification": [
            {"code": code, "passed": passed, "reason": render(reason)}
            for code, passed, reason in zip(CONDITION_CODES, result.passed, result.reasons, strict=True)
        ],
        "indicators": [
            {"code": code, "points": _points(points), "explanation": render(text)}
            for code, points, text in zip(INDICATOR_CODES, result.points, result.explanations, strict=True)
        ],
        "total": _points(result.total),
    }


def _points(value: Decimal) -> str:
    # Domain points always carry exactly two places (points.from_cents); format
    # defensively for results built by hand.
    text = str(value)
    if text[-3:-2] == "." and text != "-0.00":
        return text
    formatted = f"{value:.2f}"
    return "0.00" if formatted == "-0.00" else formatted


def result_to_json(result: PointsResult) -> bytes:
    """A domain result as compact PointsResult JSON (UTF-8)."""
    return orjson.dumps(result_to_dict(result))
