"""The scoring rules: four qualification conditions and eleven indicators.

One named function per rule; its docstring cites the article it implements (``seed 004``
for ``bj-points-2020``, ``seed 001`` for ``bj-points-2018``; the article strings in the
explanations come from :mod:`.params`, so they follow the version). ``policy/points.md``
is the precise reading these functions follow.

Months are handled as month sets (bitsets, see :mod:`.months`): "every month of the
window has a contribution", "months covered by no own home", "months worked outside the
central districts" are bit operations, and a month counts at most once per category.
What depends only on the policy version and the round is in the :class:`~.round_context.RoundContext`
each rule receives.

A qualification rule returns ``(passed, reason)`` and an indicator rule ``(points,
explanation)``. Each decides at once and names the wording of its outcome (:mod:`.wordings`)
with the arguments it needs; the words are produced when the explanation is read (:mod:`.texts`).
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date
from decimal import Decimal
from typing import NamedTuple

from .facts import (
    INSURANCE_TYPES,
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
    TaxPenalty,
    TenureItem,
)
from .months import MONTH_SET_FIRST, MONTH_SET_LAST, Month, MonthSet, completed_age, month_label, month_span
from .params import AwardRule
from .points import ZERO, cents, from_cents, round2_fraction, times
from .result import Checked, Scored
from .round_context import RoundContext

_INSURANCE_INDEX = {name: i for i, name in enumerate(INSURANCE_TYPES)}
_LEVEL_ORDER = {"junior_college": 0, "bachelor": 1, "master": 2, "doctor": 3}


def _bit(months: MonthSet, month: Month) -> bool:
    offset = month - MONTH_SET_FIRST
    return offset >= 0 and bool((months >> offset) & 1)


class InsuranceMonths(NamedTuple):
    """Social-insurance months by type, and months worked outside the central districts."""

    normal: tuple[MonthSet, ...]
    """Per type (``INSURANCE_TYPES`` order): months with a normal (not back-paid) contribution."""
    back_paid: tuple[MonthSet, ...]
    """Per type: months with a back-paid contribution (a month may be in both)."""
    worked_outside: MonthSet
    """Months some record of any type, normal or back-paid, has a district outside 城六区."""


def insurance_months(records: Iterable[InsuranceRecord], central: frozenset[str]) -> InsuranceMonths:
    """Collect insurance records into month sets (the order of records is irrelevant)."""
    normal = [0, 0, 0, 0, 0]
    back = [0, 0, 0, 0, 0]
    outside = 0
    index = _INSURANCE_INDEX
    lowest, highest = MONTH_SET_FIRST, MONTH_SET_LAST
    for insurance, first, last, back_paid, district in records:
        # month_span, inlined: this loop runs for every record of every applicant.
        if first < lowest:
            first = lowest
        if last > highest:
            last = highest
        if first > last:
            continue
        span = ((1 << (last - first + 1)) - 1) << (first - lowest)
        if back_paid:
            back[index[insurance]] |= span
        else:
            normal[index[insurance]] |= span
        if district not in central:
            outside |= span
    return InsuranceMonths(tuple(normal), tuple(back), outside)


def residence_permit_condition(issued_on: date | None, ctx: RoundContext) -> Checked:
    """持有本市居住证 (seed 004 第十四条（一）; seed 001 第十二条（一））.

    A Beijing residence permit issued on or before the counting end E.
    """
    passed = issued_on is not None and issued_on <= ctx.counting_end
    return (passed, ("residence_permit", ctx.ref, issued_on))


def retirement_age_condition(person: Person, ctx: RoundContext) -> Checked:
    """不超过法定退休年龄 (seed 004 第十四条（二）; seed 001 第十二条（二））.

    Completed age on E below 60 for men, 50 for women workers (the default), 55 for women
    cadres or managers.
    """
    q = ctx.policy.qualification
    age = completed_age(person.birth_date, ctx.counting_end)
    if person.sex == "male":
        limit, who = q.retirement_age_male, "男性"
    elif person.female_job_category == "cadre":
        limit, who = q.retirement_age_female_cadre, "女干部（管理岗）"
    else:
        limit, who = q.retirement_age_female_worker, "女工人"
    return (age < limit, ("retirement_age", ctx.ref, age, limit, who))


def continuous_insurance_condition(ins: InsuranceMonths, ctx: RoundContext) -> Checked:
    """在京连续缴纳社会保险 7 年及以上 (seed 004 第十四条（三）; seed 001 第十二条（三））.

    For each of the five types, every month of the 84 ending with the month of E has a
    contribution (normal or back-paid), and at most 5 of them are back-paid only (a month
    is back-paid when its only contribution is a back-paid one).
    """
    window = ctx.continuous_window
    normal = ins.normal
    if not window & ~(normal[0] & normal[1] & normal[2] & normal[3] & normal[4]):
        return ctx.continuous_passed  # every month has a normal contribution of every type
    back = ins.back_paid
    missing = tuple(window & ~(normal[i] | back[i]) for i in range(5))
    back_only = tuple((back[i] & ~normal[i] & window).bit_count() for i in range(5))
    passed = not any(missing) and max(back_only) <= ctx.policy.qualification.max_back_paid_months
    return (passed, ("continuous_insurance", ctx.ref, missing, back_only))


def criminal_record_condition(criminal_record: bool, ctx: RoundContext) -> Checked:
    """无刑事犯罪记录 (seed 004 第十四条（四）; seed 001 第十二条（四））."""
    return ctx.criminal_failed if criminal_record else ctx.criminal_passed


class EmploymentBasis(NamedTuple):
    """What the employment indicator counted; the education deduction reuses it."""

    months: int
    counted: MonthSet
    """The months counted: normal months of the chosen type from the start month to E."""
    insurance: str


def employment_points(ins: InsuranceMonths, ctx: RoundContext) -> tuple[Scored, EmploymentBasis]:
    """合法稳定就业 (seed 004 第十五条（一）; seed 001 第十三条（一））.

    ``m`` = for the insurance type with the most such months, the months from 1998-07 to
    the month of E with a normal (not back-paid) contribution; 3 points a year, i.e.
    ``m × 0.25``, no cap. Ties between types go to the first in ``INSURANCE_TYPES`` order.
    """
    window = ctx.employment_window
    best, best_set, best_count = 0, 0, -1
    for i, months in enumerate(ins.normal):
        counted = months & window
        count = counted.bit_count()
        if count > best_count:
            best, best_set, best_count = i, counted, count
    n, d = ctx.employment_rate
    points = round2_fraction(best_count * n, d)
    name = INSURANCE_TYPES[best]
    line = (points, ("employment", ctx.ref, name, best_count, points))
    return line, EmploymentBasis(best_count, best_set, name)


class ResidenceMonths(NamedTuple):
    """Month sets derived from the housing records (before the housing cap)."""

    own: MonthSet
    """Qualifying own-home months."""
    dormitory: MonthSet
    """Qualifying dormitory months that are not own-home months."""
    rented: MonthSet
    """Qualifying rented months that are neither own-home nor dormitory months."""
    implied_rented: MonthSet
    """The part of ``rented`` before the lease cut-over, implied by insurance months."""
    owned_outside_central: MonthSet
    """Months in a qualifying home of a job-residence kind outside 城六区 (for 职住区域)."""


def residence_months(
    records: Iterable[HousingRecord], ins: InsuranceMonths, ctx: RoundContext
) -> ResidenceMonths:
    """The qualifying residence months of 合法稳定住所 (seed 004 第十五条（二）; seed 001 第十三条（二））.

    A record counts only if ``residential`` and ``certified``. From the lease cut-over
    (2017-01-01) a rented record counts only if its lease is registered; before it, every
    month from 1998-07 with a normal contribution of any insurance type that no own-home
    or dormitory record covers is a rented month (rental years equal employment years of
    the same period), and rented records themselves add nothing. A month counts once, as
    its best kind: own home, then dormitory, then rented. Months after E do not count.
    The same pass collects the months in an ``owned`` home outside 城六区, which
    :func:`job_residence_points` reads.
    """
    own_kinds = ctx.policy.housing.own_home_kinds
    jr = ctx.policy.job_residence
    jr_kinds = jr.home_kinds
    central = jr.central_districts
    cutover = ctx.lease_cutover_month
    lowest, highest = MONTH_SET_FIRST, MONTH_SET_LAST
    own = dorm = registered = outside = 0
    for kind, first, last, district, residential, certified, lease_registered in records:
        if not (residential and certified):
            continue
        if kind == "rented":
            if not lease_registered:
                continue
            if first < cutover:
                first = cutover
        if first < lowest:
            first = lowest
        if last > highest:
            last = highest
        if first > last:
            continue
        span = ((1 << (last - first + 1)) - 1) << (first - lowest)  # month_span, inlined
        if kind in own_kinds:
            own |= span
        elif kind == "unit_dormitory":
            dorm |= span
        else:
            registered |= span
        if kind in jr_kinds and district not in central:
            outside |= span
    upto = ctx.up_to_end
    own &= upto
    dorm &= upto & ~own
    n = ins.normal
    implied = (n[0] | n[1] | n[2] | n[3] | n[4]) & ctx.implied_rental_window & ~own & ~dorm
    rented = (implied | registered) & upto & ~own & ~dorm
    return ResidenceMonths(own, dorm, rented, implied, outside)


def housing_points(res: ResidenceMonths, employment_months: int, ctx: RoundContext) -> Scored:
    """合法稳定住所 (seed 004 第十五条（二）; seed 001 第十三条（二））.

    Own home (``owned`` or ``spouse_owned``) 1 point a year, unit dormitory 0.5, rented
    0.5. All residence months together are capped at the employment months ``m``; when
    the cap bites own-home months are kept first, then dormitory, then rented. Each kind
    is rounded on its own, ``round2(months × yearly ÷ 12)``, and the three are added (data).
    """
    own_n = res.own.bit_count()
    dorm_n = res.dormitory.bit_count()
    rent_n = res.rented.bit_count()
    total = own_n + dorm_n + rent_n
    if total > employment_months:
        own_n = min(own_n, employment_months)
        dorm_n = min(dorm_n, employment_months - own_n)
        rent_n = min(rent_n, employment_months - own_n - dorm_n)
    own_pts = round2_fraction(own_n * ctx.own_rate[0], ctx.own_rate[1])
    dorm_pts = round2_fraction(dorm_n * ctx.dormitory_rate[0], ctx.dormitory_rate[1])
    rent_pts = round2_fraction(rent_n * ctx.rented_rate[0], ctx.rented_rate[1])
    points = own_pts + dorm_pts + rent_pts
    text = (
        "housing",
        ctx.ref,
        total,
        employment_months,
        (own_n, dorm_n, rent_n),
        (own_pts, dorm_pts, rent_pts, points),
        res.implied_rented.bit_count(),
    )
    return (points, text)


def education_points(
    records: Iterable[EducationRecord], basis: EmploymentBasis, res: ResidenceMonths, ctx: RoundContext
) -> tuple[Scored, Scored]:
    """教育背景 and its deduction (seed 004 第十五条（三）and 附件2; seed 001 第十三条（三））.

    The highest single recognised record of the table (not cumulative); a record obtained
    after E does not count (第十六条). For ``bj-points-2020`` the record used also deducts,
    over the N×12 months ending with its graduation month, 0.25 for each month counted in
    ``employment`` and 0.5/12 for each month with a qualifying residence of any kind
    (before the housing cap), rounded half-up once. Of two records with the same points,
    the one with the smaller deduction is used.
    """
    p = ctx.policy.education
    rows = p.rows
    with_deduction = p.deduction_article is not None
    residence_any = res.own | res.dormitory | res.rented
    counted = basis.counted
    emp_weight, res_weight, divisor = ctx.deduction_ratio
    end = ctx.counting_end
    best: tuple[tuple[Decimal, int, date, int, bool, bool], str, Decimal, Month, Month, int, int] | None = (
        None
    )
    for level, diploma, degree, graduated_on, recognized in records:
        if not recognized or graduated_on > end:
            continue
        row = rows.get((level, diploma, degree))
        if row is None:
            continue
        grad = graduated_on.year * 12 + graduated_on.month - 1
        first = grad - 12 * row.window_years + 1
        emp = res_n = deduction_cents = 0
        if with_deduction:
            window = month_span(first, grad)
            emp = (counted & window).bit_count()
            res_n = (residence_any & window).bit_count()
            # (emp × 3 + res × 0.5) ÷ 12, in hundredths, rounded half-up.
            deduction_cents = ((emp * emp_weight + res_n * res_weight) * 200 + divisor) // (2 * divisor)
        # Highest points, then smallest deduction; the rest only makes the choice (and so
        # the explanation) independent of the order of the records.
        key = (-row.points, deduction_cents, graduated_on, _LEVEL_ORDER[level], diploma, degree)
        if best is None or key < best[0]:
            best = (key, row.label, row.points, first, grad, emp, res_n)
    if best is None:
        return ctx.no_education, ctx.no_education_deduction
    key, label, row_points, first, grad, emp, res_n = best
    points = from_cents(cents(row_points))
    edu = (points, ("education", ctx.ref, label, key[2], points))
    if not with_deduction:
        return edu, ctx.no_education_deduction
    deducted = key[1]
    ded = (from_cents(-deducted), ("education_deduction", ctx.ref, first, grad, emp, res_n, deducted))
    return edu, ded


def job_residence_points(res: ResidenceMonths, ins: InsuranceMonths, ctx: RoundContext) -> Scored:
    """职住区域 (seed 004 第十五条（四）; seed 001 第十三条（四））.

    From the start month (2018-01 for 2020, data; 2017-01 for 2018) to the month of E, a
    month living in a qualifying (residential, certified) ``owned`` home outside 城六区 is a
    *live* month; if some insurance record of that month (any type, normal or back-paid)
    has a district outside 城六区 and not ``city``, it is a *live-and-work* month. Whole
    years only. 2020: ``floor(lw/12) × 3 + floor(live-only/12) × 2``; 2018:
    ``floor(lw/12) × 4 + min(floor(live-only/12) × 2, 6)``; cap 12. Zero unless the
    applicant lives in such a home in the month of E.
    """
    p = ctx.policy.job_residence
    live = res.owned_outside_central & ctx.job_residence_window
    if p.requires_home_in_last_month and not _bit(live, ctx.last_month):
        return ctx.no_job_residence
    both = live & ins.worked_outside
    lw = both.bit_count()
    lo = (live & ~both).bit_count()
    lw_pts = times(lw // 12, p.live_and_work_points_per_year)
    lo_pts = times(lo // 12, p.live_points_per_year)
    capped = p.live_cap is not None and lo_pts > p.live_cap
    if capped:
        assert p.live_cap is not None
        lo_pts = from_cents(cents(p.live_cap))
    points = lw_pts + lo_pts
    if points > p.cap:
        points = from_cents(cents(p.cap))
    return (points, ("job_residence", ctx.ref, lw, lo, lw_pts, lo_pts, capped, points))


def _award_points(item: AwardItem, rule: AwardRule | None, ctx: RoundContext) -> tuple[Decimal, str]:
    """Points of one award and a description (or the reason it scores 0)."""
    if rule is None:
        return ZERO, f"{item.code}（{item.year} 年）不在本版本积分表中，不积分"
    label = f"{rule.name}（{item.year} 年）"
    if item.year > ctx.counting_end.year:
        return ZERO, f"{label}晚于 {ctx.counting_end.isoformat()}，不积分"
    if rule.from_year is not None and item.year < rule.from_year:
        return ZERO, f"{label}：该奖项 {rule.from_year} 年起计分，不积分"
    if rule.min_prior_year_income_tax is not None:
        tax = item.prior_year_income_tax
        if tax is None or tax < rule.min_prior_year_income_tax:
            shown = "无记录" if tax is None else f"{tax} 元"
            return (
                ZERO,
                f"{label}：申报前一年度个人所得税 {shown}，未达 {rule.min_prior_year_income_tax} 元，不积分",
            )
    if rule.bands:
        if item.rank is None:
            return ZERO, f"{label}：缺少完成人排名，不积分"
        for band in rule.bands:
            if band.first <= item.rank <= band.last:
                return (
                    band.points,
                    f"{label}第 {item.rank} 完成人（第 {band.first}–{band.last} 名）= {band.points}",
                )
        return ZERO, f"{label}第 {item.rank} 完成人，不在积分表范围内，不积分"
    return rule.points, f"{label} = {rule.points}"


def _equity_points(item: EquityItem, ctx: RoundContext) -> tuple[Decimal, str]:
    rule = ctx.policy.innovation.equity
    if rule is None:
        return ZERO, "股权类现金融资（equity）不在本版本积分表中，不积分"
    label = f"持股 {item.share_percent}%、近 3 年股权类现金融资 {item.financing_3y} 元"
    failures = []
    if item.share_percent < rule.min_share_percent:
        failures.append(f"持股低于 {rule.min_share_percent}%")
    if not item.company_certified:
        failures.append("企业未通过高新技术企业认定或科技型中小企业评价")
    if not item.held_full_year:
        failures.append("未连续工作并持股满一个自然年度")
    if failures:
        return ZERO, f"{label}：{'、'.join(failures)}，不积分"
    for minimum, points in rule.tiers:
        if item.financing_3y >= minimum:
            return points, f"{label}（≥ {minimum} 元）= {points}"
    return ZERO, f"{label}：融资未达 {rule.tiers[-1][0]} 元，不积分"


def _tenure_points(item: TenureItem, ctx: RoundContext) -> tuple[Decimal, str]:
    rule = ctx.policy.innovation.tenure
    span_text = f"{month_label(item.first)} 至 {month_label(item.last)}"
    if rule is None:
        return ZERO, f"高新技术企业任职（high_tech_tenure，{span_text}）仅适用于 2018 版细则，不积分"
    months = (month_span(item.first, item.last) & ctx.up_to_end).bit_count()
    years = min(months // 12, rule.max_years)
    points = min(times(years, rule.points_per_year), rule.cap)
    return (
        points,
        f"高新技术企业任职 {span_text} 共 {months} 个月（计满 {years} 年）× {rule.points_per_year} = {points}",
    )


def innovation_points(items: Iterable[InnovationItem], ctx: RoundContext) -> Scored:
    """创新创业 (seed 004 第十五条（五）and 附件3; seed 001 第十三条（五）and 附2).

    The single highest item of the version's table (not cumulative), cap 12. A code not in
    the table, an award before its "from" year or after E, a rank outside the table, a
    contest without the prior-year income tax of 35,000, or an item the version lacks
    (``equity`` in 2018, ``high_tech_tenure`` in 2020) scores 0 with a reason.
    """
    p = ctx.policy.innovation
    scored: list[tuple[Decimal, str]] = []
    for item in items:
        if isinstance(item, AwardItem):
            scored.append(_award_points(item, p.awards.get(item.code), ctx))
        elif isinstance(item, EquityItem):
            scored.append(_equity_points(item, ctx))
        else:
            scored.append(_tenure_points(item, ctx))
    if not scored:
        return ctx.no_innovation
    scored.sort(key=lambda s: (-s[0], s[1]))
    best = scored[0][0]
    points = from_cents(cents(min(best, p.cap))) if best > 0 else ZERO
    return (points, ("innovation", ctx.ref, tuple(scored), points))


def tax_points(records: Iterable[IncomeTaxRecord], ctx: RoundContext) -> Scored:
    """纳税 (seed 004 第十五条（六）1–2; seed 001 第十三条（六）1–2).

    Over the years round−3 … round−1, Beijing income tax must have been paid in each year
    (amount > 0; records of a year add up). 2020: 2 points for each year with at least
    100,000 yuan, cap 6. 2018: 2 points if the yearly average is at least 100,000.
    """
    p = ctx.policy.tax
    years = ctx.tax_years
    first_year = years[0]
    count = len(years)
    sums = [ZERO] * count
    for year, amount in records:
        k = year - first_year
        if 0 <= k < count:
            sums[k] += amount
    high = 0
    points = ZERO
    if all(amount > 0 for amount in sums):
        if p.mode == "per_year":
            high = sum(1 for amount in sums if amount >= p.threshold)
            points = min(times(high, p.points), from_cents(cents(p.cap)))
        elif sum(sums, ZERO) >= p.threshold * count:
            points = from_cents(cents(min(p.points, p.cap)))
    return (points, ("tax", ctx.ref, tuple(sums), high, points))


def tax_violation_points(penalties: Iterable[TaxPenalty], ctx: RoundContext) -> Scored:
    """涉税违法 (seed 004 第十五条（六）3; seed 001 第十三条（六）4).

    −12 for each tax administrative penalty with a fine of at least 50 yuan dated from
    1 January of round−5 (2018: from 2017-01-01) to E.
    """
    p = ctx.policy.tax_violation
    start = ctx.tax_violation_start
    end = ctx.counting_end
    hits = sorted(on for on, fine in penalties if start <= on <= end and fine >= p.min_fine)
    if not hits:
        return ctx.no_tax_violation
    points = times(len(hits), p.points_each)
    return (points, ("tax_violation", ctx.ref, tuple(hits), points))


def age_points(person: Person, ctx: RoundContext) -> Scored:
    """年龄 (seed 004 第十五条（七）; seed 001 第十三条（七））.

    Completed age on A = 1 January of round−1. 2020: ≤ 45 → 20, 46 → 16, 47 → 12,
    48 → 8, 49 → 4, older 0; 2018: ≤ 45 → 20, older 0.
    """
    age = completed_age(person.birth_date, ctx.age_reference)
    points = ZERO
    for max_age, band_points in ctx.age_points:
        if age <= max_age:
            points = band_points
            break
    return (points, ("age", ctx.ref, person.birth_date, age, points))


def honours_points(honours: Iterable[Honour], ctx: RoundContext) -> Scored:
    """荣誉表彰 (seed 004 第十五条（八）and 附件4; seed 001 第十三条（八）and 附3).

    20 if the applicant holds at least one title of the table awarded on or before E (or
    with no date); never more than 20.
    """
    p = ctx.policy.honours
    end = ctx.counting_end
    titles = p.titles
    held = sorted({titles[t] for t, on in honours if t in titles and (on is None or on <= end)})
    if not held:
        return ctx.no_honours
    points = from_cents(cents(p.points))
    return (points, ("honours", ctx.ref, tuple(held), points))


def law_abiding_points(detentions: Iterable[Detention], ctx: RoundContext) -> Scored:
    """守法记录 (seed 004 第十五条（九）; seed 001 第十三条（九））.

    −30 for each administrative detention by Beijing police dated from 1 January of
    round−5 (2018: from 2017-01-01) to E.
    """
    start = ctx.law_abiding_start
    end = ctx.counting_end
    hits = sorted(on for (on,) in detentions if start <= on <= end)
    if not hits:
        return ctx.no_detention
    points = times(len(hits), ctx.policy.law_abiding.points_each)
    return (points, ("law_abiding", ctx.ref, tuple(hits), points))
