"""Accounts, employers and tokens.

Tokens: an access token is a short-lived JWT (Ed25519, ``shared.api.auth.issue_token``) carrying the
account id as subject, the role, the name, and the employer's credit code (employer administrators),
the department (department clients) or the district code (district staff, when the account has one).
A refresh token is random, stored as its SHA-256, and rotated at each use; presenting one that was
already used revokes its whole family (it was stolen or replayed).
All times come from the service clock.
"""

from __future__ import annotations

import logging
import math
import re
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy.exc import IntegrityError

from services.intake.adapters.repository import IntakeRepository, Row
from services.intake.adapters.security import new_id, new_refresh_token, refresh_token_digest
from services.intake.config import Settings
from services.intake.handlers.common import invalid, not_found
from services.intake.runtime import IntakeRuntime
from services.intake.schemas import (
    AccountOut,
    AccountPage,
    ApplicantRegistration,
    EmployerAdminIn,
    EmployerOut,
    EmployerRegistered,
    EmployerRegistration,
    StaffAccountIn,
    TokenOut,
)
from shared.api.auth import Principal, Role, issue_token
from shared.api.errors import ApiError
from shared.clock import BEIJING
from shared.service import ServiceContext
from shared.validation import mask_mobile_number, parse_credit_code

log = logging.getLogger(__name__)


def account_out(row: Row) -> AccountOut:
    return AccountOut(
        id=row["id"],
        username=row["username"],
        role=row["role"],
        name=row["name"],
        phone=mask_mobile_number(row["phone"]) if row["phone"] else None,
        employer_credit_code=row.get("employer_credit_code"),
        department=row["department"],
        district=row.get("district"),
        status=row["status"],
        created_at=row["created_at"],
        locked_until=row.get("locked_until"),
    )


def employer_out(row: Row) -> EmployerOut:
    return EmployerOut(
        id=row["id"],
        name=row["name"],
        credit_code=row["credit_code"],
        tax_registered=row["tax_registered"],
        district=row["district"],
        registered_at=row["registered_at"],
    )


def _username_taken(field: str = "username") -> ApiError:
    return ApiError(
        409,
        "username_taken",
        "This username is already registered; choose another.",
        [{"field": field, "code": "username_taken", "message": "already registered"}],
    )


async def _new_account(
    repo: IntakeRepository,
    rt: IntakeRuntime,
    ctx: ServiceContext,
    *,
    username: str,
    password: str,
    role: str,
    name: str,
    phone: str | None = None,
    employer_id: str | None = None,
    department: str | None = None,
    district: str | None = None,
    created_by: str | None = None,
    field: str = "username",
) -> str:
    if await repo.username_taken(username):
        raise _username_taken(field)
    account_id = new_id("acc")
    await repo.insert_account(
        {
            "id": account_id,
            "username": username,
            "password_hash": await rt.passwords.hash(password),
            "role": role,
            "name": name,
            "phone": phone,
            "employer_id": employer_id,
            "department": department,
            "district": district,
            "status": "active",
            "created_at": ctx.clock.now(),
            "created_by": created_by,
        }
    )
    return account_id


async def register_applicant(
    ctx: ServiceContext, rt: IntakeRuntime, body: ApplicantRegistration
) -> AccountOut:
    try:
        async with ctx.session_factory() as s, s.begin():
            repo = IntakeRepository(s)
            account_id = await _new_account(
                repo,
                rt,
                ctx,
                username=body.username,
                password=body.password,
                role=Role.APPLICANT.value,
                name=body.name,
                phone=body.phone,
            )
            row = await repo.account(account_id)
    except IntegrityError:
        raise _username_taken() from None
    assert row is not None
    return account_out(row)


def _check_beijing_employer(credit_code: str, tax_registered: bool) -> None:
    """Seed 004 第五条: the employer is registered in Beijing and registered for tax."""
    code = parse_credit_code(credit_code)
    # Characters 3-8 name the registering authority's division: 11xxxx is Beijing; 100000 is a
    # national-level registration, whose holders are seated in Beijing.
    if not (code.region_code.startswith("11") or code.region_code == "100000"):
        raise invalid(
            "employer.credit_code",
            "credit_code.not_beijing",
            "The employer must be registered in Beijing (credit code characters 3-8 start with 11). "
            "用人单位应在京注册。",
        )
    if not tax_registered:
        raise invalid(
            "employer.tax_registered",
            "employer.tax_registration_required",
            "The employer must be registered for tax in Beijing. 用人单位应在京进行税务登记。",
        )


