"""Who takes part in the demo round, decided up front and deterministically.

Points applicants come from the mock registries' synthetic population
(:func:`services.review.mock_registries.population.generate_population`, the same people the registries
hold); each gets a plan: which deliberate differences its declaration has (caught by verification), whether
it declares the items only an on-site review can prove (education, awards, honours, a spouse's home, a
cadre category; staff decide those tasks), and whether it is one of the few fraud cases (a declared home
the housing registry does not know). Qualification failures come from the population itself (no residence
permit, a criminal record, too few years of insurance).

Graduates are people of the right age for the 学信 mock registry's derived records
(:func:`services.review.mock_registries.graduates.derive_education`): their declaration repeats what the
registry holds, so eligibility follows from the record (a master of 28, a bachelor at an ordinary employer,
a directed training mode, an employer under one year old fail; 第十三条–第十五条, 第二条, 第十条).
"""

from __future__ import annotations

import random
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from services.review.mock_registries.graduates import UNIVERSITIES, derive_company, derive_education
from services.review.mock_registries.population import DEFAULT_SEED, SyntheticPerson, declaration_for
from shared.validation.identifiers import credit_code_check_character, synthetic_resident_id

#: Differences a declaration may carry on purpose (verification corrects them), in turn. (A birth date
#: other than the ID number's is refused by intake at once, so it is not among them.)
SOFT_DIFFERENCES = (
    "insurance_extra_months",
    "income_tax_higher",
    "residence_permit_earlier",
    "tax_penalties_omitted",
    "detentions_omitted",
)
#: A home the housing registry does not know: the fraud cases.
FRAUD_DIFFERENCE = "owned_home_claimed"
#: Birthplace code of the graduates' ID numbers: none of the points population's regions, so a graduate
#: registered at the social-insurance registry never replaces a points applicant.
GRADUATE_REGION = "440106"
LEVEL_BY_REGISTRY = {
    "博士研究生": "doctor",
    "硕士研究生": "master",
    "本科": "bachelor",
    "专科": "junior_college",
}
TRAINING_BY_REGISTRY = {"非定向": "non_directed", "定向": "directed", "委托培养": "commissioned"}


@dataclass(frozen=True)
class ApplicantPlan:
    index: int
    person: SyntheticPerson
    differences: tuple[str, ...]
    onsite: bool
    fraud: bool

    def declaration(self) -> dict[str, Any]:
        return declaration_for(self.person, differences=self.differences, onsite=self.onsite)


def plan_applicants(people: Sequence[SyntheticPerson]) -> list[ApplicantPlan]:
    """About 8% declare something the registries contradict, about 60% declare on-site items (only those
    who have them), about 0.5% (at least 2) are fraud cases."""
    plans = []
    n = len(people)
    fraud_every = max(2, min(200, n // 2))
    for i, p in enumerate(people):
        fraud = i % fraud_every == fraud_every // 2
        diffs: list[str] = []
        if fraud:
            diffs.append(FRAUD_DIFFERENCE)
        elif i % 12 == 5:
            diffs.append(SOFT_DIFFERENCES[(i // 12) % len(SOFT_DIFFERENCES)])
        onsite = p.has_onsite_facts and i % 5 < 3
        plans.append(ApplicantPlan(i, p, tuple(diffs), onsite, fraud))
    return plans


def credit_code(n: int, district: str = "110108") -> str:
    body = f"91{district}{n:09d}"[:17]
    return body + credit_code_check_character(body)


def good_employer_codes(count: int, *, year: int, start: int, seed: int = DEFAULT_SEED) -> list[str]:
    """Credit codes the company registry derives as operating normally, registered over a year before Y."""
    out: list[str] = []
    n = start
    while len(out) < count:
        code = credit_code(n)
        rec = derive_company(code, year=year, seed=seed)
        if (
            rec
            and rec["status"] == "存续"
            and not rec["abnormal_operations"]
            and not rec["serious_violations"]
            and rec["established_on"] < f"{year - 1}-01-01"
        ):
            out.append(code)
        n += 1
    return out


@dataclass(frozen=True)
class GraduatePlan:
    index: int
    name: str
    id_number: str
    record: dict[str, Any]  # the education registry's newest record
    direct: bool

    @property
    def level(self) -> str:
        return LEVEL_BY_REGISTRY[self.record["level"]]

    def declaration(self, round_id: str, unit_id: str) -> dict[str, Any]:
        rec = self.record
        in_beijing = next((b for name, _, b in UNIVERSITIES if name == rec["school_name"]), False)
        grad = rec["graduated_on"]
        graduate: dict[str, Any] = {
            "name": self.name,
            "id_number": self.id_number,
            "beijing_hukou": False,
            "university": {
                "name": rec["school_name"],
                "in_beijing": in_beijing,
                "full_time_regular": True,
                "double_first_class": not in_beijing,
                "kind": "regular",
            },
            "major": rec["major_name"],
            "major_matches_post": True,
            "education": self.level,
            "diploma": {"status": "expected"},
            "graduated_on": f"{grad[:4]}-{grad[4:6]}-{grad[6:]}",
            "on_time": True,
            "enrolment": "national_plan" if rec["enrolment_plan"] == "统招" else "other",
            "training_mode": TRAINING_BY_REGISTRY.get(rec["training_mode"], "directed"),
            "labour_relation_during_study": "none",
        }
        if self.level != "junior_college":
            graduate["degree"] = {"status": "expected"}
        if self.direct:  # 第十六条: both parents moved to Beijing with hukou during the graduate's study
            graduate["family"] = {"both_parents_moved_to_beijing_with_hukou_during_study": True}
        return {
            "round_id": round_id,
            "supervising_unit_id": unit_id,
            "graduate": graduate,
            "employment": {"post": "engineer", "system": "other", "kind": "other"},
        }


SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗"
GIVEN = "晨浩宇欣怡佳琪子涵思雨博文一鸣若溪子墨梓萱"
#: Ages in Y and their weights: masters of 25–27 and doctors of 29–35 pass 第十三条; a master of 28, a
#: doctor over 35 and a bachelor (at an ordinary employer) do not.
AGES = ((25, 14), (26, 18), (27, 14), (28, 5), (29, 5), (30, 6), (31, 5), (33, 4), (37, 3), (23, 6))


def plan_graduates(n: int, year: int, *, seed: int = DEFAULT_SEED, salt: str = "") -> list[GraduatePlan]:
    """``n`` graduates of year ``year`` with their registry records (deterministic)."""
    rng = random.Random(f"demo-graduates:{seed}:{year}:{salt}")
    ages, weights = zip(*AGES, strict=True)
    out: list[GraduatePlan] = []
    seen: set[str] = set()
    i = 0
    while len(out) < n:
        i += 1
        age = rng.choices(ages, weights)[0]
        birth = date(year - age, 1, 1) + timedelta(days=rng.randrange(0, 365))
        rid = synthetic_resident_id(birth, rng.randrange(1, 999), GRADUATE_REGION)
        if rid in seen:
            continue
        records = derive_education(rid, year=year, seed=seed)
        if not records:
            continue
        seen.add(rid)
        name = rng.choice(SURNAMES) + "".join(rng.choice(GIVEN) for _ in range(2))
        out.append(GraduatePlan(len(out), name, rid, records[0], direct=len(out) % 37 == 11))
    return out
