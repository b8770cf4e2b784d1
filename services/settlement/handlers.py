"""Use cases of the settlement service: load, call the domain, commit once.

Events in (through the inbox, one transaction each): ``application.submitted`` (who the holder is),
``publicity.outcome`` (cleared, held or disqualified), ``publicity.closed`` and ``round.phase_changed``
(round facts). The holder's data and the outcome travel on different topics and may arrive in either
order: whichever comes second issues the confirmation letter. Both take a per-application advisory lock,
so the second always sees what the first committed.

Staff actions (through the API): materials, district check, bureau approval (which issues the settlement
letter), cancellation and revocation, bad-conduct records. Scheduled jobs (in the worker): qualifications
that lapse unused, bad-conduct records that end.
"""

from __future__ import annotations

import hashlib
import logging
import re
import secrets
import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from services.settlement.adapters.pdf import LetterDocument, UnsupportedGlyph
from services.settlement.adapters.repository import Row, SettlementRepository, json_safe
from services.settlement.domain import (
    ACTIVE,
    CANCELLABLE,
    REVOCATION_REASONS,
    ConductSubject,
    IllegalTransition,
    MaterialItem,
    MaterialsError,
    MaterialsRequest,
    ProvidedItem,
    RevocationReason,
    Status,
    chinese_date,
    chinese_year_month,
    format_serial,
    is_fraud_disqualification,
    kind_by_code,
    lapse_date,
    missing_items,
    publicity_closed_on,
    require_transition,
    required_materials,
)
from services.settlement.domain.letters import QUALIFICATION_CONFIRMATION, SETTLEMENT_LETTER, LetterKind
from services.settlement.domain.materials import Child, check_provided
from services.settlement.domain.qualification import BEIJING
from services.settlement.domain.verification import Answer, Verdict, judge
from services.settlement.runtime import DataKeyMissing, SettlementRuntime
from shared.calendar import conduct_record_until, qualification_valid_until
from shared.events.contracts.intake import ApplicationSubmittedV1, EncryptedValue, RoundPhaseChangedV1
from shared.events.contracts.publicity import PublicityClosedV1, PublicityOutcomeV1
from shared.events.contracts.settlement import (
    ConductRecordedV1,
    LetterIssuedV1,
    LetterRevokedV1,
    QualificationCancelledV1,
    QualificationLapsedV1,
)
from shared.events.registry import EventData
from shared.messaging.inbox import Delivery, PermanentError
from shared.messaging.outbox import Outbox
from shared.validation import district_label

log = logging.getLogger(__name__)

SYSTEM = "system"
TOKEN_RE = re.compile(r"[A-Za-z0-9_-]{16,64}")
Emit = Callable[[EventData, str], Awaitable[Any]]


class SettlementError(Exception):
    """A use-case refusal with a status, a stable code and a message for people."""

    def __init__(
        self, status: int, code: str, message: str, details: list[dict[str, Any]] | None = None
    ) -> None:
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message
        self.details = details or []


@dataclass
class Tx:
    """One unit of work: the repository on an open transaction, how to emit events, when, and who."""

    repo: SettlementRepository
    emit: Emit
    now: datetime
    rt: SettlementRuntime
    actor: str

    @property
    def today(self) -> date:
        return self.now.astimezone(BEIJING).date()

    async def audit(self, action: str, subject: str, **detail: Any) -> None:
        await self.repo.audit(
            at=self.now, actor=self.actor, action=action, subject=subject, detail=json_safe(detail)
        )


def tx_for_delivery(d: Delivery, rt: SettlementRuntime) -> Tx:
    async def emit(data: EventData, subject: str) -> Any:
        return await d.emit(data, subject=subject)

    return Tx(SettlementRepository(d.session), emit, d.outbox.clock.now(), rt, SYSTEM)


def tx_for_request(
    session: AsyncSession,
    outbox: Outbox,
    rt: SettlementRuntime,
    now: datetime,
    actor: str,
    correlation_id: str,
) -> Tx:
    async def emit(data: EventData, subject: str) -> Any:
        return await outbox.emit(session, data, subject=subject, correlation_id=correlation_id)

    return Tx(SettlementRepository(session), emit, now, rt, actor)


# ---- events in ----------------------------------------------------------------------------------


