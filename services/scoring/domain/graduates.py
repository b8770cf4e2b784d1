"""Eligibility of a declared non-Beijing graduate for introduction (引进非北京生源毕业生), policy
``graduates-2018`` (seed 000, 北京市引进非北京生源毕业生工作管理办法), as ``../shared/policy/graduates.md``,
section "Eligibility, precisely", reads it.

Eleven checks, always in the contract's order, each a named function citing its article and explaining
itself in Chinese; ``passed`` is True, False or None (does not apply, or waived). A graduate is eligible
when no check is False. The quota treatment (第九条, 第十一条, 第十六条) is decided only for an eligible
graduate. Pure: dates in, result out; the year Y is the year of introduction.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Final, Literal, TypeAlias

from shared.policy.versions import GRADUATE_POLICY_VERSIONS, GraduatePolicyVersion

POLICY_VERSION: Final[GraduatePolicyVersion] = "graduates-2018"
assert POLICY_VERSION in {v.code for v in GRADUATE_POLICY_VERSIONS}

Education: TypeAlias = Literal["doctor", "master", "bachelor", "junior_college"]
QuotaTreatment: TypeAlias = Literal["counted", "not_counted", "separate_plan", "direct"]
CheckCode: TypeAlias = Literal[
    "fresh_graduate",
    "national_plan_non_directed",
    "no_labour_relation",
    "non_beijing_hukou",
    "education_level",
    "age",
    "school",
    "major_match",
    "employer_registered_one_year",
    "employer_good_standing",
    "founder",
]
CHECK_CODES: Final[tuple[CheckCode, ...]] = (
    "fresh_graduate",
    "national_plan_non_directed",
    "no_labour_relation",
    "non_beijing_hukou",
    "education_level",
    "age",
    "school",
    "major_match",
    "employer_registered_one_year",
    "employer_good_standing",
    "founder",
)
QUOTA_TREATMENTS: Final[tuple[QuotaTreatment, ...]] = ("counted", "not_counted", "separate_plan", "direct")

EDUCATION_ZH: Final = {
    "doctor": "博士研究生",
    "master": "硕士研究生",
    "bachelor": "本科",
    "junior_college": "专科",
}
SPECIAL_PLAN_ZH: Final = {
    "civil_service": "公务员招录",
    "village_official": "大学生村官",
    "selected_graduate": "选调生",
    "retired_soldier": "退役大学生士兵",
    "rural_special_post_teacher": "特岗教师",
    "city_specific_policy": "本市特定政策",
}


@dataclass(frozen=True)
class School:
    in_beijing: bool
    full_time_regular: bool
    double_first_class: bool
    kind: str  # regular | independent_arts | national_sports | provincial_normal | provincial_medical


@dataclass(frozen=True)
class Founder:
    initiator_or_main_founder: bool
    share_percent_at_founding: Decimal
    shares_by_transfer_or_later_investment: bool
    supported_sector: bool
    outstanding_results: bool


@dataclass(frozen=True)
class Family:
    parents_beijing_frontier_support: bool = False
    parents_beijing_educated_youth: bool = False
    close_relative_in_beijing_needs_care: bool = False
    both_parents_moved_to_beijing_with_hukou_during_study: bool = False


@dataclass(frozen=True)
class Graduate:
    birth_date: date
    beijing_hukou: bool
    education: Education
    graduated_on: date
    on_time: bool
    diploma: bool
    degree: bool
    enrolment: str  # national_plan | other
    training_mode: str  # non_directed | directed | commissioned
    labour_relation_during_study: str  # none | own_startup | employment
    school: School
    major_matches_post: bool
    outstanding_doctor: bool = False
    founder: Founder | None = None
    family: Family | None = None


@dataclass(frozen=True)
class Employer:
    registered_on: date
    good_standing: bool
    system: str  # education | health | culture | sports | other
    suburban: bool
    kind: str  # municipal_arts_troupe | municipal_sports_team | primary_secondary_school | public_health_unit | other
    post: str
    high_end_industry: bool = False
    innovation_team: bool = False
    municipal_university: bool = False
    municipal_health_institution: bool = False


@dataclass(frozen=True)
class GraduateFacts:
    """One employer's declaration of one graduate (``contracts/graduate-facts.schema.json``)."""

    introduction_year: int
    declared_on: date
    graduate: Graduate
    employer: Employer
    special_plan: str | None = None
    case_id: str | None = None


@dataclass(frozen=True)
class Check:
    code: CheckCode
    passed: bool | None
    article: str
    explanation: str


@dataclass(frozen=True)
class GraduateResult:
    case_id: str | None
    policy_version: str
    eligible: bool
    quota: QuotaTreatment | None
    age_limit: int | None
    checks: tuple[Check, ...]

    def check(self, code: CheckCode) -> Check:
        return self.checks[CHECK_CODES.index(code)]


