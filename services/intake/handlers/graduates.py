"""Graduate declarations (引进毕业生申报, seed 000 第十七条(三)): the employer declares, corrects and
submits.

An employer administrator declares a graduate to the employer's supervising unit — only to the unit whose
jurisdiction the employer is in (第五条) — in the declaration stage of the graduate round (March to
September of Y). The ID number must be valid (its birth date is the graduate's); it is stored sealed with
its keyed digest, like a points applicant's. One declaration per person per round; a live bad-conduct record
of the graduate or the employer bars declaring (the records intake keeps from ``conduct.recorded``).
Submission emits ``graduate.declared`` (revision 1, 2, … after each return and correction), idempotent per
``Idempotency-Key``.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy.exc import IntegrityError

from services.intake.adapters.records import EmployerRecord, GraduateDeclarationView, RoundRecord
from services.intake.adapters.security import new_id
from services.intake.context import Tx
from services.intake.domain.graduates import OutsideJurisdiction, check_jurisdiction
from services.intake.handlers.applications import check_conduct
from services.intake.handlers.common import check_phase, invalid_many, not_found
from services.intake.handlers.employers import acting_employer
from services.intake.handlers.graduate_common import (
    Party,
    build_facts,
    declaration_out,
    load_declaration,
)
from services.intake.schemas.graduates import (
    EmploymentIn,
    GraduateDeclarationOut,
    GraduateIn,
    GraduateSubmitOut,
)
from shared.api.auth import Principal
from shared.api.errors import Conflict, Forbidden
from shared.calendar import BEIJING
from shared.crypto import Sealed
from shared.events.contracts.intake import EncryptedValue, GraduateDeclaredV1
from shared.validation import InvalidIdentifier, mask_id_number, parse_resident_id

GRADUATE_ID = "graduate.id_number"


@dataclass(frozen=True)
class DeclaredContent:
    """What the employer declares about the graduate and the post (the request, as a command)."""

    graduate: GraduateIn
    employment: EmploymentIn
    special_plan: str | None

    def document(self) -> dict[str, Any]:
        """Stored as ``graduate_declarations.declaration``: everything but the name and the ID number."""
        return {
            "graduate": self.graduate.model_dump(
                mode="json", exclude={"name", "id_number", "account_username"}
            ),
            "employment": self.employment.model_dump(mode="json"),
            "special_plan": self.special_plan,
        }


async def _employer_of(tx: Tx, caller: Principal) -> EmployerRecord:
    """The caller's employer: 403 when none, 409 ``employer_unverified`` before bureau staff verified it."""
    return await acting_employer(tx, caller)


async def _graduate_round(tx: Tx, round_id: str) -> RoundRecord:
    row = await tx.repo.round(round_id)
    if row is None or row["program"] != "graduates":
        raise not_found("graduate_round", round_id)
    return row


def _birth_date(id_number: str, today: date) -> date:
    try:
        return parse_resident_id(id_number, today=today).birth_date
    except InvalidIdentifier as e:
        raise invalid_many(
            [{"field": "graduate.id_number", "code": e.code, "message": f"{e.message} {e.message_zh}"}]
        ) from None


async def _graduate_account(tx: Tx, username: str | None) -> str | None:
    if username is None:
        return None
    account = await tx.repo.account_by_username(username)
    if account is None or account["role"] != "applicant":
        raise invalid_many(
            [
                {
                    "field": "graduate.account_username",
                    "code": "account_username.unknown",
                    "message": "No applicant account has this username; leave it out and send a consent link.",
                }
            ]
        )
    return account["id"]


async def _check_person_unique(tx: Tx, round_id: str, digest: str, declaration_id: str | None) -> None:
    other = await tx.repo.declaration_of_person(round_id, digest)
    if other is not None and other != declaration_id:
        raise Conflict(
            "graduate_already_declared",
            f"This graduate (ID number) is already declared in round {round_id}: one declaration per "
            "person per round. 该毕业生本年度已申报。",
            [{"field": "graduate.id_number", "code": "graduate_already_declared", "message": other}],
        )


async def _check_jurisdiction(tx: Tx, employer: EmployerRecord, unit_id: str) -> None:
    if await tx.repo.unit(unit_id) is None:
        raise not_found("supervising_unit", unit_id)
    try:
        check_jurisdiction(employer["name"], await tx.repo.unit_of_employer(employer["id"]), unit_id)
    except OutsideJurisdiction as e:
        raise Forbidden(
            "outside_jurisdiction",
            e.message,
            [{"field": "supervising_unit_id", "code": "jurisdiction.article_5", "message": e.message}],
        ) from None


