"""No clear personal data leaves a round (issue 12, item 5).

A small points round (test_full_round's set-up) runs with every log record of the process captured (as the
services' text and JSON formatters write them), every HTTP exchange recorded, and then scans for clear 18-digit
resident ID numbers and 11-digit mobile numbers — by pattern, and every ID number and phone the run actually
sent anywhere in the text:

- every record (key, value, headers) of every Kafka topic of the run, read from the beginning;
- the public pages and public API responses: publicity's lists (JSON and HTML, while open and after),
  settlement's verification page and JSON for every letter, scoring's public calculators;
- the log output of the whole run, and the output of the bootstrap command.

Masked forms (110105********1234, 139****0901) are fine.
"""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from demo.scenario import PointsRound
from services.review.mock_registries.population import truth_facts
from tests.e2e.personal_data_support import (
    Exchanges,
    Known,
    Scan,
    inject_bad_event,
    points_stack,
    record_text,
    summary,
    tap_logs,
    token_of,
    topic_records,
    without_original,
)
from tests.e2e.test_full_round import pick_people
from tests.support.infra import Infra

pytestmark = pytest.mark.integration


async def test_no_clear_id_number_or_phone_in_events_public_pages_or_logs(
    infra: Infra, topic_prefix: str, tmp_path: Path
) -> None:
    t0 = time.monotonic()
    people = pick_people(12)
    exchanges = Exchanges()
    known = Known(ids={p.id_number for p in people})
    with tap_logs() as logs:
        async with points_stack(infra, topic_prefix, people, tmp_path / "materials", exchanges) as (
            services,
            clients,
            bootstrap_output,
        ):
            lines: list[str] = []
            report = await PointsRound(services, people, quota=5, say=lines.append, timeout_s=90).run()
            assert report.letters, "the round issued no letter: nothing to verify"

            # After the round: the public lists again (closed by now), every letter's verification, and the
            # public calculators fed a person's facts.
            pub = clients["publicity"]
            for path in (
                "/public/publicities",
                "/v1/public/publicities",
                f"/public/publicities/{report.publicity_id}",
                f"/v1/public/publicities/{report.publicity_id}/entries",
            ):
                await pub.get(path)
            for letter in report.letters:
                token = token_of(letter["verify_url"])
                for path in (f"/verify/{token}", f"/v1/verify/{token}"):
                    r = await clients["settlement"].get(path)
                    assert r.status_code == 200, r.text
            # Wrong input carrying an identity: the answers (and the logs) must not repeat it.
            who = people[0]
            bad_id = who.id_number[:17] + ("1" if who.id_number[17] != "1" else "2")  # a typo'd ID number
            for form in (
                {"entry_no": "x", "reporter_name": "钱", "reporter_id_number": who.id_number,
                 "reporter_phone": "13912345678", "text": "材料不实"},
                {"entry_no": "1", "reporter_name": "钱", "reporter_id_number": bad_id,
                 "reporter_phone": "13912345678", "text": "材料不实"},
            ):  # fmt: skip
                r = await pub.post(f"/v1/public/publicities/{report.publicity_id}/objections", data=form)
                assert r.status_code >= 400, r.text
            for token in (who.id_number, "13912345678"):
                await clients["settlement"].get(f"/verify/{token}")
                await clients["settlement"].get(f"/v1/verify/{token}")
            await pub.get(
                f"/v1/public/publicities/{report.publicity_id}/entries", params={"q": "13912345678"}
            )
            odd = truth_facts(who)
            odd["person"] = {**odd["person"], "id_number": who.id_number, "phone": "13912345678"}
            r = await clients["scoring"].post("/v1/points/score", json=odd)
            assert r.status_code == 422, r.text

            facts = [truth_facts(p) for p in people[:3]]
            assert (await clients["scoring"].post("/v1/points/score", json=facts[0])).status_code == 200
            r = await clients["scoring"].post("/v1/points/score/batch", json={"items": facts})
            assert r.status_code == 200, r.text
            # An event no consumer can take, holding a phone in a field it fails on: the dead letter's
            # reason and the logs must not repeat it (the record's own copy in the dead letter is excluded).
            injected, _dead = await inject_bad_event(infra.kafka, topic_prefix, "13912345678")
        records = await topic_records(infra.kafka, topic_prefix)
    round_s = time.monotonic() - t0

    for sent in exchanges.sent:  # every ID number and phone the run used (registrations, declarations, …)
        known.learn(sent)
    assert known.phones, "the run used no phone number: the scan would prove nothing"
    scan = Scan(known)
    for topic, recs in records.items():
        for rec in recs:
            if rec.value == injected:
                continue
            text = record_text(rec)
            if topic.endswith(".deadletter"):
                text = without_original(text, injected)
            scan.check("kafka", f"{topic}@{rec.partition}:{rec.offset}", text)
    assert any(t.endswith(".deadletter") and r for t, r in records.items()), (
        "the bad event was not dead-lettered"
    )
    for where, body in exchanges.public:
        scan.check("public", where, body)
    for i, line in enumerate(logs.lines):
        scan.check("log", f"line {i}", line)
    for out in bootstrap_output:
        scan.check("bootstrap", "create-user output", out)

    raw = Scan(known)  # defence in depth, reported only: what the formatters' masking had to catch
    for i, msg in enumerate(logs.raw):
        raw.check("raw-log", f"record {i}", msg)

    kinds = {w.split(" ", 2)[1] for w, _ in exchanges.public}
    assert {"/public/publicities", "/v1/public/publicities"} <= kinds
    assert any("/verify/" in w for w, _ in exchanges.public) and any(
        "/v1/verify/" in w for w, _ in exchanges.public
    )
    assert any("/entries -> 200" in w for w, _ in exchanges.public), "the open list was never read"
    assert any(w.startswith("GET /public/publicities/") and w.endswith("200") for w, _ in exchanges.public)
    assert sum(len(r) for r in records.values()) > 0 and scan.checked.get("log", 0) > 0

    print(
        summary(
            scan,
            [
                f"topics: {len(records)}, records: {sum(len(r) for r in records.values())}",
                f"public responses: {len(exchanges.public)}; log lines (text + json): {len(logs.lines)}",
                f"round + scan set-up: {round_s:.1f}s",
                f"log records by logger: {dict(logs.loggers.most_common(12))}",
                f"raw log messages (before the formatters) holding an identity: {len(raw.found)}",
                *raw.found[:10],
                *lines,
            ],
        )
    )
    assert not scan.found, f"{len(scan.found)} clear identities:\n" + "\n".join(scan.found[:40])
