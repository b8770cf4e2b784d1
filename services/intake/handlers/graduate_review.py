"""After submission: the graduate's consent to publication, the supervising unit's decision, and what the
parties read (the declaration, the list, the timeline).

Consent (第十七条(四): the publicity needs the graduate's consent): a graduate with an account (role
applicant, named in the declaration) consents themself; otherwise the employer asks for a one-time link —
a random token shown once, stored as its SHA-256, single use, expiring — and the graduate consents through
the public endpoint with it.

The unit's decision: only staff of the declaration's own supervising unit (the ``supervising_unit`` token
claim; anyone else gets 404) approve the submitted revision for publicity — which needs the consent — or
return it with a reason; either emits ``graduate.unit_decided``. An approval carries exactly what the
publicity shows: name, age (Y − birth year), university, education, the unit's phone and address, and when
the graduate consented.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from typing import Any, Literal

from services.intake.adapters.records import GraduateDeclarationView
from services.intake.adapters.security import new_consent_token, refresh_token_digest
from services.intake.context import Tx
from services.intake.domain.graduates import publicity_age
from services.intake.handlers.graduate_common import Party, declaration_out, load_declaration
from services.intake.handlers.units import caller_unit
from services.intake.schemas.graduates import (
    ConsentLinkOut,
    ConsentOut,
    GraduateDeclarationOut,
    GraduateDeclarationPage,
    GraduateTimeline,
    GraduateTimelineEntry,
)
from shared.api.auth import Principal, Role
from shared.api.errors import ApiError, Conflict, Forbidden, NotFound
from shared.events.contracts.intake import GraduateUnitDecidedV1

# ---- consent -------------------------------------------------------------------------------------------


async def _record_consent(tx: Tx, row: GraduateDeclarationView, via: str) -> ConsentOut:
    if row["consent_at"] is not None:
        return ConsentOut(
            declaration_id=row["id"], consent_at=row["consent_at"], via=row["consent_via"] or via
        )
    await tx.repo.update_declaration(row["id"], consent_at=tx.now, consent_via=via, updated_at=tx.now)
    await tx.repo.add_graduate_timeline(row["id"], at=tx.now, kind="graduate.consented", data={"via": via})
    return ConsentOut(declaration_id=row["id"], consent_at=tx.now, via=via)


@dataclass(frozen=True)
class CreateConsentLink:
    caller: Principal
    declaration_id: str


async def create_consent_link(tx: Tx, cmd: CreateConsentLink) -> ConsentLinkOut:
    """The employer asks for a one-time consent link to send to the graduate. The token is shown once."""
    row, party = await load_declaration(tx, cmd.caller, cmd.declaration_id)
    if party is not Party.EMPLOYER:
        raise Forbidden(
            "forbidden", "Only an administrator of the declaring employer asks for a consent link."
        )
    if row["consent_at"] is not None:
        raise Conflict("consent_already_given", f"The graduate consented on {row['consent_at']:%Y-%m-%d}.")
    token, digest = new_consent_token()
    expires_at = tx.now + timedelta(seconds=tx.rt.settings.graduate_consent_link_ttl_s)
    await tx.repo.insert_consent_link(
        {
            "token_hash": digest,
            "declaration_id": row["id"],
            "created_at": tx.now,
            "created_by": cmd.caller.subject,
            "expires_at": expires_at,
            "used_at": None,
        }
    )
    await tx.repo.add_graduate_timeline(
        row["id"], at=tx.now, kind="consent.link_sent", data={"expires_at": expires_at.isoformat()}
    )
    return ConsentLinkOut(token=token, path=f"/v1/graduate-consents/{token}", expires_at=expires_at)


@dataclass(frozen=True)
class ConsentByLink:
    token: str


async def consent_by_link(tx: Tx, cmd: ConsentByLink) -> ConsentOut:
    """The graduate consents to publication with the one-time link (no account needed)."""
    link = await tx.repo.consent_link_for_update(refresh_token_digest(cmd.token))
    if link is None:
        raise NotFound("consent_link_not_found", "This consent link is not valid. 链接无效。")
    if link["used_at"] is not None:
        raise ApiError(410, "consent_link_used", "This consent link was already used. 链接已使用。")
    if link["expires_at"] <= tx.now:
        raise ApiError(
            410,
            "consent_link_expired",
            "This consent link has expired; ask the employer for a new one. 链接已过期。",
        )
    row = await tx.repo.declaration(link["declaration_id"], for_update=True)
    assert row is not None
    await tx.repo.use_consent_link(link["token_hash"], tx.now)
    return await _record_consent(tx, row, "link")


@dataclass(frozen=True)
class ConsentByAccount:
    caller: Principal
    declaration_id: str


async def consent_by_account(tx: Tx, cmd: ConsentByAccount) -> ConsentOut:
    """The graduate, logged in with the account the employer named, consents to publication."""
    row, party = await load_declaration(tx, cmd.caller, cmd.declaration_id, for_update=True)
    if party is not Party.GRADUATE:
        raise Forbidden("forbidden", "Only the graduate consents to the publication of their data.")
    return await _record_consent(tx, row, "account")


# ---- the supervising unit's decision -------------------------------------------------------------


@dataclass(frozen=True)
class UnitDecision:
    caller: Principal
    declaration_id: str
    revision: int
    decision: Literal["approved_for_publicity", "returned"]
    reason: str | None = None


async def unit_decide(tx: Tx, cmd: UnitDecision) -> GraduateDeclarationOut:
    """The supervising unit approves the submitted revision for publicity (with the graduate's consent)
    or returns it to the employer with a reason: ``graduate.unit_decided``."""
    row, party = await load_declaration(tx, cmd.caller, cmd.declaration_id, for_update=True)
    if party is not Party.UNIT:
        # Bureau staff and the employer can see the declaration, but only its unit decides.
        raise Forbidden("forbidden", "Only staff of the declaration's supervising unit decide on it.")
    if row["status"] != "submitted":
        raise Conflict(
            "declaration_not_submitted",
            f"The declaration is {row['status']}; the unit decides on a submitted declaration.",
        )
    if cmd.revision != row["revision"]:
        raise Conflict(
            "revision_mismatch",
            f"The declaration is at revision {row['revision']}, not {cmd.revision}; reload it.",
        )
    approve = cmd.decision == "approved_for_publicity"
    if approve and row["consent_at"] is None:
        raise Conflict(
            "consent_required",
            "The graduate has not consented to the publication of their name, age, university and "
            "education (第十七条(四)); the declaration cannot go to publicity. 毕业生尚未同意公示。",
        )
    if approve and await tx.repo.unit_of_employer(row["employer_id"]) != row["supervising_unit_id"]:
        raise Conflict(
            "outside_jurisdiction",
            f"Employer {row['employer_name']} is no longer in this unit's jurisdiction (第五条).",
        )
    publicity: dict[str, Any] = (
        {
            "name": row["name"],
            "age": publicity_age(row["year"], row["birth_date"]),
            "university": row["university"],
            "education": row["education"],
            "unit_phone": row["unit_phone"],
            "unit_address": row["unit_address"],
            "consent_at": row["consent_at"],
        }
        if approve
        else {}
    )
    await tx.emit(
        GraduateUnitDecidedV1(
            declaration_id=row["id"],
            revision=row["revision"],
            round_id=row["round_id"],
            year=row["year"],
            supervising_unit_id=row["supervising_unit_id"],
            supervising_unit_name=row["unit_name"],
            decision=cmd.decision,
            reason=cmd.reason,
            decided_at=tx.now,
            **publicity,
        ),
        row["id"],
    )
    decision = {
        "decision": cmd.decision,
        "revision": row["revision"],
        "version": row["version"],
        "reason": cmd.reason,
        "decided_at": tx.now.isoformat(),
        "by": cmd.caller.subject,
    }
    await tx.repo.update_declaration(
        row["id"],
        status="approved_for_publicity" if approve else "returned",
        unit_decision=decision,
        returned_reason=None if approve else cmd.reason,
        updated_at=tx.now,
    )
    await tx.repo.add_graduate_timeline(
        row["id"], at=tx.now, kind="graduate.unit_decided", revision=row["revision"], data=decision
    )
    updated = await tx.repo.declaration(row["id"])
    assert updated is not None
    return declaration_out(updated)


# ---- reading ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class GetDeclaration:
    caller: Principal
    declaration_id: str


async def get_declaration(tx: Tx, cmd: GetDeclaration) -> GraduateDeclarationOut:
    row, _ = await load_declaration(tx, cmd.caller, cmd.declaration_id)
    return declaration_out(row)


@dataclass(frozen=True)
class ListDeclarations:
    caller: Principal
    round_id: str | None
    status: str | None
    limit: int
    offset: int


async def list_declarations(tx: Tx, cmd: ListDeclarations) -> GraduateDeclarationPage:
    """Employers see their own declarations, a unit's staff their unit's, the graduate theirs, bureau
    staff every one."""
    c = cmd.caller
    employer_id = unit_id = graduate_id = None
    if c.has(Role.EMPLOYER_ADMIN.value):
        employer_id = str(c.claims.get("employer_id") or "-")
    elif c.has(Role.SUPERVISING_UNIT.value):
        unit_id = caller_unit(c) or "-"
    elif c.has(Role.APPLICANT.value):
        graduate_id = c.subject
    elif not c.has(Role.BUREAU_STAFF.value):
        raise Forbidden("forbidden", "Not a party to graduate declarations.")
    rows, total = await tx.repo.list_declarations(
        employer_id=employer_id,
        unit_id=unit_id,
        graduate_account_id=graduate_id,
        round_id=cmd.round_id,
        status=cmd.status,
        limit=cmd.limit,
        offset=cmd.offset,
    )
    return GraduateDeclarationPage(
        items=[declaration_out(r) for r in rows], total=total, limit=cmd.limit, offset=cmd.offset
    )


@dataclass(frozen=True)
class GetDeclarationTimeline:
    caller: Principal
    declaration_id: str


async def get_declaration_timeline(tx: Tx, cmd: GetDeclarationTimeline) -> GraduateTimeline:
    row, _ = await load_declaration(tx, cmd.caller, cmd.declaration_id)
    entries = await tx.repo.graduate_timeline(row["id"])
    return GraduateTimeline(
        declaration_id=row["id"],
        status=row["status"],
        entries=[
            GraduateTimelineEntry(at=e["at"], kind=e["kind"], revision=e["revision"], data=e["data"])
            for e in entries
        ],
    )
