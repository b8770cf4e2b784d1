"""The points contracts: PointsFacts JSON → domain facts, domain result → PointsResult JSON.

:func:`parse_facts` validates a decoded JSON document against
``contracts/points-facts.schema.json`` by hand (the schema is fixed; a hand-written
validator is an order of magnitude faster than a generic one) and builds the domain
facts in the same pass. On invalid input it raises :class:`FactsValidationError` naming
*every* offending field (``social_insurance[3].to``); it raises nothing else, whatever
JSON value it is given. Beyond the schema it rejects month ranges whose ``from`` is after
``to`` (``month_range``) and a ``policy_version`` that does not cover the round
(``policy_version_mismatch``).

Schema semantics followed exactly: ``additionalProperties: false``; booleans must be JSON
booleans; integers are JSON numbers without a fractional part (``2020`` or ``2020.0``,
never ``true``); patterns match the whole string (``"2020-01\\n"`` is not a month);
``format: date`` is ``YYYY-MM-DD`` and a real calendar date; ``maxLength`` counts code
points.
"""

from __future__ import annotations

import re
from datetime import date
from decimal import Decimal
from typing import Any, Final

import orjson

from .domain import (
    AwardItem,
    Detention,
    EducationRecord,
    EquityItem,
    Honour,
    HousingRecord,
    IncomeTaxRecord,
    InnovationItem,
    InsuranceRecord,
    Person,
    PointsFacts,
    PointsResult,
    TaxPenalty,
    TenureItem,
    policy_by_code,
    policy_for_round,
)
from .domain.errors import DomainError
from .domain.facts import (
    EducationLevel,
    FemaleJobCategory,
    HonourTitle,
    HousingKind,
    InsuranceType,
    Sex,
)
from .domain.result import CONDITION_CODES, INDICATOR_CODES
from .domain.texts import render

Detail = dict[str, str]

__all__ = [
    "FactsValidationError",
    "decode_facts",
    "parse_facts",
    "result_to_dict",
    "result_to_json",
    "score_document",
]


class FactsValidationError(ValueError):
    """PointsFacts input that does not satisfy the contract.

    ``details`` holds one ``{"field", "code", "message"}`` per offending field, in a stable
    order; ``code`` is ``invalid_json`` for undecodable text and ``invalid_facts`` otherwise.
    """

    def __init__(self, details: list[Detail], code: str = "invalid_facts") -> None:
        self.details = details
        self.code = code
        shown = "; ".join(f"{d['field']}: {d['message']}" for d in details[:5])
        more = f" (and {len(details) - 5} more)" if len(details) > 5 else ""
        noun = "field" if len(details) == 1 else "fields"
        self.message = f"{len(details)} invalid {noun}: {shown}{more}"
        super().__init__(self.message)

    def to_dict(self) -> dict[str, Any]:
        """The API error body: ``{"error": {"code", "message", "details"}}``."""
        return {"error": {"code": self.code, "message": self.message, "details": self.details}}


# --------------------------------------------------------------------------- vocabularies

_INSURANCE: Final[dict[str, InsuranceType]] = {
    "pension": "pension",
    "medical": "medical",
    "unemployment": "unemployment",
    "injury": "injury",
    "maternity": "maternity",
}
_HOUSING_KIND: Final[dict[str, HousingKind]] = {
    "owned": "owned",
    "spouse_owned": "spouse_owned",
    "rented": "rented",
    "unit_dormitory": "unit_dormitory",
}
_LEVEL: Final[dict[str, EducationLevel]] = {
    "junior_college": "junior_college",
    "bachelor": "bachelor",
    "master": "master",
    "doctor": "doctor",
}
_SEX: Final[dict[str, Sex]] = {"male": "male", "female": "female"}
_FEMALE_JOB: Final[dict[str, FemaleJobCategory]] = {"worker": "worker", "cadre": "cadre"}
_HONOUR: Final[dict[str, HonourTitle]] = {
    "national_model_worker": "national_model_worker",
    "bj_model_worker": "bj_model_worker",
    "model_worker_equivalent": "model_worker_equivalent",
    "national_moral_model": "national_moral_model",
    "capital_moral_model": "capital_moral_model",
    "national_heroic_model": "national_heroic_model",
    "capital_heroic_citizen": "capital_heroic_citizen",
}
_DISTRICTS: Final[frozenset[str]] = frozenset(
    {
        "110101", "110102", "110105", "110106", "110107", "110108", "110109", "110111", "110112",
        "110113", "110114", "110115", "110116", "110117", "110118", "110119", "BDA", "city",
    }
)  # fmt: skip
_POLICY_VERSIONS: Final[frozenset[str]] = frozenset({"bj-points-2018", "bj-points-2020"})

