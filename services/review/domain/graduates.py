"""The graduate programme's comparison rules (pure): a declaration (or a settlement request) and the
registries' normalised answers in, one check per item out, with the verified graduate facts.

**Verification of a declaration** (:func:`verify_graduate`), item by item, like the points comparison:
the registry is the truth. Equal → ``confirmed``; different → ``corrected`` (the registry value replaces
the declared one in the verified facts where the facts carry it); declared but the registry has no record
→ ``not_found``; a registry that has not answered yet → ``pending_department`` (no facts yet).

- 学信 education registry (the newest record, the fresh graduate's): ``education`` (level),
  ``university``, ``major``, ``graduation_date``, ``enrolment`` (plan), ``training_mode``, ``diploma`` and
  ``degree`` (obtained, and the certificate number where declared). A record still 在读 (studying) with a
  graduation in Y confirms a diploma or degree "expected at graduation" (checked again before settlement).
  No record at all: every item ``not_found``, and the verified facts say no diploma and no degree.
- 市场监管 company registry: ``employer_registration`` (registration date) and ``employer_standing``
  (operating, not on the abnormal-operations list, no serious violation). Unknown enterprise: both
  ``not_found``; the verified facts say not in good standing.

**Settlement check of Y+1** (:func:`check_settlement`, 第十七条(七)): education, diploma, degree, training
mode and university against the education registry; reporting for duty and social insurance against the
social-insurance registry (the employer's payments from the month of reporting for duty). ``passed`` when
every item is ``confirmed``.
"""

from __future__ import annotations

import copy
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date
from typing import Any, Literal

Registry = Literal["education_registry", "company_registry", "social_insurance"]
EDUCATION_REGISTRY: Registry = "education_registry"
COMPANY_REGISTRY: Registry = "company_registry"
SOCIAL_INSURANCE: Registry = "social_insurance"
#: The registries a declaration's verification asks, and those a settlement check asks.
VERIFICATION_REGISTRIES: tuple[Registry, ...] = (EDUCATION_REGISTRY, COMPANY_REGISTRY)
SETTLEMENT_REGISTRIES: tuple[Registry, ...] = (EDUCATION_REGISTRY, SOCIAL_INSURANCE)
REGISTRY_NAMES: dict[str, str] = {
    EDUCATION_REGISTRY: "学信 education registry",
    COMPANY_REGISTRY: "市场监管 company registry",
    SOCIAL_INSURANCE: "社保 social insurance",
}

GraduateStatus = Literal["confirmed", "corrected", "not_found", "pending_department"]

EDUCATION_ITEMS: tuple[str, ...] = (
    "education",
    "university",
    "major",
    "graduation_date",
    "enrolment",
    "training_mode",
    "diploma",
    "degree",
)
COMPANY_ITEMS: tuple[str, ...] = ("employer_registration", "employer_standing")
VERIFICATION_ITEMS: tuple[str, ...] = EDUCATION_ITEMS + COMPANY_ITEMS
SETTLEMENT_ITEMS: tuple[str, ...] = (
    "education",
    "university",
    "diploma",
    "degree",
    "training_mode",
    "reporting_for_duty",
    "social_insurance",
)
_TEXT = {
    "confirmed": "agrees with the declaration 与申报一致",
    "corrected": "registry data differs; the registry's value is used 以登记数据为准",
    "not_found": "no record of what was declared 登记机关无记录",
    "pending_department": "waiting for the registry's answer 等待登记机关反馈",
}


@dataclass(frozen=True)
class GraduateCheck:
    """One compared item: its status, the registry asked, a note, and both sides (shown to staff)."""

    item: str
    status: GraduateStatus
    registry: Registry
    note: str
    declared: Any = None
    found: Any = None

    def as_dict(self) -> dict[str, Any]:
        return {
            "item": self.item,
            "status": self.status,
            "department": self.registry,
            "note": self.note,
            "declared": self.declared,
            "registry": self.found,
        }


@dataclass(frozen=True)
class DeclaredGraduate:
    """What a declaration says, beside its graduate-facts document."""

    facts: Mapping[str, Any]  # a graduate-facts document (shared/contracts/graduate-facts.schema.json)
    university: str
    major: str
    diploma_number: str | None = None
    degree_number: str | None = None


@dataclass
class GraduateOutcome:
    checks: list[GraduateCheck]
    waiting: list[Registry] = field(default_factory=list)
    facts: dict[str, Any] | None = None  # the verified facts, once no registry is waiting

    @property
    def settled(self) -> bool:
        return self.facts is not None


