"""The certificate PDF as a verifier and the SKP platform meet it: size, QR that scans, text, fonts, layouts."""

from __future__ import annotations

import base64
import dataclasses
import io
import random
import subprocess
from datetime import date
from decimal import Decimal

import pypdfium2
import pytest
import qrcode
import zxingcpp
from PIL import Image, ImageDraw, ImageFilter
from reportlab.lib.units import mm
from reportlab.pdfbase import pdfmetrics

from lms.certificates.document import CertificateDocument, Signatory
from lms.certificates.images import LOGO_BOX, SIGNATURE_BOX, clean_image
from lms.certificates.layouts import (
    LAYOUTS,
    PAGE_HEIGHT,
    PAGE_WIDTH,
    fit_text,
    format_date,
    format_decimal,
    register_fonts,
    verify_hint,
)
from lms.certificates.pdf import MAX_PDF_BYTES, draw_certificate, render_certificate_pdf, render_preview_png

ACCENTED = "Muhammad Ja'far Ṣādiq Ngurah Çelik Łukasz Nguyễn Thị Hồng"
NAME_60 = "Ni Luh Putu Ayu Sukmawati Dewi Anjani Kusumawardhani, S.Kep."
NAME_90 = "Raden Roro Anak Agung Ayu Ngurah Dewi Kusumawardhani Prameswari Sri Rejeki binti Muhammadi"
assert len(NAME_60) == 60 and len(NAME_90) == 90


def _jpeg(image: Image.Image, quality: int = 90) -> bytes:
    out = io.BytesIO()
    image.save(out, format="JPEG", quality=quality)
    return out.getvalue()


@pytest.fixture(scope="module")
def logo() -> bytes:
    """A photographic logo: noise is the worst case for the file size."""
    image = Image.effect_noise((900, 900), 70).convert("RGB")
    ImageDraw.Draw(image).ellipse((80, 80, 820, 820), outline=(11, 110, 79), width=60)
    return clean_image(_jpeg(image), max_width=LOGO_BOX[0], max_height=LOGO_BOX[1])


def _signature(seed: int) -> bytes:
    """A signature photographed on grey, noisy paper, as a phone uploads it."""
    rng = random.Random(seed)
    paper = Image.effect_noise((1600, 700), 25).convert("RGB").filter(ImageFilter.GaussianBlur(1))
    points = [(100 + i * 20, 350 + rng.randint(-200, 200)) for i in range(70)]
    ImageDraw.Draw(paper).line(points, fill=(25, 30, 90), width=9, joint="curve")
    return clean_image(_jpeg(paper), max_width=SIGNATURE_BOX[0], max_height=SIGNATURE_BOX[1])


@pytest.fixture(scope="module")
def signatures() -> tuple[bytes, bytes, bytes]:
    return _signature(1), _signature(2), _signature(3)


def token_url(name: str, seed: int = 7) -> str:
    """A URL the size of a real one: COSE_Sign1 of about 165 bytes plus the holder name, Base32, upper case."""
    cose = random.Random(seed).randbytes(165 + len(name.encode()))
    return "HTTPS://LENTERA.PPNI-KALTARA.OR.ID/V/" + base64.b32encode(cose).decode().rstrip("=")


@pytest.fixture
def make_doc(logo, signatures):
    def make(**changes) -> CertificateDocument:
        name = changes.get("holder_name", NAME_60)
        values = dict(
            number="PPNI/PPI-DASAR/2026/000123",
            verification_code="K7QF-2M9X",
            verify_url=token_url(name),
            holder_name=name,
            profession_name="Perawat",
            course_title="Pencegahan dan Pengendalian Infeksi (PPI) Dasar bagi Perawat di Fasilitas Kesehatan",
            course_code="PPI-DASAR",
            course_kind="pelatihan",
            accreditation_number="KP.03.03/F.XI/1234/2026",
            completed_on=date(2026, 3, 10),
            issued_on=date(2026, 3, 12),
            expires_on=date(2031, 3, 12),
            jpl=Decimal("32"),
            skp=Decimal("2.50"),
            ranah="pembelajaran",
            competencies=("Menerapkan kewaspadaan standar", "Melakukan kebersihan tangan", "Mengelola limbah"),
            organization_name="DPW PPNI Provinsi Kalimantan Utara",
            organization_logo_png=logo,
            signatories=(
                Signatory(
                    "Ns. Muhammad Ja'far Ṣādiq, S.Kep., M.Kep.", "Ketua DPW PPNI Kalimantan Utara", signatures[0]
                ),
                Signatory("Dr. Siti Rahmawati, S.Kp., M.Kes.", "Ketua Panitia Pelatihan", signatures[1]),
            ),
            place="Tarakan",
        )
        values.update(changes)
        return CertificateDocument(**values)

    return make


