"""The invariants of a round, checked in the services' own databases (shared by ``make demo`` and ``make chaos``).

:func:`check_invariants` reads each service's database directly (read-only transactions, plain SQL) and
judges what the services did together, whatever happened to the processes in between:

**Points programme** (per round):

- *final state* — in a round whose settlement phase intake has announced (so the publicity period is
  over), every submitted application is in exactly one final state, judged from the services' own rows:

  ``not_qualified``  its latest score (scoring) does not qualify; intake says ``scored``;
  ``not_admitted``   qualified, ranked below the cut-off (scoring's finalized ranking); intake ``ranked``;
  ``cleared``        on the publicity list, outcome ``cleared``, a qualification in settlement that was
                     granted (``confirmed`` or any later status) and exactly one qualification
                     confirmation letter; intake ``letter_issued`` (or a later ``letter_revoked``,
                     ``lapsed``, ``cancelled``);
  ``disqualified``   on the list, outcome ``disqualified``, settlement's qualification ``disqualified``,
                     no letter; intake ``disqualified``.

  Points applications cannot be withdrawn (intake has no such status). A round still before its
  settlement phase is reported as in progress and only its counts are judged.
- *counts agree* — every application intake received (status other than ``draft``) reached review,
  settlement and (until its list is prepared and the staging rows are purged) publicity; every one review completed is scored at its latest revision of facts (and, once
  the round is ranked or over, every one is verified); a finalized ranking holds exactly the qualified
  ones (publicity received every ``application.ranked``); the publicity list holds exactly the admitted
  ones; settlement has one qualification per list entry once the list closed.
- *no second effect* — one score per revision of verified facts (no score for a revision review never
  emitted), one verification per declaration revision and trigger, no second letter of a type per
  application (or declaration), no application twice on a list, and no event applied twice by a
  consumer (the ``audit_chain`` record every applied event leaves names the consumer and the event id).
- *no event stuck* — every outbox row of every service is published.
- *no dead letter* beyond ``expected_dead_letters`` (every ``dead_letters`` row counts, replayed or not).

**Graduate programme**:

- *final state* — every declared graduate (intake status other than ``draft``) is in exactly one final
  state: ``returned`` (by the supervising unit), ``not_eligible`` (latest assessment, no decision),
  ``disqualified`` (at publicity), ``refused`` (by the bureau), ``approved`` (a 接收函, settlement case
  ``approved``/``reported``/``settlement_requested``), ``settled`` (a 报户口介绍信 beside the 接收函),
  ``settlement_failed``, ``revoked`` or ``cancelled``. Cases still waiting for the unit, the publicity or
  the bureau, or a revocation requested, are not final.
- *one 接收函 / one 报户口介绍信* at most per declaration, and none without an approval.
- *quota balances* — for each supervising unit and year, ``remaining`` equals the allocations (with
  reallocations) minus the units used net of returns, and those equal the approvals that hold a unit of quota
  (settlement cases with ``quota_unit_held``) plus the counted graduates already settled,
  and the account's counters equal the sums of its movements.

A check with nothing to judge (no graduates, no closed round) holds with the detail "nothing to check".
The report is retried for ``settle_s`` seconds while it fails, for a pipeline that is still finishing
(the last relay batch, a consumer behind by a second); it never writes.
"""

from __future__ import annotations

import asyncio
import json
import time
from collections import Counter, defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncConnection, create_async_engine
from sqlalchemy.pool import NullPool

from shared.settings import SERVICES

NOTHING = "nothing to check"
#: Settlement qualification statuses of a granted qualification (the confirmation letter was issued).
GRANTED = ("confirmed", "materials_submitted", "materials_returned", "district_checked", "approved",
           "lapsed", "cancelled", "abandoned")  # fmt: skip
#: Intake's application status for each points final state.
INTAKE_STATUS = {
    "not_qualified": ("scored",),
    "not_admitted": ("ranked",),
    "cleared": ("letter_issued", "letter_revoked", "lapsed", "cancelled"),
    "disqualified": ("disqualified",),
}
CONFIRMATION = "points_qualification_confirmation"
RECEIVING, HUKOU = "receiving_letter", "hukou_letter"
#: Settlement graduate case statuses after an approval (a 接收函 was issued).
APPROVED_CASES = ("approved", "reported", "settlement_requested", "settled", "settlement_failed",
                  "revocation_requested", "revoked", "cancelled")  # fmt: skip
