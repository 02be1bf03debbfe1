"""Courses: curricula, versions, subjects and lessons, file import/export, catalog, cohorts, enrolment, study."""

from flask import Blueprint

bp = Blueprint("courses", __name__)

from lms.courses import admin_views, authoring_views, cohort_admin_views, views  # noqa: E402,F401


def connect() -> None:
    """Register what this feature adds to the lower floors' registries (explicitly, once per process)."""
    from lms.courses.requirements import register_requirement_provider
    from lms.courses.services.study import enrolment_and_lesson_requirements

    register_requirement_provider(enrolment_and_lesson_requirements, order=0)