def _page_text(pdf: bytes) -> str:
    """The page's text with line breaks and runs of spaces as single spaces (a long name may wrap)."""
    document = pypdfium2.PdfDocument(pdf)
    try:
        page = document[0]
        textpage = page.get_textpage()
        try:
            return " ".join(textpage.get_text_range().split())
        finally:
            textpage.close()
            page.close()
    finally:
        document.close()


def _char_boxes(pdf: bytes) -> list[tuple[str, tuple[float, float, float, float]]]:
    document = pypdfium2.PdfDocument(pdf)
    try:
        page = document[0]
        textpage = page.get_textpage()
        try:
            count = textpage.count_chars()
            return [(textpage.get_text_range(i, 1), textpage.get_charbox(i)) for i in range(count)]
        finally:
            textpage.close()
            page.close()
    finally:
        document.close()


def _decode_qr(image: Image.Image) -> list:
    return zxingcpp.read_barcodes(image, formats=zxingcpp.BarcodeFormat.QRCode)


def _pdftoppm(pdf: bytes, tmp_path, dpi: int = 150) -> Image.Image:
    source = tmp_path / "certificate.pdf"
    source.write_bytes(pdf)
    subprocess.run(["pdftoppm", "-r", str(dpi), "-png", "-singlefile", str(source), str(tmp_path / "page")], check=True)
    with Image.open(tmp_path / "page.png") as image:
        image.load()
        return image.copy()


def _pdfium(pdf: bytes, dpi: int = 150) -> Image.Image:
    document = pypdfium2.PdfDocument(pdf)
    try:
        page = document[0]
        try:
            return page.render(scale=dpi / 72).to_pil().copy()
        finally:
            page.close()
    finally:
        document.close()


def _minimal_qr_version(text: str) -> int:
    """The smallest version at error correction Q, by an independent encoder."""
    reference = qrcode.QRCode(error_correction=qrcode.constants.ERROR_CORRECT_Q)
    reference.add_data(text)
    reference.make(fit=True)
    return reference.version


LAYOUT_KEYS = sorted(LAYOUTS)


@pytest.mark.parametrize("layout", LAYOUT_KEYS)
def test_pdf_with_logo_and_photographed_signatures_stays_under_the_upload_limit(make_doc, signatures, layout):
    three = tuple(Signatory(f"Penanda Tangan {i}", "Jabatan", signatures[i]) for i in range(3))
    for doc in (make_doc(layout=layout), make_doc(layout=layout, signatories=three)):
        pdf = render_certificate_pdf(doc)
        assert pdf.startswith(b"%PDF-")
        assert len(pdf) <= MAX_PDF_BYTES
        assert pdf.count(b"/Subtype /Image") == 1 + len(doc.signatories)


@pytest.mark.parametrize("layout", LAYOUT_KEYS)
def test_page_is_a4_landscape(make_doc, layout):
    document = pypdfium2.PdfDocument(render_certificate_pdf(make_doc(layout=layout)))
    try:
        assert len(document) == 1
        page = document[0]
        assert (round(page.get_width() / 72 * 25.4), round(page.get_height() / 72 * 25.4)) == (297, 210)
        page.close()
    finally:
        document.close()


@pytest.mark.parametrize("layout", LAYOUT_KEYS)
def test_qr_scans_from_pdftoppm_at_150_dpi_and_from_pdfium(make_doc, tmp_path, layout):
    doc = make_doc(layout=layout)
    pdf = render_certificate_pdf(doc)
    for raster in (_pdftoppm(pdf, tmp_path), _pdfium(pdf)):
        results = _decode_qr(raster)
        assert [r.text for r in results] == [doc.verify_url]
        result = results[0]
        assert result.ec_level == "Q"
        assert int(result.extra["Version"]) <= 15
        # Printed width from the scan: corner to corner at 150 dpi.
        top_left, top_right = result.position.top_left, result.position.top_right
        width_mm = ((top_right.x - top_left.x) ** 2 + (top_right.y - top_left.y) ** 2) ** 0.5 / 150 * 25.4
        assert width_mm >= 35


@pytest.mark.parametrize("layout", LAYOUT_KEYS)
def test_qr_geometry_version_and_module_size(make_doc, layout):
    doc = make_doc(layout=layout)
    _, drawn = draw_certificate(doc)
    qr = drawn.qr
    version = _minimal_qr_version(doc.verify_url)
    assert version <= 15  # the upper-case URL of a 60-character name fits version 15 at Q
    assert qr.modules == 17 + 4 * version
    assert qr.size >= 35 * mm
    assert qr.module >= 0.4 * mm
    quiet = 4 * qr.module
    assert qr.x - quiet >= 0 and qr.y - quiet >= 0
    assert qr.x + qr.size + quiet <= PAGE_WIDTH and qr.y + qr.size + quiet <= PAGE_HEIGHT


