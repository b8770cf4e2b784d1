"""The graduate programme through the real broker and database, with the 学信 education, 市场监管 company
and 社保 registries over HTTP: graduate.declared → graduate.verified (a difference shown per item), and
graduate.settlement_check_requested → graduate.settlement_checked (passed and failed)."""

from __future__ import annotations

import copy
from datetime import UTC, date, datetime
from typing import Any

import pytest

from services.review.mock_registries.graduates import derive_company, derive_education
from services.review.mock_registries.population import SyntheticPerson
from shared.events.contracts.intake import EncryptedValue, GraduateDeclaredV1
from shared.events.contracts.settlement import GraduateSettlementCheckRequestedV1
from shared.facts.graduates import GRADUATE_FACTS_EXAMPLE, GraduateFacts
from shared.validation.identifiers import credit_code_check_character, synthetic_resident_id
from tests.review.integration.stack import GRADUATE_YEAR, Stack, review_stack
from tests.support.infra import Infra

pytestmark = pytest.mark.integration

Y = GRADUATE_YEAR
#: Graduates born so that the registry derives a master's record in Y (Y − birth year = 26).
IDS = [synthetic_resident_id(date(Y - 26, 3, 1 + i), 10 + i, "130102") for i in range(3)]
EMPLOYER = "91110108MA01ABC" + "D2"
EMPLOYER += credit_code_check_character(EMPLOYER)


def graduate_person(id_number: str, months: tuple[str, str] | None, unit: str = EMPLOYER) -> SyntheticPerson:
    """The 社保 registry's person: pension paid by ``unit`` over ``months`` (Y+1)."""
    records = (
        (
            {
                "insurance": "pension",
                "from": months[0],
                "to": months[1],
                "back_paid": False,
                "district": "110108",
                "unit": unit,
            },
        )
        if months
        else ()
    )
    return SyntheticPerson(
        index=0,
        id_number=id_number,
        name="毕业生",
        birth_date=date(Y - 26, 3, 1),
        sex="male",
        application_year=Y + 1,
        employer_name="北京星河科技有限公司",
        social_insurance=records,
    )


def declaration(st: Stack, id_number: str, declaration_id: str, **graduate: Any) -> GraduateDeclaredV1:
    """A declaration matching the registries (their derived records), with ``graduate`` changes."""
    record = derive_education(id_number, year=Y, seed=11)
    company = derive_company(EMPLOYER, year=Y, seed=11)
    assert record and company
    r = record[0]
    facts = copy.deepcopy(GRADUATE_FACTS_EXAMPLE)
    facts.update(introduction_year=Y, declared_on=f"{Y}-06-10")
    g = r["graduated_on"]
    facts["graduate"].update(
        birth_date=f"{Y - 26}-03-01",
        education="master",
        graduated_on=f"{g[:4]}-{g[4:6]}-{g[6:]}",
        enrolment="national_plan" if r["enrolment_plan"] == "统招" else "other",
        training_mode={"非定向": "non_directed", "定向": "directed", "委托培养": "commissioned"}[
            r["training_mode"]
        ],
        **graduate,
    )
    facts["employer"].update(registered_on=company["established_on"], good_standing=True)
    st.graduate_data.company_like(EMPLOYER, status="存续", abnormal_operations=[], serious_violations=[])
    sealed = st.sealer.seal(id_number, context="id_number")
    return GraduateDeclaredV1(
        declaration_id=declaration_id,
        revision=1,
        round_id=f"graduates-{Y}",
        year=Y,
        supervising_unit_id="unit-haidian",
        employer_credit_code=EMPLOYER,
        employer_name="北京星河科技有限公司",
        name="李明",
        birth_date=date(Y - 26, 3, 1),
        id_number=EncryptedValue(**sealed.as_dict()),
        id_number_digest=st.sealer.digest(id_number, context="id_number"),
        university=r["school_name"],
        major=r["major_name"],
        diploma_number=r["diploma_no"],
        degree_number=r["degree_no"],
        facts=GraduateFacts.model_validate(facts),
        declared_at=datetime(Y, 6, 10, 9, tzinfo=UTC),
    )


async def events_of(st: Stack, type_: str, n: int) -> list[dict[str, Any]]:
    events = await st.published_events(n)
    return [e for e in events if e["type"] == type_]


