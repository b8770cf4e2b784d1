"""A policy version applied to one round, built once and kept: the round context the rules read.

Everything that depends only on the policy version and the round (the counting end and the age
reference, the month windows, the point rates as ratios, the fixed fragments of the explanations and
the results of the common cases) is computed once per pair in a :class:`RoundContext` and cached for
the process lifetime: stored explanations refer to their context by ``(policy version code, round)``
(:mod:`.texts`), so a context, once built, is never dropped. The wordings those explanations name are
registered by importing :mod:`.wordings`.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from itertools import count

from . import wordings as _wordings  # noqa: F401  (registers the wordings the texts name)
from .errors import UnknownPolicyVersion
from .months import MONTH_SET_FIRST, Month, MonthSet, month_label, month_of, month_of_date, month_span
from .params import PolicyVersion, policy_by_code, resolve_policy
from .points import ZERO, cents, from_cents
from .result import Checked, Scored
from .texts import ContextRef, register_context, set_context_resolver


@dataclass(frozen=True, slots=True, eq=False)
class RoundContext:
    """A policy version applied to application round ``year``: its dates and windows.

    Dates follow policy/points.md, "Dates of a round": the counting end E is 31 December
    of year−1 (seed 004 第十六条) and the age reference A is 1 January of year−1 (seed 004
    第十五条（七））.
    """

    policy: PolicyVersion
    year: int
    ref: ContextRef
    """How stored texts refer to this context (see :mod:`.texts`)."""
    counting_end: date
    age_reference: date
    last_month: Month
    """The month of E: everything is counted up to and including it."""
    up_to_end: MonthSet
    employment_window: MonthSet
    continuous_first: Month
    continuous_window: MonthSet
    lease_cutover_month: Month
    implied_rental_window: MonthSet
    job_residence_window: MonthSet
    tax_years: tuple[int, ...]
    tax_violation_start: date
    law_abiding_start: date
    employment_rate: tuple[int, int]
    """Points per month as ``(numerator, denominator)``: 3 a year = 3/12."""
    own_rate: tuple[int, int]
    dormitory_rate: tuple[int, int]
    rented_rate: tuple[int, int]
    deduction_ratio: tuple[int, int, int]
    """Education deduction = (employment months × a + residence months × b) ÷ c."""
    age_points: tuple[tuple[int, Decimal], ...]
    words: dict[str, str]
    """Fixed fragments of the explanations of this round (articles, dates, rates)."""
    # Results that depend on the round only, built once.
    continuous_passed: Checked
    criminal_passed: Checked
    criminal_failed: Checked
    no_job_residence: Scored
    no_innovation: Scored
    no_tax_violation: Scored
    no_honours: Scored
    no_detention: Scored
    no_education: Scored
    no_education_deduction: Scored


def _rate(points_per_year: Decimal) -> tuple[int, int]:
    n, d = points_per_year.as_integer_ratio()
    return n, 12 * d


def _build_context(policy: PolicyVersion, year: int, ref: ContextRef) -> RoundContext:
    end = date(year - 1, 12, 31)
    last = month_of(year - 1, 12)
    q = policy.qualification
    continuous_first = last - 12 * q.continuous_insurance_years + 1
    cutover = month_of_date(policy.housing.lease_cutover)
    housing = policy.housing
    tv = policy.tax_violation
    la = policy.law_abiding
    tv_start = tv.window.start(year)
    la_start = la.window.start(year)
    jr = policy.job_residence
    edu = policy.education
    e_n, e_d = edu.deduction_employment_points_per_year.as_integer_ratio()
    r_n, r_d = edu.deduction_residence_points_per_year.as_integer_ratio()
    if edu.deduction_article is not None:
        no_deduction: Scored = (ZERO, f"{edu.deduction_article}: 无计分学历，不扣除")
    else:
        no_deduction = (ZERO, f"{edu.article}: 本版本细则无学历期间积分扣除")
    emp = policy.employment
    years = tuple(range(year - policy.tax.years, year))
    words = {
        "end": end.isoformat(),
        "permit": f"{q.residence_permit_article}: 居住证申领于 ",
        "retirement": f"{q.retirement_article}: 截至 {end.isoformat()} 年满 ",
        "employment": (
            f"{emp.article}: {month_label(emp.count_from)} 至 {month_label(last)} 正常缴费月数最多的险种（"
        ),
        "employment_rate": f" 个月 × {emp.points_per_year / 12} = ",
        "housing": f"{housing.article}: ",
        "own_rate": f" 个月 × {housing.points_per_year_own} ÷ 12 = ",
        "dormitory_rate": f" 个月 × {housing.points_per_year_dormitory} ÷ 12 = ",
        "rented_rate": f" × {housing.points_per_year_rented} ÷ 12 = ",
        "cutover": month_label(cutover),
        "education": f"{edu.article}、{edu.table}: ",
        "deduction": f"{edu.deduction_article}: 毕业前 ",
        "deduction_employment": f" 个月 × {edu.deduction_employment_points_per_year / 12} + 合法稳定住所 ",
        "deduction_residence": f" 个月 × {edu.deduction_residence_points_per_year} ÷ 12 = ",
        "age": f"{policy.age.article}: 截至 {date(year - 1, 1, 1).isoformat()} 年满 ",
        "tax": f"{policy.tax.article}: ",
        "tax_span": f"{years[0]}–{years[-1]}",
    }
    return RoundContext(
        policy=policy,
        year=year,
        ref=ref,
        counting_end=end,
        age_reference=date(year - 1, 1, 1),
        last_month=last,
        up_to_end=month_span(MONTH_SET_FIRST, last),
        employment_window=month_span(policy.employment.count_from, last),
        continuous_first=continuous_first,
        continuous_window=month_span(continuous_first, last),
        lease_cutover_month=cutover,
        implied_rental_window=month_span(housing.implied_rental_from, min(cutover - 1, last)),
        job_residence_window=month_span(jr.count_from, last),
        tax_years=years,
        tax_violation_start=tv_start,
        law_abiding_start=la_start,
        employment_rate=_rate(emp.points_per_year),
        own_rate=_rate(housing.points_per_year_own),
        dormitory_rate=_rate(housing.points_per_year_dormitory),
        rented_rate=_rate(housing.points_per_year_rented),
        deduction_ratio=(e_n * r_d, r_n * e_d, 12 * e_d * r_d),
        age_points=tuple((age, from_cents(cents(points))) for age, points in policy.age.bands),
        words=words,
        continuous_passed=(
            True,
            f"{q.insurance_article}: {month_label(continuous_first)} 至 {month_label(last)} 共 "
            f"{12 * q.continuous_insurance_years} 个月五险均有正常缴费",
        ),
        criminal_passed=(True, f"{q.criminal_record_article}: 无刑事犯罪记录"),
        criminal_failed=(False, f"{q.criminal_record_article}: 有刑事犯罪记录"),
        no_job_residence=(ZERO, f"{jr.article}: {month_label(last)} 未在城六区以外的自有住所居住，不积分"),
        no_innovation=(ZERO, f"{policy.innovation.article}、{policy.innovation.table}: 无创新创业项目"),
        no_tax_violation=(
            ZERO,
            f"{tv.article}: {tv_start.isoformat()} 至 {end.isoformat()} 无罚款 ≥ {tv.min_fine} 元的涉税行政处罚",
        ),
        no_honours=(
            ZERO,
            f"{policy.honours.article}、{policy.honours.table}: 无 {end.isoformat()} 前获得的荣誉表彰称号",
        ),
        no_detention=(ZERO, f"{la.article}: {la_start.isoformat()} 至 {end.isoformat()} 无行政拘留记录"),
        no_education=(ZERO, f"{edu.article}、{edu.table}: 无可计分的经教育部认可的学历（学位）"),
        no_education_deduction=no_deduction,
    )


_CONTEXTS: dict[tuple[int, int], RoundContext] = {}
_UNREGISTERED = count(1)


def round_context(policy: PolicyVersion, year: int) -> RoundContext:
    """The context of ``policy`` applied to round ``year``, built once per pair.

    Contexts live as long as the process (stored texts refer to them); there is one per
    policy version and round, so a handful in practice.
    """
    key = (id(policy), year)
    ctx = _CONTEXTS.get(key)
    if ctx is None or ctx.policy is not policy:
        try:
            registered = policy_by_code(policy.code) is policy
        except UnknownPolicyVersion:
            registered = False
        code = policy.code if registered else f"{policy.code}#{next(_UNREGISTERED)}"
        ctx = _CONTEXTS[key] = _build_context(policy, year, (code, year))
        register_context(ctx.ref, ctx)
    return ctx


def _resolve_context(ref: ContextRef) -> RoundContext:
    code, year = ref
    try:
        return round_context(policy_by_code(code), year)
    except UnknownPolicyVersion:
        raise LookupError(
            f"an explanation refers to policy version {code!r}, unknown in this process"
        ) from None


set_context_resolver(_resolve_context)


_CONTEXT_BY_REQUEST: dict[tuple[int, str | None], RoundContext] = {}
"""(round, requested version) → context; registered versions never change."""


def context_for_request(year: int, requested: str | None) -> RoundContext:
    """The context of the version ``requested`` (or the one covering ``year``) for round ``year``.

    Raises :class:`~.errors.UnknownPolicyRound` or :class:`~.errors.PolicyVersionMismatch`.
    """
    ctx = _CONTEXT_BY_REQUEST.get((year, requested))
    if ctx is None:
        ctx = round_context(resolve_policy(year, requested), year)
        if len(_CONTEXT_BY_REQUEST) < 4096:
            _CONTEXT_BY_REQUEST[(year, requested)] = ctx
    return ctx
