"""Quiz rules against the database with an injected clock: start/resume, saving, deadlines, grading, methods."""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest
from sqlalchemy import func, select

from lms.core.errors import NotFound
from lms.courses.requirements import requirements_for
from lms.extensions import db
from lms.quizzes import services
from lms.quizzes.models import Answer, Attempt, AttemptState, CloseReason, QuizKind
from lms.quizzes.timing import DeadlinePassed, NoAttemptsLeft, QuizNotOpen
from lms.quizzes.types import InvalidAnswer
from tests.factories import make_user
from tests.factories.quizzes import every_type, make_quiz_setup, single_spec

T0 = datetime(2026, 3, 2, 1, 0, tzinfo=UTC)


def answer_all_right(setup, attempt, now):
    right = {"single": 1, "multiple": [0, 1], "true_false": False, "short": " apd ", "numerical": "0,52"}
    for question in setup.questions:
        services.save_answer(setup.learner, attempt.id, question.id, right[question.kind], now)


def test_start_freezes_layout_and_deadline_and_resume_returns_the_same_attempt(app_ctx):
    setup = make_quiz_setup(time_limit_minutes=30, shuffle_questions=True, shuffle_options=True)
    attempt, started = services.start_attempt(setup.learner, setup.quiz, T0, rng=random.Random(5))
    db.session.commit()
    assert started
    assert attempt.deadline == T0 + timedelta(minutes=30)
    assert sorted(attempt.question_ids) == sorted(q.id for q in setup.questions)
    layout = attempt.layout
    again, started_again = services.start_attempt(setup.learner, setup.quiz, T0 + timedelta(minutes=5))
    assert (again.id, started_again) == (attempt.id, False)
    assert again.layout == layout
    assert again.deadline == T0 + timedelta(minutes=30)


def test_deadline_is_the_quiz_close_when_it_comes_before_the_time_limit(app_ctx):
    setup = make_quiz_setup(time_limit_minutes=30, closes_at=T0 + timedelta(minutes=10))
    attempt, _ = services.start_attempt(setup.learner, setup.quiz, T0)
    assert attempt.deadline == T0 + timedelta(minutes=10)


def test_every_type_graded_from_saved_answers(app_ctx):
    setup = make_quiz_setup()
    attempt, _ = services.start_attempt(setup.learner, setup.quiz, T0)
    answer_all_right(setup, attempt, T0)
    graded = services.submit_attempt(setup.learner, attempt.id, T0 + timedelta(minutes=1))
    db.session.commit()
    assert graded.state == AttemptState.GRADED
    assert graded.close_reason == CloseReason.SUBMITTED
    assert graded.score == Decimal("100.00")
    fractions = db.session.execute(select(Answer.fraction).where(Answer.attempt_id == attempt.id)).scalars().all()
    assert sorted(fractions) == [1, 1, 1, 1, 1]


def test_saving_again_replaces_the_answer_and_clearing_it_unanswers(app_ctx):
    setup = make_quiz_setup([single_spec(1), single_spec(2)])
    attempt, _ = services.start_attempt(setup.learner, setup.quiz, T0)
    first = setup.questions[0]
    services.save_answer(setup.learner, attempt.id, first.id, 0, T0)
    services.save_answer(setup.learner, attempt.id, first.id, "1", T0 + timedelta(seconds=5))
    services.save_answer(setup.learner, attempt.id, first.id, "1", T0 + timedelta(seconds=6))
    rows = db.session.execute(select(Answer).where(Answer.attempt_id == attempt.id)).scalars().all()
    assert [(a.question_id, a.response) for a in rows] == [(first.id, 1)]
    services.save_answer(setup.learner, attempt.id, setup.questions[1].id, 1, T0)
    services.save_answer(setup.learner, attempt.id, setup.questions[1].id, "", T0)
    graded = services.submit_attempt(setup.learner, attempt.id, T0 + timedelta(minutes=1))
    assert graded.score == Decimal("50.00")
    count = db.session.execute(select(func.count(Answer.id)).where(Answer.attempt_id == attempt.id)).scalar_one()
    assert count == 2  # one row per question shown, unanswered included


