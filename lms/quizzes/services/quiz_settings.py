"""Quizzes on a course version: their settings and their fixed question lists."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from lms.accounts.models import User
from lms.accounts.permissions import require_organization_role
from lms.core.audit import record_audit
from lms.core.errors import Conflict, InvalidInput, NotFound
from lms.courses.models import CourseVersion
from lms.extensions import db
from lms.quizzes.models import (
    GradingMethod,
    Question,
    QuestionSelection,
    Quiz,
    QuizKind,
    QuizLayout,
    QuizQuestion,
    ReviewShows,
    ReviewWhen,
)

QUIZ_SETTINGS = (
    "title", "subject_id", "selection", "draw_count", "draw_categories", "draw_tags", "shuffle_questions",
    "shuffle_options", "layout", "opens_at", "closes_at", "time_limit_minutes", "attempts_allowed",
    "grading_method", "pass_mark", "review_shows", "review_when",
)  # fmt: skip


def check_quiz_settings(kind: str, settings: dict[str, Any], version: CourseVersion) -> list[str]:
    errors = []
    if kind not in {k.value for k in QuizKind}:
        errors.append(str(_l("Choose pre-test, subject quiz or post-test.")))
    if not (settings.get("title") or "").strip():
        errors.append(str(_l("Give the quiz a title.")))
    if kind == QuizKind.SUBJECT_QUIZ and settings.get("subject_id") not in {s.id for s in version.subjects}:
        errors.append(str(_l("Choose the subject this quiz belongs to.")))
    opens, closes = settings.get("opens_at"), settings.get("closes_at")
    if opens and closes and closes <= opens:
        errors.append(str(_l("The quiz must close after it opens.")))
    for name, minimum in (("time_limit_minutes", 1), ("attempts_allowed", 1), ("draw_count", 1)):
        value = settings.get(name)
        if value is not None and value < minimum:
            errors.append(str(_l("%(field)s must be at least %(n)d.", field=name.replace("_", " "), n=minimum)))
    pass_mark = settings.get("pass_mark")
    if pass_mark is not None and not 0 <= pass_mark <= 100:
        errors.append(str(_l("The pass mark is a percentage from 0 to 100.")))
    if settings.get("selection") == QuestionSelection.RANDOM and not settings.get("draw_count"):
        errors.append(str(_l("Say how many questions to draw.")))
    for name, enum in (
        ("selection", QuestionSelection),
        ("layout", QuizLayout),
        ("grading_method", GradingMethod),
        ("review_shows", ReviewShows),
        ("review_when", ReviewWhen),
    ):
        if name in settings and settings[name] not in {e.value for e in enum}:
            errors.append(str(_l("Choose a valid value for %(field)s.", field=name.replace("_", " "))))
    return errors


def save_quiz(
    actor: User | None, version: CourseVersion, kind: str, *, quiz: Quiz | None = None, **settings: Any
) -> Quiz:
    """Create a quiz on a course version or change its settings; one pre-test and one post-test per version."""
    require_organization_role(actor, version.course.organization_id)
    unknown = set(settings) - set(QUIZ_SETTINGS)
    if unknown:
        raise TypeError(f"unknown quiz settings: {sorted(unknown)}")
    if kind != QuizKind.SUBJECT_QUIZ:
        settings["subject_id"] = None
    errors = check_quiz_settings(kind, {**_settings_of(quiz), **settings} if quiz else settings, version)
    if errors:
        raise InvalidInput(" ".join(errors))
    if kind in (QuizKind.PRE_TEST, QuizKind.POST_TEST):
        existing = quiz_of_kind(version, kind)
        if existing is not None and existing is not quiz:
            raise Conflict(_l("This course version already has one; edit it instead."))
    if quiz is None:
        quiz = Quiz(version=version, kind=kind)
        db.session.add(quiz)
    elif quiz.version_id != version.id:
        raise NotFound()
    quiz.kind = kind
    for name, value in settings.items():
        setattr(quiz, name, value.strip() if isinstance(value, str) else value)
    db.session.flush()
    record_audit(actor, "quiz.save", quiz, version.course.organization_id, kind=kind, title=quiz.title)
    return quiz


def default_quiz_settings(kind: str) -> dict[str, Any]:
    """What a pre-test or post-test made by the command line or the demo gets: every question, shuffled, 30 minutes,
    graded by the highest attempt; two attempts at the post-test, one at the pre-test."""
    return {
        "title": str(_l("Pre-test") if kind == QuizKind.PRE_TEST else _l("Post-test")),
        "shuffle_questions": True,
        "shuffle_options": True,
        "time_limit_minutes": 30,
        "attempts_allowed": 2 if kind == QuizKind.POST_TEST else 1,
        "grading_method": GradingMethod.HIGHEST.value,
    }


def _settings_of(quiz: Quiz) -> dict[str, Any]:
    return {name: getattr(quiz, name) for name in QUIZ_SETTINGS}


def quiz_of_kind(version: CourseVersion, kind: str) -> Quiz | None:
    return db.session.execute(
        select(Quiz).where(Quiz.version_id == version.id, Quiz.kind == kind).order_by(Quiz.id).limit(1)
    ).scalar_one_or_none()


def quizzes_of(version: CourseVersion) -> list[Quiz]:
    order = {QuizKind.PRE_TEST: 0, QuizKind.SUBJECT_QUIZ: 1, QuizKind.POST_TEST: 2}
    quizzes = db.session.execute(select(Quiz).where(Quiz.version_id == version.id).order_by(Quiz.id)).scalars()
    return sorted(quizzes, key=lambda q: order[QuizKind(q.kind)])


def add_to_quiz(actor: User | None, quiz: Quiz, questions: Sequence[Question]) -> None:
    """Append questions to a quiz's fixed list (ones already in it are left where they are)."""
    require_organization_role(actor, quiz.version.course.organization_id)
    present = {qq.question_id for qq in quiz.quiz_questions}
    position = max((qq.position for qq in quiz.quiz_questions), default=0)
    for question in questions:
        if question.course_id != quiz.version.course_id:
            raise NotFound()
        if question.id not in present:
            position += 1
            quiz.quiz_questions.append(QuizQuestion(question=question, position=position))
            present.add(question.id)
    db.session.flush()


def set_quiz_questions(actor: User | None, quiz: Quiz, question_ids: Sequence[int]) -> None:
    """Replace a quiz's fixed list with these bank questions, in this order."""
    require_organization_role(actor, quiz.version.course.organization_id)
    wanted = list(dict.fromkeys(question_ids))
    found = {
        q.id: q
        for q in db.session.execute(
            select(Question).where(
                Question.id.in_(wanted), Question.course_id == quiz.version.course_id, Question.retired.is_(False)
            )
        ).scalars()
    }
    if len(found) != len(wanted):
        raise NotFound()
    quiz.quiz_questions.clear()
    db.session.flush()
    for position, question_id in enumerate(wanted, start=1):
        quiz.quiz_questions.append(QuizQuestion(question=found[question_id], position=position))
    db.session.flush()
