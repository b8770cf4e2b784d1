"""Unit tests of the shared foundation: clock, log masking, settings, tokens and permissions."""

from __future__ import annotations

import io
import json
import logging
from datetime import date, datetime, timedelta
from pathlib import Path

import httpx
import pytest
from fastapi import APIRouter, FastAPI

from shared.api.auth import ISSUER, Authorizer, Role, generate_keypair, issue_token, roles, verify_token
from shared.api.errors import ApiError, install_error_handlers
from shared.clock import BEIJING, ManualClock, SharedOffsetClock, SystemClock
from shared.logging import JsonFormatter, correlation, mask_ids
from shared.settings import ServiceSettings
from shared.validation.identifiers import synthetic_resident_id

T0 = datetime(2026, 7, 1, 9, 0, tzinfo=BEIJING)


def test_system_clock_is_timezone_aware_beijing_time() -> None:
    now = SystemClock().now()
    assert now.tzinfo is not None and now.utcoffset() == timedelta(hours=8)


def test_manual_clock_only_moves_forward() -> None:
    c = ManualClock(T0)
    c.advance(timedelta(days=7))
    assert c.today().isoformat() == "2026-07-08"
    with pytest.raises(ValueError):
        c.advance(timedelta(seconds=-1))
    with pytest.raises(ValueError):
        ManualClock(datetime(2026, 1, 1))  # noqa: DTZ001 - naive on purpose


def test_shared_offset_clock_moves_every_process_reading_the_same_file(tmp_path: Path) -> None:
    f = tmp_path / "clock.json"
    a, b = SharedOffsetClock(f, refresh_s=0), SharedOffsetClock(f, refresh_s=0)
    before = b.now()
    a.advance(timedelta(days=730))
    assert b.now() - before >= timedelta(days=730)
    assert json.loads(f.read_text())["offset_seconds"] == 730 * 86400


def test_id_numbers_are_masked_in_log_lines_and_extra_fields() -> None:
    stream = io.StringIO()
    logger = logging.getLogger("test.mask")
    handler = logging.StreamHandler(stream)
    handler.setFormatter(JsonFormatter("test"))
    logger.addHandler(handler)
    try:
        with correlation("cid-1"):
            logger.warning(
                f"applicant {synthetic_resident_id(date(1949, 12, 31), 2)} declared",
                extra={"payload": {"id": synthetic_resident_id(date(1990, 1, 1), 123, "110105")[:-1] + "4"}},
            )
    finally:
        logger.removeHandler(handler)
    line = json.loads(stream.getvalue())
    assert (
        synthetic_resident_id(date(1949, 12, 31), 2, "110105") not in stream.getvalue()
        and synthetic_resident_id(date(1990, 1, 1), 123, "110105")[:-1] + "4" not in stream.getvalue()
    )
    assert line["msg"] == "applicant 110105********002X declared"
    assert line["payload"]["id"] == "110105********1234"
    assert line["correlation_id"] == "cid-1"
    assert mask_ids("order 123456789012345678901") == "order 123456789012345678901"


def test_settings_take_the_service_prefix_and_normalise_the_driver(monkeypatch: pytest.MonkeyPatch) -> None:
    from services.scoring.config import Settings

    monkeypatch.setenv("SCORING_DATABASE_URL", "postgresql://u@h:5432/db")
    monkeypatch.setenv("SCORING_KAFKA_BOOTSTRAP_SERVERS", "k:9092")
    s = Settings()
    assert s.database_url == "postgresql+asyncpg://u@h:5432/db"
    assert s.kafka_bootstrap_servers == "k:9092" and s.port == 8103 and s.service_name == "scoring"
    assert not s.kafka_enable_idempotence


def test_missing_database_url_is_a_clear_error() -> None:
    with pytest.raises(RuntimeError, match="DATABASE_URL"):
        ServiceSettings().require_database_url()


def test_tokens_verify_with_the_public_key_alone_and_expire_on_the_project_clock() -> None:
    priv, pub = generate_keypair()
    tok = issue_token(priv, subject="u1", roles=["bureau_staff"], now=T0, ttl=timedelta(minutes=15))
    p = verify_token(tok, pub, T0 + timedelta(minutes=5))
    assert p.subject == "u1" and p.has("bureau_staff") and p.claims["iss"] == ISSUER
    with pytest.raises(ApiError) as e:
        verify_token(tok, pub, T0 + timedelta(minutes=16))
    assert e.value.status == 401 and e.value.code == "token_expired"
    _, other_pub = generate_keypair()
    with pytest.raises(ApiError) as e2:
        verify_token(tok, other_pub, T0)
    assert e2.value.code == "invalid_token"


