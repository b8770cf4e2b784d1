"""The points round (积分落户) of the demo at scale, through the services' public APIs.

Bureau staff create the round and verify the employers; applicants log in through the city's identity
service, affiliate, declare (some with differences the registries contradict, some with on-site items,
a few fraud cases) and submit; their employers confirm. While review verifies against the registries,
the registries turn flaky for a while (faults set through their ``/_admin/faults`` API, then healed),
staff decide the on-site tasks, a recheck is filed and decided; in the results-query phase an appeal;
then the ranking (quota about 5%), the publicity with objections (one upheld for fraud) and the letters.
"""

from __future__ import annotations

import asyncio
import time
from datetime import date, timedelta
from typing import Any

from demo.client import DemoError, applicant_token
from demo.population import ApplicantPlan, good_employer_codes
from demo.world import World, pool, until
from shared.validation.identifiers import synthetic_resident_id

STAFF = "staff-wang"
INVESTIGATOR = "inv-li"
EMPLOYER_PASSWORD = "employer-pass-2027"
#: The flaky spells of the registries: (department, faults, seconds), one after the other, then healed.
FAULT_SPELLS: tuple[tuple[str, dict[str, Any], float], ...] = (
    ("tax", {"failure_rate": 0.5, "rate_limit_rate": 0.1, "retry_after_s": 1}, 12.0),
    ("housing", {"latency_ms": 150, "latency_jitter_ms": 200, "failure_rate": 0.4}, 12.0),
    ("police", {"down": True}, 6.0),
    ("social_insurance", {"rate_limit_rate": 0.4, "retry_after_s": 1}, 8.0),
)


def _phone(n: int) -> str:
    return f"13{n % 1_000_000_000:09d}"


