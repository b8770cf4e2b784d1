"""Issuing letters (函件): the text from its template, the serial number from the series counter, the
verification token; and a letter as the document the PDF prints."""

from __future__ import annotations

import secrets
from dataclasses import dataclass

from services.settlement.adapters.pdf import LetterDocument, UnsupportedGlyph
from services.settlement.adapters.records import (
    HolderRecord,
    LetterFacts,
    LetterRecord,
    QualificationRecord,
)
from services.settlement.context import Tx
from services.settlement.domain import chinese_date, chinese_year_month, format_serial
from services.settlement.domain.letters import QUALIFICATION_CONFIRMATION, LetterKind
from services.settlement.handlers.common import audit, log
from shared.events.contracts.settlement import LetterIssuedV1


async def round_year(tx: Tx, qual: QualificationRecord) -> int:
    rnd = await tx.repo.get_round(qual["round_id"])
    if rnd and rnd["year"]:
        return int(rnd["year"])
    return int(qual["publicity_closed_on"].year)  # the publicity of round Y takes place in year Y


async def letter_content(
    tx: Tx, kind: LetterKind, qual: QualificationRecord, holder: HolderRecord
) -> tuple[str, LetterFacts]:
    """The letter's text from its template, and the facts printed in its table."""
    year = await round_year(tx, qual)
    id_masked = tx.rt.masked_id(holder["id_number_sealed"])
    valid_until = qual["valid_until"]
    birth_cn = chinese_year_month(holder["birth_year_month"])
    valid_until_cn = chinese_date(valid_until) if valid_until is not None else None
    body = (
        tx.rt.templates.get_template(f"letters/{kind.template}")
        .render(
            name=holder["name"],
            birth_cn=birth_cn,
            id_masked=id_masked,
            employer=holder["employer_name"],
            year=year,
            publicity_closed_cn=chinese_date(qual["publicity_closed_on"]),
            valid_until_cn=valid_until_cn,
        )
        .strip()
    )
    lines: list[tuple[str, str]] = [("姓名", holder["name"]), ("出生年月", birth_cn)]
    if id_masked:
        lines.append(("身份证号码", id_masked))
    lines += [("工作单位", holder["employer_name"]), ("积分落户年度", f"{year}年度")]
    if kind is QUALIFICATION_CONFIRMATION:
        lines.append(("资格有效期至", str(valid_until_cn)))
    else:
        lines.append(("核准日期", chinese_date(tx.today)))
    facts: LetterFacts = {
        "year": year,
        "holder_lines": [list(x) for x in lines],
        "valid_until": valid_until.isoformat() if valid_until is not None else None,
    }
    return body, facts


async def issue_letter(
    tx: Tx, kind: LetterKind, qual: QualificationRecord, holder: HolderRecord
) -> LetterRecord:
    """Issue one letter of ``kind`` for the qualification (at most one per application and type, ever)."""
    existing = await tx.repo.letter_of(qual["application_id"], kind.code)
    if existing is not None:
        return existing
    body, facts = await letter_content(tx, kind, qual, holder)
    return await store_letter(
        tx,
        kind,
        LetterHolder(
            application_id=qual["application_id"],
            round_id=qual["round_id"],
            name=holder["name"],
            birth_year_month=holder["birth_year_month"],
            id_masked=tx.rt.masked_id(holder["id_number_sealed"]),
            employer_name=holder["employer_name"],
        ),
        body,
        facts,
    )


@dataclass(frozen=True)
class LetterHolder:
    """Whom a letter is for, as printed (both programmes)."""

    application_id: str
    round_id: str
    name: str
    birth_year_month: str
    id_masked: str | None
    employer_name: str


async def store_letter(
    tx: Tx, kind: LetterKind, holder: LetterHolder, body: str, facts: LetterFacts
) -> LetterRecord:
    """Number, store and announce a letter (``letter.issued``), in the caller's transaction.

    The serial number is taken from the series counter inside this transaction, last, right before the
    insert: the counter row stays locked until commit, so concurrent issuers queue, and a rollback returns
    the number (no gap). The unique (application, type) constraint stops a second letter even if two
    transactions ever raced past the caller's check.
    """
    application_id = holder.application_id
    token = secrets.token_urlsafe(24)  # 192 bits: unguessable; printed in the QR code only
    doc_check = LetterDocument(
        title=kind.title,
        serial_number="PTS-0000-XX-000000",
        addressee=None,
        paragraphs=body.split("\n\n"),
        holder_lines=lines_of(facts),
        authority=tx.rt.settings.issuing_authority,
        date_text=chinese_date(tx.today),
        verify_url=tx.rt.verify_url(token),
        issued_at=tx.now,
    )
    try:
        tx.rt.renderer.check(doc_check)
    except UnsupportedGlyph as e:
        # Issue anyway (the decision stands); the PDF endpoint refuses until a font covers the characters.
        log.error("letter for %s contains characters the letter font cannot print: %s", application_id, e)
    except Exception as e:  # no font on this machine: issuing must not depend on it
        log.error("letter font unavailable while issuing for %s: %s", application_id, e)
    year = tx.today.year
    seq = await tx.repo.next_sequence(kind.program, kind.code, year)
    serial = format_serial(kind.program, year, kind.series, seq)
    letter = await tx.repo.insert_letter(
        {
            "serial_number": serial,
            "program": kind.program,
            "letter_type": kind.code,
            "year": year,
            "sequence": seq,
            "application_id": application_id,
            "round_id": holder.round_id,
            "holder_name": holder.name,
            "holder_birth_year_month": holder.birth_year_month,
            "holder_id_masked": holder.id_masked,
            "employer_name": holder.employer_name,
            "title": kind.title,
            "body": body,
            "facts": facts,
            "authority": tx.rt.settings.issuing_authority,
            "issued_on": tx.today,
            "issued_at": tx.now,
            "issued_by": tx.actor,
            "token": token,
            "verify_url": tx.rt.verify_url(token),
        }
    )
    await tx.emit(
        LetterIssuedV1(
            application_id=application_id,
            round_id=holder.round_id,
            letter_type=kind.code,
            serial_number=serial,
            issued_on=tx.today,
        ),
        application_id,
    )
    await audit(tx, "letter.issued", application_id, serial_number=serial, letter_type=kind.code)
    return letter


def lines_of(facts: LetterFacts) -> list[tuple[str, str]]:
    return [(str(a), str(b)) for a, b in facts.get("holder_lines", [])]


def letter_document(letter: LetterRecord) -> LetterDocument:
    """A stored letter as the document the PDF prints (as issued, whatever its state now)."""
    paragraphs = str(letter["body"]).split("\n\n")
    addressee = paragraphs[0] if paragraphs and paragraphs[0].endswith("：") else None
    if addressee is not None:
        paragraphs = paragraphs[1:]
    return LetterDocument(
        title=letter["title"],
        serial_number=letter["serial_number"],
        addressee=addressee,
        paragraphs=[p.replace("\n", "") for p in paragraphs],
        holder_lines=lines_of(letter["facts"]),
        authority=letter["authority"],
        date_text=chinese_date(letter["issued_on"]),
        verify_url=letter["verify_url"],
        issued_at=letter["issued_at"],
    )
