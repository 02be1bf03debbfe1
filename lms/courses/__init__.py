"""Courses: curricula, versions, subjects and lessons, file import/export, the public catalog."""

from flask import Blueprint

bp = Blueprint("courses", __name__)

from lms.courses import views  # noqa: E402,F401
