"""Logins through the city's identity service (issue 13, item 7): the jwt-bearer grant of the token endpoint
(RFC 7523) creates an applicant account once, logs the same person in to it again, refuses what is not
authentic with a 4xx and its code, and the account declares and submits like a password account."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import httpx
import jwt
import pytest
import sqlalchemy as sa

from services.intake.adapters.tables import accounts, external_identities
from shared.api.auth import generate_keypair
from shared.crypto import Sealed
from shared.devstack.idp import DEV_IDP_ISSUER, mint_identity_assertion
from shared.validation import synthetic_resident_id
from tests.intake.support import Intake, bearer, running_intake
from tests.support.infra import Infra

pytestmark = pytest.mark.integration

JWT_BEARER = "urn:ietf:params:oauth:grant-type:jwt-bearer"
BIRTH = date(1985, 3, 7)
PERSON = synthetic_resident_id(BIRTH, 1)


@pytest.fixture
async def idp_keys() -> tuple[str, str]:
    return generate_keypair()


@pytest.fixture
async def intake(
    infra: Infra, topic_prefix: str, tmp_path: Path, idp_keys: tuple[str, str]
) -> AsyncIterator[Intake]:
    overrides = {"external_idp_issuer": DEV_IDP_ISSUER, "external_idp_public_keys": idp_keys[1]}
    async with running_intake(infra, topic_prefix, tmp_path, **overrides) as i:
        yield i


def _mint(intake: Intake, private: str, **kw: Any) -> str:
    args: dict[str, Any] = {
        "sub": "citizen-1",
        "name": "张三",
        "id_number": PERSON,
        "now": intake.clock.now(),
    }
    return mint_identity_assertion(private, **(args | kw))


async def _exchange(intake: Intake, assertion: str | None) -> httpx.Response:
    data = {"grant_type": JWT_BEARER} | ({"assertion": assertion} if assertion is not None else {})
    return await intake.http.post("/v1/auth/token", data=data)


async def _login(intake: Intake, private: str, **kw: Any) -> dict[str, Any]:
    r = await _exchange(intake, _mint(intake, private, **kw))
    assert r.status_code == 200, r.text
    body: dict[str, Any] = r.json()
    return body


async def _me(intake: Intake, token: str) -> dict[str, Any]:
    r = await intake.http.get("/v1/me", headers=bearer(token))
    assert r.status_code == 200, r.text
    out: dict[str, Any] = r.json()
    return out


async def _count(intake: Intake, table: sa.Table) -> int:
    async with intake.ctx.transaction() as tx:
        return int(await tx.session.scalar(sa.select(sa.func.count()).select_from(table)) or 0)


async def test_an_assertion_creates_the_applicant_account_once_and_logs_the_person_in_again(
    intake: Intake, idp_keys: tuple[str, str]
) -> None:
    private, _ = idp_keys
    first = await _login(intake, private, phone="13800138000")
    assert first["roles"] == ["applicant"] and first["refresh_token"] and first["token_type"] == "bearer"
    claims = jwt.decode(first["access_token"], options={"verify_signature": False})
    assert claims["verified_identity"] is True and claims["name"] == "张三"
    me = await _me(intake, first["access_token"])
    assert me["role"] == "applicant" and me["name"] == "张三" and me["phone"] == "138****8000"

    intake.advance(minutes=1)
    second = await _login(intake, private)  # a new assertion (a new jti) of the same person
    assert (await _me(intake, second["access_token"]))["id"] == me["id"]
    assert await _count(intake, external_identities) == 1

    # Stored as intake stores ID numbers: sealed, masked, keyed digest; never in clear.
    async with intake.ctx.transaction() as tx:
        row = (
            (await tx.session.execute(sa.select(accounts).where(accounts.c.id == me["id"]))).mappings().one()
        )
    assert row["password_hash"] is None and PERSON not in str(dict(row))
    assert row["id_digest"] == intake.ctx.runtime.id_digest(PERSON)
    assert row["id_number_masked"] == PERSON[:6] + "********" + PERSON[-4:]
    sealed = Sealed.from_dict(row["id_number_sealed"])
    assert intake.ctx.runtime.sealer.open(sealed, context="id_number") == PERSON

    # The refresh grant works as for any login; no password logs in to this account.
    r = await intake.http.post(
        "/v1/auth/token", data={"grant_type": "refresh_token", "refresh_token": second["refresh_token"]}
    )
    assert r.status_code == 200, r.text
    r = await intake.http.post(
        "/v1/auth/token", data={"grant_type": "password", "username": me["username"], "password": "x" * 12}
    )
    assert r.status_code == 401 and r.json()["error"]["code"] == "invalid_credentials"


async def test_an_assertion_is_exchanged_once(intake: Intake, idp_keys: tuple[str, str]) -> None:
    assertion = _mint(intake, idp_keys[0])
    assert (await _exchange(intake, assertion)).status_code == 200
    r = await _exchange(intake, assertion)
    assert r.status_code == 401 and r.json()["error"]["code"] == "assertion_replayed"


async def test_each_refusal_is_a_4xx_with_its_code_and_creates_nothing(
    intake: Intake, idp_keys: tuple[str, str], caplog: pytest.LogCaptureFixture
) -> None:
    private, _ = idp_keys
    other, _ = generate_keypair()
    header, _payload, signature = _mint(intake, private).split(".")
    tampered = f"{header}.{_mint(intake, private, sub='citizen-2').split('.')[1]}.{signature}"
    bad_id = PERSON[:17] + ("0" if PERSON[17] != "0" else "1")
    no_name = jwt.encode(
        jwt.decode(_mint(intake, private), options={"verify_signature": False}) | {"name": None},
        private,
        algorithm="EdDSA",
    )
    cases = {
        "wrong key": (_mint(intake, other), 401, "assertion_invalid"),
        "wrong issuer": (_mint(intake, private, issuer="https://id.other.example"), 401, "assertion_invalid"),
        "wrong audience": (_mint(intake, private, audience="hukou-review"), 401, "assertion_invalid"),
        "expired": (
            _mint(intake, private, now=intake.clock.now() - timedelta(minutes=10)),
            401,
            "assertion_expired",
        ),
        "tampered": (tampered, 401, "assertion_invalid"),
        "missing claim": (no_name, 400, "assertion_claims_invalid"),
        "invalid ID number": (_mint(intake, private, id_number=bad_id), 400, "assertion_claims_invalid"),
        "no assertion": (None, 422, "validation_failed"),
    }
    with caplog.at_level(logging.DEBUG):
        for what, (assertion, status, code) in cases.items():
            r = await _exchange(intake, assertion)
            assert (r.status_code, r.json()["error"]["code"]) == (status, code), (what, r.text)
            assert r.json()["error"]["message"], what
    assert await _count(intake, external_identities) == 0
    # Neither the assertion nor the ID number reaches the log.
    assert PERSON not in caplog.text and bad_id not in caplog.text and signature not in caplog.text


async def test_without_an_identity_service_configured_the_grant_answers_503(
    infra: Infra, topic_prefix: str, tmp_path: Path
) -> None:
    private, _ = generate_keypair()
    async with running_intake(infra, topic_prefix, tmp_path) as intake:
        r = await _exchange(intake, _mint(intake, private))
        assert r.status_code == 503 and r.json()["error"]["code"] == "idp_not_configured"


async def test_the_account_declares_and_submits_under_its_verified_id_number_only(
    intake: Intake, idp_keys: tuple[str, str]
) -> None:
    await intake.create_round()
    employer = await intake.employer()
    token = (await _login(intake, idp_keys[0]))["access_token"]
    await intake.affiliate(token, employer)

    other = await intake.declare(token, birth=BIRTH, seq="003")  # somebody else's (valid) ID number
    assert other.status_code == 422
    assert other.json()["error"]["details"][0]["code"] == "id_number.not_verified_identity"

    r = await intake.declare(token, birth=BIRTH, seq="001")
    assert r.status_code == 201, r.text
    app_id = r.json()["id"]
    assert (await intake.confirm(employer, app_id, 1)).status_code == 200
    r = await intake.submit(token, app_id)
    assert r.status_code == 200 and r.json()["revision"] == 1, r.text


async def test_a_password_account_is_never_linked_even_under_the_same_id_number(
    intake: Intake, idp_keys: tuple[str, str]
) -> None:
    await intake.create_round()
    employer = await intake.employer()
    password_applicant = await intake.applicant()
    await intake.affiliate(password_applicant, employer)
    assert (await intake.declare(password_applicant, birth=BIRTH, seq="001")).status_code == 201

    verified = (await _login(intake, idp_keys[0]))["access_token"]
    assert (await _me(intake, verified))["id"] != (await _me(intake, password_applicant))["id"]
    # One application per person and round still holds across the two accounts.
    r = await intake.http.post(
        "/v1/affiliations", json={"employer_credit_code": "91110000600037341L"}, headers=bearer(verified)
    )
    assert r.status_code == 201, r.text
    r = await intake.http.post(f"/v1/affiliations/{r.json()['id']}/confirm", headers=bearer(employer))
    assert r.status_code == 200, r.text
    r = await intake.declare(verified, birth=BIRTH, seq="001")
    assert r.status_code == 409 and r.json()["error"]["code"] == "person_already_declared"


async def test_the_same_person_under_another_sub_shares_the_account_and_a_sub_cannot_change_person(
    intake: Intake, idp_keys: tuple[str, str]
) -> None:
    private = idp_keys[0]
    me = await _me(intake, (await _login(intake, private))["access_token"])
    again = await _me(intake, (await _login(intake, private, sub="citizen-1-reenrolled"))["access_token"])
    assert again["id"] == me["id"] and await _count(intake, external_identities) == 2

    r = await _exchange(intake, _mint(intake, private, id_number=synthetic_resident_id(BIRTH, 3)))
    assert r.status_code == 409 and r.json()["error"]["code"] == "external_identity_conflict"


async def test_concurrent_first_logins_of_one_person_make_one_account(
    intake: Intake, idp_keys: tuple[str, str]
) -> None:
    answers = await asyncio.gather(*(_exchange(intake, _mint(intake, idp_keys[0])) for _ in range(6)))
    assert [r.status_code for r in answers] == [200] * 6, [r.text for r in answers]
    ids = {(await _me(intake, r.json()["access_token"]))["id"] for r in answers}
    assert len(ids) == 1 and await _count(intake, external_identities) == 1


async def test_the_audit_trail_records_the_login(intake: Intake, idp_keys: tuple[str, str]) -> None:
    await _login(intake, idp_keys[0])
    async with intake.ctx.transaction() as tx:
        actions = list(await tx.session.scalars(sa.text("SELECT action FROM audit_chain ORDER BY seq")))
    assert "intake.identity_login" in actions
