"""/api/v1 endpoints of the quizzes feature: a learner's quiz, attempts, answers saved one by one, submit."""

from __future__ import annotations

from flask import jsonify
from flask_login import current_user
from flask_smorest import Blueprint
from marshmallow import Schema, fields

from lms.core.api import BEARER, computed, number_of, token_required
from lms.core.models import utcnow
from lms.extensions import db
from lms.quizzes import services
from lms.quizzes.text import question_html
from lms.quizzes.timing import DeadlinePassed, seconds_left

blp = Blueprint("quizzes_api", __name__, description="Quizzes: taking them and saving answers")


class AttemptSummarySchema(Schema):
    id = fields.Integer()
    number = fields.Integer()
    state = fields.String(metadata={"description": "open or graded"})
    started_at = fields.DateTime()
    deadline = fields.DateTime(allow_none=True)
    submitted_at = fields.DateTime(allow_none=True)
    close_reason = fields.String(allow_none=True, metadata={"description": "submitted or expired"})
    score = fields.Float(allow_none=True, metadata={"description": "percent, once graded"})


class QuizSchema(Schema):
    id = fields.Integer(attribute="quiz.id")
    kind = fields.String(attribute="quiz.kind", metadata={"description": "pre_test, subject_quiz or post_test"})
    title = fields.String(attribute="quiz.title")
    question_count = computed(
        "integer", lambda s: s.quiz.draw_count if s.quiz.selection == "random" else len(s.quiz.quiz_questions)
    )
    layout = fields.String(attribute="quiz.layout")
    opens_at = fields.DateTime(attribute="quiz.opens_at", allow_none=True)
    closes_at = fields.DateTime(attribute="quiz.closes_at", allow_none=True)
    time_limit_minutes = fields.Integer(attribute="quiz.time_limit_minutes", allow_none=True)
    attempts_allowed = fields.Integer(attribute="quiz.attempts_allowed", allow_none=True)
    attempts_left = fields.Integer(allow_none=True)
    grading_method = fields.String(attribute="quiz.grading_method")
    pass_mark = fields.Integer(attribute="quiz.effective_pass_mark")
    grade = fields.Float(allow_none=True, metadata={"description": "percent, by the quiz's grading method"})
    passed = fields.Boolean(allow_none=True)
    open_attempt_id = computed("integer", lambda s: s.open_attempt.id if s.open_attempt else None, nullable=True)
    attempts = fields.List(fields.Nested(AttemptSummarySchema))


class OptionSchema(Schema):
    index = fields.Integer(metadata={"description": "send this as the response"})
    text = fields.String()


class ShownQuestionSchema(Schema):
    number = fields.Integer()
    question_id = fields.Integer()
    kind = computed("string", lambda q: q.type.kind.value)
    text_html = computed("string", lambda q: str(question_html(q.spec)))
    has_image = computed("boolean", lambda q: bool(q.spec.image))
    options = fields.List(fields.Nested(OptionSchema), metadata={"description": "in the order this attempt shows"})
    response = fields.Raw(allow_none=True, metadata={"description": "the saved response, null when unanswered"})


class AttemptSchema(AttemptSummarySchema):
    quiz_id = fields.Integer()
    seconds_left = fields.Integer(allow_none=True)
    questions = fields.List(fields.Nested(ShownQuestionSchema))


class AnswerInSchema(Schema):
    response = fields.Raw(
        required=True,
        allow_none=True,
        metadata={
            "description": "single: option index; multiple: list of indexes; true_false: true/false; short: text; "
            'numerical: a number or text such as "1,5". null or "" clears the answer.'
        },
    )


class AnswerOutSchema(Schema):
    question_id = fields.Integer()
    response = fields.Raw(allow_none=True)
    saved_at = fields.DateTime()


class ReviewQuestionSchema(ShownQuestionSchema):
    fraction = fields.Float(allow_none=True, metadata={"description": "credit for the answer: 1 full, 0.5 half"})
    right_answers = fields.List(fields.String())
    feedback = fields.List(fields.String())


class ResultSchema(AttemptSummarySchema):
    quiz_id = fields.Integer()
    passed = fields.Boolean(allow_none=True)
    pass_mark = fields.Integer()
    shows_responses = fields.Boolean()
    shows_feedback = fields.Boolean()
    questions = fields.List(
        fields.Nested(ReviewQuestionSchema), metadata={"description": "as the quiz's review allows"}
    )


# The attempt endpoints answer with JSON built here rather than through their marshmallow schemas: a start or a
# submit dumps twenty nested questions, and the schema's field-by-field dump cost more CPU than the rest of the
# request. The schemas still document the answers, and tests/functional/test_quiz_api_speed.py checks that every
# body built here is exactly what the schema would dump.


def _iso(value) -> str | None:
    return None if value is None else value.isoformat()


