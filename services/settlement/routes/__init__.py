"""HTTP API of the settlement service: the routers by area and the permission table.

Public (no login, rate-limited): the verification page a letter's QR code opens, its JSON twin, and the
materials checklist. Bureau staff: qualifications and the 落户办理 steps (materials, approval), letters
(PDF, revocation), bad-conduct records, the audit trail and the log of verification checks. District staff
(区人力社保局): reading qualifications, recording the materials and the district check, each limited to the
qualifications that settle in their own district (the token's ``district`` claim against the qualification's
``settlement_district``). Applicants may read their own qualification and letters once intake tells who
they are. Graduate programme: bureau staff keep the quota ledger and decide on graduate cases; supervising
units (role ``supervising_unit``; the unit is in the path, see ``routes/graduates.py``) submit their cases,
record reporting for duty, apply for settlement and forward revocation requests.
"""

from __future__ import annotations

from fastapi import APIRouter

from services.settlement.routes import (
    audit,
    conduct,
    graduates,
    letters,
    qualifications,
    quota,
    verification,
)
from shared.api.auth import PermissionTable, Role, roles

router = APIRouter()
for _area in (verification, qualifications, letters, conduct, audit, quota, graduates):
    router.include_router(_area.router)

STAFF = roles(Role.BUREAU_STAFF)
DISTRICT = roles(Role.DISTRICT_STAFF)
READERS = roles(Role.BUREAU_STAFF, Role.OPERATIONS_ADMIN)
QUALIFICATION_READERS = roles(Role.BUREAU_STAFF, Role.DISTRICT_STAFF, Role.OPERATIONS_ADMIN)
PUBLIC = roles(Role.PUBLIC)
UNIT = roles(Role.SUPERVISING_UNIT)

#: Who may call each route (role × endpoint). Applicants reach their own records only (checked per call).
#: 落户办理 separates the roles: district staff (区人力社保局) take in and check the materials, bureau staff
#: (市人力社保局) approve; the two-person rule still holds for an account that has both roles. Which
#: qualifications a district clerk may act on (their own district's) is checked per call, not here.
PERMISSIONS: PermissionTable = {
    ("GET", "/verify/{token}"): PUBLIC,
    ("GET", "/v1/verify/{token}"): PUBLIC,
    ("POST", "/v1/materials/checklist"): PUBLIC,
    ("GET", "/v1/qualifications"): QUALIFICATION_READERS,
    ("GET", "/v1/qualifications/{application_id}"): roles(
        Role.BUREAU_STAFF, Role.DISTRICT_STAFF, Role.OPERATIONS_ADMIN, Role.APPLICANT
    ),
    ("POST", "/v1/qualifications/{application_id}/materials"): roles(
        Role.BUREAU_STAFF, Role.DISTRICT_STAFF, Role.APPLICANT
    ),
    ("POST", "/v1/qualifications/{application_id}/district-check"): DISTRICT,
    ("POST", "/v1/qualifications/{application_id}/approve"): STAFF,
    ("POST", "/v1/qualifications/{application_id}/cancel"): STAFF,
    ("GET", "/v1/letters"): READERS,
    ("GET", "/v1/letters/{serial_number}"): READERS,
    ("GET", "/v1/letters/{serial_number}/pdf"): roles(
        Role.BUREAU_STAFF, Role.OPERATIONS_ADMIN, Role.APPLICANT
    ),
    ("POST", "/v1/letters/{serial_number}/revoke"): STAFF,
    ("GET", "/v1/conduct-records"): READERS,
    ("POST", "/v1/conduct-records"): STAFF,
    ("GET", "/v1/conduct-records/{record_id}"): READERS,
    ("GET", "/v1/audit-log"): READERS,
    ("GET", "/v1/verification-checks"): READERS,
    # the graduate programme: the quota ledger (bureau staff decide; operations read)
    ("POST", "/v1/quotas/{year}/allocations"): STAFF,
    ("POST", "/v1/quotas/{year}/reallocations"): STAFF,
    ("GET", "/v1/quotas/{year}/units/{unit_id}"): READERS,
    ("GET", "/v1/quotas/{year}/account"): READERS,
    ("GET", "/v1/quotas/{year}/account.csv"): READERS,
    # graduate cases: bureau staff decide; supervising units act on their own (the unit is in the path)
    ("GET", "/v1/graduate-cases"): READERS,
    ("GET", "/v1/graduate-cases/overdue"): READERS,
    ("GET", "/v1/graduate-cases/{declaration_id}"): READERS,
    ("POST", "/v1/graduate-cases/{declaration_id}/approve"): STAFF,
    ("POST", "/v1/graduate-cases/{declaration_id}/refuse"): STAFF,
    ("POST", "/v1/graduate-cases/{declaration_id}/revocation/approve"): STAFF,
    ("POST", "/v1/graduate-cases/{declaration_id}/fraud"): STAFF,
    ("GET", "/v1/supervising-units/{unit_id}/graduate-cases"): UNIT,
    ("POST", "/v1/supervising-units/{unit_id}/graduate-cases/{declaration_id}/submit"): UNIT,
    ("POST", "/v1/supervising-units/{unit_id}/graduate-cases/{declaration_id}/report-duty"): UNIT,
    ("POST", "/v1/supervising-units/{unit_id}/graduate-cases/{declaration_id}/settlement"): UNIT,
    ("POST", "/v1/supervising-units/{unit_id}/graduate-cases/{declaration_id}/revocation"): UNIT,
}
