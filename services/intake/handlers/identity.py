"""Logins through the city's identity service (统一身份认证; issue 13, item 7): the token endpoint's
``urn:ietf:params:oauth:grant-type:jwt-bearer`` grant (RFC 7523).

The declaration frontends authenticate people at the identity service, which gives them a short-lived
signed assertion (``sub``, ``name``, ``id_number``); intake exchanges it for its own access and refresh
tokens, so a round of 120,000 applicants needs no argon2 at all. Two steps, like a password login:

1. :func:`identity_login_command` (no transaction open, no pooled connection held): the signature and the
   claims are checked (``adapters/idp.py``) and the ID number is sealed, masked and digested — all the
   cryptography of the login;
2. :func:`identity_login`, one short transaction: the assertion's ``jti`` is used up (a replay answers 401),
   then the account linked to (issuer, ``sub``) is found — or, at the first login, the applicant account
   with the same verified ID number, or a new one — and tokens are issued.

**One verified account per person.** The account is the person's: an applicant account created here holds
the ID number the identity service vouched for (sealed, masked and keyed-digested like a declaration's;
unique digest). A second ``sub`` with the same verified ID number (the provider re-enrolled the person, or a
second trusted key set) logs in to the same account. A password account is **never** linked, even with an
application under the same ID number: its ID number was typed by whoever holds its password, never checked,
and linking would let that password holder into a verified person's account, or let the identity service's
verification vouch for data someone else entered. The person keeps the two accounts apart; the rule of one
application per person and round (by ID-number digest) still holds across them, so a person who declared
with a password account continues there. A ``sub`` already linked whose assertion now carries another ID
number is refused (409 ``external_identity_conflict``): ID numbers do not change silently.
"""

from __future__ import annotations

import logging
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from services.intake.adapters.idp import AssertionRefused
from services.intake.adapters.records import AccountView
from services.intake.adapters.security import new_id
from services.intake.context import Runtime, Tx
from services.intake.handlers.tokens import issue_tokens
from services.intake.schemas import TokenOut
from shared.api.auth import Role
from shared.api.errors import ApiError, Conflict
from shared.validation import InvalidIdentifier, mask_id_number, parse_mobile_number

log = logging.getLogger(__name__)

_ZH = {
    "assertion_invalid": "统一身份认证凭据无效，请重新登录。",
    "assertion_expired": "统一身份认证凭据已过期，请重新登录。",
    "assertion_replayed": "统一身份认证凭据已使用过，请重新登录。",
    "assertion_claims_invalid": "统一身份认证提供的身份信息不完整或有误。",
}


def refusal(e: AssertionRefused) -> ApiError:
    """The API answer to a refused assertion: 401 (not authentic, expired) or 400 (unusable claims)."""
    message = f"{e.message} {_ZH.get(e.code, '')}".strip()
    if e.status == 401:
        return ApiError(401, e.code, message, headers={"WWW-Authenticate": "Bearer"})
    details = [{"field": f"assertion.{e.claim}", "code": e.claim_code or "invalid", "message": e.message}]
    return ApiError(e.status, e.code, message, details)


@dataclass(frozen=True)
class IdentityLogin:
    """A verified assertion, its cryptography done: the ID number only sealed, masked and digested."""

    issuer: str
    subject: str
    name: str
    phone: str | None
    id_digest: str
    id_number_sealed: dict[str, str]
    id_number_masked: str
    jti: str | None
    expires_at: datetime

    def __repr__(self) -> str:
        return f"IdentityLogin(issuer={self.issuer!r}, subject={self.subject!r})"


def identity_login_command(rt: Runtime, assertion: str, now: datetime) -> IdentityLogin:
    """Step 1, before any transaction: verify the assertion (503 ``idp_not_configured`` without the
    settings; 401/400 for a refused one) and seal, mask and digest its ID number."""
    try:
        who = rt.idp.verify(assertion, now)
    except AssertionRefused as e:
        raise refusal(e) from None
    phone: str | None = None
    if who.phone is not None:
        try:
            phone = parse_mobile_number(who.phone)
        except InvalidIdentifier as e:
            # A contact detail, not identity: the login goes on without it (the number is not logged).
            log.info("identity login: the assertion's phone claim is unusable (%s); ignored", e.code)
    return IdentityLogin(
        issuer=who.issuer,
        subject=who.subject,
        name=who.name,
        phone=phone,
        id_digest=rt.id_digest(who.id_number),
        id_number_sealed=rt.sealer.seal(who.id_number, context="id_number").as_dict(),
        id_number_masked=mask_id_number(who.id_number),
        jti=who.jti,
        expires_at=who.expires_at,
    )


