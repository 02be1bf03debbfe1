"""What a cohort's people are told: a message an admin or facilitator writes to the whole cohort (a job with a
progress bar, once per person, retried), and a cancelled or changed cohort (what changed, in each person's language,
by e-mail through a real SMTP server when she wants it)."""

from __future__ import annotations

from datetime import date, timedelta
from types import SimpleNamespace

import pytest
from sqlalchemy import func, select

from lms.accounts.models import Role
from lms.courses.models import Enrolment, EnrolmentStatus
from lms.extensions import db
from lms.jobs import runs
from lms.jobs.models import FailedJob, JobRun
from lms.notifications import reminders
from lms.notifications.jobs import COHORT_MESSAGE_JOB, send_cohort_message
from lms.notifications.models import CohortMessage, Notification
from lms.notifications.services import set_email_choice
from tests.db_faults import refused_inserts
from tests.factories import make_organization, make_user
from tests.factories.courses import make_enrolment, make_open_cohort, make_published_course
from tests.smtp import SmtpServer


@pytest.fixture
def world(app_ctx):
    ppni = make_organization("ppni", name="PPNI")
    ibi = make_organization("ibi", name="IBI")
    admin = make_user("admin@example.test", role=Role.ORG_ADMIN, organization=ppni, locale="en", full_name="Admin PPNI")
    facilitator = make_user(
        "fasil@example.test", role=Role.FACILITATOR, organization=ppni, full_name="Ns. Dewi", locale="id"
    )
    other_facilitator = make_user("other@example.test", role=Role.FACILITATOR, organization=ppni)
    ibi_admin = make_user("admin-ibi@example.test", role=Role.ORG_ADMIN, organization=ibi)
    version = make_published_course("PPI-DASAR", organization="ppni")
    cohort = make_open_cohort(admin, version, name="Angkatan 1", mode="luring", place="Aula Dinkes")
    cohort.facilitators.append(facilitator)
    learners = [
        make_user("rina@example.test", full_name="Rina", locale="en"),
        make_user("siti@example.test", full_name="Siti", locale="id"),
        make_user("ayu@example.test", full_name="Ayu", locale="en"),
    ]
    for learner in learners:
        make_enrolment(learner, cohort)
    waiting = make_user("waiting@example.test", full_name="Waiting", locale="en")
    make_enrolment(waiting, cohort).status = EnrolmentStatus.PENDING
    set_email_choice(learners[2].id, "cohort_message", False)  # Ayu: in Lentera only
    db.session.commit()
    return SimpleNamespace(ppni=ppni, admin=admin, facilitator=facilitator, other_facilitator=other_facilitator,
                           ibi_admin=ibi_admin, cohort=cohort, learners=learners, waiting=waiting)  # fmt: skip


def smtp_config(app, monkeypatch, server) -> None:
    for key, value in server.config().items():
        monkeypatch.setitem(app.config, key, value)


def told(kind: str) -> dict[int, int]:
    """{user id: notifications of `kind`}."""
    return dict(
        db.session.execute(
            select(Notification.user_id, func.count()).where(Notification.kind == kind).group_by(Notification.user_id)
        ).all()
    )


