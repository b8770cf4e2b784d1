"""Comparison rules: a declaration and the departments' answers in, a status per item and (once every
item is settled) the verified facts out.

The rules, item by item (see :mod:`.model` for the statuses):

- **Data-exchange items** (``employment`` from 社保; ``tax`` and ``tax_violation`` from 税务; ``age``,
  ``residence_permit``, ``criminal_record`` and ``law_abiding`` from 公安; ``housing`` from 住建): the
  department's data is the truth. Declared and registry data are compared in canonical form
  (:mod:`.canonical`): equal → ``confirmed``; the registry has nothing where something was declared →
  ``not_found``; otherwise → ``corrected``. Either way the verified facts carry the registry data. A
  department that does not know the person answers "no records" (so penalties, detentions and a
  criminal record default to none); for ``age`` the birth date and sex then come from the ID number.
  A department that has not answered yet leaves its items ``pending_department``.
- **On-site items** (``education``; ``innovation``; ``honours``; a spouse-owned home, whose spouse
  relationship data exchange cannot prove; a woman's ``cadre`` job category, certified by the employer):
  nothing declared → ``confirmed``; otherwise ``needs_onsite_review`` until bureau staff decide:
  ``confirmed`` keeps the declaration, ``rejected`` drops it (``not_found``), ``corrected`` replaces it.
- **Derived items** (``job_residence`` from employment and housing; ``education_deduction`` from
  education, employment and housing) follow their inputs: waiting while any input waits, ``corrected``
  when any input changed, else ``confirmed``.
- **Rechecks and appeals** that changed a result (``housing`` own-home records, ``innovation``,
  ``honours``) replace that part of the facts and mark the item ``corrected``.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, get_args

from services.review.domain.canonical import (
    canonical_detentions,
    canonical_housing,
    canonical_income_tax,
    canonical_insurance,
    canonical_penalties,
    months_covered,
)
from services.review.domain.model import (
    DEPARTMENT_NAMES,
    DEPARTMENTS,
    DERIVED_ITEMS,
    ITEMS,
    TOPIC_REASONS,
    Department,
    Identity,
    ItemResult,
    OnsiteDecision,
    OnsiteNeed,
    OnsiteTopic,
    Outcome,
    Override,
    Status,
    combine,
)
from shared.policy import PointsPolicyVersion

POLICY_VERSIONS: tuple[str, ...] = get_args(PointsPolicyVersion)
OWN_HOME_KINDS = ("owned", "spouse_owned")


def compare_status(declared: Any, registry: Any) -> Status:
    """The rule every data-exchange item follows (both sides in canonical form)."""
    if declared == registry:
        return "confirmed"
    if not registry and declared:
        return "not_found"
    return "corrected"


def _note(department: str, status: Status, detail: str = "") -> str:
    name = DEPARTMENT_NAMES[department]
    text = {
        "confirmed": "agrees with the declaration 与申报一致",
        "corrected": "registry data replaces the declaration 以部门数据为准",
        "not_found": "no record of what was declared 部门无记录",
        "pending_department": "waiting for the department's answer 等待部门反馈",
        "needs_onsite_review": "on-site review 现场审核",
    }[status]
    return f"{name}: {text}{f' ({detail})' if detail else ''}"[:500]


def _pending(department: str) -> ItemResult:
    return ItemResult("", "pending_department", _note(department, "pending_department"))


def _item(item: str, department: str, declared: Any, registry: Any, detail: str = "") -> ItemResult:
    status = compare_status(declared, registry)
    return ItemResult(item, status, _note(department, status, detail if status != "confirmed" else ""))


def _onsite(
    topic: OnsiteTopic,
    declared: Any,
    decisions: Mapping[str, OnsiteDecision],
    needs: list[OnsiteNeed],
    *,
    registry_hint: Any = None,
    rejected_value: Any = None,
) -> tuple[Status, Any, str]:
    """Status, verified value and note of one on-site topic."""
    decision = decisions.get(topic)
    if decision is None:
        needs.append(OnsiteNeed(topic, TOPIC_REASONS[topic], declared, registry_hint))
        return "needs_onsite_review", None, TOPIC_REASONS[topic]
    who = f" ({decision.reviewer})" if decision.reviewer else ""
    if decision.decision == "confirmed":
        return "confirmed", declared, f"现场审核确认 confirmed on site{who}"
    if decision.decision == "rejected":
        return "not_found", rejected_value, f"现场审核未通过 not proven on site{who}"
    return "corrected", decision.value, f"现场审核更正 corrected on site{who}"


def verify(
    *,
    declared: Mapping[str, Any],
    departments: Mapping[str, Mapping[str, Any] | None],
    identity: Identity,
    application_id: str | None = None,
    application_year: int | None = None,
    policy_version: str | None = None,
    decisions: Mapping[str, OnsiteDecision] | None = None,
    overrides: Mapping[str, Override] | None = None,
) -> Outcome:
    """Compare ``declared`` (points-facts shaped) with each department's normalised answer.

    ``departments`` maps a department to its answer, or to ``None`` (or nothing) while it has not
    answered. Answers are the adapters' normalised data (see ``services.review.adapters.departments``).
    """
    decisions = decisions or {}
    overrides = overrides or {}
    items: dict[str, ItemResult] = {}
    needs: list[OnsiteNeed] = []
    waiting: list[Department] = [d for d in DEPARTMENTS if departments.get(d) is None]
    v: dict[str, Any] = {}  # verified sections

    def put(item: str, r: ItemResult) -> None:
        items[item] = ItemResult(item, r.status, r.note)

    # 社保: employment (and the months every other rule reads).
    si = departments.get("social_insurance")
    if si is None:
        put("employment", _pending("social_insurance"))
    else:
        decl = canonical_insurance(declared.get("social_insurance") or [])
        reg = canonical_insurance(si.get("social_insurance") or [])
        detail = f"declared {months_covered(decl)} insured months, registry {months_covered(reg)}"
        put("employment", _item("employment", "social_insurance", decl, reg, detail))
        v["social_insurance"] = reg

    # 住建: housing; a spouse-owned home also needs the spouse relationship proven on site.
    hs = departments.get("housing")
    decl_housing = list(declared.get("housing") or [])
    decl_spouse = canonical_housing(r for r in decl_housing if r["kind"] == "spouse_owned")
    decl_other = canonical_housing(r for r in decl_housing if r["kind"] != "spouse_owned")
    housing_statuses: list[Status] = []
    notes: list[str] = []
    reg_housing: list[dict[str, Any]] | None = None
    if hs is None:
        housing_statuses.append("pending_department")
        notes.append(_note("housing", "pending_department"))
    else:
        reg_housing = canonical_housing(hs.get("housing") or [])
        r = _item("housing", "housing", decl_other, reg_housing)
        housing_statuses.append(r.status)
        notes.append(r.note or "")
    spouse_records: list[dict[str, Any]] = []
    if decl_spouse:
        hint = canonical_housing(hs.get("spouse_owned") or []) if hs is not None else None
        status, value, note = _onsite(
            "spouse_relationship", decl_spouse, decisions, needs, registry_hint=hint, rejected_value=[]
        )
        housing_statuses.append(status)
        notes.append(note)
        spouse_records = canonical_housing(value or [])
    if reg_housing is not None:
        v["housing"] = canonical_housing([*reg_housing, *spouse_records])
    items["housing"] = ItemResult("housing", combine(*housing_statuses), "; ".join(notes)[:500])

    # 税务: income tax and tax penalties.
    tx = departments.get("tax")
    if tx is None:
        put("tax", _pending("tax"))
        put("tax_violation", _pending("tax"))
    else:
        decl_t = canonical_income_tax(declared.get("income_tax") or [])
        reg_t = canonical_income_tax(tx.get("income_tax") or [])
        put("tax", _item("tax", "tax", decl_t, reg_t, f"registry years {[r['year'] for r in reg_t]}"))
        decl_p = canonical_penalties(declared.get("tax_penalties") or [])
        reg_p = canonical_penalties(tx.get("tax_penalties") or [])
        put("tax_violation", _item("tax_violation", "tax", decl_p, reg_p, f"registry {len(reg_p)} penalties"))
        v["income_tax"], v["tax_penalties"] = reg_t, reg_p

    # 公安: identity (age), residence permit, criminal record, detentions.
    po = departments.get("police")
    decl_person = declared.get("person") or {}
    sex = identity.sex
    if po is None:
        for item in ("age", "residence_permit", "criminal_record", "law_abiding"):
            put(item, _pending("police"))
    else:
        ident = po.get("identity")
        decl_id = (decl_person.get("birth_date"), decl_person.get("sex"))
        if ident:
            reg_id = (ident["birth_date"], ident["sex"])
            put("age", _item("age", "police", decl_id, reg_id, "birth date or sex differs"))
        else:
            reg_id = (identity.birth_date, identity.sex)
            put(
                "age",
                ItemResult("age", "not_found", _note("police", "not_found", "taken from the ID number")),
            )
        v["person"] = {"birth_date": reg_id[0], "sex": reg_id[1]}
        sex = reg_id[1]
        permit = po.get("residence_permit_issued_on")
        put(
            "residence_permit",
            _item("residence_permit", "police", declared.get("residence_permit_issued_on"), permit),
        )
        v["residence_permit_issued_on"] = permit
        record = bool(po.get("criminal_record", False))
        r = _item("criminal_record", "police", bool(declared.get("criminal_record", False)), record)
        # "No criminal record" where none was declared is agreement, not a missing record.
        put("criminal_record", r if r.status != "not_found" else ItemResult("", "corrected", r.note))
        v["criminal_record"] = record
        decl_d = canonical_detentions(declared.get("detentions") or [])
        reg_d = canonical_detentions(po.get("detentions") or [])
        put("law_abiding", _item("law_abiding", "police", decl_d, reg_d, f"registry {len(reg_d)} detentions"))
        v["detentions"] = reg_d

    # On site: education, innovation, honours.
    for topic in ("education", "innovation", "honours"):
        decl_list = list(declared.get(topic) or [])
        if not decl_list:
            put(topic, ItemResult(topic, "confirmed", "nothing declared 未申报"))
            v[topic] = []
            continue
        status, value, note = _onsite(topic, decl_list, decisions, needs, rejected_value=[])
        put(topic, ItemResult(topic, status, note))
        if status != "needs_onsite_review":
            v[topic] = list(value or [])

    # The job category only matters for women (retirement age 50 for workers, 55 for cadres).
    category = decl_person.get("female_job_category")
    if sex != "female":
        put("female_job_category", ItemResult("", "confirmed", "not applicable 不适用"))
        v["female_job_category"] = None
    elif category == "cadre":
        status, value, note = _onsite(
            "female_job_category", "cadre", decisions, needs, rejected_value="worker"
        )
        put("female_job_category", ItemResult("", status, note))
        v["female_job_category"] = value
    else:
        put("female_job_category", ItemResult("", "confirmed", "worker (default) 工人"))
        v["female_job_category"] = category

    # Rechecks and appeals that changed a result.
    for item, ov in overrides.items():
        if item == "housing" and "housing" in v:
            kept = [r for r in v["housing"] if r["kind"] not in OWN_HOME_KINDS]
            v["housing"] = canonical_housing([*kept, *ov.value])
        elif item in ("innovation", "honours") and item in v:
            v[item] = list(ov.value)
        else:
            continue
        put(item, ItemResult(item, "corrected", ov.note))

    for item, inputs in DERIVED_ITEMS.items():
        sts = [items[i].status for i in inputs]
        combined = combine(*sts)
        if combined in ("corrected", "not_found"):
            combined = "corrected"
        put(item, ItemResult(item, combined, f"follows {', '.join(inputs)}"))

    ordered = {i: items[i] for i in ITEMS}
    outcome = Outcome(items=ordered, onsite=needs, waiting=waiting)
    if all(r.status in ("confirmed", "corrected", "not_found") for r in ordered.values()):
        outcome.facts = _facts(v, declared, application_id, application_year, policy_version)
    return outcome


def _facts(
    v: Mapping[str, Any],
    declared: Mapping[str, Any],
    application_id: str | None,
    application_year: int | None,
    policy_version: str | None,
) -> dict[str, Any]:
    """The verified facts, in the exact shape of ``points-facts.schema.json`` (and its key order)."""
    facts: dict[str, Any] = {}
    if application_id and len(application_id) <= 64:
        facts["application_id"] = application_id
    if policy_version in POLICY_VERSIONS:
        facts["policy_version"] = policy_version
    facts["application_year"] = int(application_year or declared["application_year"])
    person = dict(v["person"])
    if person["sex"] == "female" and v.get("female_job_category"):
        person["female_job_category"] = v["female_job_category"]
    facts["person"] = person
    facts["residence_permit_issued_on"] = v["residence_permit_issued_on"]
    facts["criminal_record"] = v["criminal_record"]
    for section in (
        "social_insurance",
        "housing",
        "education",
        "innovation",
        "income_tax",
        "tax_penalties",
        "honours",
        "detentions",
    ):
        facts[section] = [dict(r) for r in v[section]]
    return facts