class EventHandlers:
    """The consumers' handlers, bound to the service's runtime."""

    def __init__(self, rt: SettlementRuntime) -> None:
        self.rt = rt

    async def on_round_phase_changed(self, d: Delivery) -> None:
        """Remember the round's programme, year and phases (the year is printed on letters)."""
        data: RoundPhaseChangedV1 = d.data
        repo = SettlementRepository(d.session)
        current = await repo.get_round(data.round_id)
        await repo.upsert_round(
            {
                "round_id": data.round_id,
                "program": data.program,
                "year": data.year,
                "phase": data.phase,
                "phases": [p.model_dump(mode="json") for p in data.phases],
                "publicity_closed_at": current["publicity_closed_at"] if current else None,
                "updated_at": d.envelope.time,
            }
        )

    async def on_publicity_closed(self, d: Delivery) -> None:
        """Remember when the round's publicity closed (each outcome also carries it)."""
        data: PublicityClosedV1 = d.data
        repo = SettlementRepository(d.session)
        current = await repo.get_round(data.round_id) or {}
        await repo.upsert_round(
            {
                "round_id": data.round_id,
                "program": data.program,
                "year": current.get("year"),
                "phase": current.get("phase"),
                "phases": current.get("phases"),
                "publicity_closed_at": data.closed_at,
                "updated_at": d.envelope.time,
            }
        )

    async def on_application_submitted(self, d: Delivery) -> None:
        """Keep the holder's data (latest revision); finish what waited for it: the confirmation letter of a
        cleared outcome that arrived first, and a bad-conduct record of a fraud found first."""
        data: ApplicationSubmittedV1 = d.data
        tx = tx_for_delivery(d, self.rt)
        await tx.repo.lock_application(data.application_id)
        await tx.repo.upsert_holder(
            {
                "application_id": data.application_id,
                "revision": data.revision,
                "round_id": data.round_id,
                "program": data.program,
                "name": data.name,
                "birth_year_month": data.birth_year_month,
                "employer_name": data.employer_name,
                "employer_credit_code": data.employer_credit_code,
                "id_number_sealed": data.id_number.model_dump(mode="json"),
                "id_number_digest": getattr(data, "id_number_digest", None),
                "applicant_account_id": getattr(data, "applicant_id", None),
                "updated_at": d.envelope.time,
            }
        )
        holder = await tx.repo.get_holder(data.application_id)
        assert holder is not None
        qual = await tx.repo.get_qualification(data.application_id, for_update=True)
        if qual is not None and qual["status"] == Status.PENDING_HOLDER:
            if await lapse_if_due(tx, qual):
                return
            await issue_letter(tx, QUALIFICATION_CONFIRMATION, qual, holder)
            await set_status(tx, qual, Status.CONFIRMED)
        await complete_pending_conduct(tx, data.application_id, holder)

    async def on_publicity_outcome(self, d: Delivery) -> None:
        """Act on the end of an entry's publicity (seed 004 第十条, 第十三条, 第十七条).

        ``cleared``: the qualification exists from now, valid two years after the publicity closed; the
        confirmation letter is issued at once if the holder's data is known, else when it arrives.
        ``held``: waits for the decision. ``disqualified``: final; a qualification already granted is
        cancelled and its letters revoked; a fraud reason records the person for five years.
        A repeated outcome (a redelivery, or the same outcome published again) changes nothing.
        """
        data: PublicityOutcomeV1 = d.data
        if data.program != "points":
            log.info(
                "publicity.outcome of programme %s for %s: not a points settlement",
                data.program,
                data.application_id,
            )
            return
        tx = tx_for_delivery(d, self.rt)
        await tx.repo.lock_application(data.application_id)
        qual = await tx.repo.get_qualification(data.application_id, for_update=True)
        decided_at: datetime = getattr(data, "decided_at", None) or d.envelope.time
        await tx.audit(
            "publicity.outcome",
            data.application_id,
            outcome=data.outcome,
            reason=data.reason,
            reason_code=data.reason_code,
            event_id=str(d.envelope.id),
        )
        try:
            await self._apply_outcome(tx, data, qual, decided_at)
        except DataKeyMissing as e:
            raise PermanentError("data_key_missing", str(e)) from e

    async def _apply_outcome(
        self, tx: Tx, data: PublicityOutcomeV1, qual: Row | None, decided_at: datetime
    ) -> None:
        if data.outcome == "held":
            if qual is None:
                await insert_qualification(tx, data, Status.HELD)
            return
        if data.outcome == "cleared":
            if qual is None:
                qual = await insert_qualification(tx, data, Status.HELD)
            if qual["status"] != Status.HELD:
                log.info(
                    "cleared outcome for %s ignored: qualification is %s", data.application_id, qual["status"]
                )
                return
            await grant(tx, qual, data)
            return
        # disqualified
        # The structured code decides; only an outcome without one (older producers) is read as text.
        reason_code: str | None = data.reason_code
        fraud = is_fraud_disqualification(reason_code, data.reason)
        if qual is None:
            qual = await insert_qualification(tx, data, Status.DISQUALIFIED)
            await tx.audit(
                "qualification.disqualified", data.application_id, reason=data.reason, reason_code=reason_code
            )
        elif qual["status"] == Status.HELD:
            await set_status(
                tx, qual, Status.DISQUALIFIED, end_reason_code="disqualified", end_note=data.reason
            )
        elif qual["status"] in CANCELLABLE:
            await end_qualification(
                tx, qual, RevocationReason.FRAUD if fraud else RevocationReason.DISQUALIFIED, data.reason
            )
        else:
            log.info(
                "disqualified outcome for %s ignored: qualification is %s",
                data.application_id,
                qual["status"],
            )
            return
        if fraud:
            await record_for_application(
                tx,
                data.application_id,
                ConductSubject.PERSON,
                reason=data.reason or "弄虚作假",
                source="publicity",
                decided_on=decided_at.astimezone(BEIJING).date(),
            )


