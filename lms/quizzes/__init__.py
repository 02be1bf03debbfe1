"""Quizzes: question bank and types, pre-test, subject quiz, post-test, attempts, grading, GIFT/Aiken, reports."""

from flask import Blueprint

bp = Blueprint("quizzes", __name__)

from lms.quizzes import admin_views, report_views, views  # noqa: E402,F401
