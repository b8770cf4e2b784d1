"""Score one applicant: the entry point of the rules."""

from __future__ import annotations

from .facts import PointsFacts
from .params import PolicyVersion, resolve_policy
from .points import ZERO
from .result import PointsResult
from .round_context import context_for_request, round_context
from .rules import (
    age_points,
    continuous_insurance_condition,
    criminal_record_condition,
    education_points,
    employment_points,
    honours_points,
    housing_points,
    innovation_points,
    insurance_months,
    job_residence_points,
    law_abiding_points,
    residence_months,
    residence_permit_condition,
    retirement_age_condition,
    tax_points,
    tax_violation_points,
)


def score(facts: PointsFacts, policy: PolicyVersion | None = None) -> PointsResult:
    """Qualification, the eleven indicator lines and the total of one applicant.

    The policy version is ``policy`` if given, else the one ``facts.policy_version``
    names, else the one covering ``facts.application_year``; it must cover the round
    (:class:`~.errors.UnknownPolicyRound`, :class:`~.errors.PolicyVersionMismatch`).
    Scoring runs whether or not the applicant is qualified.
    """
    year = facts.application_year
    if policy is None:
        ctx = context_for_request(year, facts.policy_version)
        policy = ctx.policy
    else:
        if not policy.rounds.covers(year):
            resolve_policy(year, policy.code)  # raises the mismatch
        ctx = round_context(policy, year)
    ins = insurance_months(facts.social_insurance, policy.job_residence.central_districts)

    permit = residence_permit_condition(facts.residence_permit_issued_on, ctx)
    retirement = retirement_age_condition(facts.person, ctx)
    continuous = continuous_insurance_condition(ins, ctx)
    criminal = criminal_record_condition(facts.criminal_record, ctx)

    employment, basis = employment_points(ins, ctx)
    residence = residence_months(facts.housing, ins, ctx)
    education, deduction = education_points(facts.education, basis, residence, ctx)
    lines = (
        employment,
        housing_points(residence, basis.months, ctx),
        education,
        deduction,
        job_residence_points(residence, ins, ctx),
        innovation_points(facts.innovation, ctx),
        tax_points(facts.income_tax, ctx),
        tax_violation_points(facts.tax_penalties, ctx),
        age_points(facts.person, ctx),
        honours_points(facts.honours, ctx),
        law_abiding_points(facts.detentions, ctx),
    )
    points = tuple([line[0] for line in lines])
    total = ZERO
    for value in points:
        total += value
    return PointsResult(
        application_id=facts.application_id,
        policy_version=policy.code,
        application_year=year,
        qualified=permit[0] and retirement[0] and continuous[0] and criminal[0],
        passed=(permit[0], retirement[0], continuous[0], criminal[0]),
        reasons=(permit[1], retirement[1], continuous[1], criminal[1]),
        points=points,
        explanations=tuple([line[1] for line in lines]),
        total=total,
    )