def test_a_bad_answer_is_refused_and_changes_nothing(app_ctx):
    setup = make_quiz_setup([single_spec()])
    attempt, _ = services.start_attempt(setup.learner, setup.quiz, T0)
    question = setup.questions[0]
    services.save_answer(setup.learner, attempt.id, question.id, 1, T0)
    db.session.commit()
    with pytest.raises(InvalidAnswer):
        services.save_answer(setup.learner, attempt.id, question.id, 7, T0)
    db.session.rollback()
    answer = db.session.execute(select(Answer).where(Answer.attempt_id == attempt.id)).scalar_one()
    assert answer.response == 1


def test_late_answer_is_refused_and_the_attempt_is_graded_with_what_was_saved(app_ctx):
    setup = make_quiz_setup([single_spec(1), single_spec(2)], time_limit_minutes=10)
    attempt, _ = services.start_attempt(setup.learner, setup.quiz, T0)
    services.save_answer(setup.learner, attempt.id, setup.questions[0].id, 1, T0 + timedelta(minutes=9))
    db.session.commit()
    late = T0 + timedelta(minutes=10, seconds=30)
    with pytest.raises(DeadlinePassed):
        services.save_answer(setup.learner, attempt.id, setup.questions[1].id, 1, late)
    db.session.commit()
    attempt = db.session.get(Attempt, attempt.id)
    assert attempt.state == AttemptState.GRADED
    assert attempt.close_reason == CloseReason.EXPIRED
    assert attempt.submitted_at == T0 + timedelta(minutes=10)
    assert attempt.score == Decimal("50.00")
    responses = dict(
        db.session.execute(select(Answer.question_id, Answer.response).where(Answer.attempt_id == attempt.id)).all()
    )
    assert responses == {setup.questions[0].id: 1, setup.questions[1].id: None}


def test_an_answer_within_the_grace_after_the_deadline_still_counts(app_ctx, app):
    setup = make_quiz_setup([single_spec()], time_limit_minutes=10)
    attempt, _ = services.start_attempt(setup.learner, setup.quiz, T0)
    grace = app.config["QUIZ_ANSWER_GRACE_SECONDS"]
    services.save_answer(setup.learner, attempt.id, setup.questions[0].id, 1, T0 + timedelta(minutes=10, seconds=grace))
    assert services.submit_attempt(setup.learner, attempt.id, T0 + timedelta(minutes=10, seconds=grace)).score == 100


def test_expired_attempt_is_graded_when_the_learner_comes_back_and_by_close_expired(app_ctx):
    setup = make_quiz_setup([single_spec()], time_limit_minutes=5)
    attempt, _ = services.start_attempt(setup.learner, setup.quiz, T0)
    services.save_answer(setup.learner, attempt.id, setup.questions[0].id, 1, T0)
    db.session.commit()
    assert services.close_expired_attempts(T0 + timedelta(minutes=4)) == 0
    assert services.close_expired_attempts(T0 + timedelta(hours=1)) == 1
    db.session.commit()
    graded = db.session.get(Attempt, attempt.id)
    assert (graded.state, graded.score, graded.submitted_at) == ("graded", 100, T0 + timedelta(minutes=5))
    status = services.quiz_status(setup.learner, setup.quiz, T0 + timedelta(hours=1))
    assert status.open_attempt is None and status.grade == 100 and status.passed


def test_coming_back_after_the_deadline_grades_the_open_attempt_and_starts_a_new_one(app_ctx):
    setup = make_quiz_setup([single_spec()], time_limit_minutes=5, attempts_allowed=2)
    first, _ = services.start_attempt(setup.learner, setup.quiz, T0)
    second, started = services.start_attempt(setup.learner, setup.quiz, T0 + timedelta(minutes=6))
    assert started and second.id != first.id and second.number == 2
    assert db.session.get(Attempt, first.id).close_reason == CloseReason.EXPIRED


def test_one_open_attempt_per_learner_is_enforced_by_the_database(app_ctx):
    setup = make_quiz_setup([single_spec()])
    attempt, _ = services.start_attempt(setup.learner, setup.quiz, T0)
    db.session.commit()
    duplicate = Attempt(
        quiz_id=setup.quiz.id, user_id=setup.learner.id, enrolment_id=attempt.enrolment_id, number=2,
        started_at=T0, layout=attempt.layout,
    )  # fmt: skip
    db.session.add(duplicate)
    with pytest.raises(Exception, match="(?i)unique"):
        db.session.flush()
    db.session.rollback()


