"""What the graduate use cases share: who may see a declaration, its view, and the graduate-facts
document built from it (``shared.facts.graduates.GraduateFacts``)."""

from __future__ import annotations

from datetime import date
from enum import StrEnum
from typing import Any

from pydantic import ValidationError

from services.intake.adapters.records import GraduateDeclarationView
from services.intake.context import Tx
from services.intake.domain.graduates import is_suburban
from services.intake.handlers.common import invalid_many, not_found
from services.intake.handlers.units import caller_unit
from services.intake.schemas.graduates import ConsentPart, GraduateDeclarationOut, GraduatePart, UnitPart
from shared.api.auth import Principal, Role
from shared.facts.graduates import GraduateFacts


class Party(StrEnum):
    EMPLOYER = "employer"
    UNIT = "unit"
    BUREAU = "bureau"
    GRADUATE = "graduate"


def party_of(caller: Principal, row: GraduateDeclarationView) -> Party | None:
    """The caller's part in the declaration, if any (object-level check)."""
    if caller.has(Role.EMPLOYER_ADMIN.value) and caller.claims.get("employer_id") == row["employer_id"]:
        return Party.EMPLOYER
    if caller_unit(caller) == row["supervising_unit_id"]:
        return Party.UNIT
    if caller.has(Role.BUREAU_STAFF.value):
        return Party.BUREAU
    if caller.has(Role.APPLICANT.value) and row["graduate_account_id"] == caller.subject:
        return Party.GRADUATE
    return None


async def load_declaration(
    tx: Tx, caller: Principal, declaration_id: str, *, for_update: bool = False
) -> tuple[GraduateDeclarationView, Party]:
    """The declaration and the caller's part in it; 404 when it is not theirs to see (no hint it exists)."""
    row = await tx.repo.declaration(declaration_id, for_update=for_update)
    party = party_of(caller, row) if row is not None else None
    if row is None or party is None:
        raise not_found("declaration", declaration_id)
    return row, party


def declaration_out(row: GraduateDeclarationView) -> GraduateDeclarationOut:
    return GraduateDeclarationOut(
        id=row["id"],
        round_id=row["round_id"],
        year=row["year"],
        status=row["status"],
        version=row["version"],
        revision=row["revision"],
        employer_name=row["employer_name"],
        employer_credit_code=row["employer_credit_code"],
        supervising_unit=UnitPart(
            id=row["supervising_unit_id"],
            name=row["unit_name"],
            phone=row["unit_phone"],
            address=row["unit_address"],
        ),
        graduate=GraduatePart(
            name=row["name"],
            id_number_masked=row["id_number_masked"],
            birth_date=row["birth_date"],
            university=row["university"],
            major=row["major"],
            education=row["education"],
            diploma_number=row["diploma_number"],
            degree_number=row["degree_number"],
            has_account=row["graduate_account_id"] is not None,
        ),
        declaration=row["declaration"],
        consent=ConsentPart(given_at=row["consent_at"], via=row["consent_via"]),
        returned_reason=row["returned_reason"],
        submitted_at=row["submitted_at"],
        unit_decision=row["unit_decision"],
        verification=row["verification"],
        assessment=row["assessment"],
        decision=row["decision"],
        created_at=row["created_at"],
        updated_at=row["updated_at"],
    )


def build_facts(
    *,
    declaration_id: str,
    year: int,
    declared_on: date,
    birth_date: date,
    declaration: dict[str, Any],
    employer_registered_on: date,
    employer_district: str | None,
    good_standing: bool,
) -> GraduateFacts:
    """The graduate-facts document of a declaration: the graduate part from what the employer declared,
    the employer part from the employer's stored data (registration day, district → suburban, standing)
    plus the declared post, system and kind. Invalid → 422 naming each field under ``facts``."""
    g: dict[str, Any] = declaration["graduate"]
    e: dict[str, Any] = declaration["employment"]
    university: dict[str, Any] = g["university"]
    graduate: dict[str, Any] = {
        "birth_date": birth_date.isoformat(),
        "beijing_hukou": g["beijing_hukou"],
        "education": g["education"],
        "graduated_on": g["graduated_on"],
        "on_time": g["on_time"],
        "diploma": g["diploma"]["status"] != "not_obtained",
        "degree": g["degree"]["status"] != "not_obtained",
        "enrolment": g["enrolment"],
        "training_mode": g["training_mode"],
        "labour_relation_during_study": g["labour_relation_during_study"],
        "school": {
            k: university[k] for k in ("in_beijing", "full_time_regular", "double_first_class", "kind")
        },
        "major_matches_post": g["major_matches_post"],
        "outstanding_doctor": g.get("outstanding_doctor", False),
    }
    for optional in ("founder", "family"):
        if g.get(optional) is not None:
            graduate[optional] = g[optional]
    document: dict[str, Any] = {
        "case_id": declaration_id,
        "introduction_year": year,
        "declared_on": declared_on.isoformat(),
        "graduate": graduate,
        "employer": {
            "registered_on": employer_registered_on.isoformat(),
            "good_standing": good_standing,
            "suburban": is_suburban(employer_district),
            **e,
        },
    }
    if declaration.get("special_plan") is not None:
        document["special_plan"] = declaration["special_plan"]
    try:
        return GraduateFacts.model_validate(document)
    except ValidationError as err:
        raise invalid_many(
            [
                {
                    "field": "facts." + ".".join(str(p) for p in x["loc"]),
                    "code": x["type"],
                    "message": x["msg"],
                }
                for x in err.errors()
            ]
        ) from None
