"""The objection staff roster (issue 12, finding 6): publicity does not own accounts, so it keeps the
account ids that may assign objections (supervisors, registered by operations) and that objections may be
given to (investigators, registered by operations or a supervisor). Assignment and unsealing read it."""

from __future__ import annotations

import logging
from dataclasses import dataclass

from services.publicity.adapters.records import StaffDutyRecord
from services.publicity.context import Tx
from services.publicity.domain.outcomes import StaffDuty, WorkflowError, check_roster_change
from services.publicity.handlers.common import workflow_refusal
from shared.api.auth import Role
from shared.api.errors import NotFound

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class ChangeDuty:
    duty: StaffDuty
    account_id: str
    #: The caller's roles (operations or bureau staff; the permission table lets no one else in).
    roles: frozenset[str]


async def _check(tx: Tx, cmd: ChangeDuty) -> None:
    supervisor = Role.BUREAU_STAFF.value in cmd.roles and await tx.repo.has_duty(
        tx.actor, StaffDuty.SUPERVISOR
    )
    try:
        check_roster_change(
            cmd.duty,
            cmd.account_id,
            tx.actor,
            operations=Role.OPERATIONS_ADMIN.value in cmd.roles,
            supervisor=supervisor,
        )
    except WorkflowError as e:
        raise workflow_refusal(e) from None


async def register_duty(tx: Tx, cmd: ChangeDuty) -> StaffDutyRecord:
    """Register an account for a duty (again, if it was revoked); registering an active duty changes
    nothing. Returns the roster row."""
    await _check(tx, cmd)
    row = await tx.repo.register_duty(cmd.account_id, cmd.duty.value, tx.actor, tx.now)
    log.info("objection staff: %s registered as %s by %s", cmd.account_id, cmd.duty.value, tx.actor)
    return row


async def revoke_duty(tx: Tx, cmd: ChangeDuty) -> StaffDutyRecord:
    """Revoke an active duty: a revoked investigator can no longer unseal, a revoked supervisor no longer
    assign. The row stays (who revoked it, when). 404 ``duty_not_found`` without an active duty."""
    await _check(tx, cmd)
    row = await tx.repo.revoke_duty(cmd.account_id, cmd.duty.value, tx.actor, tx.now)
    if row is None:
        raise NotFound("duty_not_found", f"{cmd.account_id} is not a registered {cmd.duty.value}.")
    log.info("objection staff: %s no longer %s (revoked by %s)", cmd.account_id, cmd.duty.value, tx.actor)
    return row


@dataclass(frozen=True)
class ListStaff:
    duty: StaffDuty | None
    include_revoked: bool
    limit: int
    offset: int


@dataclass(frozen=True)
class StaffPage:
    items: list[StaffDutyRecord]
    total: int


async def list_staff(tx: Tx, cmd: ListStaff) -> StaffPage:
    rows, total = await tx.repo.list_staff(
        duty=cmd.duty.value if cmd.duty else None,
        include_revoked=cmd.include_revoked,
        limit=cmd.limit,
        offset=cmd.offset,
    )
    return StaffPage(rows, total)