async def register_employer(
    ctx: ServiceContext, rt: IntakeRuntime, body: EmployerRegistration
) -> EmployerRegistered:
    _check_beijing_employer(body.employer.credit_code, body.employer.tax_registered)
    try:
        async with ctx.session_factory() as s, s.begin():
            repo = IntakeRepository(s)
            if await repo.employer_by_code(body.employer.credit_code):
                raise ApiError(
                    409,
                    "employer_exists",
                    "This employer is already registered; ask its administrator to add you "
                    "(POST /v1/employers/me/admins).",
                    [
                        {
                            "field": "employer.credit_code",
                            "code": "employer_exists",
                            "message": "already registered",
                        }
                    ],
                )
            employer_id = new_id("emp")
            await repo.insert_employer(
                {
                    "id": employer_id,
                    "credit_code": body.employer.credit_code,
                    "name": body.employer.name,
                    "tax_registered": body.employer.tax_registered,
                    "district": body.employer.district,
                    "registered_at": ctx.clock.now(),
                }
            )
            account_id = await _new_account(
                repo,
                rt,
                ctx,
                username=body.admin.username,
                password=body.admin.password,
                role=Role.EMPLOYER_ADMIN.value,
                name=body.admin.name,
                phone=body.admin.phone,
                employer_id=employer_id,
                field="admin.username",
            )
            employer = await repo.employer(employer_id)
            admin = await repo.account(account_id)
    except IntegrityError:
        raise ApiError(
            409, "conflict", "The employer or the username was registered meanwhile; retry."
        ) from None
    assert employer is not None and admin is not None
    return EmployerRegistered(employer=employer_out(employer), admin=account_out(admin))


async def add_employer_admin(
    ctx: ServiceContext, rt: IntakeRuntime, principal: Principal, body: EmployerAdminIn
) -> AccountOut:
    employer_id = principal.claims.get("employer_id")
    try:
        async with ctx.session_factory() as s, s.begin():
            repo = IntakeRepository(s)
            employer = await repo.employer(str(employer_id)) if employer_id else None
            if employer is None:
                raise ApiError(403, "forbidden", "Your account is not linked to an employer.")
            account_id = await _new_account(
                repo,
                rt,
                ctx,
                username=body.username,
                password=body.password,
                role=Role.EMPLOYER_ADMIN.value,
                name=body.name,
                phone=body.phone,
                employer_id=employer["id"],
                created_by=principal.subject,
            )
            row = await repo.account(account_id)
    except IntegrityError:
        raise _username_taken() from None
    assert row is not None
    return account_out(row)


async def my_employer(ctx: ServiceContext, principal: Principal) -> EmployerOut:
    async with ctx.session_factory() as s:
        employer = await IntakeRepository(s).employer(str(principal.claims.get("employer_id", "")))
    if employer is None:
        raise ApiError(403, "forbidden", "Your account is not linked to an employer.")
    return employer_out(employer)


async def create_staff_account(
    ctx: ServiceContext, rt: IntakeRuntime, principal: Principal | None, body: StaffAccountIn
) -> AccountOut:
    try:
        async with ctx.session_factory() as s, s.begin():
            repo = IntakeRepository(s)
            account_id = await _new_account(
                repo,
                rt,
                ctx,
                username=body.username,
                password=body.password,
                role=body.role,
                name=body.name,
                department=body.department,
                district=body.district,
                created_by=principal.subject if principal else "bootstrap",
            )
            row = await repo.account(account_id)
    except IntegrityError:
        raise _username_taken() from None
    assert row is not None
    return account_out(row)


async def list_accounts(ctx: ServiceContext, role: str | None, limit: int, offset: int) -> AccountPage:
    async with ctx.session_factory() as s:
        rows, total = await IntakeRepository(s).list_accounts(role, limit, offset)
    return AccountPage(items=[account_out(r) for r in rows], total=total, limit=limit, offset=offset)


async def set_account_status(
    ctx: ServiceContext, principal: Principal, account_id: str, status: str
) -> AccountOut:
    if account_id == principal.subject and status == "disabled":
        raise ApiError(409, "cannot_disable_self", "You cannot disable your own account.")
    async with ctx.session_factory() as s, s.begin():
        repo = IntakeRepository(s)
        if await repo.account(account_id) is None:
            raise not_found("account", account_id)
        await repo.set_account_status(account_id, status)
        if status == "disabled":
            await repo.revoke_account_refresh_tokens(account_id, ctx.clock.now())
        row = await repo.account(account_id)
    assert row is not None
    return account_out(row)


async def me(ctx: ServiceContext, principal: Principal) -> AccountOut:
    async with ctx.session_factory() as s:
        row = await IntakeRepository(s).account(principal.subject)
    if row is None:
        raise ApiError(401, "unknown_account", "The account of this token no longer exists.")
    return account_out(row)


# ---- tokens ------------------------------------------------------------------------------------------

USERNAME = re.compile(r"[a-z0-9][a-z0-9_.@-]{2,63}")
_BAD_LOGIN = "The username or password is wrong. 用户名或密码错误。"


def _bad_credentials(code: str = "invalid_credentials", message: str = _BAD_LOGIN) -> ApiError:
    return ApiError(401, code, message, headers={"WWW-Authenticate": "Bearer"})


