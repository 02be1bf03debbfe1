"""Closing attempts: grading with the saved answers when submitted or once past the deadline."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from decimal import Decimal
from typing import Any

from flask import current_app
from sqlalchemy import Integer, String, any_, bindparam, cast, event, func, select, update
from sqlalchemy.dialects import postgresql
from sqlalchemy.orm import Session, joinedload, lazyload
from sqlalchemy.orm.attributes import set_committed_value

from lms.core.database import dialect_insert, rows_in_transaction
from lms.core.lru import LruCache
from lms.courses.models import Cohort, Enrolment
from lms.courses.requirements import progress_changed
from lms.extensions import db
from lms.quizzes.grading import attempt_score
from lms.quizzes.models import Answer, Attempt, AttemptState, CloseReason, Question, QuizKind
from lms.quizzes.spec import QuestionSpec
from lms.quizzes.timing import is_late
from lms.quizzes.types import grade_response


def _grace_seconds() -> int:
    return int(current_app.config.get("QUIZ_ANSWER_GRACE_SECONDS", 0))


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


# What one transaction has read or written already, so that the body a start or a submit answers with does not read
# it again: the questions' specs (a start has just read them to draw the attempt, a submit to grade it) and an
# attempt's answers (none for an attempt just started; for one just graded, what the grading stored). Forgotten when
# the transaction ends, specs when a question is flushed, an attempt's answers when one of them is saved.
FRACTION_STEP = Decimal(1).scaleb(-Answer.__table__.c.fraction.type.scale)
SPECS_KEY = "quizzes.specs"
ANSWERS_KEY = "quizzes.answers"


def remember_specs(specs: dict[int, QuestionSpec]) -> None:
    db.session.info.setdefault(SPECS_KEY, {}).update(specs)


def remember_answers(attempt_id: int, answers: dict[int, tuple[Any, Decimal | None]]) -> None:
    """{question id: (response, fraction)} of every stored answer of the attempt."""
    db.session.info.setdefault(ANSWERS_KEY, {})[attempt_id] = answers


def remembered_answers(attempt_id: int) -> dict[int, tuple[Any, Decimal | None]] | None:
    return db.session.info.get(ANSWERS_KEY, {}).get(attempt_id)


def forget_answers(attempt_id: int) -> None:
    db.session.info.get(ANSWERS_KEY, {}).pop(attempt_id, None)


@event.listens_for(Session, "before_flush")
def _forget_edited_specs(session: Session, flush_context, instances) -> None:
    if SPECS_KEY in session.info and any(isinstance(o, Question) for o in (*session.dirty, *session.new)):
        session.info.pop(SPECS_KEY)


@event.listens_for(Session, "after_transaction_end")
def _forget_at_transaction_end(session: Session, transaction) -> None:
    if transaction.parent is None:
        session.info.pop(SPECS_KEY, None)
        session.info.pop(ANSWERS_KEY, None)


def _specs_of(question_ids: Sequence[int]) -> dict[int, QuestionSpec]:
    known = db.session.info.get(SPECS_KEY, {})
    specs = {question_id: known[question_id] for question_id in question_ids if question_id in known}
    missing = [question_id for question_id in question_ids if question_id not in specs]
    if missing:
        rows = db.session.execute(select(Question.id, Question.spec_data).where(Question.id.in_(missing)))
        read = {question_id: QuestionSpec.from_data(data) for question_id, data in rows}
        remember_specs(read)
        specs.update(read)
    return specs


_questions, _answers, _attempts = Question.__table__.c, Answer.__table__.c, Attempt.__table__.c


def _questions_and_answers(question_ids):
    return (
        select(_questions.id, _questions.updated_at, _answers.id, _answers.response)
        .select_from(Question.__table__)
        .outerjoin(
            Answer.__table__,
            (_answers.question_id == _questions.id) & (_answers.attempt_id == bindparam("attempt_id")),
        )
        .where(question_ids)
    )


def _pg_array(name: str, item_type: Any) -> Any:
    """A PostgreSQL array parameter sent as the array's text ('{1,2,3}', from `_pg_array_text`), cast by the server:
    psycopg turns a list into an array element by element in Python, which cost more than the rest of sending."""
    return cast(bindparam(name, type_=String()), postgresql.ARRAY(item_type))


def _pg_array_text(values: Sequence[int | Decimal]) -> str:
    """The text form of a PostgreSQL array of numbers (integers or decimals, which need no quoting)."""
    return "{" + ",".join(map(str, values)) + "}"


_QUESTIONS_AND_ANSWERS = {
    # One array parameter on PostgreSQL: an IN list of parameters is rendered anew for every execution.
    "postgresql": _questions_and_answers(_questions.id == any_(_pg_array("question_ids", Integer()))),
    "other": _questions_and_answers(_questions.id.in_(bindparam("question_ids", expanding=True))),
}
"""The attempt's questions, each with when it was last changed, and the learner's saved answer: one statement."""

_graded_specs: LruCache[tuple[int, datetime], QuestionSpec] = LruCache(4096)
"""Specs by (question id, updated_at), kept per process: every submit of a quiz grades the same twenty questions, and
a question changed in place (one nobody has answered yet) has a new updated_at, so it is never graded by an old
spec."""


def _specs_as_of(changed_at: dict[int, datetime]) -> dict[int, QuestionSpec]:
    """The specs of the questions {id: updated_at}: what this transaction read, what the process keeps for that
    exact version of the question, and the rest read (one statement)."""
    known = db.session.info.get(SPECS_KEY, {})
    specs, missing = {}, []
    kept = _graded_specs.get_many(changed_at.items())  # the keys: (question id, updated_at)
    for question_id, spec in zip(changed_at, kept, strict=True):
        spec = known.get(question_id) or spec
        if spec is None:
            missing.append(question_id)
        else:
            specs[question_id] = spec
    if missing:
        rows = db.session.execute(
            select(Question.id, Question.updated_at, Question.spec_data).where(Question.id.in_(missing))
        )
        for question_id, updated_at, data in rows:
            specs[question_id] = spec = QuestionSpec.from_data(data)
            _graded_specs.put((question_id, updated_at), spec)
    remember_specs(specs)  # the review of the result shows them
    return specs


_CLOSE_ATTEMPT = update(Attempt.__table__).where(_attempts.id == bindparam("closed_attempt_id"))
"""Sets the columns named by the parameters (built once: building the UPDATE per submit cost more than running it)."""

_CLOSED_COLUMNS = ("points", "score", "state", "open_slot", "close_reason", "submitted_at")
_GRADE_AND_CLOSE: list[Any] = []


def _grade_and_close_statement() -> Any:
    """PostgreSQL: the grades' upsert and the attempt's close in one statement (the upsert a data-modifying WITH
    that the UPDATE carries), one round trip; the attempt's new values are the parameters `closed_<column>`. Built
    once, on first use."""
    if not _GRADE_AND_CLOSE:
        _GRADE_AND_CLOSE.append(
            _CLOSE_ATTEMPT.values(
                {name: bindparam(f"closed_{name}", type_=_attempts[name].type) for name in _CLOSED_COLUMNS}
            ).add_cte(_grades_upsert("postgresql").cte("graded"))
        )
    return _GRADE_AND_CLOSE[0]


_GRADES_UPSERTS: dict[str, Any] = {}
_GRADE_COLUMNS = ["attempt_id", "question_id", "fraction", "saved_at"]


def _grades_upsert(dialect: str):
    """Every question's fraction in one statement: a saved answer gets it, an unanswered question gets a row of its
    own (response NULL). Built once per dialect. On PostgreSQL the rows come from two arrays (unnest), sent as four
    parameters: psycopg sends a statement run with many rows once per row, which cost more CPU in the app and the
    server than the rest of the grading. Elsewhere it runs with a row per question."""
    statement = _GRADES_UPSERTS.get(dialect)
    if statement is None:
        upsert = dialect_insert(db.session, Answer.__table__)
        if dialect == "postgresql":
            graded = (
                func.unnest(_pg_array("question_ids", Integer()), _pg_array("fractions", _answers.fraction.type))
                .table_valued("question_id", "fraction")
                .render_derived()
            )
            upsert = upsert.from_select(
                _GRADE_COLUMNS,
                select(
                    bindparam("attempt_id", type_=Integer),
                    graded.c.question_id,
                    graded.c.fraction,
                    bindparam("saved_at", type_=_answers.saved_at.type),
                ),
            )
        statement = upsert.on_conflict_do_update(
            index_elements=[_answers.attempt_id, _answers.question_id], set_={"fraction": upsert.excluded.fraction}
        )
        _GRADES_UPSERTS[dialect] = statement
    return statement


def _store_grades_and_close(
    dialect: str, attempt_id: int, question_ids: list[int], fractions: list[Decimal], at: datetime, closed: dict
) -> None:
    if dialect == "postgresql":
        parameters = {
            "attempt_id": attempt_id,
            "question_ids": _pg_array_text(question_ids),
            "fractions": _pg_array_text(fractions),
            "saved_at": at,
            "closed_attempt_id": attempt_id,
        }
        parameters.update((f"closed_{name}", value) for name, value in closed.items())
        rows_in_transaction(_grade_and_close_statement(), parameters)
        return
    rows = [
        {"attempt_id": attempt_id, "question_id": question_id, "fraction": fraction, "saved_at": at}
        for question_id, fraction in zip(question_ids, fractions, strict=True)
    ]
    db.session.execute(_grades_upsert(dialect), rows)
    db.session.execute(_CLOSE_ATTEMPT, closed | {"closed_attempt_id": attempt_id})


def _grade(attempt: Attempt, at: datetime, reason: CloseReason) -> None:
    """Grade with what was saved: a fixed number of statements whatever the number of questions."""
    question_ids = attempt.question_ids
    dialect = db.session.get_bind().dialect.name
    changed_at, saved = {}, {}
    on_postgresql = dialect == "postgresql"
    for question_id, updated_at, answer_id, response in rows_in_transaction(
        _QUESTIONS_AND_ANSWERS["postgresql" if on_postgresql else "other"],
        {"attempt_id": attempt.id, "question_ids": _pg_array_text(question_ids) if on_postgresql else question_ids},
    ):
        changed_at[question_id] = updated_at
        if answer_id is not None:
            saved[question_id] = response
    specs = _specs_as_of(changed_at)
    fractions, graded = [], {}
    for question_id in question_ids:
        response = saved.get(question_id)
        fraction = grade_response(specs[question_id], response)
        fractions.append(fraction)
        graded[question_id] = (response, fraction.quantize(FRACTION_STEP))  # as the column gives it back
    points, score = attempt_score(fractions, len(question_ids))
    closed = {
        "points": points,
        "score": score,
        "state": AttemptState.GRADED,
        "open_slot": None,
        "close_reason": reason,
        "submitted_at": at,
    }
    # Core statements and the values set as stored: the unit of work's flush cost more than the rest of the grading.
    _store_grades_and_close(dialect, attempt.id, question_ids, fractions, at, closed)
    remember_answers(attempt.id, graded)
    for name, value in closed.items():
        set_committed_value(attempt, name, value)
    if _can_meet_a_requirement(attempt):
        progress_changed(_enrolment_of(attempt))


_ENROLMENT_STATEMENTS: list[Any] = []


def _enrolment_of(attempt: Attempt) -> Enrolment:
    """The attempt's enrolment with its cohort and its lessons done (the lesson rule reads them) in one statement,
    without the learner and the course version the enrolment would join again: the learner is the session's already
    (the request's user, or the one whose attempt expired) and the version is the quiz's (a cohort of the quiz's
    version runs it), so reading them later finds them in the session (a lazy many-to-one load looks in the identity
    map first) or reads them then. The cohort comes as an entity of the row rather than a joined eager load (the ORM
    set up an eager load's row processing anew each time). The statement is built once, on first use."""
    key = Enrolment.__mapper__.identity_key_from_primary_key((attempt.enrolment_id,))
    enrolment = db.session.identity_map.get(key)
    if enrolment is None:
        if not _ENROLMENT_STATEMENTS:
            _ENROLMENT_STATEMENTS.append(
                select(Enrolment, Cohort)
                .join(Cohort, Cohort.id == Enrolment.cohort_id)
                .options(
                    lazyload(Enrolment.user),
                    lazyload(Enrolment.cohort),
                    lazyload(Cohort.version),
                    joinedload(Enrolment.completions),
                )
                .where(Enrolment.id == bindparam("enrolment_id"))
            )
        enrolment, cohort = (
            db.session.execute(_ENROLMENT_STATEMENTS[0], {"enrolment_id": attempt.enrolment_id}).unique().one()
        )
        set_committed_value(enrolment, "cohort", cohort)
    set_committed_value(attempt, "enrolment", enrolment)
    return enrolment


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
