"""What several use cases share: opening the sealed ID number, and :func:`settle`, the heart of the
service.

:func:`settle` recomputes an application's verification from what is stored for it (its declaration,
the departments' answers, on-site decisions, recheck and appeal results) with the pure rules of
:mod:`services.review.domain.compare`, opens the on-site tasks still needed, and — when everything is
settled and the facts differ from the last ones emitted for this declaration — emits
``verification.completed`` (v2) through the outbox, in the caller's transaction. Recomputing from
stored state makes every path idempotent: nothing is verified twice.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from services.review.adapters.records import ApplicationChanges, ApplicationRecord
from services.review.context import Tx
from services.review.domain.compare import verify
from services.review.domain.model import Identity, Outcome
from shared.api.errors import Invalid, Unavailable
from shared.crypto import Sealed, Sealer, SealError
from shared.events.contracts.review import (
    IndicatorVerification,
    VerificationCompletedV2,
    VerificationTrigger,
)
from shared.facts.points import PointsFacts


def open_id_number(sealer: Sealer | None, sealed: dict[str, Any]) -> str:
    """The clear ID number. Without a data key: :class:`Unavailable` (a configuration error, not a bad
    event: retried, then dead-lettered for replay once fixed); a value that cannot be opened:
    :class:`Invalid` (``undecryptable_id_number``)."""
    if sealer is None:
        raise Unavailable(
            "data_key_missing", "REVIEW_DATA_KEY is not set: the review service cannot open ID numbers"
        )
    try:
        return sealer.open(Sealed.from_dict(sealed), context="id_number")
    except (SealError, KeyError) as e:
        raise Invalid("undecryptable_id_number", f"the ID number cannot be opened: {e}") from e


@dataclass(frozen=True)
class Settled:
    status: str
    outcome: Outcome
    emitted_revision: int | None  # the facts revision emitted now, if any


async def settle(tx: Tx, app: ApplicationRecord, trigger: VerificationTrigger) -> Settled:
    """Recompute the application's verification from stored state; emit when settled and changed."""
    app_id, rev = app["application_id"], app["declaration_revision"]
    rnd = await tx.repo.get_round(app["round_id"])
    departments = await tx.repo.department_data(app_id, rev)
    overrides = await tx.repo.overrides(app_id)

    async def compute() -> Outcome:
        return verify(
            declared=app["declared_facts"],
            departments=departments,
            identity=Identity(app["id_birth_date"].isoformat(), app["id_sex"]),
            application_id=app_id,
            application_year=rnd["year"] if rnd else None,
            policy_version=rnd["policy_version"] if rnd else None,
            decisions=await tx.repo.onsite_decisions(app_id, rev),
            overrides=overrides,
        )

    now = tx.now
    outcome = await compute()
    if await tx.repo.create_tasks(app, outcome.onsite, now):
        outcome = await compute()  # decisions carried over from an earlier revision
    await tx.repo.save_item_results(app_id, rev, outcome.items.values(), now)
    values: ApplicationChanges = {"updated_at": now, "waiting_departments": list(outcome.waiting)}
    emitted: int | None = None
    if outcome.waiting:
        status = "pending_department"
    elif outcome.facts is None:
        status = "onsite_review"
        values["next_attempt_at"] = None
    else:
        status = "completed"
        values["next_attempt_at"] = None
        values["last_error"] = None
        facts = PointsFacts.model_validate(outcome.facts)
        document = facts.as_document()
        last = await tx.repo.latest_verified(app_id, rev)
        if last is None or last["facts"] != document:
            emitted = app["facts_revision"] + 1
            statuses = [
                IndicatorVerification(indicator=r.item, status=r.status, note=r.note)
                for r in outcome.items.values()
            ]
            # Caused by the application's submission whatever settled it (the job, staff, a department).
            env = await tx.rt.outbox.emit(
                tx.session,
                VerificationCompletedV2(
                    application_id=app_id,
                    revision=emitted,
                    round_id=app["round_id"],
                    program=app["program"],
                    facts=facts,
                    statuses=statuses,
                    declaration_revision=rev,
                    trigger=trigger,
                    verified_at=now,
                ),
                subject=app_id,
                correlation_id=app["correlation_id"],
                causation_id=app["causation_id"],
            )
            await tx.repo.insert_verified(
                {
                    "application_id": app_id,
                    "facts_revision": emitted,
                    "declaration_revision": rev,
                    "trigger": trigger,
                    "facts": document,
                    "statuses": [s.model_dump(mode="json") for s in statuses],
                    "event_id": env.id,
                    "created_at": now,
                }
            )
            values["facts_revision"] = emitted
            values["completed_at"] = now
    values["status"] = status
    await tx.repo.update_application(app_id, values)
    return Settled(status, outcome, emitted)
