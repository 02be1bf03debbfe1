"""The question bank: adding, changing, retiring, importing and exporting a course's questions."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from typing import Any

from flask import current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy import select, update

from lms.accounts.models import User
from lms.accounts.permissions import require_organization_role
from lms.core.audit import record_audit
from lms.core.errors import InvalidInput
from lms.core.storage import forget_on_rollback, get_storage
from lms.core.uploads import IMAGE_TYPES, validate_upload
from lms.courses.models import Course
from lms.extensions import db
from lms.quizzes.models import Answer, Question, Quiz, QuizQuestion
from lms.quizzes.question_files import SkippedQuestion, read_question_file
from lms.quizzes.services.quiz_settings import add_to_quiz
from lms.quizzes.spec import IDNUMBER, QuestionSpec
from lms.quizzes.types import QUESTION_TYPES

DEFAULT_CATEGORY = "default"


def bank_questions(course: Course, *, category: str = "", tag: str = "") -> list[Question]:
    """The course's current questions (retired ones hidden), optionally in one category (or below it) / with a tag."""
    stmt = (
        select(Question)
        .where(Question.course_id == course.id, Question.retired.is_(False))
        .order_by(Question.category, Question.id)
    )
    if category:
        stmt = stmt.where((Question.category == category) | Question.category.startswith(category + "/"))
    questions = list(db.session.execute(stmt).scalars())
    if tag:
        # Tags are a short JSON list; filtering here keeps the query portable across databases.
        questions = [q for q in questions if tag in q.tags]
    return questions


def bank_categories(course: Course) -> list[str]:
    return list(
        db.session.execute(
            select(Question.category)
            .where(Question.course_id == course.id, Question.retired.is_(False))
            .distinct()
            .order_by(Question.category)
        ).scalars()
    )


def bank_tags(questions: Sequence[Question]) -> list[str]:
    return sorted({tag for q in questions for tag in q.tags})


def check_question(spec: QuestionSpec) -> list[str]:
    """Problems with a question as written; empty when it can be saved."""
    errors = []
    if not spec.text.strip():
        errors.append(str(_l("Write the question.")))
    return errors + QUESTION_TYPES[spec.kind.value].check_spec(spec)


def _clean_tags(tags: Sequence[str]) -> list[str]:
    return sorted({t.strip() for t in tags if t.strip()})


def _question_fields(spec: QuestionSpec, default_category: str) -> dict[str, Any]:
    category = (spec.category or default_category or DEFAULT_CATEGORY).strip()[:200]
    spec = replace(spec, category=category, tags=tuple(_clean_tags(spec.tags)))
    return {
        "kind": spec.kind.value,
        "category": category,
        "tags": list(spec.tags),
        "title": (spec.title or "")[:200],
        "spec_data": spec.to_data(),
    }


def _question_row(course: Course, spec: QuestionSpec, default_category: str) -> Question:
    return Question(course=course, **_question_fields(spec, default_category))


def add_question(actor: User | None, course: Course, spec: QuestionSpec, *, default_category: str = "") -> Question:
    require_organization_role(actor, course.organization_id)
    errors = check_question(spec)
    if errors:
        raise InvalidInput(" ".join(errors))
    question = _question_row(course, spec, default_category)
    db.session.add(question)
    db.session.flush()
    return question


def question_is_answered(question: Question) -> bool:
    return (
        db.session.execute(select(Answer.id).where(Answer.question_id == question.id).limit(1)).scalar_one_or_none()
        is not None
    )


def update_question(actor: User | None, question: Question, spec: QuestionSpec) -> Question:
    """Change a question. One that learners have answered is retired and replaced by a new row (in every quiz
    that lists it), so their attempts keep the question they were shown."""
    require_organization_role(actor, question.course.organization_id)
    errors = check_question(spec)
    if errors:
        raise InvalidInput(" ".join(errors))
    idnumber = question.spec.extra.get(IDNUMBER)
    if idnumber and IDNUMBER not in spec.extra:  # the browser's form does not show it; an edit keeps it
        spec = replace(spec, extra={**spec.extra, IDNUMBER: idnumber})
    if not question_is_answered(question):
        for name, value in _question_fields(spec, question.category).items():
            setattr(question, name, value)
        db.session.flush()
        return question
    replacement = _question_row(question.course, spec, question.category)
    replacement.replaces_id = question.id
    question.retired = True
    db.session.add(replacement)
    db.session.flush()
    db.session.execute(
        update(QuizQuestion).where(QuizQuestion.question_id == question.id).values(question_id=replacement.id)
    )
    return replacement


def delete_question(actor: User | None, question: Question) -> None:
    """Remove a question from the bank and from every quiz; one that learners answered is only retired."""
    require_organization_role(actor, question.course.organization_id)
    db.session.execute(QuizQuestion.__table__.delete().where(QuizQuestion.question_id == question.id))
    if question_is_answered(question):
        question.retired = True
    else:
        db.session.delete(question)
    db.session.flush()


def store_question_image(data: bytes) -> str:
    """Keep an uploaded question image (PNG, JPEG or WebP, checked by its bytes); returns its storage key.

    The file is removed again if the transaction that would reference it rolls back.
    """
    found = validate_upload(data, allowed=IMAGE_TYPES, max_bytes=int(current_app.config["QUIZ_IMAGE_MAX_BYTES"]))
    key = get_storage().save(data, folder="questions", suffix=found.suffix)
    forget_on_rollback(key)
    return key


def import_questions(
    actor: User | None,
    course: Course,
    specs: Sequence[QuestionSpec],
    *,
    default_category: str = DEFAULT_CATEGORY,
    quiz: Quiz | None = None,
) -> list[Question]:
    """Add read questions to the course's bank (category from `$CATEGORY` or `default_category`); with `quiz`,
    also append them to that quiz's fixed list. Nothing is added when any question is unusable."""
    require_organization_role(actor, course.organization_id)
    problems = [
        f"{spec.line}: {message}" if spec.line else message for spec in specs for message in check_question(spec)
    ]
    if problems:
        raise InvalidInput("; ".join(problems))
    questions = [_question_row(course, spec, default_category) for spec in specs]
    db.session.add_all(questions)
    db.session.flush()
    if quiz is not None:
        add_to_quiz(actor, quiz, questions)
    record_audit(actor, "questions.import", course, course.organization_id, count=len(questions))
    return questions


@dataclass(frozen=True)
class FileImport:
    """The outcome of importing a question file: nothing is imported when there are errors ("line: message")."""

    questions: list[Question]
    errors: list[str]
    skipped: list[SkippedQuestion]


def import_question_file(
    actor: User | None,
    course: Course,
    text: str,
    file_format: str,
    *,
    default_category: str = DEFAULT_CATEGORY,
    quiz: Quiz | None = None,
) -> FileImport:
    """Read a GIFT or Aiken file and import its questions into the course's bank (and `quiz`), all or nothing."""
    result = read_question_file(text, file_format)
    errors = [f"{error.line}: {error.message}" for error in result.errors]
    if not errors and not result.questions:
        errors = [str(_l("The file holds no question that can be imported."))]
    if errors:
        return FileImport([], errors, result.skipped)
    try:
        questions = import_questions(actor, course, result.questions, default_category=default_category, quiz=quiz)
    except InvalidInput as error:
        return FileImport([], str(error.message).split("; "), result.skipped)
    return FileImport(questions, [], result.skipped)


def export_specs(course: Course) -> list[QuestionSpec]:
    return [replace(q.spec, category=q.category, tags=tuple(q.tags)) for q in bank_questions(course)]