def _note(registry: Registry, status: GraduateStatus, detail: str = "") -> str:
    return f"{REGISTRY_NAMES[registry]}: {_TEXT[status]}{f' ({detail})' if detail else ''}"[:500]


def _check(item: str, registry: Registry, declared: Any, found: Any, detail: str = "") -> GraduateCheck:
    status: GraduateStatus = "confirmed" if declared == found else "corrected"
    return GraduateCheck(item, status, registry, _note(registry, status, detail), declared, found)


def _absent(item: str, registry: Registry, declared: Any, detail: str = "") -> GraduateCheck:
    return GraduateCheck(item, "not_found", registry, _note(registry, "not_found", detail), declared, None)


def _text(value: str | None) -> str:
    return "".join((value or "").split())


def newest_record(education: Mapping[str, Any]) -> Mapping[str, Any] | None:
    records = education.get("records") or []
    return max(records, key=lambda r: str(r["graduated_on"])) if records else None


def _certificate(
    item: str,
    declared_held: bool,
    declared_no: str | None,
    number: str | None,
    *,
    studying: bool,
    needed: bool,
) -> tuple[GraduateCheck, bool]:
    """A diploma or degree: the check and whether the verified facts hold it."""
    reg = EDUCATION_REGISTRY
    if number is not None:
        if declared_no and _text(declared_no) != _text(number):
            return _check(item, reg, declared_no, number, "certificate number differs 证书编号不一致"), True
        if not declared_held:
            return _check(item, reg, False, True, "the registry records it"), True
        return GraduateCheck(
            item, "confirmed", reg, _note(reg, "confirmed"), declared_no or True, number
        ), True
    if studying:  # expected at graduation: checked again before settlement
        detail = "expected at graduation, checked again before settlement 毕业时取得，落户前复核"
        note = _note(reg, "confirmed", detail)
        return GraduateCheck(item, "confirmed", reg, note, declared_held, "expected"), declared_held
    if not needed:  # a junior-college programme awards no degree
        return GraduateCheck(
            item, "confirmed", reg, _note(reg, "confirmed", "no degree for this level"), declared_held, None
        ), declared_held
    if declared_held or declared_no:
        return _absent(item, reg, declared_no or True), False
    return GraduateCheck(item, "confirmed", reg, _note(reg, "confirmed"), False, None), False


def compare_education(
    declared: DeclaredGraduate, education: Mapping[str, Any], graduate: dict[str, Any]
) -> list[GraduateCheck]:
    """The education registry's items; ``graduate`` (the facts' graduate part) takes the registry's values."""
    reg = EDUCATION_REGISTRY
    record = newest_record(education) if education.get("found") else None
    if record is None:
        graduate["diploma"], graduate["degree"] = False, False
        return [
            _absent("education", reg, graduate["education"]),
            _absent("university", reg, declared.university),
            _absent("major", reg, declared.major),
            _absent("graduation_date", reg, graduate["graduated_on"]),
            _absent("enrolment", reg, graduate["enrolment"]),
            _absent("training_mode", reg, graduate["training_mode"]),
            _absent("diploma", reg, declared.diploma_number or graduate["diploma"]),
            _absent("degree", reg, declared.degree_number or graduate["degree"]),
        ]
    checks = [_check("education", reg, graduate["education"], record["education"])]
    checks.append(_check("university", reg, _text(declared.university), _text(record["university"])))
    checks.append(_check("major", reg, _text(declared.major), _text(record["major"])))
    checks.append(_check("graduation_date", reg, graduate["graduated_on"], record["graduated_on"]))
    checks.append(_check("enrolment", reg, graduate["enrolment"], record["enrolment"]))
    checks.append(_check("training_mode", reg, graduate["training_mode"], record["training_mode"]))
    for key in ("education", "graduated_on", "enrolment", "training_mode"):
        graduate[key] = record[key]
    studying = bool(record.get("studying"))
    diploma, graduate["diploma"] = _certificate(
        "diploma",
        bool(graduate["diploma"]),
        declared.diploma_number,
        record["diploma_number"],
        studying=studying,
        needed=True,
    )
    degree, graduate["degree"] = _certificate(
        "degree",
        bool(graduate["degree"]),
        declared.degree_number,
        record["degree_number"],
        studying=studying,
        needed=record["education"] != "junior_college",
    )
    return [*checks, diploma, degree]


