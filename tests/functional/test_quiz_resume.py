"""Issue 16: resuming a quiz opens the first question not answered yet, as the start page promises."""

from __future__ import annotations

from lms.extensions import db
from lms.quizzes import services
from lms.quizzes.models import Attempt
from tests.factories.quizzes import make_quiz_setup
from tests.functional.test_quiz_taking import attempt_id_from


def test_resume_opens_the_first_unanswered_question(client, auth, app_ctx):
    setup = make_quiz_setup()
    auth.login(setup.learner.email)
    started = client.post(f"/quizzes/{setup.quiz.id}/attempts")
    attempt_id = attempt_id_from(started)
    shown = services.shown_questions(db.session.get(Attempt, attempt_id))
    assert len(shown) >= 3
    # The first two questions of the default set: single choice, then multiple response.
    for page, question, answer in ((1, shown[0], "1"), (2, shown[1], ["0", "1"])):
        saved = client.post(
            f"/attempts/{attempt_id}/answers?page={page}",
            data={f"shown-{question.question_id}": "1", f"q-{question.question_id}": answer, "go": "next"},
        )
        assert saved.status_code == 302
    db.session.expire_all()
    answered = [q.answered for q in services.shown_questions(db.session.get(Attempt, attempt_id))]
    assert answered[:2] == [True, True]
    first_open = answered.index(False) + 1
    resumed = client.post(f"/quizzes/{setup.quiz.id}/attempts")
    assert attempt_id_from(resumed) == attempt_id
    assert resumed.headers["Location"].endswith(f"page={first_open}")
    assert first_open == 3  # not question 1 again
