"""The values bureau staff enter (on-site corrections, recheck and appeal results), per topic or item,
as parts of the points facts (:mod:`shared.facts.points`), and their validation into stored JSON."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import BaseModel, Field, TypeAdapter, ValidationError

from shared.api.errors import Invalid, validation_details
from shared.facts.points import EducationRecord, Honour, HousingRecord, InnovationItem


class SpouseHome(HousingRecord):
    kind: Literal["spouse_owned"]


class OwnHome(HousingRecord):
    kind: Literal["owned", "spouse_owned"]


ONSITE_VALUE: dict[str, TypeAdapter[Any]] = {
    "spouse_relationship": TypeAdapter(list[SpouseHome]),
    "education": TypeAdapter(Annotated[list[EducationRecord], Field(max_length=20)]),
    "innovation": TypeAdapter(Annotated[list[InnovationItem], Field(max_length=50)]),
    "honours": TypeAdapter(Annotated[list[Honour], Field(max_length=20)]),
    "female_job_category": TypeAdapter(Literal["worker", "cadre"]),
}
REVIEW_VALUE: dict[str, TypeAdapter[Any]] = {
    "housing": TypeAdapter(Annotated[list[OwnHome], Field(max_length=100)]),
    "innovation": ONSITE_VALUE["innovation"],
    "honours": ONSITE_VALUE["honours"],
}


def has_nul(value: Any) -> bool:
    if isinstance(value, str):
        return "\x00" in value
    if isinstance(value, dict):
        return any(has_nul(k) or has_nul(v) for k, v in value.items())
    if isinstance(value, list):
        return any(has_nul(v) for v in value)
    return False


def missing_value(message: str, when: str) -> Invalid:
    """The 422 of a decision that needs a ``value`` and came without one."""
    return Invalid(
        "validation_failed",
        message,
        [{"field": "value", "code": "missing", "message": f"required for {when}"}],
    )


def validated(adapter: TypeAdapter[Any], value: Any) -> Any:
    """The value as stored: validated by ``adapter`` and dumped as points-facts JSON (422 otherwise)."""
    if has_nul(value):  # PostgreSQL text and JSONB cannot hold NUL characters
        raise Invalid(
            "validation_failed",
            "`value` contains a NUL character.",
            [{"field": "value", "code": "string_pattern_mismatch", "message": "NUL character"}],
        )
    try:
        parsed = adapter.validate_python(value)
    except ValidationError as e:
        errors = [{**err, "loc": ("value", *err.get("loc", ()))} for err in e.errors(include_input=False)]
        details = validation_details(errors)
        raise Invalid("validation_failed", f"`value` has {len(details)} invalid field(s).", details) from e
    if isinstance(parsed, list):
        return [p.model_dump(mode="json") if isinstance(p, BaseModel) else p for p in parsed]
    return parsed
