"""clean_image: uploaded logos and signatures are checked, stripped of metadata and resized, or refused."""

from __future__ import annotations

import io
import struct
import zlib

import pytest
from PIL import Image

from lms.certificates.images import clean_image
from lms.core.errors import InvalidInput


def _encode(image: Image.Image, fmt: str, **params) -> bytes:
    out = io.BytesIO()
    image.save(out, format=fmt, **params)
    return out.getvalue()


def _open(data: bytes) -> Image.Image:
    image = Image.open(io.BytesIO(data))
    image.load()
    return image


def _png_chunk(kind: bytes, body: bytes) -> bytes:
    return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))


def test_jpeg_becomes_an_rgb_png_fitted_into_the_box():
    photo = Image.new("RGB", (1200, 600), (200, 30, 30))
    cleaned = _open(clean_image(_encode(photo, "JPEG"), max_width=300, max_height=300))
    assert cleaned.format == "PNG"
    assert cleaned.mode == "RGB"
    assert cleaned.size == (300, 150)  # aspect kept


def test_small_image_is_not_enlarged():
    cleaned = _open(clean_image(_encode(Image.new("RGB", (40, 20), "white"), "PNG"), max_width=300, max_height=300))
    assert cleaned.size == (40, 20)


def test_transparency_is_kept_for_a_signature_on_a_clear_background():
    signature = Image.new("RGBA", (400, 160), (0, 0, 0, 0))
    signature.paste((10, 20, 120, 255), (50, 60, 350, 80))
    cleaned = _open(clean_image(_encode(signature, "WEBP", lossless=True), max_width=900, max_height=360))
    assert cleaned.mode == "RGBA"
    assert cleaned.getpixel((0, 0))[3] == 0
    assert cleaned.getpixel((100, 70)) == (10, 20, 120, 255)


def test_palette_png_with_transparency_becomes_rgba():
    logo = Image.new("P", (50, 50), 0)
    logo.putpalette([255, 255, 255, 11, 110, 79] + [0] * 762)
    logo.paste(1, (10, 10, 40, 40))
    cleaned = _open(clean_image(_encode(logo, "PNG", transparency=0), max_width=100, max_height=100))
    assert cleaned.mode == "RGBA"
    assert cleaned.getpixel((0, 0))[3] == 0
    assert cleaned.getpixel((20, 20)) == (11, 110, 79, 255)


def test_exif_with_gps_and_icc_profile_are_stripped():
    photo = Image.new("RGB", (120, 80), (90, 90, 90))
    exif = Image.Exif()
    exif[0x010F] = "PhoneMaker"  # Make
    gps = exif.get_ifd(0x8825)
    gps[1] = "S"  # GPSLatitudeRef
    gps[2] = (3.0, 17.0, 30.0)  # GPSLatitude: Tarakan
    icc = b"\x00" * 128  # the profile is not parsed, only carried: its presence is what we test
    data = _encode(photo, "JPEG", exif=exif.tobytes(), icc_profile=icc)
    assert _open(data).getexif().get_ifd(0x8825)  # the fixture really carries GPS

    cleaned_bytes = clean_image(data, max_width=500, max_height=500)
    cleaned = _open(cleaned_bytes)
    assert not cleaned.getexif()
    assert "icc_profile" not in cleaned.info
    assert "exif" not in cleaned.info
    assert b"PhoneMaker" not in cleaned_bytes
    assert b"eXIf" not in cleaned_bytes and b"iCCP" not in cleaned_bytes


def test_png_text_chunks_are_stripped():
    from PIL.PngImagePlugin import PngInfo

    info = PngInfo()
    info.add_text("Author", "Nama Pribadi 08123456789")
    data = _encode(Image.new("RGB", (30, 30), "white"), "PNG", pnginfo=info)
    assert b"08123456789" in data
    assert b"08123456789" not in clean_image(data, max_width=100, max_height=100)


def test_exif_orientation_is_applied_before_it_is_dropped():
    upright = Image.new("RGB", (100, 40), "white")
    exif = Image.Exif()
    exif[0x0112] = 6  # stored sideways: rotate 90° clockwise to show
    data = _encode(upright.rotate(90, expand=True), "JPEG", exif=exif.tobytes())
    assert _open(data).size == (40, 100)
    assert _open(clean_image(data, max_width=500, max_height=500)).size == (100, 40)


def test_truncated_file_is_refused():
    data = _encode(Image.effect_noise((300, 300), 60).convert("RGB"), "PNG")
    with pytest.raises(InvalidInput):
        clean_image(data[: len(data) // 2], max_width=300, max_height=300)


def test_truncated_jpeg_is_refused():
    data = _encode(Image.effect_noise((300, 300), 60).convert("RGB"), "JPEG")
    with pytest.raises(InvalidInput):
        clean_image(data[: len(data) // 3], max_width=300, max_height=300)


def test_text_file_named_png_is_refused():
    with pytest.raises(InvalidInput):
        clean_image(b"<?php system($_GET['c']); ?>\n", max_width=300, max_height=300)


def test_other_image_formats_are_refused():
    gif = _encode(Image.new("P", (10, 10)), "GIF")
    bmp = _encode(Image.new("RGB", (10, 10)), "BMP")
    for data in (gif, bmp):
        with pytest.raises(InvalidInput):
            clean_image(data, max_width=300, max_height=300)


def _png_header_only(width: int, height: int) -> bytes:
    """A PNG that claims a huge size in its header, with a tiny compressed body: the classic decompression bomb."""
    ihdr = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    idat = zlib.compress(b"\x00" * 4096, 9)
    return b"\x89PNG\r\n\x1a\n" + _png_chunk(b"IHDR", ihdr) + _png_chunk(b"IDAT", idat) + _png_chunk(b"IEND", b"")


def test_decompression_bomb_is_refused_before_decoding():
    bomb = _png_header_only(20000, 20000)
    assert len(bomb) < 1000
    with pytest.raises(InvalidInput):
        clean_image(bomb, max_width=300, max_height=300)


def test_image_above_the_pixel_limit_but_below_pillows_is_refused():
    # 6000 × 5000 = 30 MP: Pillow itself would decode it; our limit (25 MP) refuses it from the header alone.
    with pytest.raises(InvalidInput):
        clean_image(_png_header_only(6000, 5000), max_width=300, max_height=300)


def test_file_above_the_size_limit_is_refused():
    data = _encode(Image.effect_noise((400, 400), 80).convert("RGB"), "PNG")
    with pytest.raises(InvalidInput):
        clean_image(data, max_width=300, max_height=300, max_bytes=len(data) - 1)
    assert clean_image(data, max_width=300, max_height=300, max_bytes=len(data))


def test_empty_file_is_refused():
    with pytest.raises(InvalidInput):
        clean_image(b"", max_width=300, max_height=300)
