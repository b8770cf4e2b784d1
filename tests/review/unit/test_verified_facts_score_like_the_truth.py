"""Acceptance: the verified facts of a declaration that matches its registry data, scored by the scoring
service, give the same result as scoring the registry truth directly; deliberate differences are caught
and the registry wins. The departments answer through the real adapters and the mock registries (in
process)."""

from __future__ import annotations

from typing import Any

import pytest

from services.review.domain.compare import verify
from services.review.domain.model import Identity, OnsiteDecision
from services.review.mock_registries.population import (
    DIFFERENCES,
    declaration_for,
    generate_population,
    truth_facts,
)
from tests.review.support import answers_for, canonical_facts, registry_apps, schema_errors

PEOPLE = generate_population(60, seed=77)


def _score(facts: dict[str, Any]) -> dict[str, Any]:
    from services.scoring.contract import score_document  # the scoring service's own entry point

    result = score_document(facts)
    return {k: result[k] for k in ("qualified", "total", "indicators") if k in result}


def _decide_all(outcome: Any) -> dict[str, OnsiteDecision]:
    return {n.topic: OnsiteDecision(n.topic, "confirmed", reviewer="test") for n in outcome.onsite}


@pytest.fixture(scope="module")
def apps() -> dict[str, Any]:
    return registry_apps(PEOPLE)


async def test_matching_declarations_verify_to_the_registry_truth_and_score_the_same(
    apps: dict[str, Any],
) -> None:
    for p in PEOPLE:
        answers = await answers_for(p, apps)
        identity = Identity(p.birth_date.isoformat(), p.sex)  # type: ignore[arg-type]
        declared = declaration_for(p, application_id=f"A-{p.index}")
        first = verify(
            declared=declared, departments=answers, identity=identity, application_id=f"A-{p.index}"
        )
        out = verify(
            declared=declared,
            departments=answers,
            identity=identity,
            application_id=f"A-{p.index}",
            decisions=_decide_all(first),
        )
        assert out.facts is not None, p.index
        assert {r.status for r in out.items.values()} == {"confirmed"}, p.index
        assert schema_errors(out.facts) == []
        truth = truth_facts(p, application_id=f"A-{p.index}")
        assert out.facts == canonical_facts(truth)
        assert _score(out.facts) == _score(truth)


@pytest.mark.parametrize("difference", sorted(DIFFERENCES))
async def test_a_deliberate_difference_is_caught_and_the_registry_wins(
    apps: dict[str, Any], difference: str
) -> None:
    for p in PEOPLE[:8]:
        answers = await answers_for(p, apps)
        identity = Identity(p.birth_date.isoformat(), p.sex)  # type: ignore[arg-type]
        declared = declaration_for(p, differences=[difference], onsite=False)
        out = verify(declared=declared, departments=answers, identity=identity)
        item = DIFFERENCES[difference]
        assert out.items[item].status in ("corrected", "not_found"), (p.index, out.items[item])
        assert out.facts == canonical_facts(truth_facts(p, onsite=False))
