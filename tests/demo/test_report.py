"""The demo's summary, report and progress builders (pure; no stack)."""

from __future__ import annotations

import io
import json
import re
from datetime import datetime
from typing import Any

import pytest
from rich.console import Console

from demo.report import STAGE_KEYS, build_summary, histogram, render_html, summary_table, svg_histogram
from shared.clock import BEIJING

STAGES = {k: n for n, k in enumerate(STAGE_KEYS, start=3)}
INVARIANTS = {
    "held": True,
    "checks": [
        {"name": "points: every application in exactly one final state", "held": True, "detail": "60 <ok>"},
        {"name": "no dead letter beyond those expected", "held": True, "detail": "none"},
    ],
}


def summary(**changes: Any) -> dict[str, Any]:
    kw: dict[str, Any] = {
        "applicants": 60,
        "graduates": 12,
        "stages": STAGES,
        "cutoff": "100.79",
        "quota": 3,
        "seconds_per_stage": {"declare": 12.34, "verify": 20.0},
        "seconds_total": 123.456,
        "invariants": INVARIANTS,
        "final_states": {"not_qualified": 40, "not_admitted": 15, "letter_issued": 4, "disqualified": 1},
        "graduate_final_states": {"settled": 6, "refused": 2},
        "scores": [80.0, 95.5, 100.79, 101.0, 120.25, 60.0],
        "quota_use": [
            {"name": "海淀区人力资源和社会保障局", "allocated": 3, "used": 2, "direct": 1, "refused": 1}
        ],
        "faults": {"tax": {"calls": 40, "failure": 7, "rate_limited": 2, "down": 0}},
        "errors_survived": {"declare": 3},
        "links": {"report": "file:///tmp/r.html", "letter": "http://127.0.0.1:8105/verify/" + "x" * 32},
        "identity": "through the city's identity service (jwt-bearer)",
    }
    kw.update(changes)
    return build_summary(**kw)


def test_the_summary_has_every_stage_count_and_is_json() -> None:
    s = summary()
    assert set(s["stages"]) == set(STAGE_KEYS)
    assert s["stages"] == STAGES
    assert s["cutoff"] == pytest.approx(100.79)
    assert s["invariants_held"] is True
    assert s["seconds_per_stage"] == {"declare": 12.3, "verify": 20.0}
    assert s["seconds_total"] == pytest.approx(123.5)
    assert json.loads(json.dumps(s, ensure_ascii=False)) == s


def test_a_missing_stage_count_is_refused() -> None:
    stages = dict(STAGES)
    del stages["hukou_letters"]
    with pytest.raises(ValueError, match="hukou_letters"):
        summary(stages=stages)


def test_invariants_not_checked_or_failed_are_not_held() -> None:
    assert summary(invariants=None)["invariants_held"] is False
    failed = {**INVARIANTS, "held": False}
    assert summary(invariants=failed)["invariants_held"] is False


def test_the_histogram_counts_every_score_and_the_admitted_at_or_above_the_cutoff() -> None:
    scores = [10.0, 10.5, 20.0, 30.0, 30.0, 40.0]
    h = histogram(scores, cutoff=30.0, bins=6)
    assert sum(h["counts"]) == len(scores)
    assert sum(h["admitted"]) == 3
    assert h["edges"][0] <= min(scores) and h["edges"][-1] >= max(scores)
    assert len(h["edges"]) == len(h["counts"]) + 1 == 7
    assert histogram([], cutoff=None) == {"edges": [], "counts": [], "admitted": []}
    one = histogram([50.0, 50.0], cutoff=50.0, bins=4)
    assert sum(one["counts"]) == 2 and sum(one["admitted"]) == 2


def test_the_cutoff_line_sits_where_the_cutoff_is() -> None:
    h = histogram([0.0, 100.0], cutoff=25.0, bins=4)
    svg = svg_histogram(h, 25.0, width=448, height=300)  # plot width 448 - 48 - 16 = 384
    (x,) = re.findall(r'<line class="cutoff" x1="([0-9.]+)"', svg)
    assert float(x) == pytest.approx(48 + 384 * 0.25, abs=0.2)


def test_the_html_report_is_self_contained_with_its_charts() -> None:
    page = render_html(summary(), generated_at=datetime(2026, 12, 4, 17, 0, tzinfo=BEIJING))
    assert page.startswith("<!doctype html>")
    assert page.count("<svg") >= 5  # scores, stages (2), final states, time, quota, faults
    assert 'class="cutoff"' in page
    assert "海淀区人力资源和社会保障局" in page and "2/3 used, 1 direct, 1 refused" in page
    assert "<script" not in page
    external = [
        u
        for u in re.findall(r'(?:src|href)="([^"]+)"', page)
        if not u.startswith(("file:", "http://127.0.0.1"))
    ]
    assert external == []
    assert "60 &lt;ok&gt;" in page  # details are escaped
    assert "x" * 32 in page  # links are shown in full


def test_a_failed_invariant_shows_in_the_report() -> None:
    failed = {"held": False, "checks": [{"name": "quota", "held": False, "detail": "remaining -1"}]}
    page = render_html(summary(invariants=failed), generated_at=datetime(2026, 12, 4, tzinfo=BEIJING))
    assert "invariants FAILED" in page and "remaining -1" in page


def test_the_terminal_table_lists_stages_and_totals() -> None:
    out = io.StringIO()
    Console(file=out, width=120).print(summary_table(summary()))
    text = out.getvalue()
    assert "letters issued (settlement)" in text and "123.5s" in text and "yes" in text
