"""Taking a quiz through the pages (no JavaScript) and the API: start, resume, save, submit, result, late answers."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from lms.extensions import db
from lms.quizzes.models import Answer, Attempt, AttemptState, QuizLayout, ReviewShows, ReviewWhen
from tests.conftest import api_token
from tests.factories import make_user
from tests.factories.courses import PNG
from tests.factories.quizzes import make_quiz_setup, single_spec


def attempt_id_from(response) -> int:
    match = re.search(r"/attempts/(\d+)", response.headers["Location"])
    assert match, response.headers.get("Location")
    return int(match.group(1))


def test_start_page_shows_rules_and_start_creates_one_attempt(client, auth, app_ctx):
    setup = make_quiz_setup(time_limit_minutes=30)
    auth.login(setup.learner.email)
    page = client.get(f"/quizzes/{setup.quiz.id}")
    assert page.status_code == 200
    assert 'data-testid="attempts-left">2<' in page.text
    started = client.post(f"/quizzes/{setup.quiz.id}/attempts")
    assert started.status_code == 302
    attempt_id = attempt_id_from(started)
    resumed = client.post(f"/quizzes/{setup.quiz.id}/attempts")
    assert attempt_id_from(resumed) == attempt_id
    assert db.session.execute(select(Attempt)).scalars().all()[0].id == attempt_id
    shown = client.get(f"/attempts/{attempt_id}")
    assert shown.status_code == 200
    assert shown.text.count('data-testid="question"') == 1  # one question per page by default
    assert 'data-seconds-left="' in shown.text


def test_no_js_save_next_previous_and_submit_with_confirmation(client, auth, app_ctx):
    setup = make_quiz_setup()
    auth.login(setup.learner.email)
    attempt_id = attempt_id_from(client.post(f"/quizzes/{setup.quiz.id}/attempts"))
    first, second = setup.questions[0], setup.questions[1]
    response = client.post(
        f"/attempts/{attempt_id}/answers?page=1", data={f"shown-{first.id}": "1", f"q-{first.id}": "1", "go": "next"}
    )
    assert response.status_code == 302 and response.headers["Location"].endswith("page=2")
    # Multiple response: nothing ticked clears it, both right ones give full marks.
    client.post(
        f"/attempts/{attempt_id}/answers?page=2",
        data={f"shown-{second.id}": "1", f"q-{second.id}": ["0", "1"], "go": "previous"},
    )
    page = client.get(f"/attempts/{attempt_id}?page=1")
    assert f'name="q-{first.id}" value="1" checked' in page.text
    confirm = client.get(f"/attempts/{attempt_id}/confirm")
    assert 'data-unanswered="3"' in confirm.text
    result = client.post(f"/attempts/{attempt_id}/submit")
    assert result.headers["Location"].endswith(f"/attempts/{attempt_id}/result")
    shown = client.get(f"/attempts/{attempt_id}/result")
    assert 'data-score="40.00"' in shown.text
    assert client.post(f"/attempts/{attempt_id}/submit").status_code == 302  # a second submit changes nothing
    assert db.session.get(Attempt, attempt_id).score == 40


def test_a_bad_answer_on_the_page_is_shown_and_the_others_are_saved(client, auth, app_ctx):
    setup = make_quiz_setup(layout=QuizLayout.ALL_ON_ONE_PAGE)
    auth.login(setup.learner.email)
    attempt_id = attempt_id_from(client.post(f"/quizzes/{setup.quiz.id}/attempts"))
    single, numerical = setup.questions[0], setup.questions[4]
    response = client.post(
        f"/attempts/{attempt_id}/answers",
        data={
            f"shown-{single.id}": "1",
            f"q-{single.id}": "1",
            f"shown-{numerical.id}": "1",
            f"q-{numerical.id}": "abc",
        },
    )
    assert response.status_code == 422
    assert response.text.count('data-testid="question"') == 5
    assert 'role="alert"' in response.text
    saved = dict(db.session.execute(select(Answer.question_id, Answer.response)).all())
    assert saved == {single.id: 1}


def test_api_flow_start_save_submit_idempotent(client, app_ctx):
    setup = make_quiz_setup()
    headers = {"Authorization": f"Bearer {api_token(client, setup.learner.email)}"}
    quiz = client.get(f"/api/v1/quizzes/{setup.quiz.id}", headers=headers).get_json()
    assert (quiz["attempts_left"], quiz["open_attempt_id"], quiz["pass_mark"]) == (2, None, 70)
    started = client.post(f"/api/v1/quizzes/{setup.quiz.id}/attempts", headers=headers)
    assert started.status_code == 201
    body = started.get_json()
    assert [q["question_id"] for q in body["questions"]] == [q.id for q in setup.questions]
    assert body["questions"][0]["options"][1] == {"index": 1, "text": "Benar 1"}
    again = client.post(f"/api/v1/quizzes/{setup.quiz.id}/attempts", headers=headers)
    assert again.status_code == 200 and again.get_json()["id"] == body["id"]
    attempt_id = body["id"]
    url = f"/api/v1/attempts/{attempt_id}/answers/"
    for question, response in zip(setup.questions, (1, ["0", "1"], False, "APD", "0,5"), strict=True):
        saved = client.put(url + str(question.id), json={"response": response}, headers=headers)
        assert saved.status_code == 200, saved.get_json()
        assert client.put(url + str(question.id), json={"response": response}, headers=headers).status_code == 200
    assert client.put(url + str(setup.questions[0].id), json={"response": 9}, headers=headers).status_code == 422
    assert client.put(url + "999999", json={"response": 1}, headers=headers).status_code == 404
    state = client.get(f"/api/v1/attempts/{attempt_id}", headers=headers).get_json()
    assert [q["response"] for q in state["questions"]] == [1, [0, 1], False, "APD", "0.5"]
    first = client.post(f"/api/v1/attempts/{attempt_id}/submit", headers=headers)
    second = client.post(f"/api/v1/attempts/{attempt_id}/submit", headers=headers)
    assert first.status_code == second.status_code == 200
    assert first.get_json()["score"] == second.get_json()["score"] == 100.0
    assert first.get_json()["submitted_at"] == second.get_json()["submitted_at"]
    late = client.put(url + str(setup.questions[0].id), json={"response": 0}, headers=headers)
    assert late.status_code == 409 and late.get_json()["error"]["code"] == "attempt_closed"


def test_api_refuses_answers_after_the_deadline(client, app_ctx, monkeypatch):
    setup = make_quiz_setup([single_spec(1), single_spec(2)], time_limit_minutes=10)
    headers = {"Authorization": f"Bearer {api_token(client, setup.learner.email)}"}
    attempt_id = client.post(f"/api/v1/quizzes/{setup.quiz.id}/attempts", headers=headers).get_json()["id"]
    url = f"/api/v1/attempts/{attempt_id}/answers/"
    assert client.put(url + str(setup.questions[0].id), json={"response": 1}, headers=headers).status_code == 200
    later = datetime.now(UTC) + timedelta(minutes=11)
    for module in ("lms.quizzes.api", "lms.quizzes.views"):
        monkeypatch.setattr(f"{module}.utcnow", lambda: later)
    refused = client.put(url + str(setup.questions[1].id), json={"response": 1}, headers=headers)
    assert refused.status_code == 409
    assert refused.get_json()["error"]["code"] == "deadline_passed"
    db.session.expire_all()
    attempt = db.session.get(Attempt, attempt_id)
    assert attempt.state == AttemptState.GRADED and attempt.close_reason == "expired" and attempt.score == 50
    responses = dict(db.session.execute(select(Answer.question_id, Answer.response)).all())
    assert responses[setup.questions[1].id] is None


def test_a_page_saved_after_the_deadline_keeps_the_grading_and_shows_the_result(client, auth, app_ctx, monkeypatch):
    setup = make_quiz_setup([single_spec(1), single_spec(2)], time_limit_minutes=10)
    auth.login(setup.learner.email)
    attempt_id = attempt_id_from(client.post(f"/quizzes/{setup.quiz.id}/attempts"))
    first, second = setup.questions
    client.post(f"/attempts/{attempt_id}/answers", data={f"shown-{first.id}": "1", f"q-{first.id}": "1"})
    later = datetime.now(UTC) + timedelta(minutes=11)
    monkeypatch.setattr("lms.quizzes.views.utcnow", lambda: later)
    late = client.post(f"/attempts/{attempt_id}/answers", data={f"shown-{second.id}": "1", f"q-{second.id}": "1"})
    assert late.status_code == 302 and late.headers["Location"].endswith(f"/attempts/{attempt_id}/result")
    db.session.expire_all()
    attempt = db.session.get(Attempt, attempt_id)
    assert attempt.state == AttemptState.GRADED and attempt.close_reason == "expired" and attempt.score == 50
    assert 'class="flash flash-error"' in client.get(late.headers["Location"]).text


def test_learners_reach_only_their_own_attempts(client, app_ctx):
    setup = make_quiz_setup([single_spec()])
    owner = {"Authorization": f"Bearer {api_token(client, setup.learner.email)}"}
    attempt_id = client.post(f"/api/v1/quizzes/{setup.quiz.id}/attempts", headers=owner).get_json()["id"]
    other = make_user()
    headers = {"Authorization": f"Bearer {api_token(client, other.email)}"}
    assert client.get(f"/api/v1/quizzes/{setup.quiz.id}", headers=headers).status_code == 404
    not_enrolled = client.post(f"/api/v1/quizzes/{setup.quiz.id}/attempts", headers=headers)
    assert not_enrolled.status_code == 404 and "Mendaftarlah" in not_enrolled.get_json()["error"]["message"]
    assert client.post(f"/api/v1/quizzes/{setup.quiz.id + 1000}/attempts", headers=owner).status_code == 404
    assert client.get(f"/api/v1/attempts/{attempt_id}", headers=headers).status_code == 404
    put = client.put(
        f"/api/v1/attempts/{attempt_id}/answers/{setup.questions[0].id}", json={"response": 1}, headers=headers
    )
    assert put.status_code == 404
    assert client.post(f"/api/v1/attempts/{attempt_id}/submit", headers=headers).status_code == 404
    assert client.get(f"/api/v1/attempts/{attempt_id}").status_code == 401


def test_pages_of_another_learners_attempt_are_not_found(client, auth, app_ctx):
    setup = make_quiz_setup([single_spec()])
    auth.login(setup.learner.email)
    attempt_id = attempt_id_from(client.post(f"/quizzes/{setup.quiz.id}/attempts"))
    auth.logout()
    other = make_user()
    auth.login(other.email)
    for url in (f"/attempts/{attempt_id}", f"/attempts/{attempt_id}/confirm", f"/attempts/{attempt_id}/result"):
        assert client.get(url).status_code == 404
    assert client.post(f"/attempts/{attempt_id}/submit").status_code == 404
    assert db.session.get(Attempt, attempt_id).state == AttemptState.OPEN


@pytest.mark.parametrize(
    ("shows", "when", "closes_in", "responses", "feedback"),
    [
        (ReviewShows.SCORE, ReviewWhen.IMMEDIATELY, None, False, False),
        (ReviewShows.ANSWERS, ReviewWhen.IMMEDIATELY, None, True, False),
        (ReviewShows.FEEDBACK, ReviewWhen.IMMEDIATELY, None, True, True),
        (ReviewShows.FEEDBACK, ReviewWhen.AFTER_CLOSE, timedelta(days=1), False, False),
    ],
)
def test_result_page_follows_the_review_options(client, auth, app_ctx, shows, when, closes_in, responses, feedback):
    closes = datetime.now(UTC) + closes_in if closes_in else None
    setup = make_quiz_setup([single_spec()], review_shows=shows, review_when=when, closes_at=closes)
    auth.login(setup.learner.email)
    attempt_id = attempt_id_from(client.post(f"/quizzes/{setup.quiz.id}/attempts"))
    question = setup.questions[0]
    client.post(f"/attempts/{attempt_id}/answers", data={f"shown-{question.id}": "1", f"q-{question.id}": "0"})
    client.post(f"/attempts/{attempt_id}/submit")
    page = client.get(f"/attempts/{attempt_id}/result").text
    assert f'data-shows-responses="{str(responses).lower()}"' in page
    assert ('data-testid="right-answer">Benar 1<' in page) is responses
    assert ("Kurang tepat." in page) is feedback
    assert ("Baca lagi modul 2." in page) is feedback
    assert 'data-score="0.00"' in page


def test_enrolment_page_shows_pre_and_post_test_with_links(client, auth, app_ctx):
    from lms.quizzes import services
    from lms.quizzes.models import QuizKind

    setup = make_quiz_setup([single_spec()])
    pre = services.save_quiz(setup.admin, setup.version, QuizKind.PRE_TEST, title="Pre-test")
    services.add_to_quiz(setup.admin, pre, setup.questions)
    db.session.commit()
    enrolment_id = services.learner_enrolment(setup.learner, setup.quiz).id
    auth.login(setup.learner.email)
    page = client.get(f"/enrolments/{enrolment_id}").text
    assert 'data-requirement="pre_test" data-met="none"' in page
    assert 'data-requirement="post_test" data-met="false"' in page
    assert f'href="/quizzes/{setup.quiz.id}"' in page and f'href="/quizzes/{pre.id}"' in page
    attempt_id = attempt_id_from(client.post(f"/quizzes/{setup.quiz.id}/attempts"))
    question = setup.questions[0]
    client.post(f"/attempts/{attempt_id}/answers", data={f"shown-{question.id}": "1", f"q-{question.id}": "1"})
    client.post(f"/attempts/{attempt_id}/submit")
    assert 'data-requirement="post_test" data-met="true"' in client.get(f"/enrolments/{enrolment_id}").text
    api = client.get(f"/api/v1/enrolments/{enrolment_id}").get_json()
    assert {r["key"]: r["met"] for r in api["requirements"]}["post_test"] is True


def test_quiz_endpoints_are_in_the_openapi_document(client):
    paths = client.get("/api/v1/openapi.json").get_json()["paths"]
    for path in (
        "/api/v1/quizzes/{quiz_id}",
        "/api/v1/quizzes/{quiz_id}/attempts",
        "/api/v1/attempts/{attempt_id}",
        "/api/v1/attempts/{attempt_id}/answers/{question_id}",
        "/api/v1/attempts/{attempt_id}/submit",
    ):
        assert path in paths


def test_a_question_image_is_shown_to_the_learner_of_the_attempt_only(client, auth, app_ctx):
    from dataclasses import replace

    png = PNG
    key = services_store_image(png)
    setup = make_quiz_setup([replace(single_spec(), image=key)])
    auth.login(setup.learner.email)
    attempt_id = attempt_id_from(client.post(f"/quizzes/{setup.quiz.id}/attempts"))
    question_id = setup.questions[0].id
    image_url = f"/attempts/{attempt_id}/questions/{question_id}/image"
    assert f'src="{image_url}"' in client.get(f"/attempts/{attempt_id}").text
    image = client.get(image_url)
    assert (image.status_code, image.mimetype, image.data) == (200, "image/png", png)
    auth.logout()
    auth.login(make_user().email)
    assert client.get(image_url).status_code == 404


def services_store_image(data: bytes) -> str:
    from lms.quizzes import services

    key = services.store_question_image(data)
    db.session.commit()
    return key
