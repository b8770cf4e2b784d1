"""HTTP API of the publicity service, one module per area, and ``PERMISSIONS``, the one table of who may
call what (every route has an entry; the shared Authorizer refuses anything else).

- ``public``: the lists on view as JSON (no credentials);
- ``objection_form``: filing a real-name objection during the period (no credentials, rate-limited);
- ``pages``: the lists on view as HTML (no credentials; works without JavaScript);
- ``staff``: bureau staff and operations: every publicity, archived copies with outcomes, readiness;
- ``graduates``: the graduate programme: unit staff open their unit's list; the public reads it;
- ``investigation``: bureau staff: objections, their investigation and — for the assigned investigator
  only, while the objection is open, with a logged reason — the reporter's identity; operations: the
  identity access log;
- ``roster``: who may assign objections (supervisors) and who may be given one (investigators).
"""

from __future__ import annotations

from fastapi import APIRouter

from services.publicity.routes import graduates, investigation, objection_form, pages, public, roster, staff
from shared.api.auth import PermissionTable, Role, roles

router = APIRouter()
for _r in (
    public.router,
    objection_form.router,
    staff.router,
    investigation.router,
    roster.router,
    pages.router,
    graduates.router,
):
    router.include_router(_r)

PUBLIC = roles(Role.PUBLIC)
INVESTIGATION = roles(Role.BUREAU_STAFF)
STAFF_OR_OPS = roles(Role.BUREAU_STAFF, Role.OPERATIONS_ADMIN)
UNIT_STAFF = roles(Role.SUPERVISING_UNIT)

#: Who may call each route of this service (the operations routes are shared).
PERMISSIONS: PermissionTable = {
    # the public
    ("GET", "/public/publicities"): PUBLIC,
    ("GET", "/public/publicities/{publicity_id}"): PUBLIC,
    ("GET", "/v1/public/publicities"): PUBLIC,
    ("GET", "/v1/public/publicities/{publicity_id}/entries"): PUBLIC,
    ("POST", "/v1/public/publicities/{publicity_id}/objections"): PUBLIC,
    ("GET", "/public/graduate-publicities/{publicity_id}"): PUBLIC,
    ("GET", "/v1/public/graduate-publicities/{publicity_id}/entries"): PUBLIC,
    # supervising-unit staff (their own unit: the token's supervising_unit claim): graduate lists
    ("GET", "/v1/units/{unit_id}/graduate-candidates"): UNIT_STAFF,
    ("POST", "/v1/units/{unit_id}/graduate-publicities"): UNIT_STAFF,
    # bureau staff and operations: lists, archived copies, readiness, the access log
    ("GET", "/v1/publicities"): STAFF_OR_OPS,
    ("GET", "/v1/publicities/{publicity_id}"): STAFF_OR_OPS,
    ("GET", "/v1/publicities/{publicity_id}/entries"): STAFF_OR_OPS,
    ("GET", "/v1/rounds/{round_id}/publicity-readiness"): STAFF_OR_OPS,
    ("GET", "/v1/objections/{objection_id}/identity-access-log"): STAFF_OR_OPS,
    # bureau staff: the investigation
    ("GET", "/v1/publicities/{publicity_id}/objections"): INVESTIGATION,
    ("GET", "/v1/objections/{objection_id}"): INVESTIGATION,
    ("GET", "/v1/objections/{objection_id}/attachments/{attachment_id}"): INVESTIGATION,
    ("POST", "/v1/objections/{objection_id}/assign"): INVESTIGATION,
    ("POST", "/v1/objections/{objection_id}/decision"): INVESTIGATION,
    ("POST", "/v1/objections/{objection_id}/reporter-identity"): INVESTIGATION,
    # the objection staff roster: read by staff and operations; changed by operations (supervisors) or a
    # supervisor (investigators), which the use case checks
    ("GET", "/v1/objection-staff"): STAFF_OR_OPS,
    ("PUT", "/v1/objection-staff/{duty}/{account_id}"): STAFF_OR_OPS,
    ("DELETE", "/v1/objection-staff/{duty}/{account_id}"): STAFF_OR_OPS,
}

__all__ = ["PERMISSIONS", "router"]
