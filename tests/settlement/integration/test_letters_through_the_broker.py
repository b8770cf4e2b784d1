"""Through the real broker: a cleared outcome becomes a letter (whatever the order of the holder's data),
its PDF and QR code lead to a verification page that says valid, then revoked; a duplicate outcome
issues nothing more; a qualification left unused lapses by itself two years on (and bad-conduct records
end after five)."""

from __future__ import annotations

import asyncio
import shutil
from datetime import timedelta
from pathlib import Path
from urllib.parse import urlparse

import pytest
from PIL import Image

from services.settlement.adapters.pdf import QR_SIZE, QR_X, QR_Y
from services.settlement.worker import run_jobs_once
from tests.settlement.integration.conftest import IDS, OUTPUT, Env
from tests.settlement.qr_decode import decode

pytestmark = pytest.mark.integration


async def run(argv: list[str]) -> str:
    """Run a poppler tool without blocking the event loop (the worker runs in it)."""
    proc = await asyncio.create_subprocess_exec(*argv, stdout=asyncio.subprocess.PIPE)
    out, _ = await proc.communicate()
    assert proc.returncode == 0, argv
    return out.decode()


def of_type(events: list[dict], type_: str) -> list[dict]:  # type: ignore[type-arg]
    return [e for e in events if e["type"] == type_]


async def test_a_cleared_applicant_gets_a_pdf_letter_whose_qr_code_opens_a_page_saying_valid_then_revoked(
    live: Env, tmp_path: Path
) -> None:
    env = live
    # The outcome arrives before the holder's data (different topics, no order between them).
    await env.publish((env.round_event(), "pts-2022"), (env.outcome("PTS-A"), "PTS-A"))
    await env.wait_for(lambda: _status(env, "PTS-A", "pending_holder"))
    await env.publish((env.submitted("PTS-A", name="张三丰", id_number=IDS[0]), "PTS-A"))
    events = await env.bus_events(until=1)
    issued = of_type(events, "letter.issued")
    assert len(issued) == 1
    ev = issued[0]
    assert ev["subject"] == "PTS-A" and ev["correlation_id"] == "test"
    assert ev["data"]["letter_type"] == "points_qualification_confirmation"
    serial = ev["data"]["serial_number"]
    assert serial == "PTS-2022-QC-000001" and ev["data"]["issued_on"] == "2022-07-19"

    async with env.http() as http:
        staff = env.token()
        letter = (await http.get(f"/v1/letters/{serial}", headers=staff)).json()
        assert letter["holder_name"] == "张三丰" and letter["holder_id_masked"] == "110105********0019"
        assert "北京市2022年度积分落户资格" in letter["body"] and "二〇二四年七月十八日" in letter["body"]
        r = await http.get(f"/v1/letters/{serial}/pdf", headers=staff)
        assert r.status_code == 200 and r.headers["content-type"] == "application/pdf"
        pdf = tmp_path / "letter.pdf"
        pdf.write_bytes(r.content)

        # The text a machine reads off the PDF: title, holder, date in Chinese, authority.
        text = await run(["pdftotext", "-enc", "UTF-8", str(pdf), "-"])
        assert "积分落户资格确认单" in text and "张三丰" in text
        assert "二〇二二年七月十九日" in text and "北京市人力资源和社会保障局" in text and serial in text

        # One letter as an image, for people to look at (test-output/ is not committed).
        OUTPUT.mkdir(parents=True, exist_ok=True)
        dpi = 200
        await run(
            [
                "pdftoppm",
                "-r",
                str(dpi),
                "-png",
                "-singlefile",
                str(pdf),
                str(OUTPUT / "qualification-confirmation"),
            ]
        )
        page = Image.open(OUTPUT / "qualification-confirmation.png")
        shutil.copy(pdf, OUTPUT / "qualification-confirmation.pdf")

        # The QR code, read back from the rendered page, is the verification address.
        px = dpi / 25.4
        url = decode(
            page.crop(
                (int(QR_X * px), int(QR_Y * px), int((QR_X + QR_SIZE) * px), int((QR_Y + QR_SIZE) * px))
            )
        )
        assert url == letter["verify_url"] and url.startswith("https://settlement.example.gov.cn/verify/")
        path = urlparse(url).path
        token = path.rsplit("/", 1)[1]
        assert len(token) >= 32

        page_html = await http.get(path)  # no credentials: the public page
        assert page_html.status_code == 200 and 'data-status="valid"' in page_html.text
        assert "张**" in page_html.text and "张三丰" not in page_html.text and serial in page_html.text
        assert "110105" not in page_html.text and page_html.headers["cache-control"] == "no-store"
        js = (await http.get(f"/v1/verify/{token}")).json()
        assert js["status"] == "valid" and js["holder"] == "张**" and js["serial_number"] == serial
        assert set(js) == {
            "status",
            "letter_type",
            "letter_type_name",
            "serial_number",
            "issued_on",
            "holder",
            "revoked_on",
            "lapsed_on",
            "checked_at",
        }

        env.clock.advance(timedelta(days=30))
        rv = await http.post(
            f"/v1/letters/{serial}/revoke",
            headers=staff,
            json={"reason": "fraud", "note": "社保缴费记录系伪造"},
        )
        assert rv.status_code == 200, rv.text
        assert rv.json()["status"] == "revoked" and rv.json()["revoked_on"] == "2022-08-18"
        after = await http.get(path)
        assert 'data-status="revoked"' in after.text and "二〇二二年八月十八日" in after.text
        js = (await http.get(f"/v1/verify/{token}")).json()
        assert js["status"] == "revoked" and js["revoked_on"] == "2022-08-18"
        checks = (await http.get("/v1/verification-checks", headers=staff)).json()
        assert checks["total"] == 4 and {c["result"] for c in checks["items"]} == {"valid", "revoked"}

    events = await env.bus_events(until=4)
    revoked = of_type(events, "letter.revoked")
    assert len(revoked) == 1 and revoked[0]["data"]["reason_code"] == "fraud"
    assert len(of_type(events, "qualification.cancelled")) == 1
    conduct = of_type(events, "conduct.recorded")
    assert len(conduct) == 1
    assert conduct[0]["data"]["valid_until"] == "2027-08-18"
    assert conduct[0]["data"]["person_id_digest"] == env.sealer.digest(IDS[0], context="id_number")
    assert conduct[0]["subject"] == "person:" + conduct[0]["data"]["person_id_digest"]


