"""Offline signature check for `lms certificates verify`: read the QR from text, an image or a PDF, then check the
token against a published key set. No database and no network: the live status needs the issuer, this does not."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from lms.certificates.keys import KeysDocumentInvalid, keyset_from_document
from lms.certificates.token import InvalidToken, VerifiedToken, verify_token
from lms.certificates.verification import parse_qr_text

IMAGE_SUFFIXES = {".png", ".jpg", ".jpeg", ".gif", ".bmp", ".webp", ".tif", ".tiff"}
# Render scales tried for a PDF page (1 = 72 dpi): the QR is at least 35 mm wide, so 3 (216 dpi) nearly always reads.
PDF_SCALES = (3, 5)
MAX_PDF_PAGES = 5


class OfflineCheckError(Exception):
    """The input could not be read at all (no file, no QR in it, a broken key set)."""


def _decode_image(image) -> str | None:
    import zxingcpp

    for barcode in zxingcpp.read_barcodes(image, formats=zxingcpp.BarcodeFormat.QRCode):
        if barcode.text:
            return barcode.text
    return None


def _qr_from_image(path: Path) -> str:
    from PIL import Image, UnidentifiedImageError

    try:
        with Image.open(path) as image:
            image.load()
            text = _decode_image(image.convert("L"))
    except (OSError, UnidentifiedImageError) as error:
        raise OfflineCheckError(f"{path} is not a readable image: {error}") from error
    if text is None:
        raise OfflineCheckError(f"No QR code found in {path}.")
    return text


def _qr_from_pdf(path: Path) -> str:
    import pypdfium2

    try:
        document = pypdfium2.PdfDocument(str(path))
    except (pypdfium2.PdfiumError, OSError) as error:
        raise OfflineCheckError(f"{path} is not a readable PDF: {error}") from error
    try:
        for index in range(min(len(document), MAX_PDF_PAGES)):
            page = document[index]
            try:
                for scale in PDF_SCALES:
                    bitmap = page.render(scale=scale, grayscale=True)
                    try:
                        text = _decode_image(bitmap.to_pil())
                    finally:
                        bitmap.close()
                    if text is not None:
                        return text
            finally:
                page.close()
    finally:
        document.close()
    raise OfflineCheckError(f"No QR code found in {path}.")


def read_qr_text(source: str) -> str:
    """The QR text from SOURCE: a PDF or an image file is decoded; anything else is taken as the scanned text."""
    path = Path(source)
    suffix = path.suffix.lower()
    if suffix == ".pdf" or suffix in IMAGE_SUFFIXES:
        if not path.is_file():
            raise OfflineCheckError(f"No such file: {source}")
        return _qr_from_pdf(path) if suffix == ".pdf" else _qr_from_image(path)
    return source


@dataclass
class OfflineReport:
    genuine: bool
    verified: VerifiedToken | None = None
    reason: str = ""
    codes: dict[str, Any] = field(default_factory=dict)

    def lines(self) -> list[str]:
        if not self.genuine:
            return [f"NOT VALID: the signature does not check out ({self.reason})."]
        claims = self.verified.claims
        professions = self.codes.get("profession", {})
        ranah = self.codes.get("ranah", {})
        key = self.verified.key
        key_note = " (retired; it signed this before retiring)" if key.retired_at else ""
        return [
            "GENUINE SIGNATURE: issued by the holder of the published key. The live status (revoked, suspended)",
            "can only be checked online at the verify page.",
            f"  Number:        {claims.number}",
            f"  Holder:        {claims.holder_name}",
            f"  Profession:    {professions.get(str(claims.profession_code), claims.profession_code)}",
            f"  Course:        {claims.course_code} version {claims.course_version}",
            f"  Completed on:  {claims.completed_on.isoformat()}",
            f"  JPL:           {format(claims.jpl, 'f')}",
            f"  SKP:           {format(claims.skp, 'f')} ({ranah.get(str(claims.ranah_code), claims.ranah_code)})",
            f"  Issued at:     {claims.issued_at.isoformat()}",
            f"  Valid until:   {claims.expires_at.isoformat() if claims.expires_at else 'no expiry'}",
            f"  Signed by key: {key.kid_hex}{key_note}",
        ]


def check_offline(text: str, key_document: Any) -> OfflineReport:
    """Check the QR text's signature against a published key set document (lentera-keys.json)."""
    try:
        keyset = keyset_from_document(key_document)
    except KeysDocumentInvalid as error:
        raise OfflineCheckError(str(error)) from error
    codes = key_document.get("codes", {}) if isinstance(key_document, dict) else {}
    try:
        verified = verify_token(parse_qr_text(text), keyset)
    except InvalidToken as error:
        return OfflineReport(genuine=False, reason=error.reason, codes=codes)
    return OfflineReport(genuine=True, verified=verified, codes=codes)
