"""Loading an official year's schedule the pinned package does not know (2027 is not in chinesecalendar
1.11.0): validated, written to the operator's file, picked up by every process, recorded in the data
version of each deadline; a year that is not loaded keeps failing closed with a clear error."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi import FastAPI

import shared.api.ops as ops_module
from shared.api.auth import generate_keypair, issue_token
from shared.calendar import CalendarYearUnknown, default_calendar, graduate_publicity_period
from shared.calendar.__main__ import main as calendar_cli
from shared.calendar.data import OPERATOR_FILE_ENV
from shared.clock import ManualClock
from shared.service import create_service_app
from shared.settings import ServiceSettings

# A 2027 schedule for the tests (the shape of a State Council notice; the dates are the test's own).
SPRING = [f"2027-02-{d:02d}" for d in range(6, 13)]
YEAR_2027: dict[str, Any] = {
    "source": "test schedule for 2027 (shape of 国务院办公厅关于2027年部分节假日安排的通知)",
    "holidays": ["2027-01-01", *SPRING, "2027-10-01", "2027-10-04"],
    "make_up_working_days": ["2027-02-13", "2027-02-14"],  # a Saturday and a Sunday
}


@pytest.fixture
def operator_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    path = tmp_path / "calendar" / "operator.json"
    monkeypatch.setenv(OPERATOR_FILE_ENV, str(path))
    return path


def _write_entry(tmp_path: Path, entry: dict[str, Any]) -> Path:
    p = tmp_path / "notice.json"
    p.write_text(json.dumps(entry, ensure_ascii=False))
    return p


def test_a_year_not_loaded_fails_closed_naming_the_year(operator_file: Path) -> None:
    with pytest.raises(CalendarYearUnknown, match="2027"):
        graduate_publicity_period(date(2027, 3, 1))


def test_the_cli_loads_a_year_and_every_later_deadline_uses_it_and_records_the_version(
    operator_file: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    before = default_calendar().data_version
    assert calendar_cli(["load", "--year", "2027", "--file", str(_write_entry(tmp_path, YEAR_2027))]) == 0
    assert "loaded 2027" in capsys.readouterr().out
    cal = default_calendar()
    assert cal.data_version != before and "+operator-" in cal.data_version
    # Opened on Friday 2027-02-05: the Spring Festival days off do not count, the make-up Saturday and
    # Sunday do: 02-08..02-12 off, so the five working days are 02-13, 02-14, 02-15, 02-16, 02-17.
    period = graduate_publicity_period(date(2027, 2, 5))
    assert period.due_date == date(2027, 2, 17)
    assert period.calendar_version == cal.data_version


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"make_up_working_days": ["2027-02-15"]}, "weekend"),
        ({"holidays": ["2026-12-31"]}, "in 2027"),
        ({"source": " "}, "source"),
        ({"holidays": []}, "must not be empty"),
        ({"holidays": ["2027-02-30"]}, "valid"),
        ({"make_up_working_days": ["2027-02-06"]}, "holiday and make-up"),
    ],
)
def test_an_invalid_schedule_is_refused_and_nothing_is_written(
    operator_file: Path,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    change: dict[str, Any],
    message: str,
) -> None:
    entry = {**YEAR_2027, **change}
    assert calendar_cli(["load", "--year", "2027", "--file", str(_write_entry(tmp_path, entry))]) == 2
    assert message in capsys.readouterr().err
    assert not operator_file.exists()


def _app(priv_pub: tuple[str, str]) -> FastAPI:
    settings = ServiceSettings(
        service_name="intake", database_url="postgresql://u@127.0.0.1:1/none", jwt_public_key=priv_pub[1]
    )
    return create_service_app(
        settings,
        title="t",
        description="t",
        routers=[],
        permissions={},
        clock=ManualClock(datetime(2026, 12, 1, tzinfo=UTC)),
    )


async def test_operations_load_a_year_through_the_api_and_bureau_staff_read_it(operator_file: Path) -> None:
    keys = generate_keypair()
    app = _app(keys)
    now = datetime(2026, 12, 1, tzinfo=UTC)

    def auth(role: str) -> dict[str, str]:
        return {"Authorization": f"Bearer {issue_token(keys[0], subject='u1', roles=[role], now=now)}"}

    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://t") as c:
        r = await c.put("/v1/ops/calendar/years/2027", json=YEAR_2027, headers=auth("bureau_staff"))
        assert r.status_code == 403
        bad = {**YEAR_2027, "make_up_working_days": ["2027-02-15"]}
        r = await c.put("/v1/ops/calendar/years/2027", json=bad, headers=auth("operations_admin"))
        assert r.status_code == 422 and r.json()["error"]["code"] == "calendar_invalid"
        assert not operator_file.exists()  # noqa: ASYNC240 (a test, on a tmp file)
        r = await c.get("/v1/ops/calendar", params={"year": 2027}, headers=auth("bureau_staff"))
        assert r.status_code == 404 and r.json()["error"]["code"] == "calendar_year_unknown"
        r = await c.put("/v1/ops/calendar/years/2027", json=YEAR_2027, headers=auth("operations_admin"))
        assert r.status_code == 200, r.text
        body = r.json()
        assert 2027 in body["years"] and "+operator-" in body["data_version"]
        assert body["schedule"]["make_up_working_days"] == ["2027-02-13", "2027-02-14"]
        r = await c.get("/v1/ops/calendar", params={"year": 2027}, headers=auth("bureau_staff"))
        assert r.status_code == 200 and r.json()["schedule"]["source"].startswith("test schedule")


async def test_a_read_only_calendar_file_answers_503_not_500(
    operator_file: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """On Kubernetes the file is a read-only ConfigMap: the upload is refused with a clear 503."""

    def read_only(*_: object) -> None:
        raise PermissionError(13, "Read-only file system")

    monkeypatch.setattr(ops_module, "write_operator_year", read_only)
    keys = generate_keypair()
    token = issue_token(
        keys[0], subject="ops", roles=["operations_admin"], now=datetime(2026, 12, 1, tzinfo=UTC)
    )
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=_app(keys)), base_url="http://t") as c:
        r = await c.put(
            "/v1/ops/calendar/years/2027", json=YEAR_2027, headers={"Authorization": f"Bearer {token}"}
        )
    assert r.status_code == 503, r.text
    assert r.json()["error"]["code"] == "calendar_not_writable"
    assert "Read-only file system" in r.json()["error"]["message"]
