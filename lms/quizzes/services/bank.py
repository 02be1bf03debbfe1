"""The question bank: adding, changing, retiring, importing and exporting a course's questions."""

from __future__ import annotations

import json
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
from lms.core.uploads import IMAGE_TYPES, format_size, validate_upload
from lms.courses.models import Course
from lms.extensions import db
from lms.quizzes.models import Answer, Question, Quiz, QuizQuestion
from lms.quizzes.question_files import QuestionFileError, SkippedQuestion, read_question_file
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


def _fingerprint(fields: dict[str, Any]) -> str:
    """What makes two bank questions the same question: kind, category and everything the spec says."""
    return json.dumps([fields["kind"], fields["category"], fields["spec_data"]], sort_keys=True)


@dataclass(frozen=True)
class ImportedQuestions:
    """Questions a file brought: those added to the bank now and those it already held (a second run adds none)."""

    added: list[Question]
    already_in_bank: list[Question]
    each: list[Question]
    """The bank's question for each spec given, in the file's order (added now or held already)."""

    @property
    def all(self) -> list[Question]:
        return [*self.added, *self.already_in_bank]


def import_questions(
    actor: User | None,
    course: Course,
    specs: Sequence[QuestionSpec],
    *,
    default_category: str = DEFAULT_CATEGORY,
    quiz: Quiz | None = None,
) -> ImportedQuestions:
    """Add read questions to the course's bank (category from `$CATEGORY` or `default_category`); with `quiz`,
    also append them to that quiz's fixed list. Nothing is added when any question is unusable. Idempotent: a
    question the bank already holds (same kind, category and content) is not added again, only put in the quiz."""
    require_organization_role(actor, course.organization_id)
    problems = [str(QuestionFileError(spec.line or 0, message)) for spec in specs for message in check_question(spec)]
    if problems:
        raise InvalidInput("; ".join(problems))
    held = {
        _fingerprint({"kind": q.kind, "category": q.category, "spec_data": q.spec_data}): q
        for q in db.session.execute(
            select(Question).where(Question.course_id == course.id, Question.retired.is_(False))
        ).scalars()
    }
    added, already, each = [], [], []
    for spec in specs:
        fields = _question_fields(spec, default_category)
        key = _fingerprint(fields)
        if key in held:
            already.append(held[key])
            each.append(held[key])
            continue
        question = Question(course=course, **fields)
        held[key] = question
        added.append(question)
        each.append(question)
    db.session.add_all(added)
    db.session.flush()
    if quiz is not None:
        add_to_quiz(actor, quiz, list(dict.fromkeys(each)))  # the file's order, each question once
    if added:
        record_audit(actor, "questions.import", course, course.organization_id, count=len(added))
    return ImportedQuestions(added, already, each)


@dataclass(frozen=True)
class FilePreview:
    """A question file read and checked, nothing written: its questions, and every problem (each `line N: message`)
    that keeps it from being imported."""

    specs: list[QuestionSpec]
    errors: list[QuestionFileError]
    skipped: list[SkippedQuestion]
    size: int
    """Bytes of the file as UTF-8."""

    @property
    def is_large(self) -> bool:
        """Imported by a background job with a progress bar rather than within the request."""
        config = current_app.config
        return len(self.specs) > int(config["QUESTION_IMPORT_JOB_QUESTIONS"]) or self.size > int(
            config["QUESTION_IMPORT_JOB_BYTES"]
        )


def preview_question_file(text: str, file_format: str) -> FilePreview:
    """Read a GIFT or Aiken file and list every problem, writing nothing. A file over QUESTION_FILE_MAX_BYTES is
    refused unread, one of more than QUESTION_FILE_MAX_QUESTIONS questions before anything else is checked."""
    size = len(text.encode("utf-8"))
    max_bytes = int(current_app.config["QUESTION_FILE_MAX_BYTES"])
    if size > max_bytes:
        message = _l("The file is larger than %(limit)s: split it into smaller files.", limit=format_size(max_bytes))
        return FilePreview([], [QuestionFileError(0, message)], [], size)
    result = read_question_file(text, file_format)
    max_questions = int(current_app.config["QUESTION_FILE_MAX_QUESTIONS"])
    found = len(result.questions) + len(result.skipped)
    if found > max_questions:
        message = _l(
            "The file holds %(found)d questions; at most %(limit)d are imported at once: split it into smaller files.",
            found=found,
            limit=max_questions,
        )
        return FilePreview([], [QuestionFileError(0, message)], [], size)
    errors = list(result.errors)
    errors += [
        QuestionFileError(spec.line or 0, message) for spec in result.questions for message in check_question(spec)
    ]
    if not errors and not result.questions:
        errors = [QuestionFileError(0, _l("The file holds no question that can be imported."))]
    errors.sort(key=lambda error: error.line)
    return FilePreview([] if errors else result.questions, errors, result.skipped, size)


@dataclass(frozen=True)
class FileImport:
    """The outcome of importing a question file: nothing is imported when there are errors."""

    questions: list[Question]
    """The questions added to the bank now."""
    errors: list[QuestionFileError]
    skipped: list[SkippedQuestion]
    already_in_bank: int = 0
    """Questions of the file the bank held already (not added again)."""


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
    preview = preview_question_file(text, file_format)
    if preview.errors:
        return FileImport([], preview.errors, preview.skipped)
    imported = import_questions(actor, course, preview.specs, default_category=default_category, quiz=quiz)
    return FileImport(imported.added, [], preview.skipped, len(imported.already_in_bank))


def export_specs(course: Course) -> list[QuestionSpec]:
    return [replace(q.spec, category=q.category, tags=tuple(q.tags)) for q in bank_questions(course)]
