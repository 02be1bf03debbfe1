"""Quizzes: question bank and types, pre-test, subject quiz, post-test, attempts, grading, GIFT/Aiken, reports."""

from flask import Blueprint

bp = Blueprint("quizzes", __name__)

from lms.quizzes import report_views, views  # noqa: E402,F401
