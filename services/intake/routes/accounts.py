"""Logging in, registering, and the accounts operations administrators manage."""

from __future__ import annotations

import logging
from typing import Annotated, Literal

from fastapi import APIRouter, Form, Path, Query, Request, Response

from services.intake.adapters.ratelimit import client_network
from services.intake.adapters.security import Passwords
from services.intake.context import Ctx
from services.intake.handlers import accounts as h
from services.intake.handlers import identity as idn
from services.intake.handlers import tokens as t
from services.intake.routes.deps import SECURED, Caller, Context, Limit, Offset, errors
from services.intake.schemas import (
    AccountOut,
    AccountPage,
    ApplicantRegistration,
    EmployerAdminIn,
    EmployerOut,
    EmployerRegistered,
    EmployerRegistration,
    PublicKeysOut,
    RevokeIn,
    StaffAccountIn,
    TokenOut,
)
from shared.api.auth import Principal, Role
from shared.api.clients import client_address
from shared.api.errors import ApiError, Invalid

log = logging.getLogger(__name__)

router = APIRouter()
#: RFC 7523: an assertion (the city's identity service's signed JWT) exchanged for intake's tokens.
JWT_BEARER = "urn:ietf:params:oauth:grant-type:jwt-bearer"
AccountId = Annotated[
    str, Path(max_length=40, pattern=r"^[A-Za-z0-9_.:-]+$", examples=["acc_3f9c1b2d7e4a5b6c"])
]


@router.post(
    "/v1/auth/token",
    tags=["accounts 账户"],
    summary="Log in or refresh a token 登录 / 刷新令牌",
    response_model=TokenOut,
    responses=errors(400, 409, 429, 503),
)
async def token(
    request: Request,
    ctx: Context,
    caller: Caller,
    grant_type: Annotated[
        Literal[
            "password", "refresh_token", "client_credentials", "urn:ietf:params:oauth:grant-type:jwt-bearer"
        ],
        Form(description="OAuth2 grant type."),
    ],
    assertion: Annotated[
        str | None,
        Form(
            max_length=8192,
            description="With the jwt-bearer grant: the identity assertion (a signed JWT) of the city's "
            "identity service.",
        ),
    ] = None,
    username: Annotated[str | None, Form(max_length=64, examples=["zhangsan"])] = None,
    password: Annotated[str | None, Form(max_length=128)] = None,
    refresh_token: Annotated[str | None, Form(max_length=200)] = None,
    client_id: Annotated[str | None, Form(max_length=64)] = None,
    client_secret: Annotated[str | None, Form(max_length=128)] = None,
    scope: Annotated[
        str | None, Form(max_length=200, description="Ignored: roles come from the account.")
    ] = None,
) -> TokenOut:
    """OAuth2 token endpoint (RFC 6749), form-encoded.

    * `grant_type=password` with `username` and `password`: people (applicants, employer administrators,
      staff) log in.
    * `grant_type=refresh_token` with `refresh_token`: a new access token and a new refresh token; the one
      presented is used up (rotation). Presenting a used refresh token again revokes the whole login.
    * `grant_type=client_credentials` with `client_id` and `client_secret`: partner department systems.
    * `grant_type=urn:ietf:params:oauth:grant-type:jwt-bearer` with `assertion` (RFC 7523): an applicant
      signed in at the city's identity service (统一身份认证) exchanges its signed identity assertion (a JWT
      with `sub`, `name` and `id_number`, for audience `hukou-intake`, at most 10 minutes long) for intake's
      tokens. The first login creates the applicant account, holding the verified name and ID number; later
      logins of the same person find it. A password account is never linked to it. Refusals: 401
      `assertion_invalid` (signature, issuer, audience, times), `assertion_expired`, `assertion_replayed`
      (an assertion is exchanged once), 400 `assertion_claims_invalid` (a signed assertion without a usable
      name or ID number), 409 `external_identity_conflict`, 503 `idp_not_configured`.

    The access token is a JWT signed with Ed25519 (15 minutes by default); every service verifies it with
    the public key. Wrong credentials answer 401. After `login_max_failures` (default 5) wrong passwords in a
    row the account is locked for `login_lockout_s` (default 15 minutes): logins answer 429 `account_locked`
    with the time it ends and `Retry-After`, even with the right password — except from the network of the
    account's last good login, so that nobody can keep its owner out; the lock is never extended while it
    lasts; an operations administrator lifts it by setting the account `active`. Each client network (an
    IPv4 address, an IPv6 /64) may make `login_failure_burst` refused requests at once, then
    `login_failures_per_minute`: beyond that 429 `rate_limited` with `Retry-After`. 连续多次密码错误将暂时锁定账户。
    """
    limiter = ctx.runtime.login_limiter
    network = client_network(client_address(request, ctx.settings.trusted_proxy_networks))
    wait = limiter.wait(network)
    if wait > 0:
        log.warning("token endpoint: failed-request limit reached by %s", network)
        raise ApiError(
            429,
            "rate_limited",
            "Too many failed logins from your network; try again later. 登录失败次数过多，请稍后再试。",
            headers={"Retry-After": limiter.retry_after_header(wait)},
        )
    try:
        if grant_type == "password":
            if not username or not password:
                raise _missing("username" if not username else "password")
            result = await _password_login(ctx, t.PasswordGrant(username, password, network=network), caller)
        elif grant_type == JWT_BEARER:
            if not assertion:
                raise _missing("assertion")
            # Signature, claims, sealing: all before the transaction, with no pooled connection held.
            cmd = idn.identity_login_command(ctx.runtime, assertion, ctx.clock.now())
            return await ctx.run(idn.identity_login, cmd, actor=caller.subject)
        elif grant_type == "refresh_token":
            if not refresh_token:
                raise _missing("refresh_token")
            result = await ctx.run(t.refresh_grant, t.RefreshGrant(refresh_token), actor=caller.subject)
        else:
            if not client_id or not client_secret:
                raise _missing("client_id" if not client_id else "client_secret")
            grant = t.PasswordGrant(client_id, client_secret, client=True, network=network)
            result = await _password_login(ctx, grant, caller)
        return result.token_or_raise()
    except ApiError as e:
        if e.status in (401, 429):
            limiter.failed(network)
            if grant_type == JWT_BEARER:
                log.warning("identity login refused from %s: %s", network, e.code)
        raise


