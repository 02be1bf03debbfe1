"""Attendance: sessions, check-in methods (rotating QR, personal QR, webinar code, by hand), marks, attendance share."""

from flask import Blueprint

bp = Blueprint("attendance", __name__)

from lms.attendance import views  # noqa: E402,F401


def connect() -> None:
    """Register this feature's certificate requirement and home panels (once per process)."""
    from lms.attendance import audit_sentences  # noqa: F401  (registers this feature's audit log sentences)
    from lms.attendance.services.certificate_requirement import attendance_requirements
    from lms.courses.requirements import register_requirement_provider

    register_requirement_provider(attendance_requirements, order=30)
    from lms.attendance import jobs  # noqa: F401  (registers this feature's jobs with the queue)
    from lms.attendance.home_panels import sessions_to_attend_today, sessions_to_run_today
    from lms.core.home import register_home_panel

    register_home_panel("sessions-to-run", "attendance/home_sessions_to_run.html", sessions_to_run_today, order=5)
    register_home_panel("sessions-today", "attendance/home_sessions_today.html", sessions_to_attend_today, order=8)