def _facts(
    row_id: str, year: int, today: date, birth: date, employer: EmployerRecord, document: dict[str, Any]
) -> None:
    """Validate the declaration as a graduate-facts document (422 naming the fields)."""
    build_facts(
        declaration_id=row_id,
        year=year,
        declared_on=today,
        birth_date=birth,
        declaration=document,
        employer_registered_on=employer["registered_at"].astimezone(BEIJING).date(),
        employer_district=employer["district"],
        good_standing=True,
    )


@dataclass(frozen=True)
class DeclareGraduate:
    caller: Principal
    round_id: str
    supervising_unit_id: str
    content: DeclaredContent


async def declare_graduate(tx: Tx, cmd: DeclareGraduate) -> GraduateDeclarationOut:
    """The employer declares a graduate to its supervising unit (a draft, version 1)."""
    repo, rt, now, today = tx.repo, tx.rt, tx.now, tx.today
    employer = await _employer_of(tx, cmd.caller)
    round_row = await _graduate_round(tx, cmd.round_id)
    check_phase("graduate_declare", round_row, today)
    await _check_jurisdiction(tx, employer, cmd.supervising_unit_id)
    g = cmd.content.graduate
    birth = _birth_date(g.id_number, today)
    declaration_id = f"GD{round_row['year']}-{new_id('x')[2:12].upper()}"
    document = cmd.content.document()
    _facts(declaration_id, round_row["year"], today, birth, employer, document)
    digest = rt.id_digest(g.id_number)
    await check_conduct(repo, digest, employer["credit_code"], today, GRADUATE_ID)
    await _check_person_unique(tx, cmd.round_id, digest, None)
    account_id = await _graduate_account(tx, g.account_username)
    try:
        await repo.insert_declaration(
            {
                "id": declaration_id,
                "round_id": cmd.round_id,
                "supervising_unit_id": cmd.supervising_unit_id,
                "employer_id": employer["id"],
                "status": "draft",
                "version": 1,
                "revision": 0,
                "name": g.name,
                "id_number_sealed": rt.sealer.seal(g.id_number, context="id_number").as_dict(),
                "id_number_masked": mask_id_number(g.id_number),
                "id_digest": digest,
                "birth_date": birth,
                "university": g.university.name,
                "major": g.major,
                "education": g.education,
                "diploma_number": g.diploma.number,
                "degree_number": g.degree.number,
                "declaration": document,
                "graduate_account_id": account_id,
                "consent_at": None,
                "consent_via": None,
                "returned_reason": None,
                "submitted_at": None,
                "unit_decision": None,
                "verification": None,
                "assessment": None,
                "decision": None,
                "declared_by": cmd.caller.subject,
                "created_at": now,
                "updated_at": now,
            }
        )
    except IntegrityError:
        raise Conflict("graduate_already_declared", "This graduate was declared meanwhile.") from None
    await repo.add_graduate_timeline(declaration_id, at=now, kind="declaration.created", data={"version": 1})
    return await _out(tx, declaration_id)


async def _out(tx: Tx, declaration_id: str) -> GraduateDeclarationOut:
    row = await tx.repo.declaration(declaration_id)
    assert row is not None
    return declaration_out(row)


async def _own_declaration(tx: Tx, caller: Principal, declaration_id: str) -> GraduateDeclarationView:
    row, party = await load_declaration(tx, caller, declaration_id, for_update=True)
    if party is not Party.EMPLOYER:
        raise Forbidden("forbidden", "Only an administrator of the declaring employer does this.")
    return row


@dataclass(frozen=True)
class CorrectDeclaration:
    caller: Principal
    declaration_id: str
    version: int
    content: DeclaredContent