def good_standing(company: Mapping[str, Any]) -> bool:
    """Operating normally, not on the abnormal-operations list, no serious violation (第十条)."""
    listed = [a for a in company.get("abnormal_operations", []) if not a.get("removed_on")]
    return company.get("status") == "operating" and not listed and not company.get("violations")


def compare_company(company: Mapping[str, Any], employer: dict[str, Any]) -> list[GraduateCheck]:
    """The company registry's items; ``employer`` (the facts' employer part) takes the registry's values."""
    reg = COMPANY_REGISTRY
    if not company.get("found"):
        employer["good_standing"] = False
        return [
            _absent("employer_registration", reg, employer["registered_on"]),
            _absent("employer_standing", reg, employer["good_standing"], "no such enterprise 查无此企业"),
        ]
    standing = good_standing(company)
    why = []
    if company.get("status") != "operating":
        why.append(f"status {company.get('status')}")
    if any(not a.get("removed_on") for a in company.get("abnormal_operations", [])):
        why.append("on the abnormal-operations list 列入经营异常名录")
    if company.get("violations"):
        why.append("serious violation 严重违法失信")
    checks = [
        _check("employer_registration", reg, employer["registered_on"], company["registered_on"]),
        _check("employer_standing", reg, employer["good_standing"], standing, "; ".join(why)),
    ]
    employer["registered_on"], employer["good_standing"] = company["registered_on"], standing
    return checks


def verify_graduate(
    declared: DeclaredGraduate, registries: Mapping[str, Mapping[str, Any] | None]
) -> GraduateOutcome:
    """Compare a declaration with the registries' answers (``None``: that registry has not answered)."""
    facts = copy.deepcopy(dict(declared.facts))
    graduate, employer = facts["graduate"], facts["employer"]
    checks: list[GraduateCheck] = []
    waiting: list[Registry] = []
    education, company = registries.get(EDUCATION_REGISTRY), registries.get(COMPANY_REGISTRY)
    if education is None:
        waiting.append(EDUCATION_REGISTRY)
        checks += [_pending(i, EDUCATION_REGISTRY) for i in EDUCATION_ITEMS]
    else:
        checks += compare_education(declared, education, graduate)
    if company is None:
        waiting.append(COMPANY_REGISTRY)
        checks += [_pending(i, COMPANY_REGISTRY) for i in COMPANY_ITEMS]
    else:
        checks += compare_company(company, employer)
    return GraduateOutcome(checks, waiting, None if waiting else facts)


def _pending(item: str, registry: Registry) -> GraduateCheck:
    return GraduateCheck(item, "pending_department", registry, _note(registry, "pending_department"))


# ---- the settlement check of Y+1 ---------------------------------------------------------------


@dataclass(frozen=True)
class SettlementRequest:
    year: int  # Y
    university: str
    education: str
    diploma_number: str
    degree_number: str | None
    training_mode: str
    employer_credit_code: str
    reported_for_duty_on: date


@dataclass
class SettlementOutcome:
    checks: list[GraduateCheck]
    waiting: list[Registry] = field(default_factory=list)

    @property
    def passed(self) -> bool | None:
        """``None`` while a registry is waiting; then true when every item is confirmed."""
        if self.waiting:
            return None
        return all(c.status == "confirmed" for c in self.checks)


def settlement_valid_until(year: int) -> date:
    """A passed check stands for the settlement year Y+1 (January to December, 第十七条(七))."""
    return date(year + 1, 12, 31)


def _months(first: str, last: str) -> list[str]:
    y, m = int(first[:4]), int(first[5:7])
    out = []
    while f"{y:04d}-{m:02d}" <= last:
        out.append(f"{y:04d}-{m:02d}")
        y, m = (y + 1, 1) if m == 12 else (y, m + 1)
    return out


def _next_month(month: str) -> str:
    y, m = int(month[:4]), int(month[5:7])
    return f"{y + 1:04d}-01" if m == 12 else f"{y:04d}-{m + 1:02d}"


def employer_months(insurance: Mapping[str, Any], credit_code: str, since: str, until: str) -> list[str]:
    """The months from ``since`` to ``until`` (``YYYY-MM``) in which the employer paid pension insurance
    for the graduate (normal or back-paid; a record that names no paying unit counts)."""
    months: set[str] = set()
    for r in insurance.get("records", []):
        if r["insurance"] != "pension" or (r.get("unit") and r["unit"] != credit_code):
            continue
        months.update(m for m in _months(r["from"], r["to"]) if since <= m <= until)
    return sorted(months)


