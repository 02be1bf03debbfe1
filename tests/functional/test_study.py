"""Enrolment and studying: capacity, window, approval, waiting list, lesson player, resume, API."""

from datetime import date, timedelta

import pytest
from sqlalchemy import select

from lms.accounts.models import Role
from lms.core.errors import Conflict, InvalidInput
from lms.core.models import utcnow
from lms.courses import services
from lms.courses.enrolment import EnrolmentClosed, LessonLocked
from lms.courses.models import EnrolmentStatus
from lms.extensions import db
from tests.conftest import api_token
from tests.factories import make_course_spec, make_organization, make_user


@pytest.fixture
def setup(app_ctx):
    ppni = make_organization("ppni", name="PPNI")
    admin = make_user("admin@example.test", role=Role.ORG_ADMIN, organization=ppni)
    version = services.import_course(make_course_spec(), publish=True).version
    db.session.commit()
    return admin, version


def cohort_for(admin, version, **rules):
    today = date.today()
    cohort = services.create_cohort(
        admin, version, name="Angkatan 1", mode="daring", place=None,
        starts_on=today, ends_on=today + timedelta(days=30), **rules,
    )  # fmt: skip
    db.session.commit()
    return cohort


def test_capacity_waiting_list_and_promotion(setup):
    admin, version = setup
    cohort = cohort_for(admin, version, capacity=1)
    first, second = make_user("a@example.test"), make_user("b@example.test")
    e1 = services.enrol(first, cohort, utcnow())
    e2 = services.enrol(second, cohort, utcnow())
    assert (e1.status, e2.status) == (EnrolmentStatus.ACTIVE, EnrolmentStatus.WAITLISTED)
    assert services.enrol(first, cohort, utcnow()).id == e1.id  # asking again changes nothing
    services.withdraw(first, e1)
    db.session.commit()
    assert e2.status == EnrolmentStatus.ACTIVE


def test_approval_flow_and_decline_needs_reason(setup):
    admin, version = setup
    cohort = cohort_for(admin, version, needs_approval=True, capacity=1)
    a, b = make_user("a@example.test"), make_user("b@example.test")
    ea = services.enrol(a, cohort, utcnow())
    eb = services.enrol(b, cohort, utcnow())
    assert (ea.status, eb.status) == (EnrolmentStatus.PENDING, EnrolmentStatus.WAITLISTED)
    with pytest.raises(InvalidInput):
        services.decide_enrolment(admin, ea, approve=False, reason="  ")
    services.decide_enrolment(admin, ea, approve=True)
    with pytest.raises(Conflict):
        services.decide_enrolment(admin, eb, approve=True)  # full
    services.decide_enrolment(admin, eb, approve=False, reason="Kuota penuh")
    assert (ea.status, eb.status, eb.decline_reason) == (
        EnrolmentStatus.ACTIVE,
        EnrolmentStatus.DECLINED,
        "Kuota penuh",
    )


def test_enrolment_window(setup):
    admin, version = setup
    cohort = cohort_for(admin, version, enrol_closes_at=utcnow() - timedelta(hours=1))
    with pytest.raises(EnrolmentClosed):
        services.enrol(make_user("a@example.test"), cohort, utcnow())


def test_cohort_needs_published_version_and_sane_dates(setup):
    admin, version = setup
    draft = services.import_course(make_course_spec(title="Baru")).version
    with pytest.raises(InvalidInput):
        cohort_for(admin, draft)
    with pytest.raises(InvalidInput):
        services.create_cohort(
            admin, version, name="x", mode="luring", place=None, starts_on=date(2026, 2, 1), ends_on=date(2026, 1, 1)
        )


def test_learner_enrols_studies_leaves_and_resumes_in_pages(client, auth, setup):
    admin, version = setup
    cohort = cohort_for(admin, version)
    make_user("learner@example.test")
    auth.login("learner@example.test")
    assert "Angkatan 1" in client.get("/courses/PPI-DASAR").get_data(as_text=True)
    response = client.post(f"/cohorts/{cohort.id}/enrol")
    assert response.status_code == 302
    enrolment_url = response.headers["Location"]
    lessons = services.lesson_ids_in_order(version)
    page = client.get(f"/lessons/{lessons[0]}").get_data(as_text=True)
    assert "<strong>pengantar</strong>" in page  # Markdown rendered
    assert client.post(f"/lessons/{lessons[0]}/complete").headers["Location"].endswith(f"/lessons/{lessons[1]}")
    client.get(f"/lessons/{lessons[1]}")  # opened, not finished; the learner leaves
    auth.logout()
    auth.login("learner@example.test")
    page = client.get(enrolment_url).get_data(as_text=True)
    assert f'href="/lessons/{lessons[1]}" data-testid="resume"' in page
    assert "1 dari 3" in page or "1 of 3" in page


