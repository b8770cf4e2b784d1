"""Letters as PDF with a real CJK font: the text is extractable (poppler's pdftotext), a character the
font lacks is an error (never a box), and the QR code read back from the rendered page is the letter's
verification address."""

from __future__ import annotations

import subprocess
from datetime import datetime
from pathlib import Path

import pytest
from PIL import Image

from services.settlement.adapters.pdf import (
    QR_SIZE,
    QR_X,
    QR_Y,
    LetterDocument,
    LetterRenderer,
    UnsupportedGlyph,
    find_cjk_font,
    unsupported_chars,
)
from shared.clock import BEIJING
from tests.settlement.qr_decode import decode

URL = "http://127.0.0.1:8105/verify/Zx3_kP9qLm2VbN8wRt5yUe1oIa7sDf4G"


def doc(name: str = "欧阳娜娜", **kw: object) -> LetterDocument:
    args: dict[str, object] = dict(
        title="积分落户资格确认单",
        serial_number="PTS-2022-QC-000001",
        addressee=f"{name}：",
        paragraphs=[
            "经本人申报、部门审核、积分排名和社会公示，你已取得北京市2022年度积分落户资格。"
            "公示期于二〇二二年七月十八日届满。"
        ],
        holder_lines=[("姓名", name), ("出生年月", "1985年3月"), ("工作单位", "北京中关村某某科技有限公司")],
        authority="北京市人力资源和社会保障局",
        date_text="二〇二二年七月十九日",
        verify_url=URL,
        issued_at=datetime(2022, 7, 19, 9, 0, tzinfo=BEIJING),
    )
    args.update(kw)
    return LetterDocument(**args)  # type: ignore[arg-type]


@pytest.fixture(scope="module")
def renderer() -> LetterRenderer:
    return LetterRenderer(find_cjk_font())


def test_the_font_is_a_real_cjk_face_found_on_the_machine() -> None:
    face = find_cjk_font()
    assert face.path.is_file()
    assert "CJK SC" in face.name or "Hei" in face.name


def test_pdf_text_contains_the_title_the_holder_and_the_chinese_date(
    renderer: LetterRenderer, tmp_path: Path
) -> None:
    pdf = tmp_path / "letter.pdf"
    pdf.write_bytes(renderer.render(doc()))
    text = subprocess.run(
        ["pdftotext", "-enc", "UTF-8", str(pdf), "-"], capture_output=True, check=True, text=True
    ).stdout
    assert "积分落户资格确认单" in text
    assert "欧阳娜娜" in text
    assert "二〇二二年七月十九日" in text and "北京市人力资源和社会保障局" in text
    assert "PTS-2022-QC-000001" in text


def test_a_character_the_font_lacks_is_an_error_not_a_box(renderer: LetterRenderer) -> None:
    rare = "\U00030000"  # CJK Unified Ideographs Extension G: not in Noto CJK
    assert unsupported_chars("张" + rare, renderer.face) == [rare]
    with pytest.raises(UnsupportedGlyph) as e:
        renderer.render(doc(name="张" + rare))
    assert "U+30000" in str(e.value)


def test_every_character_of_the_letter_templates_is_in_the_font(renderer: LetterRenderer) -> None:
    templates = Path(__file__).resolve().parents[3] / "services" / "settlement" / "templates" / "letters"
    text = "".join(p.read_text() for p in templates.glob("*.j2"))
    assert unsupported_chars(text, renderer.face) == []


def test_the_qr_code_on_the_page_reads_back_as_the_verification_address(
    renderer: LetterRenderer, tmp_path: Path
) -> None:
    pdf = tmp_path / "letter.pdf"
    pdf.write_bytes(renderer.render(doc()))
    dpi = 200
    subprocess.run(
        ["pdftoppm", "-r", str(dpi), "-png", "-singlefile", str(pdf), str(tmp_path / "page")], check=True
    )
    page = Image.open(tmp_path / "page.png")
    px = dpi / 25.4
    qr = page.crop((int(QR_X * px), int(QR_Y * px), int((QR_X + QR_SIZE) * px), int((QR_Y + QR_SIZE) * px)))
    assert decode(qr) == URL
