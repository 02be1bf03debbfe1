"""The learner's attempts: enrolment check, standing in a quiz, starting or resuming, opening and submitting."""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any

from flask_babel import lazy_gettext as _l
from sqlalchemy import bindparam, func, select

from lms.accounts.models import User
from lms.core.database import dialect_insert, rows_in_transaction
from lms.core.errors import Conflict, NotFound
from lms.core.session_objects import loaded_object, mapped_columns
from lms.courses.models import Cohort, CourseVersion, Enrolment, EnrolmentStatus
from lms.extensions import db
from lms.quizzes.grading import build_layout, draw_questions, quiz_grade
from lms.quizzes.models import Attempt, AttemptState, CloseReason, Question, QuestionSelection, Quiz, QuizQuestion
from lms.quizzes.services.bank import bank_questions
from lms.quizzes.services.closing import _grade, _specs_as_of, close_if_expired, remember_answers
from lms.quizzes.timing import attempt_deadline, attempts_left, check_can_start
from lms.quizzes.types import QUESTION_TYPES


class QuizHasNoQuestions(Conflict):
    code = "no_questions"

    def default_message(self):
        return _l("This quiz has no questions yet.")


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


def random_candidates(quiz: Quiz) -> list[Question]:
    """The bank questions a random-selection quiz draws from (its categories, or below them, and its tags)."""
    candidates = bank_questions(quiz.version.course)
    if quiz.draw_categories:
        candidates = [
            q
            for q in candidates
            if any(q.category == c or q.category.startswith(c + "/") for c in quiz.draw_categories)
        ]
    if quiz.draw_tags:
        candidates = [q for q in candidates if set(q.tags) & set(quiz.draw_tags)]
    return candidates


_FIXED_QUESTIONS = (
    select(Question.id, Question.updated_at)
    .join(QuizQuestion, QuizQuestion.question_id == Question.id)
    .where(QuizQuestion.quiz_id == bindparam("quiz_id"))
    .order_by(QuizQuestion.position)
)
"""A fixed-selection quiz's questions in its order, with when each was last changed; built once."""


def _question_pool(quiz: Quiz, rng: random.Random) -> list[tuple[int, int]]:
    """(question id, option count) of the questions a new attempt gets, in the quiz's order."""
    if quiz.selection == QuestionSelection.RANDOM:
        by_id = {q.id: q for q in random_candidates(quiz)}
        chosen = [
            (question_id, by_id[question_id].spec)
            for question_id in draw_questions(list(by_id), quiz.draw_count or 0, rng)
        ]
    else:
        # Ids and versions, not whole questions: every learner's start runs this, and the specs of those exact
        # versions are kept per process (read once per process and question version; the body shows them).
        changed_at = dict(rows_in_transaction(_FIXED_QUESTIONS, {"quiz_id": quiz.id}))
        specs = _specs_as_of(changed_at)
        chosen = [(question_id, specs[question_id]) for question_id in changed_at]
    return [
        (question_id, len(spec.choices) if QUESTION_TYPES[spec.kind].has_options else 0) for question_id, spec in chosen
    ]


def _open_attempt(user: User, quiz: Quiz) -> Attempt | None:
    return db.session.execute(
        select(Attempt).where(Attempt.quiz_id == quiz.id, Attempt.user_id == user.id, Attempt.open_slot.is_(True))
    ).scalar_one_or_none()


def _standing_columns(quiz_id: Any, version_id: Any) -> tuple[Any, ...]:
    """The learner's (parameter `user_id`) enrolment in a cohort of the course version (as learner_enrolment finds
    it), how many attempts they have used and their open attempt's id, as three columns."""
    of_learner = (Attempt.quiz_id == quiz_id) & (Attempt.user_id == bindparam("user_id"))
    enrolment = (
        select(Enrolment.id)
        .join(Cohort, Cohort.id == Enrolment.cohort_id)
        .where(
            Enrolment.user_id == bindparam("user_id"),
            Enrolment.status == EnrolmentStatus.ACTIVE,
            Cohort.version_id == version_id,
        )
        .order_by(Enrolment.id.desc())
        .limit(1)
    )
    return (
        enrolment.scalar_subquery().label("enrolment_id"),
        select(func.count(Attempt.id)).where(of_learner).scalar_subquery().label("used"),
        select(Attempt.id).where(of_learner, Attempt.open_slot.is_(True)).scalar_subquery().label("open_attempt_id"),
    )