#: The most examples a failing check names.
EXAMPLES = 5


@dataclass(frozen=True)
class InvariantCheck:
    name: str
    held: bool
    detail: str


@dataclass(frozen=True)
class InvariantReport:
    checks: tuple[InvariantCheck, ...]

    @property
    def held(self) -> bool:
        return all(c.held for c in self.checks)

    def as_dict(self) -> dict[str, Any]:
        return {
            "held": self.held,
            "checks": [{"name": c.name, "held": c.held, "detail": c.detail} for c in self.checks],
        }


def stack_database_urls(var_dir: Path) -> dict[str, str]:
    """Service name → SQLAlchemy async URL of its database, in a local stack started with ``--var-dir
    var_dir`` (from ``var_dir/stack.json``, written by ``python -m shared.devstack run`` once ready)."""
    path = Path(var_dir) / "stack.json"
    try:
        doc = json.loads(path.read_text())
    except FileNotFoundError:
        raise FileNotFoundError(
            f"{path} not found: is a local stack running with --var-dir {var_dir}?"
        ) from None
    return {svc: str(doc["services"][svc]["database_url"]) for svc in SERVICES}


# ---- reading ---------------------------------------------------------------------------------------------

Rows = list[dict[str, Any]]

QUERIES: dict[str, dict[str, str]] = {
    "intake": {
        "rounds": "SELECT id, program, year, quota, phases, announced_index FROM rounds",
        "applications": "SELECT id, round_id, status, revision FROM applications WHERE status <> 'draft'",
        "graduates": "SELECT id, round_id, supervising_unit_id, status FROM graduate_declarations "
        "WHERE status <> 'draft'",
    },
    "review": {
        "applications": "SELECT application_id, round_id, status, facts_revision FROM applications",
        "verified": "SELECT application_id, facts_revision, declaration_revision, trigger FROM verified_facts",
        "graduates": "SELECT declaration_id, round_id, status, facts_revision FROM graduate_verifications",
    },
    "scoring": {
        "scores": "SELECT application_id, revision, round_id, qualified FROM score_results",
        "rankings": "SELECT ranking_id, round_id, ranked_count, admitted_count FROM rankings "
        "WHERE status = 'finalized'",
        "entries": "SELECT e.ranking_id, e.application_id, e.admitted FROM ranking_entries e "
        "JOIN rankings r ON r.ranking_id = e.ranking_id WHERE r.status = 'finalized'",
        "assessments": "SELECT declaration_id, revision, eligible FROM graduate_assessments",
    },
    "publicity": {
        "submissions": "SELECT application_id, round_id, program FROM submissions",
        "ranked": "SELECT ranking_id, application_id, admitted FROM ranked",
        "publicities": "SELECT publicity_id, round_id, program, status, ranking_id, entry_count FROM publicities",
        "entries": "SELECT publicity_id, application_id, outcome FROM entries",
    },
    "settlement": {
        "holders": "SELECT application_id, round_id, program FROM holders",
        "qualifications": "SELECT application_id, round_id, program, status FROM qualifications",
        "letters": "SELECT application_id, letter_type, program, status FROM letters",
        "cases": "SELECT declaration_id, status, supervising_unit_id, year, quota_unit_held, quota_treatment "
        "FROM graduate_cases",
        "quota": "SELECT supervising_unit_id, year, allocated, reallocated_in, reallocated_out, used, returned, "
        "remaining FROM quota_accounts",
        "movements": "SELECT supervising_unit_id, year, kind, sum(amount) AS amount, count(*) AS n "
        "FROM quota_movements GROUP BY 1, 2, 3",
    },
}
#: Read in every service's database.
COMMON = {
    "unpublished": "SELECT event_type, count(*) AS n FROM outbox WHERE published_at IS NULL GROUP BY 1",
    "dead_letters": "SELECT consumer, event_type, reason_code, status FROM dead_letters",
    "applied_twice": "SELECT detail->>'consumer' AS consumer, detail->>'event_id' AS event_id, "
    "action AS event_type, count(*) AS n FROM audit_chain WHERE detail ? 'event_id' "
    "GROUP BY 1, 2, 3 HAVING count(*) > 1",
}