async def insert_qualification(tx: Tx, data: PublicityOutcomeV1, status: Status) -> Row:
    row = {
        "application_id": data.application_id,
        "round_id": data.round_id,
        "program": data.program,
        "status": status.value,
        "outcome_reason": data.reason,
        "publicity_closed_at": data.publicity_closed_at,
        "publicity_closed_on": publicity_closed_on(data.publicity_closed_at),
        "created_at": tx.now,
        "updated_at": tx.now,
    }
    await tx.repo.insert_qualification(row)
    return row


async def set_status(tx: Tx, qual: Row, status: Status, note: str | None = None, **values: Any) -> None:
    require_transition(qual["status"], status)
    await tx.repo.update_qualification(
        qual["application_id"], status=status.value, updated_at=tx.now, **values
    )
    detail = {k: v for k, v in values.items() if k != "materials"}
    if note:
        detail["note"] = note
    await tx.audit(f"qualification.{status.value}", qual["application_id"], previous=qual["status"], **detail)
    qual.update(status=status.value, **values)


async def grant(tx: Tx, qual: Row, data: PublicityOutcomeV1) -> None:
    """A cleared entry becomes a qualification, valid until 24:00 of the day two years after the publicity
    closed (calendar policy; shared.calendar.qualification_valid_until)."""
    closed_on = publicity_closed_on(data.publicity_closed_at)
    deadline = qualification_valid_until(closed_on)
    validity = {
        "publicity_closed_at": data.publicity_closed_at,
        "publicity_closed_on": closed_on,
        "valid_until": deadline.due_date,
        "valid_until_at": deadline.due_at,
        "validity_rule": deadline.rule,
        "calendar_version": deadline.calendar_version,
        "outcome_reason": data.reason,
    }
    await tx.repo.update_qualification(qual["application_id"], **validity)
    qual.update(validity)
    holder = await tx.repo.get_holder(qual["application_id"])
    if holder is None:
        await set_status(tx, qual, Status.PENDING_HOLDER)
        return
    if await lapse_if_due(tx, qual):
        return
    await issue_letter(tx, QUALIFICATION_CONFIRMATION, qual, holder)
    await set_status(tx, qual, Status.CONFIRMED)


async def lapse_if_due(tx: Tx, qual: Row) -> bool:
    """Lapse an unused qualification whose validity is over (late events; the job does the rest)."""
    if qual.get("valid_until_at") is None or tx.now < qual["valid_until_at"]:
        return False
    await lapse(tx, qual)
    return True


async def lapse(tx: Tx, qual: Row) -> None:
    lapsed_on = lapse_date(qual["valid_until"])
    await set_status(tx, qual, Status.LAPSED, ended_on=lapsed_on, end_reason_code="lapsed")
    await tx.emit(
        QualificationLapsedV1(
            application_id=qual["application_id"], round_id=qual["round_id"], lapsed_on=lapsed_on
        ),
        qual["application_id"],
    )


# ---- letters ------------------------------------------------------------------------------------


async def round_year(tx: Tx, qual: Row) -> int:
    rnd = await tx.repo.get_round(qual["round_id"])
    if rnd and rnd.get("year"):
        return int(rnd["year"])
    return int(qual["publicity_closed_on"].year)  # the publicity of round Y takes place in year Y


async def letter_content(tx: Tx, kind: LetterKind, qual: Row, holder: Row) -> tuple[str, dict[str, Any]]:
    """The letter's text from its template, and the facts printed in its table."""
    year = await round_year(tx, qual)
    id_masked = tx.rt.masked_id(holder["id_number_sealed"])
    ctx = {
        "name": holder["name"],
        "birth_cn": chinese_year_month(holder["birth_year_month"]),
        "id_masked": id_masked,
        "employer": holder["employer_name"],
        "year": year,
        "publicity_closed_cn": chinese_date(qual["publicity_closed_on"]),
        "valid_until_cn": chinese_date(qual["valid_until"]),
    }
    body = tx.rt.templates.get_template(f"letters/{kind.template}").render(**ctx).strip()
    lines: list[tuple[str, str]] = [("姓名", holder["name"]), ("出生年月", ctx["birth_cn"])]
    if id_masked:
        lines.append(("身份证号码", id_masked))
    lines += [("工作单位", holder["employer_name"]), ("积分落户年度", f"{year}年度")]
    if kind is QUALIFICATION_CONFIRMATION:
        lines.append(("资格有效期至", ctx["valid_until_cn"]))
    else:
        lines.append(("核准日期", chinese_date(tx.today)))
    facts = {"year": year, "holder_lines": [list(x) for x in lines], "valid_until": qual["valid_until"]}
    return body, facts