class PointsRound:
    def __init__(self, world: World, plans: list[ApplicantPlan], *, quota: int, year: int, concurrency: int):
        self.w = world
        self.plans = plans
        self.quota = quota
        self.year = year
        self.concurrency = concurrency
        self.round_id = ""
        self.employers: list[tuple[str, str]] = []  # (credit code, admin username)
        self.applications: dict[str, ApplicantPlan] = {}
        self.ranking: dict[str, Any] = {}
        self.publicity_id = ""
        self.objections: list[dict[str, Any]] = []
        self.faults: dict[str, dict[str, Any]] = {}
        self.recheck: dict[str, Any] = {}
        self.appeal_request: dict[str, Any] = {}
        self.onsite_decided = 0
        self._faults_done = asyncio.Event()

    async def staff_token(self) -> str:
        return await self.w.accounts.token(STAFF)

    # ---- setup ----------------------------------------------------------------------------------

    async def setup(self, d0: date) -> None:
        api = self.w.api

        def d(n: int) -> str:
            return (d0 + timedelta(days=n)).isoformat()

        phases = [
            {"phase": "declaration", "starts_on": d(0), "ends_on": d(1)},
            {"phase": "review_summary", "starts_on": d(2), "ends_on": d(3)},
            {"phase": "results_query", "starts_on": d(4), "ends_on": d(5)},
            {"phase": "recheck_and_ranking", "starts_on": d(6), "ends_on": d(7)},
            {"phase": "publicity", "starts_on": d(8), "ends_on": d(15)},
            {"phase": "settlement", "starts_on": d(16), "ends_on": d(16 + 730)},
        ]
        rnd = await api.call(
            "intake",
            "POST",
            "/v1/rounds",
            token=await self.staff_token(),
            json={"year": self.year, "program": "points", "quota": self.quota, "phases": phases},
        )
        self.round_id = str(rnd.get("round_id") or rnd["id"])
        n_emp = max(2, min(10, len(self.plans) // 100))
        codes = good_employer_codes(n_emp, year=self.year, start=500_000)
        stage = self.w.progress.stage("employers", "points: employers registered", n_emp).start()

        async def employer(i: int) -> None:
            code, user = codes[i], f"hr-p{i}"
            await api.call(
                "intake",
                "POST",
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
                        "password": EMPLOYER_PASSWORD,
                        "name": f"人事{i + 1}",
                        "phone": _phone(900_000 + i),
                    },
                },
                stage=stage,
            )
            self.w.accounts.passwords[user] = EMPLOYER_PASSWORD
            await api.call(
                "intake",
                "POST",
                f"/v1/employers/{code}/verification",
                token=await self.staff_token(),
                json={"note": "营业执照原件已核验。"},
            )
            await self.w.accounts.token(user)
            stage.advance()

        await asyncio.gather(*(employer(i) for i in range(n_emp)))
        self.employers = [(codes[i], f"hr-p{i}") for i in range(n_emp)]
        stage.finish(f"round {self.round_id}, quota {self.quota}")

    # ---- declarations -----------------------------------------------------------------------------

    async def declare_all(self) -> None:
        api, w = self.w.api, self.w
        stage = w.progress.stage("declare", "points: declared & submitted", len(self.plans)).start()

        async def one(plan: ApplicantPlan) -> None:
            code, hr = self.employers[plan.index % len(self.employers)]
            tok = await applicant_token(
                api,
                username=f"a{plan.index}-{self.year}",
                name=plan.person.name,
                id_number=plan.person.id_number,
                phone=_phone(plan.index),
                now=w.now(),
                mint=w.mint,
                stage=stage,
            )
            hr_tok = await w.accounts.token(hr)
            aff = await api.call(
                "intake",
                "POST",
                "/v1/affiliations",
                token=tok,
                json={"employer_credit_code": code},
                stage=stage,
            )
            aff_id = aff.get("affiliation_id") or aff["id"]
            await api.call("intake", "POST", f"/v1/affiliations/{aff_id}/confirm", token=hr_tok, stage=stage)
            app = await api.call(
                "intake",
                "POST",
                "/v1/applications",
                token=tok,
                json={
                    "round_id": self.round_id,
                    "identity": {
                        "name": plan.person.name,
                        "id_number": plan.person.id_number,
                        "phone": _phone(plan.index),
                    },
                    "facts": plan.declaration(),
                },
                stage=stage,
            )
            app_id = str(app.get("application_id") or app["id"])
            await api.call(
                "intake",
                "POST",
                f"/v1/applications/{app_id}/employer-confirmation",
                token=hr_tok,
                json={"version": app["version"]},
                stage=stage,
            )
            await api.call(
                "intake",
                "POST",
                f"/v1/applications/{app_id}/submit",
                token=tok,
                headers={"Idempotency-Key": f"submit-{app_id}"},
                stage=stage,
            )
            self.applications[app_id] = plan
            stage.advance()

        async def guarded(plan: ApplicantPlan) -> None:
            try:
                await one(plan)
            except DemoError as e:
                stage.error(str(e))
                raise

        await pool(self.concurrency, self.plans, guarded)
        stage.finish("via the identity service" if w.mint else "password accounts (argon2)")

    # ---- flaky registries ---------------------------------------------------------------------------

    async def flaky_registries(self) -> None:
        """Each registry in turn is flaky for a while (faults set through its API), then healed."""
        api, w = self.w.api, self.w
        try:
            scale = min(1.0, max(0.25, len(self.plans) / 1000))  # shorter spells in a small round
            for dept, faults, full_s in FAULT_SPELLS:
                seconds = full_s * scale
                await api.call("plain", "PUT", f"{w.registry(dept)}/_admin/faults", json=faults)
                w.progress.event(f"registry {dept} is flaky: {faults} for {seconds:.0f}s")
                await asyncio.sleep(seconds)
                await api.call("plain", "PUT", f"{w.registry(dept)}/_admin/faults", json={})
                w.progress.event(f"registry {dept} healed")
        finally:
            self._faults_done.set()

    async def fault_counts(self) -> dict[str, dict[str, Any]]:
        out = {}
        for dept in ("social_insurance", "tax", "police", "housing"):
            doc = await self.w.api.call("plain", "GET", f"{self.w.registry(dept)}/_admin/faults")
            out[dept] = {"calls": doc["calls"], **doc["injected"]}
        self.faults = out
        return out

    # ---- verification, on-site tasks, scoring, recheck ---------------------------------------------

    async def verify_and_score(self, declared: asyncio.Task[None], timeout_s: float) -> None:
        api, w = self.w.api, self.w
        n = len(self.plans)
        verify = w.progress.stage("verify", "points: verified by review", n).start()
        onsite = w.progress.stage("onsite", "points: on-site tasks decided by staff").start()
        score = w.progress.stage("score", "points: scored", n).start()
        deadline = time.monotonic() + timeout_s
        while True:
            tok = await self.staff_token()
            await self._decide_onsite(tok, onsite)
            verified = await api.total(
                "review", "/v1/verifications", token=tok, round_id=self.round_id, status="completed"
            )
            verify.set_done(verified)
            scored = await api.total(
                "intake", "/v1/applications", token=tok, round_id=self.round_id, status="scored"
            )
            score.set_done(scored)
            if verified and not self.recheck:
                await self._recheck(tok)
            submitted = len(self.applications)
            if (
                declared.done()
                and self._faults_done.is_set()
                and verified >= submitted
                and scored >= submitted
            ):
                break
            if time.monotonic() > deadline:
                raise TimeoutError(
                    f"verification and scoring: {verified} verified, {scored} scored of {submitted}"
                )
            await asyncio.sleep(0.5)
        verify.finish()
        onsite.finish()
        score.finish()

    async def _decide_onsite(self, tok: str, stage: Any) -> None:
        api = self.w.api
        page = await api.call(
            "review",
            "GET",
            "/v1/onsite-tasks",
            token=tok,
            params={"status": "open", "round_id": self.round_id, "limit": 500},
        )
        tasks = page["items"]
        if stage.total is None or stage.total < stage.done + page["total"]:
            stage.total = stage.done + page["total"]

        async def decide(task: dict[str, Any]) -> None:
            task_id = task.get("task_id") or task["id"]
            reject = hash(str(task_id)) % 17 == 0  # staff find an occasional document not genuine
            resp = await api.raw(
                "review",
                "POST",
                f"/v1/onsite-tasks/{task_id}/decision",
                token=tok,
                stage=stage,
                json={
                    "decision": "rejected" if reject else "confirmed",
                    "reviewer": "王审核",
                    "note": "原件不符" if reject else "原件核验一致",
                },
            )
            if resp.status_code in (200, 201):
                stage.advance()
                self.onsite_decided += 1
            elif resp.status_code != 409:  # decided meanwhile (superseded): nothing to do
                stage.error(f"on-site decision {resp.status_code}: {resp.text[:120]}")

        await asyncio.gather(*(decide(t) for t in tasks))

    async def _recheck(self, tok: str) -> None:
        """A recheck (复查) of the own-home result in the declaration phase, filed at the counter and
        decided by staff."""
        api = self.w.api
        page = await api.call(
            "review",
            "GET",
            "/v1/verifications",
            token=tok,
            params={"round_id": self.round_id, "status": "completed", "limit": 1},
        )
        app_id = page["items"][0]["application_id"]
        req = await api.call(
            "review",
            "POST",
            "/v1/review-requests",
            token=tok,
            json={
                "application_id": app_id,
                "kind": "recheck",
                "item": "housing",
                "reason": "申请人对住房核查结果有异议",
            },
        )
        req_id = req.get("request_id") or req["id"]
        decided = await api.call(
            "review",
            "POST",
            f"/v1/review-requests/{req_id}/decision",
            token=tok,
            json={"outcome": "unchanged", "reviewer": "李复核", "note": "经复核，原审核结果无误"},
        )
        self.recheck = decided
        self.w.progress.event(f"recheck of {app_id} (housing) decided: unchanged")

    async def appeal(self) -> None:
        """An appeal (申诉) in the results-query phase, decided by staff."""
        api, tok = self.w.api, await self.staff_token()
        app_id = sorted(self.applications)[len(self.applications) // 2]
        req = await api.call(
            "review",
            "POST",
            "/v1/review-requests",
            token=tok,
            phase_wait_s=60,
            json={
                "application_id": app_id,
                "kind": "appeal",
                "item": "housing",
                "reason": "申请人对住房认定提出申诉",
            },
        )
        req_id = req.get("request_id") or req["id"]
        self.appeal_request = await api.call(
            "review",
            "POST",
            f"/v1/review-requests/{req_id}/decision",
            token=tok,
            json={"outcome": "unchanged", "reviewer": "李复核", "note": "经复核，维持原认定"},
        )
        self.w.progress.event(f"appeal of {app_id} (housing) decided: unchanged")

    # ---- ranking ------------------------------------------------------------------------------------

    async def rank(self) -> dict[str, Any]:
        api, tok = self.w.api, await self.staff_token()
        stage = self.w.progress.stage("rank", "points: ranked (quota)").start()
        path = f"/v1/rounds/{self.round_id}/rankings"
        ranking = await api.call(
            "scoring", "POST", path, token=tok, json={"quota": self.quota}, expect=(201,)
        )
        ranking = await api.call("scoring", "POST", f"{path}/{ranking['ranking_id']}/finalize", token=tok)
        self.ranking = ranking
        stage.set_done(int(ranking["ranked_count"]), int(ranking["ranked_count"]))
        stage.finish(f"cut-off {ranking['cutoff']}, {ranking['admitted_count']} admitted")
        return dict(ranking)

    # ---- publicity ------------------------------------------------------------------------------------

    async def publicity_open(self, timeout_s: float) -> None:
        api = self.w.api
        stage = self.w.progress.stage("publicity", "points: publicity & objections").start()

        async def opened() -> Any:
            doc = await api.call("publicity", "GET", "/v1/public/publicities")
            mine = [p for p in doc["items"] if p.get("round_id") == self.round_id and p["status"] == "open"]
            return mine[0] if mine else None

        pub = await until("the points publicity to open", opened, timeout_s=timeout_s)
        self.publicity_id = pid = str(pub["publicity_id"])
        tok = await self.staff_token()
        entries = await api.page_all("publicity", f"/v1/publicities/{pid}/entries", token=tok, limit=200)
        stage.set_done(0, min(3, len(entries)))  # the objections filed and decided
        fraud_apps = {a for a, p in self.applications.items() if p.fraud}
        targets = [e for e in entries if e["application_id"] in fraud_apps] or entries[:1]
        others = [e for e in entries if e is not targets[0]][:2]
        # Objection staff: operations register the supervisor (王), who registers the investigator (李).
        ops = await self.w.accounts.token("root")
        sup_id = await self.w.accounts.account_id(STAFF)
        inv_id = await self.w.accounts.account_id(INVESTIGATOR)
        await api.call("publicity", "PUT", f"/v1/objection-staff/supervisor/{sup_id}", token=ops)
        await api.call("publicity", "PUT", f"/v1/objection-staff/investigator/{inv_id}", token=tok)
        texts = [
            ("该申请人申报的自有住房材料不实，房产证系伪造。", "upheld"),
            ("该申请人的社保缴纳记录疑似代缴，请核查。", "dismissed"),
            ("该申请人实际不在申报单位工作。", "dismissed"),
        ]
        for n, (entry, (text, decision)) in enumerate(zip([targets[0], *others], texts, strict=False)):
            reporter = synthetic_resident_id(date(1960 + n, 3, 3), 2 + n, "110105")
            obj = await api.call(
                "publicity",
                "POST",
                f"/v1/public/publicities/{pid}/objections",
                data={
                    "entry_no": str(entry["entry_no"]),
                    "reporter_name": "赵举报",
                    "reporter_id_number": reporter,
                    "reporter_phone": f"1370013700{n}",
                    "text": text,
                },
                expect=(201,),
            )
            oid = obj["objection_id"]
            await api.call(
                "publicity",
                "POST",
                f"/v1/objections/{oid}/assign",
                token=tok,
                json={"investigator": inv_id, "note": "请核查"},
            )
            body: dict[str, Any] = {
                "decision": decision,
                "note": "经核实，" + ("房产证系伪造。" if decision == "upheld" else "反映问题不属实。"),
            }
            if decision == "upheld":
                body |= {"reason": "申报住所材料不实（欺诈）", "reason_code": "fraud"}
            await api.call(
                "publicity",
                "POST",
                f"/v1/objections/{oid}/decision",
                token=await self.w.accounts.token(INVESTIGATOR),
                json=body,
            )
            self.objections.append(
                {
                    "entry_no": entry["entry_no"],
                    "application_id": entry["application_id"],
                    "decision": decision,
                }
            )
            stage.advance()
        self.w.progress.event(
            f"publicity {pid}: {len(entries)} entries; objections: "
            + ", ".join(f"#{o['entry_no']} {o['decision']}" for o in self.objections)
        )

    async def publicity_closed(self) -> dict[str, Any] | None:
        doc = await self.w.api.call(
            "publicity", "GET", f"/v1/publicities/{self.publicity_id}", token=await self.staff_token()
        )
        return dict(doc) if doc.get("status") == "closed" and doc.get("cleared") is not None else None

    async def letters(self, cleared: int, timeout_s: float) -> int:
        stage = self.w.progress.stage("letters", "points: letters issued", cleared).start()
        self.w.progress.stages["publicity"].finish()

        async def probe() -> bool:
            n = await self.letter_count()
            stage.set_done(n)
            return n >= cleared

        await until("the points letters", probe, timeout_s=timeout_s)
        stage.finish()
        return stage.done

    async def letter_count(self) -> int:
        return await self.w.api.total(
            "intake",
            "/v1/applications",
            token=await self.staff_token(),
            round_id=self.round_id,
            status="letter_issued",
        )
