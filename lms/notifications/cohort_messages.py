"""Writing to everyone in a cohort: an organization admin or one of the cohort's facilitators writes a message, a
job tells each active learner (in the app, and by e-mail if she wants that kind), a batch at a time and once."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select

from lms.accounts.models import User
from lms.attendance.services import can_run_cohort
from lms.core.audit import record_audit
from lms.core.errors import InvalidField, PermissionDenied
from lms.courses.models import Cohort, Enrolment, EnrolmentStatus
from lms.extensions import db
from lms.notifications.links import site_path
from lms.notifications.models import CohortMessage
from lms.notifications.reminders import Reminder, batches, deliver
from lms.notifications.services import Message

MESSAGE_MAX = 2000
KIND = "cohort_message"


def _recipients(cohort_id: int):
    return select(Enrolment.user_id, Enrolment.id.label("enrolment_id")).where(
        Enrolment.cohort_id == cohort_id, Enrolment.status == EnrolmentStatus.ACTIVE
    )


def recipient_count(cohort_id: int) -> int:
    """The cohort's active learners: who a message reaches."""
    return db.session.execute(select(func.count()).select_from(_recipients(cohort_id).subquery())).scalar_one()


def write_cohort_message(actor: User, cohort: Cohort, text: str, now: datetime) -> CohortMessage:
    """Keep the message for the job that delivers it (the caller commits, then starts the job)."""
    if not can_run_cohort(actor, cohort):
        raise PermissionDenied()
    cohort.ensure_running()
    text = (text or "").strip()
    if not text:
        raise InvalidField("body", _l("Write the message the learners are to receive."))
    if len(text) > MESSAGE_MAX:
        raise InvalidField("body", _l("A message can have at most %(n)d characters.", n=MESSAGE_MAX))
    message = CohortMessage(cohort_id=cohort.id, sender_id=actor.id, body=text, created_at=now)
    db.session.add(message)
    db.session.flush()
    record_audit(
        actor,
        "cohort.message",
        cohort,
        cohort.organization_id,
        message_id=message.id,
        people=recipient_count(cohort.id),
    )
    return message


def messages_of(cohort: Cohort, limit: int = 20) -> list[CohortMessage]:
    return list(
        db.session.execute(
            select(CohortMessage)
            .where(CohortMessage.cohort_id == cohort.id)
            .order_by(CohortMessage.id.desc())
            .limit(limit)
        ).scalars()
    )


def deliver_cohort_message(message: CohortMessage, batch_done: Callable[[int], None]) -> int:
    """Tell every active learner of the message's cohort, a committed batch at a time (three statements a batch:
    the learners, the markers, the notifications); `batch_done(size)` runs before each batch's commit. Idempotent:
    someone told before (a retried job, a second run) is not told again. Returns how many were told now."""
    cohort = db.session.get(Cohort, message.cohort_id)
    params = {"cohort": cohort.name, "sender": message.sender.full_name if message.sender else "", "text": message.body}
    told = 0
    for rows in batches(_recipients(cohort.id), (Enrolment.user_id,), ("user_id",)):
        told += deliver(
            KIND,
            [
                Reminder(
                    Message(row.user_id, KIND, params, site_path("courses.enrolment", enrolment_id=row.enrolment_id)),
                    message.subject,
                    "sent",
                )
                for row in rows
            ],
        )
        batch_done(len(rows))
        db.session.commit()
    return told
