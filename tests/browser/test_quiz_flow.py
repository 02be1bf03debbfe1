"""Taking the pre-test on a phone: answers saved as given, kept across a reload, submit with confirmation, result."""

from __future__ import annotations

import re

from flask import Flask
from playwright.sync_api import Page, expect
from sqlalchemy import select

from lms.extensions import db
from lms.quizzes import services
from lms.quizzes.models import Answer, Attempt, QuizKind, ReviewShows
from tests.browser.conftest import translated
from tests.browser.test_study_flow import log_in
from tests.factories.quizzes import make_quiz_setup, numerical_spec, short_spec, single_spec, true_false_spec

LOCALE = "id"


def test_learner_takes_the_pre_test_reloads_mid_attempt_and_submits(page: Page, live_server: str, app: Flask):
    with app.app_context():
        setup = make_quiz_setup(
            [single_spec(1), true_false_spec(), short_spec(), numerical_spec()],
            kind=QuizKind.PRE_TEST,
            time_limit_minutes=30,
            review_shows=ReviewShows.FEEDBACK,
            attempts_allowed=1,
        )
        quiz_id, learner_email = setup.quiz.id, setup.learner.email
        question_ids = [q.id for q in setup.questions]
        enrolment_id = services.learner_enrolment(setup.learner, setup.quiz).id

    def t(message: str) -> str:
        return translated(app, LOCALE, message)

    # 1. From the enrolment page to the pre-test's start page, and start.
    log_in(page, app, learner_email)
    page.goto(f"/enrolments/{enrolment_id}")
    pre_test = page.locator("[data-requirement=pre_test]")
    expect(pre_test).to_have_attribute("data-met", "none")
    pre_test.get_by_role("link").click()
    expect(page).to_have_url(f"{live_server}/quizzes/{quiz_id}")
    expect(page.get_by_test_id("attempts-left")).to_have_text("1")
    page.locator(f"form[action='/quizzes/{quiz_id}/attempts'] button").click()
    expect(page).to_have_url(re.compile(r"/attempts/\d+$"))
    attempt_url = page.url
    expect(page.get_by_test_id("timer")).to_be_visible()
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth"), "no sideways scrolling"

    # 2. Answer the first question: the script saves it at once and says so.
    question = page.get_by_test_id("question")
    expect(question).to_have_count(1)
    question.get_by_label("Benar 1").check()
    expect(question.get_by_test_id("save-state")).to_have_attribute("data-state", "saved")
    page.get_by_test_id("next").click()
    expect(page).to_have_url(re.compile(r"page=2$"))

    # 3. The second (true/false): answer, wait for the save, then reload mid-attempt.
    second = page.get_by_test_id("question")
    second.get_by_label(t("False"), exact=True).check()
    expect(second.get_by_test_id("save-state")).to_have_attribute("data-state", "saved")
    page.reload()
    second = page.get_by_test_id("question")
    expect(second.get_by_label(t("False"), exact=True)).to_be_checked()
    expect(second.get_by_test_id("save-state")).to_have_attribute("data-state", "saved")
    with app.app_context():
        saved = dict(db.session.execute(select(Answer.question_id, Answer.response)).all())
    assert saved == {question_ids[0]: 1, question_ids[1]: False}

    # 4. Leave and come back through the start page: the same attempt, opened at the first unanswered question
    #    (issue 16), and the first answer still chosen.
    page.goto(f"/quizzes/{quiz_id}")
    page.locator(f"form[action='/quizzes/{quiz_id}/attempts'] button").click()
    expect(page).to_have_url(f"{attempt_url}?page=3")
    page.goto(f"{attempt_url}?page=1")
    expect(page.get_by_test_id("question").get_by_label("Benar 1")).to_be_checked()

    # 5. Type a short answer on page 3, then finish: the confirmation counts what is unanswered.
    page.goto(f"{attempt_url}?page=3")
    third = page.get_by_test_id("question")
    third.get_by_role("textbox").fill("  apd ")
    expect(third.get_by_test_id("save-state")).to_have_attribute("data-state", "saved")
    page.get_by_test_id("finish").click()
    confirm = page.get_by_test_id("confirm")
    expect(confirm).to_have_attribute("data-unanswered", "1")
    confirm.get_by_test_id("submit").click()

    # 6. The result, as the quiz is configured: score, right answers and feedback.
    result = page.get_by_test_id("result")
    expect(result).to_have_attribute("data-score", "75.00")
    expect(result).to_have_attribute("data-shows-feedback", "true")
    expect(page.get_by_test_id("review-question")).to_have_count(4)
    expect(page.get_by_test_id("feedback").first).to_contain_text("Tepat sekali.")
    with app.app_context():
        attempt = db.session.execute(select(Attempt)).scalar_one()
        assert (attempt.state, attempt.close_reason, attempt.score) == ("graded", "submitted", 75)

    # 7. The enrolment page now shows the pre-test score.
    page.goto(f"/enrolments/{enrolment_id}")
    expect(page.locator("[data-requirement=pre_test]")).to_contain_text("75")
