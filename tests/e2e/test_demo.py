"""``make demo`` at a small size, as a newcomer runs it: a subprocess, under a time limit.

The first test plays the whole round (40 applicants, 12 graduates, ``EXIT=1``) and checks the JSON
summary for consistency between the stages (read back from the services), the report for its charts, and
that nothing of the stack is left running. The second stops the demo with SIGTERM as soon as its stack is
up and checks that no process of it survives. Both use the fixed ports (offset 0), like the demo itself.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from demo.report import STAGE_KEYS
from demo.stack import processes_of

pytestmark = pytest.mark.integration
REPO = Path(__file__).resolve().parents[2]
LIMIT_S = 230


def _demo(env: dict[str, str], var: Path) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-m", "demo"],
        cwd=REPO,
        env={**os.environ, **env, "DEMO_VAR_DIR": str(var)},
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )


def test_a_small_demo_round_finishes_with_a_consistent_summary_and_report(tmp_path: Path) -> None:
    var, summary_path = tmp_path / "var", tmp_path / "summary.json"
    proc = _demo({"APPLICANTS": "40", "GRADUATES": "12", "EXIT": "1", "SUMMARY": str(summary_path)}, var)
    try:
        out, _ = proc.communicate(timeout=LIMIT_S)
    except subprocess.TimeoutExpired:
        proc.send_signal(signal.SIGTERM)
        out, _ = proc.communicate(timeout=60)
        pytest.fail(f"the demo did not finish within {LIMIT_S}s:\n{out[-4000:]}")
    assert proc.returncode == 0, out[-6000:]
    s = json.loads(summary_path.read_text())
    st = s["stages"]
    assert (s["applicants"], s["graduates"]) == (40, 12)
    assert set(STAGE_KEYS) <= set(st)
    assert st["submitted"] == st["verified"] == st["scored"] == 40
    assert 0 < st["admitted"] <= st["qualified"] <= st["scored"]
    assert st["admitted"] >= s["quota"]  # ties at the cut-off are all admitted, never fewer than the quota
    assert st["publicity_cleared"] + st["publicity_disqualified"] == st["admitted"]
    assert st["publicity_disqualified"] >= 1  # the objection upheld for fraud
    assert st["letters_issued"] == st["publicity_cleared"]
    assert st["graduates_declared"] == 12
    assert 0 < st["graduates_approved"] <= st["graduates_declared"]
    assert 0 < st["receiving_letters"] <= st["graduates_approved"]  # a failed settlement revokes its 接收函
    assert 0 < st["hukou_letters"] <= st["receiving_letters"]
    assert sum(s["final_states"].values()) == 40
    assert s["cutoff"] is not None and min(s["score_histogram"]["edges"]) <= s["cutoff"]
    assert all(u["used"] <= u["allocated"] for u in s["quota_use"])
    assert s["invariants_held"] is True, s["invariants"]
    assert set(s["seconds_per_stage"]) >= {"declare", "verify", "score", "letters", "g_settle"}
    assert "/verify/" in s["links"]["a settlement letter's verification"]
    assert s["links"]["open publicity list (graduates of the next year, in its period)"].endswith("-1")
    report = var / "report.html"
    page = report.read_text()
    assert page.count("<svg") >= 5 and 'class="cutoff"' in page and "quota" in page
    assert str(report) in out  # its path is printed
    assert processes_of(var) == []


def test_sigterm_to_the_demo_leaves_no_process_behind(tmp_path: Path) -> None:
    var = tmp_path / "var"
    proc = _demo({"APPLICANTS": "20", "GRADUATES": "6"}, var)
    try:
        deadline = time.monotonic() + 180
        while not (var / "stack.json").exists():  # written once every service is ready
            assert proc.poll() is None, proc.communicate()[0][-3000:]
            assert time.monotonic() < deadline, "the stack did not come up"
            time.sleep(0.5)
        running = processes_of(var)
        assert len(running) >= 10  # PostgreSQL, the services' API and worker processes, the registries
        proc.send_signal(signal.SIGTERM)
        out, _ = proc.communicate(timeout=90)
    finally:
        if proc.poll() is None:
            proc.kill()
    assert proc.returncode == 143, out[-3000:]  # 128 + SIGTERM, never death by a signal
    assert "stack stopped" in out
    assert processes_of(var) == [], out[-3000:]
