"""The public catalog: the newest published version of every course, each course's next cohort, the signed-in
learner's state in each course, and one course by its code."""

from __future__ import annotations

from collections.abc import Collection
from datetime import date
from enum import StrEnum
from functools import cache

from flask_babel import lazy_gettext as _l
from sqlalchemy import ColumnElement, Select, String, and_, bindparam, case, cast, func, or_, select
from sqlalchemy.orm import selectinload

from lms.accounts.models import Organization
from lms.core.database import outside_idle_transaction
from lms.core.errors import NotFound
from lms.courses.models import Cohort, CohortMode, Course, CourseStatus, CourseVersion, Enrolment, EnrolmentStatus
from lms.courses.requirements import CompletionCondition, completed, completion_conditions
from lms.courses.services.versions import course_by_code
from lms.extensions import db


def catalog(
    *,
    search: str = "",
    profession: str = "",
    organization: str = "",
    kind: str = "",
    mode: str = "",
    today: date | None = None,
) -> list[CourseVersion]:
    """The newest published version of every course, filtered; the public catalog.

    `mode` "daring" (online) or "luring" (in person) keeps courses with an upcoming cohort run that way
    (a blended cohort counts as both).
    """
    newest = (
        select(CourseVersion.course_id, func.max(CourseVersion.number).label("number"))
        .where(CourseVersion.status == CourseStatus.PUBLISHED)
        .group_by(CourseVersion.course_id)
        .subquery()
    )
    stmt = (
        select(CourseVersion)
        .join(newest, (CourseVersion.course_id == newest.c.course_id) & (CourseVersion.number == newest.c.number))
        .join(Course)
        .join(Organization)
        .options(selectinload(CourseVersion.subjects), selectinload(CourseVersion.course))
        .order_by(CourseVersion.title)
    )
    if search.strip():
        pattern = f"%{search.strip().lower()}%"
        stmt = stmt.where(
            or_(
                func.lower(CourseVersion.title).like(pattern),
                func.lower(CourseVersion.summary).like(pattern),
                func.lower(Course.code).like(pattern),
            )
        )
    if organization:
        stmt = stmt.where(Organization.slug == organization)
    if kind:
        stmt = stmt.where(CourseVersion.kind == kind)
    if mode in (CohortMode.DARING, CohortMode.LURING):
        today = today or date.today()
        upcoming = (
            select(CourseVersion.course_id)
            .join(Cohort, Cohort.version_id == CourseVersion.id)
            .where(Cohort.mode.in_([mode, CohortMode.BLENDED]), Cohort.ends_on >= today)
        )
        stmt = stmt.where(CourseVersion.course_id.in_(upcoming))
    versions = list(db.session.execute(stmt).scalars())
    if profession:
        # Target professions are a short JSON list; filtering here keeps the query portable across databases.
        versions = [v for v in versions if profession in v.target_professions]
    return versions


def next_cohorts(course_ids: Collection[int], today: date) -> dict[int, Cohort]:
    """Each course's next cohort not yet over and not cancelled (the first to start), in one query."""
    if not course_ids:
        return {}
    rows = db.session.execute(
        select(CourseVersion.course_id, Cohort)
        .join(Cohort, Cohort.version_id == CourseVersion.id)
        .where(CourseVersion.course_id.in_(list(course_ids)), Cohort.ends_on >= today, Cohort.cancelled_at.is_(None))
        .order_by(Cohort.starts_on.desc(), Cohort.id.desc())
    )
    return {course_id: cohort for course_id, cohort in rows}  # the earliest start comes last and stays


class CourseState(StrEnum):
    """Where a learner stands in a course, as the catalog's card says it."""

    COMPLETED = "completed"
    ENROLLED = "enrolled"
    PENDING = "pending"
    NOT_ENROLLED = "not_enrolled"

    @property
    def label(self):
        """The member's words for users (translated)."""
        return {
            CourseState.COMPLETED: _l("Completed"),
            CourseState.ENROLLED: _l("Enrolled"),
            CourseState.PENDING: _l("Waiting for approval"),
            CourseState.NOT_ENROLLED: _l("Not enrolled"),
        }[self]


_WAITING = (EnrolmentStatus.PENDING, EnrolmentStatus.WAITLISTED)


def course_states_of(user_id: ColumnElement[int]) -> ColumnElement[str]:
    """The learner's enrolments that the catalog's badges show, as one text whatever their number: "course_id status
    completed" entries joined by commas ("" for none), which `course_states_from` reads. A SQL expression on her id
    (a column or a parameter), so that the catalog reads it in the statement that loads her
    (lms.accounts.login.register_page_value)."""
    is_completed = case((and_(Enrolment.status == EnrolmentStatus.ACTIVE, completed(Enrolment.id)), "1"), else_="0")
    entry = cast(CourseVersion.course_id, String) + " " + Enrolment.status + " " + is_completed
    entries = (
        select(func.aggregate_strings(entry, ","))
        .select_from(Enrolment)
        .join(Cohort, Enrolment.cohort_id == Cohort.id)
        .join(CourseVersion, Cohort.version_id == CourseVersion.id)
        # Not IN (...): an IN list's parameters are expanded into the SQL anew on every execution.
        .where(Enrolment.user_id == user_id, or_(*(Enrolment.status == s for s in (EnrolmentStatus.ACTIVE, *_WAITING))))
        .correlate_except(Enrolment, Cohort, CourseVersion)
        .scalar_subquery()
    )
    return func.coalesce(entries, "")


def course_states_from(entries: str) -> dict[int, CourseState]:
    """The learner's state in each course she has an enrolment in, by course id, from `course_states_of`'s text; a
    course not in it is not enrolled. Of several enrolments in one course (a cohort repeated) the furthest counts:
    completed, then enrolled, then pending."""
    rank = list(CourseState)
    states: dict[int, CourseState] = {}
    for entry in filter(None, entries.split(",")):
        course_text, status, is_completed = entry.split(" ")
        course_id = int(course_text)
        if is_completed == "1":
            state = CourseState.COMPLETED
        else:
            state = CourseState.PENDING if status in _WAITING else CourseState.ENROLLED
        if course_id not in states or rank.index(state) < rank.index(states[course_id]):
            states[course_id] = state
    return states


@cache
def _course_states_statement(_conditions: tuple[CompletionCondition, ...]) -> Select:
    """Built once (per set of completion conditions): building it cost more than running it."""
    return select(course_states_of(bindparam("user_id")))


def course_states(user_id: int) -> dict[int, CourseState]:
    """`course_states_from` the learner's enrolments, read by themselves (the catalog reads them with her, see
    lms.courses.views), in one statement: outside the request's transaction unless the session holds one (then its
    own enrolments, written and not yet committed, count too)."""
    statement, bind = _course_states_statement(completion_conditions()), outside_idle_transaction()
    entries = db.session.execute(statement, {"user_id": user_id}, bind_arguments=bind).scalar_one()
    return course_states_from(entries)


def published_course(code: str) -> CourseVersion:
    course = course_by_code(code)
    version = course.published_version if course else None
    if version is None:
        raise NotFound()
    return version
