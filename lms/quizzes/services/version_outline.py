"""The quizzes of a course version as the publish review compares them: kind, title, question count and rules."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l

from lms.courses.models import CourseVersion
from lms.courses.version_diff import OutlineItem
from lms.quizzes.models import QuestionSelection, QuizKind
from lms.quizzes.services.attempts import random_candidates
from lms.quizzes.services.quiz_settings import quizzes_of


def quiz_outline(version: CourseVersion) -> list[OutlineItem]:
    """One item per quiz, keyed by kind (and subject slug for a subject quiz) so that the same quiz is recognised
    in the next version."""
    items = []
    for quiz in quizzes_of(version):
        key = f"quiz:{quiz.kind}" + (f":{quiz.subject.slug}" if quiz.subject is not None else "")
        if quiz.selection == QuestionSelection.RANDOM:
            questions = str(_l("%(n)d drawn from %(pool)d", n=quiz.draw_count or 0, pool=len(random_candidates(quiz))))
        else:
            questions = str(len(quiz.quiz_questions))
        details = (
            (_l("Questions"), questions),
            (_l("Pass mark"), str(quiz.effective_pass_mark)),
            (_l("Time limit (minutes)"), str(quiz.time_limit_minutes) if quiz.time_limit_minutes else "–"),
            (_l("Attempts allowed"), str(quiz.attempts_allowed) if quiz.attempts_allowed else "∞"),
        )
        items.append(OutlineItem(key, QuizKind(quiz.kind).label, quiz.title, details))
    return items
