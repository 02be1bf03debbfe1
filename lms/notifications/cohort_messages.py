"""Messages from a cohort's facilitator to its learners, delivered as notifications (in-app, and e-mail for those
who keep e-mail on for the kind "facilitator_message"): to the learners ticked, or to all who are behind.

`send_to_learners` takes a list of user ids and is the one way to write such a message, so that a cohort-wide
sending job can call it too."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date

from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from lms.accounts.models import User
from lms.attendance.services import cohort_progress
from lms.attendance.services.access import can_run_cohort
from lms.core.audit import record_audit
from lms.core.errors import InvalidInput, NotFound
from lms.courses.models import Cohort, Enrolment, EnrolmentStatus
from lms.extensions import db
from lms.notifications.links import site_path
from lms.notifications.services import Message, notify

KIND = "facilitator_message"
TEXT_MAX = 2000
"""Longest message, in characters: a note, not a lesson."""
RECIPIENTS_MAX = 5000


def clean_message_text(text: str | None) -> str:
    """The message as written, without surrounding blanks; refused when empty or longer than TEXT_MAX."""
    text = (text or "").strip()
    if not text:
        raise InvalidInput(_l("Write the message."))
    if len(text) > TEXT_MAX:
        raise InvalidInput(_l("A message has at most %(n)d characters.", n=TEXT_MAX))
    return text


def send_to_learners(actor: User | None, cohort: Cohort, user_ids: Sequence[int], text: str) -> list[int]:
    """Notify these learners of `cohort` (active enrolments only) with the message; audited. `actor` runs the cohort
    (its facilitator or the organization's admin); None is the command line or a job. Returns the user ids written
    to, in order; nothing is written when one of them is not an active learner of the cohort."""
    if actor is not None and not can_run_cohort(actor, cohort):
        raise NotFound()
    text = clean_message_text(text)
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
