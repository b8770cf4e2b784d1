"""The public calculator (fixed contract, ``../shared/contracts/README.md``): PointsFacts in, PointsResult
out. Pure: no database, no transaction, nothing stored; the endpoints call these directly (in a thread
for a batch). Invalid facts and domain refusals become :class:`~shared.api.errors.Invalid` (422) with the
codes and details of the contract.
"""

from __future__ import annotations

from typing import Any

from services.scoring.contract import FactsValidationError, parse_facts
from services.scoring.domain import DomainError, score
from services.scoring.results import result_to_dict
from shared.api.errors import ApiError, Invalid

MAX_BATCH_ITEMS = 10_000


def score_one(doc: object, prefix: str = "") -> dict[str, Any]:
    """The PointsResult document of one PointsFacts document; ``prefix`` goes before each detail's field."""
    try:
        return result_to_dict(score(parse_facts(doc)))
    except FactsValidationError as e:
        raise Invalid(e.code, str(e), [{**d, "field": prefix + d["field"]} for d in e.details]) from None
    except DomainError as e:
        raise Invalid(e.code, e.message) from None


def score_batch(doc: object) -> dict[str, Any]:
    """``{"items": [PointsFacts, …]}`` → ``{"results": [PointsResult, …]}`` in the same order.

    Any invalid item refuses the whole batch; each detail names its item (``items[3].person.birth_date``).
    """
    if not isinstance(doc, dict) or set(doc) != {"items"} or not isinstance(doc["items"], list):
        raise Invalid(
            "invalid_batch",
            'The body must be {"items": [PointsFacts, …]}.',
            [{"field": "items", "code": "required", "message": "an array of PointsFacts is required"}],
        )
    items = doc["items"]
    if len(items) > MAX_BATCH_ITEMS:
        raise Invalid(
            "batch_too_large",
            f"{len(items)} items; at most {MAX_BATCH_ITEMS} per call.",
            [{"field": "items", "code": "max_items", "message": f"at most {MAX_BATCH_ITEMS} items"}],
        )
    results: list[dict[str, Any]] = []
    details: list[dict[str, Any]] = []
    for i, item in enumerate(items):
        try:
            results.append(score_one(item, prefix=f"items[{i}]."))
        except ApiError as e:
            details.extend(e.details or [{"field": f"items[{i}]", "code": e.code, "message": e.message}])
    if details:
        raise Invalid("invalid_facts", f"{len(details)} invalid field(s) in the batch.", details)
    return {"results": results}
