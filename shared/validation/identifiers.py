"""Identifiers people and organisations give us: checked, parsed and masked. Pure; no clock, no I/O.

- Resident ID number, 18 characters (GB 11643-1999 公民身份号码).
- Unified social credit code, 18 characters (GB 32100-2015 法人和其他组织统一社会信用代码编码规则).
- Mainland mobile phone number, 11 digits.

Every rejection is an ``InvalidIdentifier`` with a machine-readable ``code`` (see ``ERROR_CODES``) and an
English and a Chinese message. Messages never repeat the rejected value: it is personal data and error
messages end up in logs ("No ID numbers in logs", STYLE.md). For the same reason ``ResidentId``'s repr
shows only the masked number.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from types import MappingProxyType
from typing import Final, Literal

Sex = Literal["male", "female"]

ID_NUMBER_FORMAT: Final = "id_number.format"
ID_NUMBER_REGION: Final = "id_number.region"
ID_NUMBER_BIRTH_DATE: Final = "id_number.birth_date"
ID_NUMBER_BIRTH_DATE_FUTURE: Final = "id_number.birth_date_future"
ID_NUMBER_CHECK_DIGIT: Final = "id_number.check_digit"
CREDIT_CODE_FORMAT: Final = "credit_code.format"
CREDIT_CODE_REGISTRATION_AUTHORITY: Final = "credit_code.registration_authority"
CREDIT_CODE_ORG_TYPE: Final = "credit_code.org_type"
CREDIT_CODE_REGION: Final = "credit_code.region"
CREDIT_CODE_CHECK_CHARACTER: Final = "credit_code.check_character"
MOBILE_NUMBER_FORMAT: Final = "mobile_number.format"

ERROR_CODES: Final = frozenset(
    {
        ID_NUMBER_FORMAT,
        ID_NUMBER_REGION,
        ID_NUMBER_BIRTH_DATE,
        ID_NUMBER_BIRTH_DATE_FUTURE,
        ID_NUMBER_CHECK_DIGIT,
        CREDIT_CODE_FORMAT,
        CREDIT_CODE_REGISTRATION_AUTHORITY,
        CREDIT_CODE_ORG_TYPE,
        CREDIT_CODE_REGION,
        CREDIT_CODE_CHECK_CHARACTER,
        MOBILE_NUMBER_FORMAT,
    }
)


class InvalidIdentifier(ValueError):
    """An identifier failed validation. ``code`` is stable and machine-readable, e.g. ``id_number.format``."""

    def __init__(self, code: str, message: str, message_zh: str = "") -> None:
        self.code = code
        self.message = message
        self.message_zh = message_zh
        super().__init__(f"{code}: {message}")


# --- Resident ID number (GB 11643-1999) -------------------------------------------------------------

#: First two digits of the address code (GB/T 2260 provinces), plus 71 Taiwan, 81 Hong Kong, 82 Macao,
#: and 83, which residence permits for Taiwan residents use (81/82/83 + 0000 on 港澳台居民居住证).
PROVINCE_CODES: Final = MappingProxyType(
    {
        "11": "北京", "12": "天津", "13": "河北", "14": "山西", "15": "内蒙古",
        "21": "辽宁", "22": "吉林", "23": "黑龙江",
        "31": "上海", "32": "江苏", "33": "浙江", "34": "安徽", "35": "福建", "36": "江西", "37": "山东",
        "41": "河南", "42": "湖北", "43": "湖南", "44": "广东", "45": "广西", "46": "海南",
        "50": "重庆", "51": "四川", "52": "贵州", "53": "云南", "54": "西藏",
        "61": "陕西", "62": "甘肃", "63": "青海", "64": "宁夏", "65": "新疆",
        "71": "台湾", "81": "香港", "82": "澳门", "83": "台湾居民居住证",
    }
)  # fmt: skip

#: Nobody born before this date is alive to apply; older dates are typos or fabricated numbers.
EARLIEST_BIRTH_DATE: Final = date(1900, 1, 1)

# ISO 7064 MOD 11-2: weight of position i (1-based, from the left) is 2^(18-i) mod 11.
_ID_WEIGHTS: Final = tuple(pow(2, 17 - i, 11) for i in range(17))
_ID_CHECK_CHARACTERS: Final = "10X98765432"  # indexed by (weighted sum mod 11)
_ID_NUMBER_FULL = re.compile(r"[0-9]{17}[0-9X]")

#: Finds 18-character resident ID numbers in free text, for masking logs. Deliberately looser than
#: validation (no check-digit or region test: a mistyped ID number is still personal data) but tied to
#: the date layout (YYYYMMDD with year 18xx-20xx) so ordinary 18-digit numbers, such as message ids,
#: mostly survive. Matches are not part of a longer run of digits. Does not find 15-digit
#: first-generation numbers or numbers written with spaces.
ID_NUMBER_PATTERN: Final = re.compile(
    r"(?<![0-9])"
    r"[1-9][0-9]{5}"  # address code
    r"(?:18|19|20)[0-9]{2}(?:0[1-9]|1[0-2])(?:0[1-9]|[12][0-9]|3[01])"  # birth date
    r"[0-9]{3}"  # sequence code
    r"[0-9Xx]"  # check character
    r"(?![0-9])"
)


@dataclass(frozen=True, slots=True, repr=False)
class ResidentId:
    """A valid resident ID number and what it encodes. ``repr`` masks the number."""

    number: str
    birth_date: date
    sex: Sex
    region_code: str

    def __repr__(self) -> str:
        return f"ResidentId({mask_id_number(self.number)!r})"

    @property
    def masked(self) -> str:
        return mask_id_number(self.number)

    @property
    def province_code(self) -> str:
        return self.region_code[:2]


def resident_id_check_character(first17: str) -> str:
    """The GB 11643 check character (ISO 7064 MOD 11-2) for the first 17 digits."""
    if len(first17) != 17 or not first17.isascii() or not first17.isdigit():
        raise ValueError("expected exactly 17 ASCII digits")
    total = sum(int(c) * w for c, w in zip(first17, _ID_WEIGHTS, strict=True))
    return _ID_CHECK_CHARACTERS[total % 11]


def synthetic_resident_id(birth: date, seq: int = 1, region: str = "110105") -> str:
    """A valid resident ID number built from its parts (examples and tests; never a real person's)."""
    if not 0 <= seq <= 999:
        raise ValueError("seq must be 0-999")
    first17 = f"{region}{birth:%Y%m%d}{seq:03d}"
    return first17 + resident_id_check_character(first17)


def parse_resident_id(value: str, *, today: date | None = None) -> ResidentId:
    """Validate an 18-character resident ID number (GB 11643-1999) and return what it encodes.

    Accepts surrounding whitespace and a lower-case ``x``; ``number`` is normalised (stripped, ``X``).
    Checks, in order: format, check character (a typo shows up here), province code, birth date (a
    real date, not before 1900, and not after ``today`` when given). The caller passes ``today``; this
    module never reads the clock.
    """
    number = value.strip().upper()
    if not _ID_NUMBER_FULL.fullmatch(number):
        raise InvalidIdentifier(
            ID_NUMBER_FORMAT,
            "An ID number has 18 characters: 17 digits followed by a digit or X.",
            "身份证号码应为18位：前17位为数字，最后一位为数字或X。",
        )
    if resident_id_check_character(number[:17]) != number[17]:
        raise InvalidIdentifier(
            ID_NUMBER_CHECK_DIGIT,
            "The ID number's check character does not match; please check the number for typos.",
            "身份证号码校验位不正确，请核对号码。",
        )
    if number[:2] not in PROVINCE_CODES:
        raise InvalidIdentifier(
            ID_NUMBER_REGION,
            "The ID number does not start with a valid province code.",
            "身份证号码前两位不是有效的省级行政区划代码。",
        )
    try:
        birth_date = date(int(number[6:10]), int(number[10:12]), int(number[12:14]))
    except ValueError:
        birth_date = None
    if birth_date is None or birth_date < EARLIEST_BIRTH_DATE:
        raise InvalidIdentifier(
            ID_NUMBER_BIRTH_DATE,
            "The birth date in the ID number (characters 7-14) is not a valid date.",
            "身份证号码中的出生日期（第7至14位）无效。",
        )
    if today is not None and birth_date > today:
        raise InvalidIdentifier(
            ID_NUMBER_BIRTH_DATE_FUTURE,
            "The birth date in the ID number is in the future.",
            "身份证号码中的出生日期晚于当前日期。",
        )
    return ResidentId(
        number=number,
        birth_date=birth_date,
        sex="male" if int(number[16]) % 2 == 1 else "female",
        region_code=number[:6],
    )


def is_valid_resident_id(value: str, *, today: date | None = None) -> bool:
    try:
        parse_resident_id(value, today=today)
    except InvalidIdentifier:
        return False
    return True


def mask_id_number(value: str) -> str:
    """Keep the first 6 and last 4 characters: ``110101********123X``. Anything shorter than 15
    characters (not an ID number) is masked entirely.
    """
    if len(value) < 15:
        return "*" * len(value)
    return value[:6] + "*" * (len(value) - 10) + value[-4:]


def mask_id_numbers_in_text(text: str) -> str:
    """Mask every ID number ``ID_NUMBER_PATTERN`` finds in ``text``; leave the rest untouched."""
    return ID_NUMBER_PATTERN.sub(lambda m: mask_id_number(m.group()), text)


# --- Unified social credit code (GB 32100-2015) -----------------------------------------------------

#: The code's 31 characters (no I, O, S, V, Z), in the order of their values 0-30.
CREDIT_CODE_CHARSET: Final = "0123456789ABCDEFGHJKLMNPQRTUWXY"
_CREDIT_VALUES: Final = MappingProxyType({c: i for i, c in enumerate(CREDIT_CODE_CHARSET)})
# Weight of position i (1-based) is 3^(i-1) mod 31.
_CREDIT_WEIGHTS: Final = tuple(pow(3, i, 31) for i in range(17))

#: Registration authority (1st character) -> (name, {organisation type (2nd character): name}),
#: GB 32100-2015 appendix A with the authorities added since (外交, 司法行政, 文化, 旅游, 宗教, 工会,
#: 中央军委改革和编制办公室, 农业).
REGISTRATION_AUTHORITIES: Final[Mapping[str, tuple[str, Mapping[str, str]]]] = MappingProxyType(
    {
        "1": ("机构编制", {"1": "机关", "2": "事业单位", "3": "中央编办直接管理机构编制的群众团体",
                           "9": "其他"}),
        "2": ("外交", {"1": "外国常驻新闻机构", "9": "其他"}),
        "3": ("司法行政", {"1": "律师执业机构", "2": "公证处", "3": "基层法律服务所", "4": "司法鉴定机构",
                           "5": "仲裁委员会", "9": "其他"}),
        "4": ("文化", {"1": "外国在华文化中心", "9": "其他"}),
        "5": ("民政", {"1": "社会团体", "2": "民办非企业单位", "3": "基金会", "9": "其他"}),
        "6": ("旅游", {"1": "外国旅游部门常驻代表机构", "2": "港澳台地区旅游部门常驻内地（大陆）代表机构",
                       "9": "其他"}),
        "7": ("宗教", {"1": "宗教活动场所", "2": "宗教院校", "9": "其他"}),
        "8": ("工会", {"1": "基层工会", "9": "其他"}),
        "9": ("工商", {"1": "企业", "2": "个体工商户", "3": "农民专业合作社"}),
        "A": ("中央军委改革和编制办公室", {"1": "军队事业单位", "9": "其他"}),
        "N": ("农业", {"1": "组级集体经济组织", "2": "村级集体经济组织", "3": "乡镇级集体经济组织",
                       "9": "其他"}),
        "Y": ("其他", {"1": "其他"}),
    }
)  # fmt: skip

_CREDIT_CODE_FULL = re.compile(f"[{CREDIT_CODE_CHARSET}]{{18}}")


@dataclass(frozen=True, slots=True)
class CreditCode:
    """A valid unified social credit code and its parts."""

    code: str
    registration_authority: str  # 1st character
    org_type: str  # 2nd character
    region_code: str  # characters 3-8, the registering authority's administrative division
    organisation_code: str  # characters 9-17 (GB 11714 organisation code; its own check is not enforced)

    @property
    def registration_authority_name(self) -> str:
        return REGISTRATION_AUTHORITIES[self.registration_authority][0]

    @property
    def org_type_name(self) -> str:
        return REGISTRATION_AUTHORITIES[self.registration_authority][1][self.org_type]


def credit_code_check_character(first17: str) -> str:
    """The GB 32100 check character for the first 17 characters: 31 - (weighted sum mod 31), mod 31."""
    if len(first17) != 17 or any(c not in _CREDIT_VALUES for c in first17):
        raise ValueError(f"expected exactly 17 characters from {CREDIT_CODE_CHARSET}")
    total = sum(_CREDIT_VALUES[c] * w for c, w in zip(first17, _CREDIT_WEIGHTS, strict=True))
    return CREDIT_CODE_CHARSET[(31 - total % 31) % 31]


def parse_credit_code(value: str) -> CreditCode:
    """Validate an 18-character unified social credit code (GB 32100-2015).

    Accepts surrounding whitespace and lower-case letters (normalised to upper case). Checks, in
    order: format (length and character set), check character, registration authority, organisation
    type for that authority, 6-digit region code.
    """
    code = value.strip().upper()
    if not _CREDIT_CODE_FULL.fullmatch(code):
        raise InvalidIdentifier(
            CREDIT_CODE_FORMAT,
            "A credit code has 18 characters: digits and capital letters other than I, O, S, V, Z.",
            "统一社会信用代码应为18位，由数字和除I、O、S、V、Z以外的大写字母组成。",
        )
    if credit_code_check_character(code[:17]) != code[17]:
        raise InvalidIdentifier(
            CREDIT_CODE_CHECK_CHARACTER,
            "The credit code's check character does not match; please check the code for typos.",
            "统一社会信用代码校验位不正确，请核对代码。",
        )
    authority = REGISTRATION_AUTHORITIES.get(code[0])
    if authority is None:
        raise InvalidIdentifier(
            CREDIT_CODE_REGISTRATION_AUTHORITY,
            "The first character of the credit code is not a registration authority code.",
            "统一社会信用代码第1位不是有效的登记管理部门代码。",
        )
    if code[1] not in authority[1]:
        raise InvalidIdentifier(
            CREDIT_CODE_ORG_TYPE,
            "The second character of the credit code is not an organisation type of its authority.",
            "统一社会信用代码第2位不是该登记管理部门的有效机构类别代码。",
        )
    if not code[2:8].isdigit():
        raise InvalidIdentifier(
            CREDIT_CODE_REGION,
            "Characters 3-8 of the credit code must be a 6-digit administrative division code.",
            "统一社会信用代码第3至8位应为6位数字的行政区划代码。",
        )
    return CreditCode(
        code=code,
        registration_authority=code[0],
        org_type=code[1],
        region_code=code[2:8],
        organisation_code=code[8:17],
    )


def is_valid_credit_code(value: str) -> bool:
    try:
        parse_credit_code(value)
    except InvalidIdentifier:
        return False
    return True


# --- Mobile phone number --------------------------------------------------------------------------

MOBILE_NUMBER_PATTERN: Final = re.compile(r"1[3-9][0-9]{9}")


def parse_mobile_number(value: str) -> str:
    """Validate a mainland mobile number: 11 digits starting with 13-19. Returns it stripped.

    No country code, spaces or dashes: normalise those in the form layer if wanted.
    """
    number = value.strip()
    if not MOBILE_NUMBER_PATTERN.fullmatch(number):
        raise InvalidIdentifier(
            MOBILE_NUMBER_FORMAT,
            "A mobile number has 11 digits and starts with 13 to 19.",
            "手机号码应为11位数字，以13至19开头。",
        )
    return number


def is_valid_mobile_number(value: str) -> bool:
    return MOBILE_NUMBER_PATTERN.fullmatch(value.strip()) is not None


def mask_mobile_number(value: str) -> str:
    """Keep the first 3 and last 4 digits: ``138****5678``. Shorter input is masked entirely."""
    if len(value) < 11:
        return "*" * len(value)
    return value[:3] + "*" * (len(value) - 7) + value[-4:]


# --- Names ----------------------------------------------------------------------------------------


def mask_name(name: str) -> str:
    """First character and one asterisk per remaining character: ``张三`` -> ``张*``,
    ``欧阳娜娜`` -> ``欧***``. A one-character name is masked entirely.
    """
    name = name.strip()
    if len(name) <= 1:
        return "*" * len(name)
    return name[0] + "*" * (len(name) - 1)
