"""Domain errors of the scoring rules."""

from __future__ import annotations


class DomainError(Exception):
    """A request the rules cannot answer. ``code`` is stable and machine-readable."""

    code = "domain_error"

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class UnknownPolicyRound(DomainError):
    """No policy version covers the application round."""

    code = "unknown_policy_round"

    def __init__(self, year: int) -> None:
        super().__init__(f"no policy version covers application round {year}")
        self.year = year


class UnknownPolicyVersion(DomainError):
    """A policy version code that does not exist."""

    code = "unknown_policy_version"

    def __init__(self, version: str) -> None:
        super().__init__(f"unknown policy version {version!r}")
        self.version = version


class PolicyVersionMismatch(DomainError):
    """The requested policy version does not apply to the application round."""

    code = "policy_version_mismatch"

    def __init__(self, version: str, year: int, expected: str | None) -> None:
        hint = f"; round {year} is scored under {expected}" if expected else ""
        super().__init__(f"policy version {version} does not cover application round {year}{hint}")
        self.version = version
        self.year = year
        self.expected = expected


class InvalidRankingInput(DomainError):
    """Ranking input that cannot be ranked (duplicate ids, bad quota, …)."""

    code = "invalid_ranking_input"
