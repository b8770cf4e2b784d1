"""The policy versions of both programmes and the years each governs (``../shared/policy/points.md``:
rounds 2018–2019 follow the 2018 细则 (seed 001), rounds from 2020 the 2020-era 细则 (seed 002);
``graduates.md``: the 2018 graduate rules (seed 000)). Adding a version is a change here, plus its
parameters in the scoring service's ``domain/params.py``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final, Literal, get_args

PointsPolicyVersion = Literal["bj-points-2018", "bj-points-2020"]
GraduatePolicyVersion = Literal["graduates-2018"]


@dataclass(frozen=True)
class PolicyVersion:
    """One version of a programme's rules: the round years it governs (``last_year`` None: still current)."""

    code: str
    program: Literal["points", "graduates"]
    first_year: int
    last_year: int | None
    source: str

    def governs(self, year: int) -> bool:
        return self.first_year <= year and (self.last_year is None or year <= self.last_year)


POINTS_POLICY_VERSIONS: Final[tuple[PolicyVersion, ...]] = (
    PolicyVersion("bj-points-2018", "points", 2018, 2019, "seed 001 (2018 细则)"),
    PolicyVersion("bj-points-2020", "points", 2020, None, "seed 002 (2020 细则)"),
)
GRADUATE_POLICY_VERSIONS: Final[tuple[PolicyVersion, ...]] = (
    PolicyVersion("graduates-2018", "graduates", 2018, None, "seed 000"),
)

POINTS_POLICY_CODES: Final[tuple[str, ...]] = get_args(PointsPolicyVersion)
assert POINTS_POLICY_CODES == tuple(v.code for v in POINTS_POLICY_VERSIONS)


class NoPolicyVersion(LookupError):
    pass


def points_policy_version_for_year(year: int) -> str:
    """The points policy version governing the round of ``year`` (2018 is the first points round)."""
    for v in POINTS_POLICY_VERSIONS:
        if v.governs(year):
            return v.code
    raise NoPolicyVersion(f"no points policy version governs {year}")
