"""The letters settlement issues, and their serial numbers.

Points programme (seed 004):
- 《积分落户资格确认单》 (qualification confirmation), issued when the publicity of an entry ends without
  a founded objection (第十条: 公示期满无异议的，取得年度积分落户资格).
- 《关于办理积分落户调档及落户手续的函》 (the settlement letter), issued when the bureau has approved the
  materials checked by the district (第十二条: 可凭市人力资源社会保障局出具的函件按有关规定办理调档及落户手续).

Graduate programme (seed 000): 《接收函》 (receiving letter, series JS) when the bureau approves an introduction
(第十七条(五)), and 《非北京生源毕业生报户口介绍信》 (hukou letter, series HK) when the settlement check of Y+1
has passed (第十七条(七)): ``GRD-2025-JS-000001``. The approval exchanges the unit's
《<Y>年非北京生源毕业生进京审批表》 (3 copies, 第十七条(五)) for the 《接收函》: the form is numbered after the letter
it was exchanged for, series SP with the letter's year and sequence (``GRD-2025-SP-000001`` for
``GRD-2025-JS-000001``), so its numbers are gapless and unique as the letters' are.

Serial numbers: ``<programme>-<year of issue>-<series>-<sequence>``, e.g. ``PTS-2022-QC-000001``. Each
(programme, letter type, year of issue) is one series numbered 1, 2, 3 … with no gaps and no duplicates;
the sequence has at least six digits and grows beyond 999999 rather than wrapping.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

PROGRAM_CODES = {"points": "PTS", "graduates": "GRD"}
_PROGRAM_BY_CODE = {v: k for k, v in PROGRAM_CODES.items()}
SEQUENCE_DIGITS = 6
SERIAL_RE = re.compile(r"^(PTS|GRD)-(\d{4})-([A-Z]{2})-(\d{6,9})$")


@dataclass(frozen=True)
class LetterKind:
    """A type of letter: its code (in events and the API), programme, series code, title and template."""

    code: str
    program: str
    series: str
    title: str
    name_en: str
    template: str
    article: str


LETTER_KINDS: tuple[LetterKind, ...] = (
    LetterKind(
        code="points_qualification_confirmation",
        program="points",
        series="QC",
        title="积分落户资格确认单",
        name_en="Points settlement qualification confirmation",
        template="points_qualification_confirmation.txt.j2",
        article="seed 004 第十条",
    ),
    LetterKind(
        code="points_settlement_letter",
        program="points",
        series="SL",
        title="关于办理积分落户调档及落户手续的函",
        name_en="Letter for the transfer of archives and hukou (points settlement)",
        template="points_settlement_letter.txt.j2",
        article="seed 004 第十二条",
    ),
    LetterKind(
        code="receiving_letter",
        program="graduates",
        series="JS",
        title="北京市引进非北京生源毕业生接收函",
        name_en="Receiving letter for a non-Beijing graduate (接收函)",
        template="graduate_receiving_letter.txt.j2",
        article="seed 000 第十七条(五)",
    ),
    LetterKind(
        code="hukou_letter",
        program="graduates",
        series="HK",
        title="非北京生源毕业生报户口介绍信",
        name_en="Hukou introduction letter for a non-Beijing graduate",
        template="graduate_hukou_letter.txt.j2",
        article="seed 000 第十七条(七)",
    ),
)
_BY_CODE = {k.code: k for k in LETTER_KINDS}
_BY_SERIES = {(k.program, k.series): k for k in LETTER_KINDS}

QUALIFICATION_CONFIRMATION = _BY_CODE["points_qualification_confirmation"]
SETTLEMENT_LETTER = _BY_CODE["points_settlement_letter"]
RECEIVING_LETTER = _BY_CODE["receiving_letter"]
HUKOU_LETTER = _BY_CODE["hukou_letter"]


def kind_by_code(code: str) -> LetterKind:
    try:
        return _BY_CODE[code]
    except KeyError:
        raise ValueError(f"unknown letter type {code!r}") from None


@dataclass(frozen=True, order=True)
class SerialNumber:
    program: str
    year: int
    series: str
    sequence: int

    def __str__(self) -> str:
        return format_serial(self.program, self.year, self.series, self.sequence)

    @property
    def kind(self) -> LetterKind | None:
        return _BY_SERIES.get((self.program, self.series))


def format_serial(program: str, year: int, series: str, sequence: int) -> str:
    """``format_serial("points", 2022, "QC", 1)`` → ``PTS-2022-QC-000001``."""
    if program not in PROGRAM_CODES:
        raise ValueError(f"unknown programme {program!r}")
    if not 1000 <= year <= 9999:
        raise ValueError(f"year out of range: {year}")
    if not re.fullmatch(r"[A-Z]{2}", series):
        raise ValueError(f"a series is two capital letters, got {series!r}")
    if not 1 <= sequence <= 999_999_999:
        raise ValueError(f"sequences run from 1 to 999999999, got {sequence}")
    return f"{PROGRAM_CODES[program]}-{year:04d}-{series}-{sequence:0{SEQUENCE_DIGITS}d}"


def parse_serial(value: str) -> SerialNumber:
    """The parts of a serial number; ``ValueError`` if it is not one."""
    m = SERIAL_RE.match(value)
    if not m or int(m.group(4)) < 1:
        raise ValueError("not a serial number of the form PTS-2022-QC-000001")
    return SerialNumber(_PROGRAM_BY_CODE[m.group(1)], int(m.group(2)), m.group(3), int(m.group(4)))


# ---- the approval form exchanged for the 《接收函》 (seed 000 第十七条(五)) -------------------------------

APPROVAL_FORM_SERIES = "SP"
APPROVAL_FORM_COPIES = 3


def approval_form_title(year: int) -> str:
    """``approval_form_title(2025)`` → ``2025年非北京生源毕业生进京审批表`` (Y, the year of introduction)."""
    if not 1000 <= year <= 9999:
        raise ValueError(f"year out of range: {year}")
    return f"{year}年非北京生源毕业生进京审批表"


def approval_form_number(receiving_serial: str) -> str:
    """The number of the approval form exchanged for the 《接收函》 ``receiving_serial``: the same programme,
    year and sequence in series SP (``GRD-2025-JS-000001`` → ``GRD-2025-SP-000001``). ``ValueError`` if the
    serial is not a receiving letter's."""
    s = parse_serial(receiving_serial)
    if s.kind is not RECEIVING_LETTER:
        raise ValueError(f"{receiving_serial} is not the serial number of a receiving letter (接收函)")
    return format_serial(s.program, s.year, APPROVAL_FORM_SERIES, s.sequence)
