"""A deterministic synthetic population of points applicants and what each department holds about them.

``generate_population(n, seed=…, application_year=…)`` gives the same people for the same arguments on
every machine (each person is drawn from ``random.Random(f"{seed}:{index}")``, identity first; the first
``m`` people of a population of ``n ≥ m`` are the population of ``m``). ID numbers are valid GB 11643
numbers and unique. It is a :class:`Population`: the identities are drawn at once (120,000 in about two
seconds), each person's records when the person is asked for.

Registry data runs up to the counting end of the round (December of ``application_year − 1``), the
``data_as_of`` month of every registry. Shared by the mock registries, the tests and the demo:

- ``truth_facts(person)``: the registry truth as points facts (plus, with ``onsite=True``, what only an
  on-site review can prove: education, awards, honours, a spouse-owned home, a cadre job category);
- ``declaration_for(person, differences=…)``: the matching declaration, optionally with deliberate
  differences (``DIFFERENCES``) that verification must catch.
"""

from __future__ import annotations

import random
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal
from functools import lru_cache
from typing import Any, overload

from shared.validation.identifiers import resident_id_check_character

DEFAULT_SEED = 20240101
DEFAULT_APPLICATION_YEAR = 2024

CENTRAL = ("110101", "110102", "110105", "110106", "110107", "110108")
OUTER = ("110109", "110111", "110112", "110113", "110114", "110115", "110116", "110117", "110118", "110119")
#: Birthplace address codes (GB/T 2260) of ID numbers; Beijing and the provinces most applicants come from.
REGIONS = (
    "110105",
    "110108",
    "130102",
    "130602",
    "140105",
    "210102",
    "230103",
    "320102",
    "330106",
    "340104",
    "360103",
    "370102",
    "370202",
    "410105",
    "420106",
    "430104",
    "500103",
    "510107",
    "610113",
    "620102",
)
SURNAMES = (
    "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘蒋蔡余杜叶程苏魏吕丁任沈姚卢"
)
GIVEN = "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英华玉兰萍红建文辉力晨浩宇欣怡佳琪子涵思雨博文一鸣"
EMPLOYERS = (
    "北京星河科技有限公司",
    "北京京东方显示技术有限公司",
    "北京市海淀区第一医院",
    "中关村智能制造研究院",
    "北京顺通物流有限公司",
    "北京亦庄生物医药有限公司",
    "北京华信会计师事务所",
    "北京燕山建设集团有限公司",
)
INSURANCE = ("pension", "medical", "unemployment", "injury", "maternity")
AWARD_CODES = (
    ("bj_sci_tech_2", 6),
    ("bj_sci_tech_3", 4),
    ("nat_sci_tech_progress_2", 8),
    ("bj_skills_2_3", None),
    ("china_innovation_contest_2", None),
)
HONOURS = ("bj_model_worker", "capital_moral_model", "model_worker_equivalent")

#: Deliberate differences a declaration may have, and the item verification corrects.
DIFFERENCES: dict[str, str] = {
    "insurance_extra_months": "employment",
    "income_tax_higher": "tax",
    "owned_home_claimed": "housing",
    "birth_date_changed": "age",
    "residence_permit_earlier": "residence_permit",
    "criminal_record_hidden": "criminal_record",
    "detentions_omitted": "law_abiding",
    "tax_penalties_omitted": "tax_violation",
}


def _month_text(index: int) -> str:
    return f"{index // 12:04d}-{index % 12 + 1:02d}"


_MONTHS_FROM = 1900 * 12
#: "YYYY-MM" of every month index 1900-01 … 2199-12 (a table: the generator formats months a lot).
_MONTHS = tuple(_month_text(i) for i in range(_MONTHS_FROM, 2200 * 12))


def _m(index: int) -> str:
    k = index - _MONTHS_FROM
    return _MONTHS[k] if 0 <= k < len(_MONTHS) else _month_text(index)


def _mi(year: int, month: int) -> int:
    return year * 12 + month - 1


