"""Objections: only inside the period, validated input, rate-limited, and the reporter's identity sealed:
never in any response except the assigned investigator's logged unsealing."""

from __future__ import annotations

import logging
from datetime import date, timedelta
from typing import Any

import pytest
import sqlalchemy as sa

from services.publicity import jobs
from services.publicity.adapters.tables import objections, submissions
from shared.validation.identifiers import synthetic_resident_id
from tests.publicity.conftest import MakePub
from tests.publicity.helpers import PDF, PNG, REPORTER, PubEnv, beijing, feed, objection_form, round_of

pytestmark = pytest.mark.integration

LIST = "/v1/public/publicities/pts-2022/entries"
OBJECT = "/v1/public/publicities/pts-2022/objections"


async def open_round(env: PubEnv, n: int = 4) -> None:
    await feed(env.ctx, round_of(n))
    env.clock.set(beijing(2022, 7, 11, 9))
    report = await jobs.run_scheduled(env.ctx)
    assert report.opened == ["pts-2022"]


def leaks(text: str) -> list[str]:
    return [v for v in REPORTER.values() if v in text]


async def test_an_objection_is_accepted_only_inside_the_period_and_refused_with_the_periods_dates(
    pub: PubEnv,
) -> None:
    await feed(pub.ctx, round_of(3))
    assert (await jobs.run_scheduled(pub.ctx)).prepared == ["pts-2022"]  # ready, but the phase has not begun
    async with pub.http() as http:
        r = await http.post(OBJECT, data=objection_form(1))
        assert r.status_code == 409, r.text
        err = r.json()["error"]
        assert err["code"] == "publicity_not_open"
        assert "2022-07-11 00:00 – 2022-07-18 24:00" in err["message"]
        assert [d["message"] for d in err["details"]] == [
            "2022-07-11T00:00:00+08:00",
            "2022-07-19T00:00:00+08:00",
        ]
        assert (await http.get(LIST)).status_code == 404  # not on public view before it opens

        pub.clock.set(beijing(2022, 7, 11, 9, 30))
        assert (await jobs.run_scheduled(pub.ctx)).opened == ["pts-2022"]
        r = await http.post(
            OBJECT, data=objection_form(2), files=[("attachments", ("证明.pdf", PDF, "application/pdf"))]
        )
        assert r.status_code == 201, r.text
        receipt = r.json()
        assert receipt["objection_id"].startswith("OBJ-") and receipt["status"] == "received"
        assert receipt["period"]["starts_at"] == "2022-07-11T09:30:00+08:00"
        assert (
            receipt["period"]["ends_at"] == "2022-07-19T00:00:00+08:00"
            and receipt["period"]["ends_on"] == "2022-07-18"
        )
        assert receipt["attachments"] == [
            {"filename": "证明.pdf", "media_type": "application/pdf", "size": len(PDF)}
        ]
        assert not leaks(r.text)

        pub.clock.set(beijing(2022, 7, 18, 23, 59))
        assert (await http.post(OBJECT, data=objection_form(3))).status_code == 201  # the last minute counts

        pub.clock.set(beijing(2022, 7, 19, 0, 0))  # 24:00 of the 7th day; the closing job has not run yet
        r = await http.post(OBJECT, data=objection_form(1))
        assert r.status_code == 409 and r.json()["error"]["code"] == "publicity_period_over"
        assert "2022-07-11 09:30 – 2022-07-18 24:00" in r.json()["error"]["message"]
        gone = await http.get(LIST)
        assert gone.status_code == 410 and gone.json()["error"]["code"] == "publicity_closed"
        page = await http.get("/public/publicities/pts-2022")
        assert page.status_code == 410 and "名单已按规定撤下" in page.text and "王伟" not in page.text
        await jobs.run_scheduled(pub.ctx)
        r = await http.post(OBJECT, data=objection_form(1))
        assert r.status_code == 409 and r.json()["error"]["code"] == "publicity_period_over"
        # the archived copy stays for staff
        staff = await http.get("/v1/publicities/pts-2022/entries", headers=pub.token())
        assert staff.status_code == 200 and staff.json()["total"] == 3