def _app(priv_pub: tuple[str, str]) -> FastAPI:
    _, pub = priv_pub
    clock = ManualClock(T0)
    table = {("GET", "/open"): roles(Role.PUBLIC), ("GET", "/staff"): roles(Role.BUREAU_STAFF)}
    authorize = Authorizer(table, pub, clock)
    from fastapi import Depends

    r = APIRouter(dependencies=[Depends(authorize)])

    @r.get("/open")
    async def open_() -> dict[str, str]:
        return {"ok": "yes"}

    @r.get("/staff")
    async def staff() -> dict[str, str]:
        return {"ok": "yes"}

    @r.get("/unlisted")
    async def unlisted() -> dict[str, str]:
        return {"ok": "yes"}

    app = FastAPI()
    install_error_handlers(app)
    app.include_router(r)
    return app


def _client(app: FastAPI) -> httpx.AsyncClient:
    return httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://t")


async def test_permission_table_enforced_401_403_and_unlisted_routes_closed() -> None:
    keys = generate_keypair()
    async with _client(_app(keys)) as client:
        assert (await client.get("/open")).status_code == 200
        r = await client.get("/staff")
        assert r.status_code == 401 and r.json()["error"]["code"] == "unauthenticated"
        tok = issue_token(keys[0], subject="a", roles=["applicant"], now=T0)
        r = await client.get("/staff", headers={"Authorization": f"Bearer {tok}"})
        assert r.status_code == 403 and "bureau_staff" in r.json()["error"]["message"]
        tok = issue_token(keys[0], subject="s", roles=["bureau_staff"], now=T0)
        assert (await client.get("/staff", headers={"Authorization": f"Bearer {tok}"})).status_code == 200
        assert (await client.get("/unlisted", headers={"Authorization": f"Bearer {tok}"})).status_code == 403
        assert (await client.get("/staff", headers={"Authorization": "Basic abc"})).status_code == 401


def test_sealed_values_open_only_with_their_key_and_context() -> None:
    import base64
    import os

    from shared.crypto import Sealer, SealError

    k1, k2 = (base64.b64encode(os.urandom(32)).decode() for _ in range(2))
    s1 = Sealer(k1)
    sealed = s1.seal(synthetic_resident_id(date(1949, 12, 31), 2, "110105"), context="id_number")
    assert synthetic_resident_id(date(1949, 12, 31), 2, "110105") not in str(sealed.as_dict())
    assert s1.open(sealed, context="id_number") == synthetic_resident_id(date(1949, 12, 31), 2, "110105")
    with pytest.raises(SealError):
        s1.open(sealed, context="reporter")
    with pytest.raises(SealError):
        Sealer(k2).open(sealed, context="id_number")
    rotated = Sealer(k2, old_keys_b64=(k1,))
    assert rotated.open(sealed, context="id_number") == synthetic_resident_id(date(1949, 12, 31), 2, "110105")
    assert (
        s1.digest("x", context="c")
        == Sealer(k1).digest("x", context="c")
        != Sealer(k2).digest("x", context="c")
    )
    with pytest.raises(SealError):
        Sealer(base64.b64encode(b"short").decode())


async def test_department_api_keys_are_scoped_principals() -> None:
    from fastapi import Depends

    from shared.api.auth import Principal, api_key_digest

    table = {("GET", "/push"): roles(Role.DEPARTMENT_CLIENT)}
    dept = Principal(subject="dept:tax", roles=frozenset({"department_client"}), department="tax")
    authorize = Authorizer(table, None, ManualClock(T0), {api_key_digest("k-tax-123"): dept})
    r = APIRouter(dependencies=[Depends(authorize)])

    @r.get("/push")
    async def push() -> dict[str, str]:
        return {"ok": "yes"}

    app = FastAPI()
    install_error_handlers(app)
    app.include_router(r)
    async with _client(app) as client:
        assert (await client.get("/push", headers={"X-API-Key": "k-tax-123"})).status_code == 200
        bad = await client.get("/push", headers={"X-API-Key": "nope"})
    assert bad.status_code == 401 and bad.json()["error"]["code"] == "invalid_api_key"


def test_tokens_are_judged_by_the_project_clock_even_when_it_runs_ahead_of_the_machine() -> None:
    priv, pub = generate_keypair()
    ahead = SystemClock().now() + timedelta(days=30)
    tok = issue_token(priv, subject="u1", roles=["bureau_staff"], now=ahead)
    assert verify_token(tok, pub, ahead + timedelta(minutes=1)).subject == "u1"
    with pytest.raises(ApiError):
        verify_token(tok, pub, ahead - timedelta(hours=1))  # issued in the future of the verifier
