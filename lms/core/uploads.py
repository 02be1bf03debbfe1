"""Validation of uploaded files: the real type from the first bytes (never the name or the browser's claim), a size
limit, and a display name that is safe to show and to send back in a download header."""

from __future__ import annotations

import io
import re
import unicodedata
import warnings
import zipfile
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from flask_babel import lazy_gettext as _l

from lms.core.errors import InvalidInput


@dataclass(frozen=True)
class FileType:
    name: str
    content_type: str
    suffix: str
    label: str
    matches: Callable[[bytes], bool]


def _starts_with(*prefixes: bytes) -> Callable[[bytes], bool]:
    return lambda data: data.startswith(prefixes)


def _is_webp(data: bytes) -> bool:
    return data[:4] == b"RIFF" and data[8:12] == b"WEBP"


def _office(main_part: str) -> Callable[[bytes], bool]:
    """An Office Open XML file is a zip whose [Content_Types].xml declares the document's main part."""

    def matches(data: bytes) -> bool:
        if not data.startswith(b"PK\x03\x04"):
            return False
        try:
            with zipfile.ZipFile(io.BytesIO(data)) as archive:
                info = archive.getinfo("[Content_Types].xml")
                # Read only a small, bounded member: a crafted archive must not expand in memory.
                if info.file_size > 256 * 1024:
                    return False
                return main_part.encode() in archive.read(info)
        except (zipfile.BadZipFile, KeyError, ValueError, EOFError, NotImplementedError):
            return False

    return matches


_OOXML = "application/vnd.openxmlformats-officedocument"
FILE_TYPES: dict[str, FileType] = {
    t.name: t
    for t in (
        FileType("pdf", "application/pdf", ".pdf", "PDF", _starts_with(b"%PDF-")),
        FileType("png", "image/png", ".png", "PNG", _starts_with(b"\x89PNG\r\n\x1a\n")),
        FileType("jpeg", "image/jpeg", ".jpg", "JPEG", _starts_with(b"\xff\xd8\xff")),
        FileType("webp", "image/webp", ".webp", "WebP", _is_webp),
        FileType("docx", f"{_OOXML}.wordprocessingml.document", ".docx", "Word (DOCX)",
                 _office(f"{_OOXML}.wordprocessingml.document.main+xml")),
        FileType("xlsx", f"{_OOXML}.spreadsheetml.sheet", ".xlsx", "Excel (XLSX)",
                 _office(f"{_OOXML}.spreadsheetml.sheet.main+xml")),
        FileType("pptx", f"{_OOXML}.presentationml.presentation", ".pptx", "PowerPoint (PPTX)",
                 _office(f"{_OOXML}.presentationml.presentation.main+xml")),
    )
}  # fmt: skip

ATTACHMENT_TYPES = ("pdf", "png", "jpeg", "webp", "docx", "xlsx", "pptx")
IMAGE_TYPES = ("png", "jpeg", "webp")
IMAGE_MAX_PIXELS = 25_000_000
"""No stored image needs more (a phone photo is 12 MP); a 30,000 × 30,000 PNG of a few KB is a decompression bomb
that would take gigabytes to show."""


def detect_type(data: bytes, allowed: Iterable[str]) -> FileType | None:
    """The first of `allowed` types whose signature matches `data`, or None."""
    for name in allowed:
        if FILE_TYPES[name].matches(data):
            return FILE_TYPES[name]
    return None


def format_size(size: int) -> str:
    """Bytes as a short figure for people: 512 B, 12 KB, 3.4 MB."""
    if size < 1024:
        return f"{size} B"
    if size < 1024 * 1024:
        return f"{round(size / 1024)} KB"
    return f"{size / (1024 * 1024):.1f} MB"


def check_image_pixels(data: bytes, max_pixels: int = IMAGE_MAX_PIXELS) -> tuple[int, int]:
    """Width and height from the image's header (nothing decoded), or InvalidInput when there are more than
    `max_pixels` or the header cannot be read."""
    from PIL import Image, UnidentifiedImageError

    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(io.BytesIO(data)) as image:
                width, height = image.size
    except (Image.DecompressionBombError, Image.DecompressionBombWarning) as error:
        raise InvalidInput(_too_many_pixels(max_pixels)) from error
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError, EOFError, IndexError, TypeError) as error:
        raise InvalidInput(_l("The image could not be read. Upload a PNG, JPEG or WebP file.")) from error
    if width < 1 or height < 1 or width * height > max_pixels:
        raise InvalidInput(_too_many_pixels(max_pixels))
    return width, height


def _too_many_pixels(max_pixels: int):
    return _l("The image has too many pixels: at most %(megapixels)s megapixels.", megapixels=max_pixels // 1_000_000)


def validate_upload(
    data: bytes, *, allowed: Iterable[str], max_bytes: int, max_pixels: int = IMAGE_MAX_PIXELS
) -> FileType:
    """The file's real type, or InvalidInput (empty, larger than `max_bytes`, not one of `allowed`, or an image with
    more than `max_pixels` or an unreadable header)."""
    allowed = tuple(allowed)
    if not data:
        raise InvalidInput(_l("The file is empty."))
    if len(data) > max_bytes:
        raise InvalidInput(_l("The file is larger than %(limit)s.", limit=format_size(max_bytes)))
    found = detect_type(data, allowed)
    if found is None:
        raise InvalidInput(
            _l(
                "This kind of file is not accepted. Allowed: %(types)s.",
                types=", ".join(FILE_TYPES[a].label for a in allowed),
            )
        )
    if found.name in IMAGE_TYPES:
        check_image_pixels(data, max_pixels)
    return found


_SUFFIX_SPELLINGS = {"jpeg": {".jpg", ".jpeg"}}
_UNSAFE_NAME = re.compile(r'[\x00-\x1f\x7f/\\:*?"<>|]+')


def display_name(filename: str | None, file_type: FileType) -> str:
    """A file name to show and to offer on download: no folders or control characters, at most 120 characters,
    and the suffix of the detected type (a `report.exe` that is really a PDF is offered as `report.exe.pdf`)."""
    name = unicodedata.normalize("NFC", (filename or "").replace("\\", "/").rsplit("/", 1)[-1])
    name = _UNSAFE_NAME.sub("_", name).strip(" ._")
    stem, dot, ext = name.rpartition(".")
    if dot and "." + ext.lower() in _SUFFIX_SPELLINGS.get(file_type.name, {file_type.suffix}):
        name = stem.strip(" ._")
    name = (name or "file")[: 120 - len(file_type.suffix)]
    return name + file_type.suffix
