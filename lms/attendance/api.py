"""/api/v1 endpoints of the attendance feature."""

from __future__ import annotations

from flask_smorest import Blueprint

blp = Blueprint("attendance_api", __name__, description="Attendance: sessions, check-in and marks")