_STANDING = select(*_standing_columns(bindparam("quiz_id"), bindparam("version_id")))
"""What starting needs to know of the learner, in one row; built once."""

_quizzes = Quiz.__table__.c
_QUIZ_COLUMNS = mapped_columns(Quiz)
_QUIZ_AND_STANDING = select(
    *(column for column, _name in _QUIZ_COLUMNS), *_standing_columns(_quizzes.id, _quizzes.version_id)
).where(_quizzes.id == bindparam("quiz_id"))
"""The quiz's columns (parameter `quiz_id`) and the learner's standing in it, in one row; built once, of table
columns, run through `rows_in_transaction` and made into the session's Quiz (the ORM's loading of an entity cost
more than the statement)."""

_NEW_ATTEMPT_COLUMNS = tuple(name for _column, name in mapped_columns(Attempt) if name != "id")
_INSERT_ATTEMPTS: dict[str, Any] = {}


def _insert_attempt() -> Any:
    """INSERT ... ON CONFLICT DO NOTHING RETURNING id, built once per dialect: no id when another attempt holds the
    number or the open slot (a second start racing this one), without the savepoint an IntegrityError needed."""
    dialect = db.session.get_bind().dialect.name
    statement = _INSERT_ATTEMPTS.get(dialect)
    if statement is None:
        table = Attempt.__table__
        statement = _INSERT_ATTEMPTS[dialect] = (
            dialect_insert(db.session, table)
            .values({name: bindparam(name, type_=table.c[name].type) for name in _NEW_ATTEMPT_COLUMNS})
            .on_conflict_do_nothing()
            .returning(table.c.id)
        )
    return statement


def start_attempt(user: User, quiz: Quiz, now: datetime, *, rng: random.Random | None = None) -> tuple[Attempt, bool]:
    """Resume the learner's open attempt, or start a new one; returns (attempt, started_now).

    The questions drawn, their order, the option order and the deadline are fixed here, once.
    """
    standing = db.session.execute(
        _STANDING, {"user_id": user.id, "quiz_id": quiz.id, "version_id": quiz.version_id}
    ).one()
    return _start(user, quiz, *standing, now, rng)


def start_attempt_by_id(
    user: User, quiz_id: int, now: datetime, *, rng: random.Random | None = None
) -> tuple[Attempt, bool]:
    """start_attempt for a quiz known by its id (NotFound for none), the quiz read with the learner's standing: one
    statement for the two (the API's start)."""
    rows = rows_in_transaction(_QUIZ_AND_STANDING, {"user_id": user.id, "quiz_id": quiz_id})
    if not rows:
        raise NotFound()
    width = len(_QUIZ_COLUMNS)
    quiz = loaded_object(Quiz, zip((name for _column, name in _QUIZ_COLUMNS), rows[0][:width], strict=True))
    return _start(user, quiz, *rows[0][width:], now, rng)


def _start(
    user: User,
    quiz: Quiz,
    enrolment_id: int | None,
    used: int,
    open_attempt_id: int | None,
    now: datetime,
    rng: random.Random | None,
) -> tuple[Attempt, bool]:
    if enrolment_id is None:
        raise _not_enrolled()
    if open_attempt_id is not None:
        current = db.session.get(Attempt, open_attempt_id)
        if current is not None and not close_if_expired(current, now):
            return current, False
    check_can_start(
        now,
        opens_at=quiz.opens_at,
        closes_at=quiz.closes_at,
        attempts_allowed=quiz.attempts_allowed,
        attempts_used=used,
    )
    # A generator of its own, seeded from the system's randomness: as unpredictable as the system's generator for
    # the few dozen draws of a shuffle, at a third of the calls.
    rng = rng or random.Random()
    pool = _question_pool(quiz, rng)
    if not pool:
        raise QuizHasNoQuestions()
    values = {
        "quiz_id": quiz.id,
        "user_id": user.id,
        "enrolment_id": enrolment_id,
        "number": used + 1,
        "state": AttemptState.OPEN,
        "open_slot": True,
        "started_at": now,
        "deadline": attempt_deadline(now, quiz.time_limit_minutes, quiz.closes_at),
        "submitted_at": None,
        "close_reason": None,
        "layout": build_layout(
            pool, shuffle_questions=quiz.shuffle_questions, shuffle_options=quiz.shuffle_options, rng=rng
        ),
        "points": None,
        "score": None,
    }
    inserted = rows_in_transaction(_insert_attempt(), values)
    if not inserted:
        # A second start racing this one (double click, two tabs) took the open slot or the number: resume theirs.
        current = _open_attempt(user, quiz)
        if current is None:
            raise Conflict(_l("Another attempt was started at the same moment; open the quiz again."))
        return current, False
    # The new row as the session's object, as if loaded (a Core insert: the unit of work's flush of one object cost
    # more than the rest of a start).
    attempt = loaded_object(Attempt, {"id": inserted[0][0], **values}.items(), known={"quiz": quiz})
    remember_answers(attempt.id, {})  # nothing answered yet
    return attempt, True


