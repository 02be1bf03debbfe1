"""Courses: curricula, versions, subjects and lessons, file import/export, catalog, cohorts, enrolment, study."""

from flask import Blueprint

bp = Blueprint("courses", __name__)

from lms.courses import admin_views, views  # noqa: E402,F401
