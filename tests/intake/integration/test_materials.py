"""Materials: typed from content, size-limited, content-addressed on disk, linked and listed, phase-gated."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import datetime
from pathlib import Path

import pytest

from shared.clock import BEIJING
from tests.intake.support import Intake, bearer, running_intake
from tests.support.infra import Infra

pytestmark = pytest.mark.integration

PDF = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00\x00\x00\rIHDR" + b"\x00" * 40
LIMIT = 4096


@pytest.fixture
async def small(infra: Infra, topic_prefix: str, tmp_path: Path) -> AsyncIterator[Intake]:
    async with running_intake(infra, topic_prefix, tmp_path, materials_max_bytes=LIMIT) as i:
        yield i


async def test_materials_are_typed_from_content_stored_by_digest_and_listed(
    small: Intake, tmp_path: Path
) -> None:
    intake = small
    app_id, applicant, employer = await intake.submitted_application()
    url = f"/v1/applications/{app_id}/materials"
    h = bearer(applicant)

    r = await intake.http.post(
        url, headers=h, files={"file": ("学位证书.pdf", PDF, "image/png")}, data={"indicator": "education"}
    )
    assert r.status_code == 201, r.text
    pdf = r.json()
    assert pdf["media_type"] == "application/pdf" and pdf["filename"] == "学位证书.pdf"
    assert pdf["size"] == len(PDF) and pdf["indicator"] == "education"
    stored = tmp_path / "materials" / pdf["sha256"][:2] / pdf["sha256"][2:4] / pdf["sha256"]
    assert stored.read_bytes() == PDF

    again = await intake.http.post(url, headers=h, files={"file": ("copy.pdf", PDF, "application/pdf")})
    assert again.status_code == 200 and again.json()["id"] == pdf["id"]

    r = await intake.http.post(url, headers=h, files={"file": ("../../etc/passwd.png", PNG, "image/png")})
    assert r.status_code == 201 and r.json()["media_type"] == "image/png" and "/" not in r.json()["filename"]

    r = await intake.http.post(
        url, headers=h, files={"file": ("fake.pdf", b"MZ\x90\x00 not a pdf", "application/pdf")}
    )
    assert r.status_code == 415 and r.json()["error"]["code"] == "unsupported_media_type"
    r = await intake.http.post(
        url, headers=h, files={"file": ("big.pdf", PDF + b"0" * LIMIT, "application/pdf")}
    )
    assert r.status_code == 413
    r = await intake.http.post(
        url, headers=h, files={"file": ("huge.pdf", PDF + b"0" * 100 * LIMIT, "application/pdf")}
    )
    assert r.status_code == 413 and r.json()["error"]["code"] == "payload_too_large"
    r = await intake.http.post(url, headers=h, files={"file": ("e.pdf", b"", "application/pdf")})
    assert r.status_code == 422
    r = await intake.http.post(
        url, headers=h, files={"file": ("x.pdf", PDF, "application/pdf")}, data={"indicator": "lottery"}
    )
    assert r.status_code == 422 and r.json()["error"]["details"][0]["field"] == "indicator"

    listed = (await intake.http.get(url, headers=bearer(employer))).json()
    assert sorted(m["media_type"] for m in listed) == ["application/pdf", "image/png"]
    app = (await intake.http.get(f"/v1/applications/{app_id}", headers=h)).json()
    assert len(app["materials"]) == 2
    r = await intake.http.get(f"{url}/{pdf['id']}", headers=bearer(employer))
    assert r.status_code == 200 and r.content == PDF and r.headers["content-type"] == "application/pdf"
    stranger = await intake.applicant()
    assert (await intake.http.get(f"{url}/{pdf['id']}", headers=bearer(stranger))).status_code == 404
    assert (
        await intake.http.post(url, headers=bearer(employer), files={"file": ("a.pdf", PDF)})
    ).status_code == 403

    # After the results-query phase no more uploads; deleting only during the declaration phase.
    intake.clock.set(datetime(2024, 7, 10, 23, 55, tzinfo=BEIJING))
    h = bearer(await intake.relogin(applicant))
    assert (await intake.http.delete(f"{url}/{pdf['id']}", headers=h)).status_code == 409
    r = await intake.http.post(url, headers=h, files={"file": ("late.png", PNG + b"1", "image/png")})
    assert r.status_code == 201
    intake.clock.set(datetime(2024, 7, 11, 0, 0, tzinfo=BEIJING))
    r = await intake.http.post(url, headers=h, files={"file": ("later.png", PNG + b"2", "image/png")})
    assert r.status_code == 409 and "recheck_and_ranking" in r.json()["error"]["message"]


async def test_an_applicant_removes_a_material_during_the_declaration_phase(intake: Intake) -> None:
    app_id, applicant, _ = await intake.submitted_application()
    url = f"/v1/applications/{app_id}/materials"
    m = (await intake.http.post(url, headers=bearer(applicant), files={"file": ("a.pdf", PDF)})).json()
    assert (await intake.http.delete(f"{url}/{m['id']}", headers=bearer(applicant))).status_code == 204
    assert (await intake.http.get(url, headers=bearer(applicant))).json() == []
    assert (await intake.http.delete(f"{url}/{m['id']}", headers=bearer(applicant))).status_code == 404
