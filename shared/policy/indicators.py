"""The eleven indicator lines of the points programme (积分指标), in the order of the policy's indicator
table (``../shared/policy/points.md``) and of every score result; with their names on the public list
(seed 004 第十条: 公示内容包括姓名、出生年月、单位名称及各项指标积分分值)."""

from __future__ import annotations

from types import MappingProxyType
from typing import Final, Literal, TypeAlias, get_args

IndicatorCode: TypeAlias = Literal[
    "employment",
    "housing",
    "education",
    "education_deduction",
    "job_residence",
    "innovation",
    "tax",
    "tax_violation",
    "age",
    "honours",
    "law_abiding",
]

INDICATOR_CODES: Final[tuple[IndicatorCode, ...]] = get_args(IndicatorCode)
"""The eleven indicators, in result order."""

INDICATOR_NAMES_ZH: Final = MappingProxyType(
    {
        "employment": "合法稳定就业",
        "housing": "合法稳定住所",
        "education": "教育背景",
        "education_deduction": "取得学历（学位）期间的就业及居住积分扣除",
        "job_residence": "职住区域",
        "innovation": "创新创业",
        "tax": "纳税",
        "tax_violation": "涉税违法",
        "age": "年龄",
        "honours": "荣誉表彰",
        "law_abiding": "守法记录",
    }
)
assert tuple(INDICATOR_NAMES_ZH) == INDICATOR_CODES
