"""The 16 districts of Beijing (北京市市辖区) by their county-level administrative division code (GB/T 2260).

District staff (区人力社保局) work for one of them: intake puts its code in their token as the ``district``
claim. ``BeijingDistrictCode`` is the same list as a ``Literal`` type, for request models: a value outside
it is a 422 naming the field. Pure; no I/O.
"""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType
from typing import Final, Literal, get_args

#: A Beijing district by its code (the Literal matches ``BEIJING_DISTRICTS``' keys, in the same order).
BeijingDistrictCode = Literal[
    "110101", "110102", "110105", "110106", "110107", "110108", "110109", "110111",
    "110112", "110113", "110114", "110115", "110116", "110117", "110118", "110119",
]  # fmt: skip

#: Code → Chinese name. 110103 (崇文区) and 110104 (宣武区) were merged into 东城区 and 西城区 in 2010;
#: 密云 and 延庆 became districts (110118, 110119) in 2015.
BEIJING_DISTRICTS: Final[Mapping[str, str]] = MappingProxyType(
    {
        "110101": "东城区",
        "110102": "西城区",
        "110105": "朝阳区",
        "110106": "丰台区",
        "110107": "石景山区",
        "110108": "海淀区",
        "110109": "门头沟区",
        "110111": "房山区",
        "110112": "通州区",
        "110113": "顺义区",
        "110114": "昌平区",
        "110115": "大兴区",
        "110116": "怀柔区",
        "110117": "平谷区",
        "110118": "密云区",
        "110119": "延庆区",
    }
)


def district_name(code: str) -> str | None:
    """The Chinese name of a Beijing district code, or None for any other value."""
    return BEIJING_DISTRICTS.get(code)


def district_label(code: str) -> str:
    """A district for messages: ``海淀区 (110108)``; a code that is not a Beijing district says so."""
    name = district_name(code)
    return f"{name} ({code})" if name else f"unknown district ({code})"


#: A place a points record (insurance, housing) names: a district, the Beijing Economic-Technological
#: Development Area (``BDA``, 经济技术开发区) or the city-level office (``city``); the ``district`` enum of
#: ``contracts/points-facts.schema.json``.
FactDistrict = Literal[
    "110101", "110102", "110105", "110106", "110107", "110108", "110109", "110111",
    "110112", "110113", "110114", "110115", "110116", "110117", "110118", "110119", "BDA", "city",
]  # fmt: skip
FACT_DISTRICTS: Final[tuple[str, ...]] = get_args(FactDistrict)
assert FACT_DISTRICTS[:16] == tuple(BEIJING_DISTRICTS) == get_args(BeijingDistrictCode)