async def _read(conn: AsyncConnection, sql: str) -> Rows:
    return [dict(r) for r in (await conn.execute(sa.text(sql))).mappings()]


async def _snapshot_of(svc: str, url: str) -> dict[str, Rows]:
    engine = create_async_engine(url, poolclass=NullPool)
    try:
        async with engine.connect() as conn:
            await conn.execute(sa.text("SET TRANSACTION READ ONLY"))
            out = {}
            for name, sql in {**QUERIES.get(svc, {}), **COMMON}.items():
                out[name] = await _read(conn, sql)
            await conn.rollback()
            return out
    finally:
        await engine.dispose()


@dataclass
class Snapshot:
    db: dict[str, dict[str, Rows]] = field(default_factory=dict)

    def rows(self, svc: str, name: str) -> Rows:
        return self.db.get(svc, {}).get(name, [])


def _ids(rows: Iterable[dict[str, Any]], key: str) -> set[str]:
    return {str(r[key]) for r in rows}


def _some(items: Iterable[Any]) -> str:
    items = sorted(str(i) for i in items)
    more = f" … (+{len(items) - EXAMPLES})" if len(items) > EXAMPLES else ""
    return ", ".join(items[:EXAMPLES]) + more


def _check(name: str, problems: list[str], ok_detail: str) -> InvariantCheck:
    if problems:
        return InvariantCheck(name, False, "; ".join(problems))
    return InvariantCheck(name, True, ok_detail)


# ---- points ------------------------------------------------------------------------------------------------


@dataclass
class PointsRound:
    round_id: str
    closed: bool  # intake announced the settlement phase: the publicity period is over
    submitted: set[str]
    ranking: dict[str, Any] | None
    publicity: dict[str, Any] | None


def _points_rounds(s: Snapshot) -> list[PointsRound]:
    apps_by_round: dict[str, set[str]] = defaultdict(set)
    for a in s.rows("intake", "applications"):
        apps_by_round[str(a["round_id"])].add(str(a["id"]))
    rankings = {str(r["round_id"]): r for r in s.rows("scoring", "rankings")}
    pubs = {str(p["round_id"]): p for p in s.rows("publicity", "publicities") if p["program"] == "points"}
    out = []
    for r in s.rows("intake", "rounds"):
        if r["program"] != "points":
            continue
        phases = [p.get("phase") for p in (r["phases"] or [])]
        settle_at = phases.index("settlement") if "settlement" in phases else len(phases)
        rid = str(r["id"])
        out.append(
            PointsRound(
                rid,
                int(r["announced_index"]) >= settle_at,
                apps_by_round[rid],
                rankings.get(rid),
                pubs.get(rid),
            )
        )
    return out


def _latest_scores(s: Snapshot) -> dict[str, dict[str, Any]]:
    latest: dict[str, dict[str, Any]] = {}
    for row in s.rows("scoring", "scores"):
        a = str(row["application_id"])
        if a not in latest or row["revision"] > latest[a]["revision"]:
            latest[a] = row
    return latest


