"""Ranking qualified applicants and selecting those admitted (seed 004 第十条; seed 001 第九条).

- Rank is competition ranking by total: 1 + the number of applicants with a strictly
  higher total; equal totals share a rank.
- Headcount quota Q (``bj-points-2020``): the cut-off is the total of the applicant at
  position Q in descending order; everyone with a total at or above it is admitted, so
  ties at the cut-off are all admitted. With Q or fewer applicants, all are admitted (the
  cut-off is then the lowest total; ``None`` when nobody applied).
- Score line (``bj-points-2018``): everyone at or above the line is admitted.
- Display order inside a tie is by application id (code-point order) and carries no
  meaning. Nobody is added after a disqualification (不递补, seed 004 第十三条): ranking
  is computed once over its inputs, and :func:`input_digest` identifies those inputs.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal
from typing import Literal, NamedTuple

from .errors import InvalidRankingInput


class RankEntry(NamedTuple):
    """A qualified applicant's total (two decimals)."""

    application_id: str
    total: Decimal


class Rank(NamedTuple):
    application_id: str
    rank: int
    admitted: bool
    total: Decimal


@dataclass(frozen=True, slots=True)
class Ranking:
    """The outcome of ranking one round."""

    selection: Literal["quota", "score_line"]
    quota: int | None
    score_line: Decimal | None
    cutoff: Decimal | None
    """Quota: the total at position Q (or the lowest total if fewer applied); score line:
    the line itself."""
    admitted_count: int
    input_digest: str
    """``sha256:`` + hex digest of the canonical inputs (see :func:`input_digest`)."""
    ranks: tuple[Rank, ...]
    """In display order: total descending, then application id."""


def _cents(entry: RankEntry) -> int:
    total = entry.total
    if not isinstance(total, Decimal) or not total.is_finite():
        raise InvalidRankingInput(f"total of {entry.application_id!r} is not a finite decimal")
    cents = total * 100
    if cents != cents.to_integral_value():
        raise InvalidRankingInput(f"total of {entry.application_id!r} has more than two decimals: {total}")
    return int(cents)


def _format_cents(cents: int) -> str:
    sign = "-" if cents < 0 else ""
    whole, part = divmod(abs(cents), 100)
    return f"{sign}{whole}.{part:02d}"


def _prepare(entries: Iterable[RankEntry]) -> list[tuple[int, str]]:
    keyed: list[tuple[int, str]] = []
    seen: set[str] = set()
    for entry in entries:
        if entry.application_id in seen:
            raise InvalidRankingInput(f"application id {entry.application_id!r} appears more than once")
        seen.add(entry.application_id)
        keyed.append((-_cents(entry), entry.application_id))
    keyed.sort()
    return keyed


def _digest(keyed: list[tuple[int, str]], selection: dict[str, object]) -> str:
    # Canonical form: applicants sorted by id with their two-decimal totals, plus the
    # selection rule; compact JSON with sorted keys, UTF-8.
    applicants = sorted((app_id, _format_cents(-neg)) for neg, app_id in keyed)
    canonical = json.dumps(
        {"applicants": applicants, "selection": selection},
        ensure_ascii=False,
        separators=(",", ":"),
        sort_keys=True,
    )
    return "sha256:" + hashlib.sha256(canonical.encode("utf-8", "surrogatepass")).hexdigest()


def input_digest(
    entries: Iterable[RankEntry], *, quota: int | None = None, score_line: Decimal | None = None
) -> str:
    """The digest of a ranking's inputs: the same applicants and rule give the same digest,
    whatever the order of the entries."""
    keyed = _prepare(entries)
    return _digest(keyed, _selection(quota, score_line))


def _selection(quota: int | None, score_line: Decimal | None) -> dict[str, object]:
    if (quota is None) == (score_line is None):
        raise InvalidRankingInput("give exactly one of quota and score line")
    if quota is not None:
        if isinstance(quota, bool) or not isinstance(quota, int) or quota < 1:
            raise InvalidRankingInput(f"quota must be a positive integer, got {quota!r}")
        return {"quota": quota}
    assert score_line is not None
    return {"score_line": _format_cents(_cents(RankEntry("(score line)", score_line)))}


def _ranks(keyed: list[tuple[int, str]], admitted_from: int | None) -> tuple[list[Rank], int]:
    """Competition ranks in display order; admitted = total ≥ ``admitted_from`` cents."""
    ranks: list[Rank] = []
    admitted_count = 0
    rank = 0
    previous: int | None = None
    for position, (neg, app_id) in enumerate(keyed, start=1):
        if neg != previous:
            rank, previous = position, neg
        admitted = admitted_from is not None and -neg >= admitted_from
        admitted_count += admitted
        ranks.append(Rank(app_id, rank, admitted, Decimal(-neg).scaleb(-2)))
    return ranks, admitted_count


def rank_by_quota(entries: Iterable[RankEntry], quota: int) -> Ranking:
    """Rank with a headcount quota: cut-off at position ``quota``, ties there all admitted."""
    keyed = _prepare(entries)
    selection = _selection(quota, None)
    if not keyed:
        cutoff_cents: int | None = None
    elif len(keyed) <= quota:
        cutoff_cents = -keyed[-1][0]
    else:
        cutoff_cents = -keyed[quota - 1][0]
    ranks, admitted_count = _ranks(keyed, cutoff_cents)
    return Ranking(
        selection="quota",
        quota=quota,
        score_line=None,
        cutoff=None if cutoff_cents is None else Decimal(cutoff_cents).scaleb(-2),
        admitted_count=admitted_count,
        input_digest=_digest(keyed, selection),
        ranks=tuple(ranks),
    )


def rank_by_score_line(entries: Iterable[RankEntry], score_line: Decimal) -> Ranking:
    """Rank with a yearly score line (落户分值): everyone at or above it is admitted."""
    keyed = _prepare(entries)
    selection = _selection(None, score_line)
    line_cents = _cents(RankEntry("(score line)", score_line))
    ranks, admitted_count = _ranks(keyed, line_cents)
    return Ranking(
        selection="score_line",
        quota=None,
        score_line=Decimal(line_cents).scaleb(-2),
        cutoff=Decimal(line_cents).scaleb(-2),
        admitted_count=admitted_count,
        input_digest=_digest(keyed, selection),
        ranks=tuple(ranks),
    )
