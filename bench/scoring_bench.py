"""Scoring benchmark: 120,000 synthetic applicants, generated deterministically.

Run from the repository root::

    .venv/bin/python bench/scoring_bench.py [--count 120000] [--seed 2024]

Prints: contract parsing and validation alone, the rules alone over validated facts
(applicants/s, seconds), the ``score`` CLI end-to-end over the JSON Lines file via a
subprocess (seconds), and ranking the totals (seconds). Targets: CLI < 20 s and rules
< 5 s for 120,000 applicants on a 2-core machine. Then the graduate eligibility rules
(``--graduates``, default 20,000 declarations varied from the worked examples): validation and
rules in-process, and the ``graduates`` CLI end-to-end.
"""

from __future__ import annotations

import argparse
import gc
import os
import random
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import orjson

from services.scoring.contract import parse_facts, result_to_dict
from services.scoring.domain import RankEntry, rank_by_quota, score
from services.scoring.domain.texts import render
from services.scoring.graduates_contract import assess_document

REPO = Path(__file__).resolve().parents[1]

INSURANCE = ("pension", "medical", "unemployment", "injury", "maternity")
CENTRAL = ("110101", "110102", "110105", "110106", "110107", "110108", "city")
OUTER = (
    "110109",
    "110111",
    "110112",
    "110113",
    "110114",
    "110115",
    "110116",
    "110117",
    "110118",
    "110119",
    "BDA",
)
AWARDS = (
    "nat_sci_tech_progress_2",
    "bj_sci_tech_1",
    "bj_sci_tech_2",
    "bj_sci_tech_3",
    "china_journalism_2",
    "bj_journalism_3",
    "china_innovation_contest_2",
    "bj_innovation_contest_1",
    "national_skills_2_3",
    "bj_skills_4_5",
    "bj_cultural_creative_single",
    "five_ones_project",
    "unknown_award",
)
HONOURS = ("national_model_worker", "bj_model_worker", "capital_moral_model", "capital_heroic_citizen")


def _month(index: int) -> str:
    return f"{index // 12:04d}-{index % 12 + 1:02d}"


def _date(rng: random.Random, year: int) -> str:
    return f"{year:04d}-{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d}"


