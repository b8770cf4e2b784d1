"""Letters as PDF (fpdf2) with a real CJK font, and their QR codes (qrcode + Pillow).

The font comes from the machine (Debian's ``fonts-noto-cjk``, installed by ``make install``) or from
``SETTLEMENT_LETTER_FONT_PATH``. Noto CJK ships as ``.ttc`` collections; the simplified-Chinese face is
picked by its name. Every character of a letter is checked against the font's character map before
rendering: a character the font cannot draw raises :class:`UnsupportedGlyph` instead of printing a box.
"""

from __future__ import annotations

import io
import threading
from dataclasses import dataclass, field
from datetime import datetime
from functools import lru_cache
from pathlib import Path

import qrcode
from fontTools.ttLib import TTCollection, TTFont
from fpdf import FPDF
from fpdf.enums import WrapMode
from qrcode.constants import ERROR_CORRECT_M

#: Where Debian and common distributions put CJK fonts, best first (serif faces suit official letters).
FONT_CANDIDATES: tuple[str, ...] = (
    "/usr/share/fonts/opentype/noto/NotoSerifCJK-Regular.ttc",
    "/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc",
    "/usr/share/fonts/noto-cjk/NotoSerifCJK-Regular.ttc",
    "/usr/share/fonts/noto-cjk/NotoSansCJK-Regular.ttc",
    "/usr/share/fonts/google-noto-cjk/NotoSerifCJK-Regular.ttc",
    "/usr/share/fonts/opentype/noto/NotoSerifCJKsc-Regular.otf",
    "/usr/share/fonts/truetype/wqy/wqy-microhei.ttc",
    "/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc",
)
_SC_MARKERS = (" SC", "SC ", "Micro Hei", "Zen Hei", "WenQuanYi")


class FontNotFound(RuntimeError):
    pass


class UnsupportedGlyph(ValueError):
    """The letter contains characters the font has no glyph for (they would print as boxes)."""

    def __init__(self, chars: list[str], font: str) -> None:
        points = ", ".join(f"U+{ord(c):04X} {c!r}" for c in chars)
        super().__init__(f"the font {font} has no glyph for: {points}")
        self.chars = chars
        self.font = font


@dataclass(frozen=True)
class FontFace:
    path: Path
    index: int
    name: str
    bold_path: Path | None = None
    bold_index: int = 0


def _face_names(path: Path) -> list[str]:
    if path.suffix.lower() in (".ttc", ".otc"):
        coll = TTCollection(str(path), lazy=True)
        try:
            return [str(f["name"].getDebugName(4) or f["name"].getDebugName(1)) for f in coll.fonts]
        finally:
            coll.close()
    font = TTFont(str(path), lazy=True)
    try:
        return [str(font["name"].getDebugName(4) or font["name"].getDebugName(1))]
    finally:
        font.close()


def _pick(path: Path, index: int | None) -> tuple[int, str]:
    names = _face_names(path)
    if index is not None:
        if not 0 <= index < len(names):
            raise FontNotFound(f"{path} has {len(names)} faces; index {index} does not exist")
        return index, names[index]
    for i, n in enumerate(names):
        if any(m in n for m in _SC_MARKERS):
            return i, n
    return 0, names[0]


def find_cjk_font(path: Path | None = None, index: int | None = None) -> FontFace:
    """The font letters are printed with: ``path`` if given, else the first installed candidate."""
    candidates = [path] if path is not None else [Path(p) for p in FONT_CANDIDATES]
    for p in candidates:
        if p.is_file():
            i, name = _pick(p, index)
            bold = p.with_name(p.name.replace("-Regular", "-Bold"))
            if bold != p and bold.is_file():
                bi, _ = _pick(bold, index if index is not None else None)
                return FontFace(p, i, name, bold, bi)
            return FontFace(p, i, name)
    where = str(path) if path is not None else ", ".join(FONT_CANDIDATES)
    raise FontNotFound(
        f"no CJK font found ({where}); install Debian's fonts-noto-cjk (`make install` does) "
        "or set SETTLEMENT_LETTER_FONT_PATH"
    )


@lru_cache(maxsize=8)
def _codepoints(path: Path, index: int) -> frozenset[int]:
    if path.suffix.lower() in (".ttc", ".otc"):
        coll = TTCollection(str(path), lazy=True)
        try:
            return frozenset(coll.fonts[index].getBestCmap())
        finally:
            coll.close()
    font = TTFont(str(path), lazy=True)
    try:
        return frozenset(font.getBestCmap())
    finally:
        font.close()


def unsupported_chars(text: str, face: FontFace) -> list[str]:
    """Characters of ``text`` the font cannot draw (line breaks and spaces need no glyph)."""
    have = _codepoints(face.path, face.index)
    missing: list[str] = []
    for c in text:
        if c in "\n\r\t" or ord(c) in have or c in missing:
            continue
        missing.append(c)
    return missing


def qr_png(payload: str, box_size: int = 10) -> bytes:
    """A QR code (error correction M, 4-module quiet zone) as PNG bytes."""
    qr = qrcode.QRCode(error_correction=ERROR_CORRECT_M, box_size=box_size, border=4)
    qr.add_data(payload)
    qr.make(fit=True)
    img = qr.make_image(fill_color="black", back_color="white")
    buf = io.BytesIO()
    img.save(buf, format="PNG")
    return buf.getvalue()


