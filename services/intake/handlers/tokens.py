"""Tokens: password login, refresh-token rotation, logout.

An access token is a short-lived JWT (Ed25519, the claims of ``shared.api.auth.issue_token`` with a
``kid`` header naming the signing key: ``adapters/signing.py``) carrying the account id as
subject, the role, the name, and the employer's credit code (employer administrators), the department
(department clients), the district code (district staff, when the account has one) or the supervising
unit's id (``supervising_unit``, supervising-unit staff whose account belongs to a unit). A refresh token is
random, stored as its SHA-256, and rotated at each use; presenting one that was already used revokes its
whole family (it was stolen or replayed).

A password login is three steps, so that no transaction is open while argon2 runs (issue 12, finding 7):
:func:`begin_login` reads the account in a short transaction, the endpoint checks the password in a thread
with no transaction open, and :func:`finish_login` counts the verdict atomically in a second short one.

Some refusals must keep what the use case wrote (a failed login is counted; a reused refresh token
revokes its family): those use cases *return* the refusal (:class:`TokenResult`) so that their
transaction commits, and the endpoint raises it.
"""

from __future__ import annotations

import logging
import math
import re
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from services.intake.adapters.records import AccountView
from services.intake.adapters.security import new_id, new_refresh_token, refresh_token_digest
from services.intake.adapters.signing import sign_access_token
from services.intake.context import Tx
from services.intake.schemas import TokenOut
from shared.api.auth import Role
from shared.api.errors import ApiError
from shared.clock import BEIJING

log = logging.getLogger(__name__)

USERNAME = re.compile(r"[a-z0-9][a-z0-9_.@-]{2,63}")
_BAD_LOGIN = "The username or password is wrong. 用户名或密码错误。"
#: Access-token claim of an account whose ID number the city's identity service vouched for.
VERIFIED_IDENTITY_CLAIM = "verified_identity"


@dataclass(frozen=True)
class TokenResult:
    """A token, or a refusal whose side effects (failure count, revoked family) are committed."""

    token: TokenOut | None = None
    refusal: ApiError | None = None

    def token_or_raise(self) -> TokenOut:
        if self.refusal is not None:
            raise self.refusal
        assert self.token is not None
        return self.token


def _bad_credentials(code: str = "invalid_credentials", message: str = _BAD_LOGIN) -> ApiError:
    return ApiError(401, code, message, headers={"WWW-Authenticate": "Bearer"})


async def issue_tokens(tx: Tx, account: AccountView, family_id: str | None) -> TokenOut:
    """An access token and a new refresh token (of ``family_id``, or of a new login) for ``account``."""
    settings = tx.rt.settings
    extra: dict[str, Any] = {"name": account["name"]}
    if account["id_digest"] is not None:
        # The identity service vouched for this applicant's ID number: declaring checks it against it.
        extra[VERIFIED_IDENTITY_CLAIM] = True
    if account["role"] == Role.EMPLOYER_ADMIN.value:
        extra["employer"] = account["employer_credit_code"]
        extra["employer_id"] = account["employer_id"]
    if account["role"] == Role.DEPARTMENT_CLIENT.value:
        extra["department"] = account["department"]
    if account["role"] == Role.DISTRICT_STAFF.value and account["district"]:
        extra["district"] = account["district"]
    if account["role"] == Role.SUPERVISING_UNIT.value and account["supervising_unit_id"]:
        extra["supervising_unit"] = account["supervising_unit_id"]
    access = sign_access_token(
        tx.rt.signing_key,
        tx.rt.signing_kid,
        subject=account["id"],
        roles=[account["role"]],
        now=tx.now,
        ttl=timedelta(seconds=settings.access_token_ttl_s),
        extra=extra,
    )
    refresh, digest = new_refresh_token()
    await tx.repo.insert_refresh_token(
        {
            "token_hash": digest,
            "account_id": account["id"],
            "family_id": family_id or new_id("fam"),
            "issued_at": tx.now,
            "expires_at": tx.now + timedelta(seconds=settings.refresh_token_ttl_s),
        }
    )
    return TokenOut(
        access_token=access,
        expires_in=settings.access_token_ttl_s,
        refresh_token=refresh,
        roles=[account["role"]],
    )


def _locked(until: datetime, now: datetime) -> ApiError:
    local = until.astimezone(BEIJING)
    wait = max(1, math.ceil((until - now).total_seconds()))
    return ApiError(
        429,
        "account_locked",
        f"Too many failed logins: this account is locked until {local:%Y-%m-%d %H:%M} (Beijing time). "
        f"登录失败次数过多，账户已锁定至 {local:%Y-%m-%d %H:%M}（北京时间）。",
        headers={"Retry-After": str(wait)},
    )


@dataclass(frozen=True)
class PasswordGrant:
    username: str
    password: str
    #: OAuth2 client credentials: only department client accounts may use them.
    client: bool = False
    #: The client's network (``adapters.ratelimit.client_network``): a lock set by failures from
    #: elsewhere does not refuse the account's owner on the network of their last good login.
    network: str | None = None


@dataclass(frozen=True)
class LoginAttempt:
    """What the password check needs, read in a short transaction that is closed before argon2 runs."""

    grant: PasswordGrant
    account_id: str | None
    password_hash: str | None


