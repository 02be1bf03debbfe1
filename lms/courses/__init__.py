"""Courses: curricula, versions, subjects and lessons, file import/export, catalog, cohorts, enrolment, study."""

from flask import Blueprint

bp = Blueprint("courses", __name__)

from lms.courses import admin_views, authoring_views, cohort_admin_views, views  # noqa: E402,F401


def connect() -> None:
    """Register what this feature adds to the lower floors' registries (explicitly, once per process)."""
    from lms.courses import audit_sentences  # noqa: F401  (registers this feature's audit log sentences)
    from lms.courses.catalog_cache import forget_catalog
    from lms.courses.events import version_published
    from lms.courses.requirements import register_requirement_provider
    from lms.courses.services.study import enrolment_and_lesson_requirements

    register_requirement_provider(enrolment_and_lesson_requirements, order=0)
    version_published.connect(forget_catalog)
    version_published.connect(forget_catalog, after_commit=True)

    from lms.core.home import register_home_panel
    from lms.courses.home_panels import enrolment_requests, next_steps

    register_home_panel("next-steps", "courses/home_next_steps.html", next_steps, order=10)
    register_home_panel("enrolment-requests", "courses/home_enrolment_requests.html", enrolment_requests, order=50)

    from lms.accounts.login import register_page_value
    from lms.courses.services.catalog import course_states_of
    from lms.courses.views import COURSE_STATES

    # The catalog's badges: the learner's course states, in the statement that loads her on the catalog page only.
    register_page_value(COURSE_STATES, course_states_of, endpoints=("courses.catalog",))