def test_double_submit_gives_one_result(app_ctx):
    setup = make_quiz_setup()
    attempt, _ = services.start_attempt(setup.learner, setup.quiz, T0)
    answer_all_right(setup, attempt, T0)
    first = services.submit_attempt(setup.learner, attempt.id, T0 + timedelta(minutes=1))
    db.session.commit()
    second = services.submit_attempt(setup.learner, attempt.id, T0 + timedelta(minutes=2))
    db.session.commit()
    assert (second.score, second.submitted_at) == (first.score, T0 + timedelta(minutes=1))
    with pytest.raises(services.AttemptClosed):
        services.save_answer(setup.learner, attempt.id, setup.questions[0].id, 0, T0 + timedelta(minutes=3))


def test_attempts_allowed_window_and_enrolment_are_checked(app_ctx):
    setup = make_quiz_setup([single_spec()], attempts_allowed=1, opens_at=T0, closes_at=T0 + timedelta(days=1))
    with pytest.raises(QuizNotOpen):
        services.start_attempt(setup.learner, setup.quiz, T0 - timedelta(minutes=1))
    attempt, _ = services.start_attempt(setup.learner, setup.quiz, T0)
    services.submit_attempt(setup.learner, attempt.id, T0)
    with pytest.raises(NoAttemptsLeft):
        services.start_attempt(setup.learner, setup.quiz, T0 + timedelta(minutes=1))
    stranger = make_user()
    with pytest.raises(NotFound):
        services.start_attempt(stranger, setup.quiz, T0)
    with pytest.raises(NotFound):
        services.attempt_of(stranger, attempt.id, T0)


@pytest.mark.parametrize(("method", "grade"), [("highest", 100), ("last", 0), ("first", 100), ("average", 50)])
def test_grading_methods(app_ctx, method, grade):
    setup = make_quiz_setup([single_spec()], attempts_allowed=2, grading_method=method)
    for number, response in enumerate((1, 0)):
        attempt, _ = services.start_attempt(setup.learner, setup.quiz, T0 + timedelta(hours=number))
        services.save_answer(setup.learner, attempt.id, setup.questions[0].id, response, T0 + timedelta(hours=number))
        services.submit_attempt(setup.learner, attempt.id, T0 + timedelta(hours=number))
    assert services.quiz_status(setup.learner, setup.quiz, T0 + timedelta(days=1)).grade == grade


def test_random_selection_draws_from_a_category_and_a_tag(app_ctx):
    from dataclasses import replace

    specs = [replace(single_spec(n), category="ppi/tangan", tags=("who",) if n % 2 else ()) for n in range(6)]
    specs += [replace(single_spec(n + 10), category="k3") for n in range(4)]
    setup = make_quiz_setup(specs, selection="random", draw_count=2, draw_categories=["ppi"], draw_tags=["who"])
    by_id = {q.id: q for q in setup.questions}
    attempt, _ = services.start_attempt(setup.learner, setup.quiz, T0, rng=random.Random(1))
    assert len(attempt.question_ids) == 2
    assert all(by_id[i].category == "ppi/tangan" and "who" in by_id[i].tags for i in attempt.question_ids)


def test_editing_an_answered_question_keeps_the_old_one_for_the_attempt(app_ctx):
    from dataclasses import replace

    setup = make_quiz_setup([single_spec()])
    attempt, _ = services.start_attempt(setup.learner, setup.quiz, T0)
    services.save_answer(setup.learner, attempt.id, setup.questions[0].id, 1, T0)
    services.submit_attempt(setup.learner, attempt.id, T0)
    old = setup.questions[0]
    new = services.update_question(setup.admin, old, replace(old.spec, text="Teks baru?"))
    db.session.commit()
    assert new.id != old.id and old.retired and new.replaces_id == old.id
    assert [qq.question_id for qq in setup.quiz.quiz_questions] == [new.id]
    shown = services.shown_questions(db.session.get(Attempt, attempt.id))
    assert shown[0].spec.text == "Pertanyaan pilihan tunggal 1?"
    services.delete_question(setup.admin, new)
    db.session.commit()
    assert services.bank_questions(setup.version.course) == []