def applicant(rng: random.Random, number: int) -> dict[str, Any]:
    """One plausible applicant: a career of 1–4 employers, homes, degrees, some extras."""
    year = rng.choices(range(2018, 2027), weights=(2, 2, 6, 6, 6, 6, 6, 6, 4))[0]
    last = (year - 1) * 12 + 11  # month index of December, year−1
    age = rng.randint(24, 58)
    birth_year = year - 1 - age
    sex = rng.choice(("male", "female"))
    person: dict[str, Any] = {"birth_date": _date(rng, birth_year), "sex": sex}
    if sex == "female" and rng.random() < 0.6:
        person["female_job_category"] = rng.choice(("worker", "cadre"))

    start = max(1995 * 12, (birth_year + 22) * 12 + rng.randint(0, 11) + rng.randint(0, 60))
    start = min(start, last - rng.randint(12, 120))
    insurance: list[dict[str, Any]] = []
    cursor = start
    employers = rng.randint(1, 4)
    for k in range(employers):
        end = last if k == employers - 1 else min(last, cursor + rng.randint(12, 120))
        district = rng.choice(OUTER if rng.random() < 0.35 else CENTRAL)
        for kind in INSURANCE:
            lag = rng.randint(0, 3) if rng.random() < 0.1 else 0
            if cursor + lag <= end:
                insurance.append(
                    {
                        "insurance": kind,
                        "from": _month(cursor + lag),
                        "to": _month(end),
                        "back_paid": False,
                        "district": district,
                    }
                )
        cursor = end + 1 + (rng.randint(1, 6) if rng.random() < 0.15 else 0)
        if cursor > last:
            break
    if rng.random() < 0.15:
        bp = rng.randint(start, last)
        for kind in INSURANCE:
            insurance.append(
                {
                    "insurance": kind,
                    "from": _month(bp),
                    "to": _month(min(last, bp + rng.randint(0, 6))),
                    "back_paid": True,
                    "district": rng.choice(CENTRAL + OUTER),
                }
            )

    housing: list[dict[str, Any]] = []
    cursor = start + rng.randint(0, 24)
    while cursor <= last + 3 and len(housing) < 5:
        end = min(last + 3, cursor + rng.randint(6, 150))
        kind = rng.choices(("owned", "spouse_owned", "rented", "unit_dormitory"), weights=(4, 2, 4, 2))[0]
        record: dict[str, Any] = {
            "kind": kind,
            "from": _month(cursor),
            "to": _month(end),
            "district": rng.choice(OUTER if rng.random() < 0.4 else CENTRAL[:-1]),
            "residential": rng.random() < 0.97,
            "certified": rng.random() < 0.95,
        }
        if kind == "rented":
            record["lease_registered"] = rng.random() < 0.6
        housing.append(record)
        cursor = end + 1

    education: list[dict[str, Any]] = []
    for _ in range(rng.choice((0, 1, 1, 1, 2, 2, 3))):
        level = rng.choice(("junior_college", "bachelor", "bachelor", "master", "doctor"))
        education.append(
            {
                "level": level,
                "diploma": rng.random() < 0.95,
                "degree": level != "junior_college" and rng.random() < 0.9,
                "graduated_on": _date(rng, rng.randint(birth_year + 19, min(birth_year + 32, year - 1))),
                "recognized": rng.random() < 0.98,
            }
        )

    innovation: list[dict[str, Any]] = []
    if rng.random() < 0.08:
        for _ in range(rng.randint(1, 2)):
            roll = rng.random()
            if roll < 0.7:
                item: dict[str, Any] = {
                    "type": "award",
                    "code": rng.choice(AWARDS),
                    "year": rng.randint(2008, year - 1),
                    "rank": rng.choice((None, rng.randint(1, 20))),
                }
                if "contest" in item["code"]:
                    item["prior_year_income_tax"] = rng.choice(("35000", "12000.50", None))
            elif roll < 0.9:
                item = {
                    "type": "equity",
                    "share_percent": rng.choice(("10", "12.5", "8")),
                    "company_certified": True,
                    "financing_3y": rng.choice(("6000000", "25000000", "50000000.00")),
                    "held_full_year": True,
                }
            else:
                a = rng.randint(last - 72, last)
                item = {
                    "type": "high_tech_tenure",
                    "from": _month(a),
                    "to": _month(min(last, a + rng.randint(0, 48))),
                }
            innovation.append(item)

    income_tax = [
        {"year": y, "amount": rng.choice(("1200.50", "48000.50", "99999.99", "100000", "125000.00", "0"))}
        for y in range(year - 4, year)
        if rng.random() < 0.8
    ]
    penalties = [
        {"date": _date(rng, rng.randint(year - 7, year - 1)), "fine": rng.choice(("20", "50", "1000"))}
        for _ in range(1 if rng.random() < 0.05 else 0)
    ]
    honours = [
        {"title": rng.choice(HONOURS), "awarded_on": _date(rng, rng.randint(2000, year - 1))}
        for _ in range(1 if rng.random() < 0.02 else 0)
    ]
    detentions = [
        {"date": _date(rng, rng.randint(year - 7, year - 1))} for _ in range(1 if rng.random() < 0.01 else 0)
    ]
    permit_year = rng.randint(max(2000, year - 12), year)
    doc: dict[str, Any] = {
        "application_id": f"BENCH-{number:06d}",
        "application_year": year,
        "person": person,
        "residence_permit_issued_on": None if rng.random() < 0.03 else _date(rng, permit_year),
        "criminal_record": rng.random() < 0.005,
        "social_insurance": insurance,
        "housing": housing,
        "education": education,
        "innovation": innovation,
        "income_tax": income_tax,
        "tax_penalties": penalties,
        "honours": honours,
        "detentions": detentions,
    }
    return doc


def generate(count: int, seed: int) -> list[dict[str, Any]]:
    rng = random.Random(seed)
    return [applicant(rng, n) for n in range(count)]


SHARED = REPO.parent / "shared"


def graduates(count: int, seed: int) -> list[dict[str, Any]]:
    """Declarations varied from the worked examples (education, birth date, employer, flags)."""
    rng = random.Random(seed)
    examples = [
        orjson.loads(p.read_bytes())["facts"]
        for p in sorted((SHARED / "policy" / "examples" / "graduates").glob("*.json"))
    ]
    out = []
    for n in range(count):
        doc = orjson.loads(orjson.dumps(rng.choice(examples)))
        y = doc["introduction_year"]
        g, e = doc["graduate"], doc["employer"]
        g["education"] = rng.choice(("doctor", "master", "master", "bachelor", "junior_college"))
        g["birth_date"] = _date(rng, y - rng.randint(20, 38))
        g["major_matches_post"] = rng.random() > 0.05
        e["system"] = rng.choice(("education", "health", "culture", "sports", "other"))
        e["suburban"] = rng.random() < 0.3
        doc["case_id"] = f"GRD-{n:06d}"
        out.append(doc)
    return out