def test_the_qr_rectangles_are_drawn_where_the_geometry_says(make_doc, tmp_path):
    """The geometry the layout reports matches the page: the scanned symbol sits inside it, corner for corner."""
    pdf, drawn = draw_certificate(make_doc())
    result = _decode_qr(_pdftoppm(pdf, tmp_path))[0]
    px_per_pt = 150 / 72
    left = drawn.qr.x * px_per_pt
    top = (PAGE_HEIGHT - drawn.qr.y - drawn.qr.size) * px_per_pt
    assert abs(result.position.top_left.x - left) <= 2
    assert abs(result.position.top_left.y - top) <= 2


@pytest.mark.parametrize("layout", LAYOUT_KEYS)
def test_holder_name_number_code_and_indonesian_wording_are_in_the_text(make_doc, layout):
    doc = make_doc(layout=layout)
    text = _page_text(render_certificate_pdf(doc))
    for expected in (
        doc.holder_name,
        doc.number,
        doc.verification_code,
        "SERTIFIKAT",
        "diberikan kepada",
        "telah mengikuti pelatihan",
        "32",
        "2,5",
        "Pembelajaran",
        "Menerapkan kewaspadaan standar",
        "berlaku sampai 12 Maret 2031",
        "Tarakan, 12 Maret 2026",
        "lentera.ppni-kaltara.or.id/verify",
        "Pindai QR atau buka",
    ):
        assert expected in text


def test_accented_names_print_with_real_glyphs(make_doc):
    register_fonts()
    for font in ("Lentera-Serif-Bold", "Lentera-Sans-Bold", "Lentera-Serif", "Lentera-Sans"):
        char_to_glyph = pdfmetrics.getFont(font).face.charToGlyph
        missing = [c for c in ACCENTED if c != " " and char_to_glyph.get(ord(c), 0) == 0]
        assert missing == [], font
    doc = make_doc(holder_name=ACCENTED)
    assert ACCENTED in _page_text(render_certificate_pdf(doc))


@pytest.mark.parametrize("layout", LAYOUT_KEYS)
def test_a_90_character_name_and_a_long_title_stay_inside_the_page(make_doc, layout):
    long_title = "Pelatihan " + " ".join(["Manajemen Keperawatan Gawat Darurat dan Bencana"] * 5)
    doc = make_doc(layout=layout, holder_name=NAME_90, course_title=long_title, organization_name="P" * 120)
    boxes = _char_boxes(render_certificate_pdf(doc))
    margin = 8 * mm
    for char, (left, bottom, right, top) in boxes:
        if char.strip():
            assert margin <= left and right <= PAGE_WIDTH - margin, char
            assert margin <= bottom and top <= PAGE_HEIGHT - margin, char
    assert NAME_90 in " ".join("".join(c for c, _ in boxes).split())


def test_fonts_are_embedded_as_subsets(make_doc):
    pdf = render_certificate_pdf(make_doc())
    assert b"/FontFile2" in pdf
    assert b"/Helvetica" not in pdf and b"/Times-Roman" not in pdf  # no unembedded standard fonts


def test_metadata_names_the_organization_and_number_but_not_the_holder(make_doc):
    doc = make_doc()
    document = pypdfium2.PdfDocument(render_certificate_pdf(doc))
    try:
        metadata = document.get_metadata_dict()
    finally:
        document.close()
    assert metadata["Title"] == f"Sertifikat {doc.number}"
    assert metadata["Author"] == doc.organization_name
    assert metadata["CreationDate"].startswith("D:20260312")
    assert not any(doc.holder_name in value for value in metadata.values())


def test_same_document_gives_the_same_bytes(make_doc):
    doc = make_doc(layout="modern")
    assert render_certificate_pdf(doc) == render_certificate_pdf(dataclasses.replace(doc))


def test_layouts_differ_and_unknown_layout_falls_back_to_the_default(make_doc):
    klasik, modern = (
        render_certificate_pdf(make_doc(layout="klasik")),
        render_certificate_pdf(make_doc(layout="modern")),
    )
    assert klasik != modern
    assert render_certificate_pdf(make_doc(layout="no-such-layout")) == klasik