# Every string matching the month pattern ^(19|20|21)[0-9]{2}-(0[1-9]|1[0-2])$ → month index.
_MONTHS: Final[dict[str, int]] = {
    f"{y:04d}-{m:02d}": y * 12 + m - 1 for y in range(1900, 2200) for m in range(1, 13)
}
_DATE_RE: Final = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")
_MONEY_RE: Final = re.compile(r"[0-9]{1,12}(?:\.[0-9]{1,2})?")
_SHARE_RE: Final = re.compile(r"[0-9]{1,3}(?:\.[0-9]{1,4})?")
_FINANCING_RE: Final = re.compile(r"[0-9]{1,14}(?:\.[0-9]{1,2})?")
_DATE_CACHE: dict[str, date] = {}
_DATE_CACHE_LIMIT: Final = 200_000

_TOP_REQUIRED: Final = (
    "application_year",
    "person",
    "residence_permit_issued_on",
    "criminal_record",
    "social_insurance",
    "housing",
    "education",
    "innovation",
    "income_tax",
    "tax_penalties",
    "honours",
    "detentions",
)
_TOP_ALLOWED: Final = frozenset({*_TOP_REQUIRED, "application_id", "policy_version"})
_PERSON_ALLOWED: Final = frozenset({"birth_date", "sex", "female_job_category"})
_SI_REQUIRED: Final = ("insurance", "from", "to", "back_paid", "district")
_SI_ALLOWED: Final = frozenset(_SI_REQUIRED)
_HOUSING_REQUIRED: Final = ("kind", "from", "to", "district", "residential", "certified")
_HOUSING_ALLOWED: Final = frozenset({*_HOUSING_REQUIRED, "lease_registered"})
_EDU_REQUIRED: Final = ("level", "diploma", "degree", "graduated_on", "recognized")
_EDU_ALLOWED: Final = frozenset(_EDU_REQUIRED)
_AWARD_REQUIRED: Final = ("type", "code", "year")
_AWARD_ALLOWED: Final = frozenset({*_AWARD_REQUIRED, "rank", "prior_year_income_tax"})
_EQUITY_REQUIRED: Final = ("type", "share_percent", "company_certified", "financing_3y", "held_full_year")
_EQUITY_ALLOWED: Final = frozenset(_EQUITY_REQUIRED)
_TENURE_REQUIRED: Final = ("type", "from", "to")
_TENURE_ALLOWED: Final = frozenset(_TENURE_REQUIRED)
_TAX_REQUIRED: Final = ("year", "amount")
_TAX_ALLOWED: Final = frozenset(_TAX_REQUIRED)
_PENALTY_REQUIRED: Final = ("date", "fine")
_PENALTY_ALLOWED: Final = frozenset(_PENALTY_REQUIRED)
_HONOUR_ALLOWED: Final = frozenset({"title", "awarded_on"})
_DETENTION_ALLOWED: Final = frozenset({"date"})

_MISSING: Final = object()


# --------------------------------------------------------------------------- value checks
#
# Each check returns the parsed value, or None after appending a detail. `where` is a
# zero-argument callable building the field path, so paths cost nothing on valid input.