def _locked_here(tx: Tx, account: AccountView, network: str | None) -> bool:
    """Locked for this client: locked, and not from the network of the account's last good login."""
    until = account["locked_until"]
    if until is None or until <= tx.now:
        return False
    digest = tx.rt.network_digest(network) if network is not None else None
    return digest is None or digest != account["last_login_network"]


async def begin_login(tx: Tx, cmd: PasswordGrant) -> LoginAttempt:
    """Step 1 of a password login: find the account. A locked account answers 429 here, before any
    password is hashed; the lock is checked again, under the row lock, in :func:`finish_login`."""
    tx.rt.signing_key  # noqa: B018 - fail early (503) when tokens cannot be signed
    username = cmd.username.strip().lower()
    account = await tx.repo.account_by_username(username) if USERNAME.fullmatch(username) else None
    if account is None or account["password_hash"] is None:
        # No account, or one that logs in through the identity service only: the same 401 at the same cost.
        return LoginAttempt(cmd, None, None)
    if _locked_here(tx, account, cmd.network):
        assert account["locked_until"] is not None
        raise _locked(account["locked_until"], tx.now)
    return LoginAttempt(cmd, account["id"], account["password_hash"])


@dataclass(frozen=True)
class FinishLogin:
    attempt: LoginAttempt
    #: The argon2 verdict, reached outside any transaction.
    password_ok: bool


async def finish_login(tx: Tx, cmd: FinishLogin) -> TokenResult:
    """Step 3 of a password login (step 2, the argon2 check, runs between the two transactions), in one
    short transaction. A wrong password is counted by one ``UPDATE … RETURNING`` (exact under concurrency:
    ``login_max_failures`` wrong passwords in a row lock the account for ``login_lockout_s``; failures while
    it is locked are not counted and do not extend it). A right password is accepted by one conditional
    ``UPDATE`` when the account is not locked, or is locked but the client is on the network of the
    account's last good login; otherwise 429. Unknown usernames get the same 401 as wrong passwords and
    cost the same hash."""
    settings, now = tx.rt.settings, tx.now
    grant = cmd.attempt.grant
    account_id = cmd.attempt.account_id
    account = await tx.repo.account(account_id) if account_id is not None else None
    if account is None:
        raise _bad_credentials()
    if cmd.password_ok:
        if account["status"] != "active":
            raise _bad_credentials("account_disabled", "This account is disabled. 账户已停用。")
        network = tx.rt.network_digest(grant.network) if grant.network is not None else None
        if not await tx.repo.record_login_success(account["id"], now, network):
            fresh = await tx.repo.account(account["id"])
            assert fresh is not None and fresh["locked_until"] is not None
            raise _locked(fresh["locked_until"], now)
        if grant.client and account["role"] != Role.DEPARTMENT_CLIENT.value:
            return TokenResult(
                refusal=ApiError(
                    401, "invalid_client", "client_credentials is for department client accounts only."
                )
            )
        return TokenResult(token=await issue_tokens(tx, account, None))
    # Counted in this transaction, which commits: the refusal is returned, not raised.
    locked_until = await tx.repo.record_login_failure(
        account["id"], now, settings.login_max_failures, timedelta(seconds=settings.login_lockout_s)
    )
    if locked_until is not None:
        log.warning("login refused: account %s locked until %s", account["id"], locked_until)
        return TokenResult(refusal=_locked(locked_until, now))
    return TokenResult(refusal=_bad_credentials())


@dataclass(frozen=True)
class RefreshGrant:
    refresh_token: str


async def refresh_grant(tx: Tx, cmd: RefreshGrant) -> TokenResult:
    """A new access and refresh token for a refresh token, which is used up (rotation)."""
    tx.rt.signing_key  # noqa: B018
    now = tx.now
    row = await tx.repo.refresh_token_for_update(refresh_token_digest(cmd.refresh_token))
    if row is None:
        raise _bad_credentials("invalid_refresh_token", "The refresh token is not valid; log in again.")
    if row["used_at"] is not None and row["revoked_at"] is None:
        # A rotated token presented again: someone holds a copy. Revoke the family (committed: the
        # refusal is returned, not raised).
        await tx.repo.revoke_refresh_family(row["family_id"], now)
        return TokenResult(
            refusal=_bad_credentials(
                "refresh_token_reused",
                "This refresh token was already used; every token of this login is now revoked. "
                "Log in again.",
            )
        )
    if row["revoked_at"] is not None or row["expires_at"] <= now:
        raise _bad_credentials(
            "invalid_refresh_token", "The refresh token has expired or was revoked; log in again."
        )
    account = await tx.repo.account(row["account_id"])
    if account is None or account["status"] != "active":
        raise _bad_credentials("account_disabled", "This account is disabled. 账户已停用。")
    await tx.repo.mark_refresh_token_used(row["token_hash"], now)
    return TokenResult(token=await issue_tokens(tx, account, row["family_id"]))


@dataclass(frozen=True)
class RevokeRefreshToken:
    refresh_token: str


async def revoke_refresh_token(tx: Tx, cmd: RevokeRefreshToken) -> None:
    """Logout: the refresh token's whole family is revoked (an unknown token is not an error)."""
    row = await tx.repo.refresh_token_for_update(refresh_token_digest(cmd.refresh_token))
    if row is not None:
        await tx.repo.revoke_refresh_family(row["family_id"], tx.now)