async def _password_login(ctx: Ctx, grant: t.PasswordGrant, caller: Principal) -> t.TokenResult:
    """The one endpoint with two use cases: argon2 (tens of milliseconds of CPU) runs between them, in a
    thread, with no transaction open and no pooled connection held (issue 12, finding 7)."""
    attempt = await ctx.run(t.begin_login, grant, actor=caller.subject)
    ok = await ctx.runtime.passwords.verify(attempt.password_hash, grant.password)
    return await ctx.run(t.finish_login, t.FinishLogin(attempt, ok), actor=caller.subject)


def _missing(field: str) -> Invalid:
    return Invalid(
        "validation_failed",
        "The request has 1 invalid field.",
        [{"field": field, "code": "missing", "message": "Field required for this grant type"}],
    )


@router.get(
    "/v1/auth/keys",
    tags=["accounts 账户"],
    summary="Token-verifying public keys (JWKS) 令牌验签公钥",
    response_model=PublicKeysOut,
    responses=errors(503),
)
async def public_keys(ctx: Context) -> PublicKeysOut:
    """The public keys that verify access tokens, as a JWK Set (RFC 7517): the current signing key first,
    then the earlier ones kept during a key rotation (`INTAKE_JWT_PREVIOUS_PRIVATE_KEYS`). Each access
    token names its key in the `kid` header (the key's RFC 7638 thumbprint)."""
    return PublicKeysOut.model_validate({"keys": ctx.runtime.public_keys()})


@router.post(
    "/v1/auth/revoke",
    tags=["accounts 账户"],
    summary="Log out (revoke a refresh token) 退出登录",
    status_code=204,
    response_class=Response,
)
async def revoke(ctx: Context, caller: Caller, body: RevokeIn) -> Response:
    """Revokes the refresh token and every token rotated from the same login (RFC 7009 semantics: an unknown
    token is not an error). Access tokens already issued expire on their own within minutes."""
    await ctx.run(t.revoke_refresh_token, t.RevokeRefreshToken(body.refresh_token), actor=caller.subject)
    return Response(status_code=204)


@router.post(
    "/v1/accounts/applicants",
    tags=["accounts 账户"],
    summary="Register as an applicant 申请人注册",
    status_code=201,
    response_model=AccountOut,
    responses=errors(409),
)
async def register_applicant(ctx: Context, caller: Caller, body: ApplicantRegistration) -> AccountOut:
    """Creates an applicant account. Then log in at `POST /v1/auth/token`, ask your employer to confirm your
    affiliation (`POST /v1/affiliations`) and declare (`POST /v1/applications`)."""
    who = await h.new_account(ctx.runtime.passwords, body.username, body.password, body.name, body.phone)
    return await ctx.run(h.register_applicant, h.RegisterApplicant(who), actor=caller.subject)


@router.post(
    "/v1/employers",
    tags=["employers 用人单位"],
    summary="Register an employer and its administrator 用人单位注册",
    status_code=201,
    response_model=EmployerRegistered,
    responses=errors(409),
)
async def register_employer(ctx: Context, caller: Caller, body: EmployerRegistration) -> EmployerRegistered:
    """Registers an employer (用人单位) with its unified social credit code and its first administrator.

    Seed 004 第五条: the employer is registered in Beijing (credit code region 11xxxx) and registered for
    tax. The credit code's check character is verified (GB 32100); each employer registers once.
    """
    e, a = body.employer, body.admin
    cmd = h.RegisterEmployer(
        credit_code=e.credit_code,
        name=e.name,
        tax_registered=e.tax_registered,
        district=e.district,
        admin=await h.new_account(ctx.runtime.passwords, a.username, a.password, a.name, a.phone),
    )
    return await ctx.run(h.register_employer, cmd, actor=caller.subject)


