"""When a round's list can be prepared.

Events of one application arrive in order, but events of different topics (and of the round and of
its applications) do not: the list is prepared only when everything it needs is in, whatever the order:
the finalized ranking, every admitted ``application.ranked`` of that ranking, each admitted applicant's
submission (name, birth year-month, employer) and score (indicator points), and the round's publicity
phase dates.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date


@dataclass(frozen=True, slots=True)
class Readiness:
    round_id: str
    ranking_id: str | None
    round_known: bool
    publicity_starts_on: date | None
    publicity_ends_on: date | None
    admitted_expected: int | None
    admitted_received: int
    missing_submissions: int
    missing_scores: int

    @property
    def missing(self) -> list[str]:
        out: list[str] = []
        if self.ranking_id is None:
            out.append("ranking.finalized")
        if not self.round_known:
            out.append("round.phase_changed")
        elif self.publicity_starts_on is None:
            out.append("publicity phase dates")
        if self.admitted_expected is not None and self.admitted_received < self.admitted_expected:
            out.append(f"application.ranked ({self.admitted_expected - self.admitted_received} admitted)")
        if self.missing_submissions:
            out.append(f"application.submitted ({self.missing_submissions})")
        if self.missing_scores:
            out.append(f"score.computed ({self.missing_scores})")
        return out

    @property
    def ready(self) -> bool:
        return not self.missing
