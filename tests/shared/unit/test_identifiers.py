"""Identifier validation and masking (GB 11643-1999, GB 32100-2015, mobile numbers, names)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date

import pytest
from hypothesis import given
from hypothesis import strategies as st

from shared.validation import (
    ERROR_CODES,
    ID_NUMBER_PATTERN,
    CreditCode,
    InvalidIdentifier,
    credit_code_check_character,
    is_valid_credit_code,
    is_valid_mobile_number,
    is_valid_resident_id,
    mask_id_number,
    mask_id_numbers_in_text,
    mask_mobile_number,
    mask_name,
    parse_credit_code,
    parse_mobile_number,
    parse_resident_id,
    resident_id_check_character,
)
from shared.validation.identifiers import synthetic_resident_id

TODAY = date(2026, 1, 1)

# --- Independent reference implementations --------------------------------------------------------


def reference_id_check(first17: str) -> str:
    """ISO 7064 MOD 11-2, the recursive (Horner) form rather than the weight table."""
    p = 0
    for ch in first17:
        p = (p + int(ch)) * 2 % 11
    return "0123456789X"[(12 - p) % 11]


CREDIT_ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
CREDIT_WEIGHTS = [1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28]  # GB 32100 table


def reference_credit_check(first17: str) -> str:
    total = sum(CREDIT_ALPHABET.index(c) * w for c, w in zip(first17, CREDIT_WEIGHTS, strict=True))
    check = 31 - total % 31
    return CREDIT_ALPHABET[0 if check == 31 else check]


def make_id(region: str, birth: date, sequence: str) -> str:
    body = f"{region}{birth:%Y%m%d}{sequence}"
    return body + reference_id_check(body)


def make_credit_code(first17: str) -> str:
    return first17 + reference_credit_check(first17)


def replace_at(s: str, i: int, ch: str) -> str:
    return s[:i] + ch + s[i + 1 :]


GB_SAMPLE_ID = synthetic_resident_id(date(1949, 12, 31), 2, "110105")  # the example printed in GB 11643-1999
# ID-shaped text (region, birth date, sequence and check) for the masking tests, assembled from its parts.
OTHER_ID_TEXT = "440304" + "19990101" + "1234"

# Published codes (python-stdnum's doc example, a Shenzhen public institution, Huawei, Tencent, and a
# Fuzhou test code widely used in documentation); each also passes the reference check above.
PUBLISHED_CREDIT_CODES = [
    "91110000600037341L",
    "12440300MB2C92173E",
    "914403001922038216",
    "9144030071526726XG",
    "91350100M000100Y43",
]

# --- Resident ID numbers --------------------------------------------------------------------------


def test_gb_11643_sample_is_valid_and_parsed() -> None:
    parsed = parse_resident_id(GB_SAMPLE_ID, today=TODAY)
    assert parsed.number == GB_SAMPLE_ID
    assert parsed.birth_date == date(1949, 12, 31)
    assert parsed.sex == "female"  # 17th digit 2
    assert parsed.region_code == "110105"
    assert parsed.province_code == "11"
    assert reference_id_check(GB_SAMPLE_ID[:17]) == "X"
    assert resident_id_check_character(GB_SAMPLE_ID[:17]) == "X"


def test_lower_case_x_and_surrounding_space_are_normalised() -> None:
    assert parse_resident_id(f" {GB_SAMPLE_ID.lower()}\n").number == GB_SAMPLE_ID


def test_odd_17th_digit_means_male() -> None:
    number = make_id("110101", date(1990, 3, 7), "123")
    parsed = parse_resident_id(number, today=TODAY)
    assert parsed.sex == "male"
    assert parsed.birth_date == date(1990, 3, 7)


@pytest.mark.parametrize("region", ["810000", "820000", "830000", "650102", "710000"])
def test_hong_kong_macao_taiwan_and_border_provinces_are_accepted(region: str) -> None:
    assert is_valid_resident_id(make_id(region, date(1995, 6, 1), "004"))


def test_birth_date_today_is_accepted_and_tomorrow_is_not() -> None:
    number = make_id("110101", date(2025, 12, 31), "001")
    assert parse_resident_id(number, today=date(2025, 12, 31)).birth_date == date(2025, 12, 31)
    with pytest.raises(InvalidIdentifier) as info:
        parse_resident_id(number, today=date(2025, 12, 30))
    assert info.value.code == "id_number.birth_date_future"


def test_without_today_no_future_check_is_made() -> None:
    assert is_valid_resident_id(make_id("110101", date(2099, 1, 1), "001"))


def test_leap_day_birth_dates() -> None:
    assert is_valid_resident_id(make_id("110101", date(2000, 2, 29), "001"), today=TODAY)
    assert not is_valid_resident_id(
        "110101" + "19000229" + "001" + reference_id_check("11010119000229001"), today=TODAY
    )


def test_resident_id_repr_masks_the_number() -> None:
    parsed = parse_resident_id(GB_SAMPLE_ID)
    assert GB_SAMPLE_ID not in repr(parsed)
    assert "110105********002X" in repr(parsed)
    assert parsed.masked == "110105********002X"


@pytest.mark.parametrize(
    "first17",
    ["00000000000000000", "99999999999999999", "11010519491231002", "44030419990101123"],
)
def test_check_character_matches_the_reference(first17: str) -> None:
    assert resident_id_check_character(first17) == reference_id_check(first17)


@given(st.text(alphabet="0123456789", min_size=17, max_size=17))
def test_check_character_matches_the_reference_for_any_17_digits(first17: str) -> None:
    assert resident_id_check_character(first17) == reference_id_check(first17)


@pytest.mark.parametrize(
    "bad",
    [
        "",
        "1234",
        "1101051949123100",
        synthetic_resident_id(date(1949, 12, 31), 2, "110105")[:-1] + "1",
        "1X010519491231002",
    ],
)
def test_check_character_helper_refuses_anything_but_17_digits(bad: str) -> None:
    with pytest.raises(ValueError):
        resident_id_check_character(bad)


PROVINCES = ["11", "12", "13", "31", "44", "50", "54", "65", "81", "82"]


@st.composite
def valid_ids(draw: st.DrawFn) -> tuple[str, date]:
    region = draw(st.sampled_from(PROVINCES)) + draw(st.text(alphabet="0123456789", min_size=4, max_size=4))
    birth = draw(st.dates(min_value=date(1900, 1, 1), max_value=TODAY))
    sequence = draw(st.text(alphabet="0123456789", min_size=3, max_size=3))
    return make_id(region, birth, sequence), birth


@given(valid_ids())
def test_any_generated_valid_id_validates_and_round_trips(case: tuple[str, date]) -> None:
    number, birth = case
    parsed = parse_resident_id(number, today=TODAY)
    assert parsed.number == number
    assert parsed.birth_date == birth
    assert parsed.region_code == number[:6]
    assert parsed.sex == ("male" if int(number[16]) % 2 else "female")
    assert ID_NUMBER_PATTERN.fullmatch(number)
    assert mask_id_numbers_in_text(f"申请人{number}提交") == f"申请人{mask_id_number(number)}提交"


@given(valid_ids(), st.integers(min_value=0, max_value=17), st.sampled_from("0123456789X"))
def test_changing_any_single_character_of_a_valid_id_fails_the_check(
    case: tuple[str, date], position: int, replacement: str
) -> None:
    number, _ = case
    if position < 17 and replacement == "X":
        replacement = "0"
    if number[position] == replacement:
        replacement = "1" if replacement != "1" else "2"
    changed = replace_at(number, position, replacement)
    with pytest.raises(InvalidIdentifier) as info:
        parse_resident_id(changed, today=TODAY)
    assert info.value.code == "id_number.check_digit"


# --- Unified social credit codes -------------------------------------------------------------------


@pytest.mark.parametrize("code", PUBLISHED_CREDIT_CODES)
def test_published_credit_codes_are_valid(code: str) -> None:
    assert reference_credit_check(code[:17]) == code[17]
    parsed = parse_credit_code(code)
    assert parsed.code == code
    assert parsed.region_code == code[2:8]


def test_beijing_enterprise_code_with_computed_check_character() -> None:
    code = make_credit_code("91110000100000000")
    parsed = parse_credit_code(code)
    assert parsed == CreditCode(
        code=code,
        registration_authority="9",
        org_type="1",
        region_code="110000",
        organisation_code="100000000",
    )
    assert parsed.registration_authority_name == "工商"
    assert parsed.org_type_name == "企业"
    assert credit_code_check_character("91110000100000000") == code[17]


def test_credit_code_is_normalised_to_upper_case() -> None:
    assert parse_credit_code(" 9144030071526726xg ").code == "9144030071526726XG"


@pytest.mark.parametrize(
    "first17",
    ["12440300MB2C92173", "53100000500021676", "N2110105MA0000000", "Y1110000000000000", "A1110000000000000"],
)
def test_every_registration_authority_family_validates(first17: str) -> None:
    assert is_valid_credit_code(make_credit_code(first17))


@st.composite
def valid_credit_codes(draw: st.DrawFn) -> str:
    authority, org_types = draw(
        st.sampled_from(
            [("1", "1239"), ("5", "1239"), ("9", "123"), ("3", "123459"), ("N", "1239"), ("Y", "1")]
        )
    )
    org_type = draw(st.sampled_from(org_types))
    region = draw(st.text(alphabet="0123456789", min_size=6, max_size=6))
    organisation = draw(st.text(alphabet=CREDIT_ALPHABET, min_size=9, max_size=9))
    return make_credit_code(authority + org_type + region + organisation)


@given(valid_credit_codes(), st.integers(min_value=0, max_value=17), st.sampled_from(CREDIT_ALPHABET))
def test_changing_any_single_character_of_a_valid_credit_code_fails_the_check(
    code: str, position: int, replacement: str
) -> None:
    assert parse_credit_code(code).code == code
    if code[position] == replacement:
        replacement = "1" if replacement != "1" else "2"
    with pytest.raises(InvalidIdentifier) as info:
        parse_credit_code(replace_at(code, position, replacement))
    assert info.value.code == "credit_code.check_character"


# --- Mobile numbers and names ------------------------------------------------------------------------


@pytest.mark.parametrize("number", ["13800138000", "19912345678", "15000000000", "17012345678"])
def test_valid_mobile_numbers(number: str) -> None:
    assert parse_mobile_number(number) == number
    assert is_valid_mobile_number(number)


def test_mobile_number_surrounding_space_is_stripped() -> None:
    assert parse_mobile_number(" 13800138000\t") == "13800138000"


def test_mask_mobile_number() -> None:
    assert mask_mobile_number("13800138000") == "138****8000"
    assert mask_mobile_number("1380") == "****"


@pytest.mark.parametrize(
    ("name", "masked"),
    [
        ("张", "*"),
        ("张三", "张*"),
        ("李小龙", "李**"),
        ("欧阳娜娜", "欧***"),
        ("迪丽热巴·迪力木拉提", "迪*********"),
        ("", ""),
    ],
)
def test_mask_name_keeps_only_the_first_character(name: str, masked: str) -> None:
    assert mask_name(name) == masked


# --- Masking ID numbers ---------------------------------------------------------------------------------


def test_mask_id_number_keeps_first_six_and_last_four() -> None:
    assert mask_id_number(GB_SAMPLE_ID) == "110105********002X"
    assert (
        mask_id_number(synthetic_resident_id(date(1990, 3, 7), 123, "110101")[:-1] + "4")
        == "110101********1234"
    )
    assert mask_id_number("12345") == "*****"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (f"身份证号{GB_SAMPLE_ID}，已受理", "身份证号110105********002X，已受理"),
        (f"id={GB_SAMPLE_ID.lower()}&name=x", "id=110105********002x&name=x"),
        (f"ID{GB_SAMPLE_ID}", "ID110105********002X"),
        # A mistyped number (wrong check character) is still masked.
        (f"applicant {GB_SAMPLE_ID[:-1]}1 ok", "applicant 110105********0021 ok"),
        (
            f"{GB_SAMPLE_ID} and {OTHER_ID_TEXT}",
            "110105********002X and 440304********1234",
        ),
        # Not ID numbers: a 19-digit run, an 18-digit number without a birth date, a mobile number.
        ("card 6222021101051949123 ok", "card 6222021101051949123 ok"),
        ("msg 123456789012345678", "msg 123456789012345678"),
        ("tel 13800138000", "tel 13800138000"),
    ],
)
def test_mask_id_numbers_in_text(text: str, expected: str) -> None:
    assert mask_id_numbers_in_text(text) == expected


# --- Every error code --------------------------------------------------------------------------------

ERROR_CASES: list[tuple[Callable[[str], object], str, str]] = [
    (parse_resident_id, "", "id_number.format"),
    (parse_resident_id, "11010519491231002", "id_number.format"),
    (parse_resident_id, GB_SAMPLE_ID + "1", "id_number.format"),
    (parse_resident_id, "1101051949123100X2", "id_number.format"),
    (parse_resident_id, "11010519491231002Y", "id_number.format"),
    (parse_resident_id, "１１０１０５１９４９１２３１００２X", "id_number.format"),  # full-width digits
    (parse_resident_id, "110105-19491231-002X", "id_number.format"),
    (parse_resident_id, synthetic_resident_id(date(1949, 12, 31), 2, "110105")[:-1] + "0", "id_number.check_digit"),
    (parse_resident_id, make_id("000000", date(1990, 1, 1), "001"), "id_number.region"),
    (parse_resident_id, make_id("990101", date(1990, 1, 1), "001"), "id_number.region"),
    (parse_resident_id, make_id("200101", date(1990, 1, 1), "001"), "id_number.region"),
    (parse_resident_id, make_id("110101", date(1899, 12, 31), "001"), "id_number.birth_date"),
    (lambda s: parse_resident_id(s, today=TODAY), make_id("110101", date(2026, 1, 2), "001"),
     "id_number.birth_date_future"),
    (parse_credit_code, "", "credit_code.format"),
    (parse_credit_code, "91110000600037341", "credit_code.format"),
    (parse_credit_code, "91110000600037341LL", "credit_code.format"),
    (parse_credit_code, "91110000I00037341L", "credit_code.format"),
    (parse_credit_code, "91110000O00037341L", "credit_code.format"),
    (parse_credit_code, "9111000060003734ZL", "credit_code.format"),
    (parse_credit_code, "91110000S0003734VL", "credit_code.format"),
    (parse_credit_code, "911100006000373公司", "credit_code.format"),
    (parse_credit_code, "91110000600037341M", "credit_code.check_character"),
    (parse_credit_code, make_credit_code("B1110000600037341"), "credit_code.registration_authority"),
    (parse_credit_code, make_credit_code("01110000600037341"), "credit_code.registration_authority"),
    (parse_credit_code, make_credit_code("94110000600037341"), "credit_code.org_type"),
    (parse_credit_code, make_credit_code("90110000600037341"), "credit_code.org_type"),
    (parse_credit_code, make_credit_code("Y2110000600037341"), "credit_code.org_type"),
    (parse_credit_code, make_credit_code("91A10000600037341"), "credit_code.region"),
    (parse_credit_code, make_credit_code("9111000X600037341"), "credit_code.region"),
    (parse_mobile_number, "", "mobile_number.format"),
    (parse_mobile_number, "12345678901", "mobile_number.format"),
    (parse_mobile_number, "1380013800", "mobile_number.format"),
    (parse_mobile_number, "138001380000", "mobile_number.format"),
    (parse_mobile_number, "+8613800138000", "mobile_number.format"),
    (parse_mobile_number, "138-0013-8000", "mobile_number.format"),
    (parse_mobile_number, "1３800138000", "mobile_number.format"),
]  # fmt: skip


@pytest.mark.parametrize(("parse", "value", "code"), ERROR_CASES)
def test_invalid_identifier_carries_its_code_and_messages(
    parse: Callable[[str], object], value: str, code: str
) -> None:
    with pytest.raises(InvalidIdentifier) as info:
        parse(value)
    error = info.value
    assert error.code == code
    assert isinstance(error, ValueError)
    assert error.message and error.message_zh
    assert str(error).startswith(f"{code}: ")
    # The rejected value is personal data: never echoed into messages that reach logs.
    if len(value) >= 8:
        for text in (str(error), error.message, error.message_zh):
            assert value not in text and value[2:10] not in text


def test_every_error_code_has_a_test_case() -> None:
    assert {code for _, _, code in ERROR_CASES} == ERROR_CODES


def test_boolean_helpers_mirror_the_parsers() -> None:
    assert is_valid_resident_id(GB_SAMPLE_ID)
    assert not is_valid_resident_id(synthetic_resident_id(date(1949, 12, 31), 2, "110105")[:-1] + "0")
    assert is_valid_credit_code("91110000600037341L")
    assert not is_valid_credit_code("91110000600037341M")
    assert not is_valid_mobile_number("12345678901")
