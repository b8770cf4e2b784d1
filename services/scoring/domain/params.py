"""Policy parameters: every amount, cap, table, window and cut-over date, as data.

The version codes and the rounds each governs are ``shared.policy.versions``' (one table for
all services); here each version's dated parameters are keyed by its code, with where each parameter
comes from (the article of the source text: seed 001 is the 2018 细则, seed 004 the
2020-era 细则; ``(data)`` marks readings confirmed against the published lists, see
``policy/points.md``). The rules in :mod:`.rules` read nothing but these objects, so a
new round with new amounts is a new :class:`PolicyVersion`, not a code change.

The registry is checked when this module is imported (:func:`_check_registry`, and
:func:`_check_against_shared`: the same codes and years as ``shared.policy``): a malformed table
fails at start-up, not in the middle of a scoring run.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from itertools import pairwise
from types import MappingProxyType
from typing import Literal

from shared.policy.versions import POINTS_POLICY_VERSIONS as GOVERNED_YEARS
from shared.policy.versions import PointsPolicyVersion

from .errors import PolicyVersionMismatch, UnknownPolicyRound, UnknownPolicyVersion
from .months import Month, month_of

D = Decimal

# --------------------------------------------------------------------------- model


@dataclass(frozen=True, slots=True)
class RoundRange:
    """Application rounds (申报年度) a version covers; ``last`` ``None`` = open-ended."""

    first: int
    last: int | None

    def covers(self, year: int) -> bool:
        return year >= self.first and (self.last is None or year <= self.last)

    def __str__(self) -> str:
        return f"{self.first}–{self.last}" if self.last is not None else f"{self.first} 起"


def rounds_governed_by(code: PointsPolicyVersion) -> RoundRange:
    """The rounds a points policy version governs, as ``shared.policy.versions`` owns them."""
    for version in GOVERNED_YEARS:
        if version.code == code:
            return RoundRange(version.first_year, version.last_year)
    raise UnknownPolicyVersion(code)  # pragma: no cover - the Literal and the table agree


@dataclass(frozen=True, slots=True)
class CountingParams:
    """Counting end E = 31 December of round−1; age reference A = 1 January of round−1."""

    article: str
    age_reference_article: str


@dataclass(frozen=True, slots=True)
class QualificationParams:
    residence_permit_article: str
    retirement_article: str
    retirement_age_male: int
    retirement_age_female_worker: int
    retirement_age_female_cadre: int
    insurance_article: str
    continuous_insurance_years: int
    max_back_paid_months: int
    """Per insurance type, within the continuous window."""
    criminal_record_article: str


@dataclass(frozen=True, slots=True)
class EmploymentParams:
    article: str
    count_from: Month
    points_per_year: Decimal


@dataclass(frozen=True, slots=True)
class HousingParams:
    article: str
    own_home_kinds: frozenset[str]
    points_per_year_own: Decimal
    points_per_year_dormitory: Decimal
    points_per_year_rented: Decimal
    lease_cutover: date
    """From this date a rented home counts only with a registered lease; before it, rental
    years equal employment years of the same period."""
    implied_rental_from: Month


@dataclass(frozen=True, slots=True)
class EducationRow:
    """One line of the education table."""

    label: str
    points: Decimal
    window_years: int
    """Years before graduation over which employment and residence points are deducted."""


@dataclass(frozen=True, slots=True)
class EducationParams:
    article: str
    table: str
    rows: Mapping[tuple[str, bool, bool], EducationRow]
    """``(level, diploma, degree)`` → row; absent key = the record scores nothing."""
    deduction_article: str | None
    """``None``: this version has no education deduction."""
    deduction_employment_points_per_year: Decimal
    deduction_residence_points_per_year: Decimal


@dataclass(frozen=True, slots=True)
class JobResidenceParams:
    article: str
    count_from: Month
    home_kinds: frozenset[str]
    central_districts: frozenset[str]
    """城六区, plus ``city`` (a city-level social-insurance account counts as central)."""
    live_points_per_year: Decimal
    live_cap: Decimal | None
    live_and_work_points_per_year: Decimal
    cap: Decimal
    requires_home_in_last_month: bool


@dataclass(frozen=True, slots=True)
class RankBand:
    first: int
    last: int
    points: Decimal


@dataclass(frozen=True, slots=True)
class AwardRule:
    """One item of the innovation table: flat ``points``, or graded by contributor rank."""

    name: str
    points: Decimal = Decimal(0)
    bands: tuple[RankBand, ...] = ()
    from_year: int | None = None
    min_prior_year_income_tax: Decimal | None = None


@dataclass(frozen=True, slots=True)
class EquityRule:
    min_share_percent: Decimal
    tiers: tuple[tuple[Decimal, Decimal], ...]
    """``(minimum financing over 3 years, points)``, highest first."""


@dataclass(frozen=True, slots=True)
class TenureRule:
    points_per_year: Decimal
    max_years: int
    cap: Decimal


@dataclass(frozen=True, slots=True)
class InnovationParams:
    article: str
    table: str
    awards: Mapping[str, AwardRule]
    equity: EquityRule | None
    tenure: TenureRule | None
    cap: Decimal


@dataclass(frozen=True, slots=True)
class TaxParams:
    article: str
    years: int
    """The years round−years … round−1."""
    mode: Literal["per_year", "average"]
    """``per_year``: points for each year at or above the threshold; ``average``: points once
    if the yearly average is at or above it. Both need tax paid in every year."""
    threshold: Decimal
    points: Decimal
    cap: Decimal


@dataclass(frozen=True, slots=True)
class DateWindow:
    """From 1 January of round−``years_back`` (or from ``fixed_start``) to the counting end."""

    years_back: int | None = None
    fixed_start: date | None = None

    def start(self, year: int) -> date:
        if self.fixed_start is not None:
            return self.fixed_start
        assert self.years_back is not None
        return date(year - self.years_back, 1, 1)


@dataclass(frozen=True, slots=True)
class TaxViolationParams:
    article: str
    window: DateWindow
    min_fine: Decimal
    points_each: Decimal


@dataclass(frozen=True, slots=True)
class AgeParams:
    article: str
    bands: tuple[tuple[int, Decimal], ...]
    """``(maximum completed age, points)`` ascending; older than the last band scores 0."""


@dataclass(frozen=True, slots=True)
class HonoursParams:
    article: str
    table: str
    titles: Mapping[str, str]
    """Title code → name."""
    points: Decimal


@dataclass(frozen=True, slots=True)
class LawAbidingParams:
    article: str
    window: DateWindow
    points_each: Decimal


@dataclass(frozen=True, slots=True)
class SelectionParams:
    article: str
    mode: Literal["quota", "score_line"]


@dataclass(frozen=True, slots=True)
class PolicyVersion:
    """All parameters of one version of the rules, and the rounds it applies to."""

    code: str
    title: str
    source: str
    rounds: RoundRange
    counting: CountingParams
    qualification: QualificationParams
    employment: EmploymentParams
    housing: HousingParams
    education: EducationParams
    job_residence: JobResidenceParams
    innovation: InnovationParams
    tax: TaxParams
    tax_violation: TaxViolationParams
    age: AgeParams
    honours: HonoursParams
    law_abiding: LawAbidingParams
    selection: SelectionParams


# --------------------------------------------------------------------------- shared tables

INSURANCE_NAMES: Mapping[str, str] = MappingProxyType(
    {
        "pension": "养老保险",
        "medical": "医疗保险",
        "unemployment": "失业保险",
        "injury": "工伤保险",
        "maternity": "生育保险",
    }
)

# 城六区 (东城, 西城, 朝阳, 丰台, 石景山, 海淀); a city-level account counts as central.
CENTRAL_DISTRICTS = frozenset({"110101", "110102", "110105", "110106", "110107", "110108", "city"})

HONOUR_TITLES: Mapping[str, str] = MappingProxyType(
    {
        "national_model_worker": "全国劳动模范",
        "bj_model_worker": "北京市劳动模范",
        "model_worker_equivalent": "享受同级劳模待遇的先进典型",
        "national_moral_model": "全国道德模范",
        "capital_moral_model": "首都道德模范",
        "national_heroic_model": "全国见义勇为英雄模范",
        "capital_heroic_citizen": "首都见义勇为好市民",
    }
)


def _bands(*rows: tuple[int, int, str]) -> tuple[RankBand, ...]:
    return tuple(RankBand(a, b, D(p)) for a, b, p in rows)


_CONTEST_TAX = D("35000")

# 附件3 (seed 004): items present in both versions.
_AWARDS_COMMON: dict[str, AwardRule] = {
    # 科技领域
    "nat_natural_science_1": AwardRule("国家自然科学奖一等奖", D(12)),
    "nat_natural_science_2": AwardRule("国家自然科学奖二等奖", bands=_bands((1, 3, "12"), (4, 5, "10"))),
    "nat_tech_invention_1": AwardRule("国家技术发明奖一等奖", D(12)),
    "nat_tech_invention_2": AwardRule("国家技术发明奖二等奖", bands=_bands((1, 3, "12"), (4, 6, "10"))),
    "nat_sci_tech_progress_special": AwardRule(
        "国家科学技术进步奖特等奖", bands=_bands((1, 15, "12"), (16, 30, "11"), (31, 50, "10"))
    ),
    "nat_sci_tech_progress_1": AwardRule(
        "国家科学技术进步奖一等奖", bands=_bands((1, 5, "12"), (6, 10, "11"), (11, 15, "10"))
    ),
    "nat_sci_tech_progress_2": AwardRule(
        "国家科学技术进步奖二等奖", bands=_bands((1, 3, "10"), (4, 6, "9"), (7, 10, "8"))
    ),
    "bj_zgc_outstanding_contribution": AwardRule("北京市科学技术奖突出贡献中关村奖", D(6)),
    "bj_zgc_young_talent": AwardRule("北京市科学技术奖杰出青年中关村奖", D(6)),
    "bj_sci_tech_major_innovation": AwardRule(
        "北京市科学技术奖重大创新奖", bands=_bands((1, 6, "6"), (7, 20, "5"))
    ),
    "bj_sci_tech_special": AwardRule("北京市科学技术奖特等奖", bands=_bands((1, 12, "6"), (13, 30, "5"))),
    "bj_sci_tech_1": AwardRule("北京市科学技术奖一等奖", bands=_bands((1, 6, "6"), (7, 15, "5"))),
    "bj_sci_tech_2": AwardRule("北京市科学技术奖二等奖", bands=_bands((1, 4, "6"), (5, 10, "5"))),
    "bj_sci_tech_3": AwardRule("北京市科学技术奖三等奖", bands=_bands((1, 3, "5"), (4, 6, "4"))),
    # 文化领域
    "five_ones_project": AwardRule("精神文明建设“五个一工程”奖", D(12)),
    "china_journalism_special_or_1": AwardRule("中国新闻奖特别奖、一等奖", D(12)),
    "changjiang_taofen": AwardRule("长江韬奋奖", D(12)),
    "china_journalism_2": AwardRule("中国新闻奖二等奖", D(9)),
    "china_journalism_3": AwardRule("中国新闻奖三等奖", D(6)),
    "bj_social_science_special_or_1": AwardRule("北京市哲学社会科学优秀成果奖特等奖、一等奖", D(6)),
    "bj_social_science_2": AwardRule("北京市哲学社会科学优秀成果奖二等奖", D(4)),
    # points.md writes the 二等奖 code as "`bj_social_science_special_or_1` / `_2`"; accept
    # the literal expansion of that shorthand too.
    "bj_social_science_special_or_2": AwardRule("北京市哲学社会科学优秀成果奖二等奖", D(4)),
    "bj_literature_art": AwardRule("北京市文学艺术奖", D(6)),
    "capital_civilization": AwardRule("首都精神文明建设奖", D(6)),
    "bj_journalism_1": AwardRule("北京新闻奖一等奖", D(6)),
    "bj_journalism_2": AwardRule("北京新闻奖二等奖", D(4)),
    "bj_journalism_3": AwardRule("北京新闻奖三等奖", D(2)),
    # 创新创业大赛
    "china_innovation_contest_1": AwardRule(
        "中国创新创业大赛行业总决赛一等奖", D(12), from_year=2012, min_prior_year_income_tax=_CONTEST_TAX
    ),
    "china_innovation_contest_2": AwardRule(
        "中国创新创业大赛行业总决赛二等奖", D(9), from_year=2012, min_prior_year_income_tax=_CONTEST_TAX
    ),
    "china_innovation_contest_3": AwardRule(
        "中国创新创业大赛行业总决赛三等奖", D(6), from_year=2012, min_prior_year_income_tax=_CONTEST_TAX
    ),
    "bj_innovation_contest_1": AwardRule(
        "中国·北京创新创业大赛总决赛一等奖", D(6), from_year=2015, min_prior_year_income_tax=_CONTEST_TAX
    ),
    "bj_innovation_contest_2": AwardRule(
        "中国·北京创新创业大赛总决赛二等奖", D(4), from_year=2015, min_prior_year_income_tax=_CONTEST_TAX
    ),
    "bj_innovation_contest_3": AwardRule(
        "中国·北京创新创业大赛总决赛三等奖", D(2), from_year=2015, min_prior_year_income_tax=_CONTEST_TAX
    ),
    "bj_cultural_creative_1": AwardRule("北京市文化创意大赛一等奖", D(6)),
    "bj_cultural_creative_2": AwardRule("北京市文化创意大赛二等奖", D(4)),
    "bj_cultural_creative_3": AwardRule("北京市文化创意大赛三等奖", D(3)),
    "bj_cultural_creative_single": AwardRule("北京市文化创意大赛单项奖", D(2)),
}

# 附件3 (seed 004) items of the 2020 rules only: skills and entrepreneurship contests.
_AWARDS_2020_ONLY: dict[str, AwardRule] = {
    "worldskills_medal": AwardRule("世界技能大赛优胜奖及以上奖牌", D(12), from_year=2011),
    "national_skills_1": AwardRule("国家级一类职业技能竞赛第 1 名", D(12), from_year=2011),
    "national_skills_2_3": AwardRule("国家级一类职业技能竞赛第 2–3 名", D(9), from_year=2011),
    "national_skills_4_5": AwardRule("国家级一类职业技能竞赛第 4–5 名", D(6), from_year=2011),
    "bj_skills_1": AwardRule("全市性市级一类职业技能竞赛第 1 名", D(6), from_year=2011),
    "bj_skills_2_3": AwardRule("全市性市级一类职业技能竞赛第 2–3 名", D(4), from_year=2011),
    "bj_skills_4_5": AwardRule("全市性市级一类职业技能竞赛第 4–5 名", D(2), from_year=2011),
    "china_chuangyi_1": AwardRule("“中国创翼”创业创新大赛全国决赛一等奖", D(12), from_year=2020),
    "china_chuangyi_2": AwardRule("“中国创翼”创业创新大赛全国决赛二等奖", D(9), from_year=2020),
    "china_chuangyi_3": AwardRule("“中国创翼”创业创新大赛全国决赛三等奖", D(6), from_year=2020),
    "chuangye_beijing_1": AwardRule("“创业北京”创业创新大赛决赛一等奖", D(6), from_year=2020),
    "chuangye_beijing_2": AwardRule("“创业北京”创业创新大赛决赛二等奖", D(4), from_year=2020),
    "chuangye_beijing_3": AwardRule("“创业北京”创业创新大赛决赛三等奖", D(2), from_year=2020),
}


def _education_2020() -> Mapping[tuple[str, bool, bool], EducationRow]:
    """附件2 (seed 004): points and deduction window per (level, diploma, degree)."""
    rows: dict[tuple[str, bool, bool], EducationRow] = {}
    # Junior college has no degree: the diploma alone decides.
    for degree in (False, True):
        rows[("junior_college", True, degree)] = EducationRow("大学专科（含高职）学历", D("10.5"), 3)
    names = {
        "bachelor": ("大学本科", "学士"),
        "master": ("硕士研究生", "硕士"),
        "doctor": ("博士研究生", "博士"),
    }
    one_of = {"bachelor": (D("10.5"), 3), "master": (D(15), 4), "doctor": (D(26), 3)}
    both = {"bachelor": (D(15), 4), "master": (D(26), 3), "doctor": (D(37), 3)}
    for level, (diploma_name, degree_name) in names.items():
        rows[(level, True, False)] = EducationRow(f"{diploma_name}学历（无学位）", *one_of[level])
        rows[(level, False, True)] = EducationRow(f"{degree_name}学位（无学历）", *one_of[level])
        rows[(level, True, True)] = EducationRow(f"{diploma_name}学历 + {degree_name}学位", *both[level])
    return MappingProxyType(rows)


def _education_2018() -> Mapping[tuple[str, bool, bool], EducationRow]:
    """Seed 001 第十三条（三）: bachelor and above need both certificates; a diploma alone
    scores as junior college; a degree alone scores nothing."""
    rows: dict[tuple[str, bool, bool], EducationRow] = {}
    for degree in (False, True):
        rows[("junior_college", True, degree)] = EducationRow("大学专科（含高职）学历", D("10.5"), 0)
    names = {
        "bachelor": ("大学本科", "学士"),
        "master": ("硕士研究生", "硕士"),
        "doctor": ("博士研究生", "博士"),
    }
    both = {"bachelor": D(15), "master": D(26), "doctor": D(37)}
    for level, (diploma_name, degree_name) in names.items():
        rows[(level, True, True)] = EducationRow(f"{diploma_name}学历 + {degree_name}学位", both[level], 0)
        rows[(level, True, False)] = EducationRow(f"{diploma_name}学历（无学位，按大学专科计）", D("10.5"), 0)
    return MappingProxyType(rows)


# --------------------------------------------------------------------------- versions

BJ_POINTS_2020 = PolicyVersion(
    code="bj-points-2020",
    title="北京市积分落户操作管理细则（2020 年起各年度）",
    source="seed 004 北京市积分落户操作管理细则（征求意见稿）, as applied (policy/points.md)",
    rounds=rounds_governed_by("bj-points-2020"),
    counting=CountingParams(article="第十六条", age_reference_article="第十五条（七）"),
    qualification=QualificationParams(
        residence_permit_article="第十四条（一）",
        retirement_article="第十四条（二）",
        retirement_age_male=60,
        retirement_age_female_worker=50,
        retirement_age_female_cadre=55,
        insurance_article="第十四条（三）",
        continuous_insurance_years=7,
        max_back_paid_months=5,
        criminal_record_article="第十四条（四）",
    ),
    employment=EmploymentParams(article="第十五条（一）", count_from=month_of(1998, 7), points_per_year=D(3)),
    housing=HousingParams(
        article="第十五条（二）",
        own_home_kinds=frozenset({"owned", "spouse_owned"}),
        points_per_year_own=D(1),
        points_per_year_dormitory=D("0.5"),
        points_per_year_rented=D("0.5"),
        lease_cutover=date(2017, 1, 1),
        implied_rental_from=month_of(1998, 7),
    ),
    education=EducationParams(
        article="第十五条（三）",
        table="附件2",
        rows=_education_2020(),
        deduction_article="第十五条（三）、附件2",
        deduction_employment_points_per_year=D(3),
        deduction_residence_points_per_year=D("0.5"),
    ),
    job_residence=JobResidenceParams(
        # (data) counted from 2018-01; the draft text says 2017-01-01.
        article="第十五条（四）",
        count_from=month_of(2018, 1),
        home_kinds=frozenset({"owned"}),
        central_districts=CENTRAL_DISTRICTS,
        live_points_per_year=D(2),
        live_cap=None,
        live_and_work_points_per_year=D(3),
        cap=D(12),
        requires_home_in_last_month=True,
    ),
    innovation=InnovationParams(
        article="第十五条（五）",
        table="附件3",
        awards=MappingProxyType({**_AWARDS_COMMON, **_AWARDS_2020_ONLY}),
        equity=EquityRule(
            min_share_percent=D(10),
            tiers=((D(40_000_000), D(6)), (D(20_000_000), D(4)), (D(5_000_000), D(2))),
        ),
        tenure=None,
        cap=D(12),
    ),
    tax=TaxParams(
        article="第十五条（六）1–2",
        years=3,
        mode="per_year",
        threshold=D(100_000),
        points=D(2),
        cap=D(6),
    ),
    tax_violation=TaxViolationParams(
        article="第十五条（六）3",
        window=DateWindow(years_back=5),
        min_fine=D(50),
        points_each=D(-12),
    ),
    age=AgeParams(
        article="第十五条（七）",
        bands=((45, D(20)), (46, D(16)), (47, D(12)), (48, D(8)), (49, D(4))),
    ),
    honours=HonoursParams(article="第十五条（八）", table="附件4", titles=HONOUR_TITLES, points=D(20)),
    law_abiding=LawAbidingParams(
        article="第十五条（九）", window=DateWindow(years_back=5), points_each=D(-30)
    ),
    selection=SelectionParams(article="第十条", mode="quota"),
)

BJ_POINTS_2018 = PolicyVersion(
    code="bj-points-2018",
    title="北京市积分落户操作管理细则（试行）（2018、2019 年度）",
    source="seed 001 北京市积分落户操作管理细则（试行）, in force until 2019-12-31 (第十七条); confidence lower",
    rounds=rounds_governed_by("bj-points-2018"),
    counting=CountingParams(article="第十四条", age_reference_article="第十三条（七）"),
    qualification=QualificationParams(
        residence_permit_article="第十二条（一）",
        retirement_article="第十二条（二）",
        retirement_age_male=60,
        retirement_age_female_worker=50,
        retirement_age_female_cadre=55,
        insurance_article="第十二条（三）",
        continuous_insurance_years=7,
        max_back_paid_months=5,
        criminal_record_article="第十二条（四）",
    ),
    employment=EmploymentParams(article="第十三条（一）", count_from=month_of(1998, 7), points_per_year=D(3)),
    housing=HousingParams(
        article="第十三条（二）",
        own_home_kinds=frozenset({"owned", "spouse_owned"}),
        points_per_year_own=D(1),
        points_per_year_dormitory=D("0.5"),
        points_per_year_rented=D("0.5"),
        lease_cutover=date(2017, 1, 1),
        implied_rental_from=month_of(1998, 7),
    ),
    education=EducationParams(
        article="第十三条（三）",
        table="第十三条（三）",
        rows=_education_2018(),
        deduction_article=None,
        deduction_employment_points_per_year=D(0),
        deduction_residence_points_per_year=D(0),
    ),
    job_residence=JobResidenceParams(
        article="第十三条（四）",
        count_from=month_of(2017, 1),
        home_kinds=frozenset({"owned"}),
        central_districts=CENTRAL_DISTRICTS,
        live_points_per_year=D(2),
        live_cap=D(6),
        live_and_work_points_per_year=D(4),
        cap=D(12),
        requires_home_in_last_month=True,
    ),
    innovation=InnovationParams(
        article="第十三条（五）",
        table="附2",
        awards=MappingProxyType(dict(_AWARDS_COMMON)),
        equity=None,
        tenure=TenureRule(points_per_year=D(2), max_years=3, cap=D(6)),
        cap=D(12),
    ),
    tax=TaxParams(
        article="第十三条（六）1–2",
        years=3,
        mode="average",
        threshold=D(100_000),
        points=D(2),
        cap=D(2),
    ),
    tax_violation=TaxViolationParams(
        article="第十三条（六）4",
        window=DateWindow(fixed_start=date(2017, 1, 1)),
        min_fine=D(50),
        points_each=D(-12),
    ),
    age=AgeParams(article="第十三条（七）", bands=((45, D(20)),)),
    honours=HonoursParams(article="第十三条（八）", table="附3", titles=HONOUR_TITLES, points=D(20)),
    law_abiding=LawAbidingParams(
        article="第十三条（九）", window=DateWindow(fixed_start=date(2017, 1, 1)), points_each=D(-30)
    ),
    selection=SelectionParams(article="第九条", mode="score_line"),
)

POLICY_VERSIONS: tuple[PolicyVersion, ...] = (BJ_POINTS_2018, BJ_POINTS_2020)
"""Every version, in round order."""

_BY_CODE: Mapping[str, PolicyVersion] = MappingProxyType({v.code: v for v in POLICY_VERSIONS})


def policy_by_code(code: str) -> PolicyVersion:
    """The policy version with this code, or :class:`UnknownPolicyVersion`."""
    try:
        return _BY_CODE[code]
    except KeyError:
        raise UnknownPolicyVersion(code) from None


def policy_for_round(year: int) -> PolicyVersion:
    """The policy version that covers application round ``year``, or :class:`UnknownPolicyRound`."""
    for version in POLICY_VERSIONS:
        if version.rounds.covers(year):
            return version
    raise UnknownPolicyRound(year)


def resolve_policy(year: int, requested: str | None = None) -> PolicyVersion:
    """The version for round ``year``; a ``requested`` version must cover that round."""
    if requested is None:
        return policy_for_round(year)
    version = policy_by_code(requested)
    if not version.rounds.covers(year):
        try:
            expected: str | None = policy_for_round(year).code
        except UnknownPolicyRound:
            expected = None
        raise PolicyVersionMismatch(requested, year, expected)
    return version


# --------------------------------------------------------------------------- start-up checks


def _check_version(v: PolicyVersion) -> list[str]:
    problems: list[str] = []

    def need(ok: bool, what: str) -> None:
        if not ok:
            problems.append(f"{v.code}: {what}")

    need(v.rounds.last is None or v.rounds.first <= v.rounds.last, "round range is empty")
    need(v.housing.lease_cutover.day == 1, "lease cut-over must be the first day of a month")
    need(v.qualification.continuous_insurance_years > 0, "continuous insurance years must be positive")
    for key, row in v.education.rows.items():
        need(row.points >= 0 and row.window_years >= 0, f"education row {key} is negative")
        need(
            v.education.deduction_article is None or row.window_years > 0,
            f"education row {key} has no window",
        )
    for code, award in v.innovation.awards.items():
        need((award.points > 0) != bool(award.bands), f"award {code} needs flat points xor rank bands")
        previous_last = 0
        for band in award.bands:
            need(previous_last < band.first <= band.last, f"award {code} bands overlap or are unordered")
            need(band.points > 0, f"award {code} band points must be positive")
            previous_last = band.last
        need(
            max([award.points, *(b.points for b in award.bands)]) <= v.innovation.cap,
            f"award {code} over cap",
        )
    if v.innovation.equity is not None:
        minimums = [m for m, _ in v.innovation.equity.tiers]
        need(minimums == sorted(minimums, reverse=True), "equity tiers must be highest first")
    ages = [a for a, _ in v.age.bands]
    need(ages == sorted(ages) and len(set(ages)) == len(ages), "age bands must be ascending")
    need(v.tax_violation.points_each < 0 and v.law_abiding.points_each < 0, "penalties must be negative")
    for window in (v.tax_violation.window, v.law_abiding.window):
        need((window.years_back is None) != (window.fixed_start is None), "a window needs exactly one start")
    return problems


def _check_registry(versions: tuple[PolicyVersion, ...]) -> None:
    problems: list[str] = []
    for v in versions:
        problems.extend(_check_version(v))
    codes = [v.code for v in versions]
    if len(set(codes)) != len(codes):
        problems.append("duplicate policy version codes")
    for earlier, later in pairwise(versions):
        if earlier.rounds.last is None or earlier.rounds.last + 1 != later.rounds.first:
            problems.append(f"{earlier.code} and {later.code} must cover consecutive rounds without overlap")
    if problems:
        raise ValueError("invalid policy parameters: " + "; ".join(problems))


def _check_against_shared(versions: tuple[PolicyVersion, ...]) -> None:
    """The parameters cover exactly the points policy versions of ``shared.policy``, with their years."""
    ours = [(v.code, v.rounds.first, v.rounds.last) for v in versions]
    theirs = [(v.code, v.first_year, v.last_year) for v in GOVERNED_YEARS]
    if ours != theirs:
        raise ValueError(f"policy parameters {ours} differ from shared.policy's versions {theirs}")


_check_registry(POLICY_VERSIONS)
_check_against_shared(POLICY_VERSIONS)
