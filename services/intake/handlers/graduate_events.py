"""The graduate declaration's timeline, fed by the other services' graduate events: the verification
(review, ``graduate.verified``), the eligibility assessment (scoring, ``graduate.assessed``), the bureau's
decision (settlement, ``graduate.decided``), and the events both programmes share when they are about a
graduate: the publicity outcome (``publicity.outcome`` with ``program: graduates``) and the 接收函 / 报户口介绍信
(``letter.issued`` / ``letter.revoked`` of a graduate letter type), which only add a timeline entry.

Each event adds a timeline entry (deduplicated by event id) and updates the declaration's read model in
the consumer's inbox transaction; verification and assessment keep the newest revision; the bureau's
decision sets the status (``approved`` / ``refused``). An event about a declaration intake does not know is
refused (``unknown_declaration``: dead-lettered at once).
"""

from __future__ import annotations

from typing import Any

from services.intake.adapters.records import GraduateDeclarationView
from services.intake.context import Tx
from services.intake.handlers.timeline import Observed
from shared.api.errors import NotFound
from shared.events.contracts.publicity import PublicityOutcomeV1
from shared.events.contracts.review import GraduateVerifiedV1
from shared.events.contracts.scoring import GraduateAssessedV1
from shared.events.contracts.settlement import GraduateDecidedV1, LetterIssuedV1, LetterRevokedV1

#: The letters of the graduate programme (settlement's ``domain/letters.py``): their events are about a
#: declaration, not a points application.
GRADUATE_LETTER_TYPES = frozenset({"receiving_letter", "hukou_letter"})


async def _declaration(tx: Tx, declaration_id: str) -> GraduateDeclarationView:
    row = await tx.repo.declaration(declaration_id, for_update=True)
    if row is None:
        raise NotFound("unknown_declaration", f"intake knows no graduate declaration {declaration_id}")
    return row


def _newer(current: dict[str, Any] | None, revision: int) -> bool:
    return current is None or int(current.get("revision", 0)) <= revision


async def on_graduate_verified(tx: Tx, seen: Observed[GraduateVerifiedV1]) -> None:
    e = seen.event
    row = await _declaration(tx, e.declaration_id)
    data = {
        "revision": e.revision,
        "declaration_revision": e.declaration_revision,
        "items": [i.model_dump(mode="json") for i in e.items],
        "verified_at": e.verified_at.isoformat(),
    }
    if await tx.repo.add_graduate_timeline(
        row["id"], at=seen.at, kind="graduate.verified", revision=e.declaration_revision, data=data,
        event_id=seen.event_id,
    ) and _newer(row["verification"], e.revision):  # fmt: skip
        await tx.repo.update_declaration(row["id"], verification=data, updated_at=tx.now)


async def on_graduate_assessed(tx: Tx, seen: Observed[GraduateAssessedV1]) -> None:
    e = seen.event
    row = await _declaration(tx, e.declaration_id)
    data = {
        "revision": e.revision,
        "policy_version": e.policy_version,
        "eligible": e.eligible,
        "quota": e.quota,
        "age_limit": e.age_limit,
        "failed_checks": list(e.failed_checks),
    }
    if await tx.repo.add_graduate_timeline(
        row["id"], at=seen.at, kind="graduate.assessed", revision=e.revision, data=data, event_id=seen.event_id
    ) and _newer(row["assessment"], e.revision):  # fmt: skip
        await tx.repo.update_declaration(row["id"], assessment=data, updated_at=tx.now)


async def on_graduate_decided(tx: Tx, seen: Observed[GraduateDecidedV1]) -> None:
    e = seen.event
    row = await _declaration(tx, e.declaration_id)
    data = {
        "decision": e.decision,
        "quota": e.quota,
        "reason": e.reason,
        "decided_on": e.decided_on.isoformat(),
        "deadline_on": e.deadline_on.isoformat(),
    }
    if await tx.repo.add_graduate_timeline(
        row["id"], at=seen.at, kind="graduate.decided", data=data, event_id=seen.event_id
    ):
        await tx.repo.update_declaration(row["id"], decision=data, status=e.decision, updated_at=tx.now)


async def _add_entry(
    tx: Tx, seen: Observed[Any], declaration_id: str, kind: str, data: dict[str, Any]
) -> None:
    """A timeline entry only: these events change nothing else on the declaration."""
    row = await _declaration(tx, declaration_id)
    await tx.repo.add_graduate_timeline(row["id"], at=seen.at, kind=kind, data=data, event_id=seen.event_id)


async def on_graduate_publicity_outcome(tx: Tx, seen: Observed[PublicityOutcomeV1]) -> None:
    e = seen.event
    data = {
        "outcome": e.outcome,
        "reason": e.reason,
        "reason_code": e.reason_code,
        "publicity_id": e.publicity_id,
        "publicity_closed_at": e.publicity_closed_at.isoformat(),
    }
    await _add_entry(tx, seen, e.application_id, "publicity.outcome", data)


async def on_graduate_letter_issued(tx: Tx, seen: Observed[LetterIssuedV1]) -> None:
    e = seen.event
    data = {
        "letter_type": e.letter_type,
        "serial_number": e.serial_number,
        "issued_on": e.issued_on.isoformat(),
    }
    await _add_entry(tx, seen, e.application_id, "letter.issued", data)


async def on_graduate_letter_revoked(tx: Tx, seen: Observed[LetterRevokedV1]) -> None:
    e = seen.event
    data = {
        "letter_type": e.letter_type,
        "serial_number": e.serial_number,
        "reason": e.reason,
        "reason_code": e.reason_code,
        "revoked_on": e.revoked_on.isoformat(),
    }
    await _add_entry(tx, seen, e.application_id, "letter.revoked", data)