def test_an_admin_writes_to_the_cohort_through_a_job_and_each_learner_is_told_once(
    app, client, auth, world, monkeypatch
):
    url = f"/cohorts/{world.cohort.id}/message"
    auth.login(world.admin.email)
    form = client.get(url).get_data(as_text=True)
    assert "It goes to the 3 active learners of Angkatan 1." in form
    with SmtpServer() as server:
        smtp_config(app, monkeypatch, server)
        response = client.post(url, data={"body": "Bring your STR to the first session, please."})
        mails = server.handler.wait_for(2)
    run = db.session.execute(select(JobRun)).scalar_one()
    assert response.headers["Location"].endswith(f"{url}?job={run.id}")
    assert (run.kind, run.state, run.total, run.done) == (COHORT_MESSAGE_JOB, "finished", 3, 3)
    page = client.get(f"{url}?job={run.id}").get_data(as_text=True)
    assert 'data-job-state="finished"' in page and "Sent: the 3 active learners have the message." in page
    assert "Bring your STR to the first session, please." in page  # listed under the messages sent
    assert client.get(f"/api/v1/jobs/{run.id}").get_json()["outcome"] == {"total": 3, "told_now": 3}

    rina, siti, ayu = world.learners
    assert told("cohort_message") == {rina.id: 1, siti.id: 1, ayu.id: 1}  # not the one still waiting
    # E-mail by each one's choice (Ayu chose Lentera only), in her language.
    assert sorted(m["To"] for m in mails) == ["rina@example.test", "siti@example.test"]
    english = next(m for m in mails if m["To"] == "rina@example.test")
    assert english["Subject"] == "Lentera: Message from Admin PPNI about Angkatan 1"
    assert "Bring your STR to the first session, please." in english.get_body(("plain",)).get_content()
    indonesian = next(m for m in mails if m["To"] == "siti@example.test")
    assert indonesian["Subject"] == "Lentera: Pesan dari Admin PPNI tentang Angkatan 1"

    # The same message delivered again (a retry after success, a duplicate delivery): nobody is told twice.
    message = db.session.execute(select(CohortMessage)).scalar_one()
    again = runs.open_run(COHORT_MESSAGE_JOB, f"cohort:{world.cohort.id}", world.admin.id)
    db.session.commit()
    assert send_cohort_message.call_local(again.id, message.id) == 0
    db.session.expire_all()
    assert told("cohort_message") == {rina.id: 1, siti.id: 1, ayu.id: 1}


def test_who_may_write_and_bad_input_writes_nothing(client, auth, world):
    url = f"/cohorts/{world.cohort.id}/message"
    for outsider in (world.ibi_admin, world.other_facilitator, world.learners[0]):
        auth.login(outsider.email)
        assert client.get(url).status_code == 404
        assert client.post(url, data={"body": "Hello"}).status_code == 404
        auth.logout()
    auth.login(world.facilitator.email)  # Indonesian: the messages are in her language
    empty = client.post(url, data={"body": "   "})
    assert empty.status_code == 422 and "Tulis pesan yang akan diterima peserta." in empty.get_data(as_text=True)
    too_long = client.post(url, data={"body": "x" * 2001})
    assert too_long.status_code == 422
    assert db.session.execute(select(CohortMessage)).first() is None
    assert db.session.execute(select(JobRun)).first() is None
    assert client.post(url, data={"body": "Sesi besok mulai pukul 08.00 WITA."}).status_code == 302
    db.session.expire_all()
    notification = (
        db.session.execute(select(Notification).where(Notification.kind == "cohort_message")).scalars().first()
    )
    assert notification.params["sender"] == "Ns. Dewi" and notification.link.startswith("/enrolments/")


def test_a_running_message_job_shows_a_bar_that_reloads_without_js(client, auth, world):
    run = JobRun(kind=COHORT_MESSAGE_JOB, subject=f"cohort:{world.cohort.id}", started_by_id=world.admin.id,
                 state="running", total=40, done=10)  # fmt: skip
    db.session.add(run)
    db.session.commit()
    auth.login(world.admin.email)
    html = client.get(f"/cohorts/{world.cohort.id}/message").get_data(as_text=True)
    assert '<progress max="100" value="25"' in html
    assert '<noscript><meta http-equiv="refresh" content="3"></noscript>' in html
    assert f'data-progress-url="/api/v1/jobs/{run.id}"' in html


def test_a_failing_message_job_is_retried_and_tells_only_those_not_told(client, auth, world, monkeypatch):
    monkeypatch.setattr(reminders, "BATCH", 1)  # one learner per committed batch
    rina, siti, ayu = world.learners
    auth.login(world.admin.email)
    with refused_inserts("notifications", f"NEW.user_id = {ayu.id}"):
        assert client.post(f"/cohorts/{world.cohort.id}/message", data={"body": "Room changed."}).status_code == 302
    db.session.expire_all()
    run = db.session.execute(select(JobRun)).scalar_one()
    assert run.state == "failed" and "refused by test" in run.error
    assert told("cohort_message") == {rina.id: 1, siti.id: 1}
    (failure,) = db.session.execute(select(FailedJob)).scalars()
    assert failure.name.endswith("send_cohort_message") and failure.retries_left == 3

    auth.logout()
    auth.login(make_user("root@example.test", is_platform_admin=True).email)
    assert client.post(f"/admin/jobs/{failure.id}/retry").status_code == 302
    db.session.expire_all()
    run = db.session.get(JobRun, run.id)
    assert (run.state, run.done, run.outcome) == ("finished", 3, {"total": 3, "told_now": 1})
    assert told("cohort_message") == {rina.id: 1, siti.id: 1, ayu.id: 1}