async def test_declared_graduates_are_verified_with_each_difference_shown_per_item(
    infra: Infra, topic_prefix: str
) -> None:
    async with review_stack(infra, topic_prefix, []) as st:
        await st.start_worker()
        # The education registry says training was directed for the second graduate: a difference.
        st.graduate_data.education_like(IDS[1], training_mode="定向")
        await st.publish(declaration(st, IDS[0], "G-1"), "G-1")
        await st.publish(declaration(st, IDS[1], "G-2"), "G-2")

        async def verified() -> bool:
            n = await st.scalar("SELECT count(*) FROM graduate_verifications WHERE status = 'completed'")
            return bool(n == 2)

        await st.wait_until(verified, what="graduate verifications")
        events = {e["subject"]: e for e in await events_of(st, "graduate.verified", 2)}
        assert set(events) == {"G-1", "G-2"}
        same, differs = events["G-1"]["data"], events["G-2"]["data"]
        assert {i["status"] for i in same["items"]} == {"confirmed"} and len(same["items"]) == 10
        by_item = {i["item"]: i for i in differs["items"]}
        assert by_item["training_mode"]["status"] == "corrected"
        assert by_item["training_mode"]["department"] == "education_registry"
        assert differs["facts"]["graduate"]["training_mode"] == "directed"  # the registry wins
        assert events["G-2"]["correlation_id"] == "c-G-2"
        GraduateFacts.model_validate(differs["facts"])

        # Staff see the difference, declared and registry side by side; a unit sees its own only.
        r = await st.api.get("/v1/graduate-verifications?differences=true", headers=st.headers())
        assert r.status_code == 200, r.text
        assert [v["declaration_id"] for v in r.json()["items"]] == ["G-2"]
        r = await st.api.get("/v1/graduate-verifications/G-2", headers=st.headers())
        check = next(c for c in r.json()["checks"] if c["item"] == "training_mode")
        assert (check["declared"], check["registry"], check["status"]) == (
            "non_directed",
            "directed",
            "corrected",
        )
        unit = st.headers("supervising_unit", "unit-user", {"supervising_unit": "unit-haidian"})
        other = st.headers("supervising_unit", "unit-user-2", {"supervising_unit": "unit-chaoyang"})
        assert (await st.api.get("/v1/graduate-verifications", headers=unit)).json()["total"] == 2
        assert (await st.api.get("/v1/graduate-verifications", headers=other)).json()["total"] == 0
        assert (await st.api.get("/v1/graduate-verifications/G-1", headers=other)).status_code == 404
        r = await st.api.get("/v1/graduate-verifications/G-1/evidence", headers=unit)
        assert {e["registry"] for e in r.json()["items"]} == {"education_registry", "company_registry"}
        assert all(e["request_digest"].startswith("hmac-sha256:") for e in r.json()["items"])
        r = await st.api.get("/v1/graduate-verifications", headers=st.headers("applicant"))
        assert r.status_code == 403


def settlement_request(
    st: Stack, id_number: str, request_id: str, **changes: Any
) -> GraduateSettlementCheckRequestedV1:
    r = derive_education(id_number, year=Y, seed=11)
    assert r
    values: dict[str, Any] = {
        "declaration_id": f"D-{request_id}",
        "request_id": request_id,
        "round_id": f"graduates-{Y}",
        "year": Y,
        "id_number": EncryptedValue(**st.sealer.seal(id_number, context="id_number").as_dict()),
        "university": r[0]["school_name"],
        "education": "master",
        "diploma_number": r[0]["diploma_no"],
        "degree_number": r[0]["degree_no"],
        "training_mode": "non_directed",
        "employer_credit_code": EMPLOYER,
        "reported_for_duty_on": date(Y, 8, 3),
        "requested_at": datetime(Y + 1, 3, 1, tzinfo=UTC),
    }
    values.update(changes)
    return GraduateSettlementCheckRequestedV1(**values)


