"""The declared facts: ``shared.facts.points.PointsFacts``, the one points-facts model of the platform
(``../shared/contracts/points-facts.schema.json``), validated strictly: booleans must be JSON booleans,
integers JSON integers (``true`` and ``"2020"`` are refused), dates real calendar dates in ``YYYY-MM-DD``,
months ``YYYY-MM``, money a decimal string, enums one of their values, and no unknown field anywhere. Each
violation is reported as one 422 detail naming the field (``facts.social_insurance[3].to``) with a code
and a message. The rules that tie the facts to the declarant (birth date and sex from the ID number, the
round's year and policy version) need the request and the round, so the declaring use case checks them.
"""

from __future__ import annotations

from shared.facts.points import FACTS_EXAMPLE, PointsFacts

__all__ = ["FACTS_EXAMPLE", "PointsFacts"]