def points_final_states(s: Snapshot) -> InvariantCheck:
    rounds = [r for r in _points_rounds(s) if r.closed]
    in_progress = [r for r in _points_rounds(s) if not r.closed]
    if not any(r.submitted for r in rounds):
        extra = f" ({len(in_progress)} round(s) in progress)" if in_progress else ""
        return InvariantCheck("points: every application in exactly one final state", True, NOTHING + extra)
    scores = _latest_scores(s)
    ranked = {str(e["application_id"]): bool(e["admitted"]) for e in s.rows("scoring", "entries")}
    outcome = {str(e["application_id"]): e["outcome"] for e in s.rows("publicity", "entries")}
    quals = {str(q["application_id"]): str(q["status"]) for q in s.rows("settlement", "qualifications")}
    confirmations = Counter(
        str(x["application_id"]) for x in s.rows("settlement", "letters") if x["letter_type"] == CONFIRMATION
    )
    intake_status = {str(a["id"]): str(a["status"]) for a in s.rows("intake", "applications")}
    states: Counter[str] = Counter()
    problems: dict[str, list[str]] = defaultdict(list)
    for rnd in rounds:
        for a in sorted(rnd.submitted):
            sc = scores.get(a)
            candidates = {
                "not_qualified": sc is not None and not sc["qualified"],
                "not_admitted": ranked.get(a) is False,
                "cleared": outcome.get(a) == "cleared" and quals.get(a) in GRANTED and confirmations[a] == 1,
                "disqualified": outcome.get(a) == "disqualified"
                and quals.get(a) == "disqualified"
                and confirmations[a] == 0,
            }
            found = [k for k, v in candidates.items() if v]
            if len(found) != 1:
                why = "none" if not found else "+".join(found)
                problems[f"in {why}"].append(
                    f"{a} (score {'-' if sc is None else sc['qualified']}, admitted {ranked.get(a, '-')}, "
                    f"publicity {outcome.get(a, '-')}, qualification {quals.get(a, '-')}, "
                    f"{confirmations[a]} letter(s))"
                )
                continue
            state = found[0]
            states[state] += 1
            if intake_status.get(a) not in INTAKE_STATUS[state]:
                problems[f"{state} but intake says otherwise"].append(f"{a} ({intake_status.get(a)})")
    total = sum(len(r.submitted) for r in rounds)
    if problems:
        parts = [f"{len(v)} {k}: {_some(v)}" for k, v in problems.items()]
        return InvariantCheck(
            "points: every application in exactly one final state", False, f"of {total}: " + "; ".join(parts)
        )
    detail = f"{total} applications: " + ", ".join(f"{k} {v}" for k, v in sorted(states.items()))
    if in_progress:
        detail += f" ({len(in_progress)} round(s) in progress not judged)"
    return InvariantCheck("points: every application in exactly one final state", True, detail)


