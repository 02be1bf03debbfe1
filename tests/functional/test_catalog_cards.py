"""The catalog's cards: each course's next cohort (dates in the visitor's language, online or the place), JPL and
SKP, and the signed-in learner's own state in it (completed / enrolled / pending / not enrolled) — put into the
body that every visitor shares, in a fixed number of statements however many courses and enrolments."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, timedelta

from lms.courses import services
from lms.extensions import db
from tests.factories import make_organization, make_user
from tests.factories.certificates import enrol, finished_learner, make_cohort, make_published_version
from tests.statements import counted_statements as statements

TODAY = date.today()


def states_on(html: str) -> dict[str, str]:
    """course code → the state its card shows."""
    cards = re.findall(r'<li class="card course-card" data-course="([^"]+)">(.*?)</li>', html, re.S)
    return {code: (m[1] if (m := re.search(r'data-state="(\w+)"', card)) else "") for code, card in cards}


def world(courses: int = 4):
    """A learner with a completed, an enrolled and a pending course, and courses she is not in."""
    make_organization("ppni", name="PPNI")
    codes = ["DONE-1", "ACTIVE-1", "PENDING-1", *[f"OTHER-{n}" for n in range(1, courses - 2)]]
    cohorts = {}
    for n, code in enumerate(codes):
        version = make_published_version(code)
        start = TODAY + timedelta(days=10 + n)
        cohorts[code] = make_cohort(
            version,
            mode="luring" if code == "ACTIVE-1" else "daring",
            place="Bapelkes Makassar" if code == "ACTIVE-1" else None,
            starts_on=start,
            ends_on=start + timedelta(days=4),
            needs_approval=code == "PENDING-1",
        )
    learner, _ = finished_learner(cohorts["DONE-1"], "rina@example.test")
    learner.locale = "id"
    enrol(learner, cohorts["ACTIVE-1"])
    enrol(learner, cohorts["PENDING-1"])
    db.session.commit()
    return learner, cohorts


def test_a_card_shows_the_next_cohort_and_the_learners_state(app, app_ctx, client, auth):
    learner, cohorts = world()
    anonymous = client.get("/courses").get_data(as_text=True)
    assert set(states_on(anonymous).values()) == {""}  # no one to say it of
    assert "course-state" not in anonymous
    auth.login(learner.email)
    page = client.get("/courses").get_data(as_text=True)
    assert states_on(page) == {
        "DONE-1": "completed",
        "ACTIVE-1": "enrolled",
        "PENDING-1": "pending",
        "OTHER-1": "not_enrolled",
    }
    assert "Menunggu persetujuan" in page and "Selesai" in page and "Belum terdaftar" in page
    card = re.search(r'data-course="ACTIVE-1">(.*?)</li>', page, re.S)[1]
    start = cohorts["ACTIVE-1"].starts_on
    months = ["Jan", "Feb", "Mar", "Apr", "Mei", "Jun", "Jul", "Agu", "Sep", "Okt", "Nov", "Des"]
    assert f"{start.day} {months[start.month - 1]} {start.year}" in card  # Indonesian medium date
    assert "Luring" in card
    assert "Bapelkes Makassar" in card
    assert "JPL" in card and "SKP" in card
    # The other language: the body is another cache entry, the states come in English.
    client.post("/language", data={"locale": "en"})
    english = client.get("/courses").get_data(as_text=True)
    assert states_on(english)["DONE-1"] == "completed" and "Completed" in english and "Not enrolled" in english
    assert f"{start.strftime('%b')} {start.day}, {start.year}" in english


def test_the_learners_states_take_a_fixed_number_of_statements(app, app_ctx, client, auth):
    learner, cohorts = world(courses=3)
    auth.login(learner.email)
    client.get("/courses")  # the shared body is now cached
    with statements() as few:
        client.get("/courses")
    for n in range(4):  # more courses, more enrolments
        version = make_published_version(f"MORE-{n}")
        enrol(learner, make_cohort(version, starts_on=TODAY, ends_on=TODAY + timedelta(days=2)))
    finished_learner(cohorts["ACTIVE-1"], "other@example.test")
    client.get("/courses")
    with statements() as many:
        page = client.get("/courses").get_data(as_text=True)
    assert list(states_on(page).values()).count("enrolled") == 5
    assert len(many) == len(few), [s[:90] for s in many]
    # The states: one statement for the enrolments, one for their certificates (the rest is the page's frame).
    assert len([s for s in many if "FROM enrolments" in s]) == 1
    assert len([s for s in many if "FROM certificates" in s]) == 1
    assert not [s for s in many if "course_versions.summary" in s]  # the shared body stays cached


def test_the_states_read_with_the_learner_are_the_states_read_alone(app, app_ctx, client, auth):
    """The catalog reads her states in the statement that loads her (a page value); a page that did not (she logged
    in during the request) reads them alone: the same states, a repeated course counted at its furthest."""
    from flask_login import login_user

    from lms.accounts.login import page_value
    from lms.courses.services import course_states
    from lms.courses.views import COURSE_STATES

    learner, cohorts = world()
    enrol(learner, make_cohort(cohorts["DONE-1"].version, starts_on=TODAY, ends_on=TODAY))  # DONE-1 again
    db.session.commit()
    expected = {"DONE-1": "completed", "ACTIVE-1": "enrolled", "PENDING-1": "pending", "OTHER-1": "not_enrolled"}
    auth.login(learner.email)
    assert states_on(client.get("/courses").get_data(as_text=True)) == expected
    with app.test_request_context("/courses"):
        login_user(learner)
        assert page_value(COURSE_STATES) is None  # not read with her: the view reads them alone
        alone = course_states(learner.id)
    codes = {version_cohort.version.course_id: code for code, version_cohort in cohorts.items()}
    assert {codes[course_id]: state.value for course_id, state in alone.items()} == {
        code: state for code, state in expected.items() if state != "not_enrolled"
    }


def test_course_states_read_after_an_enrolment_in_the_same_transaction_see_it(app_ctx):
    """Outside the transaction only while the session holds none: an enrolment written and not yet committed counts."""
    make_organization("ppni")
    version = make_published_version("PPI-DASAR")
    cohort = make_cohort(version)
    learner = make_user()
    assert services.course_states(learner.id) == {}
    services.enrol(learner, cohort, datetime.now(UTC))
    assert services.course_states(learner.id) == {version.course_id: services.CourseState.ENROLLED}
    db.session.rollback()
    assert services.course_states(learner.id) == {}
