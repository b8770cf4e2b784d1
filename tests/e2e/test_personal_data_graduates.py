"""No clear personal data leaves a graduate round (issue 12, item 5, for the graduate programme).

The graduate round of ``test_graduate_round`` (its stack from ``graduate_support``, its journey as it is)
runs with every log record captured through the services' formatters and every HTTP exchange of the five
services' clients recorded. Before the stack stops, the public pages are read again (publicity's graduate
lists as JSON and HTML, settlement's verification page and JSON of every 接收函 and 报户口介绍信 the run
issued, wrong inputs that carry an identity), every Kafka record of the run is read, and every service's
audit chain. Then everything is scanned for clear 18-digit resident ID numbers and 11-digit mobile numbers,
by pattern and every one the run sent:

- Kafka: every record (key, value, headers) of every topic of the run;
- public: every answer of a path anyone may call (lists, verification, consent links, rounds);
- audit: every record of the five ``audit_chain`` tables (append-only: a leak there could never be erased);
- log: the whole run's log output.
"""

from __future__ import annotations

import contextlib
import time
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from sqlalchemy.ext.asyncio import create_async_engine

from tests.e2e import test_graduate_round as journey
from tests.e2e.graduate_support import Stack, five_services, graduates
from tests.e2e.personal_data_support import (
    Exchanges,
    Known,
    Scan,
    record_text,
    summary,
    tap_logs,
    topic_records,
)
from tests.support.infra import Infra

pytestmark = pytest.mark.integration


async def audit_chains(urls: dict[str, str]) -> dict[str, list[dict[str, Any]]]:
    """Every record of every service's audit chain."""
    out: dict[str, list[dict[str, Any]]] = {}
    for svc, url in urls.items():
        engine = create_async_engine(url)
        try:
            async with engine.connect() as conn:
                rows = (await conn.execute(sa.text("SELECT * FROM audit_chain ORDER BY seq"))).mappings()
                out[svc] = [dict(r) for r in rows]
        finally:
            await engine.dispose()
    return out


async def public_reads_after_the_round(stack: Stack, exchanges: Exchanges, ids: set[str]) -> None:
    """The graduate lists after they closed, every letter's verification page and JSON, and wrong inputs
    carrying an identity (the answers must not repeat it)."""
    pub, settlement = stack.clients["publicity"], stack.clients["settlement"]
    assert exchanges.graduate_lists, "the run never read a graduate list"
    for pid in exchanges.graduate_lists:
        for path in (
            f"/public/graduate-publicities/{pid}",
            f"/v1/public/graduate-publicities/{pid}/entries",
            "/public/publicities",
            "/v1/public/publicities",
        ):
            await pub.get(path)
    engine = create_async_engine(stack.database_urls["settlement"])
    try:
        async with engine.connect() as conn:
            issued = (await conn.execute(sa.text("SELECT letter_type, verify_url FROM letters"))).all()
    finally:
        await engine.dispose()
    kinds = sorted(str(k) for k, _ in issued)
    assert kinds == ["hukou_letter"] * 2 + ["receiving_letter"] * 3, kinds  # 接收函 A B D, 报户口介绍信 A D
    exchanges.verify_tokens.update(str(url).rstrip("/").rsplit("/", 1)[1] for _, url in issued)
    for token in sorted(exchanges.verify_tokens):
        for path in (f"/verify/{token}", f"/v1/verify/{token}"):
            r = await settlement.get(path)
            assert r.status_code == 200, r.text
    someone = sorted(ids)[0]
    for token in (someone, "13912345678"):
        await settlement.get(f"/verify/{token}")
        await settlement.get(f"/v1/verify/{token}")
    pid = sorted(exchanges.graduate_lists)[0]
    r = await pub.post(
        f"/v1/public/publicities/{pid}/objections",
        data={"entry_no": "x", "reporter_name": "钱", "reporter_id_number": someone,
              "reporter_phone": "13912345678", "text": "材料不实"},
    )  # fmt: skip
    assert r.status_code >= 400, r.text
    await stack.clients["intake"].post(f"/v1/graduate-consents/{someone}")