def graduate_bench(count: int, seed: int) -> None:
    docs = graduates(count, seed)
    lines = b"".join(orjson.dumps(d) + b"\n" for d in docs)
    gc.collect()
    t0 = time.perf_counter()
    eligible = sum(assess_document(orjson.loads(line))["eligible"] for line in lines.splitlines())
    in_s = time.perf_counter() - t0
    print(
        f"graduates: validation + rules + result documents in-process: {in_s:.2f} s "
        f"({count / in_s:,.0f} declarations/s; {eligible} of {count} eligible)"
    )
    t0 = time.perf_counter()
    done = subprocess.run(
        [sys.executable, "-m", "services.scoring", "graduates"],
        input=lines,
        capture_output=True,
        cwd=REPO,
        check=True,
    )
    cli_s = time.perf_counter() - t0
    print(
        f"graduates CLI end-to-end (subprocess, {len(done.stdout.splitlines())} lines out): {cli_s:.2f} s "
        f"({count / cli_s:,.0f} declarations/s)"
    )


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--count", type=int, default=120_000)
    parser.add_argument("--seed", type=int, default=2024)
    parser.add_argument("--graduates", type=int, default=20_000, help="graduate declarations (0: skip)")
    args = parser.parse_args()
    n = args.count

    t0 = time.perf_counter()
    lines = b"".join(orjson.dumps(d) + b"\n" for d in generate(n, args.seed))
    print(
        f"generated {n} applicants ({len(lines) / 1e6:.1f} MB of JSON Lines) in {time.perf_counter() - t0:.1f} s"
    )

    gc.collect()
    t0 = time.perf_counter()
    facts = [parse_facts(orjson.loads(line)) for line in lines.splitlines()]
    parse_s = time.perf_counter() - t0
    print(f"contract: orjson + validation + domain facts: {parse_s:.2f} s ({n / parse_s:,.0f} applicants/s)")

    gc.collect()
    t0 = time.perf_counter()
    results = [score(f) for f in facts]
    rules_s = time.perf_counter() - t0
    print(
        f"rules alone over validated facts: {rules_s:.2f} s ({n / rules_s:,.0f} applicants/s, "
        f"{rules_s / n * 1e6:.1f} µs each)"
    )

    t0 = time.perf_counter()
    for r in results:
        for text in r.reasons:
            render(text)
        for text in r.explanations:
            render(text)
    words_s = time.perf_counter() - t0
    print(
        f"wording every reason and explanation (done lazily, on reading): {words_s:.2f} s; "
        f"rules + wording: {rules_s + words_s:.2f} s"
    )

    t0 = time.perf_counter()
    for r in results:
        orjson.dumps(result_to_dict(r))
    print(f"result serialisation (wording all explanations + JSON): {time.perf_counter() - t0:.2f} s")

    qualified = sum(r.qualified for r in results)
    with tempfile.TemporaryDirectory() as tmp:
        src = Path(tmp) / "facts.jsonl"
        dst = Path(tmp) / "results.jsonl"
        src.write_bytes(lines)
        env = {**os.environ, "PYTHONDONTWRITEBYTECODE": "1"}
        for workers in ("", "1"):
            run_env = {**env, "SCORING_CLI_WORKERS": workers} if workers else env
            with src.open("rb") as stdin, dst.open("wb") as stdout:
                t0 = time.perf_counter()
                subprocess.run(
                    [sys.executable, "-m", "services.scoring", "score"],
                    stdin=stdin,
                    stdout=stdout,
                    cwd=REPO,
                    env=run_env,
                    check=True,
                )
                cli_s = time.perf_counter() - t0
            out_lines = dst.read_bytes().splitlines()
            errors = sum(1 for line in out_lines if line.startswith(b'{"line"'))
            how = "one process" if workers else f"default workers = {os.cpu_count()} CPUs"
            print(
                f"score CLI end-to-end ({how}; subprocess, {len(out_lines)} lines out, {errors} error lines): "
                f"{cli_s:.2f} s ({n / cli_s:,.0f} applicants/s)"
            )

        entries = [RankEntry(r.application_id or "", r.total) for r in results if r.qualified]
        t0 = time.perf_counter()
        ranking = rank_by_quota(entries, 6000)
        rank_s = time.perf_counter() - t0
        print(
            f"ranking {len(entries)} qualified totals in-process (quota 6000 → cutoff {ranking.cutoff}, "
            f"{ranking.admitted_count} admitted): {rank_s:.2f} s"
        )

        all_entries = [RankEntry(r.application_id or "", r.total) for r in results]
        t0 = time.perf_counter()
        rank_by_quota(all_entries, 6000)
        print(f"ranking all {len(all_entries)} totals in-process: {time.perf_counter() - t0:.2f} s")

        rank_in = Path(tmp) / "totals.jsonl"
        rank_in.write_bytes(
            b"".join(
                orjson.dumps({"application_id": r.application_id, "total": str(r.total)}) + b"\n"
                for r in results
            )
        )
        with rank_in.open("rb") as stdin:
            t0 = time.perf_counter()
            done = subprocess.run(
                [sys.executable, "-m", "services.scoring", "rank", "--quota", "6000"],
                stdin=stdin,
                capture_output=True,
                cwd=REPO,
                env=env,
                check=True,
            )
            rank_cli_s = time.perf_counter() - t0
        print(
            f"rank CLI end-to-end over {n} totals (subprocess): {rank_cli_s:.2f} s "
            f"({len(done.stdout) / 1e6:.1f} MB out)"
        )
    print(f"qualified: {qualified} of {n}")
    if args.graduates:
        graduate_bench(args.graduates, args.seed)
    return 0


if __name__ == "__main__":
    sys.exit(main())
