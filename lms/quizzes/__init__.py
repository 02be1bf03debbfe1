"""Quizzes: question bank and types, pre-test, subject quiz, post-test, attempts, grading, GIFT/Aiken, reports."""

from flask import Blueprint

bp = Blueprint("quizzes", __name__)

from lms.quizzes import admin_views, report_views, views  # noqa: E402,F401


def connect() -> None:
    """Register this feature's requirement and course-folder question files, and listen to the courses feature's
    events (once per process)."""
    from lms.courses.events import version_drafted
    from lms.courses.named_files import register_question_file_handler
    from lms.courses.requirements import register_requirement_provider
    from lms.courses.services.publishing import register_outline_provider, register_problem_provider
    from lms.quizzes import audit_sentences  # noqa: F401  (registers this feature's audit log sentences)
    from lms.quizzes.services.carry_over import carry_quizzes_over
    from lms.quizzes.services.course_files import QUESTION_FILES
    from lms.quizzes.services.requirements import quiz_requirements
    from lms.quizzes.services.version_outline import empty_quiz_problems, quiz_outline

    register_requirement_provider(quiz_requirements, order=20)
    register_question_file_handler(QUESTION_FILES)
    register_outline_provider(quiz_outline)
    register_problem_provider(empty_quiz_problems)
    version_drafted.connect(carry_quizzes_over)
    from lms.quizzes import jobs  # noqa: F401  (registers this feature's jobs with the queue)
