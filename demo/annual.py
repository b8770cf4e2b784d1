"""One annual round of both programmes on one shared clock, and the counts read back afterwards.

The timeline (Beijing time; Y is next year, so the clock only moves forward):

- D0, a Monday in May of Y, 09:00 — the points round's declaration phase and the graduate round's
  declaration stage: applicants and employers declare, review verifies (registries flaky for a while),
  staff decide on-site tasks and a recheck; units decide and open their lists (5 working days).
- D0+4 results query: an appeal. D0+6 recheck and ranking: the ranking (quota about 5%) is finalized.
- D0+8 the points publicity opens: objections, one upheld for fraud. The graduate lists have closed:
  units submit, the bureau decides against each unit's quota, 接收函 are issued.
- D0+16 the points publicity has closed: letters. August of Y: graduates report for duty.
- March of Y+1: settlement checks and 报户口介绍信. Then (:meth:`AnnualRound.leave_open`) a small batch of
  Y+1 is left in its publicity period.
"""

from __future__ import annotations

import asyncio
import time
from collections import Counter
from datetime import date, datetime, timedelta
from typing import Any

from demo.graduates import GraduateRound
from demo.points import INVESTIGATOR, STAFF, PointsRound
from demo.population import plan_applicants
from demo.world import World, until
from services.review.mock_registries.population import generate_population
from shared.clock import BEIJING

APPROVED_STATUSES = ("approved", "reported", "settlement_requested", "settled", "settlement_failed")


def first_monday(on_or_after: date) -> date:
    return on_or_after + timedelta(days=(7 - on_or_after.weekday()) % 7)


def timeline(year: int) -> dict[str, datetime]:
    def at(d: date) -> datetime:
        return datetime(d.year, d.month, d.day, 9, 0, tzinfo=BEIJING)

    d0 = first_monday(date(year, 5, 10))
    return {
        "d0": at(d0),
        "results_query": at(d0 + timedelta(days=4)),
        "ranking": at(d0 + timedelta(days=6)),
        "publicity": at(d0 + timedelta(days=8)),
        "settlement": at(d0 + timedelta(days=16)),
        "duty": at(first_monday(date(year, 8, 2))),
        "next_year": at(first_monday(date(year + 1, 3, 6))),
    }