def points_counts(s: Snapshot) -> InvariantCheck:
    name = "points: counts agree across the services"
    rounds = _points_rounds(s)
    if not any(r.submitted for r in rounds):
        return InvariantCheck(name, True, NOTHING)
    review = {str(r["application_id"]): r for r in s.rows("review", "applications")}
    pub_subs = _ids(s.rows("publicity", "submissions"), "application_id")
    holders = _ids(s.rows("settlement", "holders"), "application_id")
    scores = _latest_scores(s)
    entries_by_ranking: dict[str, dict[str, bool]] = defaultdict(dict)
    for e in s.rows("scoring", "entries"):
        entries_by_ranking[str(e["ranking_id"])][str(e["application_id"])] = bool(e["admitted"])
    pub_ranked: dict[str, dict[str, bool]] = defaultdict(dict)
    for e in s.rows("publicity", "ranked"):
        pub_ranked[str(e["ranking_id"])][str(e["application_id"])] = bool(e["admitted"])
    list_entries: dict[str, dict[str, Any]] = defaultdict(dict)
    for e in s.rows("publicity", "entries"):
        list_entries[str(e["publicity_id"])][str(e["application_id"])] = e["outcome"]
    quals = {str(q["application_id"]): q for q in s.rows("settlement", "qualifications")}
    problems: list[str] = []
    figures: Counter[str] = Counter()
    for rnd in rounds:
        sub = rnd.submitted
        tag = f"round {rnd.round_id}"
        figures["submitted"] += len(sub)
        # Publicity keeps its staging rows only until the round's list is prepared (data minimisation):
        # after that, the list is judged against the ranking below.
        targets = [("review", set(review)), ("settlement", holders)]
        if rnd.publicity is None:
            targets.append(("publicity", pub_subs))
        for what, have in targets:
            missing = sub - have
            if missing:
                problems.append(f"{tag}: {len(missing)} submitted never reached {what}: {_some(missing)}")
        completed = {a for a in sub if a in review and review[a]["status"] == "completed"}
        figures["verified"] += len(completed)
        if rnd.ranking is not None or rnd.closed:
            unverified = sub - completed
            if unverified:
                problems.append(f"{tag}: {len(unverified)} submitted but not verified: {_some(unverified)}")
        unscored = {
            a for a in completed if a not in scores or scores[a]["revision"] < review[a]["facts_revision"]
        }
        figures["scored"] += len(completed & set(scores))
        if unscored:
            problems.append(
                f"{tag}: {len(unscored)} verified but not scored at their latest facts: {_some(unscored)}"
            )
        if rnd.ranking is None:
            if rnd.closed:
                problems.append(f"{tag}: the round is over but has no finalized ranking")
            continue
        rid = str(rnd.ranking["ranking_id"])
        ranked = entries_by_ranking[rid]
        qualified = {a for a in sub if a in scores and scores[a]["qualified"]}
        admitted = {a for a, adm in ranked.items() if adm}
        figures["ranked"] += len(ranked)
        figures["admitted"] += len(admitted)
        if set(ranked) != qualified:
            problems.append(
                f"{tag}: ranking {rid} holds {len(ranked)}, {len(qualified)} qualified "
                f"(not ranked: {_some(qualified - set(ranked)) or '-'}; ranked, not qualified: "
                f"{_some(set(ranked) - qualified) or '-'})"
            )
        if rnd.ranking["ranked_count"] != len(ranked) or rnd.ranking["admitted_count"] != len(admitted):
            problems.append(
                f"{tag}: ranking {rid} says {rnd.ranking['ranked_count']} ranked, {rnd.ranking['admitted_count']} "
                f"admitted; its entries {len(ranked)}, {len(admitted)}"
            )
        if pub_ranked[rid] != ranked:
            diff = set(pub_ranked[rid].items()) ^ set(ranked.items())
            problems.append(f"{tag}: publicity's application.ranked differ from scoring's in {len(diff)}")
        if rnd.publicity is None:
            if rnd.closed:
                problems.append(f"{tag}: the round is over but publicity has no list for it")
            continue
        pid = str(rnd.publicity["publicity_id"])
        on_list = list_entries[pid]
        figures["publicity_entries"] += len(on_list)
        if set(on_list) != admitted or rnd.publicity["entry_count"] != len(on_list):
            problems.append(
                f"{tag}: list {pid} holds {len(on_list)} (entry_count {rnd.publicity['entry_count']}), "
                f"{len(admitted)} admitted"
            )
        if rnd.closed:
            if rnd.publicity["status"] != "closed":
                problems.append(
                    f"{tag}: the settlement phase began but list {pid} is {rnd.publicity['status']}"
                )
            have = {a for a in on_list if a in quals}
            figures["qualifications"] += len(have)
            if have != set(on_list):
                problems.append(
                    f"{tag}: {len(set(on_list) - have)} list entries without a qualification in settlement: "
                    f"{_some(set(on_list) - have)}"
                )
    detail = ", ".join(f"{k} {v}" for k, v in figures.items())
    return _check(name, problems, detail)


# ---- both programmes -----------------------------------------------------------------------------------


