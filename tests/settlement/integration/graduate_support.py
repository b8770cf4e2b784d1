"""Graduate events of the stand-in producers (intake, scoring, publicity, review) and the steps that bring
a case to the bureau, for the settlement integration tests. Y = 2025, so Y+1 = 2026 is in the calendar."""

from __future__ import annotations

import copy
from datetime import date, datetime
from typing import Any

from shared.clock import BEIJING
from shared.events.contracts.intake import EncryptedValue, GraduateDeclaredV1
from shared.events.contracts.publicity import PublicityOutcomeV1
from shared.events.contracts.review import GraduateItemCheck, GraduateSettlementCheckedV1
from shared.events.contracts.scoring import GraduateAssessedV1
from shared.facts.graduates import GRADUATE_FACTS_EXAMPLE, GraduateFacts
from tests.settlement.integration.conftest import Env, valid_id

Y = 2025
ROUND = "grd-2025"
UNIT = "unit-haidian"
OTHER_UNIT = "unit-chaoyang"
EMPLOYER = "91110108MA01ABCD1X"
#: Submissions are received on Tue 2025-07-01 (due 24:00 of Tue 2025-07-15).
SUBMITTED_AT = datetime(2025, 7, 1, 9, 0, tzinfo=BEIJING)
CLOSED_AT = datetime(2025, 6, 28, 0, 0, tzinfo=BEIJING)


def facts() -> GraduateFacts:
    doc: dict[str, Any] = copy.deepcopy(GRADUATE_FACTS_EXAMPLE)
    doc.update(introduction_year=Y, declared_on="2025-05-10")
    doc["graduate"].update(graduated_on="2025-06-30")
    return GraduateFacts.model_validate(doc)


def declared(
    env: Env, decl: str, n: int = 1, unit: str = UNIT, name: str = "李四", revision: int = 1
) -> GraduateDeclaredV1:
    id_number = valid_id(n)
    sealed = env.sealer.seal(id_number, context="id_number")
    return GraduateDeclaredV1(
        declaration_id=decl,
        revision=revision,
        round_id=ROUND,
        year=Y,
        supervising_unit_id=unit,
        employer_credit_code=EMPLOYER,
        employer_name="北京中关村某某科技有限公司",
        name=name,
        birth_date=date(1999, 1, 1),
        id_number=EncryptedValue(**sealed.as_dict()),
        id_number_digest=env.sealer.digest(id_number, context="id_number"),
        university="武汉大学",
        major="计算机科学与技术",
        facts=facts(),
        declared_at=datetime(2025, 5, 10, 10, 0, tzinfo=BEIJING),
    )


def assessed(
    decl: str, quota: str | None = "counted", revision: int = 1, unit: str = UNIT
) -> GraduateAssessedV1:
    return GraduateAssessedV1(
        declaration_id=decl,
        revision=revision,
        round_id=ROUND,
        supervising_unit_id=unit,
        policy_version="graduates-2018",
        eligible=quota is not None,
        quota=quota,  # type: ignore[arg-type]
    )


def outcome(
    decl: str, outcome: str = "cleared", reason: str | None = None, reason_code: str | None = None
) -> PublicityOutcomeV1:
    return PublicityOutcomeV1(
        application_id=decl,
        round_id=ROUND,
        program="graduates",
        outcome=outcome,  # type: ignore[arg-type]
        reason=reason,
        reason_code=reason_code,  # type: ignore[arg-type]
        publicity_closed_at=CLOSED_AT,
        publicity_id=f"{ROUND}:{UNIT}",
    )


def checked(decl: str, request_id: str, passed: bool) -> GraduateSettlementCheckedV1:
    status = "confirmed" if passed else "not_found"
    return GraduateSettlementCheckedV1(
        declaration_id=decl,
        request_id=request_id,
        passed=passed,
        items=[
            GraduateItemCheck(item="education", status="confirmed", department="education_registry"),
            GraduateItemCheck(item="social_insurance", status=status, department="social_insurance"),  # type: ignore[arg-type]
        ],
        checked_at=datetime(2026, 3, 5, 10, 0, tzinfo=BEIJING),
    )


async def cleared_case(env: Env, decl: str, n: int = 1, quota: str = "counted", unit: str = UNIT) -> None:
    """The three events that make a case ready for the bureau."""
    await env.deliver(declared(env, decl, n, unit), decl)
    await env.deliver(assessed(decl, quota, unit=unit), decl)
    await env.deliver(outcome(decl), decl)


def unit_token(env: Env, unit: str = UNIT) -> dict[str, str]:
    return env.token("supervising_unit", f"unit-account-{unit}", unit=unit)


async def submitted_case(
    env: Env, http: Any, decl: str, n: int = 1, quota: str = "counted", unit: str = UNIT
) -> dict[str, Any]:
    await cleared_case(env, decl, n, quota, unit)
    r = await http.post(
        f"/v1/supervising-units/{unit}/graduate-cases/{decl}/submit", json={}, headers=unit_token(env, unit)
    )
    assert r.status_code == 200, r.text
    body: dict[str, Any] = r.json()
    return body


async def allocate(env: Env, http: Any, amount: int, unit: str = UNIT) -> dict[str, Any]:
    r = await http.post(
        f"/v1/quotas/{Y}/allocations",
        json={"supervising_unit_id": unit, "amount": amount, "reason": "2025年度指标分配（局务会决定）"},
        headers=env.token(),
    )
    assert r.status_code == 201, r.text
    body: dict[str, Any] = r.json()
    return body