async def issue_letter(tx: Tx, kind: LetterKind, qual: Row, holder: Row) -> Row:
    """Issue one letter of ``kind`` for the qualification (at most one per application and type, ever).

    The serial number is taken from the series counter inside this transaction, last, right before the
    insert: the counter row stays locked until commit, so concurrent issuers queue, and a rollback returns
    the number (no gap). The unique (application, type) constraint stops a second letter even if two
    transactions ever raced past the check.
    """
    existing = await tx.repo.letter_of(qual["application_id"], kind.code)
    if existing is not None:
        return existing
    body, facts = await letter_content(tx, kind, qual, holder)
    token = secrets.token_urlsafe(24)  # 192 bits: unguessable; printed in the QR code only
    doc_check = LetterDocument(
        title=kind.title,
        serial_number="PTS-0000-XX-000000",
        addressee=None,
        paragraphs=body.split("\n\n"),
        holder_lines=[(a, b) for a, b in facts["holder_lines"]],
        authority=tx.rt.settings.issuing_authority,
        date_text=chinese_date(tx.today),
        verify_url=tx.rt.verify_url(token),
        issued_at=tx.now,
    )
    try:
        tx.rt.renderer.check(doc_check)
    except UnsupportedGlyph as e:
        # Issue anyway (the decision stands); the PDF endpoint refuses until a font covers the characters.
        log.error(
            "letter for %s contains characters the letter font cannot print: %s", qual["application_id"], e
        )
    except Exception as e:  # no font on this machine: issuing must not depend on it
        log.error("letter font unavailable while issuing for %s: %s", qual["application_id"], e)
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
            "application_id": qual["application_id"],
            "round_id": qual["round_id"],
            "holder_name": holder["name"],
            "holder_birth_year_month": holder["birth_year_month"],
            "holder_id_masked": tx.rt.masked_id(holder["id_number_sealed"]),
            "employer_name": holder["employer_name"],
            "title": kind.title,
            "body": body,
            "facts": json_safe(facts),
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
            application_id=qual["application_id"],
            round_id=qual["round_id"],
            letter_type=kind.code,
            serial_number=serial,
            issued_on=tx.today,
        ),
        qual["application_id"],
    )
    await tx.audit("letter.issued", qual["application_id"], serial_number=serial, letter_type=kind.code)
    return letter


def letter_document(letter: Row) -> LetterDocument:
    paragraphs = str(letter["body"]).split("\n\n")
    addressee = paragraphs[0] if paragraphs and paragraphs[0].endswith("：") else None
    if addressee is not None:
        paragraphs = paragraphs[1:]
    return LetterDocument(
        title=letter["title"],
        serial_number=letter["serial_number"],
        addressee=addressee,
        paragraphs=[p.replace("\n", "") for p in paragraphs],
        holder_lines=[(str(a), str(b)) for a, b in letter["facts"].get("holder_lines", [])],
        authority=letter["authority"],
        date_text=chinese_date(letter["issued_on"]),
        verify_url=letter["verify_url"],
        issued_at=letter["issued_at"],
    )


# ---- 落户办理: materials, district check, approval -------------------------------------------------


def materials_request(body: dict[str, Any], as_of: date) -> tuple[MaterialsRequest, list[ProvidedItem]]:
    children = [
        Child(birth_date=c["birth_date"], birth_order=c["birth_order"], name=c.get("name"))
        for c in body["children"]
    ]
    provided = [ProvidedItem(p["item"], p.get("child")) for p in body.get("provided", [])]
    return MaterialsRequest(has_archive=body["has_archive"], children=children, as_of=as_of), provided


def checklist(req: MaterialsRequest) -> list[MaterialItem]:
    try:
        return required_materials(req)
    except MaterialsError as e:
        raise SettlementError(
            422, e.code, e.message, [{"field": e.field, "code": e.code, "message": e.message}]
        ) from e


@dataclass(frozen=True)
class DistrictScope:
    """The caller acts as district staff (区人力社保局) of ``district``: the token's ``district`` claim, None
    when the account has none. Bureau staff, operations administrators and applicants have no scope."""

    district: str | None

    def require(self) -> str:
        """The caller's district; fail closed (403 ``no_district``) when the account has none."""
        if not self.district:
            raise SettlementError(
                403, "no_district", "Your account has no district; an operations administrator must set one."
            )
        return self.district


def other_district(settlement_district: str, clerk_district: str) -> SettlementError:
    return SettlementError(
        403,
        "other_district",
        f"This qualification settles in {district_label(settlement_district)}; "
        f"your account is for {district_label(clerk_district)}.",
    )


