"""The applicant's view fed by the other services' events, published through the real broker and consumed
by the intake worker; and bad-conduct records refusing declarations."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from datetime import date, datetime
from decimal import Decimal
from typing import Any

import pytest
import sqlalchemy as sa

from shared.clock import BEIJING
from shared.crypto import Sealer
from shared.events.contracts.intake import EncryptedValue
from shared.events.contracts.publicity import PublicityClosedV1, PublicityOutcomeV1
from shared.events.contracts.review import IndicatorVerification, VerificationCompletedV2
from shared.events.contracts.scoring import (
    ApplicationRankedV1,
    IndicatorPoints,
    RankingFinalizedV1,
    ScoreComputedV1,
)
from shared.events.contracts.settlement import ConductRecordedV1, LetterIssuedV1
from shared.events.registry import EventData
from shared.facts.points import FACTS_EXAMPLE, PointsFacts
from shared.messaging.kafka import ensure_topics, make_producer
from shared.messaging.outbox import Outbox
from shared.settings import ServiceSettings
from tests.intake.support import Intake, bearer, make_id

pytestmark = pytest.mark.integration


class OtherServices:
    """Publishes events as review, scoring, publicity and settlement do: envelopes on their topics."""

    def __init__(self, intake: Intake) -> None:
        self.intake = intake
        self.producer = make_producer(intake.settings, "other-services")

    async def __aenter__(self) -> OtherServices:
        await ensure_topics(self.intake.settings)
        await self.producer.start()
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.producer.stop()

    async def publish(self, producer: str, data: EventData, subject: str) -> None:
        settings = ServiceSettings(
            service_name=producer, kafka_topic_prefix=self.intake.settings.kafka_topic_prefix
        )
        self.intake.advance(minutes=1)  # each fact happens a little later than the one before
        env = Outbox(settings, self.intake.clock).envelope(data, subject=subject, correlation_id="other")
        await self.producer.send_and_wait(
            settings.topic(f"{producer}.events"), value=env.to_json_bytes(), key=subject.encode()
        )


async def conduct_records(intake: Intake, n: int) -> bool:
    async with intake.ctx.session_factory() as s:
        return bool(await s.scalar(sa.text("SELECT count(*) FROM conduct_records")) == n)


async def eventually(check: Callable[[], Awaitable[bool]], timeout_s: float = 20) -> None:
    for _ in range(int(timeout_s / 0.1)):
        if await check():
            return
        await asyncio.sleep(0.1)
    raise AssertionError("condition not reached in time")


async def test_timeline_is_filled_from_other_services_events_and_each_role_sees_its_part(
    intake: Intake,
) -> None:
    app_id, applicant, employer = await intake.submitted_application()
    staff = await intake.staff("bureau_staff")
    when = datetime(2024, 8, 19, tzinfo=BEIJING)
    worker = intake.worker()
    await worker.start()
    try:
        async with OtherServices(intake) as others:
            await others.publish(
                "review",
                VerificationCompletedV2(
                    application_id=app_id,
                    revision=1,
                    round_id="points-2024",
                    program="points",
                    facts=PointsFacts.model_validate(FACTS_EXAMPLE),
                    statuses=[
                        IndicatorVerification(indicator="employment", status="confirmed"),
                        IndicatorVerification(
                            indicator="housing", status="corrected", note="2016 年租房记录未备案"
                        ),
                    ],
                ),
                app_id,
            )
            await others.publish(
                "scoring",
                ScoreComputedV1(
                    application_id=app_id,
                    revision=1,
                    round_id="points-2024",
                    policy_version="bj-points-2020",
                    qualified=True,
                    total=Decimal("105.92"),
                    indicators=[
                        IndicatorPoints(code="employment", points=Decimal("57.75")),
                        IndicatorPoints(code="age", points=Decimal("20.00")),
                    ],
                ),
                app_id,
            )
            await others.publish(
                "scoring",
                RankingFinalizedV1(
                    round_id="points-2024",
                    ranking_id="rk-1",
                    policy_version="bj-points-2020",
                    quota=6000,
                    cutoff=Decimal("100.50"),
                    ranked_count=1,
                    admitted_count=1,
                    input_digest="sha256:" + "0" * 64,
                ),
                "points-2024",
            )
            await others.publish(
                "scoring",
                ApplicationRankedV1(
                    application_id=app_id,
                    round_id="points-2024",
                    ranking_id="rk-1",
                    rank=1,
                    admitted=True,
                    total=Decimal("105.92"),
                ),
                app_id,
            )
            await others.publish(
                "publicity",
                PublicityOutcomeV1(
                    application_id=app_id,
                    round_id="points-2024",
                    program="points",
                    outcome="cleared",
                    reason="举报经查不实",
                    publicity_closed_at=when,
                ),
                app_id,
            )
            await others.publish(
                "publicity",
                PublicityClosedV1(
                    round_id="points-2024",
                    program="points",
                    opened_at=datetime(2024, 8, 11, tzinfo=BEIJING),
                    closed_at=when,
                    cleared=1,
                    disqualified=0,
                    held=0,
                    calendar_version="cn-2024",
                ),
                "points-2024",
            )
            await others.publish(
                "settlement",
                LetterIssuedV1(
                    application_id=app_id,
                    round_id="points-2024",
                    letter_type="settlement_letter",
                    serial_number="JF2024-000001",
                    issued_on=date(2024, 8, 20),
                ),
                app_id,
            )
            # A late duplicate of an earlier stage never moves the case back.
            await others.publish(
                "scoring",
                ScoreComputedV1(
                    application_id=app_id,
                    revision=1,
                    round_id="points-2024",
                    policy_version="bj-points-2020",
                    qualified=True,
                    total=Decimal("105.92"),
                    indicators=[],
                ),
                app_id,
            )

        async def letter_seen() -> bool:
            r = await intake.http.get(f"/v1/applications/{app_id}", headers=bearer(applicant))
            tl = await intake.http.get(f"/v1/applications/{app_id}/timeline", headers=bearer(applicant))
            # The events travel on four topics, so they may arrive in any order across them:
            # wait until every one of them has been applied, not just the last one sent.
            kinds = [e["kind"] for e in tl.json()["entries"]]
            return bool(
                r.json()["status"] == "letter_issued"
                and kinds.count("score.computed") == 2
                and {
                    "ranking.finalized",
                    "application.ranked",
                    "publicity.outcome",
                    "publicity.closed",
                    "letter.issued",
                }
                <= set(kinds)
            )

        await eventually(letter_seen)
    finally:
        await worker.stop()
        await worker.ctx.close()

    mine = (await intake.http.get(f"/v1/applications/{app_id}", headers=bearer(applicant))).json()
    assert mine["status"] == "letter_issued"
    assert mine["score"]["total"] == "105.92" and mine["score"]["qualified"] is True
    assert mine["ranking"] == {"ranking_id": "rk-1", "rank": 1, "admitted": True, "total": "105.92"}
    assert mine["publicity"]["outcome"] == "cleared" and mine["publicity"]["reason"] == "举报经查不实"
    assert mine["letters"][0]["serial_number"] == "JF2024-000001"
    assert mine["verification"]["statuses"][1]["note"] == "2016 年租房记录未备案"

    timeline = (
        await intake.http.get(f"/v1/applications/{app_id}/timeline", headers=bearer(applicant))
    ).json()
    kinds = [e["kind"] for e in timeline["entries"]]
    for kind in (
        "application.submitted",
        "verification.completed",
        "score.computed",
        "ranking.finalized",
        "application.ranked",
        "publicity.outcome",
        "publicity.closed",
        "letter.issued",
    ):
        assert kind in kinds, kind
    assert (
        kinds.index("application.submitted")
        < kinds.index("verification.completed")
        < kinds.index("letter.issued")
    )

    # The employer sees points and rank, not reviewers' notes, publicity reasons or serial numbers.
    theirs = (await intake.http.get(f"/v1/applications/{app_id}", headers=bearer(employer))).json()
    assert theirs["score"]["total"] == "105.92" and theirs["ranking"]["rank"] == 1
    assert "reason" not in theirs["publicity"] and "serial_number" not in theirs["letters"][0]
    assert all("note" not in s for s in theirs["verification"]["statuses"])
    emp_tl = (await intake.http.get(f"/v1/applications/{app_id}/timeline", headers=bearer(employer))).json()
    emp_text = str(emp_tl)
    assert "JF2024-000001" not in emp_text and "举报经查不实" not in emp_text and "未备案" not in emp_text

    # Bureau staff see everything, and the lists.
    staff_tl = (await intake.http.get(f"/v1/applications/{app_id}/timeline", headers=bearer(staff))).json()
    assert "JF2024-000001" in str(staff_tl)
    page = (
        await intake.http.get(
            "/v1/applications?status=letter_issued&round_id=points-2024", headers=bearer(staff)
        )
    ).json()
    assert (
        page["total"] == 1 and page["items"][0]["score_total"] == "105.92" and page["items"][0]["rank"] == 1
    )
    round_view = (await intake.http.get("/v1/rounds/points-2024")).json()
    assert round_view["ranking"]["cutoff"] == "100.50" and round_view["publicity"]["cleared"] == 1

    # Another applicant cannot see it at all.
    stranger = await intake.applicant()
    r = await intake.http.get(f"/v1/applications/{app_id}", headers=bearer(stranger))
    assert r.status_code == 404


async def test_a_live_bad_conduct_record_refuses_declarations_until_its_end(intake: Intake) -> None:
    await intake.create_round()
    employer = await intake.employer()
    applicant = await intake.applicant()
    await intake.affiliate(applicant, employer)
    assert intake.settings.data_key is not None
    sealer = Sealer(intake.settings.data_key.get_secret_value())
    barred = make_id(date(1985, 3, 7))
    worker = intake.worker()
    await worker.start()
    try:
        async with OtherServices(intake) as others:
            sealed: dict[str, Any] = sealer.seal(barred, context="id_number").as_dict()
            await others.publish(
                "settlement",
                ConductRecordedV1(
                    record_id="cr-1",
                    person_id_number=EncryptedValue(**sealed),
                    reason="提供虚假材料",
                    valid_from=date(2023, 1, 10),
                    valid_until=date(2028, 1, 10),
                ),
                "cr-1",
            )

            await eventually(lambda: conduct_records(intake, 1))
            r = await intake.declare(applicant)
            err = r.json()["error"]
            assert r.status_code == 409 and err["code"] == "conduct_record", r.text
            assert "until 2028-01-10" in err["message"] and "提供虚假材料" not in err["message"]

            # A record on the employer bars its applicants too.
            await others.publish(
                "settlement",
                ConductRecordedV1(
                    record_id="cr-2",
                    employer_credit_code="91110000600037341L",
                    reason="虚假申报",
                    valid_from=date(2024, 1, 1),
                    valid_until=date(2029, 1, 1),
                ),
                "91110000600037341L",
            )
            await eventually(lambda: conduct_records(intake, 2))
            r = await intake.declare(applicant, birth=date(1990, 1, 1))
            err = r.json()["error"]
            assert (
                r.status_code == 409 and "employer" in err["message"] and "until 2029-01-01" in err["message"]
            )

    finally:
        await worker.stop()
        await worker.ctx.close()