async def test_bad_input_is_422_with_the_shared_error_shape_never_500(make_pub: MakePub) -> None:
    env = await make_pub(objection_max_attachment_bytes=2048, objection_max_attachments=2)
    await open_round(env, 2)

    async def post(
        data: dict[str, str] | None = None, files: Any = None, **kw: Any
    ) -> tuple[int, dict[str, Any]]:
        async with env.http() as http:
            r = await http.post(OBJECT, data=data, files=files, **kw)
        body = r.json()
        assert set(body) == {"error"} and {"code", "message", "details", "correlation_id"} <= set(
            body["error"]
        )
        return r.status_code, body["error"]

    def fields(err: dict[str, Any]) -> dict[str, str]:
        return {d["field"]: d["code"] for d in err["details"]}

    status, err = await post(
        objection_form(
            1,
            reporter_id_number=synthetic_resident_id(date(1949, 12, 31), 2, "110105")[:-1] + "1",
            reporter_phone="12345",
        )
    )
    assert status == 422 and fields(err) == {
        "reporter_id_number": "id_number.check_digit",
        "reporter_phone": "mobile_number.format",
    }
    assert synthetic_resident_id(date(1949, 12, 31), 2, "110105")[:-1] + "1" not in str(
        err
    )  # rejected ID numbers are not echoed
    status, err = await post({"entry_no": "abc", "reporter_name": "", "text": "短"})
    assert status == 422 and {
        "entry_no",
        "reporter_name",
        "reporter_id_number",
        "reporter_phone",
        "text",
    } <= set(fields(err))
    status, err = await post(objection_form(99))
    assert status == 422 and fields(err) == {"entry_no": "entry.not_found"}
    status, err = await post(objection_form(1), files=[("attachments", ("x.gif", b"GIF89a...", "image/png"))])
    assert status == 422 and fields(err) == {
        "attachments[0]": "file.type"
    }  # the declared type is not trusted
    status, err = await post(
        objection_form(1), files=[("attachments", ("big.png", PNG + b"\x00" * 4096, "image/png"))]
    )
    assert status == 413 and err["code"] == "payload_too_large"
    status, err = await post(
        objection_form(1), files=[("attachments", (f"{i}.png", PNG, "image/png")) for i in range(3)]
    )
    assert status == 422 and err["code"] == "invalid_form"
    status, err = await post(objection_form(1, text="x" * 6000))
    assert status == 422 and fields(err) == {"text": "string_too_long"}
    status, err = await post(json=objection_form(1))
    assert status == 415
    status, err = await post(
        content=b"--zz\r\ngarbage", headers={"content-type": "multipart/form-data; boundary=zz"}
    )
    assert status == 422
    status, err = await post(content=b"\xff\xfe", headers={"content-type": "multipart/form-data"})
    assert status == 422
    async with env.http() as http:
        for url in (
            f"{LIST}?limit=abc",
            f"{LIST}?limit=0",
            f"{LIST}?q={'x' * 51}",
            f"{LIST}?sort=name",
            "/public/publicities/pts-2022?page=0",
            "/v1/public/publicities?offset=-1",
        ):
            r = await http.get(url)
            assert r.status_code == 422, url
            assert r.json()["error"]["code"] == "validation_failed"
        html = await http.post(
            OBJECT, data=objection_form(1, reporter_phone="12"), headers={"accept": "text/html"}
        )
        assert html.status_code == 422 and html.headers["content-type"].startswith("text/html")
        assert "填写有误" in html.text and "联系电话" in html.text and REPORTER["id_number"] not in html.text
        page = await http.get("/public/publicities/none", headers={"accept": "text/html"})
        assert page.status_code == 404 and "未找到" in page.text
        # what PostgreSQL would refuse (NUL characters, integers beyond its range) is a 422, never a 500
        for url in (
            f"{LIST}?q=%00",
            "/v1/public/publicities/pts%00/entries",
            "/public/publicities/pts-2022?q=a%00b",
            "/v1/publicities?offset=99999999999999999999",
            "/v1/publicities/pts-2022/objections?entry_no=99999999999999999999",
            "/v1/objections/OBJ%00/identity-access-log",
        ):
            r = await http.get(url, headers=env.token())
            assert r.status_code == 422, (url, r.status_code)
        status, err = await post(objection_form(1, text="正文\x00正文正文正文正文正文"))
        assert status == 422 and fields(err) == {"text": "value_error"}
        r = await http.post(
            "/v1/objections/OBJ-X/assign", json={"investigator": "s\x00"}, headers=env.token()
        )
        assert r.status_code == 422
        assert (await http.get(f"/v1/public/publicities/{'x' * 141}/entries")).status_code == 422
        assert (await http.get("/v1/public/publicities/none/entries")).status_code == 404
        assert (
            await http.post("/v1/public/publicities/none/objections", data=objection_form(1))
        ).status_code == 404
        h = env.token()
        r = await http.post(
            "/v1/objections/OBJ-X/decision", json={"decision": "upheld", "note": "n"}, headers=h
        )
        assert r.status_code == 422 and "reason" in r.text
        upheld = {"decision": "upheld", "note": "n", "reason": "申报材料不实"}
        r = await http.post("/v1/objections/OBJ-X/decision", json=upheld, headers=h)
        assert r.status_code == 422 and "reason_code" in r.text  # the structured code is required
        r = await http.post(
            "/v1/objections/OBJ-X/decision", json={**upheld, "reason_code": "lying"}, headers=h
        )
        assert r.status_code == 422 and "reason_code" in r.text
        r = await http.post(
            "/v1/objections/OBJ-X/decision",
            json={"decision": "dismissed", "note": "n", "reason_code": "fraud"},
            headers=h,
        )
        assert r.status_code == 422  # a code only goes with an upheld objection
        r = await http.post(
            "/v1/objections/OBJ-X/decision", json={"decision": "maybe", "note": "n"}, headers=h
        )
        assert r.status_code == 422
        r = await http.post("/v1/objections/OBJ-X/assign", json={"investigator": "s", "extra": 1}, headers=h)
        assert r.status_code == 422
        r = await http.post("/v1/objections/OBJ-X/reporter-identity", content=b"{", headers=h)
        assert r.status_code == 422
        assert (await http.get("/v1/objections/OBJ-X/attachments/abc", headers=h)).status_code == 422
        assert (await http.get("/v1/objections/OBJ-X", headers=h)).status_code == 404