def test_colours_come_from_the_organization_and_bad_values_do_not_break_rendering(make_doc, tmp_path):
    red = render_certificate_pdf(make_doc(layout="modern", primary_colour="#aa0000"))
    band = _pdfium(red, dpi=30).getpixel((5, 5))
    assert band == (170, 0, 0)
    fallback = render_certificate_pdf(make_doc(layout="modern", primary_colour="red; drop", accent_colour=""))
    assert _pdfium(fallback, dpi=30).getpixel((5, 5)) == (11, 110, 79)


def test_minimal_document_without_images_signatories_or_expiry(make_doc):
    doc = make_doc(
        organization_logo_png=None,
        signatories=(),
        expires_on=None,
        accreditation_number=None,
        competencies=(),
        place=None,
    )
    for layout in LAYOUT_KEYS:
        pdf = render_certificate_pdf(dataclasses.replace(doc, layout=layout))
        assert b"/Subtype /Image" not in pdf
        text = _page_text(pdf)
        assert "berlaku sampai" not in text and doc.holder_name in text


def test_broken_image_bytes_are_skipped_not_fatal(make_doc):
    doc = make_doc(organization_logo_png=b"not an image", signatories=(Signatory("A", "B", b"\x89PNG broken"),))
    pdf = render_certificate_pdf(doc)
    assert b"/Subtype /Image" not in pdf
    assert doc.holder_name in _page_text(pdf)


def test_preview_png_is_the_page_at_the_asked_width(make_doc):
    preview = render_preview_png(render_certificate_pdf(make_doc()), width=800)
    with Image.open(io.BytesIO(preview)) as image:
        assert image.format == "PNG"
        assert image.width == 800
        assert abs(image.height - round(800 * PAGE_HEIGHT / PAGE_WIDTH)) <= 1


# --- the small pure pieces --------------------------------------------------------------------------------------


def test_fit_text_shrinks_and_wraps_but_never_overflows():
    register_fonts()
    font = "Lentera-Serif-Bold"
    short = fit_text("Ani", font, width=200, height=40, max_size=30)
    assert short.size == 30 and short.lines == ("Ani",)
    long = fit_text(NAME_90, font, width=600, height=50, max_size=30)
    assert len(long.lines) == 2 and long.size < 30
    assert long.height <= 50
    assert all(pdfmetrics.stringWidth(line, font, long.size) <= 600 for line in long.lines)
    assert " ".join(long.lines) == NAME_90
    word = fit_text("X" * 200, font, width=100, height=40, max_size=30)
    assert pdfmetrics.stringWidth(word.lines[0], font, word.size) <= 100.01


def test_indonesian_dates_and_numbers():
    assert format_date(date(2026, 3, 12)) == "12 Maret 2026"
    assert format_date(date(2026, 8, 1)) == "1 Agustus 2026"
    assert format_decimal(Decimal("32")) == "32"
    assert format_decimal(Decimal("32.00")) == "32"
    assert format_decimal(Decimal("2.50")) == "2,5"
    assert format_decimal(Decimal("10")) == "10"
    assert format_decimal(Decimal("1E+1")) == "10"


def test_verify_hint_is_the_site_in_lower_case():
    assert verify_hint("HTTPS://LENTERA.EXAMPLE.ID/V/ABC") == "lentera.example.id/verify"
    assert verify_hint("HTTPS://EXAMPLE.ID/LMS/V/ABC") == "example.id/lms/verify"


def test_renders_in_threads_share_prepared_images_safely(make_doc):
    """Prepared pictures are cached per process; PDFs rendered at the same time must all carry them intact."""
    from concurrent.futures import ThreadPoolExecutor

    docs = [make_doc(holder_name=f"Peserta Nomor {i}", layout=LAYOUT_KEYS[i % 2]) for i in range(12)]
    expected = [render_certificate_pdf(doc) for doc in docs]
    with ThreadPoolExecutor(max_workers=4) as pool:
        assert list(pool.map(render_certificate_pdf, docs)) == expected


def test_a_90_character_name_gets_a_larger_qr_version_that_still_scans(make_doc):
    doc = make_doc(holder_name=NAME_90, layout="modern")
    pdf, drawn = draw_certificate(doc)
    assert drawn.qr.version == _minimal_qr_version(doc.verify_url) > 15
    assert drawn.qr.module >= 0.4 * mm and drawn.qr.size >= 35 * mm
    assert [r.text for r in _decode_qr(_pdfium(pdf))] == [doc.verify_url]


def test_many_signatories_still_render_within_the_limit(make_doc, signatures):
    crowd = tuple(Signatory(f"Penanda Tangan {i}", "Panitia", signatures[i % 3]) for i in range(12))
    pdf = render_certificate_pdf(make_doc(signatories=crowd))
    assert len(pdf) <= MAX_PDF_BYTES
    assert "Penanda Tangan 11" in _page_text(pdf)