async def _issue(
    repo: IntakeRepository, ctx: ServiceContext, rt: IntakeRuntime, account: Row, family_id: str | None
) -> TokenOut:
    settings = ctx.settings
    assert isinstance(settings, Settings)
    now = ctx.clock.now()
    extra: dict[str, Any] = {"name": account["name"]}
    if account["role"] == Role.EMPLOYER_ADMIN.value:
        extra["employer"] = account["employer_credit_code"]
        extra["employer_id"] = account["employer_id"]
    if account["role"] == Role.DEPARTMENT_CLIENT.value:
        extra["department"] = account["department"]
    if account["role"] == Role.DISTRICT_STAFF.value and account.get("district"):
        extra["district"] = account["district"]
    access = issue_token(
        rt.signing_key,
        subject=account["id"],
        roles=[account["role"]],
        now=now,
        ttl=timedelta(seconds=settings.access_token_ttl_s),
        extra=extra,
    )
    refresh, digest = new_refresh_token()
    await repo.insert_refresh_token(
        {
            "token_hash": digest,
            "account_id": account["id"],
            "family_id": family_id or new_id("fam"),
            "issued_at": now,
            "expires_at": now + timedelta(seconds=settings.refresh_token_ttl_s),
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


async def password_grant(ctx: ServiceContext, rt: IntakeRuntime, username: str, password: str) -> TokenOut:
    """Password login. ``login_max_failures`` wrong passwords in a row lock the account for
    ``login_lockout_s`` (429 ``account_locked`` naming the end, even for the right password); unknown
    usernames get the same 401 and take as long as known ones."""
    rt.signing_key  # noqa: B018 - fail early (503) when tokens cannot be signed
    settings = ctx.settings
    assert isinstance(settings, Settings)
    now = ctx.clock.now()
    async with ctx.session_factory() as s, s.begin():
        repo = IntakeRepository(s)
        username = username.strip().lower()
        known = USERNAME.fullmatch(username) is not None
        account = await repo.account_by_username(username) if known else None
        if account is not None and account["locked_until"] is not None and account["locked_until"] > now:
            raise _locked(account["locked_until"], now)
        ok = await rt.passwords.verify(account["password_hash"] if account else None, password)
        if account is not None and ok:
            if account["status"] != "active":
                raise _bad_credentials("account_disabled", "This account is disabled. 账户已停用。")
            if account["failed_logins"] or account["locked_until"] is not None:
                await repo.clear_login_failures(account["id"])
            return await _issue(repo, ctx, rt, account, None)
    if account is not None:
        # Counted in a transaction of its own, committed whatever the caller does next.
        async with ctx.session_factory() as s, s.begin():
            locked_until = await IntakeRepository(s).record_login_failure(
                account["id"], now, settings.login_max_failures, timedelta(seconds=settings.login_lockout_s)
            )
        if locked_until is not None:
            log.warning(
                "account %s locked until %s after repeated failed logins", account["id"], locked_until
            )
            raise _locked(locked_until, now)
    raise _bad_credentials()


async def refresh_grant(ctx: ServiceContext, rt: IntakeRuntime, refresh_token: str) -> TokenOut:
    rt.signing_key  # noqa: B018
    now = ctx.clock.now()
    async with ctx.session_factory() as s:
        async with s.begin():
            repo = IntakeRepository(s)
            row = await repo.refresh_token_for_update(refresh_token_digest(refresh_token))
            if row is None:
                raise _bad_credentials(
                    "invalid_refresh_token", "The refresh token is not valid; log in again."
                )
            if row["used_at"] is not None and row["revoked_at"] is None:
                # A rotated token presented again: someone holds a copy. Revoke the family (committed
                # below, outside the failing transaction).
                reused = True
            else:
                reused = False
                if row["revoked_at"] is not None or row["expires_at"] <= now:
                    raise _bad_credentials(
                        "invalid_refresh_token", "The refresh token has expired or was revoked; log in again."
                    )
                account = await repo.account(row["account_id"])
                if account is None or account["status"] != "active":
                    raise _bad_credentials("account_disabled", "This account is disabled. 账户已停用。")
                await repo.mark_refresh_token_used(row["token_hash"], now)
                return await _issue(repo, ctx, rt, account, row["family_id"])
        if reused:
            async with s.begin():
                await IntakeRepository(s).revoke_refresh_family(row["family_id"], now)
    raise _bad_credentials(
        "refresh_token_reused",
        "This refresh token was already used; every token of this login is now revoked. Log in again.",
    )


async def revoke_refresh_token(ctx: ServiceContext, refresh_token: str) -> None:
    async with ctx.session_factory() as s, s.begin():
        repo = IntakeRepository(s)
        row = await repo.refresh_token_for_update(refresh_token_digest(refresh_token))
        if row is not None:
            await repo.revoke_refresh_family(row["family_id"], ctx.clock.now())
