"""Offline signature check for `lms certificates verify`: read the QR from text, an image or a PDF, then check the
token against a published key set. No database and no network: the live status needs the issuer, this does not."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime
from enum import StrEnum
from pathlib import Path
from typing import Any

from lms.certificates.keys import KeysDocumentInvalid, keyset_from_document
from lms.certificates.token import InvalidToken, KeySet, VerifiedToken, check_moment, verify_token
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


class OfflineVerdict(StrEnum):
    """What a check without the issuer can say: the signature and claims hold (status unknown), the certificate's
    signed validity has ended, or it is not a genuine certificate. Revocation and suspension need the issuer."""

    GENUINE = "genuine"
    EXPIRED = "expired"
    INVALID = "invalid"


EXIT_CODES = {OfflineVerdict.GENUINE: 0, OfflineVerdict.INVALID: 1, OfflineVerdict.EXPIRED: 2}


def offline_verdict(
    text: str, keyset: KeySet, now: datetime
) -> tuple[OfflineVerdict, str | None, VerifiedToken | None]:
    """(verdict, reason code, verified token) by the same rules as the server's `judge`, without the live status."""
    try:
        verified = verify_token(parse_qr_text(text), keyset)
        expired = check_moment(verified, now)
    except InvalidToken as error:
        return OfflineVerdict.INVALID, error.reason, None
    if expired:
        return OfflineVerdict.EXPIRED, "expired", verified
    return OfflineVerdict.GENUINE, None, verified


@dataclass
class OfflineReport:
    verdict: OfflineVerdict
    checked_at: datetime
    verified: VerifiedToken | None = None
    reason: str | None = None
    codes: dict[str, Any] = field(default_factory=dict)
    keys_generated_at: str | None = None

    @property
    def genuine(self) -> bool:
        return self.verdict is OfflineVerdict.GENUINE

    @property
    def exit_code(self) -> int:
        return EXIT_CODES[self.verdict]

    def as_json(self) -> dict[str, Any]:
        claims = self.verified.claims if self.verified else None
        return {
            "verdict": self.verdict.value,
            "reason": self.reason,
            "checked_at": self.checked_at.isoformat(),
            "not_checked": ["revocation", "suspension", "keys withdrawn after the key set was fetched"],
            "keys_generated_at": self.keys_generated_at,
            "number": claims.number if claims else None,
            "kid": self.verified.kid_hex if self.verified else None,
        }

    def lines(self) -> list[str]:
        if self.verdict is OfflineVerdict.INVALID:
            return [f"NOT VALID (TIDAK SAH): the token does not check out ({self.reason})."]
        claims = self.verified.claims
        professions = self.codes.get("profession", {})
        ranah = self.codes.get("ranah", {})
        key = self.verified.key
        key_note = " (retired; it signed this before retiring)" if key.retired_at else ""
        if self.verdict is OfflineVerdict.EXPIRED:
            head = [
                f"EXPIRED (KEDALUWARSA): genuine signature, but its validity ended {claims.expires_at.isoformat()}."
            ]
        else:
            head = ["GENUINE SIGNATURE: issued by the holder of the published key, within its validity."]
        keys_note = (
            f"key set generated {self.keys_generated_at}" if self.keys_generated_at else "key set of unknown age"
        )
        return [
            *head,
            f"NOT CHECKED offline: revocation and suspension (only the issuer knows: check online); {keys_note}, so a",
            "key withdrawn since then is not known here.",
            f"  Checked at:    {self.checked_at.isoformat()}",
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


def check_offline(text: str, key_document: Any, now: datetime | None = None) -> OfflineReport:
    """Check the QR text against a published key set document (lentera-keys.json) at `now` (default: the clock)."""
    now = now or datetime.now(UTC)
    try:
        keyset = keyset_from_document(key_document)
    except KeysDocumentInvalid as error:
        raise OfflineCheckError(str(error)) from error
    codes = key_document.get("codes", {}) if isinstance(key_document, dict) else {}
    generated = key_document.get("generated_at") if isinstance(key_document, dict) else None
    verdict, reason, verified = offline_verdict(text, keyset, now)
    return OfflineReport(verdict, now, verified, reason, codes, generated if isinstance(generated, str) else None)
