"""HTTP API of the intake service: the routers by area, joined, and ``PERMISSIONS``, the one table of who
may call what (``services.intake.api`` re-exports both).

Every route has an entry (checked by ``tests/contracts/test_openapi.py``); the shared Authorizer refuses
anything else. Within a route, handlers narrow further by ownership: an applicant sees only their own
application, an employer administrator only their employer's (others get 404, not a hint that it exists).
"""

from __future__ import annotations

from fastapi import APIRouter

from services.intake.routes import (
    accounts,
    affiliations,
    applications,
    employers,
    graduates,
    materials,
    rounds,
    units,
)
from shared.api.auth import PermissionTable, Role, roles

router = APIRouter()
for _r in (
    accounts.router,
    employers.router,
    rounds.router,
    affiliations.router,
    applications.router,
    materials.router,
    units.router,
    graduates.router,
):
    router.include_router(_r)

PUBLIC = roles(Role.PUBLIC)
ANY_ACCOUNT = roles(
    Role.APPLICANT,
    Role.EMPLOYER_ADMIN,
    Role.SUPERVISING_UNIT,
    Role.BUREAU_STAFF,
    Role.DISTRICT_STAFF,
    Role.DEPARTMENT_CLIENT,
    Role.OPERATIONS_ADMIN,
)
APPLICANT = roles(Role.APPLICANT)
EMPLOYER = roles(Role.EMPLOYER_ADMIN)
BOTH_PARTIES = roles(Role.APPLICANT, Role.EMPLOYER_ADMIN)
CASE_READERS = roles(Role.APPLICANT, Role.EMPLOYER_ADMIN, Role.BUREAU_STAFF)
OPS = roles(Role.OPERATIONS_ADMIN)
BUREAU = roles(Role.BUREAU_STAFF)
UNIT_READERS = roles(Role.BUREAU_STAFF, Role.SUPERVISING_UNIT)
GRADUATE_PARTIES = roles(Role.EMPLOYER_ADMIN, Role.SUPERVISING_UNIT, Role.BUREAU_STAFF, Role.APPLICANT)
UNIT = roles(Role.SUPERVISING_UNIT)
BUREAU_OR_OPS = roles(Role.BUREAU_STAFF, Role.OPERATIONS_ADMIN)

#: Who may call each route of this service (the operations routes are shared).
PERMISSIONS: PermissionTable = {
    # accounts and tokens
    ("POST", "/v1/auth/token"): PUBLIC,
    ("POST", "/v1/auth/revoke"): PUBLIC,
    ("GET", "/v1/auth/keys"): PUBLIC,
    ("POST", "/v1/accounts/applicants"): PUBLIC,
    ("POST", "/v1/employers"): PUBLIC,
    ("GET", "/v1/employers/me"): EMPLOYER,
    ("POST", "/v1/employers/me/admins"): EMPLOYER,
    # the bureau verifies employers and reassigns disputed credit codes (issue 12, finding 1)
    ("GET", "/v1/employers"): BUREAU_OR_OPS,
    ("POST", "/v1/employers/{credit_code}/verification"): BUREAU_OR_OPS,
    ("POST", "/v1/employers/{credit_code}/reassignment"): BUREAU,
    ("GET", "/v1/employers/{credit_code}/audit"): BUREAU_OR_OPS,
    ("GET", "/v1/me"): ANY_ACCOUNT,
    ("POST", "/v1/accounts"): OPS,
    ("GET", "/v1/accounts"): OPS,
    ("POST", "/v1/accounts/{account_id}/disable"): OPS,
    ("POST", "/v1/accounts/{account_id}/enable"): OPS,
    # rounds
    ("POST", "/v1/rounds"): roles(Role.BUREAU_STAFF),
    ("GET", "/v1/rounds"): PUBLIC,
    ("GET", "/v1/rounds/{round_id}"): PUBLIC,
    ("POST", "/v1/graduate-rounds"): BUREAU,
    # affiliations
    ("POST", "/v1/affiliations"): BOTH_PARTIES,
    ("GET", "/v1/affiliations"): CASE_READERS,
    ("POST", "/v1/affiliations/{affiliation_id}/confirm"): BOTH_PARTIES,
    ("POST", "/v1/affiliations/{affiliation_id}/end"): BOTH_PARTIES,
    # declarations and the applicant's view
    ("POST", "/v1/applications"): APPLICANT,
    ("GET", "/v1/applications"): CASE_READERS,
    ("GET", "/v1/applications/{application_id}"): CASE_READERS,
    ("PUT", "/v1/applications/{application_id}"): APPLICANT,
    ("POST", "/v1/applications/{application_id}/employer-confirmation"): EMPLOYER,
    ("POST", "/v1/applications/{application_id}/employer-return"): EMPLOYER,
    ("POST", "/v1/applications/{application_id}/submit"): APPLICANT,
    ("GET", "/v1/applications/{application_id}/timeline"): CASE_READERS,
    # materials
    ("POST", "/v1/applications/{application_id}/materials"): APPLICANT,
    ("GET", "/v1/applications/{application_id}/materials"): CASE_READERS,
    ("GET", "/v1/applications/{application_id}/materials/{material_id}"): CASE_READERS,
    ("DELETE", "/v1/applications/{application_id}/materials/{material_id}"): APPLICANT,
    # supervising units (主管单位) and their jurisdiction
    ("POST", "/v1/supervising-units"): BUREAU,
    ("GET", "/v1/supervising-units"): roles(Role.BUREAU_STAFF, Role.SUPERVISING_UNIT, Role.EMPLOYER_ADMIN),
    ("GET", "/v1/supervising-units/{unit_id}"): UNIT_READERS,
    ("POST", "/v1/supervising-units/{unit_id}/employers"): BUREAU,
    ("GET", "/v1/supervising-units/{unit_id}/employers"): UNIT_READERS,
    ("POST", "/v1/supervising-units/{unit_id}/accounts"): BUREAU,
    # graduate declarations (objects narrowed further in the handlers: own employer, own unit, own account)
    ("POST", "/v1/graduate-declarations"): EMPLOYER,
    ("GET", "/v1/graduate-declarations"): GRADUATE_PARTIES,
    ("GET", "/v1/graduate-declarations/{declaration_id}"): GRADUATE_PARTIES,
    ("PUT", "/v1/graduate-declarations/{declaration_id}"): EMPLOYER,
    ("POST", "/v1/graduate-declarations/{declaration_id}/submit"): EMPLOYER,
    ("POST", "/v1/graduate-declarations/{declaration_id}/consent-link"): EMPLOYER,
    ("POST", "/v1/graduate-declarations/{declaration_id}/consent"): APPLICANT,
    ("POST", "/v1/graduate-consents/{token}"): PUBLIC,
    ("POST", "/v1/graduate-declarations/{declaration_id}/unit-approval"): UNIT,
    ("POST", "/v1/graduate-declarations/{declaration_id}/unit-return"): UNIT,
    ("GET", "/v1/graduate-declarations/{declaration_id}/timeline"): GRADUATE_PARTIES,
}
