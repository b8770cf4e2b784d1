"""The graduate declaration fed by the other services' graduate events through the real broker (the intake
worker's case-view consumer): verification, assessment, the bureau's decision; consent by the graduate's
own account; and a bad-conduct record (from ``conduct.recorded``) refusing a graduate."""

from __future__ import annotations

from datetime import date

import pytest
import sqlalchemy as sa

from shared.crypto import Sealer
from shared.events.contracts.intake import EncryptedValue
from shared.events.contracts.publicity import PublicityOutcomeV1
from shared.events.contracts.review import GraduateItemCheck, GraduateVerifiedV1
from shared.events.contracts.scoring import GraduateAssessedV1
from shared.events.contracts.settlement import ConductRecordedV1, GraduateDecidedV1, LetterIssuedV1
from shared.facts.graduates import GraduateFacts
from tests.intake.graduate_support import BIRTH, graduate_body, graduate_world
from tests.intake.integration.test_case_view import OtherServices, conduct_records, eventually
from tests.intake.support import Intake, bearer, make_id

pytestmark = pytest.mark.integration


async def test_verification_assessment_and_decision_reach_the_declarations_timeline(intake: Intake) -> None:
    world = await graduate_world(intake)
    decl_id = (await world.declare()).json()["id"]
    assert (await world.submit(decl_id)).status_code == 200
    async with intake.ctx.session_factory() as s:
        envelope = await s.scalar(
            sa.text("SELECT envelope FROM outbox WHERE event_type = 'graduate.declared'")
        )
    facts = GraduateFacts.model_validate(envelope["data"]["facts"])
    common = {"declaration_id": decl_id, "round_id": world.round_id, "supervising_unit_id": world.unit_id}
    worker = intake.worker()
    await worker.start()
    try:
        async with OtherServices(intake) as other:
            await other.publish(
                "review",
                GraduateVerifiedV1(
                    **common,
                    revision=1,
                    declaration_revision=1,
                    facts=facts,
                    items=[
                        GraduateItemCheck(
                            item="education", status="confirmed", department="education_registry"
                        )
                    ],
                    verified_at=intake.clock.now(),
                ),
                decl_id,
            )
            await other.publish(
                "scoring",
                GraduateAssessedV1(
                    **common,
                    revision=1,
                    policy_version="graduates-2018",
                    eligible=True,
                    quota="counted",
                    age_limit=27,
                ),
                decl_id,
            )
            await other.publish(
                "settlement",
                GraduateDecidedV1(
                    **common, decision="approved", quota="counted", decided_on=date(2025, 4, 10),
                    deadline_on=date(2025, 4, 15),
                ),
                decl_id,
            )  # fmt: skip
            # The events both programmes share, about a graduate: the list's outcome and the 接收函.
            await other.publish(
                "publicity",
                PublicityOutcomeV1(
                    application_id=decl_id, round_id=world.round_id, program="graduates", outcome="cleared",
                    publicity_closed_at=intake.clock.now(), publicity_id=f"{world.round_id}:{world.unit_id}",
                ),
                decl_id,
            )  # fmt: skip
            await other.publish(
                "settlement",
                LetterIssuedV1(
                    application_id=decl_id, round_id=world.round_id, letter_type="receiving_letter",
                    serial_number="JSH-2025-000001", issued_on=date(2025, 4, 10),
                ),
                decl_id,
            )  # fmt: skip

            async def decided() -> bool:
                r = await intake.http.get(
                    f"/v1/graduate-declarations/{decl_id}", headers=bearer(world.bureau)
                )
                d = r.json()  # four topics: the events may be applied in any order
                t = await intake.http.get(
                    f"/v1/graduate-declarations/{decl_id}/timeline", headers=bearer(world.bureau)
                )
                kinds = {e["kind"] for e in t.json()["entries"]}
                return bool(
                    d["status"] == "approved"
                    and d["verification"]
                    and d["assessment"]
                    and {"publicity.outcome", "letter.issued"} <= kinds
                )

            await eventually(decided)
    finally:
        await worker.stop()
        await worker.ctx.close()
    employer = await intake.relogin(world.employer)
    seen = (await intake.http.get(f"/v1/graduate-declarations/{decl_id}", headers=bearer(employer))).json()
    assert seen["verification"]["items"][0]["status"] == "confirmed"
    assert seen["assessment"]["eligible"] is True and seen["assessment"]["quota"] == "counted"
    assert seen["decision"]["decision"] == "approved" and seen["decision"]["deadline_on"] == "2025-04-15"
    timeline = (
        await intake.http.get(f"/v1/graduate-declarations/{decl_id}/timeline", headers=bearer(employer))
    ).json()
    kinds = [e["kind"] for e in timeline["entries"]]
    assert sorted(kinds[-5:]) == [
        "graduate.assessed",
        "graduate.decided",
        "graduate.verified",
        "letter.issued",
        "publicity.outcome",
    ]
    letter = next(e for e in timeline["entries"] if e["kind"] == "letter.issued")
    assert letter["data"]["letter_type"] == "receiving_letter"
    async with intake.ctx.session_factory() as s:
        # graduate events of the shared types are not refused as unknown points applications
        assert await s.scalar(sa.text("SELECT count(*) FROM dead_letters")) == 0


async def test_a_graduate_with_an_account_consents_themself(intake: Intake) -> None:
    world = await graduate_world(intake)
    graduate = await intake.applicant(username="lilei", name="李雷")
    decl_id = (
        await world.declare(graduate_body(world.round_id, world.unit_id, account_username="lilei"))
    ).json()["id"]
    assert (await world.submit(decl_id)).status_code == 200
    # Someone else with an applicant account cannot consent for them.
    stranger = await intake.applicant()
    r = await intake.http.post(f"/v1/graduate-declarations/{decl_id}/consent", headers=bearer(stranger))
    assert r.status_code == 404
    r = await intake.http.post(f"/v1/graduate-declarations/{decl_id}/consent", headers=bearer(graduate))
    assert r.status_code == 200 and r.json()["via"] == "account", r.text
    r = await intake.http.get(f"/v1/graduate-declarations/{decl_id}", headers=bearer(graduate))
    assert r.status_code == 200 and r.json()["consent"]["via"] == "account"
    assert (await world.approve(decl_id, 1)).status_code == 200


async def test_a_graduate_with_a_live_bad_conduct_record_is_refused(intake: Intake) -> None:
    world = await graduate_world(intake)
    sealer = Sealer(intake.settings.data_key.get_secret_value())  # type: ignore[union-attr]
    id_number = make_id(BIRTH, "011", "420106")
    worker = intake.worker()
    await worker.start()
    try:
        async with OtherServices(intake) as other:
            await other.publish(
                "settlement",
                ConductRecordedV1(
                    record_id="CR-1",
                    person_id_number=EncryptedValue(**sealer.seal(id_number, context="id_number").as_dict()),
                    reason="提供虚假材料",
                    valid_from=date(2024, 1, 1),
                    valid_until=date(2028, 12, 31),
                ),
                "CR-1",
            )

            await eventually(lambda: conduct_records(intake, 1))
    finally:
        await worker.stop()
        await worker.ctx.close()
    r = await world.declare()
    err = r.json()["error"]
    assert err["code"] == "conduct_record" and "2028-12-31" in err["message"]
    assert err["details"][0]["field"] == "graduate.id_number"
