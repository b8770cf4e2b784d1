"""HTTP API of the scoring service: the routes, and ``PERMISSIONS``, the one table of who may call what.

The two scoring endpoints and the graduate eligibility endpoint are the fixed contracts of
``../shared/contracts/README.md``: PointsFacts in, PointsResult out; GraduateFacts in, GraduateResult out;
422 naming every offending field. They are public calculators (nothing is stored). The other endpoints are for bureau staff: results per application and revision, and the
ranking of a round. Every route has an entry (checked by ``tests/contracts/test_openapi.py``).
"""

from __future__ import annotations

from fastapi import APIRouter

from services.scoring.routes import calculator, graduates, rankings, scores
from shared.api.auth import PermissionTable, Role, roles

router = APIRouter()
for _r in (calculator.router, graduates.router, scores.router, rankings.router):
    router.include_router(_r)

STAFF = roles(Role.BUREAU_STAFF, Role.OPERATIONS_ADMIN)
PERMISSIONS: PermissionTable = {
    ("POST", "/v1/points/score"): roles(Role.PUBLIC),
    ("POST", "/v1/points/score/batch"): roles(Role.PUBLIC),
    ("POST", "/v1/graduates/eligibility"): roles(Role.PUBLIC),
    ("GET", "/v1/graduates/declarations/{declaration_id}/assessment"): roles(
        Role.BUREAU_STAFF, Role.SUPERVISING_UNIT
    ),
    ("GET", "/v1/applications/{application_id}/scores"): STAFF,
    ("POST", "/v1/rounds/{round_id}/rankings"): roles(Role.BUREAU_STAFF),
    ("GET", "/v1/rounds/{round_id}/rankings"): STAFF,
    ("GET", "/v1/rounds/{round_id}/rankings/{ranking_id}"): STAFF,
    ("GET", "/v1/rounds/{round_id}/rankings/{ranking_id}/entries"): STAFF,
    ("POST", "/v1/rounds/{round_id}/rankings/{ranking_id}/finalize"): roles(Role.BUREAU_STAFF),
}
