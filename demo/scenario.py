"""One points round, end to end, through the public HTTP APIs of the five services.

Registration and declaration at intake (applicants and employers), verification at review against the mock
department registries (on-site review by bureau staff), scoring and ranking, publicity with an objection
that is upheld, and the letters at settlement. The clock is moved forward between phases.

The same driver runs in the end-to-end test (services in-process, a manual clock) and in ``make demo``
(the local stack's processes, the shared offset clock).
"""

from __future__ import annotations

import asyncio
import time
import uuid
from collections import Counter
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

import httpx

from services.review.mock_registries.population import SyntheticPerson, declaration_for
from shared.validation.identifiers import credit_code_check_character, synthetic_resident_id

Say = Callable[[str], None]
FINAL_STATES = ("not_qualified", "not_admitted", "disqualified", "letter_issued")


class ScenarioError(AssertionError):
    pass


def _credit_code(n: int) -> str:
    body = f"91110108{n:09d}"[:17]
    body = body.replace("I", "1").replace("O", "0")
    return body + credit_code_check_character(body)


def _phone(n: int) -> str:
    return f"139{n:08d}"


@dataclass
class Services:
    """An HTTP client per service, the clock and a way to mint an operations token."""

    intake: httpx.AsyncClient
    review: httpx.AsyncClient
    scoring: httpx.AsyncClient
    publicity: httpx.AsyncClient
    settlement: httpx.AsyncClient
    now: Callable[[], datetime]
    advance: Callable[[timedelta], Awaitable[None]]
    operations_token: Callable[[], Awaitable[str]]


@dataclass
class RoundReport:
    round_id: str = ""
    applications: dict[str, str] = field(default_factory=dict)  # application id -> person id number
    final_states: dict[str, str] = field(default_factory=dict)
    ranking: dict[str, Any] = field(default_factory=dict)
    publicity_id: str = ""
    objection_against: str = ""
    letters: list[dict[str, Any]] = field(default_factory=list)
    timings: dict[str, float] = field(default_factory=dict)

    def counts(self) -> Counter[str]:
        return Counter(self.final_states.values())


def _id(doc: dict[str, Any], key: str) -> str:
    return str(doc.get(key) or doc["id"])


def _bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


async def _ok(resp: httpx.Response, *expected: int) -> Any:
    if resp.status_code not in (expected or (200, 201)):
        raise ScenarioError(
            f"{resp.request.method} {resp.request.url.path} -> {resp.status_code}: {resp.text[:500]}"
        )
    return resp.json() if resp.content else None


async def _until(
    what: str, probe: Callable[[], Awaitable[Any]], timeout_s: float, say: Say, every: float = 0.25
) -> Any:
    start = time.monotonic()
    last_note = start
    while True:
        result = await probe()
        if result:
            return result
        if time.monotonic() - start > timeout_s:
            raise ScenarioError(f"timed out after {timeout_s:.0f}s waiting for {what}")
        if time.monotonic() - last_note > 5:
            say(f"  … still waiting for {what}")
            last_note = time.monotonic()
        await asyncio.sleep(every)


