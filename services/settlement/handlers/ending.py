"""Ending a qualification before settlement and revoking letters (第十三条: nobody is added, 不递补)."""

from __future__ import annotations

from dataclasses import dataclass

from services.settlement.adapters.records import LetterRecord, QualificationRecord
from services.settlement.context import Tx
from services.settlement.domain import (
    CANCELLABLE,
    REVOCATION_REASONS,
    ConductSubject,
    RevocationReason,
    Status,
)
from services.settlement.handlers.common import (
    QualificationView,
    audit,
    load_for_action,
    set_status,
    view_after,
)
from services.settlement.handlers.conduct import record_for_application
from shared.api.errors import Conflict, Invalid, NotFound
from shared.events.contracts.settlement import LetterRevokedV1, QualificationCancelledV1


def _reason_text(reason: RevocationReason, note: str | None) -> str:
    return REVOCATION_REASONS[reason] + (f"：{note}" if note else "")


async def end_qualification(
    tx: Tx, qual: QualificationRecord, reason: RevocationReason, note: str | None
) -> list[LetterRecord]:
    """Cancel (or, on request, give up) a qualification: every letter of it still valid is revoked and the
    place is not refilled (第十三条). Returns the letters revoked."""
    status = Status.ABANDONED if reason is RevocationReason.ON_REQUEST else Status.CANCELLED
    text = _reason_text(reason, note)
    await set_status(
        tx, qual, status, {"ended_on": tx.today, "end_reason_code": reason.value, "end_note": note}
    )
    revoked = await revoke_letters(tx, qual["application_id"], reason, text)
    await tx.emit(
        QualificationCancelledV1(
            application_id=qual["application_id"],
            round_id=qual["round_id"],
            reason_code=reason.value,
            reason=text[:500],
            ended_on=tx.today,
            abandoned=status is Status.ABANDONED,
        ),
        qual["application_id"],
    )
    return revoked


async def revoke_letters(
    tx: Tx, application_id: str, reason: RevocationReason, text: str
) -> list[LetterRecord]:
    out = []
    for letter in await tx.repo.letters_of(application_id, for_update=True):
        if letter["status"] != "issued":
            continue
        revoked = await tx.repo.revoke_letter(
            letter["id"],
            revoked_at=tx.now,
            revoked_on=tx.today,
            revoked_by=tx.actor,
            revoke_reason_code=reason.value,
            revoke_reason=text[:500],
        )
        await tx.emit(
            LetterRevokedV1(
                application_id=application_id,
                serial_number=letter["serial_number"],
                reason=text[:500],
                revoked_on=tx.today,
                letter_type=letter["letter_type"],
                reason_code=reason.value,
            ),
            application_id,
        )
        await audit(
            tx, "letter.revoked", application_id, serial_number=letter["serial_number"], reason=reason.value
        )
        out.append(revoked or letter)
    return out


async def conduct_for_fraud(
    tx: Tx, application_id: str, reason: RevocationReason, note: str | None, employer_assisted: bool
) -> None:
    if reason is not RevocationReason.FRAUD:
        if employer_assisted:
            raise Invalid(
                "employer_assisted_needs_fraud",
                "`employer_assisted` only applies to a revocation for fraud.",
            )
        return
    text = _reason_text(reason, note)
    await record_for_application(
        tx, application_id, ConductSubject.PERSON, reason=text, source="revocation", decided_on=tx.today
    )
    if employer_assisted:
        await record_for_application(
            tx, application_id, ConductSubject.EMPLOYER, reason=text, source="revocation", decided_on=tx.today
        )


@dataclass(frozen=True)
class Cancel:
    """Staff end a qualification: fraud (the employer too when it helped), criminal record, on request."""

    application_id: str
    reason: RevocationReason
    note: str | None
    employer_assisted: bool


@dataclass(frozen=True)
class Ended:
    qualification: QualificationView
    revoked: list[LetterRecord]


async def cancel(tx: Tx, cmd: Cancel) -> Ended:
    """Staff end a qualification (fraud, criminal record 第十八条, or given up on request)."""
    qual = await load_for_action(tx, cmd.application_id)
    if qual["status"] not in CANCELLABLE:
        raise Conflict(
            "wrong_state",
            f"The qualification of {cmd.application_id} is {qual['status']!r}; it cannot be ended.",
        )
    revoked = await end_qualification(tx, qual, cmd.reason, cmd.note)
    await conduct_for_fraud(tx, cmd.application_id, cmd.reason, cmd.note, cmd.employer_assisted)
    return Ended(await view_after(tx, cmd.application_id), revoked)


@dataclass(frozen=True)
class Revoke:
    """Revoke one letter (and end the qualification behind it)."""

    serial_number: str
    reason: RevocationReason
    note: str | None
    employer_assisted: bool


async def revoke(tx: Tx, cmd: Revoke) -> LetterRecord:
    """Revoke one letter: the qualification behind it ends too (if still open), with all its letters."""
    letter = await tx.repo.get_letter(cmd.serial_number)
    if letter is None:
        raise NotFound("letter_not_found", f"No letter {cmd.serial_number}.")
    if letter["program"] == "graduates":
        raise Conflict(
            "graduate_letter",
            f"Letter {cmd.serial_number} belongs to graduate case {letter['application_id']}: it is revoked "
            "through the case (a revocation the supervising unit forwards, a failed settlement check, or "
            "fraud at /v1/graduate-cases/{declaration_id}/fraud), which also settles the quota.",
        )
    application_id = letter["application_id"]
    qual = await load_for_action(tx, application_id)
    letter = await tx.repo.get_letter(cmd.serial_number, for_update=True)
    assert letter is not None
    if letter["status"] == "revoked":
        raise Conflict(
            "already_revoked", f"Letter {cmd.serial_number} was revoked on {letter['revoked_on']}."
        )
    if qual["status"] in CANCELLABLE:
        await end_qualification(tx, qual, cmd.reason, cmd.note)
    else:
        await revoke_letters(tx, application_id, cmd.reason, _reason_text(cmd.reason, cmd.note))
    await conduct_for_fraud(tx, application_id, cmd.reason, cmd.note, cmd.employer_assisted)
    out = await tx.repo.get_letter(cmd.serial_number)
    assert out is not None
    return out