def _yes(flag: bool) -> str:
    return "是" if flag else "否"


# ---- 第二条: who is a graduate -----------------------------------------------------------------


def fresh_graduate(f: GraduateFacts) -> Check:
    """第二条: a graduate of year Y, on time, with the diploma and the degree that go with the education
    (a junior-college programme awards no degree); obtained or expected at graduation."""
    g, y = f.graduate, f.introduction_year
    needs_degree = g.education != "junior_college"
    ok = g.graduated_on.year == y and g.on_time and g.diploma and (g.degree or not needs_degree)
    parts = [
        f"毕业时间{g.graduated_on.isoformat()}{'在' if g.graduated_on.year == y else '不在'}引进年度{y}年",
        f"按期毕业：{_yes(g.on_time)}",
        f"取得（或毕业时取得）学历证书：{_yes(g.diploma)}",
        f"学位证书：{_yes(g.degree)}" if needs_degree else "专科层次不授予学位",
    ]
    verdict = "属当年应届毕业生" if ok else "不属于当年按期毕业并取得相应学历学位的应届毕业生"
    return Check("fresh_graduate", ok, "第二条", f"{'；'.join(parts)}，{verdict}（第二条）。")


def national_plan_non_directed(f: GraduateFacts) -> Check:
    """第二条: admitted under the national unified enrolment plan, non-directed training."""
    g = f.graduate
    plan, mode = g.enrolment == "national_plan", g.training_mode == "non_directed"
    mode_zh = {"non_directed": "非定向", "directed": "定向", "commissioned": "委托培养"}.get(
        g.training_mode, g.training_mode
    )
    text = f"{'纳入' if plan else '未纳入'}国家统一招生计划，培养方式为{mode_zh}"
    ok = plan and mode
    return Check(
        "national_plan_non_directed",
        ok,
        "第二条",
        f"{text}，{'符合' if ok else '不符合'}“纳入国家统一招生计划的非定向”要求（第二条）。",
    )


def no_labour_relation(f: GraduateFacts) -> Check:
    """第二条: no labour relationship during study; a start-up of one's own during study is excepted."""
    rel = f.graduate.labour_relation_during_study
    ok = rel in ("none", "own_startup")
    text = {
        "none": "在校或休学期间无劳动关系",
        "own_startup": "在校或休学期间自主创业，属第二条除外情形",
        "employment": "在校或休学期间存在劳动关系",
    }.get(rel, rel)
    return Check("no_labour_relation", ok, "第二条", f"{text}（第二条）。")


def non_beijing_hukou(f: GraduateFacts) -> Check:
    """第二条: the graduate has no Beijing hukou (非北京生源)."""
    ok = not f.graduate.beijing_hukou
    text = "无北京市户口，属非北京生源" if ok else "已有北京市户口，不属于非北京生源"
    return Check("non_beijing_hukou", ok, "第二条", f"{text}（第二条）。")


# ---- 第十三条–第十五条: selection criteria (waived for a direct introduction, 第十六条) -----------


def age_limit(f: GraduateFacts) -> int | None:
    """第十三条、第十四条: L = 35 (doctor), 30 (master, education or health system), 27 (other masters),
    24 (bachelor); no level for junior college."""
    g, e = f.graduate, f.employer
    if g.education == "doctor":
        return 35
    if g.education == "master":
        return 30 if e.system in ("education", "health") else 27
    if g.education == "bachelor":
        return 24
    return None


def education_level(f: GraduateFacts) -> Check:
    """第十三条、第十四条: doctors and masters for any employer; bachelors only for culture or sports system
    employers and suburban employers; junior college never."""
    g, e = f.graduate, f.employer
    level = EDUCATION_ZH[g.education]
    if g.education in ("doctor", "master"):
        return Check("education_level", True, "第十三条", f"{level}学历，各类用人单位均可引进（第十三条）。")
    if g.education == "bachelor":
        ok = e.system in ("culture", "sports") or e.suburban
        text = (
            "用人单位属文化、体育系统或郊区用人单位，可引进本科毕业生"
            if ok
            else "本科毕业生仅限文化、体育系统和郊区用人单位引进，本用人单位不属于此范围"
        )
        return Check("education_level", ok, "第十四条", f"{text}（第十四条）。")
    return Check(
        "education_level", False, "第十三条、第十四条", "专科学历不在引进学历范围内（第十三条、第十四条）。"
    )