class _Errors:
    __slots__ = ("items",)

    def __init__(self) -> None:
        self.items: list[Detail] = []

    def add(self, field: str, code: str, message: str) -> None:
        self.items.append({"field": field, "code": code, "message": message})


def _show(value: str) -> str:
    """A string value for an error message, shortened."""
    return repr(value) if len(value) <= 80 else repr(value[:77]) + "…"


def _type_name(value: object) -> str:
    if value is None:
        return "null"
    if value is True or value is False:
        return "boolean"
    if isinstance(value, int | float):
        return "number"
    if isinstance(value, str):
        return "string"
    if isinstance(value, list):
        return "array"
    if isinstance(value, dict):
        return "object"
    return type(value).__name__


def _as_int(value: object) -> int | None:
    """A JSON integer (also ``2020.0``), never a boolean."""
    t = type(value)
    if t is int:
        return value  # type: ignore[return-value]
    if t is float and value.is_integer():  # type: ignore[attr-defined]
        return int(value)  # type: ignore[call-overload, no-any-return]
    return None


def _parse_date(value: object) -> date | None:
    if type(value) is not str:
        return None
    cached = _DATE_CACHE.get(value)
    if cached is not None:
        return cached
    if _DATE_RE.fullmatch(value) is None:
        return None
    try:
        parsed = date(int(value[0:4]), int(value[5:7]), int(value[8:10]))
    except ValueError:
        return None
    if len(_DATE_CACHE) < _DATE_CACHE_LIMIT:
        _DATE_CACHE[value] = parsed
    return parsed


def _date_field(value: object, field: str, errors: _Errors) -> date | None:
    parsed = _parse_date(value)
    if parsed is None:
        if type(value) is not str:
            errors.add(field, "type", f"must be a date string YYYY-MM-DD, got {_type_name(value)}")
        else:
            errors.add(field, "format", f"must be a calendar date YYYY-MM-DD, got {_show(value)}")
    return parsed


def _month_field(value: object, field: str, errors: _Errors) -> int | None:
    if type(value) is str:
        month = _MONTHS.get(value)
        if month is not None:
            return month
        errors.add(
            field, "pattern", f"must be a month YYYY-MM between 1900-01 and 2199-12, got {_show(value)}"
        )
    else:
        errors.add(field, "type", f"must be a month string YYYY-MM, got {_type_name(value)}")
    return None


def _bool_field(value: object, field: str, errors: _Errors) -> bool | None:
    if value is True or value is False:
        return value
    errors.add(field, "type", f"must be a boolean, got {_type_name(value)}")
    return None


def _enum_field(value: object, allowed: dict[str, Any] | frozenset[str], field: str, errors: _Errors) -> Any:
    if type(value) is str and value in allowed:
        return allowed[value] if isinstance(allowed, dict) else value
    if type(value) is not str:
        errors.add(field, "type", f"must be a string, got {_type_name(value)}")
    else:
        errors.add(field, "enum", f"must be one of {', '.join(sorted(allowed))}, got {_show(value)}")
    return None


def _int_field(
    value: object, field: str, errors: _Errors, minimum: int | None, maximum: int | None
) -> int | None:
    number = _as_int(value)
    if number is None:
        errors.add(field, "type", f"must be an integer, got {_type_name(value)}")
        return None
    if minimum is not None and number < minimum:
        errors.add(field, "minimum", f"must be at least {minimum}, got {number}")
        return None
    if maximum is not None and number > maximum:
        errors.add(field, "maximum", f"must be at most {maximum}, got {number}")
        return None
    return number


def _decimal_field(value: object, pattern: re.Pattern[str], field: str, errors: _Errors) -> Decimal | None:
    if type(value) is str:
        if pattern.fullmatch(value) is not None:
            return Decimal(value)
        errors.add(field, "pattern", f"must match ^{pattern.pattern}$, got {_show(value)}")
    else:
        errors.add(field, "type", f"must be a decimal string, got {_type_name(value)}")
    return None