def test_requirements_show_pre_test_as_information_and_post_test_as_a_rule(app_ctx):
    setup = make_quiz_setup([single_spec()], kind=QuizKind.POST_TEST, pass_mark=70)
    pre = services.save_quiz(setup.admin, setup.version, QuizKind.PRE_TEST, title="Pre-test", shuffle_options=False)
    services.add_to_quiz(setup.admin, pre, setup.questions)
    db.session.commit()
    enrolment = services.learner_enrolment(setup.learner, setup.quiz)
    by_key = {r.key: r for r in requirements_for(enrolment)}
    assert by_key["pre_test"].met is None
    assert by_key["post_test"].met is False
    attempt, _ = services.start_attempt(setup.learner, setup.quiz, T0)
    services.save_answer(setup.learner, attempt.id, setup.questions[0].id, 1, T0)
    services.submit_attempt(setup.learner, attempt.id, T0)
    db.session.commit()
    by_key = {r.key: r for r in requirements_for(enrolment)}
    assert by_key["post_test"].met is True
    assert "100" in by_key["post_test"].detail
    setup.version.require_post_test = False
    assert {r.key: r for r in requirements_for(enrolment)}["post_test"].met is None


def test_progress_listeners_hear_about_a_graded_attempt_that_can_meet_the_post_test(app_ctx):
    from lms.courses import requirements

    heard = []
    listener = requirements.register_progress_listener(lambda enrolment: heard.append(enrolment.id))
    try:
        setup = make_quiz_setup([single_spec()])
        failed, _ = services.start_attempt(setup.learner, setup.quiz, T0)
        services.submit_attempt(setup.learner, failed.id, T0)
        assert failed.score == 0 and heard == []  # below the pass mark: no requirement can have been met
        passed, _ = services.start_attempt(setup.learner, setup.quiz, T0 + timedelta(minutes=1))
        services.save_answer(setup.learner, passed.id, setup.questions[0].id, 1, T0 + timedelta(minutes=1))
        services.submit_attempt(setup.learner, passed.id, T0 + timedelta(minutes=2))
        assert heard == [passed.enrolment_id]
    finally:
        requirements._LISTENERS.remove(listener)


def test_every_type_from_the_factory_is_valid():
    assert all(services.check_question(spec) == [] for spec in every_type())


def test_a_locked_attempt_is_read_anew_even_when_the_session_holds_it(app_ctx):
    """The locked read is the truth (a submit waiting for the lock finds what the other one stored): an attempt the
    session already holds gets the values read under the lock, with its quiz and version (as populate_existing)."""
    from sqlalchemy.orm.attributes import set_committed_value

    setup = make_quiz_setup([single_spec(1)], kind=QuizKind.PRE_TEST)
    attempt, _ = services.start_attempt(setup.learner, setup.quiz, T0)
    db.session.commit()
    assert attempt.state == AttemptState.OPEN  # loaded again, held by the session
    set_committed_value(attempt, "state", AttemptState.GRADED)  # stale values, as if read before another's change
    set_committed_value(attempt.quiz, "title", "stale")
    set_committed_value(attempt.quiz.version, "pass_mark", 1)
    locked = services.attempt_of(setup.learner, attempt.id, T0, lock=True)
    assert locked is attempt and attempt.state == AttemptState.OPEN
    assert attempt.quiz is setup.quiz and setup.quiz.title != "stale" and setup.quiz.version.pass_mark != 1
    graded = services.submit_attempt(setup.learner, attempt.id, T0 + timedelta(minutes=1))
    assert graded.state == AttemptState.GRADED and graded.score == Decimal(0)


def test_a_review_says_right_answers_in_words_in_each_requests_language(app_ctx):
    """The words (true/false, a numerical range) are kept per language once said: each language gets its own."""
    from flask_babel import force_locale

    from tests.factories.quizzes import true_false_spec

    setup = make_quiz_setup([true_false_spec()], kind=QuizKind.PRE_TEST, review_shows="answers")
    attempt, _ = services.start_attempt(setup.learner, setup.quiz, T0)
    services.submit_attempt(setup.learner, attempt.id, T0)
    said = {}
    for language in ("id", "en", "id"):
        with app_ctx.test_request_context("/"), force_locale(language):
            said.setdefault(language, []).append(services.review_of(attempt, T0).questions[0].right_answers)
    assert said == {"id": [["Salah"], ["Salah"]], "en": [["False"]]}  # the spec's right answer: false