def age(f: GraduateFacts) -> tuple[Check, int | None]:
    """第十三条、第十四条: born on or after 1 January of Y − L (Y − birth year ≤ L). Also checked for a
    bachelor whose employer may not take bachelors (the age rule stands on its own)."""
    limit = age_limit(f)
    if limit is None:
        return Check("age", None, "第十三条、第十四条", "专科学历无对应年龄条件，不适用。"), None
    y, born = f.introduction_year, f.graduate.birth_date
    years = y - born.year
    ok = years <= limit
    earliest = date(y - limit, 1, 1)
    article = "第十四条" if f.graduate.education == "bachelor" or limit == 30 else "第十三条"
    text = (
        f"{EDUCATION_ZH[f.graduate.education]}年龄一般不超过{limit}周岁（{earliest.isoformat()}及以后出生）；"
        f"出生于{born.isoformat()}，按年度计{years}岁，{'符合' if ok else '超过'}年龄条件（{article}）。"
    )
    return Check("age", ok, article, text), limit


_EXCEPTIONS: Final = (
    # (employer kind, required system or "suburban", posts, school kind, wording)
    (
        "municipal_arts_troupe",
        "culture",
        frozenset({"writer", "director", "actor", "stage_technician"}),
        "independent_arts",
        "市属文艺院团的编剧、导演、演员、舞台技术岗位可引进独立设置的艺术院校毕业生（第十四条（一））",
    ),
    (
        "municipal_sports_team",
        "sports",
        frozenset({"athlete", "coach"}),
        "national_sports",
        "市属专业运动队的运动员、教练员岗位可引进国家体育总局直属体育院校毕业生（第十四条（二））",
    ),
    (
        "primary_secondary_school",
        "suburban",
        frozenset({"teacher"}),
        "provincial_normal",
        "郊区中小学教师岗位可引进省属师范院校毕业生（第十四条（三））",
    ),
    (
        "public_health_unit",
        "suburban",
        frozenset({"medical", "pharmacy", "nursing", "medical_technician"}),
        "provincial_medical",
        "郊区公共卫生单位医、药、护、技岗位可引进省属医学院校毕业生（第十四条（四））",
    ),
)


def school(f: GraduateFacts) -> Check:
    """第十四条: a bachelor's school is a full-time regular university in Beijing, or a 双一流 university or
    discipline outside Beijing; or one of the four exceptions (which name the school's kind only)."""
    g, e = f.graduate, f.employer
    if g.education != "bachelor":
        return Check("school", None, "第十四条", "非本科学历，不适用院校条件（第十四条）。")
    s = g.school
    if s.in_beijing and s.full_time_regular:
        return Check("school", True, "第十四条", "毕业于北京地区全日制普通高等学校（第十四条）。")
    if not s.in_beijing and s.double_first_class:
        return Check(
            "school", True, "第十四条", "毕业于京外地区一流大学建设高校或一流学科建设高校（第十四条）。"
        )
    for kind, where, posts, school_kind, wording in _EXCEPTIONS:
        place_ok = e.suburban if where == "suburban" else e.system == where
        if e.kind == kind and place_ok and e.post in posts and s.kind == school_kind:
            return Check("school", True, "第十四条", f"{wording}。")
    reason = (
        "北京地区院校但非全日制普通高等学校"
        if s.in_beijing
        else "京外院校且非一流大学建设高校或一流学科建设高校"
    )
    return Check(
        "school", False, "第十四条", f"{reason}，亦不属于第十四条（一）至（四）的例外情形（第十四条）。"
    )


def major_match(f: GraduateFacts) -> Check:
    """第十五条: the major fits the employer's business and the post."""
    ok = f.graduate.major_matches_post
    text = "所学专业与用人单位主营业务及拟聘岗位相符" if ok else "所学专业与用人单位主营业务及拟聘岗位不符"
    return Check("major_match", ok, "第十五条", f"{text}（第十五条）。")


# ---- 第十条: the employer ------------------------------------------------------------------------


def one_year_before(day: date) -> date:
    """The same calendar day one year earlier; 29 February maps to 28 February."""
    if day.month == 2 and day.day == 29:
        return date(day.year - 1, 2, 28)
    return day.replace(year=day.year - 1)


def employer_registered_one_year(f: GraduateFacts) -> Check:
    """第十条: registered in Beijing at least one year: on or before the same day one year before the
    declaration (a declaration on 29 February looks at 28 February of the year before)."""
    limit = one_year_before(f.declared_on)
    reg = f.employer.registered_on
    ok = reg <= limit
    text = (
        f"用人单位注册日期{reg.isoformat()}，申报日期{f.declared_on.isoformat()}，"
        f"{'已' if ok else '未'}满1年（须在{limit.isoformat()}或之前注册）（第十条）。"
    )
    return Check("employer_registered_one_year", ok, "第十条", text)


def employer_good_standing(f: GraduateFacts) -> Check:
    """第十条: operates normally, good credit, no violations."""
    ok = f.employer.good_standing
    text = "用人单位经营正常、信用良好、无违法违规记录" if ok else "用人单位经营状况或信用记录不符合要求"
    return Check("employer_good_standing", ok, "第十条", f"{text}（第十条）。")


