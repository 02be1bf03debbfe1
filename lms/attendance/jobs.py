"""The attendance feature's periodic job: close the sessions that have ended (was a cron line)."""

from __future__ import annotations

from lms.jobs import crontab, periodic_job


@periodic_job(crontab(minute="*/5"))
def close_ended_sessions_job() -> int:
    """Every five minutes: make the marks of ended sessions final, so certificates due are issued (idempotent:
    a closed session is not closed again)."""
    from lms.attendance.services import close_ended_sessions
    from lms.core.models import utcnow
    from lms.extensions import db

    closed = close_ended_sessions(utcnow())
    db.session.commit()
    return len(closed)