class AnnualRound:
    def __init__(self, world: World, *, applicants: int, graduates: int, year: int, concurrency: int) -> None:
        self.w = world
        self.year = year
        self.n_applicants = applicants
        self.n_graduates = graduates
        self.quota = max(1, round(applicants * 0.05))
        people = generate_population(applicants, application_year=year)
        self.points = PointsRound(
            world, plan_applicants(people), quota=self.quota, year=year, concurrency=concurrency
        )
        self.graduates = GraduateRound(world, graduates, year=year, concurrency=concurrency)
        self.t = timeline(year)
        self.seconds: dict[str, float] = {}

    async def _timed(self, name: str, coro: Any) -> Any:
        t0 = time.monotonic()
        try:
            return await coro
        finally:
            self.seconds[name] = self.seconds.get(name, 0.0) + time.monotonic() - t0

    async def run(self, *, timeout_s: float = 900.0) -> None:
        w, p, g = self.w, self.points, self.graduates
        ops = await w.accounts.token("root")
        await w.staff(STAFF, "王审核", ops)
        await w.staff(INVESTIGATOR, "李调查", ops)
        await asyncio.gather(
            self._timed("points_setup", p.setup(self.t["d0"].date())),
            self._timed("graduates_setup", g.setup()),
        )
        # ---- D0: declarations, verification, on-site tasks, recheck; graduate lists open ----------------
        p_declared = asyncio.create_task(self._timed("points_declare", p.declare_all()))
        g_declared = asyncio.create_task(self._timed("graduates_declare", g.declare_all()))
        faults = asyncio.create_task(p.flaky_registries())
        try:
            await asyncio.gather(
                self._timed("points_verify_score", p.verify_and_score(p_declared, timeout_s)),
                self._timed("graduates_assess_publish", g.assess_and_publish(g_declared, timeout_s)),
                p_declared,
                g_declared,
                faults,
            )
        finally:
            for task in (p_declared, g_declared, faults):
                task.cancel()
        # ---- results query: an appeal; ranking --------------------------------------------------------
        await w.move_to(self.t["results_query"], "points: results query (查询) phase")
        await self._timed("points_appeal", p.appeal())
        await w.move_to(self.t["ranking"], "points: recheck and ranking phase")
        await self._timed("points_rank", p.rank())
        # ---- publicity (points) and the graduate decisions --------------------------------------------
        ends = g.publicity_ends_at()
        if ends and datetime.fromisoformat(ends) > self.t["publicity"]:
            raise RuntimeError(f"a graduate list closes only at {ends}, after the points publicity opens")
        await w.move_to(self.t["publicity"], "points publicity opens; graduate lists have closed")
        await asyncio.gather(
            self._timed("points_publicity", p.publicity_open(timeout_s=120)),
            self._timed("graduates_decide", g.decide(timeout_s=120)),
        )
        # ---- letters --------------------------------------------------------------------------------------
        await w.move_to(self.t["settlement"], "points publicity period over")
        t0 = time.monotonic()
        closed: dict[str, Any] | None = None
        for attempt in range(6):
            try:
                closed = await until("the points publicity to close", p.publicity_closed, timeout_s=30)
                break
            except TimeoutError:
                if attempt == 5:
                    raise
                await w.advance(timedelta(days=1), "the points publicity has not closed yet")
        assert closed is not None
        self.seconds["points_publicity_close"] = time.monotonic() - t0
        await self._timed("points_letters", p.letters(int(closed["cleared"]), timeout_s=timeout_s))
        # ---- graduates: duty, Y+1 settlement, next year's batch left open -----------------------------
        await w.move_to(self.t["duty"], "graduates report for duty")
        await self._timed("graduates_duty", g.report_duty())
        await w.move_to(self.t["next_year"], f"Y+1 = {self.year + 1}: settlement of the graduates")
        await self._timed("graduates_settle", g.settle(timeout_s=timeout_s))

    async def leave_open(self) -> dict[str, Any]:
        """After the round (and its invariants): a small batch of Y+1 whose list stays in its period."""
        doc: dict[str, Any] = await self._timed("graduates_next_batch", self.graduates.open_next_batch(4))
        return doc

    # ---- counts read back from the services ----------------------------------------------------------

    async def counts(self) -> dict[str, Any]:
        api, p, g = self.w.api, self.points, self.graduates
        tok = await self.w.accounts.token(STAFF)
        apps = await api.page_all("intake", "/v1/applications", token=tok, params={"round_id": p.round_id})
        submitted = await api.total(
            "intake", "/v1/applications", token=tok, round_id=p.round_id, declaration_status="submitted"
        )
        verified = await api.total(
            "review", "/v1/verifications", token=tok, round_id=p.round_id, status="completed"
        )
        rk = p.ranking
        entries = await api.page_all(
            "scoring", f"/v1/rounds/{p.round_id}/rankings/{rk['ranking_id']}/entries", token=tok, limit=1000
        )
        admitted_ids = {e["application_id"] for e in entries if e["admitted"]}
        ranked_ids = {e["application_id"] for e in entries}
        pub = await api.call("publicity", "GET", f"/v1/publicities/{p.publicity_id}", token=tok)
        points_letters: dict[str, set[str]] = {}
        for letter_type in ("points_qualification_confirmation", "points_settlement_letter"):
            items = await api.page_all(
                "settlement",
                "/v1/letters",
                token=tok,
                params={"letter_type": letter_type, "status": "issued"},
            )
            points_letters[letter_type] = {
                x["application_id"] for x in items if x["application_id"] in p.applications
            }
        letter_apps = set().union(*points_letters.values())
        final: Counter[str] = Counter()
        for a in apps:
            if a["status"] in ("letter_issued", "disqualified", "held", "cleared"):
                final[a["status"]] += 1
            elif a["id"] in admitted_ids:
                final["admitted_pending"] += 1
            elif a["id"] in ranked_ids:
                final["not_admitted"] += 1
            else:
                final["not_qualified"] += 1
        decls = await api.page_all(
            "intake", "/v1/graduate-declarations", token=tok, params={"round_id": g.round_id}
        )
        cases = await api.page_all("settlement", "/v1/graduate-cases", token=tok, params={"year": self.year})
        # A declaration its unit returned never reaches the bureau: settlement still holds its case as "open".
        returned = {d["id"] for d in decls if d["status"] == "returned"}
        g_final: Counter[str] = Counter(c["status"] for c in cases if c["declaration_id"] not in returned)
        g_final["returned_by_unit"] = len(returned)
        receiving = await api.total(
            "settlement", "/v1/letters", token=tok, letter_type="receiving_letter", status="issued"
        )
        hukou = await api.total(
            "settlement", "/v1/letters", token=tok, letter_type="hukou_letter", status="issued"
        )
        account = await api.call("settlement", "GET", f"/v1/quotas/{self.year}/account", token=tok)
        refused = Counter(str(c["supervising_unit_id"]) for c in cases if c["status"] == "refused")
        names = {u["id"]: u["name"] for u in g.units}
        quota_use = [
            {
                "unit_id": line["supervising_unit_id"],
                "name": names.get(line["supervising_unit_id"], line["supervising_unit_id"]),
                "allocated": int(line["allocated"])
                + int(line.get("reallocated_in", 0))
                - int(line.get("reallocated_out", 0)),
                "used": int(line["used"]) - int(line.get("returned", 0)),
                "direct": int(line.get("direct", 0)),
                "remaining": int(line["remaining"]),
                "refused": refused.get(line["supervising_unit_id"], 0),
            }
            for line in account["units"]
            if line["supervising_unit_id"] in names
        ]
        return {
            "stages": {
                "submitted": submitted,
                "verified": verified,
                "scored": sum(a.get("score_total") is not None for a in apps),
                "qualified": int(rk["ranked_count"]),
                "admitted": int(rk["admitted_count"]),
                "publicity_cleared": int(pub.get("cleared") or 0),
                "publicity_disqualified": int(pub.get("disqualified") or 0),
                "letters_issued": len(letter_apps),
                "graduates_declared": len([d for d in decls if d.get("status") != "draft"]),
                "graduates_approved": sum(c["status"] in APPROVED_STATUSES for c in cases),
                "receiving_letters": receiving,
                "hukou_letters": hukou,
            },
            "letters_by_type": {k: len(v) for k, v in points_letters.items()},
            "cutoff": rk.get("cutoff"),
            "scores": [float(e["total"]) for e in entries],
            "final_states": dict(final),
            "graduate_final_states": dict(g_final),
            "quota_use": quota_use,
            "sample_letter": await self._sample_letter(tok, letter_apps),
        }

    async def _sample_letter(self, tok: str, apps: set[str]) -> dict[str, Any]:
        """A points letter (a 接收函 or 报户口介绍信 when the round issued none)."""
        params: dict[str, Any] = {"application_id": min(apps)} if apps else {"status": "issued"}
        doc = await self.w.api.call(
            "settlement", "GET", "/v1/letters", token=tok, params={**params, "limit": 1}
        )
        return dict(doc["items"][0]) if doc["items"] else {}