# ---- 第十二条: start-up founders -----------------------------------------------------------------


def founder(f: GraduateFacts) -> Check:
    """第十二条: a founder qualifies only as initiator or main founder, with at least 10% of the shares at
    founding (not by transfer or later investment), in a supported sector, with outstanding results.
    Without founder facts, a start-up during study fails (第二条 excepts only a founder who meets 第十二条)."""
    g = f.graduate
    fd = g.founder
    if fd is None:
        if g.labour_relation_during_study == "own_startup":
            return Check(
                "founder",
                False,
                "第十二条",
                "在校或休学期间自主创业，但未申报创业情况，无法认定符合第十二条（第二条、第十二条）。",
            )
        return Check("founder", None, "第十二条", "未在校自主创业，不适用（第十二条）。")
    conditions = [
        (fd.initiator_or_main_founder, "为创业企业发起人或主要创始人"),
        (fd.share_percent_at_founding >= 10, f"创立时持股{fd.share_percent_at_founding}%（不低于10%）"),
        (not fd.shares_by_transfer_or_later_investment, "股份非通过转让或后续投资取得"),
        (fd.supported_sector, "属本市支持的高精尖、文化创意等产业领域"),
        (fd.outstanding_results, "创业成果突出"),
    ]
    ok = all(c for c, _ in conditions)
    failed = [t for c, t in conditions if not c]
    if ok:
        return Check("founder", True, "第十二条", f"{'；'.join(t for _, t in conditions)}，符合第十二条。")
    return Check("founder", False, "第十二条", f"不满足：{'；'.join(failed)}（第十二条）。")


# ---- 第十六条, 第九条, 第十一条: direct introduction and quota treatment ------------------------


def direct_grounds(f: GraduateFacts) -> str | None:
    """第十六条: the family ground for a direct introduction, or None. A missing ground counts as not held."""
    fam = f.graduate.family or Family()
    care = fam.close_relative_in_beijing_needs_care
    if fam.parents_beijing_frontier_support and care:
        return "父母为北京支边人员且在京有需要照顾的近亲属"
    if fam.parents_beijing_educated_youth and care:
        return "父母为北京知青且在京有需要照顾的近亲属"
    if fam.both_parents_moved_to_beijing_with_hukou_during_study:
        return "就学期间父母双方调入北京并落户"
    return None


def _waived(code: CheckCode, article: str, ground: str) -> Check:
    return Check(code, None, article, f"{ground}，依第十六条直接引进，免于{article}的选拔条件。")


def quota_treatment(f: GraduateFacts, direct: bool) -> QuotaTreatment:
    """The first that applies: 计划单列 (第九条) → separate_plan; 第十六条 → direct; an outstanding doctor
    of a high-end industry employer, innovation team, municipal university or health institution
    (第十一条) → not_counted; otherwise counted (one unit of the supervising unit's quota)."""
    if f.special_plan:
        return "separate_plan"
    if direct:
        return "direct"
    g, e = f.graduate, f.employer
    if (
        g.outstanding_doctor
        and g.education == "doctor"
        and (
            e.high_end_industry
            or e.innovation_team
            or e.municipal_university
            or e.municipal_health_institution
        )
    ):
        return "not_counted"
    return "counted"


def eligibility(f: GraduateFacts) -> GraduateResult:
    """All eleven checks, eligibility and the quota treatment of one declared graduate."""
    ground = direct_grounds(f)
    limit: int | None
    if ground is not None:
        selection = {
            "education_level": _waived("education_level", "第十三条、第十四条", ground),
            "age": _waived("age", "第十三条、第十四条", ground),
            "school": _waived("school", "第十四条", ground),
            "major_match": _waived("major_match", "第十五条", ground),
        }
        limit = None
    else:
        age_check, limit = age(f)
        selection = {
            "education_level": education_level(f),
            "age": age_check,
            "school": school(f),
            "major_match": major_match(f),
        }
    checks = (
        fresh_graduate(f),
        national_plan_non_directed(f),
        no_labour_relation(f),
        non_beijing_hukou(f),
        selection["education_level"],
        selection["age"],
        selection["school"],
        selection["major_match"],
        employer_registered_one_year(f),
        employer_good_standing(f),
        founder(f),
    )
    assert tuple(c.code for c in checks) == CHECK_CODES
    eligible = all(c.passed is not False for c in checks)
    return GraduateResult(
        case_id=f.case_id,
        policy_version=POLICY_VERSION,
        eligible=eligible,
        quota=quota_treatment(f, ground is not None) if eligible else None,
        age_limit=limit,
        checks=checks,
    )