def test_a_cancelled_cohort_tells_everyone_enrolled_or_waiting_why(app, client, auth, world, monkeypatch):
    rina, siti, ayu = world.learners
    auth.login(world.admin.email)
    with SmtpServer() as server:
        smtp_config(app, monkeypatch, server)
        response = client.post(
            f"/organizations/{world.ppni.id}/cohorts/{world.cohort.id}/cancel",
            data={"reason": "The trainers are needed for a measles outbreak response."},
        )
        assert response.status_code == 302
        mails = server.handler.wait_for(4)
    assert told("cohort_cancelled") == {rina.id: 1, siti.id: 1, ayu.id: 1, world.waiting.id: 1}
    by_to = {m["To"]: m for m in mails}
    assert by_to["rina@example.test"]["Subject"] == "Lentera: Angkatan 1 was cancelled"
    text = by_to["rina@example.test"].get_body(("plain",)).get_content()
    assert "PPNI cancelled Angkatan 1" in text and "measles outbreak response" in text
    assert by_to["siti@example.test"]["Subject"] == "Lentera: Angkatan 1 dibatalkan"
    enrolment = db.session.execute(select(Enrolment).where(Enrolment.user_id == rina.id)).scalar_one()
    link = db.session.execute(select(Notification.link).where(Notification.user_id == rina.id)).scalar_one()
    assert link == f"/enrolments/{enrolment.id}"


def test_a_changed_cohort_tells_its_participants_what_changed(app, client, auth, world, monkeypatch):
    rina, siti, ayu = world.learners
    set_email_choice(rina.id, "cohort_changed", False)  # she reads it in Lentera only
    db.session.commit()
    starts = date(2030, 3, 2)
    auth.login(world.admin.email)
    with SmtpServer() as server:
        smtp_config(app, monkeypatch, server)
        response = client.post(
            f"/organizations/{world.ppni.id}/cohorts/{world.cohort.id}/edit",
            data={
                "name": "Angkatan 1",
                "mode": "luring",
                "place": "RSUD Tarakan, ruang 2",
                "starts_on": starts.isoformat(),
                "ends_on": (starts + timedelta(days=3)).isoformat(),
            },
        )
        assert response.status_code == 302
        mails = server.handler.wait_for(2)
        # An online cohort's place is its link: the message says where to join.
        client.post(
            f"/organizations/{world.ppni.id}/cohorts/{world.cohort.id}/edit",
            data={"name": "Angkatan 1", "mode": "daring", "place": "https://meet.example.test/ppi",
                  "starts_on": starts.isoformat(), "ends_on": (starts + timedelta(days=3)).isoformat()},
        )  # fmt: skip
        online = server.handler.wait_for(4)[2:]
    assert told("cohort_changed") == {rina.id: 2, siti.id: 2, ayu.id: 2}  # active participants only, each time
    assert sorted(m["To"] for m in mails[:2]) == ["ayu@example.test", "siti@example.test"]  # Rina: Lentera only
    english = next(m for m in mails if m["To"] == "ayu@example.test")
    assert english["Subject"] == "Lentera: Angkatan 1 has changed"
    text = english.get_body(("plain",)).get_content()
    assert "starts on March 2, 2030" in text and "ends on March 5, 2030" in text
    assert "place: RSUD Tarakan, ruang 2 (was Aula Dinkes)" in text
    indonesian = next(m for m in mails if m["To"] == "siti@example.test").get_body(("plain",)).get_content()
    assert "mulai 2 Maret 2030" in indonesian and "tempat: RSUD Tarakan, ruang 2 (sebelumnya Aula Dinkes)" in indonesian
    text = next(m for m in online if m["To"] == "ayu@example.test").get_body(("plain",)).get_content()
    assert "now Online (was In person)" in text and "join at https://meet.example.test/ppi" in text
