"""Check-in QR codes drawn as SVG (vectors: sharp on a projector and on paper)."""

from __future__ import annotations

import io

import qrcode
from qrcode.image.svg import SvgPathFillImage


def qr_svg(text: str) -> bytes:
    """An SVG QR of `text`, error correction M, with the standard 4-module quiet zone, scaled by its viewBox."""
    code = qrcode.QRCode(error_correction=qrcode.constants.ERROR_CORRECT_M, border=4, box_size=10)
    code.add_data(text)
    code.make(fit=True)
    buffer = io.BytesIO()
    code.make_image(image_factory=SvgPathFillImage).save(buffer)
    return buffer.getvalue()