@dataclass(frozen=True)
class SyntheticPerson:
    """One person: identity, each department's records (facts-shaped), and the on-site-only facts."""

    index: int
    id_number: str
    name: str
    birth_date: date
    sex: str
    application_year: int
    employer_name: str
    # 社保
    social_insurance: tuple[dict[str, Any], ...] = ()
    # 税务
    income_tax: tuple[dict[str, Any], ...] = ()
    tax_penalties: tuple[dict[str, Any], ...] = ()
    # 公安
    residence_permit_issued_on: str | None = None
    criminal_record: bool = False
    detentions: tuple[dict[str, Any], ...] = ()
    # 住建: properties carry ``holder`` ("owner" or "spouse") and ``certificate_no``.
    properties: tuple[dict[str, Any], ...] = ()
    leases: tuple[dict[str, Any], ...] = ()
    dormitories: tuple[dict[str, Any], ...] = ()
    # Only an on-site review can prove these (no registry holds them).
    education: tuple[dict[str, Any], ...] = ()
    innovation: tuple[dict[str, Any], ...] = ()
    honours: tuple[dict[str, Any], ...] = ()
    female_job_category: str | None = None
    extra: dict[str, Any] = field(default_factory=dict, compare=False)

    @property
    def data_as_of(self) -> str:
        return f"{self.application_year - 1}-12"

    @property
    def has_onsite_facts(self) -> bool:
        return bool(
            self.education
            or self.innovation
            or self.honours
            or any(p["holder"] == "spouse" for p in self.properties)
            or (self.sex == "female" and self.female_job_category == "cadre")
        )


def _id_number(rng: random.Random, birth: date, sex: str) -> str:
    region = rng.choice(REGIONS)
    seq = rng.randrange(0, 500) * 2 + (1 if sex == "male" else 0)
    first17 = f"{region}{birth:%Y%m%d}{seq:03d}"
    return first17 + resident_id_check_character(first17)


def _district(rng: random.Random, *, central_share: float = 0.45) -> str:
    return rng.choice(CENTRAL) if rng.random() < central_share else rng.choice(OUTER)


def _money(rng: random.Random, low: float, high: float) -> str:
    return str(Decimal(str(round(rng.uniform(low, high), 2))).quantize(Decimal("0.01")))


@dataclass(frozen=True)
class Identity:
    """Who person ``index`` is: drawn first from the person's generator, so the ID numbers of a whole
    population (and their uniqueness) are known without deriving anyone's records."""

    sex: str
    birth_date: date
    id_number: str
    name: str


def _rng(seed: int, index: int, salt: int) -> random.Random:
    return random.Random(f"{seed}:{index}:{salt}" if salt else f"{seed}:{index}")


def _draw_identity(rng: random.Random, application_year: int) -> Identity:
    sex = rng.choice(("male", "female"))
    age = rng.randint(25, 54)
    birth = date(application_year - 1 - age, 1, 1) + timedelta(days=rng.randrange(0, 365))
    number = _id_number(rng, birth, sex)
    name = rng.choice(SURNAMES) + "".join(rng.choice(GIVEN) for _ in range(rng.choice((1, 2))))
    return Identity(sex, birth, number, name)


def identity_of(
    index: int, *, seed: int = DEFAULT_SEED, application_year: int = DEFAULT_APPLICATION_YEAR, salt: int = 0
) -> Identity:
    """The identity of person ``index`` (the first draws of :func:`generate_person`, nothing else)."""
    return _draw_identity(_rng(seed, index, salt), application_year)


