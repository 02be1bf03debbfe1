"""Who may run an attendance session: org admins, and the facilitators of the cohort or session."""

from __future__ import annotations

from sqlalchemy import select

from lms.accounts.models import Role, User
from lms.accounts.permissions import has_organization_role
from lms.attendance.models import AttendanceSession
from lms.core.errors import NotFound
from lms.courses.models import Cohort
from lms.extensions import db


def can_run_cohort(user: User, cohort: Cohort) -> bool:
    """Org admins of the course's organization, and the cohort's facilitators who hold that role there."""
    if not user.is_authenticated:
        return False
    organization_id = cohort.organization_id
    if has_organization_role(user, organization_id, (Role.ORG_ADMIN,)):
        return True
    return Role.FACILITATOR in user.roles_in(organization_id) and any(f.id == user.id for f in cohort.facilitators)


def can_run(user: User, session: AttendanceSession) -> bool:
    if not user.is_authenticated:
        return False
    organization_id = session.organization_id
    if has_organization_role(user, organization_id, (Role.ORG_ADMIN,)):
        return True
    return Role.FACILITATOR in user.roles_in(organization_id) and any(f.id == user.id for f in session.facilitators)


def session_for_runner(actor: User, session_id: int) -> AttendanceSession:
    """The session if `actor` runs it; anyone else is told it does not exist (no probing of other organizations)."""
    session = db.session.get(AttendanceSession, session_id)
    if session is None or not can_run(actor, session):
        raise NotFound()
    return session


def cohort_for_runner(actor: User, cohort_id: int) -> Cohort:
    cohort = db.session.get(Cohort, cohort_id)
    if cohort is None or not can_run_cohort(actor, cohort):
        raise NotFound()
    return cohort


def runnable_cohorts(actor: User) -> list[Cohort]:
    """Cohorts whose sessions `actor` may run: all of their org-admin organizations, and those they facilitate."""
    from lms.accounts.permissions import organization_ids_for
    from lms.courses.models import Course, CourseVersion

    stmt = select(Cohort).join(CourseVersion, Cohort.version_id == CourseVersion.id).join(Course)
    if not actor.is_platform_admin:
        admin_of = organization_ids_for(actor, (Role.ORG_ADMIN,))
        facilitated = select(Cohort.id).where(Cohort.facilitators.any(id=actor.id))
        stmt = stmt.where(Course.organization_id.in_(admin_of) | Cohort.id.in_(facilitated))
    cohorts = db.session.execute(stmt.order_by(Cohort.starts_on.desc(), Cohort.id.desc())).scalars()
    return [cohort for cohort in cohorts if can_run_cohort(actor, cohort)]
