"""The graduate round (引进毕业生) of the demo, beside the points round, through the public APIs.

Bureau staff open the round of year Y, register the supervising units (主管单位) with an account each,
verify the employers and put them under their units, and allocate each unit its quota (at settlement).
Employers declare their graduates (the graduate consents through a one-time link) and submit; review
verifies against the 学信 and 市场监管 registries, scoring assesses; each unit approves the eligible for
publicity and returns the others, then opens its list (5 working days). After the list closes the units
submit their cases and the bureau decides against each unit's quota (the last ones of a unit that ran out
are refused); approvals issue the 接收函. The graduates report for duty (their contributions appear at the
social-insurance registry); in Y+1 the units apply for settlement, review checks the registries and the
报户口介绍信 is issued. A second, small batch of the next year is left in its publicity period.
"""

from __future__ import annotations

import asyncio
import uuid
from collections import Counter
from typing import Any

from demo.client import DemoError
from demo.population import GraduatePlan, good_employer_codes, plan_graduates
from demo.world import World, pool, until

STAFF = "staff-wang"
EMPLOYER_PASSWORD = "employer-pass-2027"
UNIT_PASSWORD = "unit-pass-2027"
UNITS = (
    ("海淀区人力资源和社会保障局", "010-82345678", "北京市海淀区长春桥路17号", "110108"),
    ("朝阳区人力资源和社会保障局", "010-65094321", "北京市朝阳区朝阳门外大街", "110105"),
    ("东城区人力资源和社会保障局", "010-64012345", "北京市东城区东四北大街", "110101"),
    ("西城区人力资源和社会保障局", "010-66012345", "北京市西城区西直门南小街", "110102"),
    ("北京市国资委", "010-66190000", "北京市西城区槐柏树街2号", "110102"),
    ("中关村管委会", "010-88828888", "北京市海淀区西三环北路", "110108"),
)


