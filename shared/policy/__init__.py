"""What both programmes are made of, owned in one place: policy versions and the years they govern,
the eleven indicators of the points programme, the districts of Beijing and the other places a
points record may name. Pure and stdlib-only, so every service's ``domain/`` may import it (the
import-linter contracts in ``pyproject.toml`` check both).
"""

from shared.policy.districts import (
    BEIJING_DISTRICTS,
    FACT_DISTRICTS,
    BeijingDistrictCode,
    FactDistrict,
    district_label,
    district_name,
)
from shared.policy.indicators import INDICATOR_CODES, INDICATOR_NAMES_ZH, IndicatorCode
from shared.policy.versions import (
    GRADUATE_POLICY_VERSIONS,
    POINTS_POLICY_VERSIONS,
    PointsPolicyVersion,
    PolicyVersion,
    points_policy_version_for_year,
)

__all__ = [
    "BEIJING_DISTRICTS",
    "FACT_DISTRICTS",
    "GRADUATE_POLICY_VERSIONS",
    "INDICATOR_CODES",
    "INDICATOR_NAMES_ZH",
    "POINTS_POLICY_VERSIONS",
    "BeijingDistrictCode",
    "FactDistrict",
    "IndicatorCode",
    "PointsPolicyVersion",
    "PolicyVersion",
    "district_label",
    "district_name",
    "points_policy_version_for_year",
]
