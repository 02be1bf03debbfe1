"""Quiz rules: the question bank, quiz settings, starting/resuming attempts, saving answers, grading, results.

Every function that depends on the time takes `now` from its caller (views pass `utcnow()`, tests a fixed clock).
Attempts left open past their deadline are graded lazily, with the answers saved before the deadline, whenever
they are touched (the learner opens the quiz or the attempt, saves, submits) and by `lms quizzes close-expired`
for those nobody touches (run it from cron; the reports call `close_expired_attempts` before reading).
"""

from __future__ import annotations

import random
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field, replace
from datetime import datetime
from decimal import Decimal
from typing import Any

from flask import current_app, has_request_context, url_for
from flask_babel import lazy_gettext as _l
from sqlalchemy import bindparam, insert, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import joinedload

from lms.accounts.models import Role, User
from lms.accounts.permissions import has_organization_role
from lms.core.audit import record_audit
from lms.core.errors import Conflict, InvalidInput, NotFound, PermissionDenied
from lms.core.storage import forget_on_rollback, get_storage
from lms.core.uploads import IMAGE_TYPES, validate_upload
from lms.courses.models import Cohort, Course, CourseVersion, Enrolment, EnrolmentStatus
from lms.courses.requirements import Requirement, progress_changed, register_requirement_provider
from lms.extensions import db
from lms.quizzes.grading import attempt_score, build_layout, draw_questions, quiz_grade
from lms.quizzes.models import (
    Answer,
    Attempt,
    AttemptState,
    CloseReason,
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
from lms.quizzes.question_files import SkippedQuestion, read_question_file
from lms.quizzes.spec import QuestionSpec
from lms.quizzes.timing import (
    DeadlinePassed,
    attempt_deadline,
    attempts_left,
    check_can_start,
    is_late,
    review_visibility,
)
from lms.quizzes.types import QUESTION_TYPES, QuestionType, ShownOption, grade_response, normalize_or_blank, type_of

DEFAULT_CATEGORY = "default"


class QuizHasNoQuestions(Conflict):
    code = "no_questions"

    def default_message(self):
        return _l("This quiz has no questions yet.")


class AttemptClosed(Conflict):
    code = "attempt_closed"

    def default_message(self):
        return _l("This attempt is already submitted; its answers can no longer change.")


# --- permissions ---------------------------------------------------------------------------------------------------


def _require_admin(actor: User | None, organization_id: int) -> None:
    """`actor` None is the command line (a trusted operator)."""
    if actor is not None and not has_organization_role(actor, organization_id, (Role.ORG_ADMIN,)):
        raise PermissionDenied()


# --- the question bank -------------------------------------------------------------------------------------------


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
    _require_admin(actor, course.organization_id)
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
    _require_admin(actor, question.course.organization_id)
    errors = check_question(spec)
    if errors:
        raise InvalidInput(" ".join(errors))
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
    _require_admin(actor, question.course.organization_id)
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
    _require_admin(actor, course.organization_id)
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


# --- quizzes -------------------------------------------------------------------------------------------------------


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
    _require_admin(actor, version.course.organization_id)
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
    _require_admin(actor, quiz.version.course.organization_id)
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
    _require_admin(actor, quiz.version.course.organization_id)
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


# --- the learner's side ---------------------------------------------------------------------------------------------


def _learner_enrolment_query(user: User, quiz: Quiz, *columns) -> Any:
    return db.session.execute(
        select(*columns)
        .join(Cohort, Cohort.id == Enrolment.cohort_id)
        .where(
            Enrolment.user_id == user.id,
            Enrolment.status == EnrolmentStatus.ACTIVE,
            Cohort.version_id == quiz.version_id,
        )
        .order_by(Enrolment.id.desc())
        .limit(1)
    ).scalar_one_or_none()


def _not_enrolled() -> NotFound:
    return NotFound(_l("Enrol in a cohort of this course to take its quizzes."))


def learner_enrolment(user: User, quiz: Quiz) -> Enrolment:
    """The learner's active enrolment in a cohort running this quiz's course version; NotFound otherwise."""
    enrolment = _learner_enrolment_query(user, quiz, Enrolment)
    if enrolment is None:
        raise _not_enrolled()
    return enrolment


def _learner_enrolment_id(user: User, quiz: Quiz) -> int:
    """learner_enrolment's id alone: starting an attempt needs nothing else of the enrolment."""
    enrolment_id = _learner_enrolment_query(user, quiz, Enrolment.id)
    if enrolment_id is None:
        raise _not_enrolled()
    return enrolment_id


def quiz_by_id(quiz_id: int) -> Quiz:
    quiz = db.session.get(Quiz, quiz_id)
    if quiz is None:
        raise NotFound()
    return quiz


def quiz_for_learner(user: User, quiz_id: int) -> tuple[Quiz, Enrolment]:
    quiz = quiz_by_id(quiz_id)
    return quiz, learner_enrolment(user, quiz)


def attempts_of(user: User, quiz: Quiz) -> list[Attempt]:
    return list(
        db.session.execute(
            select(Attempt).where(Attempt.quiz_id == quiz.id, Attempt.user_id == user.id).order_by(Attempt.number)
        ).scalars()
    )


def _grace_seconds() -> int:
    return int(current_app.config.get("QUIZ_ANSWER_GRACE_SECONDS", 0))


@dataclass(frozen=True)
class QuizStatus:
    """The learner's standing in one quiz, for the start page and the API."""

    quiz: Quiz
    attempts: list[Attempt]
    open_attempt: Attempt | None
    attempts_left: int | None
    grade: Decimal | None
    passed: bool | None

    @property
    def graded_attempts(self) -> list[Attempt]:
        return [a for a in self.attempts if a.state == AttemptState.GRADED]


def quiz_status(user: User, quiz: Quiz, now: datetime) -> QuizStatus:
    """Attempts so far (an expired open one is graded first), attempts left and the grade by the quiz's method."""
    attempts = attempts_of(user, quiz)
    for attempt in attempts:
        close_if_expired(attempt, now)
    graded = [a.score for a in attempts if a.state == AttemptState.GRADED]
    grade = quiz_grade(graded, quiz.grading_method)
    open_attempt = next((a for a in attempts if a.state == AttemptState.OPEN), None)
    return QuizStatus(
        quiz=quiz,
        attempts=attempts,
        open_attempt=open_attempt,
        attempts_left=attempts_left(quiz.attempts_allowed, len(attempts)),
        grade=grade,
        passed=None if grade is None else grade >= quiz.effective_pass_mark,
    )


def _question_pool(quiz: Quiz, rng: random.Random) -> list[tuple[int, int]]:
    """(question id, option count) of the questions a new attempt gets, in the quiz's order."""
    if quiz.selection == QuestionSelection.RANDOM:
        candidates = bank_questions(quiz.version.course)
        if quiz.draw_categories:
            candidates = [
                q
                for q in candidates
                if any(q.category == c or q.category.startswith(c + "/") for c in quiz.draw_categories)
            ]
        if quiz.draw_tags:
            candidates = [q for q in candidates if set(q.tags) & set(quiz.draw_tags)]
        by_id = {q.id: q for q in candidates}
        chosen = [by_id[i] for i in draw_questions(list(by_id), quiz.draw_count or 0, rng)]
    else:
        # The three columns needed, not whole questions: every learner's start runs this.
        chosen = db.session.execute(
            select(Question.id, Question.kind, Question.spec_data)
            .join(QuizQuestion, QuizQuestion.question_id == Question.id)
            .where(QuizQuestion.quiz_id == quiz.id)
            .order_by(QuizQuestion.position)
        ).all()
    return [(q.id, len(q.spec_data.get("choices", ())) if QUESTION_TYPES[q.kind].has_options else 0) for q in chosen]


def _open_attempt(user: User, quiz: Quiz) -> Attempt | None:
    return db.session.execute(
        select(Attempt).where(Attempt.quiz_id == quiz.id, Attempt.user_id == user.id, Attempt.open_slot.is_(True))
    ).scalar_one_or_none()


def start_attempt(user: User, quiz: Quiz, now: datetime, *, rng: random.Random | None = None) -> tuple[Attempt, bool]:
    """Resume the learner's open attempt, or start a new one; returns (attempt, started_now).

    The questions drawn, their order, the option order and the deadline are fixed here, once.
    """
    enrolment_id = _learner_enrolment_id(user, quiz)
    attempts = attempts_of(user, quiz)  # one query gives both the open attempt and how many were used
    current = next((a for a in attempts if a.state == AttemptState.OPEN), None)
    if current is not None and not close_if_expired(current, now):
        return current, False
    used = len(attempts)
    check_can_start(
        now,
        opens_at=quiz.opens_at,
        closes_at=quiz.closes_at,
        attempts_allowed=quiz.attempts_allowed,
        attempts_used=used,
    )
    rng = rng or random.SystemRandom()
    pool = _question_pool(quiz, rng)
    if not pool:
        raise QuizHasNoQuestions()
    attempt = Attempt(
        quiz=quiz,
        user_id=user.id,
        enrolment_id=enrolment_id,
        number=used + 1,
        started_at=now,
        deadline=attempt_deadline(now, quiz.time_limit_minutes, quiz.closes_at),
        layout=build_layout(
            pool, shuffle_questions=quiz.shuffle_questions, shuffle_options=quiz.shuffle_options, rng=rng
        ),
    )
    try:
        # A second start racing this one (double click, two tabs) hits the unique constraints: resume theirs.
        with db.session.begin_nested():
            db.session.add(attempt)
    except IntegrityError:
        current = _open_attempt(user, quiz)
        if current is None:
            raise Conflict(_l("Another attempt was started at the same moment; open the quiz again.")) from None
        return current, False
    return attempt, True


def attempt_of(user: User, attempt_id: int, now: datetime, *, lock: bool = False) -> Attempt:
    """The learner's own attempt (NotFound for anyone else's); an expired open attempt is graded first."""
    stmt = select(Attempt).where(Attempt.id == attempt_id)
    if lock:
        # Serializes saves and submits of one attempt (PostgreSQL row lock; SQLite serializes writes anyway). The
        # quiz and its version come along (grading and the result read them), unlocked.
        stmt = (
            stmt.options(joinedload(Attempt.quiz).joinedload(Quiz.version))
            .with_for_update(of=Attempt)
            .execution_options(populate_existing=True)
        )
    attempt = db.session.execute(stmt).scalar_one_or_none()
    if attempt is None or attempt.user_id != user.id:
        raise NotFound()
    close_if_expired(attempt, now)
    return attempt


def _open_for_answers(user: User, attempt_id: int, now: datetime) -> Attempt:
    attempt = attempt_of(user, attempt_id, now, lock=True)
    if attempt.state != AttemptState.OPEN:
        if attempt.close_reason == CloseReason.EXPIRED:
            raise DeadlinePassed()
        raise AttemptClosed()
    return attempt


def _store_answer(attempt_id: int, question_id: int, response: Any, now: datetime):
    """Upsert one answer; returns the stored (response, saved_at) row."""
    values = {"attempt_id": attempt_id, "question_id": question_id, "response": response, "saved_at": now}
    return db.session.execute(_answer_upsert(), values).one()


_attempts, _questions = Attempt.__table__.c, Question.__table__.c
_ATTEMPT_AND_SPEC = (
    select(
        _attempts.user_id,
        _attempts.state,
        _attempts.close_reason,
        _attempts.deadline,
        _attempts.layout,
        select(_questions.spec_data).where(_questions.id == bindparam("question_id")).scalar_subquery().label("spec"),
    )
    .where(_attempts.id == bindparam("attempt_id"))
    .with_for_update()
)
"""The attempt's row, locked (serializes saves and submits of one attempt), and one question's spec; built once,
of table columns (no ORM work for a plain row)."""


@dataclass(frozen=True)
class SavedAnswer:
    """An answer as the database holds it after a save."""

    question_id: int
    response: Any
    saved_at: datetime


def save_answer(user: User, attempt_id: int, question_id: int, raw: Any, now: datetime) -> SavedAnswer:
    """Save (insert or replace) one answer of an open attempt; idempotent. Refused after the deadline.

    A cleared answer (nothing chosen or typed) is stored as not answered (response NULL). Returns the stored row.
    Two statements: learners save every few seconds, so this is the busiest path of a test.
    """
    row = db.session.execute(_ATTEMPT_AND_SPEC, {"attempt_id": attempt_id, "question_id": question_id}).one_or_none()
    if row is None or row.user_id != user.id:
        raise NotFound()
    if row.state != AttemptState.OPEN or is_late(now, row.deadline, _grace_seconds()):
        _open_for_answers(user, attempt_id, now)  # grades an expired attempt, raises the right error
    if not any(item["question_id"] == question_id for item in row.layout):
        raise NotFound()
    response = normalize_or_blank(QuestionSpec.from_data(row.spec), raw)
    stored = _store_answer(attempt_id, question_id, response, now)
    return SavedAnswer(question_id, stored.response, stored.saved_at)


def save_answers(user: User, attempt_id: int, raw_by_question: dict[int, Any], now: datetime) -> dict[int, str]:
    """Save several answers of one page (the no-JavaScript form). A response that cannot be read is reported in
    the returned {question id: message} and leaves that question's saved answer as it was; the others are saved."""
    attempt = _open_for_answers(user, attempt_id, now)
    unknown = set(raw_by_question) - set(attempt.question_ids)
    if unknown:
        raise NotFound()
    specs = _specs_of(list(raw_by_question))
    errors = {}
    for question_id, raw in raw_by_question.items():
        try:
            response = normalize_or_blank(specs[question_id], raw)
        except InvalidInput as error:
            errors[question_id] = str(error)
            continue
        _store_answer(attempt.id, question_id, response, now)
    return errors


_ANSWER_UPSERTS: dict[str, Any] = {}


def _answer_upsert():
    """INSERT ... ON CONFLICT (attempt, question) DO UPDATE ... RETURNING: one statement on PostgreSQL and SQLite
    alike, built once per dialect (building it costs more than running it)."""
    dialect = db.session.get_bind().dialect.name
    stmt = _ANSWER_UPSERTS.get(dialect)
    if stmt is None:
        if dialect == "postgresql":
            from sqlalchemy.dialects.postgresql import insert as dialect_insert
        else:
            from sqlalchemy.dialects.sqlite import insert as dialect_insert
        table = Answer.__table__
        stmt = dialect_insert(table)
        stmt = stmt.on_conflict_do_update(
            index_elements=[table.c.attempt_id, table.c.question_id],
            set_={"response": stmt.excluded.response, "saved_at": stmt.excluded.saved_at},
        ).returning(table.c.response, table.c.saved_at)
        _ANSWER_UPSERTS[dialect] = stmt
    return stmt


def submit_attempt(user: User, attempt_id: int, now: datetime) -> Attempt:
    """Grade the attempt with its saved answers. Submitting again (or twice at once) returns the same result."""
    attempt = attempt_of(user, attempt_id, now, lock=True)
    if attempt.state == AttemptState.OPEN:
        _grade(attempt, now, CloseReason.SUBMITTED)
    return attempt


def close_if_expired(attempt: Attempt, now: datetime) -> bool:
    """Grade an open attempt whose deadline has passed, as of its deadline; True when it was closed here."""
    if attempt.state == AttemptState.OPEN and is_late(now, attempt.deadline, _grace_seconds()):
        _grade(attempt, attempt.deadline, CloseReason.EXPIRED)
        return True
    return False


def close_expired_attempts(now: datetime, *, quiz_id: int | None = None) -> int:
    """Grade every open attempt past its deadline (optionally of one quiz); returns how many were graded."""
    stmt = select(Attempt).where(Attempt.state == AttemptState.OPEN, Attempt.deadline.is_not(None))
    if quiz_id is not None:
        stmt = stmt.where(Attempt.quiz_id == quiz_id)
    closed = 0
    for attempt in db.session.execute(stmt.with_for_update(skip_locked=True)).scalars():
        closed += close_if_expired(attempt, now)
    return closed


def _specs_of(question_ids: Sequence[int]) -> dict[int, QuestionSpec]:
    rows = db.session.execute(select(Question.id, Question.spec_data).where(Question.id.in_(question_ids)))
    return {question_id: QuestionSpec.from_data(data) for question_id, data in rows}


def _grade(attempt: Attempt, at: datetime, reason: CloseReason) -> None:
    """Grade with what was saved: a fixed number of statements whatever the number of questions."""
    question_ids = attempt.question_ids
    specs = _specs_of(question_ids)
    saved = {
        question_id: (answer_id, response)
        for answer_id, question_id, response in db.session.execute(
            select(Answer.id, Answer.question_id, Answer.response).where(Answer.attempt_id == attempt.id)
        )
    }
    fractions, changed, missing = [], [], []
    for question_id in question_ids:
        answer_id, response = saved.get(question_id, (None, None))
        fraction = grade_response(specs[question_id], response)
        fractions.append(fraction)
        if answer_id is None:
            missing.append({"attempt_id": attempt.id, "question_id": question_id, "fraction": fraction, "saved_at": at})
        else:
            changed.append({"answer_id": answer_id, "new_fraction": fraction})
    table = Answer.__table__
    if changed:
        db.session.execute(
            update(table).where(table.c.id == bindparam("answer_id")).values(fraction=bindparam("new_fraction")),
            changed,
        )
    if missing:
        db.session.execute(insert(table), missing)
    attempt.points, attempt.score = attempt_score(fractions, len(question_ids))
    attempt.state = AttemptState.GRADED
    attempt.open_slot = None
    attempt.close_reason = reason
    attempt.submitted_at = at
    db.session.flush()
    if _can_meet_a_requirement(attempt):
        progress_changed(attempt.enrolment)


def _can_meet_a_requirement(attempt: Attempt) -> bool:
    """Whether this graded attempt can have met a certificate requirement (see quiz_requirements): only the
    post-test counts, only where the course requires it, and a grade (highest, last, first or average of the
    attempts) newly reaches the pass mark only through an attempt that reaches it. Skipping the others spares
    every failed or informational attempt the whole eligibility computation of the progress listeners."""
    quiz = attempt.quiz
    return (
        quiz.kind == QuizKind.POST_TEST
        and quiz.version.require_post_test
        and attempt.score is not None
        and attempt.score >= quiz.effective_pass_mark
    )


# --- showing questions and reviews ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class ShownQuestion:
    """One question of an attempt as the learner sees it."""

    number: int
    question_id: int
    spec: QuestionSpec
    type: QuestionType
    options: list[ShownOption]
    response: Any
    fraction: Decimal | None = None
    feedback: list[str] = field(default_factory=list)
    right_answers: list[str] = field(default_factory=list)

    @property
    def answered(self) -> bool:
        return self.response is not None

    @property
    def chosen(self) -> set[int]:
        if self.response is None or not self.type.has_options:
            return set()
        return set(self.response) if isinstance(self.response, list) else {self.response}


def shown_questions(attempt: Attempt) -> list[ShownQuestion]:
    """Every question of the attempt in its frozen order, with saved responses: two queries for any length."""
    specs = _specs_of(attempt.question_ids)
    answers = {
        answer.question_id: answer
        for answer in db.session.execute(
            select(Answer.question_id, Answer.response, Answer.fraction).where(Answer.attempt_id == attempt.id)
        )
    }
    shown = []
    for number, item in enumerate(attempt.layout, start=1):
        spec = specs[item["question_id"]]
        answer = answers.get(item["question_id"])
        shown.append(
            ShownQuestion(
                number=number,
                question_id=item["question_id"],
                spec=spec,
                type=type_of(spec),
                options=[ShownOption(i, spec.choices[i].text) for i in item["order"]],
                response=answer.response if answer else None,
                fraction=answer.fraction if answer else None,
            )
        )
    return shown


@dataclass(frozen=True)
class AttemptReview:
    attempt: Attempt
    score: Decimal | None
    passed: bool | None
    pass_mark: int
    shows_responses: bool
    shows_feedback: bool
    questions: list[ShownQuestion]


def review_of(attempt: Attempt, now: datetime) -> AttemptReview:
    """What the learner may see of a graded attempt now, following the quiz's review options."""
    quiz = attempt.quiz
    visibility = review_visibility(now, quiz.review_shows, quiz.review_when, quiz.closes_at)
    questions = []
    if visibility.responses:
        for shown in shown_questions(attempt):
            questions.append(
                replace(
                    shown,
                    right_answers=shown.type.right_answers(shown.spec),
                    feedback=(
                        shown.type.answer_feedback(shown.spec, shown.response)
                        + ([shown.spec.general_feedback] if shown.spec.general_feedback else [])
                    )
                    if visibility.feedback
                    else [],
                )
            )
    pass_mark = quiz.effective_pass_mark
    return AttemptReview(
        attempt=attempt,
        score=attempt.score,
        passed=None if attempt.score is None else attempt.score >= pass_mark,
        pass_mark=pass_mark,
        shows_responses=visibility.responses,
        shows_feedback=visibility.feedback,
        questions=questions,
    )


# --- requirements shown on the enrolment page and checked for the certificate ---------------------------------------


def _quiz_url(quiz: Quiz) -> str | None:
    return url_for("quizzes.quiz", quiz_id=quiz.id) if has_request_context() else None


_REQUIREMENT_KINDS = (QuizKind.PRE_TEST, QuizKind.POST_TEST)


@dataclass
class _PrefetchedRequirements:
    """Quizzes by version and graded scores by enrolment, read for many enrolments at once."""

    enrolment_ids: set[int]
    quizzes: dict[int, dict[str, Quiz]]
    scores: dict[tuple[int, int], list[Decimal]]


_prefetched_requirements: ContextVar[_PrefetchedRequirements | None] = ContextVar(
    "quiz_requirements_prefetched", default=None
)
PREFETCH_CHUNK = 1000


def _requirement_quizzes(version_ids: Sequence[int]) -> dict[int, dict[str, Quiz]]:
    """{version id: {kind: quiz}} of the pre- and post-tests (the lowest id when there were ever two)."""
    found: dict[int, dict[str, Quiz]] = {version_id: {} for version_id in version_ids}
    for quiz in db.session.execute(
        select(Quiz)
        .where(Quiz.version_id.in_(list(version_ids)), Quiz.kind.in_(_REQUIREMENT_KINDS))
        .order_by(Quiz.id.desc())
    ).scalars():
        found[quiz.version_id][quiz.kind] = quiz
    return found


def _graded_scores(enrolment_ids: Sequence[int], quiz_ids: Sequence[int]) -> dict[tuple[int, int], list[Decimal]]:
    """{(enrolment id, quiz id): scores of the graded attempts in attempt order}."""
    scores: dict[tuple[int, int], list[Decimal]] = {}
    if not quiz_ids:
        return scores
    for start in range(0, len(enrolment_ids), PREFETCH_CHUNK):
        for enrolment_id, quiz_id, score in db.session.execute(
            select(Attempt.enrolment_id, Attempt.quiz_id, Attempt.score)
            .where(
                Attempt.enrolment_id.in_(list(enrolment_ids[start : start + PREFETCH_CHUNK])),
                Attempt.quiz_id.in_(list(quiz_ids)),
                Attempt.state == AttemptState.GRADED,
            )
            .order_by(Attempt.number)
        ):
            scores.setdefault((enrolment_id, quiz_id), []).append(score)
    return scores


@contextmanager
def quiz_requirements_prefetched(enrolments: Sequence[Enrolment]) -> Iterator[None]:
    """Within the block, quiz_requirements answers for these enrolments from two queries in all instead of two
    each (bulk certificate issuance decides the eligibility of thousands at once). Nothing may grade attempts of
    these enrolments inside the block."""
    ids = [e.id for e in enrolments]
    quizzes = _requirement_quizzes(sorted({e.cohort.version_id for e in enrolments}))
    quiz_ids = sorted({quiz.id for by_kind in quizzes.values() for quiz in by_kind.values()})
    marker = _prefetched_requirements.set(_PrefetchedRequirements(set(ids), quizzes, _graded_scores(ids, quiz_ids)))
    try:
        yield
    finally:
        _prefetched_requirements.reset(marker)


def quiz_requirements(enrolment: Enrolment) -> list[Requirement]:
    """Pre-test score (information) and post-test result (a rule when the course asks for it)."""
    version = enrolment.cohort.version
    prefetched = _prefetched_requirements.get()
    if prefetched is not None and enrolment.id in prefetched.enrolment_ids:
        quizzes = prefetched.quizzes[version.id]
        scores = {quiz.id: prefetched.scores.get((enrolment.id, quiz.id), []) for quiz in quizzes.values()}
    else:
        quizzes = _requirement_quizzes([version.id])[version.id]
        found = _graded_scores([enrolment.id], [quiz.id for quiz in quizzes.values()])
        scores = {quiz.id: found.get((enrolment.id, quiz.id), []) for quiz in quizzes.values()}
    if not quizzes:
        return []
    requirements = []
    pre = quizzes.get(QuizKind.PRE_TEST)
    if pre is not None:
        grade = quiz_grade(scores[pre.id], pre.grading_method)
        detail = _l("Not taken yet.") if grade is None else _l("Score %(score)s.", score=_percent(grade))
        requirements.append(Requirement("pre_test", str(_l("Pre-test")), None, str(detail), _quiz_url(pre)))
    post = quizzes.get(QuizKind.POST_TEST)
    if post is not None:
        grade = quiz_grade(scores[post.id], post.grading_method)
        pass_mark = post.effective_pass_mark
        if grade is None:
            detail = _l("Post-test not taken yet (pass mark %(pass_mark)d).", pass_mark=pass_mark)
        else:
            detail = _l(
                "Post-test score %(score)s (pass mark %(pass_mark)d).", score=_percent(grade), pass_mark=pass_mark
            )
        met = (grade is not None and grade >= pass_mark) if version.require_post_test else None
        requirements.append(Requirement("post_test", str(_l("Post-test")), met, str(detail), _quiz_url(post)))
    return requirements


def _percent(value: Decimal) -> str:
    """80.00 → "80", 66.67 → "66.67"."""
    text = format(value.normalize(), "f")
    return text


register_requirement_provider(quiz_requirements, order=20)
