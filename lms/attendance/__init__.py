"""Attendance: sessions, check-in methods (rotating QR, personal QR, webinar code, by hand), marks, attendance share."""

from flask import Blueprint

bp = Blueprint("attendance", __name__)

from lms.attendance import views  # noqa: E402,F401