def no_second_effect(s: Snapshot) -> InvariantCheck:
    problems: list[str] = []
    verified_revisions: dict[str, set[int]] = defaultdict(set)
    per_trigger: Counter[tuple[str, int, str]] = Counter()
    for v in s.rows("review", "verified"):
        verified_revisions[str(v["application_id"])].add(int(v["facts_revision"]))
        per_trigger[(str(v["application_id"]), int(v["declaration_revision"]), str(v["trigger"]))] += 1
    twice = [f"{a} r{r} {t}" for (a, r, t), n in per_trigger.items() if n > 1 and t == "verification"]
    if twice:
        problems.append(f"{len(twice)} declaration revisions verified twice on submission: {_some(twice)}")
    score_keys = Counter((str(r["application_id"]), int(r["revision"])) for r in s.rows("scoring", "scores"))
    dup_scores = [f"{a} r{r}" for (a, r), n in score_keys.items() if n > 1]
    if dup_scores:
        problems.append(f"{len(dup_scores)} facts revisions scored twice: {_some(dup_scores)}")
    stray = [f"{a} r{r}" for a, r in score_keys if r not in verified_revisions.get(a, set())]
    if stray:
        problems.append(f"{len(stray)} scores for a revision of facts review never emitted: {_some(stray)}")
    assess_keys = Counter(
        (str(r["declaration_id"]), int(r["revision"])) for r in s.rows("scoring", "assessments")
    )
    dup_assess = [f"{d} r{r}" for (d, r), n in assess_keys.items() if n > 1]
    if dup_assess:
        problems.append(f"{len(dup_assess)} graduate facts revisions assessed twice: {_some(dup_assess)}")
    letters = Counter(
        (str(x["application_id"]), str(x["letter_type"])) for x in s.rows("settlement", "letters")
    )
    dup_letters = [f"{a} {t}×{n}" for (a, t), n in letters.items() if n > 1]
    if dup_letters:
        problems.append(f"{len(dup_letters)} second letters: {_some(dup_letters)}")
    on_lists = Counter(
        (str(e["publicity_id"]), str(e["application_id"])) for e in s.rows("publicity", "entries")
    )
    dup_entries = [f"{p}/{a}" for (p, a), n in on_lists.items() if n > 1]
    points_lists = {
        str(p["publicity_id"]) for p in s.rows("publicity", "publicities") if p["program"] == "points"
    }
    per_app = Counter(a for p, a in on_lists if p in points_lists)
    dup_entries += [f"{a} on {n} points lists" for a, n in per_app.items() if n > 1]
    if dup_entries:
        problems.append(f"{len(dup_entries)} duplicate publicity entries: {_some(dup_entries)}")
    for svc in SERVICES:
        rows = s.rows(svc, "applied_twice")
        if rows:
            ex = [f"{r['event_type']} {r['event_id']} ×{r['n']} by {r['consumer']}" for r in rows]
            problems.append(f"{svc}: {len(rows)} events applied more than once: {_some(ex)}")
    figures = (
        f"{sum(score_keys.values())} scores, {sum(letters.values())} letters, {sum(on_lists.values())} "
        "list entries, no event applied twice"
    )
    return _check("no second effect (scores, letters, list entries, events)", problems, figures)


def no_event_stuck(s: Snapshot) -> InvariantCheck:
    stuck = {svc: s.rows(svc, "unpublished") for svc in SERVICES}
    problems = []
    for svc, rows in stuck.items():
        if rows:
            kinds = _some(f"{r['event_type']}×{r['n']}" for r in rows)
            problems.append(f"{svc}: {sum(int(r['n']) for r in rows)} unpublished ({kinds})")
    return _check("no event stuck (every outbox row published)", problems, "every outbox row published")


def dead_letters(s: Snapshot, expected: int) -> InvariantCheck:
    rows = [(svc, r) for svc in SERVICES for r in s.rows(svc, "dead_letters")]
    kinds = Counter(
        f"{svc}/{r['consumer']}: {r['event_type']} {r['reason_code']} ({r['status']})" for svc, r in rows
    )
    detail = f"{len(rows)} dead letters (expected at most {expected})"
    if kinds:
        detail += ": " + ", ".join(f"{k} ×{n}" for k, n in kinds.most_common(EXAMPLES))
    return InvariantCheck("no dead letter beyond those expected", len(rows) <= expected, detail)


# ---- graduates -------------------------------------------------------------------------------------------


