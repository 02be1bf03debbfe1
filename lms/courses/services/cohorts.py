"""Cohorts: creating one for a published version, listing upcoming ones, counting the seats taken."""

from __future__ import annotations

from datetime import date, datetime

from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select

from lms.accounts.models import Role, User
from lms.accounts.permissions import require_organization_role
from lms.core.audit import record_audit
from lms.core.errors import InvalidInput
from lms.courses.models import Cohort, CohortMode, Course, CourseStatus, CourseVersion, Enrolment, EnrolmentStatus
from lms.extensions import db


class InvalidCohort(InvalidInput):
    pass


def create_cohort(
    actor: User,
    version: CourseVersion,
    *,
    name: str,
    mode: str,
    place: str | None,
    starts_on: date,
    ends_on: date,
    enrol_opens_at: datetime | None = None,
    enrol_closes_at: datetime | None = None,
    capacity: int | None = None,
    needs_approval: bool = False,
    facilitators: list[User] | None = None,
) -> Cohort:
    organization_id = version.course.organization_id
    require_organization_role(actor, organization_id)
    if version.status != CourseStatus.PUBLISHED:
        raise InvalidCohort(_l("Cohorts run a published version: publish the course first."))
    check_cohort_fields(
        organization_id,
        name=name,
        mode=mode,
        starts_on=starts_on,
        ends_on=ends_on,
        enrol_opens_at=enrol_opens_at,
        enrol_closes_at=enrol_closes_at,
        capacity=capacity,
        facilitators=facilitators or [],
    )
    cohort = Cohort(
        version=version,
        name=name.strip(),
        mode=CohortMode(mode).value,
        place=(place or "").strip() or None,
        starts_on=starts_on,
        ends_on=ends_on,
        enrol_opens_at=enrol_opens_at,
        enrol_closes_at=enrol_closes_at,
        capacity=capacity,
        needs_approval=needs_approval,
        facilitators=list(facilitators or []),
    )
    db.session.add(cohort)
    db.session.flush()
    record_audit(actor, "cohort.create", cohort, organization_id, course=version.course.code, name=cohort.name)
    return cohort


def check_cohort_fields(
    organization_id: int,
    *,
    name: str,
    mode: str,
    starts_on: date,
    ends_on: date,
    enrol_opens_at: datetime | None,
    enrol_closes_at: datetime | None,
    capacity: int | None,
    facilitators: list[User],
) -> None:
    """The rules a cohort's details follow, when it is opened and whenever it is edited."""
    if ends_on < starts_on:
        raise InvalidCohort(_l("The cohort cannot end before it starts."))
    if enrol_opens_at and enrol_closes_at and enrol_closes_at < enrol_opens_at:
        raise InvalidCohort(_l("Enrolment cannot close before it opens."))
    if capacity is not None and capacity < 1:
        raise InvalidCohort(_l("Capacity must be at least 1, or empty for no limit."))
    if not name.strip():
        raise InvalidCohort(_l("Give the cohort a name."))
    if mode not in {m.value for m in CohortMode}:
        raise InvalidCohort(_l("Choose online, in person or blended."))
    for facilitator in facilitators:
        if Role.FACILITATOR not in facilitator.roles_in(organization_id):
            raise InvalidCohort(_l("%(name)s is not a facilitator of this organization.", name=facilitator.full_name))


def upcoming_cohorts(course: Course, today: date) -> list[Cohort]:
    return list(
        db.session.execute(
            select(Cohort)
            .join(CourseVersion)
            .where(CourseVersion.course_id == course.id, Cohort.ends_on >= today, Cohort.cancelled_at.is_(None))
            .order_by(Cohort.starts_on)
        ).scalars()
    )


def _lock_cohort(cohort: Cohort) -> None:
    """Serialize seat counting per cohort on PostgreSQL (a no-op on SQLite, whose writes are serialized)."""
    db.session.execute(select(Cohort.id).where(Cohort.id == cohort.id).with_for_update())


def seats_taken_in(cohorts: list[Cohort]) -> dict[int, int]:
    """Seats held (active or pending) per cohort id, in one query for a list page."""
    counts = dict.fromkeys((c.id for c in cohorts), 0)
    if counts:
        rows = db.session.execute(
            select(Enrolment.cohort_id, func.count(Enrolment.id))
            .where(
                Enrolment.cohort_id.in_(counts),
                Enrolment.status.in_([EnrolmentStatus.ACTIVE, EnrolmentStatus.PENDING]),
            )
            .group_by(Enrolment.cohort_id)
        )
        counts.update({cohort_id: count for cohort_id, count in rows})
    return counts


def seats_taken(cohort: Cohort) -> int:
    return seats_taken_in([cohort])[cohort.id]