def test_sequential_course_locks_later_lessons(client, auth, app_ctx):
    ppni = make_organization("ppni")
    admin = make_user("admin@example.test", role=Role.ORG_ADMIN, organization=ppni)
    version = services.import_course(make_course_spec(sequential=True), publish=True).version
    cohort = cohort_for(admin, version)
    learner = make_user("learner@example.test")
    services.enrol(learner, cohort, utcnow())
    db.session.commit()
    lessons = services.lesson_ids_in_order(version)
    with pytest.raises(LessonLocked):
        services.complete_lesson(learner, lessons[1])
    db.session.rollback()
    auth.login("learner@example.test")
    assert client.get(f"/lessons/{lessons[2]}").status_code == 302
    assert client.post(f"/lessons/{lessons[2]}/complete").status_code == 409


def test_lessons_need_an_active_enrolment(client, auth, setup):
    _admin, version = setup
    make_user("stranger@example.test")
    auth.login("stranger@example.test")
    assert client.get(f"/lessons/{services.lesson_ids_in_order(version)[0]}").status_code == 404


def test_learner_cannot_see_another_learners_enrolment(client, auth, setup):
    admin, version = setup
    cohort = cohort_for(admin, version)
    other = services.enrol(make_user("other@example.test"), cohort, utcnow())
    db.session.commit()
    make_user("me@example.test")
    auth.login("me@example.test")
    assert client.get(f"/enrolments/{other.id}").status_code == 404
    assert client.post(f"/enrolments/{other.id}/withdraw").status_code == 404
    db.session.refresh(other)
    assert other.status == EnrolmentStatus.ACTIVE


def test_study_api(client, setup):
    admin, version = setup
    cohort = cohort_for(admin, version)
    make_user("learner@example.test")
    headers = {"Authorization": "Bearer " + api_token(client, "learner@example.test")}
    enrolled = client.post(f"/api/v1/cohorts/{cohort.id}/enrol", headers=headers)
    assert enrolled.status_code == 200 and enrolled.get_json()["status"] == "active"
    enrolment_id = enrolled.get_json()["id"]
    lessons = services.lesson_ids_in_order(version)
    done = client.post(f"/api/v1/lessons/{lessons[0]}/complete", headers=headers).get_json()
    assert done["progress"] == {"done": 1, "total": 3, "percent": 33, "complete": False, "next_lesson_id": lessons[1]}
    again = client.post(f"/api/v1/lessons/{lessons[0]}/complete", headers=headers).get_json()
    assert again["progress"]["done"] == 1
    detail = client.get(f"/api/v1/enrolments/{enrolment_id}", headers=headers).get_json()
    assert detail["completed_lesson_ids"] == [lessons[0]] and len(detail["missing"]) == 1
    assert client.post("/api/v1/cohorts/999999/enrol", headers=headers).status_code == 404
    other = make_user("other@example.test")
    other_headers = {"Authorization": "Bearer " + api_token(client, other.email)}
    assert client.get(f"/api/v1/enrolments/{enrolment_id}", headers=other_headers).status_code == 404
    assert client.post(f"/api/v1/lessons/{lessons[1]}/complete", headers=other_headers).status_code == 404
    assert (
        db.session.execute(select(db.func.count()).select_from(db.metadata.tables["lesson_completions"])).scalar() == 1
    )


def test_declining_a_pending_request_moves_the_waiting_list_up(setup):
    admin, version = setup
    cohort = cohort_for(admin, version, needs_approval=True, capacity=1)
    first = services.enrol(make_user("a@example.test"), cohort, utcnow())
    waiting = services.enrol(make_user("b@example.test"), cohort, utcnow())
    services.decide_enrolment(admin, first, approve=False, reason="Bukan sasaran pelatihan")
    db.session.commit()
    assert waiting.status == EnrolmentStatus.PENDING


def test_cohort_refuses_unknown_mode_blank_name_and_outside_facilitators(setup):
    admin, version = setup
    today = date.today()
    outsider = make_user("x@example.test", role=Role.FACILITATOR, organization=make_organization("ibi"))
    bad = [
        {"name": "A1", "mode": "teleport"},
        {"name": "   ", "mode": "daring"},
        {"name": "A1", "mode": "daring", "facilitators": [outsider]},
    ]
    for fields in bad:
        with pytest.raises(InvalidInput):
            services.create_cohort(
                admin, version, place=None, starts_on=today, ends_on=today + timedelta(days=1), **fields
            )
