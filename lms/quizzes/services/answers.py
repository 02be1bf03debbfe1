"""Saving the learner's answers to an open attempt."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from flask_babel import lazy_gettext as _l
from sqlalchemy import bindparam, select

from lms.accounts.models import User
from lms.core.database import rows_in_transaction
from lms.core.errors import Conflict, InvalidInput, NotFound
from lms.extensions import db
from lms.quizzes.models import Answer, Attempt, AttemptState, CloseReason, Question
from lms.quizzes.services.attempts import attempt_of
from lms.quizzes.services.closing import _grace_seconds, _specs_of, forget_answers
from lms.quizzes.spec import QuestionSpec
from lms.quizzes.timing import DeadlinePassed, is_late
from lms.quizzes.types import normalize_or_blank


class AttemptClosed(Conflict):
    code = "attempt_closed"

    def default_message(self):
        return _l("This attempt is already submitted; its answers can no longer change.")


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
    forget_answers(attempt_id)
    (stored,) = rows_in_transaction(_answer_upsert(), values)
    return stored


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
of table columns, run through `rows_in_transaction` (no ORM work for a plain row)."""


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
    rows = rows_in_transaction(_ATTEMPT_AND_SPEC, {"attempt_id": attempt_id, "question_id": question_id})
    if not rows or rows[0][0] != user.id:
        raise NotFound()
    _user_id, state, _close_reason, deadline, layout, spec = rows[0]
    if state != AttemptState.OPEN or is_late(now, deadline, _grace_seconds()):
        _open_for_answers(user, attempt_id, now)  # grades an expired attempt, raises the right error
    if not any(item["question_id"] == question_id for item in layout):
        raise NotFound()
    response = normalize_or_blank(QuestionSpec.from_data(spec), raw)
    stored_response, saved_at = _store_answer(attempt_id, question_id, response, now)
    return SavedAnswer(question_id, stored_response, saved_at)


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
