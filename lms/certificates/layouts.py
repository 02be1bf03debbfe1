"""Certificate page layouts (a registry of classes that draw a CertificateDocument on a reportlab canvas) and the
drawing pieces they share: fonts, text that shrinks to fit its box, the vector QR block, images and signatures."""

from __future__ import annotations

import hashlib
import io
import re
import threading
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from functools import lru_cache
from pathlib import Path
from typing import ClassVar

import zxingcpp
from flask_babel import lazy_gettext as _l
from PIL import Image
from reportlab.lib.colors import Color, HexColor, white
from reportlab.lib.pagesizes import A4, landscape
from reportlab.lib.units import mm
from reportlab.lib.utils import ImageReader
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.pdfgen.canvas import Canvas

from lms.certificates.document import CertificateDocument

PAGE_WIDTH, PAGE_HEIGHT = landscape(A4)
FONTS_DIR = Path(__file__).parent / "fonts"
FONT_FILES = {
    "Lentera-Serif": "DejaVuSerif.ttf",
    "Lentera-Serif-Bold": "DejaVuSerif-Bold.ttf",
    "Lentera-Sans": "DejaVuSans.ttf",
    "Lentera-Sans-Bold": "DejaVuSans-Bold.ttf",
}
# Width of the QR symbol without its quiet zone: above the 35 mm that scans reliably from a phone at arm's length.
QR_SYMBOL_WIDTH = 38 * mm
QR_MIN_MODULE = 0.4 * mm
QR_QUIET_MODULES = 4
# Images are printed at no more than this resolution; more only makes the file bigger.
PRINT_DPI = 300
# PDF bytes allowed for the pictures, so that a certificate stays under the SKP platform's 250 KB upload limit
# whatever was uploaded (fonts, text and the QR take about 30 KB).
LOGO_BUDGET = 60_000
SIGNATURES_BUDGET = 100_000

MONTHS = (
    "Januari",
    "Februari",
    "Maret",
    "April",
    "Mei",
    "Juni",
    "Juli",
    "Agustus",
    "September",
    "Oktober",
    "November",
    "Desember",
)
_HEX_COLOUR = re.compile(r"^#[0-9a-fA-F]{6}$")
# zxing-cpp draws dark modules as 0 and light ones as 255.
_DARK_RUN = re.compile(rb"\x00+")


@lru_cache(maxsize=1)
def register_fonts() -> tuple[str, ...]:
    """Register the shipped TrueType fonts with reportlab once per process (parsing them takes tens of ms).

    Each font's subset builder is memoized. reportlab puts all of printable ASCII into every document's first subset
    at fixed codes, so certificates whose text is plain ASCII (most Indonesian names) need exactly the same subset
    as the one before, and building it took a sixth of a render.
    """
    for name, filename in FONT_FILES.items():
        font = TTFont(name, str(FONTS_DIR / filename), asciiReadable=1)
        font.face.makeSubset = _memoized_subsets(font.face.makeSubset)
        pdfmetrics.registerFont(font)
    return tuple(FONT_FILES)


def _memoized_subsets(make_subset):
    # The font face reads its file through one shared position: renders in threads take turns building subsets.
    lock = threading.Lock()

    @lru_cache(maxsize=32)
    def build(subset: tuple[int, ...]) -> bytes:
        with lock:
            return make_subset(list(subset))

    return lambda subset: build(tuple(subset))


def format_date(value: date) -> str:
    """A date as Indonesian documents print it: "12 Maret 2026"."""
    return f"{value.day} {MONTHS[value.month - 1]} {value.year}"


def format_decimal(value: Decimal) -> str:
    """32 → "32", 2.50 → "2,5": no trailing zeros, and the Indonesian decimal comma."""
    text = format(value.normalize(), "f")
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return text.replace(".", ",")


def verify_hint(verify_url: str) -> str:
    """Where to type the number and code by hand: the site of the QR's URL, lower-cased, plus /verify."""
    base = verify_url
    marker = base.upper().rfind("/V/")
    if marker >= 0:
        base = base[:marker]
    base = re.sub(r"^[A-Za-z][A-Za-z0-9+.-]*://", "", base).rstrip("/").lower()
    return f"{base}/verify"