class GraduateRound:
    def __init__(self, world: World, n: int, *, year: int, concurrency: int) -> None:
        self.w = world
        self.year = year
        self.concurrency = concurrency
        self.plans = plan_graduates(n, year)
        self.round_id = f"graduates-{year}"
        self.units: list[dict[str, Any]] = []  # id, name, username, employers, quota
        self.decl: dict[str, tuple[GraduatePlan, int]] = {}  # declaration id -> (plan, unit index)
        self.publicities: dict[str, dict[str, Any]] = {}  # unit id -> list
        self.outcomes: Counter[str] = Counter()
        self.second_batch: dict[str, Any] = {}
        self.on_list: set[str] = set()  # declarations the units approved for publicity

    async def staff_token(self) -> str:
        return await self.w.accounts.token(STAFF)

    # ---- the round, units, employers, quotas ------------------------------------------------------

    async def setup(self) -> None:
        api, tok = self.w.api, await self.staff_token()
        stage = self.w.progress.stage("g_setup", "graduates: round, units, quotas", len(UNITS)).start()
        await api.call(
            "intake", "POST", "/v1/graduate-rounds", token=tok, json={"year": self.year}, expect=(201,)
        )
        n = len(self.plans)
        codes = good_employer_codes(2 * len(UNITS), year=self.year, start=700_000)
        # Quotas: about 80% of the unit's share of eligible graduates, so some units run out.
        share = max(1, round(n / len(UNITS) * 0.55))

        async def unit(i: int) -> None:
            name, phone, address, district = UNITS[i]
            doc = await api.call(
                "intake",
                "POST",
                "/v1/supervising-units",
                token=tok,
                json={"name": name, "phone": phone, "address": address},
                expect=(201,),
            )
            uid = str(doc["id"])
            user = f"unit{i}-{self.year}"
            await api.call(
                "intake",
                "POST",
                f"/v1/supervising-units/{uid}/accounts",
                token=tok,
                json={"username": user, "password": UNIT_PASSWORD, "name": f"主管{i + 1}"},
                expect=(201,),
            )
            self.w.accounts.passwords[user] = UNIT_PASSWORD
            employers = []
            for k in (2 * i, 2 * i + 1):
                code, hr = codes[k], f"hr-g{k}-{self.year}"
                await api.call(
                    "intake",
                    "POST",
                    "/v1/employers",
                    json={
                        "employer": {
                            "credit_code": code,
                            "name": f"北京引才科技有限公司{k + 1}",
                            "district": district,
                            "tax_registered": True,
                        },
                        "admin": {
                            "username": hr,
                            "password": EMPLOYER_PASSWORD,
                            "name": f"人事{k}",
                            "phone": f"1380000{k:04d}",
                        },
                    },
                    expect=(201,),
                )
                self.w.accounts.passwords[hr] = EMPLOYER_PASSWORD
                await api.call(
                    "intake",
                    "POST",
                    f"/v1/employers/{code}/verification",
                    token=tok,
                    json={"note": "营业执照已核验。"},
                )
                await api.call(
                    "intake",
                    "POST",
                    f"/v1/supervising-units/{uid}/employers",
                    token=tok,
                    json={"employer_credit_code": code},
                )
                employers.append((code, hr))
            quota = max(1, share - (i % 3) * max(1, share // 4))
            await api.call(
                "settlement",
                "POST",
                f"/v1/quotas/{self.year}/allocations",
                token=tok,
                json={
                    "supervising_unit_id": uid,
                    "amount": quota,
                    "reason": f"{self.year}年度指标分配（局务会决定）",
                },
                expect=(201,),
            )
            self.units.append(
                {
                    "index": i,
                    "id": uid,
                    "name": name,
                    "username": user,
                    "employers": employers,
                    "quota": quota,
                }
            )
            stage.advance()

        await asyncio.gather(*(unit(i) for i in range(len(UNITS))))
        self.units.sort(key=lambda u: int(u["index"]))
        stage.finish(f"{sum(u['quota'] for u in self.units)} quota units allocated")

    # ---- declarations -------------------------------------------------------------------------------

    async def declare_all(self) -> None:
        api = self.w.api
        stage = self.w.progress.stage(
            "g_declare", "graduates: declared by employers", len(self.plans)
        ).start()

        async def one(plan: GraduatePlan) -> None:
            ui = plan.index % len(self.units)
            unit = self.units[ui]
            _, hr = unit["employers"][plan.index // len(self.units) % 2]
            tok = await self.w.accounts.token(hr)
            body = await api.call(
                "intake",
                "POST",
                "/v1/graduate-declarations",
                token=tok,
                json=plan.declaration(self.round_id, unit["id"]),
                expect=(201,),
                stage=stage,
            )
            did = str(body["id"])
            link = await api.call(
                "intake",
                "POST",
                f"/v1/graduate-declarations/{did}/consent-link",
                token=tok,
                expect=(201,),
                stage=stage,
            )
            await api.call("intake", "POST", link["path"], stage=stage)  # the graduate consents
            await api.call(
                "intake",
                "POST",
                f"/v1/graduate-declarations/{did}/submit",
                token=tok,
                headers={"Idempotency-Key": f"submit-{uuid.uuid4()}"},
                stage=stage,
            )
            self.decl[did] = (plan, ui)
            stage.advance()

        await pool(max(2, self.concurrency // 3), self.plans, one)
        stage.finish()

    async def _declarations(self) -> list[dict[str, Any]]:
        return await self.w.api.page_all(
            "intake",
            "/v1/graduate-declarations",
            token=await self.staff_token(),
            params={"round_id": self.round_id},
        )

    async def assess_and_publish(self, declared: asyncio.Task[None], timeout_s: float) -> None:
        """Wait for every verification and assessment; the units approve or return; lists open."""
        stage = self.w.progress.stage("g_assess", "graduates: verified & assessed", len(self.plans)).start()
        views: list[dict[str, Any]] = []

        async def assessed() -> bool:
            nonlocal views
            views = await self._declarations()
            done = [v for v in views if v.get("assessment") and v.get("verification")]
            stage.set_done(len(done))
            return declared.done() and len(done) >= len(self.decl)

        await until("graduate verification and assessment", assessed, timeout_s=timeout_s, every_s=1.0)
        stage.finish(f"{sum(bool(v['assessment']['eligible']) for v in views)} eligible")
        decide = self.w.progress.stage("g_unit", "graduates: unit decisions", len(views)).start()
        api = self.w.api
        approved_per_unit: Counter[str] = Counter()

        async def unit_decision(v: dict[str, Any]) -> None:
            did = str(v["id"])
            _, ui = self.decl[did]
            unit = self.units[ui]
            tok = await self.w.accounts.token(unit["username"])
            if v["assessment"]["eligible"]:
                await api.call(
                    "intake",
                    "POST",
                    f"/v1/graduate-declarations/{did}/unit-approval",
                    token=tok,
                    json={"revision": 1},
                )
                approved_per_unit[unit["id"]] += 1
                self.on_list.add(did)
            else:
                failed = ", ".join(v["assessment"].get("failed_checks") or []) or "不符合引进条件"
                await api.call(
                    "intake",
                    "POST",
                    f"/v1/graduate-declarations/{did}/unit-return",
                    token=tok,
                    json={"revision": 1, "reason": f"经审核不符合引进条件：{failed}"[:200]},
                )
            decide.advance()

        await pool(self.concurrency // 2, views, unit_decision)
        decide.finish(f"{sum(approved_per_unit.values())} approved for publicity")
        pub = self.w.progress.stage("g_publicity", "graduates: unit lists opened", len(self.units)).start()
        for unit in self.units:
            tok = await self.w.accounts.token(unit["username"])
            want = approved_per_unit[unit["id"]]

            async def arrived(unit_id: str = unit["id"], tok: str = tok, want: int = want) -> bool:
                page = await api.call(
                    "publicity", "GET", f"/v1/units/{unit_id}/graduate-candidates", token=tok
                )
                return int(page["total"]) >= want

            await until(f"the candidates of {unit['name']}", arrived, timeout_s=timeout_s)
            if want == 0:
                pub.advance()
                continue
            doc = await api.call(
                "publicity",
                "POST",
                f"/v1/units/{unit['id']}/graduate-publicities",
                token=tok,
                json={"working_days": 5},
                expect=(201,),
            )
            self.publicities[unit["id"]] = doc
            pub.advance()
        pub.finish()

    def publicity_ends_at(self) -> str:
        return max((str(p["period"]["ends_at"]) for p in self.publicities.values()), default="")

    # ---- decisions against the quota, 接收函 --------------------------------------------------------------

    async def decide(self, timeout_s: float) -> None:
        api = self.w.api
        stage = self.w.progress.stage("g_decide", "graduates: bureau decisions (quota)").start()
        cases: list[dict[str, Any]] = []

        async def cleared() -> bool:
            nonlocal cases
            cases = await api.page_all(
                "settlement", "/v1/graduate-cases", token=await self.staff_token(), params={"year": self.year}
            )
            listed = [c for c in cases if c["declaration_id"] in self.on_list]
            stage.set_done(sum(c.get("publicity_outcome") is not None for c in listed), len(self.on_list))
            return len(listed) == len(self.on_list) and all(
                c.get("publicity_outcome") is not None and c.get("quota_treatment") is not None
                for c in listed
            )

        await until("the graduate lists to close", cleared, timeout_s=timeout_s, every_s=1.0)
        ready = [c for c in cases if c.get("publicity_outcome") == "cleared" and c["status"] == "open"]
        stage.set_done(0, len(ready))
        by_unit: dict[str, list[dict[str, Any]]] = {}
        for c in ready:
            by_unit.setdefault(str(c["supervising_unit_id"]), []).append(c)

        async def unit_cases(unit_id: str, items: list[dict[str, Any]]) -> None:
            unit = next(u for u in self.units if u["id"] == unit_id)
            for c in sorted(items, key=lambda c: str(c["declaration_id"])):
                did = c["declaration_id"]
                await api.call(
                    "settlement",
                    "POST",
                    f"/v1/supervising-units/{unit_id}/graduate-cases/{did}/submit",
                    token=await self.w.accounts.token(unit["username"]),
                    json={},
                )
                resp = await api.raw(
                    "settlement",
                    "POST",
                    f"/v1/graduate-cases/{did}/approve",
                    token=await self.staff_token(),
                    json={},
                )
                if resp.status_code in (200, 201):
                    self.outcomes["approved"] += 1
                elif resp.status_code == 409 and resp.json()["error"]["code"] == "quota_exhausted":
                    await api.call(
                        "settlement",
                        "POST",
                        f"/v1/graduate-cases/{did}/refuse",
                        token=await self.staff_token(),
                        json={"reason": f"本单位{self.year}年度引进毕业生指标已用完（指标不足）"},
                    )
                    self.outcomes["refused_quota"] += 1
                else:
                    raise DemoError(f"approve {did}: {resp.status_code} {resp.text[:300]}")
                stage.advance()

        await asyncio.gather(*(unit_cases(u, items) for u, items in by_unit.items()))
        stage.finish(
            f"{self.outcomes['approved']} approved, {self.outcomes['refused_quota']} refused for quota"
        )

    async def report_duty(self) -> None:
        """The approved graduates report for duty; their employer insures them from that month."""
        api = self.w.api
        cases = await api.page_all(
            "settlement",
            "/v1/graduate-cases",
            token=await self.staff_token(),
            params={"year": self.year, "status": "approved"},
        )
        stage = self.w.progress.stage("g_duty", "graduates: reported for duty", len(cases)).start()
        month = self.w.now().strftime("%Y-%m")

        async def one(c: dict[str, Any]) -> None:
            did = str(c["declaration_id"])
            plan, ui = self.decl[did]
            unit = self.units[ui]
            code = unit["employers"][plan.index // len(self.units) % 2][0]
            await api.call(
                "settlement",
                "POST",
                f"/v1/supervising-units/{unit['id']}/graduate-cases/{did}/report-duty",
                token=await self.w.accounts.token(unit["username"]),
                json={"diploma_number": plan.record["diploma_no"], "degree_number": plan.record["degree_no"]},
                stage=stage,
            )
            await api.call(
                "plain",
                "PUT",
                f"{self.w.registry('social_insurance')}/_admin/people",
                json={
                    "id_number": plan.id_number,
                    "name": plan.name,
                    "social_insurance": [
                        {
                            "insurance": "pension",
                            "from": month,
                            "to": f"{self.year + 1}-02",
                            "district": "110108",
                            "unit": code,
                        }
                    ],
                },
            )
            stage.advance()

        await pool(self.concurrency // 2, cases, one)
        stage.finish()

    async def settle(self, timeout_s: float) -> None:
        """Y+1: every reported graduate's unit applies for settlement; review checks; 报户口介绍信."""
        api = self.w.api
        cases = await api.page_all(
            "settlement",
            "/v1/graduate-cases",
            token=await self.staff_token(),
            params={"year": self.year, "status": "reported"},
        )
        stage = self.w.progress.stage("g_settle", "graduates: settlement checks (Y+1)", len(cases)).start()

        async def one(c: dict[str, Any]) -> None:
            did = str(c["declaration_id"])
            _, ui = self.decl[did]
            unit = self.units[ui]
            await api.call(
                "settlement",
                "POST",
                f"/v1/supervising-units/{unit['id']}/graduate-cases/{did}/settlement",
                token=await self.w.accounts.token(unit["username"]),
                stage=stage,
            )

        await pool(self.concurrency // 2, cases, one)

        async def settled() -> bool:
            done = 0
            for status in ("settled", "settlement_failed"):
                done += await api.total(
                    "settlement",
                    "/v1/graduate-cases",
                    token=await self.staff_token(),
                    year=self.year,
                    status=status,
                )
            stage.set_done(done)
            return done >= len(cases)

        await until("the settlement checks", settled, timeout_s=timeout_s, every_s=1.0)
        stage.finish()

    # ---- the next year's batch, left in its publicity ------------------------------------------------------

    async def open_next_batch(self, n: int) -> dict[str, Any]:
        """A few graduates of Y+1 declared by the first unit's employer; the unit's list is left open."""
        api, tok = self.w.api, await self.staff_token()
        year = self.year + 1
        await api.call("intake", "POST", "/v1/graduate-rounds", token=tok, json={"year": year}, expect=(201,))
        plans = plan_graduates(n * 3, year, salt="next")
        plans = [
            p
            for p in plans
            if p.level in ("master", "doctor")
            and p.record["training_mode"] == "非定向"
            and p.record["enrolment_plan"] == "统招"
            and (year - int(p.id_number[6:10])) <= (27 if p.level == "master" else 35)
        ][:n]
        unit = self.units[0]
        _, hr = unit["employers"][0]
        ids = []
        for p in plans:  # the 学信 registry answers Y+1's graduates as registered (it derives year Y's)
            await api.call(
                "plain",
                "PUT",
                f"{self.w.registry('education')}/_admin/records",
                json={"key": p.id_number, "record": [p.record]},
            )
            body = await api.call(
                "intake",
                "POST",
                "/v1/graduate-declarations",
                token=await self.w.accounts.token(hr),
                json=p.declaration(f"graduates-{year}", unit["id"]),
                expect=(201,),
            )
            did = str(body["id"])
            link = await api.call(
                "intake",
                "POST",
                f"/v1/graduate-declarations/{did}/consent-link",
                token=await self.w.accounts.token(hr),
                expect=(201,),
            )
            await api.call("intake", "POST", link["path"])
            await api.call(
                "intake",
                "POST",
                f"/v1/graduate-declarations/{did}/submit",
                token=await self.w.accounts.token(hr),
                headers={"Idempotency-Key": f"submit-{uuid.uuid4()}"},
            )
            ids.append(did)

        async def assessed() -> list[dict[str, Any]] | None:
            views = await api.page_all(
                "intake",
                "/v1/graduate-declarations",
                token=await self.staff_token(),
                params={"round_id": f"graduates-{year}"},
            )
            return views if len([v for v in views if v.get("assessment")]) >= len(ids) else None

        views = await until("the next year's batch to be assessed", assessed, timeout_s=120)
        approved = 0
        for v in views:
            if v["assessment"]["eligible"]:
                await api.call(
                    "intake",
                    "POST",
                    f"/v1/graduate-declarations/{v['id']}/unit-approval",
                    token=await self.w.accounts.token(unit["username"]),
                    json={"revision": 1},
                )
                approved += 1
        utok = await self.w.accounts.token(unit["username"])

        async def arrived() -> bool:
            page = await api.call(
                "publicity", "GET", f"/v1/units/{unit['id']}/graduate-candidates", token=utok
            )
            return int(page["total"]) >= approved

        await until("the next year's candidates", arrived, timeout_s=120)
        doc = await api.call(
            "publicity",
            "POST",
            f"/v1/units/{unit['id']}/graduate-publicities",
            token=utok,
            json={"working_days": 5},
            expect=(201,),
        )
        self.second_batch = dict(doc)
        return self.second_batch
