"""The quizzes feature's periodic job: grade attempts left open past their deadline (was a cron line)."""

from __future__ import annotations

from lms.jobs import crontab, periodic_job


@periodic_job(crontab(minute="*"))
def close_expired_attempts_job() -> int:
    """Every minute: grade each open attempt past its deadline with the answers saved before it (idempotent:
    a graded attempt is no longer open)."""
    from lms.core.models import utcnow
    from lms.extensions import db
    from lms.quizzes.services import close_expired_attempts

    closed = close_expired_attempts(utcnow())
    db.session.commit()
    return closed
