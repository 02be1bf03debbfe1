"""The courses feature's home panels: the learner's courses with their next step, an admin's enrolment requests."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select

from lms.accounts.models import Role
from lms.courses.enrolment import Progress
from lms.courses.models import Cohort, Course, CourseVersion, Enrolment, EnrolmentStatus
from lms.courses.requirements import Requirement, first_unmet
from lms.courses.services import progress, user_enrolments
from lms.extensions import db


@dataclass(frozen=True)
class NextStep:
    enrolment: Enrolment
    progress: Progress
    step: Requirement | None
    """The first thing the certificate still needs, with where to do it; None when nothing is left."""


def next_steps(user, now: datetime) -> list[NextStep]:
    """Each active course of the learner with what to do next (the next lesson, the post-test, attendance...)."""
    return [
        NextStep(enrolment, progress(enrolment), first_unmet(enrolment))
        for enrolment in user_enrolments(user)
        if enrolment.status == EnrolmentStatus.ACTIVE
    ]


@dataclass(frozen=True)
class WaitingRequests:
    cohort: Cohort
    count: int


def enrolment_requests(user, now: datetime) -> list[WaitingRequests]:
    """Cohorts of the organizations `user` administers with enrolment requests waiting for a decision."""
    organization_ids = [m.organization_id for m in user.memberships if Role(m.role) == Role.ORG_ADMIN]
    if not organization_ids:
        return []
    rows = db.session.execute(
        select(Cohort, func.count(Enrolment.id))
        .join(Enrolment, Enrolment.cohort_id == Cohort.id)
        .join(CourseVersion, CourseVersion.id == Cohort.version_id)
        .join(Course, Course.id == CourseVersion.course_id)
        .where(Course.organization_id.in_(organization_ids), Enrolment.status == EnrolmentStatus.PENDING)
        .group_by(Cohort.id)
        .order_by(Cohort.starts_on)
    ).all()
    return [WaitingRequests(cohort, count) for cohort, count in rows]
