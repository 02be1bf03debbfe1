"""/api/v1/verify: check a scanned QR text without an account."""

from __future__ import annotations

from flask_smorest import Blueprint

blp = Blueprint("verify_api", __name__, description="Verifying a certificate's QR")
