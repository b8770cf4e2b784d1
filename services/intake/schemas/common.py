"""Building blocks of the intake request models: strict base, identifiers with their check characters,
usernames and passwords, and the identity of a declaration.

Identifiers are checked with their check characters (``shared.validation``); each violation is one 422
detail naming the field, with a code and a message in English and Chinese.
"""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any

from pydantic import AfterValidator, BeforeValidator, Field, StrictStr, StringConstraints
from pydantic_core import PydanticCustomError

from shared.facts.points import TEXT_PATTERN, IsoDate, Strict
from shared.validation import InvalidIdentifier, parse_credit_code, parse_mobile_number, parse_resident_id
from shared.validation.identifiers import synthetic_resident_id

__all__ = [
    "TEXT_PATTERN",
    "CreditCode",
    "IdNumber",
    "Identity",
    "IsoDate",
    "MobileNumber",
    "Password",
    "PersonName",
    "Strict",
    "Username",
]


def _id_number(value: str) -> str:
    try:
        return parse_resident_id(value).number
    except InvalidIdentifier as e:
        raise PydanticCustomError(e.code, f"{e.message} {e.message_zh}") from None


def _mobile(value: str) -> str:
    try:
        return parse_mobile_number(value)
    except InvalidIdentifier as e:
        raise PydanticCustomError(e.code, f"{e.message} {e.message_zh}") from None


def _credit_code(value: str) -> str:
    try:
        return parse_credit_code(value).code
    except InvalidIdentifier as e:
        raise PydanticCustomError(e.code, f"{e.message} {e.message_zh}") from None


PersonName = Annotated[
    StrictStr,
    StringConstraints(strip_whitespace=True, min_length=1, max_length=50, pattern=r"^[^\x00-\x1f<>]+$"),
    Field(examples=["张三"]),
]
IdNumber = Annotated[
    StrictStr,
    StringConstraints(max_length=32),
    AfterValidator(_id_number),
    Field(
        description="18-character resident ID number (GB 11643, check character verified). Stored "
        "encrypted; shown masked.",
        examples=[synthetic_resident_id(date(1949, 12, 31), 2, "110105")],
    ),
]
MobileNumber = Annotated[
    StrictStr, StringConstraints(max_length=20), AfterValidator(_mobile), Field(examples=["13800138000"])
]
CreditCode = Annotated[
    StrictStr,
    StringConstraints(max_length=32),
    AfterValidator(_credit_code),
    Field(
        description="Unified social credit code (GB 32100, check character verified).",
        examples=["91110000600037341L"],
    ),
]


def _normalise_username(value: Any) -> Any:
    return value.strip().lower() if isinstance(value, str) else value


Username = Annotated[
    StrictStr,
    StringConstraints(pattern=r"^[a-z0-9][a-z0-9_.@-]{2,63}$"),
    BeforeValidator(_normalise_username),
    Field(
        description="3–64 characters: letters, digits, `_ . @ -`; case-insensitive.", examples=["zhangsan"]
    ),
]


def _password_strength(value: str) -> str:
    if not any(c.isalpha() for c in value) or not any(c.isdigit() for c in value):
        raise PydanticCustomError("password.weak", "use letters and digits")
    return value


Password = Annotated[
    StrictStr,
    StringConstraints(min_length=10, max_length=128),
    AfterValidator(_password_strength),
    Field(description="10–128 characters with letters and digits.", examples=["correct-horse-42"]),
]


class Identity(Strict):
    """Who declares: checked against the declared facts (birth date and sex come from the ID number)."""

    name: PersonName
    id_number: IdNumber
    phone: MobileNumber
