"""Closing an ended session: its marks become final and the certificate rules hear of every participant."""

from __future__ import annotations

from datetime import datetime

from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from lms.accounts.models import User
from lms.attendance.models import AttendanceSession
from lms.attendance.services.access import can_run
from lms.attendance.services.reports import participants
from lms.core.audit import record_audit
from lms.core.errors import Conflict, PermissionDenied
from lms.courses.requirements import progress_changed
from lms.extensions import db


class SessionNotEnded(Conflict):
    def default_message(self):
        return _l("The session has not ended yet: close it after its end time.")


def close_session(actor: User | None, session: AttendanceSession, now: datetime) -> int:
    """After its end, the session's marks are final: tell the certificate rules about every participant (once).
    `actor` None is `lms attendance close-ended`. Returns how many participants were looked at."""
    if actor is not None and not can_run(actor, session):
        raise PermissionDenied()
    if not session.has_ended(now):
        raise SessionNotEnded()
    if session.closed_at is not None:
        return 0
    session.closed_at = now
    record_audit(actor, "attendance.session.close", session, session.organization_id)
    enrolments = participants(session)
    db.session.flush()
    for enrolment in enrolments:
        progress_changed(enrolment)
    return len(enrolments)


def close_ended_sessions(now: datetime) -> list[AttendanceSession]:
    """Close every session that has ended and is not closed yet (for a scheduled `lms attendance close-ended`)."""
    sessions = list(
        db.session.execute(
            select(AttendanceSession)
            .where(AttendanceSession.closed_at.is_(None), AttendanceSession.ends_at <= now)
            .order_by(AttendanceSession.ends_at)
        ).scalars()
    )
    for session in sessions:
        close_session(None, session, now)
    return sessions