def graduates_final_states(s: Snapshot) -> InvariantCheck:
    name = "graduates: every declared graduate in exactly one final state"
    declared = s.rows("intake", "graduates")
    if not declared:
        return InvariantCheck(name, True, NOTHING)
    cases = {str(c["declaration_id"]): c for c in s.rows("settlement", "cases")}
    letters = Counter(
        (str(x["application_id"]), str(x["letter_type"]))
        for x in s.rows("settlement", "letters")
        if x["letter_type"] in (RECEIVING, HUKOU)
    )
    latest: dict[str, dict[str, Any]] = {}
    for a in s.rows("scoring", "assessments"):
        d = str(a["declaration_id"])
        if d not in latest or a["revision"] > latest[d]["revision"]:
            latest[d] = a
    states: Counter[str] = Counter()
    problems: dict[str, list[str]] = defaultdict(list)
    for g in declared:
        d, status = str(g["id"]), str(g["status"])
        case = cases.get(d)
        cs = str(case["status"]) if case else None
        recv, hk = letters[(d, RECEIVING)], letters[(d, HUKOU)]
        candidates = {
            "returned": status == "returned" and cs in (None, "open"),
            "not_eligible": status not in ("returned", "approved", "refused")
            and d in latest
            and not latest[d]["eligible"]
            and cs in (None, "open"),
            "disqualified": cs == "disqualified" and recv == 0,
            "refused": cs == "refused" and status == "refused" and recv == 0,
            "approved": cs in ("approved", "reported", "settlement_requested") and recv == 1 and hk == 0,
            "settled": cs == "settled" and recv == 1 and hk == 1,
            "settlement_failed": cs == "settlement_failed" and recv == 1 and hk == 0,
            "revoked": cs == "revoked" and recv == 1,
            "cancelled": cs == "cancelled" and recv <= 1 and hk <= 1,
        }
        found = [k for k, v in candidates.items() if v]
        if len(found) != 1:
            why = "none" if not found else "+".join(found)
            problems[f"in {why}"].append(
                f"{d} (intake {status}, case {cs or '-'}, 接收函 {recv}, 报户口 {hk})"
            )
            continue
        states[found[0]] += 1
    if problems:
        parts = [f"{len(v)} {k}: {_some(v)}" for k, v in problems.items()]
        return InvariantCheck(name, False, f"of {len(declared)}: " + "; ".join(parts))
    return InvariantCheck(
        name, True, f"{len(declared)} graduates: " + ", ".join(f"{k} {v}" for k, v in sorted(states.items()))
    )


def graduates_letters(s: Snapshot) -> InvariantCheck:
    name = "graduates: at most one 接收函 and one 报户口介绍信, only after an approval"
    grad_letters = [x for x in s.rows("settlement", "letters") if x["letter_type"] in (RECEIVING, HUKOU)]
    if not grad_letters and not s.rows("intake", "graduates"):
        return InvariantCheck(name, True, NOTHING)
    cases = {str(c["declaration_id"]): str(c["status"]) for c in s.rows("settlement", "cases")}
    per = Counter((str(x["application_id"]), str(x["letter_type"])) for x in grad_letters)
    problems = []
    twice = [f"{d} {t}×{n}" for (d, t), n in per.items() if n > 1]
    if twice:
        problems.append(f"{len(twice)} second letters: {_some(twice)}")
    unapproved = [f"{d} ({cases.get(d, '-')})" for d, _ in per if cases.get(d) not in APPROVED_CASES]
    if unapproved:
        problems.append(f"{len(unapproved)} letters without an approval: {_some(unapproved)}")
    no_receiving = [d for d, t in per if t == HUKOU and per[(d, RECEIVING)] == 0]
    if no_receiving:
        problems.append(f"{len(no_receiving)} 报户口介绍信 without a 接收函: {_some(no_receiving)}")
    counts = Counter(str(x["letter_type"]) for x in grad_letters)
    return _check(name, problems, f"{counts[RECEIVING]} 接收函, {counts[HUKOU]} 报户口介绍信")