def require_own_district(scope: DistrictScope, qual: Row) -> None:
    """District staff act only on the qualifications that settle in their district (落户区, named with the
    materials). A qualification whose materials carry no district (recorded before it was asked for) is
    nobody's: refused too (fail closed)."""
    clerk = scope.require()
    settles_in = qual.get("settlement_district")
    if not settles_in:
        raise SettlementError(
            403,
            "no_settlement_district",
            "This qualification's materials were recorded without a settlement district (before it was "
            "asked for), so no district office can act on them until the district is recorded.",
        )
    if settles_in != clerk:
        raise other_district(settles_in, clerk)


def may_read(scope: DistrictScope | None, qual: Row) -> None:
    """District staff read the qualifications of their district and those not yet tied to a district (the
    holder brings the confirmation letter before naming one); any other district's is refused."""
    if scope is None:
        return
    clerk = scope.require()
    settles_in = qual.get("settlement_district")
    if settles_in and settles_in != clerk:
        raise other_district(settles_in, clerk)


async def load_for_action(tx: Tx, application_id: str) -> Row:
    await tx.repo.lock_application(application_id)
    qual = await tx.repo.get_qualification(application_id, for_update=True)
    if qual is None:
        raise SettlementError(
            404, "qualification_not_found", f"Application {application_id} has no qualification."
        )
    return qual


def require(qual: Row, *allowed: Status, action: str) -> None:
    if qual["status"] not in {s.value for s in allowed}:
        raise SettlementError(
            409,
            "wrong_state",
            f"Cannot {action}: the qualification of {qual['application_id']} is {qual['status']!r} "
            f"(needs {' or '.join(repr(s.value) for s in allowed)}).",
        )


def require_valid(tx: Tx, qual: Row) -> None:
    """Refuse to act on a qualification whose validity is over (the lapse job records the lapse)."""
    if qual.get("valid_until_at") is not None and tx.now >= qual["valid_until_at"]:
        raise SettlementError(
            409,
            "qualification_lapsed",
            f"The qualification was valid until {qual['valid_until'].isoformat()} (24:00) and has lapsed; "
            "it is not refilled (seed 004 第十条、第十三条).",
        )


async def submit_materials(
    tx: Tx, application_id: str, body: dict[str, Any], scope: DistrictScope | None = None
) -> Row:
    """Record the materials handed in to the district office (第十一条); every required item must be there.

    The materials name the settlement district (落户区), stored on the qualification; a re-submission after
    they were returned may name another. District staff (``scope``) take in materials only for their own
    district (403 ``other_district``; ``no_district`` when their account has none)."""
    district: str = body["settlement_district"]
    if scope is not None:
        clerk = scope.require()
        if district != clerk:
            raise SettlementError(
                403,
                "other_district",
                f"The materials name {district_label(district)} as the settlement district; your account "
                f"is for {district_label(clerk)}. Only the district where the holder settles takes them in.",
                [{"field": "settlement_district", "code": "other_district", "message": f"not {clerk}"}],
            )
    qual = await load_for_action(tx, application_id)
    require(qual, Status.CONFIRMED, Status.MATERIALS_RETURNED, action="submit materials")
    require_valid(tx, qual)
    req, provided = materials_request(body, tx.today)
    items = checklist(req)
    try:
        check_provided(provided, len(req.children))
    except MaterialsError as e:
        raise SettlementError(
            422, e.code, e.message, [{"field": e.field, "code": e.code, "message": e.message}]
        ) from e
    missing = missing_items(items, provided)
    if missing:
        raise SettlementError(
            422,
            "materials_incomplete",
            f"{len(missing)} required material(s) missing; the checklist lists them.",
            [
                {
                    "field": "provided",
                    "code": "missing",
                    "message": f"{m.code}{'' if m.child is None else f' (child {m.child})'}: {m.label_zh}",
                }
                for m in missing
            ],
        )
    stored = {
        "has_archive": req.has_archive,
        "children": [
            {"birth_date": c.birth_date.isoformat(), "birth_order": c.birth_order, "name": c.name}
            for c in req.children
        ],
        "provided": [{"item": p.code, "child": p.child} for p in provided],
        "checklist": [
            {"item": i.code, "child": i.child, "label": i.label_zh, "article": i.article} for i in items
        ],
    }
    await set_status(
        tx,
        qual,
        Status.MATERIALS_SUBMITTED,
        materials=stored,
        settlement_district=district,
        materials_submitted_at=tx.now,
        materials_submitted_by=tx.actor,
    )
    return qual


