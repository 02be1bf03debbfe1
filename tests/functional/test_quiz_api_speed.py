"""The quiz path a test's learners all take at once (start, save each answer, submit) through the API: a fixed number
of SQL statements per request whatever the quiz's length, and bodies built without marshmallow that are exactly what
the documented schemas dump."""

from __future__ import annotations

from contextlib import contextmanager
from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest
from flask_babel import force_locale
from sqlalchemy import event

from lms.extensions import db
from lms.quizzes import api as quiz_api
from lms.quizzes import services
from lms.quizzes.models import Attempt, Question, QuizKind
from lms.quizzes.timing import seconds_left
from tests.conftest import api_token
from tests.factories.quizzes import every_type, make_quiz_setup, single_spec
from tests.statements import driver_statements_counted

T0 = datetime(2026, 3, 2, 1, 0, tzinfo=UTC)
START_STATEMENTS = 4
SAVE_STATEMENTS = 3
SUBMIT_STATEMENTS = {"postgresql": 4, "sqlite": 5}
"""Each begins with the token and its user (one row). Start: the quiz with the learner's standing (enrolment, attempts
used, open attempt: one row), the questions' ids and versions, the insert (no savepoint: ON CONFLICT DO NOTHING); the
body shows what was just read. Save: the locked attempt with the
question's spec, the upsert. Submit: the locked attempt, the questions' versions with the saved answers, the grades
and the attempt's close (one statement on PostgreSQL, the grades' upsert carried by the UPDATE); the review shows
what the grading has just stored. The specs of a question's version are kept per
process: the first start of a quiz in a process reads them once more (FIRST_START_STATEMENTS)."""
FIRST_START_STATEMENTS = START_STATEMENTS + 1
PASSING_POST_TEST_EXTRA_STATEMENTS = 1
"""A passed post-test asks whether the learner may now have the certificate: the enrolment with its cohort and its
lessons done, in one statement (the learner and the course version are the session's already); here the lessons are
not done, so the rules stop there, and whether the enrolment ever had a certificate is not asked (it is asked once
every rule is met). The course version's lesson ids are kept per process once read."""


@contextmanager
def counted_statements(engine):
    """Every statement sent: through the app's engine, and those that on PostgreSQL go to the driver directly (the
    token's read, lms.core.database.read_one, and the quiz path's statements, rows_in_transaction: both through
    `_run_prepared`; on SQLite they run on the app's engine and are counted there)."""
    statements: list[str] = []

    def count(conn, cursor, statement, parameters, context, executemany):
        statements.append(statement)

    event.listen(engine, "before_cursor_execute", count)
    try:
        with driver_statements_counted(statements, every=True):
            yield statements
    finally:
        event.remove(engine, "before_cursor_execute", count)


def _statements_of_attempts(app, client, size: int, *, kind=QuizKind.PRE_TEST, attempts: int = 2, response=1):
    """The requests run as in a server, each in its own app context and database session (none held around them):
    [(start, [save, ...], submit, result)] per attempt, one learner taking the quiz `attempts` times."""
    with app.app_context():
        setup = make_quiz_setup(
            [single_spec(n) for n in range(size)], code=f"CEPAT-{size}-{kind}", kind=kind, attempts_allowed=attempts
        )
        quiz_id, email, engine = setup.quiz.id, setup.learner.email, db.engine
    token = api_token(client, email)
    headers = {"Authorization": f"Bearer {token}"}
    client.get("/api/v1/me", headers=headers)  # the token's first use of the day is recorded once, not measured
    taken = []
    for _attempt in range(attempts):
        with counted_statements(engine) as start:
            started = client.post(f"/api/v1/quizzes/{quiz_id}/attempts", headers=headers)
        assert started.status_code == 201, started.get_json()
        attempt_id = started.get_json()["id"]
        saves = []
        for shown in started.get_json()["questions"]:
            with counted_statements(engine) as save:
                path = f"/api/v1/attempts/{attempt_id}/answers/{shown['question_id']}"
                saved = client.put(path, json={"response": response}, headers=headers)
            assert saved.status_code == 200, saved.get_json()
            saves.append(save)
        with counted_statements(engine) as submit:
            result = client.post(f"/api/v1/attempts/{attempt_id}/submit", headers=headers)
        assert result.status_code == 200, result.get_json()
        taken.append((start, saves, submit, result.get_json()))
    return taken


def _dialect(app) -> str:
    with app.app_context():
        return db.engine.dialect.name


def test_start_save_and_submit_run_a_fixed_number_of_statements_whatever_the_length(app, client):
    # A pre-test: a passing post-test also asks the certificate rules whether the learner is now eligible (below).
    for size in (3, 20):
        (first_start, _saves, _submit, _result), (start, saves, submit, result) = _statements_of_attempts(
            app, client, size
        )
        assert len(first_start) == FIRST_START_STATEMENTS, first_start
        assert len(start) == START_STATEMENTS, start
        assert [len(save) for save in saves] == [SAVE_STATEMENTS] * size, saves[0]
        assert len(submit) == SUBMIT_STATEMENTS[_dialect(app)], submit
        assert result["score"] == 100.0 and result["state"] == "graded" and result["number"] == 2
        assert [(q["response"], q["fraction"]) for q in result["questions"]] == [(1, 1.0)] * size


