"""The graduate eligibility contract at the edge of the scoring service: a GraduateFacts document
(``contracts/graduate-facts.schema.json``, validated by ``shared.facts.graduates``) in, the domain's facts
out; the domain's result out as a GraduateResult document (``contracts/graduate-result.schema.json``).
The HTTP endpoint and the ``graduates`` CLI both go through here, so they give the same results."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

from pydantic import ValidationError

from services.scoring.domain import graduates as d
from shared.api.errors import validation_details
from shared.facts import graduates as m


def to_domain(doc: m.GraduateFacts) -> d.GraduateFacts:
    g, e = doc.graduate, doc.employer
    return d.GraduateFacts(
        introduction_year=doc.introduction_year,
        declared_on=date.fromisoformat(doc.declared_on),
        special_plan=doc.special_plan,
        case_id=doc.case_id,
        graduate=d.Graduate(
            birth_date=date.fromisoformat(g.birth_date),
            beijing_hukou=g.beijing_hukou,
            education=g.education,
            graduated_on=date.fromisoformat(g.graduated_on),
            on_time=g.on_time,
            diploma=g.diploma,
            degree=g.degree,
            enrolment=g.enrolment,
            training_mode=g.training_mode,
            labour_relation_during_study=g.labour_relation_during_study,
            school=d.School(**g.school.model_dump()),
            major_matches_post=g.major_matches_post,
            outstanding_doctor=g.outstanding_doctor,
            founder=None
            if g.founder is None
            else d.Founder(
                initiator_or_main_founder=g.founder.initiator_or_main_founder,
                share_percent_at_founding=Decimal(g.founder.share_percent_at_founding),
                shares_by_transfer_or_later_investment=g.founder.shares_by_transfer_or_later_investment,
                supported_sector=g.founder.supported_sector,
                outstanding_results=g.founder.outstanding_results,
            ),
            family=None if g.family is None else d.Family(**g.family.model_dump()),
        ),
        employer=d.Employer(**{**e.model_dump(), "registered_on": date.fromisoformat(e.registered_on)}),
    )


def result_to_dict(r: d.GraduateResult) -> dict[str, Any]:
    return {
        "case_id": r.case_id,
        "policy_version": r.policy_version,
        "eligible": r.eligible,
        "quota": r.quota,
        "age_limit": r.age_limit,
        "checks": [
            {"code": c.code, "passed": c.passed, "article": c.article, "explanation": c.explanation}
            for c in r.checks
        ],
    }


class GraduateFactsInvalid(ValueError):
    """The document is not valid GraduateFacts; ``details`` names each offending field."""

    def __init__(self, details: list[dict[str, Any]]) -> None:
        n = len(details)
        super().__init__(f"The graduate facts have {n} invalid field{'s' if n != 1 else ''}.")
        self.details = details


def assess_document(raw: Any) -> dict[str, Any]:
    """Validate a JSON value as GraduateFacts and return its GraduateResult document."""
    try:
        doc = m.GraduateFacts.model_validate(raw)
    except ValidationError as e:
        raise GraduateFactsInvalid(validation_details(list(e.errors()))) from None
    return result_to_dict(d.eligibility(to_domain(doc)))