def _keys_ok(
    obj: dict[str, Any], allowed: frozenset[str], required: tuple[str, ...], path: str, errors: _Errors
) -> bool:
    ok = True
    if not obj.keys() <= allowed:
        for key in obj:
            if key not in allowed:
                errors.add(f"{path}.{key}", "additional_property", "is not allowed")
                ok = False
    for key in required:
        if key not in obj:
            errors.add(f"{path}.{key}", "required", "is required")
            ok = False
    return ok


def _range_ok(first: int | None, last: int | None, path: str, errors: _Errors) -> bool:
    if first is None or last is None:
        return False
    if first > last:
        errors.add(f"{path}.to", "month_range", "must not be before 'from'")
        return False
    return True


def _array(doc: dict[str, Any], name: str, max_items: int, errors: _Errors) -> list[Any]:
    value = doc.get(name, _MISSING)
    if value is _MISSING:
        return []  # reported as missing by the top-level key check
    if not isinstance(value, list):
        errors.add(name, "type", f"must be an array, got {_type_name(value)}")
        return []
    if len(value) > max_items:
        errors.add(name, "max_items", f"must have at most {max_items} items, got {len(value)}")
    return value


# --------------------------------------------------------------------------- records


def _insurance(items: list[Any], errors: _Errors) -> list[InsuranceRecord]:
    out: list[InsuranceRecord] = []
    append = out.append
    months = _MONTHS
    for i, rec in enumerate(items):
        # Fast path: a well-formed record of exactly the five required fields.
        if type(rec) is dict and len(rec) == 5:
            try:
                insurance = _INSURANCE[rec["insurance"]]
                first = months[rec["from"]]
                last = months[rec["to"]]
                back_paid = rec["back_paid"]
                district = rec["district"]
                if (
                    (back_paid is True or back_paid is False)
                    and type(district) is str
                    and district in _DISTRICTS
                    and first <= last
                    and type(rec["from"]) is str
                    and type(rec["to"]) is str
                    and type(rec["insurance"]) is str
                ):
                    append(InsuranceRecord(insurance, first, last, back_paid, district))
                    continue
            except (KeyError, TypeError):
                pass
        path = f"social_insurance[{i}]"
        if not isinstance(rec, dict):
            errors.add(path, "type", f"must be an object, got {_type_name(rec)}")
            continue
        ok = _keys_ok(rec, _SI_ALLOWED, _SI_REQUIRED, path, errors)
        ins = (
            _enum_field(rec["insurance"], _INSURANCE, f"{path}.insurance", errors)
            if "insurance" in rec
            else None
        )
        f = _month_field(rec["from"], f"{path}.from", errors) if "from" in rec else None
        t = _month_field(rec["to"], f"{path}.to", errors) if "to" in rec else None
        bp = _bool_field(rec["back_paid"], f"{path}.back_paid", errors) if "back_paid" in rec else None
        d = (
            _enum_field(rec["district"], _DISTRICTS, f"{path}.district", errors)
            if "district" in rec
            else None
        )
        if _range_ok(f, t, path, errors) and ok and ins is not None and bp is not None and d is not None:
            assert f is not None and t is not None
            append(InsuranceRecord(ins, f, t, bp, d))
    return out