def _summary_json(attempt) -> dict:
    return {
        "id": attempt.id,
        "number": attempt.number,
        "state": str(attempt.state),
        "started_at": _iso(attempt.started_at),
        "deadline": _iso(attempt.deadline),
        "submitted_at": _iso(attempt.submitted_at),
        "close_reason": None if attempt.close_reason is None else str(attempt.close_reason),
        "score": number_of(attempt.score),
    }


def _shown_json(question) -> dict:
    return {
        "number": question.number,
        "question_id": question.question_id,
        "kind": str(question.type.kind),  # a StrEnum's str() is its value, without the enum's property lookup
        "text_html": str(question_html(question.spec)),
        "has_image": bool(question.spec.image),
        "options": [{"index": option.index, "text": option.text} for option in question.options],
        "response": question.response,
    }


def _review_json(question) -> dict:
    return _shown_json(question) | {
        "fraction": number_of(question.fraction),
        "right_answers": list(question.right_answers),
        "feedback": list(question.feedback),
    }


def attempt_json(attempt, now) -> dict:
    """An attempt as AttemptSchema dumps it: open → its questions with the saved responses and seconds left."""
    body = _summary_json(attempt)
    is_open = attempt.is_open
    body.update(
        quiz_id=attempt.quiz_id,
        seconds_left=seconds_left(now, attempt.deadline) if is_open else None,
        questions=[_shown_json(q) for q in services.shown_questions(attempt)] if is_open else [],
    )
    return body


def result_json(attempt, now) -> dict:
    """A graded attempt as ResultSchema dumps it, with what the quiz's review options show."""
    review = services.review_of(attempt, now)
    body = _summary_json(attempt)
    body.update(
        quiz_id=attempt.quiz_id,
        passed=review.passed,
        pass_mark=review.pass_mark,
        shows_responses=review.shows_responses,
        shows_feedback=review.shows_feedback,
        questions=[_review_json(q) for q in review.questions],
    )
    return body


def _json(body: dict, status: int = 200):
    response = jsonify(body)
    response.status_code = status
    return response


@blp.get("/quizzes/<int:quiz_id>")
@blp.doc(security=BEARER)
@blp.response(200, QuizSchema)
@token_required
def get_quiz(quiz_id: int):
    """A quiz of a course the caller is enrolled in: its rules, their attempts, attempts left and grade."""
    now = utcnow()
    quiz, _enrolment = services.quiz_for_learner(current_user, quiz_id)
    status = services.quiz_status(current_user, quiz, now)
    db.session.commit()  # an expired attempt may have been graded
    return status


@blp.post("/quizzes/<int:quiz_id>/attempts")
@blp.doc(security=BEARER)
@blp.response(201, AttemptSchema, description="a new attempt")
@blp.alt_response(200, schema=AttemptSchema, description="the open attempt, resumed")
@token_required
def start_attempt(quiz_id: int):
    """Start an attempt, or resume the open one: its questions, their order and the deadline are fixed at start."""
    now = utcnow()
    # The quiz is read with the learner's enrolment and attempts (NotFound when there is no quiz or no enrolment).
    attempt, started = services.start_attempt_by_id(current_user, quiz_id, now)
    body = attempt_json(attempt, now)  # before the commit, which would expire what the body reads
    db.session.commit()
    return _json(body, 201 if started else 200)


@blp.get("/attempts/<int:attempt_id>")
@blp.doc(security=BEARER)
@blp.response(200, AttemptSchema)
@token_required
def get_attempt(attempt_id: int):
    """One of the caller's attempts: open → questions with the saved responses and seconds left."""
    now = utcnow()
    attempt = services.attempt_of(current_user, attempt_id, now)
    body = attempt_json(attempt, now)
    db.session.commit()
    return _json(body)


@blp.put("/attempts/<int:attempt_id>/answers/<int:question_id>")
@blp.doc(security=BEARER)
@blp.arguments(AnswerInSchema())  # an instance: given the class, webargs makes one (copying its fields) per request
@blp.response(200, AnswerOutSchema)
@token_required
def save_answer(body, attempt_id: int, question_id: int):
    """Save one answer (insert or replace; sending it again changes nothing). 409 after the deadline or once
    submitted; 422 for a response the question cannot read."""
    try:
        answer = services.save_answer(current_user, attempt_id, question_id, body["response"], utcnow())
    except DeadlinePassed:
        db.session.commit()  # keep the grading of the expired attempt
        raise
    db.session.commit()
    return _json({"question_id": answer.question_id, "response": answer.response, "saved_at": _iso(answer.saved_at)})


@blp.post("/attempts/<int:attempt_id>/submit")
@blp.doc(security=BEARER)
@blp.response(200, ResultSchema)
@token_required
def submit_attempt(attempt_id: int):
    """Grade the attempt with its saved answers; submitting again returns the same result."""
    now = utcnow()
    attempt = services.submit_attempt(current_user, attempt_id, now)
    body = result_json(attempt, now)  # before the commit, which would expire what the body reads
    db.session.commit()
    return _json(body)
