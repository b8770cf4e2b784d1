"""What the review service verifies, and the words it uses for the result.

Verification items: the eleven scoring indicators (``shared.events.contracts.common.INDICATORS``)
plus the qualification facts a department holds (residence permit, criminal record) and the female
applicant's job category (it decides the retirement age, seed 004 第十四条). Each item has a status:

- ``confirmed``: the department's data (or the on-site reviewer) agrees with the declaration;
- ``corrected``: the department's data differs and replaces the declaration;
- ``not_found``: the declaration claims something the department has no record of (dropped);
- ``needs_onsite_review``: data exchange cannot prove it; bureau staff decide (现场审核);
- ``pending_department``: a department has not answered yet.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal

Department = Literal["social_insurance", "tax", "police", "housing"]
DEPARTMENTS: tuple[Department, ...] = ("social_insurance", "tax", "police", "housing")
DEPARTMENT_NAMES: dict[str, str] = {
    "social_insurance": "社保 social insurance",
    "tax": "税务 tax",
    "police": "公安 police",
    "housing": "住建 housing",
}

Status = Literal["confirmed", "corrected", "not_found", "needs_onsite_review", "pending_department"]
#: When statuses combine (an item fed by several sources), the first in this order wins.
STATUS_PRECEDENCE: tuple[Status, ...] = (
    "pending_department",
    "needs_onsite_review",
    "corrected",
    "not_found",
    "confirmed",
)
SETTLED: frozenset[str] = frozenset({"confirmed", "corrected", "not_found"})

ITEMS: tuple[str, ...] = (
    "employment",
    "housing",
    "education",
    "education_deduction",
    "job_residence",
    "innovation",
    "tax",
    "tax_violation",
    "age",
    "honours",
    "law_abiding",
    "residence_permit",
    "criminal_record",
    "female_job_category",
)

#: The department whose data decides an item (items verified by data exchange).
ITEM_DEPARTMENT: dict[str, Department] = {
    "employment": "social_insurance",
    "housing": "housing",
    "tax": "tax",
    "tax_violation": "tax",
    "age": "police",
    "law_abiding": "police",
    "residence_permit": "police",
    "criminal_record": "police",
}

#: Items computed from other items' facts; their status follows their inputs.
DERIVED_ITEMS: dict[str, tuple[str, ...]] = {
    "job_residence": ("employment", "housing"),
    "education_deduction": ("education", "employment", "housing"),
}

OnsiteTopic = Literal["spouse_relationship", "education", "innovation", "honours", "female_job_category"]
ONSITE_TOPICS: tuple[OnsiteTopic, ...] = (
    "spouse_relationship",
    "education",
    "innovation",
    "honours",
    "female_job_category",
)
#: The item an on-site review topic settles.
TOPIC_ITEM: dict[str, str] = {
    "spouse_relationship": "housing",
    "education": "education",
    "innovation": "innovation",
    "honours": "honours",
    "female_job_category": "female_job_category",
}
TOPIC_REASONS: dict[str, str] = {
    "spouse_relationship": "配偶关系需现场核验 The spouse relationship for a spouse-owned home cannot be proven by data exchange.",
    "education": "学历学位证书需现场核验 Education certificates are checked on site (no education registry yet).",
    "innovation": "创新创业材料需现场核验 Awards and equity are checked on site.",
    "honours": "荣誉表彰证书需现场核验 Honour titles are checked on site.",
    "female_job_category": "岗位类别由用人单位证明 The job category (cadre) is certified by the employer.",
}

OnsiteDecisionKind = Literal["confirmed", "rejected", "corrected"]
#: Items an applicant may ask to recheck (复查) or appeal (申诉): own home, innovation, honours.
REVIEWABLE_ITEMS: tuple[str, ...] = ("housing", "innovation", "honours")


@dataclass(frozen=True)
class ItemResult:
    item: str
    status: Status
    note: str | None = None


@dataclass(frozen=True)
class OnsiteNeed:
    """Something only bureau staff can settle, with what was declared and any registry hint."""

    topic: OnsiteTopic
    reason: str
    declared: Any
    registry_hint: Any = None


@dataclass(frozen=True)
class OnsiteDecision:
    topic: str
    decision: OnsiteDecisionKind
    value: Any = None  # the corrected value, for ``corrected``
    reviewer: str | None = None


@dataclass(frozen=True)
class Override:
    """A decided recheck or appeal that changed a result: ``value`` replaces the item's facts."""

    item: str
    value: Any
    note: str


@dataclass(frozen=True)
class Identity:
    """What the ID number itself says (GB 11643): the fallback when the police have no record."""

    birth_date: str  # YYYY-MM-DD
    sex: Literal["male", "female"]


@dataclass
class Outcome:
    items: dict[str, ItemResult]
    onsite: list[OnsiteNeed] = field(default_factory=list)
    waiting: list[Department] = field(default_factory=list)
    facts: dict[str, Any] | None = None  # set when every item is settled

    @property
    def settled(self) -> bool:
        return self.facts is not None


def combine(*statuses: Status) -> Status:
    for s in STATUS_PRECEDENCE:
        if s in statuses:
            return s
    return "confirmed"
