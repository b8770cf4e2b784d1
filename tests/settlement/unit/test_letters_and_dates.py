"""Serial numbers and dates written in Chinese."""

from __future__ import annotations

from datetime import date

import pytest

from services.settlement.domain import (
    chinese_date,
    chinese_number,
    chinese_year_month,
    format_serial,
    parse_serial,
)
from services.settlement.domain.letters import (
    APPROVAL_FORM_COPIES,
    LETTER_KINDS,
    SerialNumber,
    approval_form_number,
    approval_form_title,
)


def test_serial_number_carries_programme_year_series_and_a_zero_padded_sequence() -> None:
    assert format_serial("points", 2022, "QC", 1) == "PTS-2022-QC-000001"
    assert format_serial("points", 2023, "SL", 999_999) == "PTS-2023-SL-999999"
    assert format_serial("graduates", 2024, "AL", 42) == "GRD-2024-AL-000042"


def test_serial_numbers_grow_past_six_digits_instead_of_wrapping() -> None:
    assert format_serial("points", 2022, "QC", 1_000_000) == "PTS-2022-QC-1000000"
    assert parse_serial("PTS-2022-QC-1000000").sequence == 1_000_000


def test_serial_numbers_parse_back_and_sort_by_series_then_sequence() -> None:
    s = parse_serial("PTS-2022-QC-000017")
    assert s == SerialNumber("points", 2022, "QC", 17)
    assert str(s) == "PTS-2022-QC-000017"
    assert s.kind is not None and s.kind.title == "积分落户资格确认单"
    assert sorted([parse_serial("PTS-2022-QC-000010"), parse_serial("PTS-2022-QC-000009")])[0].sequence == 9


@pytest.mark.parametrize(
    "bad",
    [
        "",
        "PTS-2022-QC-1",
        "PTS-22-QC-000001",
        "XYZ-2022-QC-000001",
        "PTS-2022-qc-000001",
        "PTS-2022-QC-000000",
        "PTS-2022-QC-000001 ",
        "PTS-2022-QC-0000001234",
    ],
)
def test_malformed_serial_numbers_are_refused(bad: str) -> None:
    with pytest.raises(ValueError):
        parse_serial(bad)


@pytest.mark.parametrize(
    ("program", "year", "series", "seq"),
    [
        ("nope", 2022, "QC", 1),
        ("points", 22, "QC", 1),
        ("points", 2022, "Q", 1),
        ("points", 2022, "QC", 0),
        ("points", 2022, "QC", -5),
    ],
)
def test_impossible_serial_parts_are_refused(program: str, year: int, series: str, seq: int) -> None:
    with pytest.raises(ValueError):
        format_serial(program, year, series, seq)


def test_each_letter_type_has_its_own_series() -> None:
    series = [(k.program, k.series) for k in LETTER_KINDS]
    assert len(series) == len(set(series))
    assert {k.title for k in LETTER_KINDS} == {
        "积分落户资格确认单",
        "关于办理积分落户调档及落户手续的函",
        "北京市引进非北京生源毕业生接收函",
        "非北京生源毕业生报户口介绍信",
    }
    assert format_serial("graduates", 2025, "JS", 1) == "GRD-2025-JS-000001"


@pytest.mark.parametrize(
    ("d", "text"),
    [
        (date(2022, 7, 19), "二〇二二年七月十九日"),
        (date(2020, 10, 1), "二〇二〇年十月一日"),
        (date(2000, 1, 10), "二〇〇〇年一月十日"),
        (date(2021, 11, 20), "二〇二一年十一月二十日"),
        (date(2024, 2, 29), "二〇二四年二月二十九日"),
        (date(2019, 12, 31), "二〇一九年十二月三十一日"),
        (date(2023, 3, 30), "二〇二三年三月三十日"),
    ],
)
def test_dates_are_written_in_chinese_with_zero_as_ling_circle(d: date, text: str) -> None:
    assert chinese_date(d) == text


def test_chinese_numbers_for_months_and_days() -> None:
    assert [chinese_number(n) for n in (1, 9, 10, 11, 19, 20, 21, 30, 31)] == [
        "一",
        "九",
        "十",
        "十一",
        "十九",
        "二十",
        "二十一",
        "三十",
        "三十一",
    ]
    with pytest.raises(ValueError):
        chinese_number(0)


def test_birth_year_month_as_printed_on_letters() -> None:
    assert chinese_year_month("1985-03") == "1985年3月"
    with pytest.raises(ValueError):
        chinese_year_month("1985-13")


def test_the_approval_form_is_numbered_after_the_receiving_letter_it_was_exchanged_for() -> None:
    assert approval_form_title(2025) == "2025年非北京生源毕业生进京审批表" and APPROVAL_FORM_COPIES == 3
    assert approval_form_number("GRD-2025-JS-000001") == "GRD-2025-SP-000001"
    assert approval_form_number("GRD-2026-JS-1234567") == "GRD-2026-SP-1234567"
    for not_a_receiving_letter in ("GRD-2025-HK-000001", "PTS-2025-SL-000001", "JS-1"):
        with pytest.raises(ValueError):
            approval_form_number(not_a_receiving_letter)
