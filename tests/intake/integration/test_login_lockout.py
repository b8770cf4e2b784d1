"""Password guessing: a few wrong passwords in a row lock the account for a while, by the service clock."""

from __future__ import annotations

import asyncio

import pytest

from tests.intake.support import Intake, bearer

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


async def test_concurrent_guesses_are_all_counted(intake: Intake) -> None:
    await _register(intake, "sunqi")
    results = await asyncio.gather(*(_login(intake, "sunqi", f"wrong-pass-{i:04d}") for i in range(10)))
    statuses = sorted(status for status, _ in results)
    # However the ten interleave, the fifth failure locks: at most four plain 401s.
    assert statuses.count(401) <= 4 and statuses.count(429) >= 6, statuses
    assert (await _login(intake, "sunqi", "right-pass-2024"))[0] == 429


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
