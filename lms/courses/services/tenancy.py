"""Courses and cohorts looked up inside one organization: anything that belongs elsewhere is not found (404)."""

from __future__ import annotations

from lms.core.errors import NotFound
from lms.courses.models import Cohort, Course
from lms.courses.services.versions import course_by_code
from lms.extensions import db


def course_in(organization_id: int, code: str) -> Course:
    """The course with `code` if it belongs to the organization; NotFound otherwise (never "forbidden": an admin
    of one organization learns nothing of another's courses)."""
    course = course_by_code(code)
    if course is None or course.organization_id != organization_id:
        raise NotFound()
    return course


def cohort_in(organization_id: int, cohort_id: int) -> Cohort:
    """The cohort if it belongs to the organization; NotFound otherwise."""
    cohort = db.session.get(Cohort, cohort_id)
    if cohort is None or cohort.organization_id != organization_id:
        raise NotFound()
    return cohort