def _identity_conflict() -> Conflict:
    return Conflict(
        "external_identity_conflict",
        "This identity-service account is linked to an applicant account with another ID number; ask the "
        "bureau's operations staff. 统一身份认证账户已关联其他身份证号码的申请人账户，请联系工作人员。",
    )


async def _first_login(tx: Tx, cmd: IdentityLogin) -> AccountView:
    """The account of a (issuer, sub) seen for the first time: the person's verified account if they have
    one (another ``sub``), else a new applicant account; then the link. Concurrent first logins of the same
    person end with one account and one link (``ON CONFLICT DO NOTHING``, then read back)."""
    repo = tx.repo
    account = await repo.account_by_id_digest(cmd.id_digest)
    if account is None:
        await repo.insert_verified_account(
            {
                "id": new_id("acc"),
                # Nobody types it: logins go through the identity service (no password is ever set).
                "username": f"idp-{secrets.token_hex(8)}",
                "password_hash": None,
                "role": Role.APPLICANT.value,
                "name": cmd.name,
                "phone": cmd.phone,
                "employer_id": None,
                "department": None,
                "district": None,
                "supervising_unit_id": None,
                "status": "active",
                "created_at": tx.now,
                "created_by": None,
                "id_digest": cmd.id_digest,
                "id_number_sealed": cmd.id_number_sealed,
                "id_number_masked": cmd.id_number_masked,
            }
        )
        account = await repo.account_by_id_digest(cmd.id_digest)
        if account is None:  # only a username collision of 64 random bits could lead here
            raise Conflict("conflict", "The account could not be created; try again.")
    linked = await repo.link_identity(
        {"issuer": cmd.issuer, "subject": cmd.subject, "account_id": account["id"], "linked_at": tx.now}
    )
    if linked != account["id"]:
        raise _identity_conflict()
    return account


async def identity_login(tx: Tx, cmd: IdentityLogin) -> TokenOut:
    """Step 2, one short transaction: use up the ``jti``, find or create the applicant account, issue the
    tokens (the same answer as a password login)."""
    tx.rt.signing_key  # noqa: B018 - fail early (503) when tokens cannot be signed
    repo = tx.repo
    if cmd.jti is not None:
        # Kept until the assertion could no longer be accepted anyway (expiry plus the leeway).
        keep_until = cmd.expires_at + timedelta(seconds=tx.rt.settings.external_idp_leeway_s)
        if not await repo.use_assertion(cmd.issuer, cmd.jti, keep_until):
            raise ApiError(
                401,
                "assertion_replayed",
                f"This identity assertion was already exchanged; sign in again. {_ZH['assertion_replayed']}",
                headers={"WWW-Authenticate": "Bearer"},
            )
    account = await repo.account_of_identity(cmd.issuer, cmd.subject)
    if account is None:
        account = await _first_login(tx, cmd)
    elif account["id_digest"] != cmd.id_digest:
        raise _identity_conflict()
    if account["role"] != Role.APPLICANT.value:
        raise _identity_conflict()
    if account["status"] != "active":
        raise ApiError(
            401,
            "account_disabled",
            "This account is disabled. 账户已停用。",
            headers={"WWW-Authenticate": "Bearer"},
        )
    phone = cmd.phone or account["phone"]
    if account["name"] != cmd.name or account["phone"] != phone:
        # The identity service's name is the verified one (a legal change of name reaches intake here).
        await repo.update_account_person(account["id"], cmd.name, phone)
        account = {**account, "name": cmd.name, "phone": phone}
    return await issue_tokens(tx, account, None)


@dataclass(frozen=True)
class PurgeUsedAssertions:
    before: datetime


async def purge_used_assertions(tx: Tx, cmd: PurgeUsedAssertions) -> int:
    """Forget the ``jti`` of expired assertions (the worker's job); how many."""
    return await tx.repo.purge_used_assertions(cmd.before)