def colour(value: str, default: str) -> Color:
    """The organization's colour, or the default when it is not a #rrggbb value (drawing must never fail)."""
    return HexColor(value if _HEX_COLOUR.match(value or "") else default)


def tint(base: Color, share: float) -> Color:
    """`base` mixed with white: share 0 is white, 1 is the colour itself."""
    return Color(*(1 - share + share * c for c in (base.red, base.green, base.blue)))


def readable_on(background: Color) -> Color:
    """White text on dark backgrounds, near-black on light ones (an organization may pick a pale colour)."""
    luminance = 0.2126 * background.red + 0.7152 * background.green + 0.0722 * background.blue
    return white if luminance < 0.6 else HexColor("#1a1a1a")


# --- text that fits ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class FittedText:
    lines: tuple[str, ...]
    font: str
    size: float
    leading: float

    @property
    def height(self) -> float:
        return self.leading * len(self.lines)


def fit_text(text: str, font: str, *, width: float, height: float, max_size: float, char_space: float = 0):
    """The largest size (≤ max_size) at which `text`, wrapped at spaces, fits in width × height.

    Never overflows: a long name or title gets smaller, and a word wider than the box shrinks until it fits.
    """
    return _fit_text(" ".join(text.split()), font, width, height, max_size, char_space)


