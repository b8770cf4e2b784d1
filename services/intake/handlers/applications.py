"""Points declarations: declare, edit, employer confirmation, submission; what each role sees.

Seed 004 第五条: the applicant declares through the employer that pays their social insurance, after
both confirmed their affiliation; in the declaration phase the applicant may edit. The employer confirms
a given version of the declaration; the applicant then submits it (``application.submitted``, revision
1, 2, … — an edit after a submission needs a new confirmation and a new submission). One application per
person (ID number) and per account in a round. A live bad-conduct record of the person or the employer
bars declaring until it ends.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from sqlalchemy.exc import IntegrityError

from services.intake.adapters.repository import IntakeRepository, Row
from services.intake.adapters.security import new_id
from services.intake.domain.policy import birth_year_month
from services.intake.domain.views import KIND_TITLES, Audience, case_view, entry_view
from services.intake.handlers.common import check_phase, correlation_id, invalid_many, not_found, schedule_of
from services.intake.runtime import IntakeRuntime
from services.intake.schemas import (
    ApplicantPart,
    ApplicationOut,
    ApplicationPage,
    ApplicationSummary,
    DeclarationIn,
    DeclarationUpdate,
    EmployerDecision,
    EmployerPart,
    EmployerReturn,
    Identity,
    MaterialOut,
    PointsFacts,
    SubmitOut,
    Timeline,
    TimelineEntry,
)
from shared.api.auth import Principal, Role
from shared.api.errors import ApiError
from shared.crypto import Sealed
from shared.events.contracts.intake import ApplicationSubmittedV1, EncryptedValue
from shared.service import ServiceContext
from shared.validation import InvalidIdentifier, mask_id_number, mask_mobile_number, parse_resident_id

# ---- visibility ----------------------------------------------------------------------------------


def audience_of(principal: Principal, row: Row) -> Audience | None:
    """How ``principal`` sees application ``row``; None: not at all (answered as 404)."""
    if principal.has(Role.APPLICANT) and row["applicant_id"] == principal.subject:
        return Audience.APPLICANT
    if principal.has(Role.EMPLOYER_ADMIN) and row["employer_id"] == principal.claims.get("employer_id"):
        return Audience.EMPLOYER
    if principal.has(Role.BUREAU_STAFF):
        return Audience.STAFF
    return None


def material_out(row: Row) -> MaterialOut:
    return MaterialOut(
        id=row["id"],
        filename=row["filename"],
        media_type=row["media_type"],
        size=row["size"],
        sha256=row["sha256"],
        indicator=row["indicator"],
        uploaded_at=row["uploaded_at"],
    )


def application_out(row: Row, materials: list[Row], audience: Audience) -> ApplicationOut:
    case = case_view(
        {
            "verification": row["verification"],
            "score": row["score"],
            "ranking": row["ranking"],
            "publicity": row["publicity"],
            "letters": row["letters"] or [],
        },
        audience,
    )
    phone = row["phone"] if audience is not Audience.EMPLOYER else mask_mobile_number(row["phone"])
    return ApplicationOut(
        id=row["id"],
        round_id=row["round_id"],
        program=row["program"],
        status=row["status"],
        declaration_status=row["declaration_status"],
        revision=row["revision"],
        version=row["version"],
        applicant=ApplicantPart(
            name=row["name"],
            id_number_masked=row["id_number_masked"],
            phone=phone,
            birth_year_month=row["birth_year_month"],
        ),
        employer=EmployerPart(
            id=row["employer_id"], name=row["employer_name"], credit_code=row["employer_credit_code"]
        ),
        facts=row["facts"],
        employer_confirmed_version=row["employer_confirmed_version"],
        returned_reason=row["returned_reason"],
        submitted_at=row["submitted_at"],
        verification=case["verification"],
        score=case["score"],
        ranking=case["ranking"],
        publicity=case["publicity"],
        letters=case["letters"],
        lapsed_on=row["lapsed_on"],
        materials=[material_out(m) for m in materials],
        created_at=row["created_at"],
        updated_at=row["updated_at"],
    )


async def load_visible(
    repo: IntakeRepository, principal: Principal, application_id: str, *, for_update: bool = False
) -> tuple[Row, Audience]:
    row = await repo.application(application_id, for_update=for_update)
    audience = audience_of(principal, row) if row is not None else None
    if row is None or audience is None:
        raise not_found("application", application_id)
    return row, audience


async def _view(repo: IntakeRepository, application_id: str, audience: Audience) -> ApplicationOut:
    row = await repo.application(application_id)
    assert row is not None
    return application_out(row, await repo.materials_of(application_id), audience)


# ---- checks --------------------------------------------------------------------------------------


def _check_declaration(identity: Identity, facts: PointsFacts, round_row: Row, today: date) -> str:
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


async def _check_conduct(repo: IntakeRepository, id_digest: str, credit_code: str, today: date) -> None:
    """Bad-conduct records (失信记录, 5 years, from the settlement service) bar declaring until they end."""
    person = await repo.live_conduct_record(person_digest=id_digest, credit_code=None, day=today)
    if person is not None:
        until = person["valid_until"].isoformat()
        raise ApiError(
            409,
            "conduct_record",
            f"A bad-conduct record bars this person from declaring until {until} (inclusive). "
            f"存在严重失信记录，{until}（含）前不能申报。",
            [{"field": "identity.id_number", "code": "conduct_record.person", "message": f"until {until}"}],
        )
    employer = await repo.live_conduct_record(person_digest=None, credit_code=credit_code, day=today)
    if employer is not None:
        until = employer["valid_until"].isoformat()
        raise ApiError(
            409,
            "conduct_record",
            f"A bad-conduct record bars the employer from declaring applicants until {until} (inclusive). "
            f"用人单位存在严重失信记录，{until}（含）前不能申报。",
            [{"field": None, "code": "conduct_record.employer", "message": f"until {until}"}],
        )


async def _confirmed_affiliation(repo: IntakeRepository, applicant_id: str) -> Row:
    aff = await repo.live_affiliation(applicant_id)
    if aff is None or aff["status"] != "confirmed":
        raise ApiError(
            409,
            "affiliation_not_confirmed",
            "Your affiliation with your employer must be confirmed by both of you before you declare "
            "(seed 004 第五条). 请先与用人单位确认隶属关系。",
        )
    return aff


async def _check_person_unique(
    repo: IntakeRepository, round_id: str, id_digest: str, application_id: str | None
) -> None:
    other = await repo.application_of_person(round_id, id_digest)
    if other is not None and other["id"] != application_id:
        raise ApiError(
            409,
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


# ---- use cases -----------------------------------------------------------------------------------


async def declare(
    ctx: ServiceContext, rt: IntakeRuntime, principal: Principal, body: DeclarationIn
) -> ApplicationOut:
    now, today = ctx.clock.now(), ctx.clock.today()
    try:
        async with ctx.session_factory() as s, s.begin():
            repo = IntakeRepository(s)
            round_row = await repo.round(body.round_id)
            if round_row is None:
                raise not_found("round", body.round_id)
            check_phase("declare", round_row, today)
            aff = await _confirmed_affiliation(repo, principal.subject)
            existing = await repo.application_of(body.round_id, principal.subject)
            if existing is not None:
                raise ApiError(
                    409,
                    "application_exists",
                    f"You already have application {existing['id']} in round {body.round_id}; edit it instead.",
                )
            bym = _check_declaration(body.identity, body.facts, round_row, today)
            digest = rt.id_digest(body.identity.id_number)
            await _check_person_unique(repo, body.round_id, digest, None)
            await _check_conduct(repo, digest, aff["employer_credit_code"], today)
            application_id = f"PA{round_row['year']}-{new_id('x')[2:12].upper()}"
            await repo.insert_application(
                {
                    "id": application_id,
                    "round_id": body.round_id,
                    "applicant_id": principal.subject,
                    "employer_id": aff["employer_id"],
                    "affiliation_id": aff["id"],
                    "status": "draft",
                    "declaration_status": "draft",
                    "revision": 0,
                    "version": 1,
                    "name": body.identity.name,
                    "phone": body.identity.phone,
                    "id_number_sealed": rt.sealer.seal(
                        body.identity.id_number, context="id_number"
                    ).as_dict(),
                    "id_number_masked": mask_id_number(body.identity.id_number),
                    "id_digest": digest,
                    "birth_year_month": bym,
                    "facts": body.facts.as_document(),
                    "letters": [],
                    "created_at": now,
                    "updated_at": now,
                }
            )
            await repo.add_timeline(application_id, at=now, kind="declaration.created", data={"version": 1})
            return await _view(repo, application_id, Audience.APPLICANT)
    except IntegrityError:
        raise ApiError(
            409, "application_exists", "An application for this person or account was made meanwhile."
        ) from None


async def edit(
    ctx: ServiceContext, rt: IntakeRuntime, principal: Principal, application_id: str, body: DeclarationUpdate
) -> ApplicationOut:
    now, today = ctx.clock.now(), ctx.clock.today()
    try:
        async with ctx.session_factory() as s, s.begin():
            repo = IntakeRepository(s)
            row, audience = await load_visible(repo, principal, application_id, for_update=True)
            if audience is not Audience.APPLICANT:
                raise ApiError(403, "forbidden", "Only the applicant edits their declaration.")
            round_row = await repo.round(row["round_id"])
            assert round_row is not None
            check_phase("edit_declaration", round_row, today)
            if body.version is not None and body.version != row["version"]:
                raise ApiError(
                    409,
                    "version_mismatch",
                    f"The declaration is at version {row['version']}, not {body.version}; reload it.",
                )
            bym = _check_declaration(body.identity, body.facts, round_row, today)
            digest = rt.id_digest(body.identity.id_number)
            await _check_person_unique(repo, row["round_id"], digest, application_id)
            await _check_conduct(repo, digest, row["employer_credit_code"], today)
            version = row["version"] + 1
            await repo.update_application(
                application_id,
                version=version,
                declaration_status="draft",
                employer_confirmed_version=None,
                employer_confirmed_at=None,
                employer_confirmed_by=None,
                returned_reason=None,
                name=body.identity.name,
                phone=body.identity.phone,
                id_number_sealed=rt.sealer.seal(body.identity.id_number, context="id_number").as_dict(),
                id_number_masked=mask_id_number(body.identity.id_number),
                id_digest=digest,
                birth_year_month=bym,
                facts=body.facts.as_document(),
                updated_at=now,
            )
            await repo.add_timeline(
                application_id, at=now, kind="declaration.updated", data={"version": version}
            )
            return await _view(repo, application_id, Audience.APPLICANT)
    except IntegrityError:
        raise ApiError(
            409, "person_already_declared", "This ID number was declared meanwhile in this round."
        ) from None


async def _employer_decision(
    ctx: ServiceContext, principal: Principal, application_id: str, version: int, reason: str | None
) -> ApplicationOut:
    now = ctx.clock.now()
    async with ctx.session_factory() as s, s.begin():
        repo = IntakeRepository(s)
        row, audience = await load_visible(repo, principal, application_id, for_update=True)
        if audience is not Audience.EMPLOYER:
            raise ApiError(
                403, "forbidden", "Only an administrator of the applicant's employer decides here."
            )
        round_row = await repo.round(row["round_id"])
        assert round_row is not None
        check_phase("employer_review", round_row, ctx.clock.today())
        if row["declaration_status"] == "submitted":
            raise ApiError(
                409,
                "already_submitted",
                f"Version {row['version']} is already submitted; the applicant must edit it first.",
            )
        if version != row["version"]:
            raise ApiError(
                409,
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
                    employer_confirmed_by=principal.subject,
                    returned_reason=None,
                    updated_at=now,
                )
                await repo.add_timeline(
                    application_id,
                    at=now,
                    kind="declaration.employer_confirmed",
                    data={"version": version, "by": principal.name},
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
                data={"version": version, "reason": reason, "by": principal.name},
            )
        return await _view(repo, application_id, Audience.EMPLOYER)


async def employer_confirm(
    ctx: ServiceContext, principal: Principal, application_id: str, body: EmployerDecision
) -> ApplicationOut:
    return await _employer_decision(ctx, principal, application_id, body.version, None)


async def employer_return(
    ctx: ServiceContext, principal: Principal, application_id: str, body: EmployerReturn
) -> ApplicationOut:
    return await _employer_decision(ctx, principal, application_id, body.version, body.reason)


async def submit(
    ctx: ServiceContext, rt: IntakeRuntime, principal: Principal, application_id: str, idempotency_key: str
) -> SubmitOut:
    now, today = ctx.clock.now(), ctx.clock.today()
    operation = f"submit:{application_id}"
    async with ctx.session_factory() as s, s.begin():
        repo = IntakeRepository(s)
        row, audience = await load_visible(repo, principal, application_id, for_update=True)
        if audience is not Audience.APPLICANT:
            raise ApiError(403, "forbidden", "Only the applicant submits their declaration.")
        # A retry with the same key gets the first answer, whatever happened since.
        seen = await repo.idempotent_response(principal.subject, idempotency_key)
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
            raise ApiError(
                409,
                "already_submitted",
                f"Version {row['version']} is already submitted as revision {row['revision']}.",
            )
        if (
            row["declaration_status"] != "employer_confirmed"
            or row["employer_confirmed_version"] != row["version"]
        ):
            raise ApiError(
                409,
                "employer_confirmation_required",
                f"Your employer must confirm version {row['version']} of the declaration before you "
                "submit it. 请等待用人单位确认。",
            )
        aff = await _confirmed_affiliation(repo, principal.subject)
        if aff["id"] != row["affiliation_id"]:
            raise ApiError(
                409,
                "affiliation_changed",
                "Your affiliation changed since you declared; this declaration cannot be submitted.",
            )
        await _check_conduct(repo, row["id_digest"], row["employer_credit_code"], today)
        id_number = rt.sealer.open(Sealed.from_dict(row["id_number_sealed"]), context="id_number")
        revision = row["revision"] + 1
        facts = {
            **row["facts"],
            "application_id": application_id,
            "policy_version": round_row["policy_version"],
        }
        env = await ctx.outbox.emit(
            s,
            ApplicationSubmittedV1(
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
            subject=application_id,
            correlation_id=correlation_id(),
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
            principal.subject, idempotency_key, operation, out.model_dump(mode="json"), now
        )
    return out


async def get_application(ctx: ServiceContext, principal: Principal, application_id: str) -> ApplicationOut:
    async with ctx.session_factory() as s:
        repo = IntakeRepository(s)
        row, audience = await load_visible(repo, principal, application_id)
        return application_out(row, await repo.materials_of(application_id), audience)


async def list_applications(
    ctx: ServiceContext,
    principal: Principal,
    *,
    round_id: str | None,
    phase: str | None,
    status: str | None,
    declaration_status: str | None,
    employer: str | None,
    limit: int,
    offset: int,
) -> ApplicationPage:
    filters: dict[str, Any] = {"status": status, "declaration_status": declaration_status}
    if principal.has(Role.APPLICANT):
        filters["applicant_id"] = principal.subject
    elif principal.has(Role.EMPLOYER_ADMIN):
        filters["employer_id"] = str(principal.claims.get("employer_id") or "-")
    else:
        filters["employer_credit_code"] = employer
    async with ctx.session_factory() as s:
        repo = IntakeRepository(s)
        round_ids: list[str] | None = [round_id] if round_id else None
        if phase:
            today = ctx.clock.today()
            in_phase = [
                r["id"] for r in await repo.all_rounds() if schedule_of(r).current(today).phase == phase
            ]
            round_ids = [r for r in in_phase if round_ids is None or r in round_ids]
        rows, total = await repo.list_applications(round_ids=round_ids, limit=limit, offset=offset, **filters)
    items = [
        ApplicationSummary(
            id=r["id"],
            round_id=r["round_id"],
            status=r["status"],
            declaration_status=r["declaration_status"],
            revision=r["revision"],
            version=r["version"],
            applicant_name=r["name"],
            employer_name=r["employer_name"],
            employer_credit_code=r["employer_credit_code"],
            submitted_at=r["submitted_at"],
            score_total=(r["score"] or {}).get("total"),
            rank=(r["ranking"] or {}).get("rank"),
            updated_at=r["updated_at"],
        )
        for r in rows
    ]
    return ApplicationPage(items=items, total=total, limit=limit, offset=offset)


async def get_timeline(ctx: ServiceContext, principal: Principal, application_id: str) -> Timeline:
    async with ctx.session_factory() as s:
        repo = IntakeRepository(s)
        row, audience = await load_visible(repo, principal, application_id)
        entries = [
            TimelineEntry(
                at=e["at"],
                kind=e["kind"],
                title=KIND_TITLES.get(e["kind"], e["kind"]),
                revision=e["revision"],
                data=entry_view(e["kind"], e["data"], audience),
            )
            for e in await repo.timeline(application_id)
        ]
        # Round-wide events concern the applicant once they have submitted.
        if row["revision"] >= 1 or row["submitted_at"] is not None:
            entries += [
                TimelineEntry(
                    at=e["at"],
                    kind=e["kind"],
                    title=KIND_TITLES.get(e["kind"], e["kind"]),
                    data=entry_view(e["kind"], e["data"], audience),
                )
                for e in await repo.round_events(row["round_id"])
                if e["at"] >= row["created_at"]
            ]
    entries.sort(key=lambda e: e.at)
    return Timeline(application_id=application_id, entries=entries)
