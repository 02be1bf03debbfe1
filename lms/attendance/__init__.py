"""Attendance: sessions, check-in methods (rotating QR, personal QR, webinar code, by hand), marks, attendance share."""

from flask import Blueprint

bp = Blueprint("attendance", __name__)

from lms.attendance import views  # noqa: E402,F401


def connect() -> None:
    """Register this feature's certificate requirement (once per process)."""
    from lms.attendance.services.certificate_requirement import attendance_requirements
    from lms.courses.requirements import register_requirement_provider

    register_requirement_provider(attendance_requirements, order=30)
    from lms.attendance import jobs  # noqa: F401  (registers this feature's jobs with the queue)