def _housing(items: list[Any], errors: _Errors) -> list[HousingRecord]:
    out: list[HousingRecord] = []
    append = out.append
    months = _MONTHS
    for i, rec in enumerate(items):
        if type(rec) is dict and 6 <= len(rec) <= 7:
            try:
                kind = _HOUSING_KIND[rec["kind"]]
                first = months[rec["from"]]
                last = months[rec["to"]]
                district = rec["district"]
                residential = rec["residential"]
                certified = rec["certified"]
                lease = rec.get("lease_registered", False) if len(rec) == 7 else False
                if (
                    (residential is True or residential is False)
                    and (certified is True or certified is False)
                    and (lease is True or lease is False)
                    and (len(rec) == 6 or "lease_registered" in rec)
                    and type(district) is str
                    and district in _DISTRICTS
                    and first <= last
                    and type(rec["from"]) is str
                    and type(rec["to"]) is str
                    and type(rec["kind"]) is str
                ):
                    append(HousingRecord(kind, first, last, district, residential, certified, lease))
                    continue
            except (KeyError, TypeError):
                pass
        path = f"housing[{i}]"
        if not isinstance(rec, dict):
            errors.add(path, "type", f"must be an object, got {_type_name(rec)}")
            continue
        ok = _keys_ok(rec, _HOUSING_ALLOWED, _HOUSING_REQUIRED, path, errors)
        k = _enum_field(rec["kind"], _HOUSING_KIND, f"{path}.kind", errors) if "kind" in rec else None
        f = _month_field(rec["from"], f"{path}.from", errors) if "from" in rec else None
        t = _month_field(rec["to"], f"{path}.to", errors) if "to" in rec else None
        d = (
            _enum_field(rec["district"], _DISTRICTS, f"{path}.district", errors)
            if "district" in rec
            else None
        )
        res = _bool_field(rec["residential"], f"{path}.residential", errors) if "residential" in rec else None
        cert = _bool_field(rec["certified"], f"{path}.certified", errors) if "certified" in rec else None
        lease_value: bool | None = False
        if "lease_registered" in rec:
            lease_value = _bool_field(rec["lease_registered"], f"{path}.lease_registered", errors)
        if (
            _range_ok(f, t, path, errors)
            and ok
            and k is not None
            and d is not None
            and res is not None
            and cert is not None
            and lease_value is not None
        ):
            assert f is not None and t is not None
            append(HousingRecord(k, f, t, d, res, cert, lease_value))
    return out


def _education(items: list[Any], errors: _Errors) -> list[EducationRecord]:
    out: list[EducationRecord] = []
    for i, rec in enumerate(items):
        if type(rec) is dict and len(rec) == 5:
            try:
                fast_level = _LEVEL[rec["level"]]
                fast_diploma = rec["diploma"]
                fast_degree = rec["degree"]
                fast_recognized = rec["recognized"]
                graduated = _DATE_CACHE.get(rec["graduated_on"]) or _parse_date(rec["graduated_on"])
                if (
                    graduated is not None
                    and (fast_diploma is True or fast_diploma is False)
                    and (fast_degree is True or fast_degree is False)
                    and (fast_recognized is True or fast_recognized is False)
                ):
                    out.append(
                        EducationRecord(fast_level, fast_diploma, fast_degree, graduated, fast_recognized)
                    )
                    continue
            except (KeyError, TypeError):
                pass
        path = f"education[{i}]"
        if not isinstance(rec, dict):
            errors.add(path, "type", f"must be an object, got {_type_name(rec)}")
            continue
        ok = _keys_ok(rec, _EDU_ALLOWED, _EDU_REQUIRED, path, errors)
        level = _enum_field(rec["level"], _LEVEL, f"{path}.level", errors) if "level" in rec else None
        diploma = _bool_field(rec["diploma"], f"{path}.diploma", errors) if "diploma" in rec else None
        degree = _bool_field(rec["degree"], f"{path}.degree", errors) if "degree" in rec else None
        grad = (
            _date_field(rec["graduated_on"], f"{path}.graduated_on", errors)
            if "graduated_on" in rec
            else None
        )
        recog = _bool_field(rec["recognized"], f"{path}.recognized", errors) if "recognized" in rec else None
        if (
            ok
            and level is not None
            and diploma is not None
            and degree is not None
            and grad
            and recog is not None
        ):
            out.append(EducationRecord(level, diploma, degree, grad, recog))
    return out


