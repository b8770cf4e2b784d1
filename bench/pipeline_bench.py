"""Pipeline benchmark: the whole suite end to end, through the public APIs, on the real local stack.

Run from the repository root (it uses the local stack's fixed ports: not while ``make run``/``make demo`` runs)::

    .venv/bin/python bench/pipeline_bench.py [--applicants 1000] [--graduates 100]

It plays one annual round of both programmes with ``python -m demo`` (``EXIT=1``) — the applicants log in
through the identity service, declare and submit while review verifies in batches against the mock registries,
scoring scores, publicity publishes and settlement issues the letters — and reads the demo's JSON summary: the
items each stage handled, its wall time, its rate, and the HTTP requests the simulated people made. The rates
are set against the machine's floors (``../shared/ENVIRONMENT.md``): one FastAPI process with one insert per
request, and one consumer with an inbox insert per batch. Stages overlap (review verifies while applicants are
still declaring), so a stage's rate is bounded by the one feeding it.

Prints a table and writes ``bench/results/pipeline.json``. Not a test: nothing passes or fails on a figure;
the round's invariants are reported as the demo checked them.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
RESULTS = REPO / "bench" / "results" / "pipeline.json"
#: ../shared/ENVIRONMENT.md, measured on this kind of machine.
FLOORS = {
    "api_insert_req_s": 1200.0,  # FastAPI + one ORM insert and commit per request, one process
    "consumer_records_s": 1900.0,  # consumer with inbox insert + effect per batch
}
#: (summary stage count, seconds key, what flows, which floor bounds it)
STAGES = (
    ("submitted", "declare", "points applications declared & submitted (intake API)", "api_insert_req_s"),
    (
        "verified",
        "verify",
        "points applications verified (review, batch data exchange)",
        "consumer_records_s",
    ),
    ("scored", "score", "points applications scored (scoring consumer)", "consumer_records_s"),
    ("graduates_declared", "g_declare", "graduate declarations (intake API)", "api_insert_req_s"),
    ("admitted", "publicity", "publicity entries through objections and closing", "consumer_records_s"),
    ("letters_issued", "letters", "points letters issued (settlement)", "consumer_records_s"),
)


def run_demo(applicants: int, graduates: int) -> tuple[dict[str, Any], float]:
    with tempfile.TemporaryDirectory(prefix="hukou-pipeline-") as tmp:
        summary = Path(tmp) / "summary.json"
        env = {
            **os.environ,
            "APPLICANTS": str(applicants),
            "GRADUATES": str(graduates),
            "EXIT": "1",
            "SUMMARY": str(summary),
        }
        started = time.perf_counter()
        done = subprocess.run([sys.executable, "-m", "demo"], cwd=REPO, env=env, check=False)
        wall = time.perf_counter() - started
        if not summary.exists():
            raise SystemExit(f"the demo wrote no summary (exit status {done.returncode})")
        return json.loads(summary.read_text()), wall


def figures(summary: dict[str, Any], wall: float) -> dict[str, Any]:
    stages, seconds = summary["stages"], summary["seconds_per_stage"]
    rows = []
    for count_key, seconds_key, what, floor in STAGES:
        n, s = int(stages.get(count_key, 0)), float(seconds.get(seconds_key, 0.0))
        rate = n / s if s > 0 else None
        rows.append(
            {
                "stage": what,
                "items": n,
                "seconds": s,
                "per_second": None if rate is None else round(rate, 1),
                "floor_per_second": FLOORS[floor],
                "of_floor": None if rate is None else round(rate / FLOORS[floor], 4),
            }
        )
    total = float(summary.get("seconds_total") or wall)
    requests = int(summary.get("http_requests") or 0)
    return {
        "applicants": summary["applicants"],
        "graduates": summary["graduates"],
        "seconds_total": total,
        "wall_seconds_with_start_and_stop": round(wall, 1),
        "http_requests": requests,
        "http_requests_per_second": round(requests / total, 1) if total else None,
        "stages": rows,
        "invariants_held": summary["invariants_held"],
        "floors": FLOORS,
    }


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="bench/pipeline_bench.py")
    ap.add_argument("--applicants", type=int, default=1000)
    ap.add_argument("--graduates", type=int, default=100)
    ap.add_argument("--json", type=Path, default=RESULTS)
    args = ap.parse_args(argv)
    summary, wall = run_demo(args.applicants, args.graduates)
    result = figures(summary, wall)
    print(f"\npipeline: {result['applicants']} applicants, {result['graduates']} graduates, "
          f"{result['seconds_total']:.0f} s, {result['http_requests']} HTTP requests "
          f"({result['http_requests_per_second']}/s); invariants held: {result['invariants_held']}")  # fmt: skip
    print(f"{'stage':<62} {'items':>6} {'s':>7} {'/s':>8} {'floor/s':>8} {'of floor':>9}")
    for r in result["stages"]:
        rate = "—" if r["per_second"] is None else f"{r['per_second']:.1f}"
        share = "—" if r["of_floor"] is None else f"{100 * r['of_floor']:.1f}%"
        print(
            f"{r['stage']:<62} {r['items']:>6} {r['seconds']:>7.1f} {rate:>8} "
            f"{r['floor_per_second']:>8.0f} {share:>9}"
        )
    args.json.parent.mkdir(parents=True, exist_ok=True)
    args.json.write_text(json.dumps(result, indent=2, ensure_ascii=False) + "\n")
    print(f"written to {args.json}")
    return 0 if result["invariants_held"] else 1


if __name__ == "__main__":
    sys.exit(main())
