"""The materials of 落户办理 (seed 004 第十一条 and 附件1): what an applicant with a settlement qualification
hands in to the district office, and which of it depends on their situation.

第十一条: 经公示取得积分落户资格的人员，在办理落户手续时应持本人身份证、户口簿，向区指定部门提交下列材料：
（一）系统打印的《积分落户申请表》《调动人员情况登记表》；
（二）需随迁未成年子女的，提交随迁子女的户口簿、《出生医学证明》、户籍地县级计划生育行政部门出具的符合计划
生育政策凭证以及与随迁子女有关的申请人婚姻凭证。随迁子女系 2016 年 1 月 1 日（不含）以前生育第一孩、2016 年
1 月 1 日以后生育第二孩，或 2016 年 1 月 1 日（含）以后生育两孩以内的，可不提交符合计划生育政策凭证。
档案审核按相关规定办理，无档案人员应出具无档案诚信声明（模板见附件 1）。

Reading of the family-planning exemption (the three cases of the sentence, taken together):
- a first child is always exempt (born before 2016-01-01 by the first case, on or after it by the third);
- a second child is exempt when born on or after 2016-01-01 (second and third cases) and needs the
  certificate when born before;
- a third or later child always needs it.
Only minor children accompany the applicant (随迁未成年子女): a child must be under 18 on the day the
materials are handed in; the 18th birthday of a child born on 29 February is 1 March in a common year
(the completed-age rule of the points policy).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date

#: 2016-01-01: the universal two-child policy (全面两孩) took effect.
TWO_CHILD_POLICY_FROM = date(2016, 1, 1)
ADULT_AGE = 18
MAX_CHILDREN = 10


@dataclass(frozen=True)
class MaterialItem:
    """One line of the checklist; ``child`` is the index of the accompanying child it is about, if any."""

    code: str
    label_zh: str
    label_en: str
    article: str
    child: int | None = None

    @property
    def key(self) -> tuple[str, int | None]:
        return (self.code, self.child)


@dataclass(frozen=True)
class Child:
    """An accompanying minor child: birth date and birth order (1 = the applicant's first child)."""

    birth_date: date
    birth_order: int
    name: str | None = None


@dataclass(frozen=True)
class ProvidedItem:
    code: str
    child: int | None = None

    @property
    def key(self) -> tuple[str, int | None]:
        return (self.code, self.child)


@dataclass(frozen=True)
class MaterialsRequest:
    has_archive: bool
    children: Sequence[Child]
    as_of: date


class MaterialsError(ValueError):
    """The situation described is not possible under the rules; ``field`` names the offending input."""

    def __init__(self, code: str, message: str, field: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message
        self.field = field


_A11 = "seed 004 第十一条"
_A11_1 = "seed 004 第十一条（一）"
_A11_2 = "seed 004 第十一条（二）"

BASE_ITEMS: tuple[MaterialItem, ...] = (
    MaterialItem("id_card", "本人身份证", "the applicant's ID card", _A11),
    MaterialItem("household_register", "本人户口簿", "the applicant's household register", _A11),
    MaterialItem(
        "application_form",
        "系统打印的《积分落户申请表》",
        "the application form printed by the system",
        _A11_1,
    ),
    MaterialItem(
        "transfer_form",
        "系统打印的《调动人员情况登记表》",
        "the transfer registration form printed by the system",
        _A11_1,
    ),
)
ARCHIVE_ITEM = MaterialItem(
    "archive_acceptance",
    "人事档案（按规定办理档案审核及调转）",
    "the personnel archive, checked and transferred under the archive rules",
    _A11,
)
NO_ARCHIVE_ITEM = MaterialItem(
    "no_archive_statement",
    "无档案诚信声明（附件1）",
    "the no-archive integrity statement (attachment 1)",
    "seed 004 第十一条、附件1",
)
_CHILD_ITEMS = (
    ("child_household_register", "随迁子女的户口簿", "the child's household register"),
    ("birth_certificate", "随迁子女的《出生医学证明》", "the child's medical birth certificate"),
    (
        "marriage_certificate",
        "与随迁子女有关的申请人婚姻凭证",
        "the applicant's marriage certificate concerning the child",
    ),
)
FAMILY_PLANNING = (
    "family_planning_certificate",
    "户籍地县级计划生育行政部门出具的符合计划生育政策凭证",
    "the family-planning compliance certificate from the county-level authority of the household register",
)

ALL_CODES = frozenset(
    {i.code for i in BASE_ITEMS}
    | {ARCHIVE_ITEM.code, NO_ARCHIVE_ITEM.code, FAMILY_PLANNING[0]}
    | {c for c, _, _ in _CHILD_ITEMS}
)
CHILD_CODES = frozenset({c for c, _, _ in _CHILD_ITEMS} | {FAMILY_PLANNING[0]})


def eighteenth_birthday(birth: date) -> date:
    """The day a child turns 18; a 29 February birthday falls on 1 March in a common year."""
    try:
        return birth.replace(year=birth.year + ADULT_AGE)
    except ValueError:
        return date(birth.year + ADULT_AGE, 3, 1)


def family_planning_certificate_required(child: Child) -> bool:
    """第十一条（二）: exempt are a first child (any date) and a second child born on or after 2016-01-01."""
    if child.birth_order == 1:
        return False
    if child.birth_order == 2:
        return child.birth_date < TWO_CHILD_POLICY_FROM
    return True


def _check(req: MaterialsRequest) -> None:
    if len(req.children) > MAX_CHILDREN:
        raise MaterialsError("children.too_many", f"at most {MAX_CHILDREN} accompanying children", "children")
    orders: set[int] = set()
    for i, child in enumerate(req.children):
        f = f"children[{i}]"
        if child.birth_order < 1 or child.birth_order > 20:
            raise MaterialsError(
                "child.birth_order",
                "the birth order is 1 for a first child, 2 for a second …",
                f + ".birth_order",
            )
        if child.birth_order in orders:
            raise MaterialsError(
                "child.birth_order_repeated",
                "two children cannot have the same birth order",
                f + ".birth_order",
            )
        orders.add(child.birth_order)
        if child.birth_date > req.as_of:
            raise MaterialsError(
                "child.birth_date_future", "the birth date is in the future", f + ".birth_date"
            )
        if eighteenth_birthday(child.birth_date) <= req.as_of:
            raise MaterialsError(
                "child.not_minor",
                "only minor children accompany the applicant (随迁未成年子女); this child is 18 or older",
                f + ".birth_date",
            )


def required_materials(req: MaterialsRequest) -> list[MaterialItem]:
    """The checklist for this applicant: the base items, the archive item, and each child's items."""
    _check(req)
    items = list(BASE_ITEMS)
    items.append(ARCHIVE_ITEM if req.has_archive else NO_ARCHIVE_ITEM)
    for i, child in enumerate(req.children):
        for code, zh, en in _CHILD_ITEMS:
            items.append(MaterialItem(code, zh, en, _A11_2, child=i))
        if family_planning_certificate_required(child):
            code, zh, en = FAMILY_PLANNING
            items.append(MaterialItem(code, zh, en, _A11_2, child=i))
    return items


def missing_items(required: Iterable[MaterialItem], provided: Iterable[ProvidedItem]) -> list[MaterialItem]:
    """Required items not among those provided, in checklist order."""
    have = {p.key for p in provided}
    return [item for item in required if item.key not in have]


def check_provided(provided: Sequence[ProvidedItem], children: int) -> None:
    """Every provided item names a known material, and a child's material names a declared child.

    An item the checklist does not ask for (a family-planning certificate for an exempt child) is accepted
    and ignored; an item that cannot exist is an error.
    """
    seen: set[tuple[str, int | None]] = set()
    for i, p in enumerate(provided):
        f = f"provided[{i}]"
        if p.code not in ALL_CODES:
            raise MaterialsError("material.unknown", f"unknown material {p.code!r}", f + ".item")
        if p.code in CHILD_CODES:
            if p.child is None or not 0 <= p.child < children:
                raise MaterialsError(
                    "material.child",
                    "this material belongs to an accompanying child: give the child's index in `children`",
                    f + ".child",
                )
        elif p.child is not None:
            raise MaterialsError(
                "material.not_child", "this material is the applicant's, not a child's", f + ".child"
            )
        if p.key in seen:
            raise MaterialsError("material.repeated", "this material is listed twice", f)
        seen.add(p.key)
