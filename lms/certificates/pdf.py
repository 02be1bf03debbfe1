"""The certificate PDF (A4 landscape, vector, fonts embedded, at most 250 KB) and its PNG preview, as bytes."""

from __future__ import annotations

import io
import threading

import pypdfium2
from reportlab import rl_config
from reportlab.pdfgen.canvas import Canvas

from lms.certificates.document import CertificateDocument
from lms.certificates.layouts import DEFAULT_LAYOUT, LAYOUTS, PAGE_HEIGHT, PAGE_WIDTH, DrawnCertificate, register_fonts

# The national SKP platform refuses uploads above this size.
MAX_PDF_BYTES = 250 * 1024

# ASCII85 wraps every stream for 7-bit mail transports; it costs a quarter more bytes and nothing reads PDFs that way.
rl_config.useA85 = 0

# PDFium is not thread-safe: one rasterization at a time per process.
_pdfium_lock = threading.Lock()


def render_certificate_pdf(doc: CertificateDocument, stamp: str | None = None) -> bytes:
    """The certificate as a one-page PDF in the layout the document names (the default one if it is unknown);
    `stamp` ("DICABUT", "DITANGGUHKAN") is drawn across the page when the certificate no longer stands."""
    return draw_certificate(doc, stamp)[0]


def _draw_stamp(canvas: Canvas, text: str, font: str) -> None:
    """A large red word across the page, see-through so that the certificate under it stays readable."""
    canvas.saveState()
    canvas.setFillColorRGB(0.75, 0.05, 0.05, alpha=0.45)
    canvas.setStrokeColorRGB(0.75, 0.05, 0.05, alpha=0.7)
    canvas.translate(PAGE_WIDTH / 2, PAGE_HEIGHT / 2)
    canvas.rotate(28)
    size = min(110, 1.5 * PAGE_WIDTH / max(len(text), 1))
    canvas.setFont(font, size)
    canvas.drawCentredString(0, -size / 3, text)
    canvas.setLineWidth(6)
    width = canvas.stringWidth(text, font, size) + 40
    canvas.rect(-width / 2, -size * 0.6, width, size * 1.1, fill=0)
    canvas.restoreState()


def draw_certificate(doc: CertificateDocument, stamp: str | None = None) -> tuple[bytes, DrawnCertificate]:
    """The PDF and where its parts were drawn (the QR's position and module size, for tests and checks)."""
    register_fonts()
    out = io.BytesIO()
    # invariant=1: no timestamps or random ids, so the same document always gives the same bytes.
    canvas = Canvas(
        out,
        pagesize=(PAGE_WIDTH, PAGE_HEIGHT),
        invariant=1,
        pageCompression=1,
        lang="id",
        # Without this reportlab declares Helvetica, a font that is not embedded (viewers would substitute it).
        initialFontName=LAYOUTS[DEFAULT_LAYOUT].regular,
    )
    # Only what is printed on the page; the holder's name is not repeated in the metadata.
    canvas.setTitle(f"Sertifikat {doc.number}")
    canvas.setSubject(doc.course_title)
    canvas.setAuthor(doc.organization_name)
    canvas.setCreator("Lentera")
    # The document's dates are the issue date (invariant mode would otherwise print 1 January 2000).
    pdf_date = f"D:{doc.issued_on:%Y%m%d}000000Z"
    canvas.setDateFormatter(lambda *_: pdf_date)
    layout = LAYOUTS.get(doc.layout) or LAYOUTS[DEFAULT_LAYOUT]
    drawn = layout().draw(canvas, doc)
    if stamp:
        _draw_stamp(canvas, stamp, layout.bold)
    canvas.showPage()
    canvas.save()
    return out.getvalue(), drawn


def render_preview_png(pdf: bytes, *, width: int = 800) -> bytes:
    """The first page of `pdf` as a PNG `width` pixels wide, for showing a certificate on a page."""
    with _pdfium_lock:
        document = pypdfium2.PdfDocument(pdf)
        try:
            page = document[0]
            try:
                bitmap = page.render(scale=width / page.get_width())
                image = bitmap.to_pil()
            finally:
                page.close()
        finally:
            document.close()
    out = io.BytesIO()
    image.convert("RGB").save(out, format="PNG", optimize=False, compress_level=6)
    return out.getvalue()