async def district_check(
    tx: Tx, application_id: str, passed: bool, note: str | None, scope: DistrictScope
) -> Row:
    """The district office's check of the materials: passed (reported to the bureau) or returned.

    Only staff of the qualification's settlement district may record it (403 ``other_district``, or
    ``no_district`` for an account without a district); nothing changes when refused."""
    scope.require()
    qual = await load_for_action(tx, application_id)
    try:
        require_own_district(scope, qual)
    except SettlementError as e:
        log.warning("district check of %s refused to %s: %s", application_id, tx.actor, e.code)
        raise
    require(qual, Status.MATERIALS_SUBMITTED, action="record the district check")
    require_valid(tx, qual)
    status = Status.DISTRICT_CHECKED if passed else Status.MATERIALS_RETURNED
    await set_status(
        tx,
        qual,
        status,
        note=note,
        district_checked_at=tx.now,
        district_checked_by=tx.actor,
        district_note=note,
    )
    return qual


async def approve(tx: Tx, application_id: str, note: str | None) -> Row:
    """The bureau approves (核准, 第十一条) and issues the settlement letter (第十二条) in one transaction.
    The approver must not be the one who recorded the district check (four eyes)."""
    qual = await load_for_action(tx, application_id)
    require(qual, Status.DISTRICT_CHECKED, action="approve")
    if qual.get("district_checked_by") == tx.actor:
        raise SettlementError(
            409, "four_eyes", "The district check and the bureau approval must be made by different people."
        )
    require_valid(tx, qual)
    holder = await tx.repo.get_holder(application_id)
    if holder is None:  # cannot happen after a confirmation letter; guard anyway
        raise SettlementError(409, "holder_unknown", "The applicant's data has not arrived from intake yet.")
    await set_status(tx, qual, Status.APPROVED, note=note, approved_at=tx.now, approved_by=tx.actor)
    return await issue_letter(tx, SETTLEMENT_LETTER, qual, holder)


# ---- ending a qualification, revoking letters -----------------------------------------------------


async def end_qualification(tx: Tx, qual: Row, reason: RevocationReason, note: str | None) -> list[Row]:
    """Cancel (or, on request, give up) a qualification: every letter of it still valid is revoked and the
    place is not refilled (第十三条). Returns the letters revoked."""
    status = Status.ABANDONED if reason is RevocationReason.ON_REQUEST else Status.CANCELLED
    text = REVOCATION_REASONS[reason] + (f"：{note}" if note else "")
    await set_status(tx, qual, status, ended_on=tx.today, end_reason_code=reason.value, end_note=note)
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


