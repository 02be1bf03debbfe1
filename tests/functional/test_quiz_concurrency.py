"""A fixed number of SQL queries for the quiz page and the submit whatever the length, and one result for two
submits at the same moment."""

from __future__ import annotations

import threading
from contextlib import contextmanager
from datetime import UTC, datetime

import pytest
from sqlalchemy import event, func, select

from lms.accounts.models import User
from lms.core.errors import Conflict
from lms.courses import requirements
from lms.extensions import db
from lms.quizzes import services
from lms.quizzes.models import Answer, Attempt, QuizLayout
from tests.factories.quizzes import make_quiz_setup, single_spec

T0 = datetime(2026, 3, 2, 1, 0, tzinfo=UTC)


@contextmanager
def counted_queries():
    statements: list[str] = []

    def count(conn, cursor, statement, parameters, context, executemany):
        statements.append(statement)

    engine = db.engine
    event.listen(engine, "before_cursor_execute", count)
    try:
        yield statements
    finally:
        event.remove(engine, "before_cursor_execute", count)


def _queries_for(client, auth, size: int) -> tuple[int, int, int]:
    setup = make_quiz_setup(
        [single_spec(n) for n in range(size)], layout=QuizLayout.ALL_ON_ONE_PAGE, code=f"KUIS-{size}"
    )
    auth.login(setup.learner.email)
    started = client.post(f"/quizzes/{setup.quiz.id}/attempts")
    attempt_id = int(started.headers["Location"].rsplit("/", 1)[-1])
    # Half the questions answered: the submit both updates saved rows and adds the unanswered ones.
    client.post(
        f"/attempts/{attempt_id}/answers",
        data={key: "1" for q in setup.questions[: size // 2] for key in (f"shown-{q.id}", f"q-{q.id}")},
    )
    with counted_queries() as page:
        assert client.get(f"/attempts/{attempt_id}").status_code == 200
    with counted_queries() as api_page:
        assert client.get(f"/api/v1/attempts/{attempt_id}").status_code == 200
    with counted_queries() as submit:
        assert client.post(f"/attempts/{attempt_id}/submit").status_code == 302
    rows = db.session.execute(select(func.count(Answer.id)).where(Answer.attempt_id == attempt_id)).scalar_one()
    assert rows == size
    assert db.session.get(Attempt, attempt_id).score == round(100 * (size // 2) / size, 2)
    auth.logout()
    return len(page), len(api_page), len(submit)


def test_quiz_page_and_submit_run_the_same_number_of_queries_for_5_and_40_questions(client, auth, app_ctx):
    small = _queries_for(client, auth, 5)
    large = _queries_for(client, auth, 40)
    assert small == large
    assert all(count < 30 for count in small), small


@pytest.mark.parametrize("round_", range(3))
def test_two_submits_at_the_same_moment_give_one_result(app, round_):
    with app.app_context():
        if db.engine.dialect.name != "postgresql":
            pytest.skip("row locks (SELECT ... FOR UPDATE) are PostgreSQL's; SQLite serializes writers itself")
        setup = make_quiz_setup([single_spec(1), single_spec(2)])
        attempt, _ = services.start_attempt(setup.learner, setup.quiz, T0)
        # Both right: a passed post-test is what the progress listeners are told about (counted below).
        for question in setup.questions:
            services.save_answer(setup.learner, attempt.id, question.id, 1, T0)
        db.session.commit()
        attempt_id, learner_id = attempt.id, setup.learner.id

    gradings: list[int] = []
    listener = requirements.register_progress_listener(lambda enrolment: gradings.append(enrolment.id))
    barrier = threading.Barrier(2)
    results: list[tuple] = []
    errors: list[BaseException] = []

    def submit():
        try:
            with app.app_context():
                user = db.session.get(User, learner_id)
                barrier.wait(timeout=10)
                graded = services.submit_attempt(user, attempt_id, T0)
                db.session.commit()
                results.append((graded.score, graded.submitted_at, graded.close_reason))
        except BaseException as error:  # reported below: a thread's exception must fail the test
            errors.append(error)

    threads = [threading.Thread(target=submit) for _ in range(2)]
    try:
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=30)
    finally:
        requirements._LISTENERS.remove(listener)
    assert not errors, errors
    assert len(results) == 2 and results[0] == results[1]
    assert len(gradings) == 1
    with app.app_context():
        answers = db.session.execute(select(Answer.question_id).where(Answer.attempt_id == attempt_id)).scalars().all()
        assert len(answers) == len(set(answers)) == 2


def _standing_as_read_before(monkeypatch, enrolment_id: int, used: int) -> None:
    """The learner's standing as a start read it just before another start's attempt was committed: no open attempt
    yet, `used` attempts."""
    from sqlalchemy import literal, null

    from lms.quizzes.services import attempts as attempts_module

    stale = select(literal(enrolment_id).label("enrolment_id"), literal(used).label("used"), null().label("open"))
    monkeypatch.setattr(attempts_module, "_STANDING", stale)


def test_a_start_that_loses_the_open_slot_to_another_resumes_that_attempt(app_ctx, monkeypatch):
    setup = make_quiz_setup([single_spec(1), single_spec(2)], attempts_allowed=3)
    winner, started = services.start_attempt(setup.learner, setup.quiz, T0)
    db.session.commit()
    _standing_as_read_before(monkeypatch, winner.enrolment_id, used=1)  # its insert takes number 2: the slot clashes
    again, started_again = services.start_attempt(setup.learner, setup.quiz, T0)
    assert started and (again.id, started_again) == (winner.id, False)
    db.session.commit()  # the transaction survived the clash (PostgreSQL would refuse to commit an aborted one)
    rows = db.session.execute(select(Attempt.id).where(Attempt.user_id == setup.learner.id)).scalars().all()
    assert rows == [winner.id]


def test_a_start_that_loses_the_number_to_an_attempt_already_submitted_is_refused(app_ctx, monkeypatch):
    setup = make_quiz_setup([single_spec(1)], attempts_allowed=3)
    winner, _started = services.start_attempt(setup.learner, setup.quiz, T0)
    services.submit_attempt(setup.learner, winner.id, T0)
    db.session.commit()
    _standing_as_read_before(monkeypatch, winner.enrolment_id, used=0)  # its insert takes number 1 again
    with pytest.raises(Conflict):
        services.start_attempt(setup.learner, setup.quiz, T0)
    db.session.rollback()
    assert db.session.execute(select(func.count(Attempt.id))).scalar_one() == 1


@pytest.mark.parametrize("round_", range(3))
def test_two_starts_at_the_same_moment_give_one_attempt(app, round_):
    with app.app_context():
        if db.engine.dialect.name != "postgresql":
            pytest.skip("two transactions inserting at once are PostgreSQL's; SQLite serializes writers itself")
        setup = make_quiz_setup([single_spec(1), single_spec(2)], attempts_allowed=3)
        db.session.commit()
        quiz_id, learner_id = setup.quiz.id, setup.learner.id

    barrier = threading.Barrier(2)
    results: list[tuple] = []
    errors: list[BaseException] = []

    def start():
        try:
            with app.app_context():
                user, quiz = db.session.get(User, learner_id), services.quiz_by_id(quiz_id)
                barrier.wait(timeout=10)
                attempt, started = services.start_attempt(user, quiz, T0)
                results.append((attempt.id, attempt.number, started))
                db.session.commit()
        except BaseException as error:  # reported below: a thread's exception must fail the test
            errors.append(error)

    threads = [threading.Thread(target=start) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert not errors, errors
    assert sorted(started for _id, _number, started in results) == [False, True]
    assert len({(attempt_id, number) for attempt_id, number, _started in results}) == 1
    with app.app_context():
        assert db.session.execute(select(func.count(Attempt.id))).scalar_one() == 1