def _innovation(items: list[Any], errors: _Errors) -> list[InnovationItem]:
    out: list[InnovationItem] = []
    for i, rec in enumerate(items):
        path = f"innovation[{i}]"
        if not isinstance(rec, dict):
            errors.add(path, "type", f"must be an object, got {_type_name(rec)}")
            continue
        kind = rec.get("type", _MISSING)
        if kind == "award" and type(kind) is str:
            item: InnovationItem | None = _award(rec, path, errors)
        elif kind == "equity" and type(kind) is str:
            item = _equity(rec, path, errors)
        elif kind == "high_tech_tenure" and type(kind) is str:
            item = _tenure(rec, path, errors)
        elif kind is _MISSING:
            errors.add(f"{path}.type", "required", "is required (award, equity or high_tech_tenure)")
            continue
        else:
            shown = _show(kind) if type(kind) is str else _type_name(kind)
            errors.add(
                f"{path}.type", "one_of", f"must be one of award, equity, high_tech_tenure, got {shown}"
            )
            continue
        if item is not None:
            out.append(item)
    return out


def _award(rec: dict[str, Any], path: str, errors: _Errors) -> AwardItem | None:
    ok = _keys_ok(rec, _AWARD_ALLOWED, _AWARD_REQUIRED, path, errors)
    code: str | None = None
    if "code" in rec:
        value = rec["code"]
        if type(value) is not str:
            errors.add(f"{path}.code", "type", f"must be a string, got {_type_name(value)}")
        elif len(value) > 64:
            errors.add(f"{path}.code", "max_length", "must be at most 64 characters")
        else:
            code = value
    year = _int_field(rec["year"], f"{path}.year", errors, 1950, 2100) if "year" in rec else None
    rank: int | None = None
    rank_ok = True
    if rec.get("rank") is not None:
        rank = _int_field(rec["rank"], f"{path}.rank", errors, 1, None)
        rank_ok = rank is not None
    tax: Decimal | None = None
    tax_ok = True
    if rec.get("prior_year_income_tax") is not None:
        tax = _decimal_field(rec["prior_year_income_tax"], _MONEY_RE, f"{path}.prior_year_income_tax", errors)
        tax_ok = tax is not None
    if ok and code is not None and year is not None and rank_ok and tax_ok:
        return AwardItem(code, year, rank, tax)
    return None


def _equity(rec: dict[str, Any], path: str, errors: _Errors) -> EquityItem | None:
    ok = _keys_ok(rec, _EQUITY_ALLOWED, _EQUITY_REQUIRED, path, errors)
    share = (
        _decimal_field(rec["share_percent"], _SHARE_RE, f"{path}.share_percent", errors)
        if "share_percent" in rec
        else None
    )
    cert = (
        _bool_field(rec["company_certified"], f"{path}.company_certified", errors)
        if "company_certified" in rec
        else None
    )
    financing = (
        _decimal_field(rec["financing_3y"], _FINANCING_RE, f"{path}.financing_3y", errors)
        if "financing_3y" in rec
        else None
    )
    held = (
        _bool_field(rec["held_full_year"], f"{path}.held_full_year", errors)
        if "held_full_year" in rec
        else None
    )
    if ok and share is not None and cert is not None and financing is not None and held is not None:
        return EquityItem(share, cert, financing, held)
    return None


def _tenure(rec: dict[str, Any], path: str, errors: _Errors) -> TenureItem | None:
    ok = _keys_ok(rec, _TENURE_ALLOWED, _TENURE_REQUIRED, path, errors)
    f = _month_field(rec["from"], f"{path}.from", errors) if "from" in rec else None
    t = _month_field(rec["to"], f"{path}.to", errors) if "to" in rec else None
    if _range_ok(f, t, path, errors) and ok:
        assert f is not None and t is not None
        return TenureItem(f, t)
    return None


