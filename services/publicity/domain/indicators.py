"""The indicator lines a points publicity shows for each person (seed 004 第十条: 公示内容包括姓名、出生年月、
单位名称及各项指标积分分值), in the order of the policy's indicator table (policy/points.md)."""

from __future__ import annotations

from typing import Final

#: Indicator code → its name on the public list, in display order.
INDICATOR_NAMES_ZH: Final[dict[str, str]] = {
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

_ORDER: Final = {code: i for i, code in enumerate(INDICATOR_NAMES_ZH)}


def ordered(indicators: list[dict[str, str]]) -> list[dict[str, str]]:
    """Indicator lines ``[{code, points}]`` in display order, each with its Chinese name; unknown codes last."""
    rows = sorted(indicators, key=lambda i: (_ORDER.get(i["code"], len(_ORDER)), i["code"]))
    return [{**i, "name_zh": INDICATOR_NAMES_ZH.get(i["code"], i["code"])} for i in rows]
