"""The districts of Beijing: the code table and the Literal type request models use."""

from __future__ import annotations

from typing import get_args

import pytest
from pydantic import BaseModel, ValidationError

from shared.validation import BEIJING_DISTRICTS, BeijingDistrictCode, district_label, district_name


def test_beijing_has_sixteen_districts_with_1101_codes_and_names_ending_in_qu() -> None:
    assert len(BEIJING_DISTRICTS) == 16
    for code, name in BEIJING_DISTRICTS.items():
        assert len(code) == 6 and code.isdigit() and code.startswith("1101"), code
        assert name.endswith("区"), name
    assert len(set(BEIJING_DISTRICTS.values())) == 16
    assert BEIJING_DISTRICTS["110108"] == "海淀区" and BEIJING_DISTRICTS["110105"] == "朝阳区"
    # 崇文区 and 宣武区 were merged into 东城区 and 西城区 in 2010; 110110 was never a district code.
    assert not {"110103", "110104", "110110"} & set(BEIJING_DISTRICTS)


def test_the_literal_type_lists_exactly_the_codes_of_the_table() -> None:
    assert list(get_args(BeijingDistrictCode)) == list(BEIJING_DISTRICTS)


def test_the_table_cannot_be_changed_at_run_time() -> None:
    with pytest.raises(TypeError):
        BEIJING_DISTRICTS["110199"] = "某区"  # type: ignore[index]


def test_a_model_field_of_the_literal_accepts_a_district_and_refuses_anything_else() -> None:
    class M(BaseModel):
        district: BeijingDistrictCode

    assert M(district="110119").district == "110119"
    for bad in ("110103", "110100", "BDA", "city", "", 110108):
        with pytest.raises(ValidationError):
            M.model_validate({"district": bad})


def test_names_and_labels_for_messages() -> None:
    assert district_name("110108") == "海淀区" and district_name("110199") is None
    assert district_label("110105") == "朝阳区 (110105)"
    assert district_label("110199") == "unknown district (110199)"