def _income_tax(items: list[Any], errors: _Errors) -> list[IncomeTaxRecord]:
    out: list[IncomeTaxRecord] = []
    for i, rec in enumerate(items):
        if type(rec) is dict and len(rec) == 2:
            year = rec.get("year")
            amount = rec.get("amount")
            if (
                type(year) is int
                and 1990 <= year <= 2100
                and type(amount) is str
                and _MONEY_RE.fullmatch(amount) is not None
            ):
                out.append(IncomeTaxRecord(year, Decimal(amount)))
                continue
        path = f"income_tax[{i}]"
        if not isinstance(rec, dict):
            errors.add(path, "type", f"must be an object, got {_type_name(rec)}")
            continue
        ok = _keys_ok(rec, _TAX_ALLOWED, _TAX_REQUIRED, path, errors)
        year = _int_field(rec["year"], f"{path}.year", errors, 1990, 2100) if "year" in rec else None
        amount = (
            _decimal_field(rec["amount"], _MONEY_RE, f"{path}.amount", errors) if "amount" in rec else None
        )
        if ok and year is not None and amount is not None:
            out.append(IncomeTaxRecord(year, amount))
    return out


def _penalties(items: list[Any], errors: _Errors) -> list[TaxPenalty]:
    out: list[TaxPenalty] = []
    for i, rec in enumerate(items):
        path = f"tax_penalties[{i}]"
        if not isinstance(rec, dict):
            errors.add(path, "type", f"must be an object, got {_type_name(rec)}")
            continue
        ok = _keys_ok(rec, _PENALTY_ALLOWED, _PENALTY_REQUIRED, path, errors)
        on = _date_field(rec["date"], f"{path}.date", errors) if "date" in rec else None
        fine = _decimal_field(rec["fine"], _MONEY_RE, f"{path}.fine", errors) if "fine" in rec else None
        if ok and on is not None and fine is not None:
            out.append(TaxPenalty(on, fine))
    return out


def _honours(items: list[Any], errors: _Errors) -> list[Honour]:
    out: list[Honour] = []
    for i, rec in enumerate(items):
        path = f"honours[{i}]"
        if not isinstance(rec, dict):
            errors.add(path, "type", f"must be an object, got {_type_name(rec)}")
            continue
        ok = _keys_ok(rec, _HONOUR_ALLOWED, ("title",), path, errors)
        title = _enum_field(rec["title"], _HONOUR, f"{path}.title", errors) if "title" in rec else None
        awarded: date | None = None
        awarded_ok = True
        if rec.get("awarded_on") is not None:
            awarded = _date_field(rec["awarded_on"], f"{path}.awarded_on", errors)
            awarded_ok = awarded is not None
        if ok and title is not None and awarded_ok:
            out.append(Honour(title, awarded))
    return out


def _detentions(items: list[Any], errors: _Errors) -> list[Detention]:
    out: list[Detention] = []
    for i, rec in enumerate(items):
        path = f"detentions[{i}]"
        if not isinstance(rec, dict):
            errors.add(path, "type", f"must be an object, got {_type_name(rec)}")
            continue
        ok = _keys_ok(rec, _DETENTION_ALLOWED, ("date",), path, errors)
        on = _date_field(rec["date"], f"{path}.date", errors) if "date" in rec else None
        if ok and on is not None:
            out.append(Detention(on))
    return out


def _person(value: object, errors: _Errors) -> Person | None:
    if not isinstance(value, dict):
        errors.add("person", "type", f"must be an object, got {_type_name(value)}")
        return None
    ok = _keys_ok(value, _PERSON_ALLOWED, ("birth_date", "sex"), "person", errors)
    birth = _date_field(value["birth_date"], "person.birth_date", errors) if "birth_date" in value else None
    sex = _enum_field(value["sex"], _SEX, "person.sex", errors) if "sex" in value else None
    category: FemaleJobCategory | None = None
    category_ok = True
    if "female_job_category" in value:
        category = _enum_field(
            value["female_job_category"], _FEMALE_JOB, "person.female_job_category", errors
        )
        category_ok = category is not None
    if ok and birth is not None and sex is not None and category_ok:
        return Person(birth, sex, category)
    return None


# --------------------------------------------------------------------------- document


