"""The graduate eligibility contract at the edge of the scoring service: a GraduateFacts document
(``contracts/graduate-facts.schema.json``, validated by ``shared.facts.graduates``) in, the domain's facts
out; the domain's result out as a GraduateResult document (``contracts/graduate-result.schema.json``).
The HTTP endpoint and the ``graduates`` CLI both go through here, so they give the same results."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

import orjson
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
    """The document is not valid GraduateFacts; ``details`` names each offending field.

    ``code`` is ``invalid_facts`` (the code of the points contract for the same refusal); ``message``
    names the first five fields, never their values. A value that is not a JSON object is the field
    ``$`` (the document itself), as in the points contract.
    """

    code = "invalid_facts"

    def __init__(self, details: list[dict[str, Any]]) -> None:
        self.details = details
        shown = "; ".join(f"{d['field']}: {d['message']}" for d in details[:5])
        more = f" (and {len(details) - 5} more)" if len(details) > 5 else ""
        noun = "field" if len(details) == 1 else "fields"
        self.message = f"{len(details)} invalid {noun}: {shown}{more}"
        super().__init__(self.message)


_JSON_TYPES: dict[type, str] = {
    list: "array",
    str: "string",
    int: "integer",
    float: "number",
    bool: "boolean",
    type(None): "null",
}


def parse_document(raw: Any) -> m.GraduateFacts:
    """Validate a JSON value as GraduateFacts; :class:`GraduateFactsInvalid` names every offending field."""
    if not isinstance(raw, dict):
        got = _JSON_TYPES.get(type(raw), type(raw).__name__)
        raise GraduateFactsInvalid(
            [{"field": "$", "code": "type", "message": f"must be an object, got {got}"}]
        )
    try:
        return m.GraduateFacts.model_validate(raw)
    except ValidationError as e:
        details = validation_details(list(e.errors(include_url=False, include_input=False)))
        raise GraduateFactsInvalid([{**x, "field": x["field"] or "$"} for x in details]) from None


def assess(doc: m.GraduateFacts) -> d.GraduateResult:
    """The domain's eligibility result of validated GraduateFacts."""
    return d.eligibility(to_domain(doc))


def assess_document(raw: Any) -> dict[str, Any]:
    """Validate a JSON value as GraduateFacts and return its GraduateResult document."""
    return result_to_dict(assess(parse_document(raw)))


def result_to_json(result: dict[str, Any]) -> bytes:
    """A GraduateResult document as compact JSON (UTF-8): the same bytes from the CLI and over HTTP."""
    return orjson.dumps(result)