@dataclass(frozen=True)
class LetterDocument:
    """Everything printed on one letter."""

    title: str
    serial_number: str
    addressee: str | None
    paragraphs: list[str]
    holder_lines: list[tuple[str, str]]
    authority: str
    date_text: str
    verify_url: str
    issued_at: datetime
    footer: str = "扫描二维码或访问上述地址可核验本函件的真伪与状态。Scan the QR code to verify this letter."
    extra: dict[str, str] = field(default_factory=dict)

    def all_text(self) -> str:
        parts = [
            self.title,
            self.serial_number,
            self.addressee or "",
            *self.paragraphs,
            self.authority,
            self.date_text,
            self.verify_url,
            self.footer,
            "编号：",
            "扫码核验",
        ]
        for k, v in self.holder_lines:
            parts += [k, v]
        return "\n".join(parts)


#: Where the QR code sits on the page (mm), so that tests and people know where to look.
QR_X, QR_Y, QR_SIZE = 20.0, 222.0, 38.0


class LetterRenderer:
    """Renders :class:`LetterDocument` to PDF bytes (A4). Thread-safe; the font is located once."""

    def __init__(self, face: FontFace) -> None:
        self.face = face
        self._lock = threading.Lock()

    def check(self, doc: LetterDocument) -> None:
        missing = unsupported_chars(doc.all_text(), self.face)
        if missing:
            raise UnsupportedGlyph(missing, self.face.name)

    def render(self, doc: LetterDocument) -> bytes:
        self.check(doc)
        pdf = FPDF(orientation="P", unit="mm", format="A4")
        pdf.set_creation_date(doc.issued_at)
        pdf.set_title(f"{doc.title} {doc.serial_number}")
        pdf.set_author(doc.authority)
        pdf.set_creator("bj-hukou settlement service")
        pdf.add_font("cjk", "", str(self.face.path), collection_font_number=self.face.index)
        bold = "B" if self.face.bold_path else ""
        if self.face.bold_path:
            pdf.add_font("cjk", "B", str(self.face.bold_path), collection_font_number=self.face.bold_index)
        pdf.set_auto_page_break(auto=False)
        pdf.set_margins(25, 25, 25)
        pdf.add_page()
        width = pdf.w - 50

        pdf.set_font("cjk", bold, 20)
        pdf.set_y(32)
        pdf.multi_cell(width, 12, doc.title, align="C", new_x="LMARGIN", new_y="NEXT")
        pdf.set_font("cjk", "", 11)
        pdf.cell(width, 8, f"编号：{doc.serial_number}", align="R", new_x="LMARGIN", new_y="NEXT")
        pdf.ln(4)

        pdf.set_font("cjk", "", 13)
        if doc.addressee:
            pdf.multi_cell(width, 8, doc.addressee, new_x="LMARGIN", new_y="NEXT")
        for para in doc.paragraphs:
            pdf.multi_cell(
                width, 8, "\u3000\u3000" + para, wrapmode=WrapMode.CHAR, new_x="LMARGIN", new_y="NEXT"
            )
            pdf.ln(1)

        pdf.ln(3)
        pdf.set_font("cjk", "", 12)
        label_w = 38.0
        for label, value in doc.holder_lines:
            pdf.cell(label_w, 9, label, border=1, align="C")
            pdf.multi_cell(
                width - label_w, 9, value, border=1, wrapmode=WrapMode.CHAR, new_x="LMARGIN", new_y="NEXT"
            )

        if pdf.get_y() > QR_Y - 4:  # a long text: the signature block and the QR code go on a new page
            pdf.add_page()
        # Issuing authority and the date written in Chinese, bottom right.
        pdf.set_font("cjk", "", 13)
        pdf.set_xy(100, 226)
        pdf.cell(pdf.w - 125, 9, doc.authority, align="R", new_x="LEFT", new_y="NEXT")
        pdf.cell(pdf.w - 125, 9, doc.date_text, align="R")

        # QR code bottom left, with the address it carries.
        pdf.image(io.BytesIO(qr_png(doc.verify_url)), x=QR_X, y=QR_Y, w=QR_SIZE, h=QR_SIZE)
        pdf.set_font("cjk", "", 9)
        pdf.set_xy(QR_X, QR_Y + QR_SIZE)
        pdf.cell(QR_SIZE, 5, "扫码核验", align="C")
        pdf.set_xy(25, 268)
        pdf.multi_cell(width, 5, doc.verify_url, wrapmode=WrapMode.CHAR, new_x="LMARGIN", new_y="NEXT")
        pdf.multi_cell(width, 5, doc.footer, wrapmode=WrapMode.CHAR)

        with self._lock:
            out = bytes(pdf.output())
        font = pdf.fonts.get("cjk")
        missing = sorted(getattr(font, "missing_glyphs", []) or [])
        if missing:  # a second line of defence: fpdf2's own record of glyphs it could not find
            raise UnsupportedGlyph(
                [chr(c) if isinstance(c, int) else str(c) for c in missing], self.face.name
            )
        return out