def quota_balances(s: Snapshot) -> InvariantCheck:
    name = "graduates: quota balances equal allocations minus counted approvals"
    accounts = s.rows("settlement", "quota")
    if not accounts:
        return InvariantCheck(name, True, NOTHING)
    held: Counter[tuple[str, int]] = Counter(
        (str(c["supervising_unit_id"]), int(c["year"]))
        for c in s.rows("settlement", "cases")
        if c["quota_unit_held"] and c["year"] is not None
    )
    # A settled graduate keeps the unit for good: the case stops "holding" it (it can no longer be given back).
    settled: Counter[tuple[str, int]] = Counter(
        (str(c["supervising_unit_id"]), int(c["year"]))
        for c in s.rows("settlement", "cases")
        if c["status"] == "settled" and c["quota_treatment"] == "counted" and c["year"] is not None
    )
    moves: dict[tuple[str, int], dict[str, int]] = defaultdict(lambda: defaultdict(int))
    for m in s.rows("settlement", "movements"):
        key = (str(m["supervising_unit_id"]), int(m["year"]))
        moves[key][str(m["kind"])] += int(m["amount"])
    problems = []
    for a in accounts:
        key = (str(a["supervising_unit_id"]), int(a["year"]))
        tag = f"{key[0]}/{key[1]}"
        granted = int(a["allocated"]) + int(a["reallocated_in"]) - int(a["reallocated_out"])
        counted = held[key] + settled[key]
        net_used = int(a["used"]) - int(a["returned"])
        if int(a["remaining"]) != granted - net_used:
            problems.append(f"{tag}: remaining {a['remaining']}, allocated {granted} − {net_used} used net")
        if net_used != counted:
            problems.append(
                f"{tag}: {net_used} units used net, but {held[key]} approvals hold one and {settled[key]} "
                "counted graduates settled"
            )
        mv = moves[key]
        for column, kind in (("allocated", "allocation"), ("reallocated_in", "reallocation_in"),
                             ("reallocated_out", "reallocation_out"), ("used", "use"), ("returned", "return")):  # fmt: skip
            if int(a[column]) != mv.get(kind, 0):
                problems.append(f"{tag}: {column} {a[column]} but its movements sum to {mv.get(kind, 0)}")
    total_rem = sum(int(a["remaining"]) for a in accounts)
    return _check(
        name,
        problems,
        f"{len(accounts)} accounts, {sum(held.values())} units held, {sum(settled.values())} settled, "
        f"{total_rem} remaining",
    )


def graduates_counts(s: Snapshot) -> InvariantCheck:
    name = "graduates: counts agree across the services"
    declared = _ids(s.rows("intake", "graduates"), "id")
    if not declared:
        return InvariantCheck(name, True, NOTHING)
    review = {str(r["declaration_id"]): r for r in s.rows("review", "graduates")}
    cases = _ids(s.rows("settlement", "cases"), "declaration_id")
    assessed = _ids(s.rows("scoring", "assessments"), "declaration_id")
    problems = []
    for what, have in (("review", set(review)), ("settlement", cases)):
        if declared - have:
            problems.append(f"{len(declared - have)} declared never reached {what}: {_some(declared - have)}")
    completed = {d for d, r in review.items() if r["status"] == "completed"}
    if completed - assessed:
        problems.append(
            f"{len(completed - assessed)} verified but not assessed: {_some(completed - assessed)}"
        )
    return _check(
        name, problems, f"declared {len(declared)}, verified {len(completed)}, assessed {len(assessed)}"
    )


# ---- the report --------------------------------------------------------------------------------------------


def judge(s: Snapshot, expected_dead_letters: int = 0) -> InvariantReport:
    """Every invariant, on one snapshot of the databases."""
    return InvariantReport(
        (
            points_final_states(s),
            points_counts(s),
            no_second_effect(s),
            no_event_stuck(s),
            dead_letters(s, expected_dead_letters),
            graduates_final_states(s),
            graduates_counts(s),
            graduates_letters(s),
            quota_balances(s),
        )
    )


async def snapshot(database_urls: Mapping[str, str]) -> Snapshot:
    """What the invariants need, read from each service's database (read-only transactions)."""
    missing = [svc for svc in SERVICES if svc not in database_urls]
    if missing:
        raise ValueError(f"no database URL for {', '.join(missing)}")
    results = await asyncio.gather(*(_snapshot_of(svc, database_urls[svc]) for svc in SERVICES))
    return Snapshot(dict(zip(SERVICES, results, strict=True)))


async def check_invariants(
    database_urls: Mapping[str, str], *, expected_dead_letters: int = 0, settle_s: float = 10.0
) -> InvariantReport:
    """Check every invariant in the services' databases. While some fail, read again every second for up
    to ``settle_s`` seconds (a pipeline finishing its last events); the last report is returned."""
    deadline = time.monotonic() + settle_s
    while True:
        report = judge(await snapshot(database_urls), expected_dead_letters)
        if report.held or time.monotonic() >= deadline:
            return report
        await asyncio.sleep(1.0)
