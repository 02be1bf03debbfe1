"""Certificates: eligibility, issuance, signed tokens, PDF, verification, revocation, signing keys."""

from flask import Blueprint

bp = Blueprint("certificates", __name__)

from lms.certificates import verify_views, views  # noqa: E402,F401
