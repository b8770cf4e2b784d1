"""What the settlement use cases share: the audit trail, status changes, loading a qualification for an
action, the state and validity checks, the district rule of 落户办理 and the applicant's ownership."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any

from services.settlement.adapters.records import (
    HolderRecord,
    LetterRecord,
    QualificationChanges,
    QualificationRecord,
)
from services.settlement.adapters.repository import json_safe
from services.settlement.context import Tx
from services.settlement.domain import IllegalTransition, Status, require_transition
from shared.api.errors import Conflict, Forbidden, NotFound
from shared.validation import district_label

log = logging.getLogger("services.settlement.handlers")


async def audit(tx: Tx, action: str, subject: str, **detail: Any) -> None:
    """One line of the audit trail: who (``tx.actor``) did what to whom, when (``tx.now``)."""
    await tx.repo.audit(at=tx.now, actor=tx.actor, action=action, subject=subject, detail=json_safe(detail))


async def set_status(
    tx: Tx,
    qual: QualificationRecord,
    status: Status,
    changes: QualificationChanges | None = None,
    note: str | None = None,
) -> QualificationRecord:
    """Move a qualification to ``status`` (a transition the domain allows; 409 ``wrong_state`` otherwise),
    with ``changes`` to other columns, audited. Returns the qualification as it is now."""
    try:
        require_transition(qual["status"], status)
    except IllegalTransition as e:
        raise Conflict("wrong_state", str(e)) from e
    values: QualificationChanges = {"status": status.value, "updated_at": tx.now}
    values.update(changes or {})
    updated = await tx.repo.update_qualification(qual["application_id"], values)
    detail: dict[str, Any] = {k: v for k, v in (changes or {}).items() if k != "materials"}
    if note:
        detail["note"] = note
    await audit(
        tx, f"qualification.{status.value}", qual["application_id"], previous=qual["status"], **detail
    )
    return updated


async def load_for_action(tx: Tx, application_id: str) -> QualificationRecord:
    """The qualification, locked for a change (404 ``qualification_not_found``)."""
    await tx.repo.lock_application(application_id)
    qual = await tx.repo.get_qualification(application_id, for_update=True)
    if qual is None:
        raise NotFound("qualification_not_found", f"Application {application_id} has no qualification.")
    return qual


def require(qual: QualificationRecord, *allowed: Status, action: str) -> None:
    if qual["status"] not in {s.value for s in allowed}:
        raise Conflict(
            "wrong_state",
            f"Cannot {action}: the qualification of {qual['application_id']} is {qual['status']!r} "
            f"(needs {' or '.join(repr(s.value) for s in allowed)}).",
        )


def require_valid(tx: Tx, qual: QualificationRecord) -> None:
    """Refuse to act on a qualification whose validity is over (the lapse job records the lapse)."""
    valid_until_at, valid_until = qual["valid_until_at"], qual["valid_until"]
    if valid_until_at is not None and tx.now >= valid_until_at:
        shown = valid_until.isoformat() if valid_until is not None else valid_until_at.isoformat()
        raise Conflict(
            "qualification_lapsed",
            f"The qualification was valid until {shown} (24:00) and has lapsed; "
            "it is not refilled (seed 004 第十条、第十三条).",
        )


async def require_owner(tx: Tx, application_id: str, applicant: str | None) -> None:
    """Applicants (``applicant``: their account id; None for staff) reach only their own application
    (intake's account id arrives with the holder's data)."""
    if applicant is None:
        return
    holder = await tx.repo.get_holder(application_id)
    if holder is None or not holder["applicant_account_id"] or holder["applicant_account_id"] != applicant:
        raise Forbidden("not_your_application", "You may only see and act on your own application.")


# ---- the district rule --------------------------------------------------------------------------


@dataclass(frozen=True)
class DistrictScope:
    """The caller acts as district staff (区人力社保局) of ``district``: the token's ``district`` claim, None
    when the account has none. Bureau staff, operations administrators and applicants have no scope."""

    district: str | None

    def require(self) -> str:
        """The caller's district; fail closed (403 ``no_district``) when the account has none."""
        if not self.district:
            raise Forbidden(
                "no_district", "Your account has no district; an operations administrator must set one."
            )
        return self.district


def other_district(settlement_district: str, clerk_district: str) -> Forbidden:
    return Forbidden(
        "other_district",
        f"This qualification settles in {district_label(settlement_district)}; "
        f"your account is for {district_label(clerk_district)}.",
    )


def require_own_district(scope: DistrictScope, qual: QualificationRecord) -> None:
    """District staff act only on the qualifications that settle in their district (落户区, named with the
    materials). A qualification whose materials carry no district (recorded before it was asked for) is
    nobody's: refused too (fail closed)."""
    clerk = scope.require()
    settles_in = qual["settlement_district"]
    if not settles_in:
        raise Forbidden(
            "no_settlement_district",
            "This qualification's materials were recorded without a settlement district (before it was "
            "asked for), so no district office can act on them until the district is recorded.",
        )
    if settles_in != clerk:
        raise other_district(settles_in, clerk)


def may_read(scope: DistrictScope | None, qual: QualificationRecord) -> None:
    """District staff read the qualifications of their district and those not yet tied to a district (the
    holder brings the confirmation letter before naming one); any other district's is refused."""
    if scope is None:
        return
    clerk = scope.require()
    settles_in = qual["settlement_district"]
    if settles_in and settles_in != clerk:
        raise other_district(settles_in, clerk)


# ---- what the API shows of a qualification ------------------------------------------------------


@dataclass(frozen=True)
class QualificationView:
    """A qualification with its holder's name and its letters."""

    qualification: QualificationRecord
    holder_name: str | None
    letters: list[LetterRecord]


async def view_of(tx: Tx, qual: QualificationRecord) -> QualificationView:
    letters = await tx.repo.letters_of(qual["application_id"])
    holder: HolderRecord | None = await tx.repo.get_holder(qual["application_id"])
    return QualificationView(qual, holder["name"] if holder else None, letters)


async def view_after(tx: Tx, application_id: str) -> QualificationView:
    """The qualification as the use case left it."""
    qual = await tx.repo.get_qualification(application_id)
    if qual is None:
        raise NotFound("qualification_not_found", f"Application {application_id} has no qualification.")
    return await view_of(tx, qual)
