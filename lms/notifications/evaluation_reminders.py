""" "Evaluation open" notifications: when a learner is asked to evaluate (a session's facilitators once an attended
session has ended, the organizer at the course's end, the post-training self-evaluation months after it), she is
told once per evaluation, by the reminder markers; the instruments feature says what is asked."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import or_, select

from lms.extensions import db
from lms.notifications.links import site_path
from lms.notifications.reminders import Reminder, batches, deliver
from lms.notifications.services import Message

KIND = "evaluation_open"


def evaluation_open_notices(now: datetime) -> int:
    """Every active learner with an open, unanswered evaluation not announced before: one notice per evaluation.
    Candidates are active enrolments of cohorts that have ended or have a session that has ended."""
    from lms.attendance.models import AttendanceSession
    from lms.courses.models import Cohort, Enrolment, EnrolmentStatus
    from lms.instruments.services.evaluations import asked_of_many

    ended_session = (
        select(AttendanceSession.id)
        .where(AttendanceSession.cohort_id == Enrolment.cohort_id, AttendanceSession.ends_at <= now)
        .exists()
    )
    statement = (
        select(Enrolment.id.label("id"))
        .join(Cohort, Cohort.id == Enrolment.cohort_id)
        .where(Enrolment.status == EnrolmentStatus.ACTIVE, or_(Cohort.ends_on <= now.date(), ended_session))
    )
    total = 0
    for rows in batches(statement, (Enrolment.id,), ("id",)):
        enrolments = db.session.execute(select(Enrolment).where(Enrolment.id.in_([row.id for row in rows]))).scalars()
        asked_by_enrolment = asked_of_many(list(enrolments), now)
        reminders = [
            Reminder(
                Message(
                    asked.enrolment.user_id,
                    KIND,
                    {"title": asked.title, "purpose": asked.purpose.value},
                    site_path("instruments.evaluation", key=str(asked.key)),
                ),
                f"evaluation:{asked.key}",
                "open",
            )
            for asked_of_one in asked_by_enrolment.values()
            for asked in asked_of_one
            if not asked.answered
        ]
        total += deliver(KIND, reminders)
        db.session.commit()
    return total
