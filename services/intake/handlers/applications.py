"""Points declarations: declare, edit, employer confirmation, submission.

Seed 004 第五条: the applicant declares through the employer that pays their social insurance, after
both confirmed their affiliation; in the declaration phase the applicant may edit. The employer confirms
a given version of the declaration; the applicant then submits it (``application.submitted``, revision
1, 2, … — an edit after a submission needs a new confirmation and a new submission). One application per
person (ID number) and per account in a round. A live bad-conduct record of the person or the employer
bars declaring until it ends.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy.exc import IntegrityError

from services.intake.adapters.records import AffiliationView, RoundRecord
from services.intake.adapters.repository import IntakeRepository
from services.intake.adapters.security import new_id
from services.intake.context import Tx
from services.intake.domain.case import birth_year_month
from services.intake.domain.views import Audience
from services.intake.handlers.case import load_visible, view
from services.intake.handlers.common import check_phase, invalid_many, not_found
from services.intake.handlers.employers import acting_employer
from services.intake.handlers.tokens import VERIFIED_IDENTITY_CLAIM
from services.intake.schemas import ApplicationOut, Identity, PointsFacts, SubmitOut
from shared.api.auth import Principal
from shared.api.errors import Conflict, Forbidden
from shared.crypto import Sealed
from shared.events.contracts.intake import ApplicationSubmittedV2, EncryptedValue
from shared.validation import InvalidIdentifier, mask_id_number, parse_resident_id

# ---- checks --------------------------------------------------------------------------------------


def _check_declaration(identity: Identity, facts: PointsFacts, round_row: RoundRecord, today: date) -> str:
    """Cross-field rules beyond the schema; returns the birth year-month. 422 naming each field."""
    details: list[dict[str, Any]] = []
    try:
        rid = parse_resident_id(identity.id_number, today=today)
    except InvalidIdentifier as e:
        raise invalid_many(
            [{"field": "identity.id_number", "code": e.code, "message": f"{e.message} {e.message_zh}"}]
        ) from None
    if facts.person.birth_date != rid.birth_date.isoformat():
        details.append(
            {
                "field": "facts.person.birth_date",
                "code": "birth_date.mismatch",
                "message": "The birth date differs from the one in the ID number. 出生日期与身份证号码不一致。",
            }
        )
    if facts.person.sex != rid.sex:
        details.append(
            {
                "field": "facts.person.sex",
                "code": "sex.mismatch",
                "message": "The sex differs from the one in the ID number. 性别与身份证号码不一致。",
            }
        )
    if facts.person.sex == "male" and facts.person.female_job_category is not None:
        details.append(
            {
                "field": "facts.person.female_job_category",
                "code": "female_job_category.only_for_women",
                "message": "Only given for women (it decides their retirement age).",
            }
        )
    if facts.application_year != round_row["year"]:
        details.append(
            {
                "field": "facts.application_year",
                "code": "application_year.mismatch",
                "message": f"Round {round_row['id']} is for year {round_row['year']}.",
            }
        )
    if facts.policy_version is not None and facts.policy_version != round_row["policy_version"]:
        details.append(
            {
                "field": "facts.policy_version",
                "code": "policy_version.mismatch",
                "message": f"Round {round_row['id']} follows {round_row['policy_version']}.",
            }
        )
    if details:
        raise invalid_many(details)
    return birth_year_month(rid.birth_date.isoformat())


async def check_conduct(
    repo: IntakeRepository, id_digest: str, credit_code: str, today: date, field: str = "identity.id_number"
) -> None:
    """Bad-conduct records (失信记录, 5 years, from the settlement service) bar declaring until they end.
    ``field`` names the ID number in the request (the graduate's in a graduate declaration)."""
    live = await repo.live_conduct_records(person_digest=id_digest, credit_code=credit_code, day=today)
    person = next((r for r in live if r["person_id_digest"] == id_digest), None)
    if person is not None:
        until = person["valid_until"].isoformat()
        raise Conflict(
            "conduct_record",
            f"A bad-conduct record bars this person from declaring until {until} (inclusive). "
            f"存在严重失信记录，{until}（含）前不能申报。",
            [{"field": field, "code": "conduct_record.person", "message": f"until {until}"}],
        )
    employer = next((r for r in live if r["employer_credit_code"] == credit_code), None)
    if employer is not None:
        until = employer["valid_until"].isoformat()
        raise Conflict(
            "conduct_record",
            f"A bad-conduct record bars the employer from declaring applicants until {until} (inclusive). "
            f"用人单位存在严重失信记录，{until}（含）前不能申报。",
            [{"field": None, "code": "conduct_record.employer", "message": f"until {until}"}],
        )


async def _confirmed_affiliation(repo: IntakeRepository, applicant_id: str) -> AffiliationView:
    aff = await repo.live_affiliation(applicant_id)
    if aff is None or aff["status"] != "confirmed":
        raise Conflict(
            "affiliation_not_confirmed",
            "Your affiliation with your employer must be confirmed by both of you before you declare "
            "(seed 004 第五条). 请先与用人单位确认隶属关系。",
        )
    return aff


async def _check_person_unique(
    repo: IntakeRepository, round_id: str, id_digest: str, application_id: str | None
) -> None:
    other = await repo.application_of_person(round_id, id_digest)
    if other is not None and other != application_id:
        raise Conflict(
            "person_already_declared",
            f"This ID number already has an application in round {round_id}: one application per person "
            "per round. 每人每年度只能申报一次。",
            [
                {
                    "field": "identity.id_number",
                    "code": "person_already_declared",
                    "message": "already declared",
                }
            ],
        )


async def _check_verified_identity(tx: Tx, caller: Principal, id_digest: str) -> None:
    """An applicant who logged in through the city's identity service declares under the ID number it
    vouched for (``handlers/identity.py``); password accounts have none to compare with."""
    if not caller.claims.get(VERIFIED_IDENTITY_CLAIM):
        return
    account = await tx.repo.account(caller.subject)
    if account is not None and account["id_digest"] is not None and account["id_digest"] != id_digest:
        raise invalid_many(
            [
                {
                    "field": "identity.id_number",
                    "code": "id_number.not_verified_identity",
                    "message": "Declare under the ID number your identity-service login verified. "
                    "请使用统一身份认证核验的身份证号码申报。",
                }
            ]
        )


# ---- declaring and editing ------------------------------------------------------------------------


@dataclass(frozen=True)
class Declare:
    caller: Principal
    round_id: str
    identity: Identity
    facts: PointsFacts


async def declare(tx: Tx, cmd: Declare) -> ApplicationOut:
    """The applicant declares for a round (a draft, version 1)."""
    repo, rt, now, today = tx.repo, tx.rt, tx.now, tx.today
    try:
        round_row = await repo.round(cmd.round_id)
        if round_row is None:
            raise not_found("round", cmd.round_id)
        check_phase("declare", round_row, today)
        aff = await _confirmed_affiliation(repo, cmd.caller.subject)
        existing = await repo.application_of(cmd.round_id, cmd.caller.subject)
        if existing is not None:
            raise Conflict(
                "application_exists",
                f"You already have application {existing} in round {cmd.round_id}; edit it instead.",
            )
        bym = _check_declaration(cmd.identity, cmd.facts, round_row, today)
        digest = rt.id_digest(cmd.identity.id_number)
        await _check_verified_identity(tx, cmd.caller, digest)
        await _check_person_unique(repo, cmd.round_id, digest, None)
        await check_conduct(repo, digest, aff["employer_credit_code"], today)
        application_id = f"PA{round_row['year']}-{new_id('x')[2:12].upper()}"
        await repo.insert_application(
            {
                "id": application_id,
                "round_id": cmd.round_id,
                "applicant_id": cmd.caller.subject,
                "employer_id": aff["employer_id"],
                "affiliation_id": aff["id"],
                "status": "draft",
                "declaration_status": "draft",
                "revision": 0,
                "version": 1,
                "name": cmd.identity.name,
                "phone": cmd.identity.phone,
                "id_number_sealed": rt.sealer.seal(cmd.identity.id_number, context="id_number").as_dict(),
                "id_number_masked": mask_id_number(cmd.identity.id_number),
                "id_digest": digest,
                "birth_year_month": bym,
                "facts": cmd.facts.as_document(),
                "letters": [],
                "created_at": now,
                "updated_at": now,
            }
        )
        await repo.add_timeline(application_id, at=now, kind="declaration.created", data={"version": 1})
        return await view(repo, application_id, Audience.APPLICANT, new=True)
    except IntegrityError:
        raise Conflict(
            "application_exists", "An application for this person or account was made meanwhile."
        ) from None


@dataclass(frozen=True)
class EditDeclaration:
    caller: Principal
    application_id: str
    identity: Identity
    facts: PointsFacts
    version: int | None  # the version being edited, if the client says


async def edit(tx: Tx, cmd: EditDeclaration) -> ApplicationOut:
    """The applicant replaces the declaration; its version goes up and needs a new confirmation."""
    repo, rt, now, today = tx.repo, tx.rt, tx.now, tx.today
    application_id = cmd.application_id
    try:
        row, audience = await load_visible(repo, cmd.caller, application_id, for_update=True)
        if audience is not Audience.APPLICANT:
            raise Forbidden("forbidden", "Only the applicant edits their declaration.")
        round_row = await repo.round(row["round_id"])
        assert round_row is not None
        check_phase("edit_declaration", round_row, today)
        if cmd.version is not None and cmd.version != row["version"]:
            raise Conflict(
                "version_mismatch",
                f"The declaration is at version {row['version']}, not {cmd.version}; reload it.",
            )
        bym = _check_declaration(cmd.identity, cmd.facts, round_row, today)
        digest = rt.id_digest(cmd.identity.id_number)
        await _check_verified_identity(tx, cmd.caller, digest)
        await _check_person_unique(repo, row["round_id"], digest, application_id)
        await check_conduct(repo, digest, row["employer_credit_code"], today)
        version = row["version"] + 1
        await repo.update_application(
            application_id,
            version=version,
            declaration_status="draft",
            employer_confirmed_version=None,
            employer_confirmed_at=None,
            employer_confirmed_by=None,
            returned_reason=None,
            name=cmd.identity.name,
            phone=cmd.identity.phone,
            id_number_sealed=rt.sealer.seal(cmd.identity.id_number, context="id_number").as_dict(),
            id_number_masked=mask_id_number(cmd.identity.id_number),
            id_digest=digest,
            birth_year_month=bym,
            facts=cmd.facts.as_document(),
            updated_at=now,
        )
        await repo.add_timeline(application_id, at=now, kind="declaration.updated", data={"version": version})
        return await view(repo, application_id, Audience.APPLICANT)
    except IntegrityError:
        raise Conflict(
            "person_already_declared", "This ID number was declared meanwhile in this round."
        ) from None


# ---- the employer's decision ----------------------------------------------------------------------


@dataclass(frozen=True)
class ConfirmDeclaration:
    caller: Principal
    application_id: str
    version: int


@dataclass(frozen=True)
class ReturnDeclaration:
    caller: Principal
    application_id: str
    version: int
    reason: str


async def _employer_decision(
    tx: Tx, caller: Principal, application_id: str, version: int, reason: str | None
) -> ApplicationOut:
    repo, now = tx.repo, tx.now
    row, audience = await load_visible(repo, caller, application_id, for_update=True)
    if audience is not Audience.EMPLOYER:
        raise Forbidden("forbidden", "Only an administrator of the applicant's employer decides here.")
    await acting_employer(tx, caller)  # 403, or 409 employer_unverified (issue 12, finding 1)
    round_row = await repo.round(row["round_id"])
    assert round_row is not None
    check_phase("employer_review", round_row, tx.today)
    if row["declaration_status"] == "submitted":
        raise Conflict(
            "already_submitted",
            f"Version {row['version']} is already submitted; the applicant must edit it first.",
        )
    if version != row["version"]:
        raise Conflict(
            "version_mismatch",
            f"The declaration changed: it is now at version {row['version']}; review it again.",
        )
    if reason is None:
        if row["declaration_status"] != "employer_confirmed":
            await repo.update_application(
                application_id,
                declaration_status="employer_confirmed",
                employer_confirmed_version=version,
                employer_confirmed_at=now,
                employer_confirmed_by=caller.subject,
                returned_reason=None,
                updated_at=now,
            )
            await repo.add_timeline(
                application_id,
                at=now,
                kind="declaration.employer_confirmed",
                data={"version": version, "by": caller.name},
            )
    else:
        await repo.update_application(
            application_id,
            declaration_status="returned",
            employer_confirmed_version=None,
            employer_confirmed_at=None,
            employer_confirmed_by=None,
            returned_reason=reason,
            updated_at=now,
        )
        await repo.add_timeline(
            application_id,
            at=now,
            kind="declaration.employer_returned",
            data={"version": version, "reason": reason, "by": caller.name},
        )
    return await view(repo, application_id, Audience.EMPLOYER)


async def employer_confirm(tx: Tx, cmd: ConfirmDeclaration) -> ApplicationOut:
    """The employer confirms the version it reviewed."""
    return await _employer_decision(tx, cmd.caller, cmd.application_id, cmd.version, None)


async def employer_return(tx: Tx, cmd: ReturnDeclaration) -> ApplicationOut:
    """The employer sends the declaration back with a reason."""
    return await _employer_decision(tx, cmd.caller, cmd.application_id, cmd.version, cmd.reason)


# ---- submission ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Submit:
    caller: Principal
    application_id: str
    idempotency_key: str


async def submit(tx: Tx, cmd: Submit) -> SubmitOut:
    """Submit the employer-confirmed declaration (``application.submitted`` v2); idempotent per key."""
    repo, rt, now, today = tx.repo, tx.rt, tx.now, tx.today
    application_id, caller = cmd.application_id, cmd.caller
    operation = f"submit:{application_id}"
    row, audience = await load_visible(repo, caller, application_id, for_update=True)
    if audience is not Audience.APPLICANT:
        raise Forbidden("forbidden", "Only the applicant submits their declaration.")
    # A retry with the same key gets the first answer, whatever happened since.
    seen = await repo.idempotent_response(caller.subject, cmd.idempotency_key)
    if seen is not None:
        if seen["operation"] != operation:
            raise invalid_many(
                [
                    {
                        "field": "Idempotency-Key",
                        "code": "idempotency_key.reused",
                        "message": "This key was used for another request; use a new key.",
                    }
                ]
            )
        return SubmitOut.model_validate(seen["response"])
    round_row = await repo.round(row["round_id"])
    assert round_row is not None
    check_phase("submit", round_row, today)
    if row["declaration_status"] == "submitted":
        raise Conflict(
            "already_submitted",
            f"Version {row['version']} is already submitted as revision {row['revision']}.",
        )
    if (
        row["declaration_status"] != "employer_confirmed"
        or row["employer_confirmed_version"] != row["version"]
    ):
        raise Conflict(
            "employer_confirmation_required",
            f"Your employer must confirm version {row['version']} of the declaration before you "
            "submit it. 请等待用人单位确认。",
        )
    aff = await _confirmed_affiliation(repo, caller.subject)
    if aff["id"] != row["affiliation_id"]:
        raise Conflict(
            "affiliation_changed",
            "Your affiliation changed since you declared; this declaration cannot be submitted.",
        )
    await check_conduct(repo, row["id_digest"], row["employer_credit_code"], today)
    id_number = rt.sealer.open(Sealed.from_dict(row["id_number_sealed"]), context="id_number")
    revision = row["revision"] + 1
    facts = PointsFacts.model_validate(
        {**row["facts"], "application_id": application_id, "policy_version": round_row["policy_version"]}
    )
    env = await tx.emit(
        ApplicationSubmittedV2(
            application_id=application_id,
            revision=revision,
            round_id=row["round_id"],
            program=row["program"],
            name=row["name"],
            birth_year_month=row["birth_year_month"],
            employer_name=row["employer_name"],
            employer_credit_code=row["employer_credit_code"],
            id_number=EncryptedValue(**rt.sealer.seal(id_number, context="id_number").as_dict()),
            id_number_digest=row["id_digest"],
            declared_facts=facts,
            applicant_id=row["applicant_id"],
        ),
        application_id,
    )
    await repo.update_application(
        application_id,
        revision=revision,
        declaration_status="submitted",
        status="submitted",
        submitted_at=now,
        updated_at=now,
    )
    await repo.add_timeline(
        application_id,
        at=now,
        kind="application.submitted",
        revision=revision,
        data={"revision": revision, "version": row["version"]},
    )
    out = SubmitOut(
        application_id=application_id,
        revision=revision,
        version=row["version"],
        submitted_at=now,
        event_id=str(env.id),
    )
    await repo.save_idempotent_response(
        caller.subject, cmd.idempotency_key, operation, out.model_dump(mode="json"), now
    )
    return out