async def _status(env: Env, app_id: str, status: str) -> bool:
    got = await env.scalar("SELECT status FROM qualifications WHERE application_id = :a", a=app_id)
    return bool(got == status)


async def test_a_duplicate_publicity_outcome_delivery_issues_one_letter(live: Env) -> None:
    env = live
    await env.publish((env.submitted("PTS-D"), "PTS-D"))
    [first] = await env.publish((env.outcome("PTS-D"), "PTS-D"))
    await env.publish_envelope_again(first)  # the very same record again (same event id)
    await env.publish((env.outcome("PTS-D"), "PTS-D"))  # the same outcome published anew (new event id)
    assert env.worker is not None
    publicity = next(c for c in env.worker.consumers if c.name == "settlement.publicity")

    intake = next(c for c in env.worker.consumers if c.name == "settlement.intake")

    async def all_seen() -> bool:
        # Two consumers: the holder's data (application.submitted, settlement.intake) may be applied after
        # the outcomes (settlement.publicity); the letter is issued by whichever comes second.
        return publicity.processed + publicity.duplicates >= 3 and intake.processed >= 1

    await env.wait_for(all_seen)
    assert publicity.duplicates >= 1
    assert await env.scalar("SELECT count(*) FROM letters WHERE application_id = 'PTS-D'") == 1
    # Everything settlement publishes goes through its outbox: one letter.issued there, and on the bus.
    assert len(await env.outbox_events("letter.issued")) == 1
    events = await env.bus_events(until=1)
    assert [e["data"]["application_id"] for e in of_type(events, "letter.issued")] == ["PTS-D"]


async def test_an_unused_qualification_lapses_by_itself_two_years_on_and_conduct_records_end_after_five(
    live: Env,
) -> None:
    env = live
    await env.publish(
        (env.submitted("PTS-L", id_number=IDS[1]), "PTS-L"),
        (env.outcome("PTS-L"), "PTS-L"),
        (env.submitted("PTS-F", id_number=IDS[2]), "PTS-F"),
        (env.outcome("PTS-F", "disqualified", "举报查实：伪造纳税证明"), "PTS-F"),
    )
    first = await env.bus_events(until=2)
    assert {e["type"] for e in first} == {"letter.issued", "conduct.recorded"}
    serial = of_type(first, "letter.issued")[0]["data"]["serial_number"]
    async with env.http() as http:
        token = (
            (await http.get(f"/v1/letters/{serial}", headers=env.token()))
            .json()["verify_url"]
            .rsplit("/", 1)[1]
        )
        assert (await http.get(f"/v1/verify/{token}")).json()["status"] == "valid"

        # Valid until 24:00 of 2024-07-18: one second before, still valid; then the job lapses it.
        env.clock.set(env.clock.now().replace(year=2024, month=7, day=18, hour=23, minute=59, second=59))
        assert (await http.get(f"/v1/verify/{token}")).json()["status"] == "valid"
        env.clock.advance(timedelta(seconds=1))
        await env.wait_for(lambda: _status(env, "PTS-L", "lapsed"))
        js = (await http.get(f"/v1/verify/{token}")).json()
        assert js["status"] == "lapsed" and js["lapsed_on"] == "2024-07-19"
        page = await http.get(f"/verify/{token}")
        assert 'data-status="lapsed"' in page.text and "二〇二四年七月十九日" in page.text
        late = await http.post(
            "/v1/qualifications/PTS-L/materials",
            headers=env.token(),
            json={"settlement_district": "110108", "has_archive": True, "provided": []},
        )
        assert late.status_code == 409

    # Exactly once: another pass (as after a restart, or by a second worker) lapses nothing more.
    assert env.worker is not None
    assert (await run_jobs_once(env.worker.ctx))["lapsed"] == 0
    events = await env.bus_events(until=3)
    lapsed = of_type(events, "qualification.lapsed")
    assert len(lapsed) == 1 and lapsed[0]["data"] == {
        "application_id": "PTS-L",
        "round_id": "pts-2022",
        "lapsed_on": "2024-07-19",
    }

    # The bad-conduct record of the fraud (decided 2022-07-19) runs through 2027-07-19, then ends.
    assert await env.scalar("SELECT status FROM conduct_records") == "active"
    env.clock.set(env.clock.now().replace(year=2027, month=7, day=20, hour=0, minute=0, second=1))
    await env.wait_for(lambda: _conduct_expired(env))


async def _conduct_expired(env: Env) -> bool:
    return bool(await env.scalar("SELECT count(*) FROM conduct_records WHERE status = 'expired'") == 1)
