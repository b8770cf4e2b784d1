"""The indicator lines a points publicity shows for each person (seed 004 第十条: 公示内容包括姓名、出生年月、
单位名称及各项指标积分分值), in the order of the policy's indicator table: ``shared.policy``'s
``INDICATOR_CODES`` and ``INDICATOR_NAMES_ZH``, the one copy of the table."""

from __future__ import annotations

from typing import Final

from shared.policy import INDICATOR_CODES, INDICATOR_NAMES_ZH

_ORDER: Final[dict[str, int]] = {code: i for i, code in enumerate(INDICATOR_CODES)}


def name_zh(code: str) -> str:
    """The indicator's name on the public list (an unknown code is shown as itself)."""
    return INDICATOR_NAMES_ZH.get(code, code)


def ordered(indicators: list[dict[str, str]]) -> list[dict[str, str]]:
    """Indicator lines ``[{code, points}]`` in display order, each with its Chinese name; unknown codes last."""
    rows = sorted(indicators, key=lambda i: (_ORDER.get(i["code"], len(_ORDER)), i["code"]))
    return [{**i, "name_zh": name_zh(i["code"])} for i in rows]