def test_a_passed_post_test_asks_for_the_certificate_in_a_fixed_number_of_statements(app, client):
    taken = _statements_of_attempts(app, client, 20, kind=QuizKind.POST_TEST)
    (_start, _saves, first_submit, _result), (_start2, _saves2, submit, result) = taken
    assert result["passed"] is True
    passing = SUBMIT_STATEMENTS[_dialect(app)] + PASSING_POST_TEST_EXTRA_STATEMENTS
    assert len(first_submit) == passing + 1, first_submit  # the lesson ids, once
    assert len(submit) == passing, submit
    # The enrolment is read without its learner (the request's user) and course version (the quiz's) joined again.
    enrolment_reads = [s for s in submit if "FROM enrolments" in s]
    assert len(enrolment_reads) == 1 and "JOIN users" not in enrolment_reads[0], enrolment_reads
    assert "JOIN course_versions" not in enrolment_reads[0], enrolment_reads
    assert "lesson_completions" in enrolment_reads[0], enrolment_reads  # the lessons done come along
    assert not [s for s in submit if "FROM certificates" in s], submit  # a rule is open: no certificate asked


def test_attempt_bodies_are_exactly_what_the_schemas_dump(app_ctx):
    """Every question type, answered and not, open and graded, with the review's right answers and feedback."""
    setup = make_quiz_setup(every_type(), time_limit_minutes=30)
    attempt, _started = services.start_attempt(setup.learner, setup.quiz, T0)
    first, second, *_rest = services.shown_questions(attempt)
    services.save_answer(setup.learner, attempt.id, first.question_id, 0, T0 + timedelta(seconds=5))
    services.save_answer(setup.learner, attempt.id, second.question_id, [0, 1], T0 + timedelta(seconds=9))
    now = T0 + timedelta(minutes=1)
    summary = {name: getattr(attempt, name) for name in quiz_api.AttemptSummarySchema().fields}
    expected = quiz_api.AttemptSchema().dump(
        summary
        | {
            "quiz_id": attempt.quiz_id,
            "seconds_left": seconds_left(now, attempt.deadline),
            "questions": services.shown_questions(attempt),
        }
    )
    assert quiz_api.attempt_json(attempt, now) == expected
    assert expected["seconds_left"] == 29 * 60 and expected["questions"][1]["response"] == [0, 1]

    services.submit_attempt(setup.learner, attempt.id, now)
    answered = quiz_api.result_json(attempt, now)  # as the submit answers: from what the grading has just stored
    attempt_id = attempt.id
    db.session.commit()
    db.session.expunge_all()
    attempt = db.session.get(Attempt, attempt_id)
    review = services.review_of(attempt, now)
    summary = {name: getattr(attempt, name) for name in quiz_api.AttemptSummarySchema().fields}
    expected = quiz_api.ResultSchema().dump(
        summary
        | {
            "quiz_id": attempt.quiz_id,
            "passed": review.passed,
            "pass_mark": review.pass_mark,
            "shows_responses": review.shows_responses,
            "shows_feedback": review.shows_feedback,
            "questions": review.questions,
        }
    )
    assert answered == expected
    assert quiz_api.result_json(attempt, now) == expected
    assert expected["close_reason"] == "submitted" and expected["questions"][0]["right_answers"]
    assert quiz_api.attempt_json(attempt, now)["questions"] == []  # a graded attempt shows no questions to answer


def test_a_question_changed_in_place_after_a_start_is_graded_by_its_new_version(app, client):
    """The specs kept per process are per version of a question (its updated_at): a question nobody has answered yet
    is changed in place, and the attempts started before must be graded by what it says now, as before the cache."""
    with app.app_context():
        setup = make_quiz_setup([single_spec(1)], code="CEPAT-EDIT", kind=QuizKind.PRE_TEST)
        quiz_id, email, question_id = setup.quiz.id, setup.learner.email, setup.questions[0].id
    headers = {"Authorization": f"Bearer {api_token(client, email)}"}
    attempt_id = client.post(f"/api/v1/quizzes/{quiz_id}/attempts", headers=headers).get_json()["id"]  # kept now
    with app.app_context():
        question = db.session.get(Question, question_id)
        changed = single_spec(1, choices=tuple(replace(c, fraction=1 - c.fraction) for c in question.spec.choices))
        services.update_question(None, question, changed)
        db.session.commit()
        assert db.session.get(Question, question_id).spec.choices == changed.choices  # in place: nobody answered it
    saved = client.put(f"/api/v1/attempts/{attempt_id}/answers/{question_id}", json={"response": 0}, headers=headers)
    assert saved.status_code == 200
    result = client.post(f"/api/v1/attempts/{attempt_id}/submit", headers=headers).get_json()
    assert result["score"] == 100.0 and result["questions"][0]["fraction"] == 1.0


