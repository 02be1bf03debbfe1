"""Issue 16: an answer that could not be saved (the phone lost its connection) stays in the page and is saved by
itself when the connection returns; resuming the quiz later opens the first question not answered yet."""

from __future__ import annotations

import re

from flask import Flask
from playwright.sync_api import Page, expect
from sqlalchemy import select

from lms.extensions import db
from lms.quizzes.models import Answer, QuizKind
from tests.browser.test_study_flow import log_in
from tests.factories.quizzes import make_quiz_setup, single_spec


def test_an_answer_lost_offline_is_saved_when_back_online(page: Page, live_server: str, app: Flask):
    with app.app_context():
        setup = make_quiz_setup([single_spec(1), single_spec(2), single_spec(3)], kind=QuizKind.PRE_TEST)
        quiz_id, learner_email = setup.quiz.id, setup.learner.email
        first_id = setup.questions[0].id

    log_in(page, app, learner_email)
    page.goto(f"/quizzes/{quiz_id}")
    page.locator(f"form[action='/quizzes/{quiz_id}/attempts'] button").click()
    expect(page).to_have_url(re.compile(r"/attempts/\d+$"))
    question = page.get_by_test_id("question")
    state = question.get_by_test_id("save-state")

    page.context.set_offline(True)
    question.get_by_label("Benar 1").check()
    expect(state).to_have_attribute("data-state", "error")
    expect(question.get_by_label("Benar 1")).to_be_checked()  # kept in the page meanwhile
    with app.app_context():
        assert db.session.execute(select(Answer)).first() is None

    page.context.set_offline(False)  # the browser reports "online": the answer goes out by itself
    expect(state).to_have_attribute("data-state", "saved")
    with app.app_context():
        saved = dict(db.session.execute(select(Answer.question_id, Answer.response)).all())
    assert saved == {first_id: 1}

    # Leaving and coming back: the quiz opens at the first unanswered question (2 of 3), not question 1.
    page.goto(f"/quizzes/{quiz_id}")
    page.locator(f"form[action='/quizzes/{quiz_id}/attempts'] button").click()
    expect(page).to_have_url(re.compile(r"/attempts/\d+\?page=2$"))
