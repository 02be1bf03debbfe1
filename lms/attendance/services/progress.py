"""Who in a cohort is behind, for its facilitators: lessons against the cohort's pace, and every rule of the
certificate still open (quizzes, attendance) from the requirement registry that quizzes and attendance fill."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy import func, select

from lms.accounts.models import User
from lms.courses.models import Enrolment, EnrolmentStatus, Lesson, LessonCompletion, Subject
from lms.courses.requirements import Requirement, requirements_for, unmet
from lms.extensions import db

from .access import cohort_for_runner

NOT_SHOWN = {"enrolment", "certificate"}
"""Requirements that say nothing about the learner's own pace."""


def expected_share(starts_on: date, ends_on: date, today: date) -> float:
    """How far through the cohort's days `today` is: 0 before it starts, 1 from its last day."""
    if today < starts_on:
        return 0.0
    if today >= ends_on:
        return 1.0
    return (today - starts_on).days / max(1, (ends_on - starts_on).days)


def lessons_expected(total: int, share: float) -> int:
    """Lessons a learner keeping pace has completed (rounded down: a learner is never behind by a fraction)."""
    return int(total * share)


@dataclass(frozen=True)
class LearnerProgress:
    enrolment_id: int
    user_id: int
    full_name: str
    email: str
    lessons_done: int
    lessons_total: int
    lessons_expected: int
    open: list[Requirement]
    """Rules of the certificate still open (quizzes, attendance, lessons), with their translated state."""
    ended: bool
    phone: str | None = None
    """Her WhatsApp number if she gave one: the facilitator's contact link."""

    @property
    def behind_on_lessons(self) -> bool:
        return self.lessons_done < self.lessons_expected

    @property
    def behind(self) -> bool:
        """Behind the cohort's pace on lessons, or the cohort has ended with a rule still open."""
        return self.behind_on_lessons or (self.ended and bool(self.open))


def cohort_progress(actor: User, cohort_id: int, today: date) -> tuple[object, list[LearnerProgress]]:
    """The cohort (for the page) and each active learner's progress, those behind first, then by name."""
    cohort = cohort_for_runner(actor, cohort_id)
    total = db.session.execute(
        select(func.count(Lesson.id))
        .join(Subject, Lesson.subject_id == Subject.id)
        .where(Subject.version_id == cohort.version_id)
    ).scalar_one()
    done = dict(
        db.session.execute(
            select(LessonCompletion.enrolment_id, func.count(LessonCompletion.id))
            .join(Enrolment, Enrolment.id == LessonCompletion.enrolment_id)
            .where(Enrolment.cohort_id == cohort.id)
            .group_by(LessonCompletion.enrolment_id)
        ).all()
    )
    enrolments = db.session.execute(
        select(Enrolment, User)
        .join(User, User.id == Enrolment.user_id)
        .where(Enrolment.cohort_id == cohort.id, Enrolment.status == EnrolmentStatus.ACTIVE)
        .order_by(User.full_name, User.id)
    ).all()
    expected = lessons_expected(total, expected_share(cohort.starts_on, cohort.ends_on, today))
    ended = today > cohort.ends_on
    learners = [
        LearnerProgress(
            enrolment.id,
            user.id,
            user.full_name,
            user.email,
            done.get(enrolment.id, 0),
            total,
            expected,
            [r for r in unmet(requirements_for(enrolment)) if r.key not in NOT_SHOWN],
            ended,
            user.phone,
        )
        for enrolment, user in enrolments
    ]
    return cohort, sorted(learners, key=lambda p: not p.behind)