_ATTEMPT_BY_ID: list[Any] = []


def _attempt_statement() -> Any:
    """The attempt by the parameter `attempt_id`, built once (on first use, once the mappers are set up)."""
    if not _ATTEMPT_BY_ID:
        _ATTEMPT_BY_ID.append(select(Attempt).where(Attempt.id == bindparam("attempt_id")))
    return _ATTEMPT_BY_ID[0]


_LOCKED_MODELS = (Attempt, Quiz, CourseVersion)
_LOCKED_ATTEMPT: list[Any] = []


def _locked_attempt_statement() -> Any:
    """The attempt's row by the parameter `attempt_id`, locked (serializes saves and submits of one attempt: a
    PostgreSQL row lock; SQLite serializes writes anyway), with its quiz's and the quiz's version's, unlocked: every
    column of the three tables, in `_LOCKED_MODELS`' order. Built once, of table columns: grading and the result read
    the quiz and its version, and the ORM's loading of the three entities (and of their row) cost more than the rest
    of a submit's reads."""
    if not _LOCKED_ATTEMPT:
        attempts, quizzes, versions = (model.__table__ for model in _LOCKED_MODELS)
        _LOCKED_ATTEMPT.append(
            select(*(column for model in _LOCKED_MODELS for column, _name in mapped_columns(model)))
            .join_from(attempts, quizzes, quizzes.c.id == attempts.c.quiz_id)
            .join(versions, versions.c.id == quizzes.c.version_id)
            .where(attempts.c.id == bindparam("attempt_id"))
            .with_for_update(of=attempts)
        )
    return _LOCKED_ATTEMPT[0]


def _locked_attempt(attempt_id: int) -> Attempt | None:
    """The attempt, locked, with its quiz and the quiz's version set as loaded; objects the session held already
    get the values read under the lock (as a query with populate_existing would set them)."""
    rows = rows_in_transaction(_locked_attempt_statement(), {"attempt_id": attempt_id})
    if not rows:
        return None
    values = iter(rows[0])
    attempt_values, quiz_values, version_values = (
        [(name, next(values)) for _column, name in mapped_columns(model)] for model in _LOCKED_MODELS
    )
    version = loaded_object(CourseVersion, version_values, refresh=True)
    quiz = loaded_object(Quiz, quiz_values, known={"version": version}, refresh=True)
    return loaded_object(Attempt, attempt_values, known={"quiz": quiz}, refresh=True)


def attempt_of(user: User, attempt_id: int, now: datetime, *, lock: bool = False) -> Attempt:
    """The learner's own attempt (NotFound for anyone else's); an expired open attempt is graded first."""
    if lock:
        attempt = _locked_attempt(attempt_id)
    else:
        attempt = db.session.execute(_attempt_statement(), {"attempt_id": attempt_id}).scalar_one_or_none()
    if attempt is None or attempt.user_id != user.id:
        raise NotFound()
    close_if_expired(attempt, now)
    return attempt


def submit_attempt(user: User, attempt_id: int, now: datetime) -> Attempt:
    """Grade the attempt with its saved answers. Submitting again (or twice at once) returns the same result."""
    attempt = attempt_of(user, attempt_id, now, lock=True)
    if attempt.state == AttemptState.OPEN:
        _grade(attempt, now, CloseReason.SUBMITTED)
    return attempt
