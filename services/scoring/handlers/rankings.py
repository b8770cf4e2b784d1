"""The ranking of a round: run it (a draft), read it, finalize and publish it (第十条; 2018: 第九条)."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from decimal import Decimal

from services.scoring.adapters.records import (
    CurrentTotal,
    RankingEntryRecord,
    RankingRecord,
    RoundRecord,
)
from services.scoring.context import Tx
from services.scoring.domain import (
    RankEntry,
    Ranking,
    input_digest,
    policy_by_code,
    rank_by_quota,
    rank_by_score_line,
)
from shared.api.errors import Conflict, Invalid, NotFound
from shared.events.contracts.scoring import ApplicationRankedV1, RankingFinalizedV1


def _not_found(round_id: str, ranking_id: str) -> NotFound:
    return NotFound("ranking_not_found", f"Round {round_id} has no ranking {ranking_id}.")


def _policy_of_round(rnd: RoundRecord | None, totals: list[CurrentTotal]) -> str:
    if rnd is not None and rnd["policy_version"]:
        return rnd["policy_version"]
    versions = {t.policy_version for t in totals}
    if len(versions) == 1:
        return versions.pop()
    if not versions:
        raise Conflict("nothing_to_rank", "No scored application in this round yet.")
    raise Conflict(
        "mixed_policy_versions",
        f"Results of this round were scored under several policy versions: {sorted(versions)}.",
    )


@dataclass(frozen=True)
class RunRanking:
    """Exactly one of ``quota`` and ``score_line``; neither: the round's quota from intake."""

    round_id: str
    quota: int | None
    score_line: Decimal | None


async def run_ranking(tx: Tx, cmd: RunRanking) -> RankingRecord:
    """Rank the current results of all qualified applicants of a round and store it as a draft.

    Running it again over the same inputs gives the same digest, cut-off and ranks. A round whose
    ranking is finalized cannot be ranked again (after publication nobody is added, 不递补).
    """
    repo = tx.repo
    if await repo.finalized_ranking(cmd.round_id):
        raise Conflict(
            "ranking_finalized",
            f"The ranking of round {cmd.round_id} is finalized and published; it cannot be re-run.",
        )
    rnd = await repo.get_round(cmd.round_id)
    totals = await repo.latest_totals(cmd.round_id)
    policy_code = _policy_of_round(rnd, totals)
    policy = policy_by_code(policy_code)
    quota = cmd.quota
    if quota is None and cmd.score_line is None and policy.selection.mode == "quota" and rnd is not None:
        quota = rnd["quota"]  # the round's quota as intake announced it
    if (quota is None) == (cmd.score_line is None):
        raise Invalid("selection_required", "Give either a quota (head count) or a score line, not both.")
    selection = policy.selection.mode
    if selection == "quota" and quota is None:
        raise Invalid("quota_required", f"{policy_code} admits by head count: give a quota.")
    if selection == "score_line" and cmd.score_line is None:
        raise Invalid("score_line_required", f"{policy_code} admits by a yearly score line: give one.")
    entries = [RankEntry(t.application_id, t.total) for t in totals if t.qualified]
    if quota is not None:
        ranking: Ranking = rank_by_quota(entries, quota)
    else:
        assert cmd.score_line is not None  # checked above: exactly one of the two
        ranking = rank_by_score_line(entries, cmd.score_line)
    ranking_id = "rk-" + uuid.uuid4().hex[:20]
    row: RankingRecord = {
        "ranking_id": ranking_id,
        "round_id": cmd.round_id,
        "policy_version": policy_code,
        "selection": ranking.selection,
        "quota": ranking.quota,
        "score_line": ranking.score_line,
        "cutoff": ranking.cutoff,
        "ranked_count": len(ranking.ranks),
        "admitted_count": ranking.admitted_count,
        "input_digest": ranking.input_digest,
        "status": "draft",
        "created_at": tx.now,
        "created_by": tx.actor,
        "finalized_at": None,
        "finalized_by": None,
    }
    await repo.insert_ranking(
        row,
        [
            {
                "ranking_id": ranking_id,
                "position": i + 1,
                "application_id": r.application_id,
                "rank": r.rank,
                "admitted": r.admitted,
                "total": r.total,
            }
            for i, r in enumerate(ranking.ranks)
        ],
    )
    await repo.audit(
        tx.now,
        tx.actor,
        "ranking.run",
        cmd.round_id,
        {
            "ranking_id": ranking_id,
            "input_digest": ranking.input_digest,
            "quota": ranking.quota,
            "score_line": str(ranking.score_line) if ranking.score_line is not None else None,
        },
    )
    return row


