"""Points-based settlement (积分落户) scoring rules: pure, stdlib only.

Entry points: :func:`score` (facts → result) and :func:`rank_by_quota` /
:func:`rank_by_score_line` (totals → ranks, cut-off, admitted set). Parameters of each
policy version live in :mod:`.params`; each rule is a function in :mod:`.rules`.
"""

from .errors import (
    DomainError,
    InvalidRankingInput,
    PolicyVersionMismatch,
    UnknownPolicyRound,
    UnknownPolicyVersion,
)
from .facts import (
    INSURANCE_TYPES,
    AwardItem,
    Detention,
    EducationRecord,
    EquityItem,
    Honour,
    HousingRecord,
    IncomeTaxRecord,
    InnovationItem,
    InsuranceRecord,
    Person,
    PointsFacts,
    TaxPenalty,
    TenureItem,
)
from .months import Month, completed_age, month_label, month_of
from .params import (
    BJ_POINTS_2018,
    BJ_POINTS_2020,
    POLICY_VERSIONS,
    PolicyVersion,
    policy_by_code,
    policy_for_round,
    resolve_policy,
)
from .ranking import Rank, RankEntry, Ranking, input_digest, rank_by_quota, rank_by_score_line
from .result import (
    CONDITION_CODES,
    INDICATOR_CODES,
    ConditionResult,
    IndicatorLine,
    PointsResult,
)
from .scoring import score

__all__ = [
    "BJ_POINTS_2018",
    "BJ_POINTS_2020",
    "CONDITION_CODES",
    "INDICATOR_CODES",
    "INSURANCE_TYPES",
    "POLICY_VERSIONS",
    "AwardItem",
    "ConditionResult",
    "Detention",
    "DomainError",
    "EducationRecord",
    "EquityItem",
    "Honour",
    "HousingRecord",
    "IncomeTaxRecord",
    "IndicatorLine",
    "InnovationItem",
    "InsuranceRecord",
    "InvalidRankingInput",
    "Month",
    "Person",
    "PointsFacts",
    "PointsResult",
    "PolicyVersion",
    "PolicyVersionMismatch",
    "Rank",
    "RankEntry",
    "Ranking",
    "TaxPenalty",
    "TenureItem",
    "UnknownPolicyRound",
    "UnknownPolicyVersion",
    "completed_age",
    "input_digest",
    "month_label",
    "month_of",
    "policy_by_code",
    "policy_for_round",
    "rank_by_quota",
    "rank_by_score_line",
    "resolve_policy",
    "score",
]