async def correct_declaration(tx: Tx, cmd: CorrectDeclaration) -> GraduateDeclarationOut:
    """The employer replaces a draft or a returned declaration (version + 1); it is then submitted again."""
    repo, rt, now, today = tx.repo, tx.rt, tx.now, tx.today
    row = await _own_declaration(tx, cmd.caller, cmd.declaration_id)
    round_row = await _graduate_round(tx, row["round_id"])
    check_phase("graduate_edit", round_row, today)
    if row["status"] not in ("draft", "returned"):
        raise Conflict(
            "declaration_not_editable",
            f"The declaration is {row['status']}; only a draft or a declaration returned by the supervising "
            "unit can be corrected.",
        )
    if cmd.version != row["version"]:
        raise Conflict(
            "version_mismatch",
            f"The declaration is at version {row['version']}, not {cmd.version}; reload it.",
        )
    employer = await _employer_of(tx, cmd.caller)
    g = cmd.content.graduate
    birth = _birth_date(g.id_number, today)
    document = cmd.content.document()
    _facts(row["id"], row["year"], today, birth, employer, document)
    digest = rt.id_digest(g.id_number)
    await check_conduct(repo, digest, employer["credit_code"], today, GRADUATE_ID)
    await _check_person_unique(tx, row["round_id"], digest, row["id"])
    account_id = await _graduate_account(tx, g.account_username)
    version = row["version"] + 1
    try:
        await repo.update_declaration(
            row["id"],
            status="draft",
            version=version,
            name=g.name,
            id_number_sealed=rt.sealer.seal(g.id_number, context="id_number").as_dict(),
            id_number_masked=mask_id_number(g.id_number),
            id_digest=digest,
            birth_date=birth,
            university=g.university.name,
            major=g.major,
            education=g.education,
            diploma_number=g.diploma.number,
            degree_number=g.degree.number,
            declaration=document,
            graduate_account_id=account_id,
            updated_at=now,
        )
    except IntegrityError:
        raise Conflict("graduate_already_declared", "This graduate was declared meanwhile.") from None
    await repo.add_graduate_timeline(
        row["id"], at=now, kind="declaration.corrected", data={"version": version}
    )
    return await _out(tx, row["id"])


@dataclass(frozen=True)
class SubmitDeclaration:
    caller: Principal
    declaration_id: str
    idempotency_key: str


async def submit_declaration(tx: Tx, cmd: SubmitDeclaration) -> GraduateSubmitOut:
    """Submit the declaration to the supervising unit: ``graduate.declared`` with the next revision;
    idempotent per ``(account, Idempotency-Key)``."""
    repo, rt, now, today = tx.repo, tx.rt, tx.now, tx.today
    operation = f"graduate-submit:{cmd.declaration_id}"
    row = await _own_declaration(tx, cmd.caller, cmd.declaration_id)
    seen = await repo.idempotent_response(cmd.caller.subject, cmd.idempotency_key)
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
        return GraduateSubmitOut.model_validate(seen["response"])
    round_row = await _graduate_round(tx, row["round_id"])
    check_phase("graduate_submit", round_row, today)
    if row["status"] != "draft":
        raise Conflict(
            "declaration_not_submittable",
            f"The declaration is {row['status']} at version {row['version']}"
            + (" (returned by the supervising unit: correct it first)" if row["status"] == "returned" else "")
            + "; only a new or corrected version is submitted.",
        )
    employer = await _employer_of(tx, cmd.caller)
    await _check_jurisdiction(tx, employer, row["supervising_unit_id"])
    await check_conduct(repo, row["id_digest"], employer["credit_code"], today, GRADUATE_ID)
    facts = build_facts(
        declaration_id=row["id"],
        year=row["year"],
        declared_on=today,
        birth_date=row["birth_date"],
        declaration=row["declaration"],
        employer_registered_on=employer["registered_at"].astimezone(BEIJING).date(),
        employer_district=employer["district"],
        good_standing=True,
    )
    id_number = rt.sealer.open(Sealed.from_dict(row["id_number_sealed"]), context="id_number")
    revision = row["revision"] + 1
    env = await tx.emit(
        GraduateDeclaredV1(
            declaration_id=row["id"],
            revision=revision,
            round_id=row["round_id"],
            year=row["year"],
            supervising_unit_id=row["supervising_unit_id"],
            employer_credit_code=row["employer_credit_code"],
            employer_name=row["employer_name"],
            name=row["name"],
            birth_date=row["birth_date"],
            id_number=EncryptedValue(**rt.sealer.seal(id_number, context="id_number").as_dict()),
            id_number_digest=row["id_digest"],
            university=row["university"],
            major=row["major"],
            diploma_number=row["diploma_number"],
            degree_number=row["degree_number"],
            facts=facts,
            graduate_account_id=row["graduate_account_id"],
            declared_at=now,
        ),
        row["id"],
    )
    await repo.update_declaration(
        row["id"],
        status="submitted",
        revision=revision,
        submitted_at=now,
        returned_reason=None,
        updated_at=now,
    )
    await repo.add_graduate_timeline(
        row["id"],
        at=now,
        kind="graduate.declared",
        revision=revision,
        data={"revision": revision, "version": row["version"]},
    )
    out = GraduateSubmitOut(
        declaration_id=row["id"],
        revision=revision,
        version=row["version"],
        submitted_at=now,
        event_id=str(env.id),
    )
    await repo.save_idempotent_response(
        cmd.caller.subject, cmd.idempotency_key, operation, out.model_dump(mode="json"), now
    )
    return out
