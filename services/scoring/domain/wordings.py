"""How the explanations of the rules are worded: one registered wording per indicator or condition.

A rule (:mod:`.rules`) decides its outcome at once and stores ``(wording name, context reference,
*arguments)``; :func:`.texts.render` calls the function registered here under that name when someone
reads the explanation (see :mod:`.texts`). The words cite the article of the policy version (from
:mod:`.params`, through the round's context) and show the arithmetic, so each line can be checked.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import TYPE_CHECKING

from .facts import INSURANCE_TYPES
from .months import Month, MonthSet, describe_runs, month_label
from .params import INSURANCE_NAMES
from .points import from_cents
from .texts import wording

if TYPE_CHECKING:
    from .round_context import RoundContext


@wording("residence_permit")
def _permit_text(ctx: RoundContext, issued_on: date | None) -> str:
    w = ctx.words
    if issued_on is None:
        return (
            f"{ctx.policy.qualification.residence_permit_article}: 无北京市居住证记录，须在 {w['end']} 前申领"
        )
    verdict = "不晚于" if issued_on <= ctx.counting_end else "晚于"
    return f"{w['permit']}{issued_on.isoformat()}，{verdict} {w['end']}"


@wording("retirement_age")
def _retirement_text(ctx: RoundContext, age: int, limit: int, who: str) -> str:
    verdict = "低于" if age < limit else "已达到"
    return f"{ctx.words['retirement']}{age} 周岁，{verdict}{who}法定退休年龄 {limit} 周岁"


@wording("continuous_insurance")
def _continuous_text(ctx: RoundContext, missing: tuple[MonthSet, ...], back_only: tuple[int, ...]) -> str:
    q = ctx.policy.qualification
    limit = q.max_back_paid_months
    problems: list[str] = []
    for i, name in enumerate(INSURANCE_TYPES):
        if missing[i]:
            problems.append(f"{INSURANCE_NAMES[name]} {describe_runs(missing[i])} 无缴费记录")
        if back_only[i] > limit:
            problems.append(f"{INSURANCE_NAMES[name]}补缴 {back_only[i]} 个月，超过 {limit} 个月")
    if not problems:
        return (
            f"{q.insurance_article}: {month_label(ctx.continuous_first)} 至 {month_label(ctx.last_month)} "
            f"五险每月均有缴费，各险种补缴不超过 {limit} 个月"
        )
    return f"{q.insurance_article}: " + "；".join(problems)


@wording("employment")
def _employment_text(ctx: RoundContext, insurance: str, months: int, points: Decimal) -> str:
    w = ctx.words
    return f"{w['employment']}{INSURANCE_NAMES[insurance]}，不含补缴）{months}{w['employment_rate']}{points}"


@wording("housing")
def _housing_text(
    ctx: RoundContext,
    total: int,
    cap: int,
    counts: tuple[int, int, int],
    points: tuple[Decimal, Decimal, Decimal, Decimal],
    implied: int,
) -> str:
    w = ctx.words
    cap_note = ""
    if total > cap:
        cap_note = f"居住共 {total} 个月，超过合法稳定就业 {cap} 个月，按 {cap} 个月计（优先自有住所，其次单位宿舍、租赁住所）；"
    rent_note = f"（{w['cutover']} 前按同期就业计 {implied} 个月）" if implied else ""
    return (
        f"{w['housing']}{cap_note}自有住所 {counts[0]}{w['own_rate']}{points[0]}；"
        f"单位宿舍 {counts[1]}{w['dormitory_rate']}{points[1]}；"
        f"租赁住所 {counts[2]} 个月{rent_note}{w['rented_rate']}{points[2]}；每类分别四舍五入后合计 {points[3]}"
    )


@wording("education")
def _education_text(ctx: RoundContext, label: str, graduated_on: date, points: Decimal) -> str:
    return f"{ctx.words['education']}{label}（{graduated_on.isoformat()} 毕业）= {points}，取最高一项，不累计"


@wording("education_deduction")
def _deduction_text(
    ctx: RoundContext, first: Month, grad: Month, employment: int, residence: int, cents: int
) -> str:
    w = ctx.words
    return (
        f"{w['deduction']}{(grad - first + 1) // 12} 年（{month_label(first)} 至 {month_label(grad)}）内合法稳定就业 "
        f"{employment}{w['deduction_employment']}{residence}{w['deduction_residence']}{from_cents(cents)}，"
        f"扣除 {from_cents(-cents)}"
    )


@wording("job_residence")
def _job_residence_text(
    ctx: RoundContext, lw: int, lo: int, lw_pts: Decimal, lo_pts: Decimal, capped: bool, points: Decimal
) -> str:
    p = ctx.policy.job_residence
    lo_note = f"，上限 {p.live_cap}" if capped else ""
    return (
        f"{p.article}: {month_label(p.count_from)} 至 {month_label(ctx.last_month)} 在城六区以外自有住所居住且在"
        f"城六区以外就业 {lw} 个月（满 {lw // 12} 年 × {p.live_and_work_points_per_year} = {lw_pts}），"
        f"仅居住 {lo} 个月（满 {lo // 12} 年 × {p.live_points_per_year} = {lo_pts}{lo_note}），"
        f"合计上限 {p.cap} → {points}"
    )


@wording("innovation")
def _innovation_text(ctx: RoundContext, scored: tuple[tuple[Decimal, str], ...], points: Decimal) -> str:
    p = ctx.policy.innovation
    head = f"{p.article}、{p.table}"
    if points <= 0:
        return f"{head}: " + "；".join(t for _, t in scored) + " → 0.00"
    others = [t for _, t in scored[1:]]
    tail = f"（另：{'；'.join(others)}）" if others else ""
    return f"{head}: 取最高单项，不累计：{scored[0][1]}，上限 {p.cap} → {points}{tail}"


@wording("tax")
def _tax_text(ctx: RoundContext, sums: tuple[Decimal, ...], high: int, points: Decimal) -> str:
    p = ctx.policy.tax
    w = ctx.words
    years = ctx.tax_years
    unpaid = [str(y) for y, amount in zip(years, sums, strict=True) if amount <= 0]
    if unpaid:
        return f"{w['tax']}{'、'.join(unpaid)} 年无在京个人所得税，{w['tax_span']} 未连续纳税，不积分"
    amounts = "、".join([f"{y} 年 {amount} 元" for y, amount in zip(years, sums, strict=True)])
    if p.mode == "per_year":
        return (
            f"{w['tax']}{w['tax_span']} 连续纳税（{amounts}）；纳税额 ≥ {p.threshold} 元的年度 {high} 个"
            f" × {p.points}，上限 {p.cap} → {points}"
        )
    verdict = "不低于" if points > 0 else "低于"
    return f"{w['tax']}{w['tax_span']} 连续纳税（{amounts}），年均{verdict} {p.threshold} 元 → {points}"


@wording("tax_violation")
def _tax_violation_text(ctx: RoundContext, hits: tuple[date, ...], points: Decimal) -> str:
    p = ctx.policy.tax_violation
    return (
        f"{p.article}: {ctx.tax_violation_start.isoformat()} 至 {ctx.counting_end.isoformat()} 罚款 ≥ {p.min_fine} 元"
        f"的涉税行政处罚 {len(hits)} 次（{'、'.join(d.isoformat() for d in hits)}）× {p.points_each} = {points}"
    )


@wording("age")
def _age_text(ctx: RoundContext, birth: date, age: int, points: Decimal) -> str:
    return f"{ctx.words['age']}{age} 周岁（出生于 {birth.isoformat()}）→ {points}"


@wording("honours")
def _honours_text(ctx: RoundContext, held: tuple[str, ...], points: Decimal) -> str:
    p = ctx.policy.honours
    return f"{p.article}、{p.table}: {'、'.join(held)} = {points}（不累计）"


@wording("law_abiding")
def _law_abiding_text(ctx: RoundContext, hits: tuple[date, ...], points: Decimal) -> str:
    p = ctx.policy.law_abiding
    return (
        f"{p.article}: {ctx.law_abiding_start.isoformat()} 至 {ctx.counting_end.isoformat()} 行政拘留 {len(hits)} 次"
        f"（{'、'.join(d.isoformat() for d in hits)}）× {p.points_each} = {points}"
    )