def generate_person(
    index: int, *, seed: int = DEFAULT_SEED, application_year: int = DEFAULT_APPLICATION_YEAR, salt: int = 0
) -> SyntheticPerson:
    """Person number ``index`` of the population ``seed`` (``salt`` re-draws on an ID collision)."""
    rng = _rng(seed, index, salt)
    y = application_year
    end = _mi(y - 1, 12)
    ident = _draw_identity(rng, y)
    sex, birth = ident.sex, ident.birth_date

    # Education and the start of working life.
    education: list[dict[str, Any]] = []
    r = rng.random()
    grad_age = 20
    if r < 0.9:
        level = rng.choices(("junior_college", "bachelor", "master", "doctor"), (15, 55, 25, 5))[0]
        grad_age = {"junior_college": 21, "bachelor": 22, "master": 25, "doctor": 28}[level]
        if level in ("master", "doctor") and rng.random() < 0.7:
            education.append(
                {
                    "level": "bachelor",
                    "diploma": True,
                    "degree": True,
                    "graduated_on": f"{birth.year + 22}-07-01",
                    "recognized": True,
                }
            )
        education.append(
            {
                "level": level,
                "diploma": True,
                "degree": level != "junior_college" and rng.random() < 0.92,
                "graduated_on": f"{birth.year + grad_age}-{rng.choice(('06', '07'))}-{rng.randint(1, 28):02d}",
                "recognized": rng.random() < 0.98,
            }
        )
    work_start = _mi(birth.year + grad_age, 7) + rng.randrange(0, 6)
    bj_start = min(end - 6, work_start + rng.choice((0, 0, 12, 24, 36, 60, 96)) + rng.randrange(0, 12))
    bj_start = max(bj_start, _mi(1996, 1))

    # 社保: employers in turn, all five insurance types, occasional gaps and back-paid months.
    social: list[dict[str, Any]] = []
    cursor = bj_start
    while cursor <= end:
        length = rng.randint(18, 120)
        seg_end = min(end, cursor + length - 1)
        r = rng.random()
        district = "city" if r < 0.07 else ("BDA" if r < 0.12 else _district(rng))
        # The employer's period as normal and back-paid (补缴) runs.
        runs: list[tuple[int, int, bool]] = [(cursor, seg_end, False)]
        if rng.random() < 0.15:
            start = rng.randint(cursor, seg_end)
            stop = min(seg_end, start + rng.randint(1, 7))
            runs = [
                *([(cursor, start - 1, False)] if start > cursor else []),
                (start, stop, True),
                *([(stop + 1, seg_end, False)] if stop < seg_end else []),
            ]
        for insurance in INSURANCE:
            for first, last, bp in runs:
                social.append(
                    {
                        "insurance": insurance,
                        "from": _m(first),
                        "to": _m(last),
                        "back_paid": bp,
                        "district": district,
                    }
                )
        gap = rng.choice((0, 0, 0, 1, 2, 4))
        cursor = seg_end + 1 + gap

    # 税务: Beijing individual income tax of the last six years; rare penalties.
    income_tax = []
    for year in range(max(y - 6, bj_start // 12), y):
        if rng.random() < 0.95:
            high = rng.random() < 0.12
            income_tax.append(
                {"year": year, "amount": _money(rng, 100_000, 400_000) if high else _money(rng, 800, 60_000)}
            )
    tax_penalties = []
    if rng.random() < 0.05:
        when = date(rng.randint(y - 5, y - 1), rng.randint(1, 12), rng.randint(1, 28))
        tax_penalties.append({"date": when.isoformat(), "fine": _money(rng, 20, 3000)})

    # 公安: residence permit, criminal record, detentions.
    permit: str | None = None
    r = rng.random()
    if r < 0.9:
        first = min(end - 1, bj_start + rng.randint(3, 30))
        permit = date(first // 12, first % 12 + 1, rng.randint(1, 28)).isoformat()
    elif r < 0.93:
        permit = date(y, rng.randint(1, 3), rng.randint(1, 28)).isoformat()  # after the counting end
    criminal = rng.random() < 0.015
    detentions = []
    if rng.random() < 0.03:
        detentions.append(
            {"date": date(rng.randint(y - 5, y - 1), rng.randint(1, 12), rng.randint(1, 28)).isoformat()}
        )

    # 住建: a unit dormitory first for some, then rented homes, and an own (or the spouse's) home for some.
    properties: list[dict[str, Any]] = []
    leases: list[dict[str, Any]] = []
    dormitories: list[dict[str, Any]] = []
    cursor = bj_start
    if rng.random() < 0.12:
        d_end = min(end, cursor + rng.randint(12, 48) - 1)
        dormitories.append(
            {
                "district": _district(rng),
                "from": _m(cursor),
                "to": _m(d_end),
                "residential": True,
                "certified": rng.random() < 0.9,
                "unit_name": rng.choice(EMPLOYERS),
            }
        )
        cursor = d_end + 1
    purchase: int | None = None
    holder = "owner"
    r = rng.random()
    if r < 0.43 and end - cursor > 24:
        purchase = rng.randint(cursor + 12, end)
        holder = "spouse" if r < 0.08 else "owner"
    rent_until = (purchase - 1) if purchase is not None else end
    while cursor <= rent_until:
        l_end = min(rent_until, cursor + rng.randint(12, 36) - 1)
        filed = rng.random() < (0.8 if cursor >= _mi(2017, 1) else 0.2)
        leases.append(
            {
                "district": _district(rng),
                "from": _m(cursor),
                "to": _m(l_end),
                "registered": filed,
                "residential": True,
                "certified": rng.random() < 0.95,
            }
        )
        cursor = l_end + 1
    if purchase is not None:
        properties.append(
            {
                "holder": holder,
                "district": _district(rng, central_share=0.4),
                "residential": rng.random() < 0.97,
                "certified": rng.random() < 0.95,
                "from": _m(purchase),
                "to": _m(end),
                "certificate_no": f"京({purchase // 12})不动产权第{rng.randint(1, 9_999_999):07d}号",
            }
        )

    innovation: list[dict[str, Any]] = []
    if rng.random() < 0.03:
        code, rank = rng.choice(AWARD_CODES)
        item: dict[str, Any] = {"type": "award", "code": code, "year": rng.randint(y - 8, y - 1)}
        if rank is not None:
            item["rank"] = rng.randint(1, rank)
        if code.startswith("china_innovation"):
            item["prior_year_income_tax"] = _money(rng, 20_000, 90_000)
        innovation.append(item)
    honours = []
    if rng.random() < 0.01:
        honours.append({"title": rng.choice(HONOURS), "awarded_on": f"{rng.randint(y - 10, y - 1)}-04-28"})
    category = None
    if sex == "female":
        category = "cadre" if rng.random() < 0.3 else "worker"

    return SyntheticPerson(
        index=index,
        id_number=ident.id_number,
        name=ident.name,
        birth_date=birth,
        sex=sex,
        application_year=y,
        employer_name=rng.choice(EMPLOYERS),
        social_insurance=tuple(social),
        income_tax=tuple(income_tax),
        tax_penalties=tuple(tax_penalties),
        residence_permit_issued_on=permit,
        criminal_record=criminal,
        detentions=tuple(detentions),
        properties=tuple(properties),
        leases=tuple(leases),
        dormitories=tuple(dormitories),
        education=tuple(education),
        innovation=tuple(innovation),
        honours=tuple(honours),
        female_job_category=category,
    )


class Population(Sequence[SyntheticPerson]):
    """``n`` people of a seed, each derived from its index when asked for (:func:`generate_person`).

    Building it draws only the identities (the ID numbers, made unique in index order: a collision
    re-draws that person with a salt), so 120,000 people are ready in about a second and take a few
    megabytes; a person's records are derived on access (the last few thousand are kept). The same
    arguments give the same people, and the first ``k`` people of a population of ``n ≥ k`` are the
    population of ``k``. Slicing gives a list; ``find(id_number)`` looks a person up by ID number.
    """

    def __init__(
        self, n: int, *, seed: int = DEFAULT_SEED, application_year: int = DEFAULT_APPLICATION_YEAR
    ) -> None:
        if n < 0:
            raise ValueError("a population has at least 0 people")
        self.seed = seed
        self.application_year = application_year
        self._by_id: dict[str, int] = {}
        self._ids: list[str] = []
        self._salts: dict[int, int] = {}  # the rare re-drawn ones
        for index in range(n):
            salt = 0
            number = identity_of(index, seed=seed, application_year=application_year).id_number
            while number in self._by_id:
                salt += 1
                number = identity_of(index, seed=seed, application_year=application_year, salt=salt).id_number
            if salt:
                self._salts[index] = salt
            self._by_id[number] = index
            self._ids.append(number)

    def __len__(self) -> int:
        return len(self._ids)

    @overload
    def __getitem__(self, i: int) -> SyntheticPerson: ...

    @overload
    def __getitem__(self, i: slice) -> list[SyntheticPerson]: ...

    def __getitem__(self, i: int | slice) -> SyntheticPerson | list[SyntheticPerson]:
        if isinstance(i, slice):
            return [self._person(k) for k in range(*i.indices(len(self)))]
        if i < 0:
            i += len(self)
        if not 0 <= i < len(self):
            raise IndexError("population index out of range")
        return self._person(i)

    def __iter__(self) -> Iterator[SyntheticPerson]:
        for k in range(len(self)):
            yield self._person(k)

    def __eq__(self, other: object) -> bool:
        if isinstance(other, Population) and (other.seed, other.application_year) == (
            self.seed,
            self.application_year,
        ):
            return other._ids == self._ids
        if not isinstance(other, Sequence) or isinstance(other, str | bytes):
            return NotImplemented
        return len(other) == len(self) and all(a == b for a, b in zip(self, other, strict=True))

    __hash__ = None  # type: ignore[assignment]

    def __repr__(self) -> str:
        return f"Population({len(self)}, seed={self.seed}, application_year={self.application_year})"

    @property
    def id_numbers(self) -> Sequence[str]:
        return tuple(self._ids)

    def find(self, id_number: str) -> SyntheticPerson | None:
        """The person with this ID number, or ``None``."""
        index = self._by_id.get(id_number)
        return None if index is None else self._person(index)

    def _person(self, index: int) -> SyntheticPerson:
        return _cached_person(index, self.seed, self.application_year, self._salts.get(index, 0))


@lru_cache(maxsize=4096)
def _cached_person(index: int, seed: int, application_year: int, salt: int) -> SyntheticPerson:
    return generate_person(index, seed=seed, application_year=application_year, salt=salt)


def generate_population(
    n: int, *, seed: int = DEFAULT_SEED, application_year: int = DEFAULT_APPLICATION_YEAR
) -> Population:
    """``n`` people, the same for the same arguments; ID numbers are unique (a :class:`Population`: a
    sequence whose people are derived on access)."""
    return Population(n, seed=seed, application_year=application_year)


def index_by_id_number(people: Iterable[SyntheticPerson]) -> dict[str, SyntheticPerson]:
    return {p.id_number: p for p in people}


def _housing_facts(person: SyntheticPerson, *, onsite: bool) -> list[dict[str, Any]]:
    out: list[dict[str, Any]] = []
    for d in person.dormitories:
        out.append(
            {
                "kind": "unit_dormitory",
                "from": d["from"],
                "to": d["to"],
                "district": d["district"],
                "residential": d["residential"],
                "certified": d["certified"],
            }
        )
    for lease in person.leases:
        out.append(
            {
                "kind": "rented",
                "from": lease["from"],
                "to": lease["to"],
                "district": lease["district"],
                "residential": lease["residential"],
                "certified": lease["certified"],
                "lease_registered": lease["registered"],
            }
        )
    for p in person.properties:
        if p["holder"] == "spouse" and not onsite:
            continue
        out.append(
            {
                "kind": "owned" if p["holder"] == "owner" else "spouse_owned",
                "from": p["from"],
                "to": p["to"],
                "district": p["district"],
                "residential": p["residential"],
                "certified": p["certified"],
            }
        )
    return out


def truth_facts(
    person: SyntheticPerson, *, onsite: bool = True, application_id: str | None = None
) -> dict[str, Any]:
    """The registry truth as points facts (``points-facts.schema.json``).

    With ``onsite=False`` the facts only an on-site review can prove are left out (no education, awards,
    honours, spouse-owned home or cadre category): a declaration of those verifies without staff.
    """
    person_doc: dict[str, Any] = {"birth_date": person.birth_date.isoformat(), "sex": person.sex}
    if onsite and person.sex == "female" and person.female_job_category:
        person_doc["female_job_category"] = person.female_job_category
    facts: dict[str, Any] = {}
    if application_id:
        facts["application_id"] = application_id
    facts.update(
        {
            "application_year": person.application_year,
            "person": person_doc,
            "residence_permit_issued_on": person.residence_permit_issued_on,
            "criminal_record": person.criminal_record,
            "social_insurance": [dict(r) for r in person.social_insurance],
            "housing": _housing_facts(person, onsite=onsite),
            "education": [dict(e) for e in person.education] if onsite else [],
            "innovation": [dict(i) for i in person.innovation] if onsite else [],
            "income_tax": [dict(t) for t in person.income_tax],
            "tax_penalties": [dict(t) for t in person.tax_penalties],
            "honours": [dict(h) for h in person.honours] if onsite else [],
            "detentions": [dict(d) for d in person.detentions],
        }
    )
    return facts


def declaration_for(
    person: SyntheticPerson,
    *,
    differences: Sequence[str] = (),
    onsite: bool = True,
    application_id: str | None = None,
) -> dict[str, Any]:
    """What the person declares: the truth, with the named ``DIFFERENCES`` made on purpose.

    Every difference changes the declaration whatever the person's records (a difference that would
    otherwise be a no-op, such as omitting detentions of someone who has none, declares one instead).
    """
    unknown = set(differences) - set(DIFFERENCES)
    if unknown:
        raise ValueError(f"unknown differences: {sorted(unknown)}")
    facts = truth_facts(person, onsite=onsite, application_id=application_id)
    y = person.application_year
    for diff in differences:
        if diff == "insurance_extra_months":
            first = (
                min(facts["social_insurance"], key=lambda r: r["from"])["from"]
                if facts["social_insurance"]
                else f"{y - 2}-01"
            )
            fy, fm = (int(x) for x in first.split("-"))
            start = _mi(fy, fm) - 12
            for insurance in INSURANCE:
                facts["social_insurance"].append(
                    {
                        "insurance": insurance,
                        "from": _m(start),
                        "to": _m(start + 11),
                        "back_paid": False,
                        "district": "110105",
                    }
                )
        elif diff == "income_tax_higher":
            facts["income_tax"].append({"year": y - 1, "amount": "50000.00"})
        elif diff == "owned_home_claimed":
            facts["housing"].append(
                {
                    "kind": "owned",
                    "from": f"{y - 3}-01",
                    "to": f"{y - 1}-12",
                    "district": "110112",
                    "residential": True,
                    "certified": True,
                }
            )
        elif diff == "birth_date_changed":
            facts["person"]["birth_date"] = (
                person.birth_date.replace(year=person.birth_date.year + 1).isoformat()
                if not (person.birth_date.month == 2 and person.birth_date.day == 29)
                else f"{person.birth_date.year + 1}-02-28"
            )
        elif diff == "residence_permit_earlier":
            base = (
                date.fromisoformat(person.residence_permit_issued_on)
                if person.residence_permit_issued_on
                else date(y - 3, 5, 1)
            )
            facts["residence_permit_issued_on"] = date(
                base.year - 2, base.month, min(base.day, 28)
            ).isoformat()
        elif diff == "criminal_record_hidden":
            facts["criminal_record"] = not person.criminal_record
        elif diff == "detentions_omitted":
            facts["detentions"] = [] if person.detentions else [{"date": f"{y - 2}-03-03"}]
        elif diff == "tax_penalties_omitted":
            facts["tax_penalties"] = (
                [] if person.tax_penalties else [{"date": f"{y - 2}-03-03", "fine": "100.00"}]
            )
    return facts
