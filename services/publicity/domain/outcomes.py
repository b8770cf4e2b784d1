"""Objections and the outcome of a publicised entry.

Seed 004 第十条: objections are real-name and written, filed during the period, investigated by the bureau
with the departments concerned; whoever passes the period without objection obtains the settlement
qualification. 第十三条: a cancelled qualification is not refilled (不递补) — a disqualified place stays
empty, so nothing here ever adds an entry.

Workflow of an objection: ``received`` → ``assigned`` (an investigator; may be reassigned while open) →
``upheld`` (the applicant is disqualified, with a reason text and a reason code) or ``dismissed``. Each step
records who and a note. Decisions are final. Only a supervisor assigns, never to themself, and only to a
registered investigator; the reporter's identity is unsealed only by that investigator while the
objection is open.

Reason code of an upheld objection: ``fraud`` (弄虚作假/材料不实 — settlement records the person for five years,
第十七条), ``ineligible`` (does not meet the conditions) or ``other``. An entry disqualified by several upheld
objections carries the gravest code (fraud > ineligible > other); if none is fraud and one of them was
recorded without a code (before codes existed), the entry's code is unknown (``None``) and the reader falls
back on the text.

Outcome of an entry at closing: ``disqualified`` if any objection was upheld; otherwise ``held`` while an
objection is still open; otherwise ``cleared`` (no objection, or all dismissed). A ``held`` entry is
decided when its objections are: the first upheld one disqualifies it, the last dismissal clears it.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from enum import StrEnum

REASON_MAX = 1000


class ObjectionStatus(StrEnum):
    RECEIVED = "received"
    ASSIGNED = "assigned"
    UPHELD = "upheld"
    DISMISSED = "dismissed"


OPEN_STATUSES = frozenset({ObjectionStatus.RECEIVED, ObjectionStatus.ASSIGNED})


class ReasonCode(StrEnum):
    """Why an upheld objection disqualifies the applicant."""

    FRAUD = "fraud"  # 弄虚作假 / 材料不实 (seed 004 第十七条)
    INELIGIBLE = "ineligible"  # 不符合申报条件
    OTHER = "other"


#: Gravest first: the code an entry gets from several upheld objections.
_CODE_PRECEDENCE = (ReasonCode.FRAUD, ReasonCode.INELIGIBLE, ReasonCode.OTHER)


class Outcome(StrEnum):
    CLEARED = "cleared"
    DISQUALIFIED = "disqualified"
    HELD = "held"


@dataclass(frozen=True, slots=True)
class ObjectionState:
    status: ObjectionStatus
    disqualification_reason: str | None = None
    reason_code: ReasonCode | None = None


@dataclass(frozen=True, slots=True)
class OutcomeDecision:
    outcome: Outcome
    reason: str | None
    reason_code: ReasonCode | None = None


def entry_outcome(objections: Sequence[ObjectionState]) -> OutcomeDecision:
    """The outcome of one entry given all objections filed against it."""
    upheld = [o for o in objections if o.status == ObjectionStatus.UPHELD]
    if upheld:
        reasons = [o.disqualification_reason or "异议成立 objection upheld" for o in upheld]
        return OutcomeDecision(
            Outcome.DISQUALIFIED, _clip("; ".join(dict.fromkeys(reasons))), upheld_reason_code(upheld)
        )
    still_open = sum(1 for o in objections if o.status in OPEN_STATUSES)
    if still_open:
        return OutcomeDecision(
            Outcome.HELD, f"{still_open} 项异议正在核查 · {still_open} objection(s) under investigation"
        )
    if objections:
        n = len(objections)
        return OutcomeDecision(Outcome.CLEARED, f"{n} 项异议经核查不成立 · {n} objection(s) dismissed")
    return OutcomeDecision(Outcome.CLEARED, None)


def upheld_reason_code(upheld: Sequence[ObjectionState]) -> ReasonCode | None:
    """The code of an entry disqualified by ``upheld``: the gravest; ``None`` when it is not fraud and an
    objection without a code (decided before codes existed) might be graver."""
    codes = {o.reason_code for o in upheld}
    if ReasonCode.FRAUD in codes:
        return ReasonCode.FRAUD
    if None in codes or not codes:
        return None
    return next(c for c in _CODE_PRECEDENCE if c in codes)


def decided_later(current: Outcome | None, objections: Sequence[ObjectionState]) -> OutcomeDecision | None:
    """After a decision on a closed publicity: the entry's new outcome if a ``held`` entry is now decided.

    ``None`` when nothing changes: the entry was not held (cleared and disqualified are final), or it is
    still held because another objection is open.
    """
    if current != Outcome.HELD:
        return None
    new = entry_outcome(objections)
    return None if new.outcome == Outcome.HELD else new


class WorkflowError(Exception):
    """A step the objection's state does not allow. ``status`` is the HTTP status to answer with."""

    def __init__(self, status: int, code: str, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message


def check_assign(status: ObjectionStatus) -> None:
    if status not in OPEN_STATUSES:
        raise WorkflowError(
            409, "objection_decided", f"The objection is already {status.value}; it cannot be assigned."
        )


def check_decide(status: ObjectionStatus, assigned_to: str | None, actor: str) -> None:
    """Only an assigned, undecided objection is decided, and only by its investigator."""
    if status in (ObjectionStatus.UPHELD, ObjectionStatus.DISMISSED):
        raise WorkflowError(409, "objection_decided", f"The objection was already {status.value}.")
    if status != ObjectionStatus.ASSIGNED or not assigned_to:
        raise WorkflowError(409, "objection_not_assigned", "Assign an investigator before deciding.")
    if assigned_to != actor:
        raise WorkflowError(
            403, "not_investigator", "Only the investigator assigned to this objection may decide it."
        )


class StaffDuty(StrEnum):
    """A duty of the objection staff roster (publicity does not own accounts: it keeps account ids)."""

    SUPERVISOR = "supervisor"  # assigns objections (督办负责人); registered by operations
    INVESTIGATOR = "investigator"  # is given objections, decides them, may unseal (核查人员)


def check_roster_change(
    duty: StaffDuty, account_id: str, actor: str, *, operations: bool, supervisor: bool
) -> None:
    """Who may register or revoke a duty: operations for supervisors; operations or a supervisor for
    investigators; nobody for themself."""
    allowed = operations or (duty == StaffDuty.INVESTIGATOR and supervisor)
    if not allowed:
        who = "operations" if duty == StaffDuty.SUPERVISOR else "operations or a supervisor"
        raise WorkflowError(403, "not_allowed", f"Only {who} may register or revoke a {duty.value}.")
    if account_id == actor:
        raise WorkflowError(409, "own_duty", "Nobody registers or revokes a duty of their own.")


def check_assigner(actor: str, investigator: str, *, supervisor: bool, registered_investigator: bool) -> None:
    """Who may give an objection to whom: only a supervisor assigns, never to themself, and only to a
    registered investigator account (otherwise any staff member could assign to themself and unseal)."""
    if not supervisor:
        raise WorkflowError(
            403, "not_supervisor", "Only a supervisor may assign an objection to an investigator."
        )
    if investigator == actor:
        raise WorkflowError(
            409, "self_assignment", "A supervisor may not assign an objection to themself (four eyes)."
        )
    if not registered_investigator:
        raise WorkflowError(
            422, "unknown_investigator", f"{investigator!r} is not a registered investigator account."
        )


def check_investigator(
    status: ObjectionStatus, assigned_to: str | None, actor: str, *, registered: bool
) -> None:
    """Unsealing the reporter's identity: only while the objection is open, and only by the investigator
    it is assigned to, while still registered as an investigator."""
    if status not in OPEN_STATUSES:
        raise WorkflowError(
            409,
            "objection_decided",
            f"The objection was already {status.value}; the reporter's identity stays sealed.",
        )
    if not assigned_to or assigned_to != actor or not registered:
        raise WorkflowError(
            403,
            "not_investigator",
            "Only the investigator assigned to this objection may see the reporter's identity.",
        )


def _clip(text: str) -> str:
    return text if len(text) <= REASON_MAX else text[: REASON_MAX - 1] + "…"