class PointsRound:
    def __init__(
        self,
        svc: Services,
        people: list[SyntheticPerson],
        *,
        quota: int,
        say: Say = print,
        timeout_s: float = 120.0,
    ) -> None:
        self.svc = svc
        self.people = people
        self.quota = quota
        self.say = say
        self.timeout_s = timeout_s
        self.report = RoundReport()
        self.tag = uuid.uuid4().hex[:6]

    async def _login(self, username: str, password: str) -> str:
        r = await self.svc.intake.post(
            "/v1/auth/token", data={"grant_type": "password", "username": username, "password": password}
        )
        return str((await _ok(r))["access_token"])

    async def _staff(self, ops: str, username: str, name: str) -> str:
        await _ok(
            await self.svc.intake.post(
                "/v1/accounts",
                headers=_bearer(ops),
                json={
                    "username": username,
                    "password": "bureau-staff-pass-1",
                    "name": name,
                    "role": "bureau_staff",
                },
            )
        )
        return await self._login(username, "bureau-staff-pass-1")

    async def run(self) -> RoundReport:
        t0 = time.monotonic()
        say, svc = self.say, self.svc
        ops = await svc.operations_token()
        staff = await self._staff(ops, f"staff-{self.tag}", "王审核")
        today = svc.now().date()
        year = today.year

        def d(n: int) -> str:
            return (today + timedelta(days=n)).isoformat()

        phases = [
            {"phase": "declaration", "starts_on": d(0), "ends_on": d(1)},
            {"phase": "review_summary", "starts_on": d(2), "ends_on": d(3)},
            {"phase": "results_query", "starts_on": d(4), "ends_on": d(5)},
            {"phase": "recheck_and_ranking", "starts_on": d(6), "ends_on": d(7)},
            {"phase": "publicity", "starts_on": d(8), "ends_on": d(15)},
            {"phase": "settlement", "starts_on": d(16), "ends_on": d(16 + 730)},
        ]
        rnd = await _ok(
            await svc.intake.post(
                "/v1/rounds",
                headers=_bearer(staff),
                json={"year": year, "program": "points", "quota": self.quota, "phases": phases},
            )
        )
        round_id = self.report.round_id = _id(rnd, "round_id")
        say(f"round {round_id} created: year {year}, quota {self.quota}, declaration {d(0)}–{d(1)}")

        # ---- employers and applicants ---------------------------------------------------------
        employers = []
        for i in range(2):
            code = _credit_code(int(self.tag, 16) % 10_000_000 * 10 + i)
            user, pw = f"hr{i}-{self.tag}", "employer-pass-2024"
            await _ok(
                await svc.intake.post(
                    "/v1/employers",
                    json={
                        "employer": {
                            "credit_code": code,
                            "name": f"北京示范科技有限公司{i + 1}",
                            "district": "110108",
                            "tax_registered": True,
                        },
                        "admin": {
                            "username": user,
                            "password": pw,
                            "name": f"人事{i + 1}",
                            "phone": _phone(900 + i),
                        },
                    },
                )
            )
            # A new employer starts unverified (a credit code is public): bureau staff verify it first.
            await _ok(await svc.intake.post(f"/v1/employers/{code}/verification", headers=_bearer(staff)))
            employers.append((code, await self._login(user, pw)))
        say(f"{len(employers)} employers registered and verified by the bureau")
        tokens: dict[str, str] = {}
        for n, person in enumerate(self.people):
            user, pw = f"a{n}-{self.tag}", "applicant-pass-2024"
            await _ok(
                await svc.intake.post(
                    "/v1/accounts/applicants",
                    json={"username": user, "password": pw, "name": person.name, "phone": _phone(n)},
                )
            )
            tok = await self._login(user, pw)
            code, emp_tok = employers[n % len(employers)]
            aff = await _ok(
                await svc.intake.post(
                    "/v1/affiliations", headers=_bearer(tok), json={"employer_credit_code": code}
                )
            )
            await _ok(
                await svc.intake.post(
                    f"/v1/affiliations/{_id(aff, 'affiliation_id')}/confirm", headers=_bearer(emp_tok)
                )
            )
            app = await _ok(
                await svc.intake.post(
                    "/v1/applications",
                    headers=_bearer(tok),
                    json={
                        "round_id": round_id,
                        "identity": {"name": person.name, "id_number": person.id_number, "phone": _phone(n)},
                        "facts": declaration_for(person),
                    },
                )
            )
            app_id = _id(app, "application_id")
            await _ok(
                await svc.intake.post(
                    f"/v1/applications/{app_id}/employer-confirmation",
                    headers=_bearer(emp_tok),
                    json={"version": app["version"]},
                )
            )
            key = {"Idempotency-Key": f"submit-{app_id}"}
            first = await _ok(
                await svc.intake.post(f"/v1/applications/{app_id}/submit", headers=_bearer(tok) | key)
            )
            again = await _ok(
                await svc.intake.post(f"/v1/applications/{app_id}/submit", headers=_bearer(tok) | key)
            )
            if again != first:
                raise ScenarioError("a retried submit with the same Idempotency-Key answered differently")
            tokens[app_id] = tok
            self.report.applications[app_id] = person.id_number
        say(f"{len(tokens)} applicants registered, declared, confirmed by their employer and submitted")
        self.report.timings["declare_s"] = time.monotonic() - t0

        # ---- verification (with on-site review) and scoring --------------------------------------
        t1 = time.monotonic()
        app_ids = list(tokens)

        async def onsite_and_scored() -> bool:
            tasks = await _ok(
                await svc.review.get(
                    "/v1/onsite-tasks",
                    headers=_bearer(staff),
                    params={"status": "open", "round_id": round_id, "limit": 200},
                )
            )
            for task in tasks["items"]:
                await _ok(
                    await svc.review.post(
                        f"/v1/onsite-tasks/{_id(task, 'task_id')}/decision",
                        headers=_bearer(staff),
                        json={"decision": "confirmed", "reviewer": "王审核", "note": "原件核验一致"},
                    )
                )
            scored = 0
            for a in app_ids:
                r = await svc.scoring.get(f"/v1/applications/{a}/scores", headers=_bearer(staff))
                scored += r.status_code == 200
            return scored == len(app_ids)

        await _until(
            "verification and scoring of every application", onsite_and_scored, self.timeout_s, say, 0.5
        )
        self.report.timings["verify_and_score_s"] = time.monotonic() - t1
        say(f"all {len(app_ids)} applications verified (on-site tasks decided) and scored")

        # ---- ranking -----------------------------------------------------------------------------
        await svc.advance(timedelta(days=6))
        staff = await self._login(f"staff-{self.tag}", "bureau-staff-pass-1")  # tokens are short-lived
        ranking = await _ok(
            await svc.scoring.post(
                f"/v1/rounds/{round_id}/rankings", headers=_bearer(staff), json={"quota": self.quota}
            ),
            201,
        )
        again = await _ok(
            await svc.scoring.post(
                f"/v1/rounds/{round_id}/rankings", headers=_bearer(staff), json={"quota": self.quota}
            ),
            201,
        )
        if again["input_digest"] != ranking["input_digest"]:
            raise ScenarioError("the same inputs gave a different ranking digest")
        ranking = await _ok(
            await svc.scoring.post(
                f"/v1/rounds/{round_id}/rankings/{ranking['ranking_id']}/finalize", headers=_bearer(staff)
            )
        )
        self.report.ranking = ranking
        say(
            f"ranking finalized: {ranking['ranked_count']} qualified, cut-off {ranking['cutoff']}, "
            f"{ranking['admitted_count']} admitted, {ranking['input_digest'][:19]}…"
        )

        # ---- publicity ---------------------------------------------------------------------------
        await svc.advance(timedelta(days=2))
        staff = await self._login(f"staff-{self.tag}", "bureau-staff-pass-1")

        async def opened() -> Any:
            r = await svc.publicity.get("/v1/public/publicities")
            items = [p for p in (await _ok(r))["items"] if p.get("round_id") in (round_id, None)]
            return items[0] if items else None

        pub = await _until("the publicity list to open", opened, self.timeout_s, say)
        pid = self.report.publicity_id = _id(pub, "publicity_id")
        entries = await _ok(
            await svc.publicity.get(f"/v1/public/publicities/{pid}/entries", params={"limit": 200})
        )
        say(
            f"publicity {pid} open with {entries['total']} entries until {(pub.get('period') or {}).get('ends_at')}"
        )
        target = entries["items"][0]
        reporter = synthetic_resident_id(date(1949, 12, 31), 2, "110105")
        await _ok(
            await svc.publicity.post(
                f"/v1/public/publicities/{pid}/objections",
                data={
                    "entry_no": str(target["entry_no"]),
                    "reporter_name": "赵举报",
                    "reporter_id_number": reporter,
                    "reporter_phone": "13700137000",
                    "text": "该申请人申报的自有住房材料不实，房产证系伪造。",
                },
            ),
            201,
        )
        objs = await _ok(await svc.publicity.get(f"/v1/publicities/{pid}/objections", headers=_bearer(staff)))
        obj = objs["items"][0]
        if reporter in str(objs):
            raise ScenarioError("the reporter's ID number leaked into the objection list")
        # Publicity keeps who assigns and who investigates: operations register the supervisor (王审核),
        # the supervisor registers an investigator; nobody assigns an objection to themself.
        ops = await svc.operations_token()
        investigator = await self._staff(ops, f"inv-{self.tag}", "李调查")

        async def account_id(token: str) -> str:
            me = await _ok(await svc.intake.get("/v1/me", headers=_bearer(token)))
            return str(me.get("account_id") or me.get("subject") or me.get("id"))

        supervisor_id, investigator_id = await account_id(staff), await account_id(investigator)
        await _ok(
            await svc.publicity.put(f"/v1/objection-staff/supervisor/{supervisor_id}", headers=_bearer(ops))
        )
        await _ok(
            await svc.publicity.put(
                f"/v1/objection-staff/investigator/{investigator_id}", headers=_bearer(staff)
            )
        )
        await _ok(
            await svc.publicity.post(
                f"/v1/objections/{_id(obj, 'objection_id')}/assign",
                headers=_bearer(staff),
                json={"investigator": investigator_id, "note": "住所核查"},
            )
        )
        await _ok(
            await svc.publicity.post(
                f"/v1/objections/{_id(obj, 'objection_id')}/decision",
                headers=_bearer(investigator),
                json={
                    "decision": "upheld",
                    "note": "经住建部门核实，房产证系伪造。",
                    "reason": "申报住所材料不实（欺诈）",
                    "reason_code": "fraud",
                },
            )
        )
        say(f"objection against entry {target['entry_no']} upheld")
        await svc.advance(timedelta(days=8))
        staff = await self._login(f"staff-{self.tag}", "bureau-staff-pass-1")

        async def closed() -> Any:
            p = await _ok(await svc.publicity.get(f"/v1/publicities/{pid}", headers=_bearer(staff)))
            return p if p.get("status") == "closed" else None

        closed_pub = await _until("the publicity to close", closed, self.timeout_s, say)
        say(
            f"publicity closed: {closed_pub.get('cleared')} cleared, {closed_pub.get('disqualified')} disqualified, "
            f"{closed_pub.get('held')} held"
        )

        # ---- letters -----------------------------------------------------------------------------
        async def final_states() -> dict[str, str] | None:
            states: dict[str, str] = {}
            for a in app_ids:
                view = await _ok(await svc.intake.get(f"/v1/applications/{a}", headers=_bearer(staff)))
                states[a] = _final_state(view)
            return states if all(s in FINAL_STATES for s in states.values()) else None

        self.report.final_states = await _until(
            "every application to reach a final state", final_states, self.timeout_s, say, 0.5
        )
        letters = await _ok(
            await svc.settlement.get("/v1/letters", headers=_bearer(staff), params={"limit": 200})
        )
        self.report.letters = letters["items"]
        by_app = Counter((x["application_id"], x["letter_type"]) for x in self.report.letters)
        if any(n > 1 for n in by_app.values()):
            raise ScenarioError(f"a letter was issued twice: {by_app}")
        say(f"final states: {dict(self.report.counts())}; {len(self.report.letters)} letters issued")
        self.report.timings["total_s"] = time.monotonic() - t0
        return self.report


def _final_state(view: dict[str, Any]) -> str:
    status = view.get("status") or view.get("case", {}).get("status")
    if status == "letter_issued":
        return "letter_issued"
    if status == "disqualified":
        return "disqualified"
    score = view.get("score") or {}
    rank = view.get("ranking") or view.get("rank") or {}
    if status in ("scored", "ranked") and score.get("qualified") is False:
        return "not_qualified"
    if status == "ranked" and rank.get("admitted") is False:
        return "not_admitted"
    return str(status)
