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

from datetime import date
from decimal import Decimal
from typing import Any, Final, get_args

import orjson

from shared.policy import FACT_DISTRICTS, POINTS_POLICY_VERSIONS

from .contract_values import (
    DATE_CACHE,
    FINANCING_RE,
    MISSING,
    MONEY_RE,
    MONTHS,
    SHARE_RE,
    Detail,
    Errors,
    array,
    bool_field,
    date_field,
    decimal_field,
    enum_field,
    int_field,
    keys_ok,
    month_field,
    parse_date,
    range_ok,
    show,
    type_name,
)
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
from .results import result_to_dict, result_to_json

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

# Enumerations: the schema's values (districts and policy versions from shared.policy), mapped to the
# domain's Literal types.
_INSURANCE: Final[dict[str, InsuranceType]] = {v: v for v in get_args(InsuranceType)}
_HOUSING_KIND: Final[dict[str, HousingKind]] = {v: v for v in get_args(HousingKind)}
_LEVEL: Final[dict[str, EducationLevel]] = {v: v for v in get_args(EducationLevel)}
_SEX: Final[dict[str, Sex]] = {v: v for v in get_args(Sex)}
_FEMALE_JOB: Final[dict[str, FemaleJobCategory]] = {v: v for v in get_args(FemaleJobCategory)}
_HONOUR: Final[dict[str, HonourTitle]] = {v: v for v in get_args(HonourTitle)}
_DISTRICTS: Final[frozenset[str]] = frozenset(FACT_DISTRICTS)
_POLICY_VERSIONS: Final[frozenset[str]] = frozenset(v.code for v in POINTS_POLICY_VERSIONS)

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


# --------------------------------------------------------------------------- records


def _insurance(items: list[Any], errors: Errors) -> list[InsuranceRecord]:
    out: list[InsuranceRecord] = []
    append = out.append
    months = MONTHS
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
            errors.add(path, "type", f"must be an object, got {type_name(rec)}")
            continue
        ok = keys_ok(rec, _SI_ALLOWED, _SI_REQUIRED, path, errors)
        ins = (
            enum_field(rec["insurance"], _INSURANCE, f"{path}.insurance", errors)
            if "insurance" in rec
            else None
        )
        f = month_field(rec["from"], f"{path}.from", errors) if "from" in rec else None
        t = month_field(rec["to"], f"{path}.to", errors) if "to" in rec else None
        bp = bool_field(rec["back_paid"], f"{path}.back_paid", errors) if "back_paid" in rec else None
        d = enum_field(rec["district"], _DISTRICTS, f"{path}.district", errors) if "district" in rec else None
        if range_ok(f, t, path, errors) and ok and ins is not None and bp is not None and d is not None:
            assert f is not None and t is not None
            append(InsuranceRecord(ins, f, t, bp, d))
    return out


