"""Cleaning of uploaded logos and signature images: checked, stripped of metadata, resized, re-encoded as PNG."""

from __future__ import annotations

import io
import warnings

from flask_babel import lazy_gettext as _l
from PIL import Image, ImageOps, UnidentifiedImageError

from lms.core.errors import InvalidInput

ACCEPTED_FORMATS = ("PNG", "JPEG", "WEBP")
# Defaults for callers without an app; the views pass CERTIFICATE_IMAGE_MAX_BYTES from the config.
DEFAULT_MAX_BYTES = 2 * 1024 * 1024
# A logo or a signature needs no more than a few megapixels; anything larger is a mistake or a decompression bomb.
DEFAULT_MAX_PIXELS = 25_000_000

# Boxes (pixels) the certificate layouts print these images in, at about 300 dpi.
LOGO_BOX = (600, 600)
SIGNATURE_BOX = (900, 360)

# Everything Pillow may raise on a broken or hostile file while opening, verifying or decoding it.
_DECODE_ERRORS = (
    UnidentifiedImageError,
    Image.DecompressionBombError,
    Image.DecompressionBombWarning,
    OSError,
    SyntaxError,
    ValueError,
    EOFError,
    IndexError,
    TypeError,
)


def clean_image(
    data: bytes,
    *,
    max_width: int,
    max_height: int,
    max_bytes: int = DEFAULT_MAX_BYTES,
    max_pixels: int = DEFAULT_MAX_PIXELS,
) -> bytes:
    """A PNG (RGB, or RGBA when the upload has transparency) with no metadata, fitted into max_width × max_height.

    Only PNG, JPEG and WebP are accepted, whatever the file's name says. Raises InvalidInput for anything else.
    """
    if not data:
        raise InvalidInput(_l("The image file is empty."))
    if len(data) > max_bytes:
        raise InvalidInput(_l("The image is too large: at most %(size)s KB.", size=max_bytes // 1024))
    try:
        with warnings.catch_warnings():
            # Pillow only warns between its own limit and twice that; a bomb must be refused, not decoded.
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(io.BytesIO(data)) as probe:
                _check_header(probe, max_pixels)
                probe.verify()
            with Image.open(io.BytesIO(data)) as image:
                _check_header(image, max_pixels)
                image.seek(0)  # an animated PNG or WebP prints its first frame
                image.load()
                return _reencode(image, max_width, max_height)
    except InvalidInput:
        raise
    except _DECODE_ERRORS as error:
        if isinstance(error, Image.DecompressionBombError | Image.DecompressionBombWarning):
            raise InvalidInput(_too_many_pixels(max_pixels)) from error
        raise InvalidInput(_l("The image could not be read. Upload a PNG, JPEG or WebP file.")) from error


def _check_header(image: Image.Image, max_pixels: int) -> None:
    if image.format not in ACCEPTED_FORMATS:
        raise InvalidInput(_l("Upload a PNG, JPEG or WebP image."))
    width, height = image.size
    if width < 1 or height < 1 or width * height > max_pixels:
        raise InvalidInput(_too_many_pixels(max_pixels))


def _too_many_pixels(max_pixels: int):
    return _l("The image has too many pixels: at most %(megapixels)s megapixels.", megapixels=max_pixels // 1_000_000)


def _reencode(image: Image.Image, max_width: int, max_height: int) -> bytes:
    # Phone photos of a signature are stored sideways with an orientation tag: turn them upright before the tag goes.
    image = ImageOps.exif_transpose(image)
    mode = "RGBA" if _has_alpha(image) else "RGB"
    converted = image.convert(mode)
    converted.thumbnail((max_width, max_height), Image.Resampling.LANCZOS)
    # A fresh image from the pixels alone: no EXIF (GPS, camera), ICC profile, text chunks or XMP can follow it.
    clean = Image.frombytes(mode, converted.size, converted.tobytes())
    if mode == "RGBA" and clean.getextrema()[3][0] == 255:
        clean = clean.convert("RGB")  # transparency declared but unused: a smaller file
    out = io.BytesIO()
    clean.save(out, format="PNG", optimize=True)
    return out.getvalue()


def _has_alpha(image: Image.Image) -> bool:
    return image.mode in ("RGBA", "LA", "PA", "La", "RGBa") or "transparency" in image.info
