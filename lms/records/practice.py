"""Evidence of practice on the competency record: each post-training evaluation answered at work (by the alumnus or
the supervisor) is a line under the record's competencies, without SKP."""

from __future__ import annotations

from datetime import datetime
from functools import cache

from sqlalchemy import Select, bindparam, select

from lms.accounts.models import User
from lms.core.database import outside_idle_transaction
from lms.extensions import db
from lms.records.models import PracticeEvidence, PracticeRespondent


def record_practice_evidence(
    response_id: int, enrolment_id: int, user_id: int, respondent: str, answered_at: datetime, **_
) -> None:
    """Listener of instruments' post_training_answered: store the line (once per response)."""
    from lms.courses.models import Enrolment

    if db.session.execute(select(PracticeEvidence.id).where(PracticeEvidence.response_id == response_id)).first():
        return
    enrolment = db.session.get(Enrolment, enrolment_id)
    db.session.add(
        PracticeEvidence(
            user_id=user_id,
            response_id=response_id,
            course_title=enrolment.cohort.version.title,
            respondent=PracticeRespondent(respondent),
            answered_on=answered_at.date(),
        )
    )
    db.session.flush()


@cache
def _practice_statement() -> Select:
    """Built once, the user's id bound at each execution (as the record's other statements)."""
    return (
        select(PracticeEvidence)
        .where(PracticeEvidence.user_id == bindparam("user_id"))
        .order_by(PracticeEvidence.answered_on.desc(), PracticeEvidence.id.desc())
    )


def practice_of(user: User) -> list[PracticeEvidence]:
    """The worker's evidence of practice, newest first."""
    return list(
        db.session.execute(
            _practice_statement(), {"user_id": user.id}, bind_arguments=outside_idle_transaction()
        ).scalars()
    )