@router.get(
    "/v1/employers/me",
    tags=["employers 用人单位"],
    summary="My employer 本单位信息",
    response_model=EmployerOut,
    dependencies=SECURED,
)
async def my_employer(ctx: Context, caller: Caller) -> EmployerOut:
    """The employer the calling administrator acts for."""
    return await ctx.run(h.my_employer, h.MyEmployer(caller), actor=caller.subject)


@router.post(
    "/v1/employers/me/admins",
    tags=["employers 用人单位"],
    summary="Add an administrator to my employer 新增单位管理员",
    status_code=201,
    response_model=AccountOut,
    responses=errors(409),
    dependencies=SECURED,
)
async def add_employer_admin(ctx: Context, caller: Caller, body: EmployerAdminIn) -> AccountOut:
    """An employer administrator adds a colleague as a further administrator of the same employer."""
    who = await h.new_account(ctx.runtime.passwords, body.username, body.password, body.name, body.phone)
    return await ctx.run(h.add_employer_admin, h.AddEmployerAdmin(caller, who), actor=caller.subject)


@router.get(
    "/v1/me",
    tags=["accounts 账户"],
    summary="Who am I 当前账户",
    response_model=AccountOut,
    dependencies=SECURED,
)
async def me(ctx: Context, caller: Caller) -> AccountOut:
    """The account of the access token (phone masked). Department systems calling with an API key get a
    description of the key's principal."""
    return await ctx.run(h.me, h.Me(caller), actor=caller.subject)


@router.post(
    "/v1/accounts",
    tags=["accounts 账户"],
    summary="Create a staff or department account 创建工作人员 / 部门接口账户",
    status_code=201,
    response_model=AccountOut,
    responses=errors(409),
    dependencies=SECURED,
)
async def create_account(ctx: Context, caller: Caller, body: StaffAccountIn) -> AccountOut:
    """Operations administrators create accounts for bureau staff (市人力社保局), district staff (区人力社保局,
    optionally with their district code, e.g. `110108`, carried as the `district` token claim),
    supervising-unit staff (主管单位), other operations administrators, and partner department systems
    (scoped to a department)."""
    cmd = await staff_command(body, caller.subject, ctx.runtime.passwords)
    return await ctx.run(h.create_staff_account, cmd, actor=caller.subject)


async def staff_command(body: StaffAccountIn, created_by: str, passwords: Passwords) -> h.CreateStaffAccount:
    """The command of a staff account request (also used by the bootstrap ``create-user`` command); the
    password is hashed here, before any transaction opens."""
    return h.CreateStaffAccount(
        account=await h.new_account(passwords, body.username, body.password, body.name),
        role=body.role,
        department=body.department,
        district=body.district,
        created_by=created_by,
        supervising_unit_id=body.supervising_unit_id,
    )


@router.get(
    "/v1/accounts",
    tags=["accounts 账户"],
    summary="List accounts 账户列表",
    response_model=AccountPage,
    dependencies=SECURED,
)
async def list_accounts(
    ctx: Context,
    caller: Caller,
    role: Annotated[Role | None, Query(description="Only accounts with this role.")] = None,
    limit: Limit = 50,
    offset: Offset = 0,
) -> AccountPage:
    """All accounts, oldest first, paginated; optionally of one role."""
    cmd = h.ListAccounts(role.value if role else None, limit, offset)
    return await ctx.run(h.list_accounts, cmd, actor=caller.subject)


@router.post(
    "/v1/accounts/{account_id}/disable",
    tags=["accounts 账户"],
    summary="Disable an account 停用账户",
    response_model=AccountOut,
    responses=errors(404, 409),
    dependencies=SECURED,
)
async def disable_account(ctx: Context, caller: Caller, account_id: AccountId) -> AccountOut:
    """The account can no longer log in and its refresh tokens are revoked; access tokens already issued
    expire within their short lifetime."""
    cmd = h.SetAccountStatus(caller, account_id, "disabled")
    return await ctx.run(h.set_account_status, cmd, actor=caller.subject)


@router.post(
    "/v1/accounts/{account_id}/enable",
    tags=["accounts 账户"],
    summary="Enable an account 启用账户",
    response_model=AccountOut,
    responses=errors(404),
    dependencies=SECURED,
)
async def enable_account(ctx: Context, caller: Caller, account_id: AccountId) -> AccountOut:
    """Lets a disabled account log in again."""
    cmd = h.SetAccountStatus(caller, account_id, "active")
    return await ctx.run(h.set_account_status, cmd, actor=caller.subject)
