"""/api/v1 endpoints of the certificates feature."""

from __future__ import annotations

from flask_smorest import Blueprint

blp = Blueprint("certificates_api", __name__, description="Certificates and their verification")