@lru_cache(maxsize=2048)
def _fit_text(text: str, font: str, width: float, height: float, max_size: float, char_space: float) -> FittedText:
    leading_factor = 1.18
    if not text:
        return FittedText((), font, max_size, max_size * leading_factor)
    size = min(max_size, height / leading_factor)
    one_line = pdfmetrics.stringWidth(text, font, 1) + char_space * (len(text) - 1)
    if one_line * size <= width + 1e-6:
        return FittedText((text,), font, size, size * leading_factor)
    while size > 2:
        # Wrapping is the expensive part: skip sizes at which the text cannot fit even with no space lost at the
        # ends of lines.
        if one_line * size <= (height // (size * leading_factor)) * width:
            lines = _wrap(text, font, size, width, char_space)
            if lines is not None and len(lines) * size * leading_factor <= height:
                return FittedText(tuple(lines), font, size, size * leading_factor)
        size *= 0.96
    # Not even 2 pt on wrapped lines (absurd input): one line scaled to the width.
    size = min(max_size, width / one_line, height / leading_factor)
    return FittedText((text,), font, size, size * leading_factor)


def _wrap(text: str, font: str, size: float, width: float, char_space: float) -> list[str] | None:
    def measure(s: str) -> float:
        return pdfmetrics.stringWidth(s, font, size) + char_space * (len(s) - 1)

    lines: list[str] = []
    current = ""
    for word in text.split(" "):
        candidate = f"{current} {word}" if current else word
        if measure(candidate) <= width + 1e-6:
            current = candidate
            continue
        if not current or measure(word) > width + 1e-6:
            return None
        lines.append(current)
        current = word
    lines.append(current)
    return lines


def draw_fitted(
    canvas: Canvas,
    fitted: FittedText,
    *,
    x: float,
    top: float,
    box_height: float,
    align: str = "centre",
    fill: Color | None = None,
    char_space: float = 0,
) -> None:
    """Draw fitted lines vertically centred in the box whose top edge is `top`; x is the centre, left or right edge."""
    if fill is not None:
        canvas.setFillColor(fill)
    canvas.setFont(fitted.font, fitted.size)
    # DejaVu's cap height is about 0.73 em: centre the ink, not the line boxes.
    ink = fitted.size * 0.73 + fitted.leading * (len(fitted.lines) - 1)
    baseline = top - (box_height - ink) / 2 - fitted.size * 0.73
    draw = {
        "centre": canvas.drawCentredString,
        "left": canvas.drawString,
        "right": canvas.drawRightString,
    }[align]
    for line in fitted.lines:
        draw(x, baseline, line, charSpace=char_space)
        baseline -= fitted.leading


# --- QR ---------------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class QrGeometry:
    """Where the QR symbol was drawn (points, PDF coordinates, lower-left corner; the quiet zone lies outside)."""

    x: float
    y: float
    modules: int
    module: float

    @property
    def size(self) -> float:
        return self.modules * self.module

    @property
    def version(self) -> int:
        return (self.modules - 17) // 4

    @property
    def outer_size(self) -> float:
        return (self.modules + 2 * QR_QUIET_MODULES) * self.module


@lru_cache(maxsize=256)
def qr_symbol(text: str) -> tuple[int, str]:
    """The QR symbol for `text` (error correction Q, smallest version): its width in modules, and the PDF path that
    fills its dark modules, in module units with the origin at the symbol's lower-left corner.

    zxing-cpp's C++ encoder takes about 2 ms where the pure-Python `qrcode` takes 35-70 ms, which alone would cap
    rendering below 30 PDFs per second. It picks the mask by the standard's penalty rules and uses alphanumeric mode
    for the upper-case URL. The path is written as PDF operators directly: one `re` per run of dark modules in a row,
    integers only, instead of thousands of reportlab path calls that format every coordinate as a float.
    """
    symbol = zxingcpp.create_barcode(text, zxingcpp.BarcodeFormat.QRCode, ec_level="Q")
    image = symbol.to_image(scale=1, add_quiet_zones=False)
    rows, columns = memoryview(image).shape
    pixels = bytes(memoryview(image))
    # Rows joined by one light byte, so that one regex pass over the symbol finds every row's dark runs.
    stride = columns + 1
    joined = b"\xff".join(pixels[start : start + columns] for start in range(0, rows * columns, columns))
    top = rows - 1
    ops = [
        f"{start % stride} {top - start // stride} {end - start} 1 re"
        for start, end in map(re.Match.span, _DARK_RUN.finditer(joined))
    ]
    return columns, "\n".join(ops)


def qr_module_size(modules: int) -> float:
    return max(QR_MIN_MODULE, QR_SYMBOL_WIDTH / modules)


def qr_outer_size(text: str) -> float:
    """Width of the QR with its quiet zone, so that a layout can place it before drawing."""
    modules, _ = qr_symbol(text)
    return (modules + 2 * QR_QUIET_MODULES) * qr_module_size(modules)


def draw_qr(canvas: Canvas, text: str, *, left: float, bottom: float, dark: Color) -> QrGeometry:
    """Draw the QR as vector rectangles with its white quiet zone; (left, bottom) is the quiet zone's corner."""
    modules, path = qr_symbol(text)
    module = qr_module_size(modules)
    outer = (modules + 2 * QR_QUIET_MODULES) * module
    canvas.setFillColor(white)
    canvas.rect(left, bottom, outer, outer, stroke=0, fill=1)
    x0 = left + QR_QUIET_MODULES * module
    y0 = bottom + QR_QUIET_MODULES * module
    canvas.setFillColor(dark)
    canvas.addLiteral(f"q {module:.5f} 0 0 {module:.5f} {x0:.4f} {y0:.4f} cm\n{path}\nf Q")
    return QrGeometry(x=x0, y=y0, modules=modules, module=module)


# --- images -----------------------------------------------------------------------------------------------------


class PreparedJpeg(ImageReader):
    """A JPEG that reportlab embeds as it is, named by a hash of its bytes.

    Canvas.drawImage names an image by an MD5 of its decoded pixels, on every call: 1.5 ms per certificate for
    pixels that never change. JPEGs go through reportlab's pass-through path, which never asks for the pixels.
    """

    def __init__(self, jpeg: bytes):
        super().__init__(io.BytesIO(jpeg))
        self._identity = b"lentera-jpeg:" + hashlib.sha256(jpeg).digest()
        self._dataA = None  # no soft mask: the picture is flattened onto its background
        # reportlab reads the JPEG from one shared file object; renders in threads each get their own.
        self.jpeg_fh = lambda: io.BytesIO(jpeg)

    def getRGBData(self) -> bytes:  # noqa: N802 - reportlab's name
        return self._identity


@lru_cache(maxsize=64)
def print_image(data: bytes, box_width: float, box_height: float, budget: int, background: str) -> PreparedJpeg | None:
    """The image scaled to print resolution for its box and flattened onto the box's background, as a JPEG of at
    most `budget` bytes in a reportlab ImageReader that is kept for reuse across PDFs.

    Why JPEG: reportlab embeds a JPEG as it is, while a PNG is decoded and deflated again in every PDF (20 ms per
    certificate for a logo and two signatures, twice the whole budget), and the byte budget holds whatever was
    uploaded. The layouts print images on plain backgrounds, so flattening loses nothing. None when the bytes are
    not an image (they were checked on upload; a certificate must still render).
    """
    try:
        with Image.open(io.BytesIO(data)) as opened:
            opened.load()
            image = opened.convert("RGBA")
    except (OSError, ValueError, SyntaxError, Image.DecompressionBombError):
        return None
    limit = (max(1, round(box_width / 72 * PRINT_DPI)), max(1, round(box_height / 72 * PRINT_DPI)))
    image.thumbnail(limit, Image.Resampling.LANCZOS)
    flat = Image.new("RGB", image.size, background)
    flat.paste(image, mask=image.getchannel("A"))
    # 4:4:4 (no chroma subsampling) keeps the coloured edges of logos and thin signature strokes clean.
    attempts = [(90, 0), (80, 0), (70, 2), (55, 2), (40, 2)]
    while True:
        for quality, subsampling in attempts:
            out = io.BytesIO()
            flat.save(out, format="JPEG", quality=quality, subsampling=subsampling, optimize=True)
            if out.tell() <= budget or flat.width * flat.height <= 64:
                return PreparedJpeg(out.getvalue())
        flat = flat.resize((max(1, flat.width // 2), max(1, flat.height // 2)), Image.Resampling.LANCZOS)


def draw_image(
    canvas: Canvas,
    data: bytes | None,
    *,
    x: float,
    y: float,
    width: float,
    height: float,
    budget: int,
    background: str = "#ffffff",
    anchor: str = "c",
) -> bool:
    """Draw the image inside the box, aspect kept; False when there was nothing to draw."""
    if not data:
        return False
    reader = print_image(data, round(width, 2), round(height, 2), budget, background)
    if reader is None:
        return False
    canvas.drawImage(reader, x, y, width, height, preserveAspectRatio=True, anchor=anchor)
    return True


# --- layouts ----------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class DrawnCertificate:
    """What a layout reports about its drawing, for tests and previews."""

    qr: QrGeometry


class Layout:
    """A certificate design. Subclasses draw one A4 landscape page; the shared blocks below keep them consistent."""

    key: ClassVar[str]
    label: ClassVar[str]
    # Each font costs a subset embedded in every PDF (about 1.7 ms of a 10 ms render, and 5-10 KB): a layout uses
    # the regular and bold of one family, no italic.
    regular: ClassVar[str]
    bold: ClassVar[str]

    ink = HexColor("#1f2328")
    muted = HexColor("#5b6169")

    def draw(self, canvas: Canvas, doc: CertificateDocument) -> DrawnCertificate:
        """Draw the whole page for `doc`. An instance draws one document at a time (create one per render)."""
        self.doc = doc
        self.primary = colour(doc.primary_colour, "#0b6e4f")
        self.accent = colour(doc.accent_colour, "#c8a24a")
        return self.compose(canvas)

    def compose(self, canvas: Canvas) -> DrawnCertificate:
        raise NotImplementedError

    # -- shared blocks --

    def details_line(self) -> str:
        doc = self.doc
        return f"{format_decimal(doc.jpl)} JPL   ·   {format_decimal(doc.skp)} SKP   ·   Ranah {doc.ranah.capitalize()}"

    def dates_line(self) -> str:
        doc = self.doc
        parts = [f"Diselesaikan {format_date(doc.completed_on)}"]
        if doc.expires_on is not None:
            parts.append(f"berlaku sampai {format_date(doc.expires_on)}")
        return ", ".join(parts)

    def course_line(self) -> str:
        doc = self.doc
        parts = [f"Kode {doc.course_code}"]
        if doc.accreditation_number:
            parts.append(f"Akreditasi No. {doc.accreditation_number}")
        return "   ·   ".join(parts)

    def competencies_text(self) -> str:
        return "Kompetensi: " + "; ".join(c.strip() for c in self.doc.competencies if c.strip())

    def place_and_date(self) -> str:
        issued = format_date(self.doc.issued_on)
        return f"{self.doc.place}, {issued}" if self.doc.place else issued

    def draw_qr_block(
        self, canvas: Canvas, *, left: float, bottom: float, text_width: float, text_colour: Color, below: bool
    ) -> QrGeometry:
        """The QR with the number, the verification code and where to type them, beside it or below it."""
        doc = self.doc
        qr = draw_qr(canvas, doc.verify_url, left=left, bottom=bottom, dark=HexColor("#000000"))
        outer = qr.outer_size
        if below:
            x, top = left, bottom - 3 * mm
        else:
            x, top = left + outer + 3 * mm, bottom + outer - 2 * mm
        rows = (
            (self.regular, 7, "Nomor sertifikat"),
            (self.bold, 9, doc.number),
            (self.regular, 7, "Kode verifikasi"),
            (self.bold, 14, doc.verification_code),
            (self.regular, 7, "Pindai QR atau buka"),
            (self.bold, 8, verify_hint(doc.verify_url)),
        )
        gaps = (0.6 * mm, 2.2 * mm, 0.6 * mm, 2.2 * mm, 0.6 * mm, 0)
        canvas.setFillColor(text_colour)
        for (font, size, text), gap in zip(rows, gaps, strict=True):
            fitted = fit_text(text, font, width=text_width, height=size * 1.25, max_size=size)
            draw_fitted(canvas, fitted, x=x, top=top, box_height=fitted.height, align="left")
            top -= fitted.height + gap
        return qr

    def draw_signatories(self, canvas: Canvas, *, left: float, right: float, line_y: float, date_above: bool) -> None:
        """Signature images above a rule, the name below it and the title under the name, in columns."""
        signatories = self.doc.signatories
        count = max(1, len(signatories))
        column = (right - left) / count
        if date_above:
            fitted = fit_text(self.place_and_date(), self.regular, width=right - left, height=12, max_size=9.5)
            draw_fitted(canvas, fitted, x=(left + right) / 2, top=line_y + 30 * mm, box_height=12, fill=self.ink)
        budget = SIGNATURES_BUDGET // count
        inner = min(column - 6 * mm, 80 * mm)
        # One size for all names (and all titles), the largest at which every one fits: a row of signatures whose
        # names differ in size looks careless.
        name_size = min((self._signatory_name_size(s.name, inner) for s in signatories), default=9.5)
        title_size = min(
            (fit_text(s.title, self.regular, width=inner, height=19, max_size=7.5).size for s in signatories),
            default=7.5,
        )
        for index, signatory in enumerate(signatories):
            centre = left + index * column + column / 2
            draw_image(
                canvas,
                signatory.signature_png,
                x=centre - inner / 2,
                y=line_y + 1 * mm,
                width=inner,
                height=19 * mm,
                budget=budget,
                anchor="s",
            )
            canvas.setStrokeColor(self.muted)
            canvas.setLineWidth(0.6)
            canvas.line(centre - inner / 2, line_y, centre + inner / 2, line_y)
            # A long name takes two lines rather than shrinking out of legibility; the title follows it.
            name = fit_text(signatory.name, self.bold, width=inner, height=22, max_size=name_size)
            draw_fitted(canvas, name, x=centre, top=line_y - 1.5 * mm, box_height=name.height, fill=self.ink)
            title = fit_text(signatory.title, self.regular, width=inner, height=19, max_size=title_size)
            title_top = line_y - 1.5 * mm - name.height - 0.5 * mm
            draw_fitted(canvas, title, x=centre, top=title_top, box_height=title.height, fill=self.muted)

    def _signatory_name_size(self, name: str, width: float) -> float:
        """One line down to 7.5 pt; a longer name wraps to two lines rather than shrinking further."""
        one_line = fit_text(name, self.bold, width=width, height=12, max_size=9.5)
        if one_line.size >= 7.5:
            return one_line.size
        return fit_text(name, self.bold, width=width, height=22, max_size=9.5).size


class KlasikLayout(Layout):
    """Centred and formal: a double frame in the organization's colours, serif headings, QR bottom left."""

    key = "klasik"
    label = _l("Classic")
    regular, bold = "Lentera-Serif", "Lentera-Serif-Bold"

    def compose(self, canvas: Canvas) -> DrawnCertificate:
        doc = self.doc
        self._frame(canvas)
        centre = PAGE_WIDTH / 2
        wide = 230 * mm

        def top(from_top_mm: float) -> float:
            return PAGE_HEIGHT - from_top_mm * mm

        logo_drawn = draw_image(
            canvas,
            doc.organization_logo_png,
            x=centre - 30 * mm,
            y=top(37),
            width=60 * mm,
            height=18 * mm,
            budget=LOGO_BUDGET,
        )
        org_top = 38.5 if logo_drawn else 32
        org = fit_text(doc.organization_name.upper(), self.bold, width=wide, height=14, max_size=11.5)
        draw_fitted(canvas, org, x=centre, top=top(org_top), box_height=14, fill=self.primary, char_space=0.8)

        title = fit_text("SERTIFIKAT", self.bold, width=wide, height=44, max_size=38, char_space=6)
        draw_fitted(canvas, title, x=centre, top=top(45), box_height=44, fill=self.primary, char_space=6)
        number = fit_text(f"Nomor: {doc.number}", self.regular, width=wide, height=12, max_size=9.5)
        draw_fitted(canvas, number, x=centre, top=top(61), box_height=12, fill=self.muted)

        given = fit_text("diberikan kepada", self.regular, width=wide, height=15, max_size=12, char_space=0.6)
        draw_fitted(canvas, given, x=centre, top=top(68), box_height=15, fill=self.ink, char_space=0.6)
        name = fit_text(doc.holder_name, self.bold, width=245 * mm, height=17 * mm, max_size=30)
        draw_fitted(canvas, name, x=centre, top=top(74), box_height=17 * mm, fill=self.ink)
        rule_width = min(245 * mm, max(pdfmetrics.stringWidth(line, name.font, name.size) for line in name.lines))
        canvas.setStrokeColor(self.accent)
        canvas.setLineWidth(1.2)
        canvas.line(centre - rule_width / 2 - 8 * mm, top(92), centre + rule_width / 2 + 8 * mm, top(92))
        profession = fit_text(doc.profession_name, self.regular, width=wide, height=13, max_size=10.5)
        draw_fitted(canvas, profession, x=centre, top=top(93.5), box_height=13, fill=self.muted)

        took = fit_text(
            f"telah mengikuti {doc.course_kind}", self.regular, width=wide, height=15, max_size=12, char_space=0.6
        )
        draw_fitted(canvas, took, x=centre, top=top(100), box_height=15, fill=self.ink, char_space=0.6)
        course = fit_text(doc.course_title, self.bold, width=wide, height=14 * mm, max_size=17)
        draw_fitted(canvas, course, x=centre, top=top(106), box_height=14 * mm, fill=self.primary)
        line = fit_text(self.course_line(), self.regular, width=wide, height=11, max_size=8.5)
        draw_fitted(canvas, line, x=centre, top=top(120.5), box_height=11, fill=self.muted)

        details = fit_text(self.details_line(), self.bold, width=wide, height=14, max_size=11)
        draw_fitted(canvas, details, x=centre, top=top(126), box_height=14, fill=self.primary)
        dates = fit_text(self.dates_line(), self.regular, width=wide, height=11, max_size=8.5)
        draw_fitted(canvas, dates, x=centre, top=top(131.5), box_height=11, fill=self.ink)
        if doc.competencies:
            skills = fit_text(self.competencies_text(), self.regular, width=215 * mm, height=10 * mm, max_size=8)
            draw_fitted(canvas, skills, x=centre, top=top(136.5), box_height=10 * mm, fill=self.muted)

        qr_left = 19 * mm
        qr = self.draw_qr_block(
            canvas, left=qr_left, bottom=19 * mm, text_width=52 * mm, text_colour=self.ink, below=False
        )
        sign_left = qr_left + qr.outer_size + 58 * mm
        self.draw_signatories(canvas, left=sign_left, right=PAGE_WIDTH - 20 * mm, line_y=32 * mm, date_above=True)
        return DrawnCertificate(qr=qr)

    def _frame(self, canvas: Canvas) -> None:
        canvas.setStrokeColor(self.primary)
        canvas.setLineWidth(3)
        canvas.rect(8 * mm, 8 * mm, PAGE_WIDTH - 16 * mm, PAGE_HEIGHT - 16 * mm, stroke=1, fill=0)
        canvas.setStrokeColor(self.accent)
        canvas.setLineWidth(0.9)
        canvas.rect(11 * mm, 11 * mm, PAGE_WIDTH - 22 * mm, PAGE_HEIGHT - 22 * mm, stroke=1, fill=0)
        # Diamonds on the inner frame's corners and mid-sides: the classic certificate ornament.
        canvas.setFillColor(self.accent)
        half = 2.2 * mm
        points = [
            (11 * mm, 11 * mm),
            (PAGE_WIDTH - 11 * mm, 11 * mm),
            (11 * mm, PAGE_HEIGHT - 11 * mm),
            (PAGE_WIDTH - 11 * mm, PAGE_HEIGHT - 11 * mm),
            (PAGE_WIDTH / 2, PAGE_HEIGHT - 11 * mm),
            (PAGE_WIDTH / 2, 11 * mm),
        ]
        for x, y in points:
            path = canvas.beginPath()
            path.moveTo(x, y + half)
            path.lineTo(x + half, y)
            path.lineTo(x, y - half)
            path.lineTo(x - half, y)
            path.close()
            canvas.drawPath(path, stroke=0, fill=1)


class ModernLayout(Layout):
    """A coloured band on the left with the logo and the QR; left-aligned sans text with the figures in boxes."""

    key = "modern"
    label = _l("Modern")
    regular, bold = "Lentera-Sans", "Lentera-Sans-Bold"
    band = 80 * mm

    def compose(self, canvas: Canvas) -> DrawnCertificate:
        doc = self.doc
        band_text = readable_on(self.primary)
        canvas.setFillColor(self.primary)
        canvas.rect(0, 0, self.band, PAGE_HEIGHT, stroke=0, fill=1)
        canvas.setFillColor(self.accent)
        canvas.rect(self.band, 0, 2.5 * mm, PAGE_HEIGHT, stroke=0, fill=1)

        # Logo on a white card so that any logo reads on any band colour.
        card_left, card_width = 12 * mm, self.band - 24 * mm
        if doc.organization_logo_png:
            canvas.setFillColor(white)
            canvas.roundRect(card_left, PAGE_HEIGHT - 44 * mm, card_width, 32 * mm, 3 * mm, stroke=0, fill=1)
            draw_image(
                canvas,
                doc.organization_logo_png,
                x=card_left + 4 * mm,
                y=PAGE_HEIGHT - 40 * mm,
                width=card_width - 8 * mm,
                height=24 * mm,
                budget=LOGO_BUDGET,
            )
        org = fit_text(doc.organization_name, self.bold, width=card_width, height=20 * mm, max_size=12)
        org_top = PAGE_HEIGHT - (50 if doc.organization_logo_png else 14) * mm
        draw_fitted(canvas, org, x=self.band / 2, top=org_top, box_height=20 * mm, fill=band_text)

        outer = qr_outer_size(doc.verify_url)
        qr_left = (self.band - outer) / 2
        qr = self.draw_qr_block(
            canvas, left=qr_left, bottom=58 * mm, text_width=self.band - 2 * qr_left, text_colour=band_text, below=True
        )

        left = self.band + 16 * mm
        width = PAGE_WIDTH - left - 16 * mm

        def top(from_top_mm: float) -> float:
            return PAGE_HEIGHT - from_top_mm * mm

        title = fit_text("SERTIFIKAT", self.bold, width=width, height=40, max_size=34, char_space=5)
        draw_fitted(canvas, title, x=left, top=top(16), box_height=40, align="left", fill=self.primary, char_space=5)
        kind = fit_text(doc.course_kind.upper(), self.bold, width=width, height=12, max_size=9.5)
        draw_fitted(canvas, kind, x=left, top=top(31), box_height=12, align="left", fill=self.accent, char_space=2)
        number = fit_text(f"Nomor: {doc.number}", self.regular, width=width, height=12, max_size=9)
        draw_fitted(canvas, number, x=left, top=top(36.5), box_height=12, align="left", fill=self.muted)

        given = fit_text("diberikan kepada", self.regular, width=width, height=13, max_size=10.5)
        draw_fitted(canvas, given, x=left, top=top(47), box_height=13, align="left", fill=self.muted)
        name = fit_text(doc.holder_name, self.bold, width=width, height=17 * mm, max_size=28)
        draw_fitted(canvas, name, x=left, top=top(52), box_height=17 * mm, align="left", fill=self.ink)
        canvas.setFillColor(self.accent)
        canvas.rect(left, top(70.5), 24 * mm, 1.4 * mm, stroke=0, fill=1)
        profession = fit_text(doc.profession_name, self.regular, width=width, height=13, max_size=10.5)
        draw_fitted(canvas, profession, x=left, top=top(72.5), box_height=13, align="left", fill=self.muted)

        took = fit_text(f"telah mengikuti {doc.course_kind}", self.regular, width=width, height=13, max_size=10.5)
        draw_fitted(canvas, took, x=left, top=top(80), box_height=13, align="left", fill=self.muted)
        course = fit_text(doc.course_title, self.bold, width=width, height=14 * mm, max_size=16)
        draw_fitted(canvas, course, x=left, top=top(85), box_height=14 * mm, align="left", fill=self.primary)
        line = fit_text(self.course_line(), self.regular, width=width, height=11, max_size=8.5)
        draw_fitted(canvas, line, x=left, top=top(99.5), box_height=11, align="left", fill=self.muted)

        self._figures(canvas, left=left, top=top(105), width=width)
        dates = fit_text(self.dates_line(), self.regular, width=width, height=11, max_size=8.5)
        draw_fitted(canvas, dates, x=left, top=top(124), box_height=11, align="left", fill=self.ink)
        if doc.competencies:
            skills = fit_text(self.competencies_text(), self.regular, width=width, height=12 * mm, max_size=8)
            draw_fitted(canvas, skills, x=left, top=top(129), box_height=12 * mm, align="left", fill=self.muted)

        self.draw_signatories(canvas, left=left - 4 * mm, right=PAGE_WIDTH - 12 * mm, line_y=26 * mm, date_above=True)
        return DrawnCertificate(qr=qr)

    def _figures(self, canvas: Canvas, *, left: float, top: float, width: float) -> None:
        """JPL, SKP and ranah as three boxes: the numbers an employer and the SKP platform look for first."""
        doc = self.doc
        figures = (
            ("JPL", format_decimal(doc.jpl)),
            ("SKP", format_decimal(doc.skp)),
            ("RANAH", doc.ranah.capitalize()),
        )
        gap = 4 * mm
        box_width = (width - 2 * gap) / 3
        height = 16 * mm
        for index, (label, value) in enumerate(figures):
            x = left + index * (box_width + gap)
            canvas.setFillColor(tint(self.primary, 0.08))
            canvas.roundRect(x, top - height, box_width, height, 2 * mm, stroke=0, fill=1)
            canvas.setFillColor(self.primary)
            canvas.rect(x, top - height, 1.2 * mm, height, stroke=0, fill=1)
            small = fit_text(label, self.bold, width=box_width - 8 * mm, height=10, max_size=7.5)
            draw_fitted(canvas, small, x=x + 5 * mm, top=top - 2 * mm, box_height=10, align="left", fill=self.muted)
            big = fit_text(value, self.bold, width=box_width - 8 * mm, height=20, max_size=16)
            draw_fitted(canvas, big, x=x + 5 * mm, top=top - 6.5 * mm, box_height=20, align="left", fill=self.ink)


LAYOUTS: dict[str, type[Layout]] = {layout.key: layout for layout in (KlasikLayout, ModernLayout)}
DEFAULT_LAYOUT = "klasik"
