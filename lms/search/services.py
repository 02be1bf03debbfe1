"""One search box for admins: people (name, e-mail, STR, whole NIK; NIK shown masked), certificates (number, holder),
courses (code, title) and cohorts (name), each limited to what the searcher may see (lms.accounts.permissions)."""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy import Select, false, func, or_, select

from lms.accounts.models import Role, User
from lms.accounts.people import person_matches, visible_people
from lms.accounts.permissions import organization_ids_for
from lms.certificates.models import Certificate
from lms.core.errors import PermissionDenied
from lms.courses.models import Cohort, Course, CourseVersion, Enrolment
from lms.extensions import db

LIMIT = 20
"""Results per kind: a search box, not a report."""
MIN_LENGTH = 2


@dataclass
class SearchResults:
    text: str
    people: list[User] = field(default_factory=list)
    certificates: list[Certificate] = field(default_factory=list)
    courses: list[Course] = field(default_factory=list)
    cohorts: list[Cohort] = field(default_factory=list)

    @property
    def empty(self) -> bool:
        return not (self.people or self.certificates or self.courses or self.cohorts)


def may_search(actor: User) -> bool:
    return actor.is_authenticated and (actor.is_platform_admin or actor.has_role(Role.ORG_ADMIN))


def _pattern(text: str) -> str:
    escaped = text.lower().replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


def _organization_scope(actor: User, column) -> object:
    """A condition keeping rows of the organizations `actor` administers (everything for a platform admin)."""
    if actor.is_platform_admin:
        return column.is_not(None)
    ids = organization_ids_for(actor, (Role.ORG_ADMIN,))
    return column.in_(ids) if ids else false()


def _enrolled_in_own_cohorts(actor: User):
    """People who enrolled in (or asked to join) a cohort of the admin's organizations."""
    return User.id.in_(
        select(Enrolment.user_id)
        .join(Cohort, Enrolment.cohort_id == Cohort.id)
        .join(CourseVersion, Cohort.version_id == CourseVersion.id)
        .join(Course, CourseVersion.course_id == Course.id)
        .where(_organization_scope(actor, Course.organization_id))
    )


def people_query(actor: User, text: str) -> Select:
    visible = or_(visible_people(actor), _enrolled_in_own_cohorts(actor))
    return select(User).where(visible, person_matches(text)).order_by(func.lower(User.full_name), User.id).limit(LIMIT)


def certificates_query(actor: User, text: str) -> Select:
    pattern = _pattern(text)
    return (
        select(Certificate)
        .join(User, Certificate.user_id == User.id)
        .where(
            _organization_scope(actor, Certificate.organization_id),
            or_(
                func.lower(Certificate.number).like(pattern, escape="\\"),
                func.lower(User.full_name).like(pattern, escape="\\"),
            ),
        )
        .order_by(Certificate.issued_at.desc(), Certificate.id.desc())
        .limit(LIMIT)
    )


def courses_query(actor: User, text: str) -> Select:
    pattern = _pattern(text)
    titled = select(CourseVersion.course_id).where(func.lower(CourseVersion.title).like(pattern, escape="\\"))
    return (
        select(Course)
        .where(
            _organization_scope(actor, Course.organization_id),
            or_(func.lower(Course.code).like(pattern, escape="\\"), Course.id.in_(titled)),
        )
        .order_by(Course.code)
        .limit(LIMIT)
    )


def cohorts_query(actor: User, text: str) -> Select:
    pattern = _pattern(text)
    return (
        select(Cohort)
        .join(CourseVersion, Cohort.version_id == CourseVersion.id)
        .join(Course, CourseVersion.course_id == Course.id)
        .where(
            _organization_scope(actor, Course.organization_id),
            or_(func.lower(Cohort.name).like(pattern, escape="\\"), func.lower(Course.code).like(pattern, escape="\\")),
        )
        .order_by(Cohort.starts_on.desc(), Cohort.id.desc())
        .limit(LIMIT)
    )


def search(actor: User, text: str) -> SearchResults:
    """Everything matching `text` that `actor` may see; too short a text finds nothing."""
    if not may_search(actor):
        raise PermissionDenied()
    text = " ".join(text.split())[:100]
    results = SearchResults(text)
    if len(text) < MIN_LENGTH:
        return results
    results.people = list(db.session.execute(people_query(actor, text)).scalars())
    results.certificates = list(db.session.execute(certificates_query(actor, text)).scalars())
    results.courses = list(db.session.execute(courses_query(actor, text)).scalars())
    results.cohorts = list(db.session.execute(cohorts_query(actor, text)).scalars())
    return results