async def test_the_settlement_check_passes_or_fails_against_the_registries(
    infra: Infra, topic_prefix: str
) -> None:
    people = [
        graduate_person(IDS[0], (f"{Y}-08", f"{Y + 1}-02")),  # paid since reporting for duty
        graduate_person(IDS[1], None),  # never insured by the employer
        graduate_person(IDS[2], (f"{Y}-08", f"{Y + 1}-02")),
    ]
    async with review_stack(infra, topic_prefix, people) as st:
        for i in IDS:  # the registry's training mode is what the request says
            st.graduate_data.education_like(i, training_mode="非定向")
        await st.start_worker()
        await st.publish(settlement_request(st, IDS[0], "S-1"), "D-S-1", producer="settlement")
        await st.publish(settlement_request(st, IDS[1], "S-2"), "D-S-2", producer="settlement")
        await st.publish(
            settlement_request(st, IDS[2], "S-3", degree_number="WRONG-1"), "D-S-3", producer="settlement"
        )

        async def checked() -> bool:
            n = await st.scalar("SELECT count(*) FROM graduate_settlement_checks WHERE status = 'completed'")
            return bool(n == 3)

        await st.wait_until(checked, what="settlement checks")
        events = {
            e["data"]["request_id"]: e["data"] for e in await events_of(st, "graduate.settlement_checked", 3)
        }
        assert events["S-1"]["passed"] is True, events["S-1"]["items"]
        assert events["S-2"]["passed"] is False
        assert {i["item"]: i["status"] for i in events["S-2"]["items"]}["social_insurance"] == "not_found"
        assert events["S-3"]["passed"] is False
        assert {i["item"]: i["status"] for i in events["S-3"]["items"]}["degree"] == "corrected"

        r = await st.api.get("/v1/graduate-settlement-checks?passed=false", headers=st.headers())
        assert r.status_code == 200 and {c["request_id"] for c in r.json()["items"]} == {"S-2", "S-3"}
        r = await st.api.get("/v1/graduate-settlement-checks/S-1", headers=st.headers())
        assert r.json()["passed"] is True and r.json()["valid_until"] == f"{Y + 1}-12-31"
        r = await st.api.get("/v1/graduate-settlement-checks/S-1/evidence", headers=st.headers())
        assert {e["registry"] for e in r.json()["items"]} == {"education_registry", "social_insurance"}


async def test_a_registry_that_is_down_leaves_the_check_waiting_then_a_new_revision_is_verified_again(
    infra: Infra, topic_prefix: str
) -> None:
    async with review_stack(infra, topic_prefix, []) as st:
        st.registries["company"].set_faults(down=True)
        await st.start_worker()
        await st.publish(declaration(st, IDS[0], "G-9"), "G-9")

        async def status(expected: str) -> bool:
            row = await st.rows(
                "SELECT status, waiting_registries FROM graduate_verifications WHERE declaration_id = 'G-9'"
            )
            return bool(row) and row[0]["status"] == expected

        async def waiting() -> bool:
            return await status("pending_department")

        await st.wait_until(waiting, what="waiting for the company registry")
        row = (await st.rows("SELECT waiting_registries, last_error FROM graduate_verifications"))[0]
        assert row["waiting_registries"] == ["company_registry"] and "company_registry" in row["last_error"]
        r = await st.api.get("/v1/graduate-verifications/G-9", headers=st.headers())
        items = {c["item"]: c["status"] for c in r.json()["checks"]}
        assert items["employer_standing"] == "pending_department" and items["education"] == "confirmed"
        st.registries["company"].set_faults()  # back: the job asks again after its wait

        async def completed() -> bool:
            return await status("completed")

        await st.wait_until(completed, what="verified once the registry is back")
        # The education registry was not asked twice: its answer for this revision was kept.
        asked = await st.rows("SELECT registry, outcome FROM graduate_evidence WHERE subject_id = 'G-9'")
        assert [a["outcome"] for a in asked if a["registry"] == "education_registry"] == ["answered"]
        assert any(a["outcome"] == "unavailable" for a in asked if a["registry"] == "company_registry")

        again = declaration(st, IDS[0], "G-9").model_copy(update={"revision": 2, "major": "软件工程"})
        await st.publish(again, "G-9")

        async def second() -> bool:
            n = await st.scalar(
                "SELECT facts_revision FROM graduate_verifications WHERE declaration_id = 'G-9'"
            )
            return bool(n == 2)

        await st.wait_until(second, what="revision 2 verified")
        events = [e["data"] for e in await events_of(st, "graduate.verified", 2)]
        assert [(e["revision"], e["declaration_revision"]) for e in events] == [(1, 1), (2, 2)]
        assert {i["item"]: i["status"] for i in events[1]["items"]}["major"] == "corrected"