async def revoke_letters(tx: Tx, application_id: str, reason: RevocationReason, text: str) -> list[Row]:
    out = []
    for letter in await tx.repo.letters_of(application_id, for_update=True):
        if letter["status"] != "issued":
            continue
        await tx.repo.revoke_letter(
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
        await tx.audit(
            "letter.revoked", application_id, serial_number=letter["serial_number"], reason=reason.value
        )
        letter.update(status="revoked", revoked_on=tx.today, revoke_reason_code=reason.value)
        out.append(letter)
    return out


async def cancel(
    tx: Tx, application_id: str, reason: RevocationReason, note: str | None, employer_assisted: bool
) -> tuple[Row, list[Row]]:
    """Staff end a qualification (fraud, criminal record 第十八条, or given up on request)."""
    qual = await load_for_action(tx, application_id)
    if qual["status"] not in CANCELLABLE:
        raise SettlementError(
            409,
            "wrong_state",
            f"The qualification of {application_id} is {qual['status']!r}; it cannot be ended.",
        )
    revoked = await end_qualification(tx, qual, reason, note)
    await conduct_for_fraud(tx, application_id, reason, note, employer_assisted)
    return qual, revoked


async def revoke(
    tx: Tx, serial_number: str, reason: RevocationReason, note: str | None, employer_assisted: bool
) -> Row:
    """Revoke one letter: the qualification behind it ends too (if still open), with all its letters."""
    letter = await tx.repo.get_letter(serial_number)
    if letter is None:
        raise SettlementError(404, "letter_not_found", f"No letter {serial_number}.")
    application_id = letter["application_id"]
    qual = await load_for_action(tx, application_id)
    letter = await tx.repo.get_letter(serial_number, for_update=True)
    assert letter is not None
    if letter["status"] == "revoked":
        raise SettlementError(
            409, "already_revoked", f"Letter {serial_number} was revoked on {letter['revoked_on']}."
        )
    if qual["status"] in CANCELLABLE:
        await end_qualification(tx, qual, reason, note)
    else:
        text = REVOCATION_REASONS[reason] + (f"：{note}" if note else "")
        await revoke_letters(tx, application_id, reason, text)
    await conduct_for_fraud(tx, application_id, reason, note, employer_assisted)
    out = await tx.repo.get_letter(serial_number)
    assert out is not None
    return out


async def conduct_for_fraud(
    tx: Tx, application_id: str, reason: RevocationReason, note: str | None, employer_assisted: bool
) -> None:
    if reason is not RevocationReason.FRAUD:
        if employer_assisted:
            raise SettlementError(
                422,
                "employer_assisted_needs_fraud",
                "`employer_assisted` only applies to a revocation for fraud.",
            )
        return
    text = REVOCATION_REASONS[reason] + (f"：{note}" if note else "")
    await record_for_application(
        tx, application_id, ConductSubject.PERSON, reason=text, source="revocation", decided_on=tx.today
    )
    if employer_assisted:
        await record_for_application(
            tx, application_id, ConductSubject.EMPLOYER, reason=text, source="revocation", decided_on=tx.today
        )


# ---- bad-conduct records ------------------------------------------------------------------------


def _record_id() -> str:
    return "CR-" + uuid.uuid4().hex[:20].upper()


def _subject_of(row: Row) -> str:
    if row["subject_kind"] == ConductSubject.PERSON:
        return f"person:{row['person_id_digest']}"
    return f"employer:{row['employer_credit_code']}"


async def _emit_conduct(tx: Tx, row: Row) -> None:
    sealed = row.get("person_id_sealed")
    await tx.emit(
        ConductRecordedV1(
            record_id=row["record_id"],
            person_id_number=EncryptedValue(**sealed) if sealed else None,
            person_id_digest=row.get("person_id_digest"),
            employer_credit_code=row.get("employer_credit_code"),
            reason=row["reason"][:500],
            valid_from=row["valid_from"],
            valid_until=row["valid_until"],
        ),
        _subject_of(row),
    )
    await tx.audit(
        "conduct.recorded",
        row.get("application_id") or row["record_id"],
        record_id=row["record_id"],
        kind=row["subject_kind"],
        valid_until=row["valid_until"],
        source=row["source"],
    )


def _person_identity(tx: Tx, holder: Row) -> tuple[dict[str, str], str]:
    digest = holder.get("id_number_digest")
    if not digest:
        plain = tx.rt.open_id_number(holder["id_number_sealed"])
        if plain is None:
            raise DataKeyMissing(
                "the holder's ID number cannot be opened (SETTLEMENT_DATA_KEY missing or different from intake's): "
                "a person's bad-conduct record needs its digest"
            )
        digest = tx.rt.id_digest(plain)
    return dict(holder["id_number_sealed"]), str(digest)


async def insert_conduct(tx: Tx, row: Row) -> Row | None:
    """Insert a record; emit ``conduct.recorded`` if it is complete. None when already recorded."""
    deadline = conduct_record_until(row["valid_from"])
    row = {
        **row,
        "record_id": _record_id(),
        "valid_until": deadline.due_date,
        "valid_until_at": deadline.due_at,
        "created_at": tx.now,
        "created_by": tx.actor,
    }
    if not await tx.repo.insert_conduct_record(row):
        return None
    if row["status"] == "active":
        await _emit_conduct(tx, row)
    return row


async def record_for_application(
    tx: Tx, application_id: str, kind: ConductSubject, *, reason: str, source: str, decided_on: date
) -> Row | None:
    """Record the applicant (or the employer that helped) of an application for five years (第十七条).
    Without the holder's data yet, the record waits for it (``pending_holder``)."""
    existing = await tx.repo.conduct_for_application(application_id, kind.value)
    if existing is not None:
        return None
    holder = await tx.repo.get_holder(application_id)
    row: Row = {
        "subject_kind": kind.value,
        "application_id": application_id,
        "reason": reason[:500],
        "source": source,
        "valid_from": decided_on,
        "status": "active",
    }
    if holder is None:
        row["status"] = "pending_holder"
    else:
        row.update(_identity(tx, kind, holder))
    return await insert_conduct(tx, row)


def _identity(tx: Tx, kind: ConductSubject, holder: Row) -> Row:
    if kind is ConductSubject.PERSON:
        sealed, digest = _person_identity(tx, holder)
        return {"person_id_sealed": sealed, "person_id_digest": digest, "subject_key": digest}
    return {
        "employer_credit_code": holder["employer_credit_code"],
        "subject_key": holder["employer_credit_code"],
    }


async def complete_pending_conduct(tx: Tx, application_id: str, holder: Row) -> None:
    for row in await tx.repo.pending_conduct_records(application_id):
        try:
            identity = _identity(tx, ConductSubject(row["subject_kind"]), holder)
        except DataKeyMissing as e:
            raise PermanentError("data_key_missing", str(e)) from e
        await tx.repo.update_conduct_record(row["record_id"], status="active", **identity)
        row.update(status="active", **identity)
        await _emit_conduct(tx, row)


async def record_conduct(
    tx: Tx,
    *,
    application_id: str | None,
    subjects: list[ConductSubject],
    id_number: str | None,
    credit_code: str | None,
    reason: str,
    decided_on: date,
) -> list[Row]:
    """Staff record a decision of fraud (第十七条): for an application's applicant and/or employer, or for a
    person (ID number) and/or employer (credit code) given directly."""
    out: list[Row] = []
    if application_id is not None:
        await tx.repo.lock_application(application_id)
        if await tx.repo.get_holder(application_id) is None:
            raise SettlementError(
                404, "holder_not_found", f"No applicant data for application {application_id}."
            )
        for kind in subjects:
            row = await record_for_application(
                tx, application_id, kind, reason=reason, source="staff", decided_on=decided_on
            )
            if row is None:
                raise SettlementError(
                    409,
                    "already_recorded",
                    f"The {kind.value} of {application_id} already has a bad-conduct record.",
                )
            out.append(row)
        return out
    base: Row = {
        "application_id": None,
        "reason": reason[:500],
        "source": "staff",
        "valid_from": decided_on,
        "status": "active",
    }
    if id_number is not None:
        sealer = tx.rt.require_sealer()
        digest = tx.rt.id_digest(id_number)
        row = await insert_conduct(
            tx,
            {
                **base,
                "subject_kind": "person",
                "subject_key": digest,
                "person_id_digest": digest,
                "person_id_sealed": sealer.seal(id_number, context="id_number").as_dict(),
            },
        )
        if row is None:
            raise SettlementError(
                409, "already_recorded", "This person is already recorded for this decision date."
            )
        out.append(row)
    if credit_code is not None:
        row = await insert_conduct(
            tx,
            {
                **base,
                "subject_kind": "employer",
                "subject_key": credit_code,
                "employer_credit_code": credit_code,
            },
        )
        if row is None:
            raise SettlementError(
                409, "already_recorded", "This employer is already recorded for this decision date."
            )
        out.append(row)
    return out


# ---- verification -------------------------------------------------------------------------------


@dataclass(frozen=True)
class Verification:
    answer: Answer
    letter: Row | None
    checked_at: datetime


async def verify(
    tx: Tx, token: str, *, channel: str, client: str | None, user_agent: str | None
) -> Verification:
    """Answer a public check and log it (the token is logged only as its SHA-256)."""
    # Tokens are URL-safe base64 (secrets.token_urlsafe): anything else is unknown without a lookup.
    letter = await tx.repo.letter_by_token(token) if TOKEN_RE.fullmatch(token) else None
    if letter is None:
        answer = Answer(Verdict.UNKNOWN)
    else:
        qual = await tx.repo.get_qualification(letter["application_id"])
        answer = judge(
            letter_type=letter["letter_type"],
            letter_status=letter["status"],
            revoked_on=letter["revoked_on"],
            qualification_status=qual["status"] if qual else None,
            valid_until=qual["valid_until"] if qual else None,
            valid_until_at=qual["valid_until_at"] if qual else None,
            now=tx.now,
        )
    await tx.repo.log_check(
        {
            "at": tx.now,
            "token_sha256": hashlib.sha256(token.encode("utf-8", "surrogatepass")).hexdigest(),
            "letter_id": letter["id"] if letter else None,
            "serial_number": letter["serial_number"] if letter else None,
            "result": answer.verdict.value,
            "channel": channel,
            "client": _printable(client, 100),
            "user_agent": _printable(user_agent, 300),
        }
    )
    return Verification(answer, letter, tx.now)


def _printable(value: str | None, limit: int) -> str | None:
    text = "".join(c for c in (value or "") if c.isprintable())[:limit]
    return text or None


def letter_type_name(code: str) -> str:
    try:
        return kind_by_code(code).title
    except ValueError:
        return code


# ---- scheduled jobs -----------------------------------------------------------------------------


async def lapse_due(tx: Tx, batch: int = 200) -> int:
    """Lapse every unused qualification whose validity has ended (seed 004 第十条: 逾期未办理的视为自行放弃).

    Driven by the database (``valid_until_at``), so it survives restarts and needs no timers. Each row is
    locked (``FOR UPDATE SKIP LOCKED``) and its status changed in the same transaction as the
    ``qualification.lapsed`` event: with several workers, or a rerun, each lapses exactly once.
    """
    rows = await tx.repo.due_to_lapse(tx.now, batch)
    for qual in rows:
        if qual["status"] not in {s.value for s in ACTIVE}:
            continue
        await lapse(tx, qual)
    return len(rows)


async def expire_conduct(tx: Tx, batch: int = 500) -> int:
    """End bad-conduct records whose five years are over (status ``expired``)."""
    rows = await tx.repo.expire_conduct_records(tx.now, batch)
    for row in rows:
        await tx.audit(
            "conduct.expired",
            row.get("application_id") or row["record_id"],
            record_id=row["record_id"],
            valid_until=row["valid_until"],
        )
    return len(rows)


def illegal_to_error(e: IllegalTransition) -> SettlementError:
    return SettlementError(409, "wrong_state", str(e))
