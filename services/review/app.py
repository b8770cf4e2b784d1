"""The review service's FastAPI application."""

from __future__ import annotations

from fastapi import FastAPI

from services.review.api import PERMISSIONS, router
from services.review.config import Settings
from services.review.context import build_service_context
from shared.api.auth import Principal, Role
from shared.clock import Clock
from shared.service import create_service_app

DESCRIPTION = """Cross-department verification (社保, 税务, 公安, 住建) of what applicants declared. 跨部门核验。

On `application.submitted` the review service asks the four department registries about the applicant,
compares declared with registry data indicator by indicator, sends what data exchange cannot prove to
on-site review (现场审核) by bureau staff, and emits `verification.completed` with the verified facts
(`points-facts.schema.json`) and a status per item: `confirmed`, `corrected` (registry data replaces the
declaration), `not_found`, `needs_onsite_review`, `pending_department` (a department has not answered;
retried automatically). Rechecks (复查) and appeals (申诉) may change a result, emitting a new revision.

Bureau staff use bearer tokens; partner departments push answers and corrections with their own
`X-API-Key` (scoped to their department), answered 202 and called back when processed."""


def department_principals(settings: Settings) -> dict[str, Principal]:
    """``api_key_digest(key) → Principal`` for each configured department key."""
    return {
        digest: Principal(
            subject=f"department:{department}",
            roles=frozenset({Role.DEPARTMENT_CLIENT.value}),
            name=department,
            department=department,
        )
        for digest, department in settings.department_api_keys.items()
    }


def create_app(settings: Settings, clock: Clock | None = None) -> FastAPI:
    return create_service_app(
        settings,
        title="Review 部门审核",
        description=DESCRIPTION,
        routers=[router],
        permissions=PERMISSIONS,
        clock=clock,
        context=build_service_context,
        api_keys=department_principals(settings),
    )
