"""`lms attendance ...`: attendance commands."""

from __future__ import annotations

import click
from flask.cli import AppGroup

attendance_group = AppGroup("attendance", help="Attendance sessions and records.")


@attendance_group.command("close-ended")
def close_ended_command() -> None:
    """Close the sessions that have ended (their marks become final and certificates due are issued); run it
    every few minutes from cron or a systemd timer. Safe to run again."""
    from lms.attendance.services import close_ended_sessions
    from lms.core.models import utcnow
    from lms.extensions import db

    sessions = close_ended_sessions(utcnow())
    db.session.commit()
    click.echo(f"Closed {len(sessions)} session(s).")
    for session in sessions:
        click.echo(f"  {session.id}: {session.title} ({session.cohort.name})")
