"""The public catalog: the newest published version of every course, and one course by its code."""

from __future__ import annotations

from datetime import date

from sqlalchemy import func, or_, select
from sqlalchemy.orm import selectinload

from lms.accounts.models import Organization
from lms.core.errors import NotFound
from lms.courses.models import Cohort, CohortMode, Course, CourseStatus, CourseVersion
from lms.courses.services.versions import course_by_code
from lms.extensions import db


def catalog(
    *, search: str = "", profession: str = "", organization: str = "", kind: str = "", mode: str = ""
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
        upcoming = (
            select(CourseVersion.course_id)
            .join(Cohort, Cohort.version_id == CourseVersion.id)
            .where(Cohort.mode.in_([mode, CohortMode.BLENDED]), Cohort.ends_on >= date.today())
        )
        stmt = stmt.where(CourseVersion.course_id.in_(upcoming))
    versions = list(db.session.execute(stmt).scalars())
    if profession:
        # Target professions are a short JSON list; filtering here keeps the query portable across databases.
        versions = [v for v in versions if profession in v.target_professions]
    return versions


def published_course(code: str) -> CourseVersion:
    course = course_by_code(code)
    version = course.published_version if course else None
    if version is None:
        raise NotFound()
    return version
