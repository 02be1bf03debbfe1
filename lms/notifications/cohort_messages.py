"""Writing to a cohort's learners (notification kind "cohort_message": in the app, and by e-mail for those who want
that kind). Two ways, one kind:
- to everyone in the cohort: an organization admin or one of its facilitators writes; the message is kept and a job
  tells each active learner, a committed batch at a time and once (`write_cohort_message`, `deliver_cohort_message`);
- to some learners (those ticked on the cohort's progress page, or everyone behind): told at once, in the request
  (`message_cohort`, `send_to_learners`, at most RECIPIENTS_MAX)."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import date, datetime

from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select

from lms.accounts.models import User
from lms.attendance.services import can_run_cohort, cohort_progress
from lms.core.audit import record_audit
from lms.core.errors import InvalidField, InvalidInput, NotFound, PermissionDenied
from lms.courses.models import Cohort, Enrolment, EnrolmentStatus
from lms.extensions import db
from lms.notifications.links import site_path
from lms.notifications.models import CohortMessage
from lms.notifications.reminders import Reminder, batches, deliver
from lms.notifications.services import Message, notify

MESSAGE_MAX = 2000
KIND = "cohort_message"


def _recipients(cohort_id: int):
    return select(Enrolment.user_id, Enrolment.id.label("enrolment_id")).where(
        Enrolment.cohort_id == cohort_id, Enrolment.status == EnrolmentStatus.ACTIVE
    )


def message_text(text: str | None, *, field: str) -> str:
    """The message as written, without surrounding blanks; refused beside `field` when empty or longer than
    MESSAGE_MAX. The one check of both ways of writing (its words are what the page and the API show)."""
    text = (text or "").strip()
    if not text:
        raise InvalidField(field, _l("Write the message the learners are to receive."))
    if len(text) > MESSAGE_MAX:
        raise InvalidField(field, _l("A message can have at most %(n)d characters.", n=MESSAGE_MAX))
    return text


def recipient_count(cohort_id: int) -> int:
    """The cohort's active learners: who a message reaches."""
    return db.session.execute(select(func.count()).select_from(_recipients(cohort_id).subquery())).scalar_one()


def write_cohort_message(actor: User, cohort: Cohort, text: str, now: datetime) -> CohortMessage:
    """Keep the message for the job that delivers it (the caller commits, then starts the job)."""
    if not can_run_cohort(actor, cohort):
        raise PermissionDenied()
    cohort.ensure_running()
    text = message_text(text, field="body")
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


RECIPIENTS_MAX = 5000


def send_to_learners(actor: User | None, cohort: Cohort, user_ids: Sequence[int], text: str) -> list[int]:
    """Notify these learners of `cohort` (active enrolments only) with the message; audited. `actor` runs the cohort
    (its facilitator or the organization's admin); None is the command line or a job. Returns the user ids written
    to, in order; nothing is written when one of them is not an active learner of the cohort."""
    if actor is not None and not can_run_cohort(actor, cohort):
        raise NotFound()
    text = message_text(text, field="text")
    wanted = sorted(set(user_ids))
    if not wanted:
        raise InvalidInput(_l("Choose at least one learner."))
    if len(wanted) > RECIPIENTS_MAX:
        raise InvalidInput(_l("At most %(n)d learners at once.", n=RECIPIENTS_MAX))
    enrolments = dict(
        db.session.execute(
            select(Enrolment.user_id, Enrolment.id).where(
                Enrolment.cohort_id == cohort.id,
                Enrolment.status == EnrolmentStatus.ACTIVE,
                Enrolment.user_id.in_(wanted),
            )
        ).all()
    )
    if len(enrolments) != len(wanted):
        raise InvalidInput(_l("Only active learners of this cohort can be written to."))
    params = {
        "sender": actor.full_name if actor is not None else cohort.name,
        "cohort": cohort.name,
        "text": text,
    }
    notify(
        [
            Message(user_id, KIND, params, site_path("courses.enrolment", enrolment_id=enrolments[user_id]))
            for user_id in wanted
        ]
    )
    record_audit(actor, "cohort.message", cohort, cohort.organization_id, recipients=wanted, characters=len(text))
    return wanted


def message_cohort(
    actor: User, cohort_id: int, *, text: str, today: date, user_ids: Sequence[int] = (), behind: bool = False
) -> list[int]:
    """A facilitator writes to the learners she ticked, or (`behind`) to every learner behind today, as the cohort's
    progress page counts them. Another cohort: NotFound."""
    cohort, learners = cohort_progress(actor, cohort_id, today)
    if behind:
        user_ids = [p.user_id for p in learners if p.behind]
        if not user_ids:
            raise InvalidInput(_l("Nobody in this cohort is behind."))
    return send_to_learners(actor, cohort, user_ids, text)