@dataclass(frozen=True)
class RankingsOfRound:
    round_id: str


async def rankings_of_round(tx: Tx, cmd: RankingsOfRound) -> list[RankingRecord]:
    """Every ranking run of the round, newest first."""
    return await tx.repo.rankings_of_round(cmd.round_id)


@dataclass(frozen=True)
class GetRanking:
    round_id: str
    ranking_id: str


async def get_ranking(tx: Tx, cmd: GetRanking) -> RankingRecord:
    """One ranking of the round; ``ranking_not_found`` if it is not this round's."""
    row = await tx.repo.get_ranking(cmd.ranking_id)
    if row is None or row["round_id"] != cmd.round_id:
        raise _not_found(cmd.round_id, cmd.ranking_id)
    return row


@dataclass(frozen=True)
class RankingEntries:
    round_id: str
    ranking_id: str
    admitted: bool | None
    limit: int
    offset: int


@dataclass(frozen=True)
class EntriesPage:
    items: list[RankingEntryRecord]
    total: int


async def ranking_entries(tx: Tx, cmd: RankingEntries) -> EntriesPage:
    """A page of the ranked applicants in display order (optionally only admitted or not admitted)."""
    row = await tx.repo.get_ranking(cmd.ranking_id)
    if row is None or row["round_id"] != cmd.round_id:
        raise _not_found(cmd.round_id, cmd.ranking_id)
    items = await tx.repo.entries(cmd.ranking_id, limit=cmd.limit, offset=cmd.offset, admitted=cmd.admitted)
    return EntriesPage(items, await tx.repo.count_entries(cmd.ranking_id, cmd.admitted))


@dataclass(frozen=True)
class FinalizeRanking:
    round_id: str
    ranking_id: str


async def finalize_ranking(tx: Tx, cmd: FinalizeRanking) -> RankingRecord:
    """Publish a draft ranking: ``ranking.finalized`` and one ``application.ranked`` per ranked applicant.

    Idempotent: finalizing twice publishes once. Refused if another ranking of the round is finalized
    or if a current score of the round changed since the ranking was run (the input digest differs).
    """
    repo = tx.repo
    round_id, ranking_id = cmd.round_id, cmd.ranking_id
    rk = await repo.get_ranking(ranking_id, for_update=True)
    if rk is None or rk["round_id"] != round_id:
        raise _not_found(round_id, ranking_id)
    if rk["status"] == "finalized":
        return rk  # idempotent: finalizing twice publishes once
    other = await repo.finalized_ranking(round_id)
    if other:
        raise Conflict(
            "ranking_finalized",
            f"Round {round_id} already has a finalized ranking ({other['ranking_id']}).",
        )
    totals = await repo.latest_totals(round_id)
    current = sorted((t.application_id, t.total) for t in totals if t.qualified)
    digest_now = input_digest(
        [RankEntry(a, t) for a, t in current], quota=rk["quota"], score_line=rk["score_line"]
    )
    if digest_now != rk["input_digest"]:
        raise Conflict(
            "ranking_stale",
            "Scores of this round changed since this ranking was run; run the ranking again.",
        )
    await repo.mark_finalized(ranking_id, tx.now, tx.actor)
    await tx.emit(
        RankingFinalizedV1(
            round_id=round_id,
            ranking_id=ranking_id,
            policy_version=rk["policy_version"],
            quota=rk["quota"],
            score_line=rk["score_line"],
            cutoff=rk["cutoff"],
            ranked_count=rk["ranked_count"],
            admitted_count=rk["admitted_count"],
            input_digest=rk["input_digest"],
        ),
        round_id,
    )
    for e in await repo.entries(ranking_id):
        await tx.emit(
            ApplicationRankedV1(
                application_id=e["application_id"],
                round_id=round_id,
                ranking_id=ranking_id,
                rank=e["rank"],
                admitted=e["admitted"],
                total=e["total"],
            ),
            e["application_id"],
        )
    await repo.audit(tx.now, tx.actor, "ranking.finalized", round_id, {"ranking_id": ranking_id})
    return {**rk, "status": "finalized", "finalized_at": tx.now, "finalized_by": tx.actor}
