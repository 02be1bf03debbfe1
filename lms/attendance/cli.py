"""`lms attendance ...`: attendance commands."""

from __future__ import annotations

from flask.cli import AppGroup

attendance_group = AppGroup("attendance", help="Attendance sessions and records.")