async def test_no_clear_id_number_or_phone_after_a_graduate_round(
    infra: Infra, topic_prefix: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    t0 = time.monotonic()
    exchanges = Exchanges()
    people = graduates()
    # A diploma number (学信 format, 18 digits) is not an ID number: it travels to review for the registry
    # check. Every other 18-digit number is suspect; the graduates' real ID numbers must appear nowhere.
    known = Known(ids={g.id_number for g in people}, not_ids={g.diploma_no for g in people})
    assert not known.ids & known.not_ids
    seen: dict[str, Any] = {}

    @contextlib.asynccontextmanager
    async def tapped(*args: Any, **kwargs: Any) -> AsyncIterator[Stack]:
        async with five_services(*args, **kwargs) as stack:
            for client in stack.clients.values():
                client.event_hooks = {"request": [exchanges.on_request], "response": [exchanges.on_response]}
            exchanges.publicity = stack.clients["publicity"]
            yield stack
            await public_reads_after_the_round(stack, exchanges, known.ids)
            seen["records"] = await topic_records(infra.kafka, topic_prefix)
            seen["audit"] = await audit_chains(stack.database_urls)

    monkeypatch.setattr(journey, "five_services", tapped)
    with tap_logs() as logs:
        await journey.test_a_graduate_round_runs_through_all_five_services(infra, topic_prefix, tmp_path)
    round_s = time.monotonic() - t0

    for sent in exchanges.sent:  # every ID number and phone the run used (declarations, objections, …)
        known.learn(sent)
    assert known.phones and len(known.ids) >= 5, "the run used no phone or too few ID numbers: proves nothing"
    planted = Scan(known)  # the scan catches each graduate's ID number, and a phone, planted in a record
    for g in people:
        planted.check("planted", g.key, f'{{"data": {{"holder": "{g.id_number}", "phone": "13712345678"}}}}')
    assert len(planted.found) == 2 * len(people), planted.found
    scan = Scan(known)
    records: dict[str, list[Any]] = seen["records"]
    for topic, recs in records.items():
        for rec in recs:
            scan.check("kafka", f"{topic}@{rec.partition}:{rec.offset}", record_text(rec))
    for where, body in exchanges.public:
        scan.check("public", where, body)
    for svc, rows in seen["audit"].items():
        for i, row in enumerate(rows):
            scan.check("audit", f"{svc} record {i}", str(row))
    for i, line in enumerate(logs.lines):
        scan.check("log", f"line {i}", line)
    raw = Scan(known)  # defence in depth, reported only: what the formatters' masking had to catch
    for i, msg in enumerate(logs.raw):
        raw.check("raw-log", f"record {i}", msg)

    kinds = {w.split(" ", 2)[1] for w, _ in exchanges.public}
    assert any(k.startswith("/public/graduate-publicities/") for k in kinds)
    assert any(k.startswith("/v1/public/graduate-publicities/") for k in kinds)
    assert any(w.startswith("GET /verify/") and w.endswith("200") for w, _ in exchanges.public)
    assert any(w.startswith("GET /v1/verify/") and w.endswith("200") for w, _ in exchanges.public)
    assert any(k.startswith("/v1/graduate-consents/") for k in kinds)
    assert sum(len(r) for r in records.values()) > 0 and scan.checked.get("log", 0) > 0
    # Staff can find who saw or changed a graduate's case in every service: records name the declaration.
    for svc, rows in seen["audit"].items():
        about = [r for r in rows if str(r["subject"] or "").startswith("GD")]
        assert about, f"{svc}: no audit record names a declaration"
    staff_reads = [
        r
        for r in seen["audit"]["settlement"]
        if r["action"] == "settlement.get_case" and r["actor"] != "system"
    ]
    assert staff_reads and all(str(r["subject"]).startswith("GD") for r in staff_reads), staff_reads[:3]
    case_records = {r["action"] for r in seen["audit"]["settlement"] if r["action"].startswith("settlement/")}
    assert {"settlement/graduate.approved", "settlement/letter.issued"} <= case_records, case_records

    print(
        summary(
            scan,
            [
                f"topics: {len(records)}, records: {sum(len(r) for r in records.values())}",
                f"public responses: {len(exchanges.public)}; letters verified: {len(exchanges.verify_tokens)}",
                f"audit records: { {s: len(r) for s, r in seen['audit'].items()} }",
                f"log lines (text + json): {len(logs.lines)}; round + scan: {round_s:.1f}s",
                f"raw log messages (before the formatters) holding an identity: {len(raw.found)}",
                *raw.found[:10],
            ],
        )
    )
    assert not scan.found, f"{len(scan.found)} clear identities:\n" + "\n".join(scan.found[:40])