def test_grading_sends_each_statement_once_on_postgresql(app, client):
    """psycopg runs a statement given many rows (executemany) once per row, on the server too: grading's upsert sends
    every question's grade in one execution there (on SQLite the rows go to the driver's executemany, in C)."""
    with app.app_context():
        if db.engine.dialect.name != "postgresql":
            pytest.skip("psycopg's executemany is PostgreSQL's")
        setup = make_quiz_setup([single_spec(n) for n in range(5)], code="CEPAT-ONCE", kind=QuizKind.PRE_TEST)
        quiz_id, email, engine, first_id = setup.quiz.id, setup.learner.email, db.engine, setup.questions[0].id
    headers = {"Authorization": f"Bearer {api_token(client, email)}"}
    attempt_id = client.post(f"/api/v1/quizzes/{quiz_id}/attempts", headers=headers).get_json()["id"]
    client.put(f"/api/v1/attempts/{attempt_id}/answers/{first_id}", json={"response": 1}, headers=headers)
    many: list[str] = []

    def note(conn, cursor, statement, parameters, context, executemany):
        if executemany:
            many.append(statement)

    event.listen(engine, "before_cursor_execute", note)
    try:
        result = client.post(f"/api/v1/attempts/{attempt_id}/submit", headers=headers).get_json()
    finally:
        event.remove(engine, "before_cursor_execute", note)
    assert many == []
    assert result["score"] == 20.0 and [q["fraction"] for q in result["questions"]] == [1.0, 0, 0, 0, 0]


def test_what_a_review_takes_from_a_spec_alone_is_worked_out_once_per_spec(app):
    """The type, the options and the right answers are kept on the spec object (the specs of a question's version are
    kept per process): the same as the type works out each time, never carried to a changed copy of the spec, and
    right answers said in words of the catalog (true/false, a numerical range) still follow each request's
    language."""
    from dataclasses import asdict

    from lms.quizzes.services import review
    from lms.quizzes.types import type_of

    specs = every_type()
    for spec in specs:
        facts = review._facts_of(spec)
        kind = type_of(spec)
        assert facts.type is kind
        assert [(o.index, o.text) for o in facts.options] == [(i, c.text) for i, c in enumerate(spec.choices)]
        with app.test_request_context():
            if kind.right_answers_in_words:
                assert facts.right_answers is None
            else:
                assert list(facts.right_answers) == kind.right_answers(spec)
        assert review._facts_of(spec) is facts  # kept
        assert replace(spec, text="changed").__dict__.get(review._FACTS) is None  # a copy works out its own
        assert "_review_facts" not in asdict(spec) and spec == replace(spec)  # no field of the spec

    (true_false,) = [spec for spec in specs if type_of(spec).right_answers_in_words and spec.kind == "true_false"]
    words = {}
    for locale in ("id", "en"):
        with app.test_request_context(), force_locale(locale):
            words[locale] = type_of(true_false).right_answers(true_false)
    assert words["id"] != words["en"]


def test_a_review_shows_what_the_type_works_out(app_ctx):
    """The review's right answers and options, from the facts kept per spec, equal what each question type says."""
    from lms.quizzes.types import type_of

    setup = make_quiz_setup(every_type(), code="CEPAT-FAKTA")
    attempt, _started = services.start_attempt(setup.learner, setup.quiz, T0)
    services.submit_attempt(setup.learner, attempt.id, T0 + timedelta(minutes=1))
    for _round in range(2):  # the second from the facts kept on the specs
        review = services.review_of(attempt, T0 + timedelta(minutes=1))
        assert review.questions
        for question in review.questions:
            assert question.right_answers == type_of(question.spec).right_answers(question.spec)
            order = next(item["order"] for item in attempt.layout if item["question_id"] == question.question_id)
            assert [(o.index, o.text) for o in question.options] == [(i, question.spec.choices[i].text) for i in order]


def test_a_submit_reads_its_attempt_quiz_and_version_in_one_locked_row(app, client):
    """The quiz and its version come in the attempt's row (grading and the result read them: no statement of their
    own), and on PostgreSQL only the attempt's row is locked (a quiz's learners submit at the same moment)."""
    ((_start, _saves, submit, result),) = _statements_of_attempts(app, client, 3, attempts=1)
    assert result["state"] == "graded"
    (locked,) = [s for s in submit if "FROM attempts" in s and "JOIN quizzes" in s]
    assert "JOIN course_versions" in locked
    if _dialect(app) == "postgresql":
        assert locked.rstrip().endswith("FOR UPDATE OF attempts"), locked
    assert not [s for s in submit if s.lstrip().startswith("SELECT") and "FROM quizzes" in s]
    assert not [s for s in submit if "FROM course_versions" in s]