async def test_the_public_objection_endpoint_is_rate_limited_per_client_with_retry_after(
    make_pub: MakePub,
) -> None:
    env = await make_pub(objection_rate_capacity=2, objection_rate_per_hour=60)
    await open_round(env, 2)
    async with env.http("198.51.100.1") as a, env.http("198.51.100.2") as b:
        assert (await a.post(OBJECT, data=objection_form(1))).status_code == 201
        assert (
            await a.post(OBJECT, data=objection_form(1, reporter_phone="1"))
        ).status_code == 422  # still counts
        r = await a.post(OBJECT, data=objection_form(1))
        assert r.status_code == 429 and r.headers["retry-after"] == "60"
        assert r.json()["error"]["code"] == "rate_limited"
        assert (await b.post(OBJECT, data=objection_form(2))).status_code == 201  # another client
        env.clock.advance(timedelta(seconds=60))
        assert (await a.post(OBJECT, data=objection_form(1))).status_code == 201
        html = await a.post(OBJECT, data=objection_form(1), headers={"accept": "text/html"})
        assert html.status_code == 429 and "提交过于频繁" in html.text and html.headers["retry-after"]


async def test_the_sealed_identity_is_never_in_any_response_for_the_wrong_role(
    pub: PubEnv, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO)
    await open_round(pub, 2)
    async with pub.http() as http:
        r = await http.post(
            OBJECT, data=objection_form(2), files=[("attachments", ("a.png", PNG, "image/png"))]
        )
        assert r.status_code == 201
        oid = r.json()["objection_id"]
        # at rest: sealed, bound to the objection
        async with pub.ctx.session_factory() as s:
            row = (
                (await s.execute(sa.select(objections).where(objections.c.objection_id == oid)))
                .mappings()
                .one()
            )
            dump = str(dict(row))
            assert not leaks(dump) and set(row["reporter_identity"]) == {
                "alg",
                "key_id",
                "nonce",
                "ciphertext",
            }
            assert (
                await s.scalar(sa.select(sa.func.count()).select_from(submissions))
            ) == 0  # purged after snapshot
        staff = pub.token("bureau_staff", "staff-1")
        r = await http.post(
            f"/v1/objections/{oid}/assign",
            json={"investigator": "staff-7", "note": "住所核查"},
            headers=staff,
        )
        assert r.status_code == 200 and r.json()["status"] == "assigned"

        att_id = (await http.get(f"/v1/objections/{oid}", headers=staff)).json()["attachments"][0]["id"]
        reads = [
            "/v1/public/publicities",
            LIST,
            "/public/publicities",
            "/public/publicities/pts-2022",
            "/v1/publicities",
            "/v1/publicities/pts-2022",
            "/v1/publicities/pts-2022/entries",
            "/v1/publicities/pts-2022/objections",
            f"/v1/objections/{oid}",
            f"/v1/objections/{oid}/attachments/{att_id}",
            f"/v1/objections/{oid}/identity-access-log",
            "/v1/rounds/pts-2022/publicity-readiness",
        ]
        callers: dict[str, dict[str, str]] = {
            "anonymous": {},
            "applicant": pub.token("applicant", "PTS-000002"),
            "employer_admin": pub.token("employer_admin", "emp-1"),
            "supervising_unit": pub.token("supervising_unit", "unit-1"),
            "department_client": pub.token("department_client", "dept-1"),
            "operations_admin": pub.token("operations_admin", "ops-1"),
            "bureau_staff, not the investigator": staff,
        }
        for who, headers in callers.items():
            for url in reads:
                r = await http.get(url, headers=headers)
                assert r.status_code < 500 and not leaks(r.text), (who, url)
            r = await http.post(
                f"/v1/objections/{oid}/reporter-identity",
                json={"reason": "核查需要联系举报人"},
                headers=headers,
            )
            assert r.status_code in (401, 403), (who, r.status_code)
            assert not leaks(r.text)
        assert (await http.get(f"/v1/objections/{oid}", headers=callers["applicant"])).status_code == 403
        assert (
            await http.get(f"/v1/objections/{oid}", headers=callers["operations_admin"])
        ).status_code == 403

        investigator = pub.token("bureau_staff", "staff-7")
        r = await http.post(f"/v1/objections/{oid}/reporter-identity", json={}, headers=investigator)
        assert r.status_code == 422  # a reason is required
        r = await http.post(
            f"/v1/objections/{oid}/reporter-identity",
            json={"reason": "联系举报人补充房产证明材料"},
            headers=investigator,
        )
        assert r.status_code == 200 and r.headers["cache-control"] == "no-store"
        assert r.json()["reporter"] == {
            "name": REPORTER["name"],
            "id_number": REPORTER["id_number"],
            "phone": REPORTER["phone"],
        }
        log = await http.get(f"/v1/objections/{oid}/identity-access-log", headers=callers["operations_admin"])
        assert log.status_code == 200 and not leaks(log.text)
        [entry] = log.json()["items"]
        assert entry["accessed_by"] == "staff-7" and entry["reason"] == "联系举报人补充房产证明材料"
        assert entry["at"] == "2022-07-11T09:00:00+08:00" and entry["roles"] == "bureau_staff"
        # after reading the identity, the other views still do not carry it
        assert not leaks((await http.get(f"/v1/objections/{oid}", headers=investigator)).text)
    assert not leaks(caplog.text)