def parse_facts(doc: object) -> PointsFacts:
    """Validate a decoded PointsFacts document and build the domain facts.

    Raises :class:`FactsValidationError` (and nothing else) listing every offending field.
    """
    errors = _Errors()
    if not isinstance(doc, dict):
        errors.add("$", "type", f"must be an object, got {_type_name(doc)}")
        raise FactsValidationError(errors.items)
    if not doc.keys() <= _TOP_ALLOWED:
        for key in doc:
            if key not in _TOP_ALLOWED:
                errors.add(str(key), "additional_property", "is not allowed")
    for key in _TOP_REQUIRED:
        if key not in doc:
            errors.add(key, "required", "is required")

    application_id: str | None = None
    if "application_id" in doc:
        value = doc["application_id"]
        if type(value) is not str:
            errors.add("application_id", "type", f"must be a string, got {_type_name(value)}")
        elif len(value) > 64:
            errors.add("application_id", "max_length", "must be at most 64 characters")
        else:
            application_id = value
    policy_version: str | None = None
    if "policy_version" in doc:
        policy_version = _enum_field(doc["policy_version"], _POLICY_VERSIONS, "policy_version", errors)
    year = (
        _int_field(doc["application_year"], "application_year", errors, 2018, 2100)
        if "application_year" in doc
        else None
    )
    if policy_version is not None and year is not None:
        try:
            if not policy_by_code(policy_version).rounds.covers(year):
                expected = policy_for_round(year).code
                errors.add(
                    "policy_version",
                    "policy_version_mismatch",
                    f"{policy_version} does not cover application round {year} (use {expected} or omit it)",
                )
        except DomainError as exc:  # pragma: no cover - every enum value and year is covered
            errors.add("policy_version", exc.code, exc.message)
    person = _person(doc["person"], errors) if "person" in doc else None
    permit: date | None = None
    if doc.get("residence_permit_issued_on") is not None:
        permit = _date_field(doc["residence_permit_issued_on"], "residence_permit_issued_on", errors)
    criminal = (
        _bool_field(doc["criminal_record"], "criminal_record", errors) if "criminal_record" in doc else None
    )

    insurance = _insurance(_array(doc, "social_insurance", 2000, errors), errors)
    housing = _housing(_array(doc, "housing", 500, errors), errors)
    education = _education(_array(doc, "education", 20, errors), errors)
    innovation = _innovation(_array(doc, "innovation", 50, errors), errors)
    income_tax = _income_tax(_array(doc, "income_tax", 50, errors), errors)
    penalties = _penalties(_array(doc, "tax_penalties", 200, errors), errors)
    honours = _honours(_array(doc, "honours", 20, errors), errors)
    detentions = _detentions(_array(doc, "detentions", 200, errors), errors)

    if errors.items:
        raise FactsValidationError(errors.items)
    assert year is not None and person is not None and criminal is not None
    return PointsFacts(
        application_year=year,
        person=person,
        residence_permit_issued_on=permit,
        criminal_record=criminal,
        social_insurance=tuple(insurance),
        housing=tuple(housing),
        education=tuple(education),
        innovation=tuple(innovation),
        income_tax=tuple(income_tax),
        tax_penalties=tuple(penalties),
        honours=tuple(honours),
        detentions=tuple(detentions),
        application_id=application_id,
        policy_version=policy_version,
    )


def decode_facts(data: bytes | bytearray | memoryview | str) -> PointsFacts:
    """Decode JSON text and validate it as PointsFacts (``invalid_json`` if undecodable)."""
    try:
        doc = orjson.loads(data)
    except orjson.JSONDecodeError as exc:
        raise FactsValidationError(
            [{"field": "$", "code": "invalid_json", "message": str(exc)}], "invalid_json"
        ) from None
    return parse_facts(doc)


# --------------------------------------------------------------------------- result


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


def score_document(doc: object) -> dict[str, Any]:
    """Validate a PointsFacts document, score it and return the PointsResult document.

    Raises :class:`FactsValidationError` or a :class:`~.domain.DomainError`.
    """
    from .domain import score

    return result_to_dict(score(parse_facts(doc)))
