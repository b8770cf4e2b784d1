"""The review API's routes, one module per area, joined in :data:`router`, and ``PERMISSIONS``, the
service's single role × endpoint table (a route missing from it is refused)."""

from __future__ import annotations

from fastapi import APIRouter

from services.review.routes import departments, graduates, onsite, requests, rounds, verification
from shared.api.auth import PermissionTable, Role, roles

router = APIRouter()
for _r in (
    verification.router,
    rounds.router,
    onsite.router,
    requests.router,
    departments.router,
    graduates.router,
):
    router.include_router(_r)

STAFF = roles(Role.BUREAU_STAFF)
STAFF_OR_OPS = roles(Role.BUREAU_STAFF, Role.OPERATIONS_ADMIN)
DEPARTMENT = roles(Role.DEPARTMENT_CLIENT)
#: Rechecks and appeals: applicants reach only their own (checked in the handler, 404 otherwise).
STAFF_OR_APPLICANT = roles(Role.BUREAU_STAFF, Role.APPLICANT)
#: The graduate checks: supervising units see their own declarations only (checked in the handler, 404).
STAFF_OR_UNIT = roles(Role.BUREAU_STAFF, Role.SUPERVISING_UNIT)

#: Who may call each route of this service (the operations routes are shared).
PERMISSIONS: PermissionTable = {
    ("GET", "/v1/verifications"): STAFF_OR_OPS,
    ("GET", "/v1/verifications/{application_id}"): STAFF_OR_OPS,
    ("GET", "/v1/verifications/{application_id}/evidence"): STAFF_OR_OPS,
    ("POST", "/v1/verifications/{application_id}/retry"): STAFF_OR_OPS,
    ("POST", "/v1/verifications/retry"): STAFF_OR_OPS,
    ("GET", "/v1/onsite-tasks"): STAFF,
    ("GET", "/v1/onsite-tasks/{task_id}"): STAFF,
    ("POST", "/v1/onsite-tasks/{task_id}/decision"): STAFF,
    ("GET", "/v1/review-requests"): STAFF_OR_APPLICANT,
    ("POST", "/v1/review-requests"): STAFF_OR_APPLICANT,
    ("GET", "/v1/review-requests/{request_id}"): STAFF_OR_APPLICANT,
    ("POST", "/v1/review-requests/{request_id}/decision"): STAFF,
    ("GET", "/v1/rounds"): STAFF_OR_OPS,
    ("GET", "/v1/graduate-verifications"): STAFF_OR_UNIT,
    ("GET", "/v1/graduate-verifications/{declaration_id}"): STAFF_OR_UNIT,
    ("GET", "/v1/graduate-verifications/{declaration_id}/evidence"): STAFF_OR_UNIT,
    ("GET", "/v1/graduate-settlement-checks"): STAFF_OR_UNIT,
    ("GET", "/v1/graduate-settlement-checks/{request_id}"): STAFF_OR_UNIT,
    ("GET", "/v1/graduate-settlement-checks/{request_id}/evidence"): STAFF_OR_UNIT,
    **{
        ("POST", f"/v1/departments/{slug}/submissions"): DEPARTMENT
        for slug, _, _ in departments.DEPARTMENT_ROUTES
    },
    **{
        ("GET", f"/v1/departments/{slug}/submissions/{{submission_id}}"): DEPARTMENT
        for slug, _, _ in departments.DEPARTMENT_ROUTES
    },
}

__all__ = ["PERMISSIONS", "router"]
