"""Password guessing: a few wrong passwords in a row lock the account for a while, by the service clock."""

from __future__ import annotations

import asyncio
from datetime import timedelta
from pathlib import Path

import jwt
import pytest

from services.intake.adapters.records import AccountView
from services.intake.adapters.security import Passwords
from tests.intake.support import Intake, bearer, running_intake
from tests.support.infra import Infra

pytestmark = pytest.mark.integration


async def _login(intake: Intake, username: str, password: str) -> tuple[int, dict]:
    r = await intake.http.post(
        "/v1/auth/token", data={"grant_type": "password", "username": username, "password": password}
    )
    return r.status_code, r.json() | {"_retry_after": r.headers.get("retry-after")}


async def _register(intake: Intake, username: str) -> None:
    r = await intake.http.post(
        "/v1/accounts/applicants",
        json={"username": username, "password": "right-pass-2024", "name": "王五", "phone": "13800138000"},
    )
    assert r.status_code == 201, r.text


async def test_five_wrong_passwords_lock_the_account_until_the_time_it_names(intake: Intake) -> None:
    await _register(intake, "wangwu")
    for _ in range(4):
        status, body = await _login(intake, "wangwu", "wrong-pass-0000")
        assert status == 401 and body["error"]["code"] == "invalid_credentials"
    status, body = await _login(intake, "wangwu", "wrong-pass-0000")
    assert status == 429 and body["error"]["code"] == "account_locked"
    assert "locked until" in body["error"]["message"] and "锁定" in body["error"]["message"]
    assert body["_retry_after"] == "900"

    # Locked: even the right password is refused, and says until when.
    status, body = await _login(intake, "wangwu", "right-pass-2024")
    assert status == 429 and body["error"]["code"] == "account_locked"

    intake.advance(minutes=15, seconds=1)
    status, body = await _login(intake, "wangwu", "right-pass-2024")
    assert status == 200, body


async def test_a_good_login_resets_the_count_and_unknown_users_are_never_told_apart(intake: Intake) -> None:
    await _register(intake, "zhaoliu")
    for _ in range(4):
        assert (await _login(intake, "zhaoliu", "wrong-pass-0000"))[0] == 401
    assert (await _login(intake, "zhaoliu", "right-pass-2024"))[0] == 200
    for _ in range(4):  # a fresh count: four more wrong ones do not lock
        assert (await _login(intake, "zhaoliu", "wrong-pass-0000"))[0] == 401
    assert (await _login(intake, "zhaoliu", "right-pass-2024"))[0] == 200

    for _ in range(8):  # no such account: always the same 401, nothing to lock
        status, body = await _login(intake, "nobody-here", "wrong-pass-0000")
        assert status == 401 and body["error"]["code"] == "invalid_credentials"


async def _account(intake: Intake, username: str) -> AccountView:
    async with intake.ctx.transaction() as tx:
        row = await tx.repo.account_by_username(username)
    assert row is not None
    return row


async def test_concurrent_guesses_lock_exactly_once_at_the_fifth_and_the_count_is_exact(
    infra: Infra, topic_prefix: str, tmp_path: Path
) -> None:
    """Issue 12, finding 7: sixteen wrong passwords at once (a pool large enough for all of them to be in
    flight together). The rule: the 5th failure in a row locks the account for 15 minutes; failures while
    it is locked are not counted and do not extend the lock. So exactly four 401s, twelve 429s, one lock,
    whatever the interleaving."""
    async with running_intake(infra, topic_prefix, tmp_path, db_pool_size=16) as intake:
        await _register(intake, "sunqi")
        guesses = (_login(intake, "sunqi", f"wrong-pass-{i:04d}") for i in range(16))
        results = await asyncio.gather(*guesses)
        statuses = sorted(status for status, _ in results)
        assert statuses == [401] * 4 + [429] * 12, statuses
        assert {body["error"]["code"] for status, body in results if status == 429} == {"account_locked"}
        row = await _account(intake, "sunqi")
        assert row["locked_until"] == intake.clock.now() + timedelta(seconds=900)
        assert (
            row["failed_logins"] == 0
        )  # the lock started a new count; those refused while locked are not in it
        assert (await _login(intake, "sunqi", "right-pass-2024"))[0] == 429

        # Fewer than five at once: every one is counted (no lost update), none locks.
        await _register(intake, "sunqi2")
        results = await asyncio.gather(*(_login(intake, "sunqi2", f"wrong-pass-{i:04d}") for i in range(4)))
        assert sorted(s for s, _ in results) == [401] * 4
        assert (await _account(intake, "sunqi2"))["failed_logins"] == 4
        assert (await _login(intake, "sunqi2", "wrong-pass-0005"))[0] == 429


async def test_guesses_while_locked_do_not_extend_the_lock(intake: Intake) -> None:
    await _register(intake, "qianjiu")
    for _ in range(5):
        await _login(intake, "qianjiu", "wrong-pass-0000")
    intake.advance(minutes=14)
    for _ in range(5):
        assert (await _login(intake, "qianjiu", "wrong-pass-0000"))[0] == 429
    intake.advance(minutes=1, seconds=1)
    assert (await _login(intake, "qianjiu", "right-pass-2024"))[0] == 200