def _housing(items: list[Any], errors: Errors) -> list[HousingRecord]:
    out: list[HousingRecord] = []
    append = out.append
    months = MONTHS
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
            errors.add(path, "type", f"must be an object, got {type_name(rec)}")
            continue
        ok = keys_ok(rec, _HOUSING_ALLOWED, _HOUSING_REQUIRED, path, errors)
        k = enum_field(rec["kind"], _HOUSING_KIND, f"{path}.kind", errors) if "kind" in rec else None
        f = month_field(rec["from"], f"{path}.from", errors) if "from" in rec else None
        t = month_field(rec["to"], f"{path}.to", errors) if "to" in rec else None
        d = enum_field(rec["district"], _DISTRICTS, f"{path}.district", errors) if "district" in rec else None
        res = bool_field(rec["residential"], f"{path}.residential", errors) if "residential" in rec else None
        cert = bool_field(rec["certified"], f"{path}.certified", errors) if "certified" in rec else None
        lease_value: bool | None = False
        if "lease_registered" in rec:
            lease_value = bool_field(rec["lease_registered"], f"{path}.lease_registered", errors)
        if (
            range_ok(f, t, path, errors)
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


def _education(items: list[Any], errors: Errors) -> list[EducationRecord]:
    out: list[EducationRecord] = []
    for i, rec in enumerate(items):
        if type(rec) is dict and len(rec) == 5:
            try:
                fast_level = _LEVEL[rec["level"]]
                fast_diploma = rec["diploma"]
                fast_degree = rec["degree"]
                fast_recognized = rec["recognized"]
                graduated = DATE_CACHE.get(rec["graduated_on"]) or parse_date(rec["graduated_on"])
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
            errors.add(path, "type", f"must be an object, got {type_name(rec)}")
            continue
        ok = keys_ok(rec, _EDU_ALLOWED, _EDU_REQUIRED, path, errors)
        level = enum_field(rec["level"], _LEVEL, f"{path}.level", errors) if "level" in rec else None
        diploma = bool_field(rec["diploma"], f"{path}.diploma", errors) if "diploma" in rec else None
        degree = bool_field(rec["degree"], f"{path}.degree", errors) if "degree" in rec else None
        grad = (
            date_field(rec["graduated_on"], f"{path}.graduated_on", errors) if "graduated_on" in rec else None
        )
        recog = bool_field(rec["recognized"], f"{path}.recognized", errors) if "recognized" in rec else None
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


def _innovation(items: list[Any], errors: Errors) -> list[InnovationItem]:
    out: list[InnovationItem] = []
    for i, rec in enumerate(items):
        path = f"innovation[{i}]"
        if not isinstance(rec, dict):
            errors.add(path, "type", f"must be an object, got {type_name(rec)}")
            continue
        kind = rec.get("type", MISSING)
        if kind == "award" and type(kind) is str:
            item: InnovationItem | None = _award(rec, path, errors)
        elif kind == "equity" and type(kind) is str:
            item = _equity(rec, path, errors)
        elif kind == "high_tech_tenure" and type(kind) is str:
            item = _tenure(rec, path, errors)
        elif kind is MISSING:
            errors.add(f"{path}.type", "required", "is required (award, equity or high_tech_tenure)")
            continue
        else:
            shown = show(kind) if type(kind) is str else type_name(kind)
            errors.add(
                f"{path}.type", "one_of", f"must be one of award, equity, high_tech_tenure, got {shown}"
            )
            continue
        if item is not None:
            out.append(item)
    return out


def _award(rec: dict[str, Any], path: str, errors: Errors) -> AwardItem | None:
    ok = keys_ok(rec, _AWARD_ALLOWED, _AWARD_REQUIRED, path, errors)
    code: str | None = None
    if "code" in rec:
        value = rec["code"]
        if type(value) is not str:
            errors.add(f"{path}.code", "type", f"must be a string, got {type_name(value)}")
        elif len(value) > 64:
            errors.add(f"{path}.code", "max_length", "must be at most 64 characters")
        else:
            code = value
    year = int_field(rec["year"], f"{path}.year", errors, 1950, 2100) if "year" in rec else None
    rank: int | None = None
    rank_ok = True
    if rec.get("rank") is not None:
        rank = int_field(rec["rank"], f"{path}.rank", errors, 1, None)
        rank_ok = rank is not None
    tax: Decimal | None = None
    tax_ok = True
    if rec.get("prior_year_income_tax") is not None:
        tax = decimal_field(rec["prior_year_income_tax"], MONEY_RE, f"{path}.prior_year_income_tax", errors)
        tax_ok = tax is not None
    if ok and code is not None and year is not None and rank_ok and tax_ok:
        return AwardItem(code, year, rank, tax)
    return None


def _equity(rec: dict[str, Any], path: str, errors: Errors) -> EquityItem | None:
    ok = keys_ok(rec, _EQUITY_ALLOWED, _EQUITY_REQUIRED, path, errors)
    share = (
        decimal_field(rec["share_percent"], SHARE_RE, f"{path}.share_percent", errors)
        if "share_percent" in rec
        else None
    )
    cert = (
        bool_field(rec["company_certified"], f"{path}.company_certified", errors)
        if "company_certified" in rec
        else None
    )
    financing = (
        decimal_field(rec["financing_3y"], FINANCING_RE, f"{path}.financing_3y", errors)
        if "financing_3y" in rec
        else None
    )
    held = (
        bool_field(rec["held_full_year"], f"{path}.held_full_year", errors)
        if "held_full_year" in rec
        else None
    )
    if ok and share is not None and cert is not None and financing is not None and held is not None:
        return EquityItem(share, cert, financing, held)
    return None


def _tenure(rec: dict[str, Any], path: str, errors: Errors) -> TenureItem | None:
    ok = keys_ok(rec, _TENURE_ALLOWED, _TENURE_REQUIRED, path, errors)
    f = month_field(rec["from"], f"{path}.from", errors) if "from" in rec else None
    t = month_field(rec["to"], f"{path}.to", errors) if "to" in rec else None
    if range_ok(f, t, path, errors) and ok:
        assert f is not None and t is not None
        return TenureItem(f, t)
    return None


def _income_tax(items: list[Any], errors: Errors) -> list[IncomeTaxRecord]:
    out: list[IncomeTaxRecord] = []
    for i, rec in enumerate(items):
        if type(rec) is dict and len(rec) == 2:
            year = rec.get("year")
            amount = rec.get("amount")
            if (
                type(year) is int
                and 1990 <= year <= 2100
                and type(amount) is str
                and MONEY_RE.fullmatch(amount) is not None
            ):
                out.append(IncomeTaxRecord(year, Decimal(amount)))
                continue
        path = f"income_tax[{i}]"
        if not isinstance(rec, dict):
            errors.add(path, "type", f"must be an object, got {type_name(rec)}")
            continue
        ok = keys_ok(rec, _TAX_ALLOWED, _TAX_REQUIRED, path, errors)
        year = int_field(rec["year"], f"{path}.year", errors, 1990, 2100) if "year" in rec else None
        amount = decimal_field(rec["amount"], MONEY_RE, f"{path}.amount", errors) if "amount" in rec else None
        if ok and year is not None and amount is not None:
            out.append(IncomeTaxRecord(year, amount))
    return out


def _penalties(items: list[Any], errors: Errors) -> list[TaxPenalty]:
    out: list[TaxPenalty] = []
    for i, rec in enumerate(items):
        path = f"tax_penalties[{i}]"
        if not isinstance(rec, dict):
            errors.add(path, "type", f"must be an object, got {type_name(rec)}")
            continue
        ok = keys_ok(rec, _PENALTY_ALLOWED, _PENALTY_REQUIRED, path, errors)
        on = date_field(rec["date"], f"{path}.date", errors) if "date" in rec else None
        fine = decimal_field(rec["fine"], MONEY_RE, f"{path}.fine", errors) if "fine" in rec else None
        if ok and on is not None and fine is not None:
            out.append(TaxPenalty(on, fine))
    return out


def _honours(items: list[Any], errors: Errors) -> list[Honour]:
    out: list[Honour] = []
    for i, rec in enumerate(items):
        path = f"honours[{i}]"
        if not isinstance(rec, dict):
            errors.add(path, "type", f"must be an object, got {type_name(rec)}")
            continue
        ok = keys_ok(rec, _HONOUR_ALLOWED, ("title",), path, errors)
        title = enum_field(rec["title"], _HONOUR, f"{path}.title", errors) if "title" in rec else None
        awarded: date | None = None
        awarded_ok = True
        if rec.get("awarded_on") is not None:
            awarded = date_field(rec["awarded_on"], f"{path}.awarded_on", errors)
            awarded_ok = awarded is not None
        if ok and title is not None and awarded_ok:
            out.append(Honour(title, awarded))
    return out


def _detentions(items: list[Any], errors: Errors) -> list[Detention]:
    out: list[Detention] = []
    for i, rec in enumerate(items):
        path = f"detentions[{i}]"
        if not isinstance(rec, dict):
            errors.add(path, "type", f"must be an object, got {type_name(rec)}")
            continue
        ok = keys_ok(rec, _DETENTION_ALLOWED, ("date",), path, errors)
        on = date_field(rec["date"], f"{path}.date", errors) if "date" in rec else None
        if ok and on is not None:
            out.append(Detention(on))
    return out


def _person(value: object, errors: Errors) -> Person | None:
    if not isinstance(value, dict):
        errors.add("person", "type", f"must be an object, got {type_name(value)}")
        return None
    ok = keys_ok(value, _PERSON_ALLOWED, ("birth_date", "sex"), "person", errors)
    birth = date_field(value["birth_date"], "person.birth_date", errors) if "birth_date" in value else None
    sex = enum_field(value["sex"], _SEX, "person.sex", errors) if "sex" in value else None
    category: FemaleJobCategory | None = None
    category_ok = True
    if "female_job_category" in value:
        category = enum_field(value["female_job_category"], _FEMALE_JOB, "person.female_job_category", errors)
        category_ok = category is not None
    if ok and birth is not None and sex is not None and category_ok:
        return Person(birth, sex, category)
    return None


# --------------------------------------------------------------------------- document


def parse_facts(doc: object) -> PointsFacts:
    """Validate a decoded PointsFacts document and build the domain facts.

    Raises :class:`FactsValidationError` (and nothing else) listing every offending field.
    """
    errors = Errors()
    if not isinstance(doc, dict):
        errors.add("$", "type", f"must be an object, got {type_name(doc)}")
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
            errors.add("application_id", "type", f"must be a string, got {type_name(value)}")
        elif len(value) > 64:
            errors.add("application_id", "max_length", "must be at most 64 characters")
        else:
            application_id = value
    policy_version: str | None = None
    if "policy_version" in doc:
        policy_version = enum_field(doc["policy_version"], _POLICY_VERSIONS, "policy_version", errors)
    year = (
        int_field(doc["application_year"], "application_year", errors, 2018, 2100)
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
        permit = date_field(doc["residence_permit_issued_on"], "residence_permit_issued_on", errors)
    criminal = (
        bool_field(doc["criminal_record"], "criminal_record", errors) if "criminal_record" in doc else None
    )

    insurance = _insurance(array(doc, "social_insurance", 2000, errors), errors)
    housing = _housing(array(doc, "housing", 500, errors), errors)
    education = _education(array(doc, "education", 20, errors), errors)
    innovation = _innovation(array(doc, "innovation", 50, errors), errors)
    income_tax = _income_tax(array(doc, "income_tax", 50, errors), errors)
    penalties = _penalties(array(doc, "tax_penalties", 200, errors), errors)
    honours = _honours(array(doc, "honours", 20, errors), errors)
    detentions = _detentions(array(doc, "detentions", 200, errors), errors)

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


def score_document(doc: object) -> dict[str, Any]:
    """Validate a PointsFacts document, score it and return the PointsResult document.

    Raises :class:`FactsValidationError` or a :class:`~.domain.DomainError`.
    """
    from .domain import score

    return result_to_dict(score(parse_facts(doc)))
