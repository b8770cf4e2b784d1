"""Ranking a round: competition ranks, quota cut-off with ties, score line, digest."""

from __future__ import annotations

import random
import subprocess
import sys
from collections.abc import Sequence
from decimal import Decimal
from pathlib import Path

import orjson
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from services.scoring.domain import (
    InvalidRankingInput,
    RankEntry,
    input_digest,
    rank_by_quota,
    rank_by_score_line,
)


def entries(*pairs: tuple[str, str]) -> list[RankEntry]:
    return [RankEntry(app_id, Decimal(total)) for app_id, total in pairs]


ROUND = entries(
    ("A5", "100.00"), ("A1", "120.50"), ("A4", "110.00"), ("A2", "110.00"), ("A3", "110.00"), ("A6", "90.25")
)


def test_equal_totals_share_a_competition_rank() -> None:
    ranking = rank_by_quota(ROUND, 10)
    assert [(r.application_id, r.rank) for r in ranking.ranks] == [
        ("A1", 1),
        ("A2", 2),
        ("A3", 2),
        ("A4", 2),
        ("A5", 5),
        ("A6", 6),
    ]


def test_ties_at_the_cutoff_are_all_admitted() -> None:
    ranking = rank_by_quota(ROUND, 2)
    assert ranking.cutoff == Decimal("110.00")
    assert ranking.admitted_count == 4  # more than the quota
    assert [r.application_id for r in ranking.ranks if r.admitted] == ["A1", "A2", "A3", "A4"]


def test_quota_cutoff_is_the_total_at_position_q() -> None:
    ranking = rank_by_quota(ROUND, 5)
    assert ranking.cutoff == Decimal("100.00")
    assert ranking.admitted_count == 5


def test_with_fewer_qualified_than_the_quota_all_are_admitted() -> None:
    ranking = rank_by_quota(ROUND, 6000)
    assert ranking.admitted_count == len(ROUND)
    assert all(r.admitted for r in ranking.ranks)
    assert ranking.cutoff == Decimal("90.25")
    empty = rank_by_quota([], 6000)
    assert empty.admitted_count == 0 and empty.cutoff is None and empty.ranks == ()


def test_a_score_line_admits_everyone_at_or_above_it() -> None:
    ranking = rank_by_score_line(ROUND, Decimal("110.00"))
    assert ranking.cutoff == Decimal("110.00")
    assert [r.application_id for r in ranking.ranks if r.admitted] == ["A1", "A2", "A3", "A4"]
    assert rank_by_score_line(ROUND, Decimal("200")).admitted_count == 0


def test_display_order_inside_a_tie_is_by_application_id() -> None:
    shuffled = ROUND[:]
    random.Random(7).shuffle(shuffled)
    assert [r.application_id for r in rank_by_quota(shuffled, 3).ranks] == [
        "A1",
        "A2",
        "A3",
        "A4",
        "A5",
        "A6",
    ]


@settings(max_examples=200, deadline=None)
@given(
    st.lists(
        st.tuples(st.text(max_size=6), st.integers(-5000, 20000)), unique_by=lambda pair: pair[0], max_size=40
    ),
    st.integers(1, 50),
    st.randoms(use_true_random=False),
)
def test_ranking_and_digest_do_not_depend_on_input_order(
    pairs: list[tuple[str, int]], quota: int, rnd: random.Random
) -> None:
    round_entries = [RankEntry(app_id, Decimal(cents).scaleb(-2)) for app_id, cents in pairs]
    shuffled = round_entries[:]
    rnd.shuffle(shuffled)
    first, second = rank_by_quota(round_entries, quota), rank_by_quota(shuffled, quota)
    assert first == second
    assert first.input_digest == input_digest(shuffled, quota=quota)
    totals = [r.total for r in first.ranks]
    assert totals == sorted(totals, reverse=True)
    for r in first.ranks:
        assert r.rank == 1 + sum(1 for e in round_entries if e.total > r.total)
        assert r.admitted == (first.cutoff is not None and r.total >= first.cutoff)
    assert first.admitted_count >= min(quota, len(round_entries))


def test_the_digest_changes_with_the_inputs_and_the_rule() -> None:
    base = input_digest(ROUND, quota=2)
    assert base.startswith("sha256:") and len(base) == len("sha256:") + 64
    assert input_digest(ROUND[:-1], quota=2) != base
    assert input_digest(ROUND, quota=3) != base
    assert input_digest(ROUND, score_line=Decimal("110")) != base
    changed = [*ROUND[:-1], RankEntry("A6", Decimal("90.26"))]
    assert input_digest(changed, quota=2) != base
    assert input_digest(entries(*[(e.application_id, f"{e.total}") for e in ROUND]), quota=2) == base


def test_invalid_ranking_inputs_are_refused() -> None:
    with pytest.raises(InvalidRankingInput):
        rank_by_quota([*ROUND, RankEntry("A1", Decimal("1.00"))], 2)
    with pytest.raises(InvalidRankingInput):
        rank_by_quota(ROUND, 0)
    with pytest.raises(InvalidRankingInput):
        rank_by_quota([RankEntry("X", Decimal("1.005"))], 2)


# --------------------------------------------------------------------------- CLI


def _rank_cli(
    repo_root: Path, args: list[str], lines: Sequence[object] | bytes
) -> subprocess.CompletedProcess[bytes]:
    stdin = lines if isinstance(lines, bytes) else b"".join(orjson.dumps(x) + b"\n" for x in lines)
    return subprocess.run(
        [sys.executable, "-m", "services.scoring", "rank", *args],
        input=stdin,
        capture_output=True,
        cwd=repo_root,
        timeout=60,
        check=False,
    )


def test_rank_cli_writes_the_contract_object(repo_root: Path) -> None:
    lines = [{"application_id": e.application_id, "total": str(e.total)} for e in ROUND]
    done = _rank_cli(repo_root, ["--quota", "2"], lines)
    assert done.returncode == 0, done.stderr
    out = orjson.loads(done.stdout)
    assert list(out) == ["cutoff", "admitted_count", "input_digest", "ranks"]
    assert out["cutoff"] == "110.00"
    assert out["admitted_count"] == 4
    assert out["input_digest"] == input_digest(ROUND, quota=2)
    assert out["ranks"][:2] == [
        {"application_id": "A1", "rank": 1, "admitted": True},
        {"application_id": "A2", "rank": 2, "admitted": True},
    ]
    assert out["ranks"][-1] == {"application_id": "A6", "rank": 6, "admitted": False}


def test_rank_cli_with_a_score_line(repo_root: Path) -> None:
    lines = [{"application_id": e.application_id, "total": str(e.total)} for e in ROUND]
    out = orjson.loads(_rank_cli(repo_root, ["--score-line", "100"], lines).stdout)
    assert out["cutoff"] == "100.00"
    assert out["admitted_count"] == 5


def test_rank_cli_refuses_bad_input_and_bad_arguments(repo_root: Path) -> None:
    done = _rank_cli(repo_root, ["--quota", "2"], [{"application_id": "A", "total": "1.234"}])
    assert done.returncode == 1
    assert orjson.loads(done.stdout)["error"]["line"] == 1
    done = _rank_cli(repo_root, ["--quota", "2"], b'{"application_id": "A", "total": "1"}\nnot json\n')
    assert done.returncode == 1 and orjson.loads(done.stdout)["error"]["line"] == 2
    assert _rank_cli(repo_root, [], []).returncode == 2
    assert _rank_cli(repo_root, ["--quota", "0"], []).returncode == 2
    assert _rank_cli(repo_root, ["--quota", "2", "--score-line", "1"], []).returncode == 2