def _education_checks(req: SettlementRequest, education: Mapping[str, Any]) -> list[GraduateCheck]:
    reg = EDUCATION_REGISTRY
    record = newest_record(education) if education.get("found") else None
    if record is None:
        return [
            _absent("education", reg, req.education),
            _absent("university", reg, req.university),
            _absent("diploma", reg, req.diploma_number),
            _absent("degree", reg, req.degree_number),
            _absent("training_mode", reg, req.training_mode),
        ]
    checks = [
        _check(
            "education", reg, req.education, record["education"] if record["graduated"] else "not_graduated"
        ),
        _check("university", reg, _text(req.university), _text(record["university"])),
    ]
    number = record["diploma_number"]
    checks.append(
        _check("diploma", reg, _text(req.diploma_number), _text(number))
        if number
        else _absent("diploma", reg, req.diploma_number)
    )
    degree = record["degree_number"]
    if record["education"] == "junior_college" and degree is None and req.degree_number is None:
        checks.append(
            GraduateCheck("degree", "confirmed", reg, _note(reg, "confirmed", "no degree for this level"))
        )
    elif degree is None:
        checks.append(_absent("degree", reg, req.degree_number))
    elif req.degree_number is None:
        checks.append(_check("degree", reg, None, degree, "no degree number was given 未报送学位证书编号"))
    else:
        checks.append(_check("degree", reg, _text(req.degree_number), _text(degree)))
    mode = record["training_mode"]
    detail = "" if mode == "non_directed" else "not non-directed training 非定向培养方可引进"
    check = _check("training_mode", reg, req.training_mode, mode, detail)
    if mode != "non_directed" and check.status == "confirmed":
        check = GraduateCheck(
            "training_mode", "corrected", reg, _note(reg, "corrected", detail), req.training_mode, mode
        )
    checks.append(check)
    return checks


def _insurance_checks(
    req: SettlementRequest, insurance: Mapping[str, Any], today: date, min_months: int
) -> list[GraduateCheck]:
    reg = SOCIAL_INSURANCE
    duty = req.reported_for_duty_on
    since, until = f"{duty:%Y-%m}", f"{today:%Y-%m}"
    months = (
        employer_months(insurance, req.employer_credit_code, since, until) if insurance.get("found") else []
    )
    if duty > today or duty.year not in (req.year, req.year + 1):
        duty_check = _absent(
            "reporting_for_duty",
            reg,
            duty.isoformat(),
            "the reporting date is not in Y or Y+1, or later than today",
        )
    elif months and months[0] <= _next_month(since):
        duty_check = GraduateCheck(
            "reporting_for_duty",
            "confirmed",
            reg,
            _note(
                reg,
                "confirmed",
                "the employer's insurance starts by the month after reporting 报到后按时参保",
            ),
            duty.isoformat(),
            months[0],
        )
    else:
        duty_check = _absent(
            "reporting_for_duty",
            reg,
            duty.isoformat(),
            "no employer insurance by the month after reporting 报到后未参保",
        )
    detail = f"{len(months)} month(s) paid by the employer since {since}, at least {min_months} needed"
    if len(months) >= min_months:
        paid = GraduateCheck(
            "social_insurance", "confirmed", reg, _note(reg, "confirmed", detail), min_months, len(months)
        )
    else:
        note = _note(reg, "not_found", detail)
        paid = GraduateCheck("social_insurance", "not_found", reg, note, min_months, len(months))
    return [duty_check, paid]


def check_settlement(
    req: SettlementRequest,
    registries: Mapping[str, Mapping[str, Any] | None],
    *,
    today: date,
    min_insurance_months: int = 1,
) -> SettlementOutcome:
    """The settlement check (``None`` in ``registries``: that registry has not answered yet)."""
    checks: list[GraduateCheck] = []
    waiting: list[Registry] = []
    education, insurance = registries.get(EDUCATION_REGISTRY), registries.get(SOCIAL_INSURANCE)
    if education is None:
        waiting.append(EDUCATION_REGISTRY)
        checks += [_pending(i, EDUCATION_REGISTRY) for i in SETTLEMENT_ITEMS[:5]]
    else:
        checks += _education_checks(req, education)
    if insurance is None:
        waiting.append(SOCIAL_INSURANCE)
        checks += [_pending(i, SOCIAL_INSURANCE) for i in SETTLEMENT_ITEMS[5:]]
    else:
        checks += _insurance_checks(req, insurance, today, min_insurance_months)
    return SettlementOutcome(checks, waiting)