async def test_a_lock_set_from_elsewhere_does_not_keep_the_owner_out(intake: Intake) -> None:
    """Nobody can keep an account's owner out (nor root's): on the network of the account's last good
    login the right password still works while the lock stands for everyone else."""
    admin_token = await intake.staff("operations_admin", username="root")
    assert admin_token
    owner = intake.client_at("203.0.113.10")
    attacker = intake.client_at("2001:db8:beef:1::66")
    form = {"grant_type": "password", "username": "root"}
    try:
        assert (
            await owner.post("/v1/auth/token", data=form | {"password": "staff-pass-2024"})
        ).status_code == 200
        for i in range(5):
            await attacker.post("/v1/auth/token", data=form | {"password": f"guess-{i}"})
        r = await attacker.post("/v1/auth/token", data=form | {"password": "staff-pass-2024"})
        assert r.status_code == 429 and r.json()["error"]["code"] == "account_locked", r.text
        r = await owner.post("/v1/auth/token", data=form | {"password": "staff-pass-2024"})
        assert r.status_code == 200, r.text
        # The owner's login does not lift the lock for the attacker's network.
        r = await attacker.post("/v1/auth/token", data=form | {"password": "staff-pass-2024"})
        assert r.status_code == 429, r.text
    finally:
        await owner.aclose()
        await attacker.aclose()


async def test_failed_requests_are_limited_per_client_network(intake: Intake) -> None:
    """A client network (an IPv4 address, an IPv6 /64) may fail 20 times at once, then 10 a minute: 429
    ``rate_limited`` with Retry-After, before any password is checked. Good logins are not counted."""
    await _register(intake, "goodone")
    guesser = intake.client_at("2001:db8:1:2::5")
    neighbour = intake.client_at("2001:db8:1:2:ffff::9")  # the same /64
    elsewhere = intake.client_at("2001:db8:1:3::5")
    try:
        for i in range(25):  # good logins take nothing from the bucket
            r = await guesser.post(
                "/v1/auth/token",
                data={"grant_type": "password", "username": "goodone", "password": "right-pass-2024"},
            )
            assert r.status_code == 200, (i, r.text)
        bad = {"grant_type": "password", "username": "nobody-here", "password": "wrong-pass-0000"}
        refused = 0
        for _ in range(30):
            r = await guesser.post("/v1/auth/token", data=bad)
            if r.status_code != 401:
                break
            refused += 1
        # 20 at once, plus what refilled (10 a minute) while they were hashed.
        assert 20 <= refused < 25, refused
        assert r.status_code == 429 and r.json()["error"]["code"] == "rate_limited", r.text
        assert int(r.headers["retry-after"]) >= 1
        r = await neighbour.post(
            "/v1/auth/token",
            data={"grant_type": "password", "username": "goodone", "password": "right-pass-2024"},
        )
        assert r.status_code == 429 and r.json()["error"]["code"] == "rate_limited", r.text
        assert (await elsewhere.post("/v1/auth/token", data=bad)).status_code == 401
    finally:
        for c in (guesser, neighbour, elsewhere):
            await c.aclose()


class _Watching(Passwords):
    """The password hasher, noting how many pooled connections are checked out while argon2 runs."""

    def __init__(self, intake: Intake) -> None:
        super().__init__()
        self.intake = intake
        self.checked_out: list[int] = []

    def _note(self) -> None:
        self.checked_out.append(self.intake.ctx.engine.pool.checkedout())  # type: ignore[attr-defined]

    async def hash(self, password: str) -> str:
        self._note()
        return await super().hash(password)

    async def verify(self, stored_hash: str | None, password: str) -> bool:
        self._note()
        return await super().verify(stored_hash, password)


async def test_argon2_runs_with_no_transaction_open(intake: Intake) -> None:
    """Issue 12, finding 7: a hash inside a transaction held a pooled connection for its whole length
    (about 60 logins a second took all of intake's connections)."""
    watching = _Watching(intake)
    intake.ctx.runtime.passwords = watching
    await _register(intake, "zhengshi")
    assert (await _login(intake, "zhengshi", "right-pass-2024"))[0] == 200
    assert (await _login(intake, "zhengshi", "wrong-pass-0000"))[0] == 401
    assert (await _login(intake, "nobody-here", "wrong-pass-0000"))[0] == 401
    assert len(watching.checked_out) >= 4 and set(watching.checked_out) == {0}, watching.checked_out


async def test_an_operations_administrator_lifts_the_lock(intake: Intake) -> None:
    await _register(intake, "zhouba")
    for _ in range(5):
        await _login(intake, "zhouba", "wrong-pass-0000")
    admin = await intake.staff("operations_admin")
    page = (await intake.http.get("/v1/accounts?role=applicant", headers=bearer(admin))).json()
    account = next(a for a in page["items"] if a["username"] == "zhouba")
    assert account["locked_until"] is not None

    r = await intake.http.post(f"/v1/accounts/{account['id']}/enable", headers=bearer(admin))
    assert r.status_code == 200 and r.json()["locked_until"] is None
    assert (await _login(intake, "zhouba", "right-pass-2024"))[0] == 200


async def test_access_tokens_name_their_signing_key_which_intake_publishes(intake: Intake) -> None:
    """Issue 12, finding 8: a ``kid`` header, so that verifiers can hold several keys during a rotation."""
    await _register(intake, "kidtest")
    r = await intake.http.post(
        "/v1/auth/token",
        data={"grant_type": "password", "username": "kidtest", "password": "right-pass-2024"},
    )
    assert r.status_code == 200, r.text
    kid = jwt.get_unverified_header(r.json()["access_token"])["kid"]
    keys = (await intake.http.get("/v1/auth/keys")).json()["keys"]
    assert keys[0]["kid"] == kid and keys[0]["kty"] == "OKP" and keys[0]["crv"] == "Ed25519"
