"""Issue 16: after the last lesson the learner is sent to what the certificate still needs (the post-test), not back
to lesson 1; a finished course says so."""

from __future__ import annotations

import re

from sqlalchemy import select

from lms.accounts.services import find_user_by_email
from lms.courses import services
from lms.courses.models import Enrolment
from lms.extensions import db
from tests.functional.test_home_panels import DEMO_PASSWORD, demo  # noqa: F401


def _log_in(client, email):
    assert client.post("/login", data={"email": email, "password": DEMO_PASSWORD}).status_code == 302


def test_the_last_lesson_leads_to_the_post_test(client, demo):  # noqa: F811
    midwife = find_user_by_email("bidan@lentera.test")
    enrolment = db.session.execute(select(Enrolment).where(Enrolment.user_id == midwife.id)).scalars().first()
    order = services.lesson_ids_in_order(enrolment.cohort.version)
    _log_in(client, "bidan@lentera.test")
    for lesson_id in order[:-1]:
        client.post(f"/lessons/{lesson_id}/complete")
    last = client.post(f"/lessons/{order[-1]}/complete")
    assert last.status_code == 302
    assert re.search(r"/quizzes/\d+$", last.headers["Location"]), last.headers["Location"]
    page = client.get(f"/enrolments/{enrolment.id}").get_data(as_text=True)
    assert 'data-testid="next-step"' in page and 'data-testid="resume"' not in page
    assert re.search(r'href="/quizzes/\d+" data-testid="next-step"', page)


def test_a_finished_course_says_so(client, demo):  # noqa: F811
    _log_in(client, "perawat@lentera.test")
    page = client.get("/my/courses").get_data(as_text=True)
    assert 'data-testid="finished"' in page  # the demo nurse's certified course
    nurse = find_user_by_email("perawat@lentera.test")
    finished = [
        e
        for e in db.session.execute(select(Enrolment).where(Enrolment.user_id == nurse.id)).scalars()
        if 'data-testid="finished"' in client.get(f"/enrolments/{e.id}").get_data(as_text=True)
    ]
    assert finished
