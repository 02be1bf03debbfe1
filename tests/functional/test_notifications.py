"""Notifications in the app: what each announced event writes, reminders that go out once, the in-app list with its
bell, and the API contract (GET /api/v1/me/notifications, POST /api/v1/me/notifications/read)."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

from sqlalchemy import func, select

from lms.accounts.models import Role
from lms.core.mail import OutboxMessage
from lms.core.models import utcnow
from lms.courses.services import decide_enrolment
from lms.extensions import db
from lms.notifications.kinds import KINDS
from lms.notifications.models import Notification, ReminderMarker
from lms.notifications.reminders import send_due_reminders, threshold_reached
from lms.notifications.services import reader_of
from lms.records.models import ExternalActivity
from lms.records.services import review_activity, set_licence
from tests.conftest import api_token
from tests.factories import make_organization, make_user
from tests.factories.attendance import make_session, make_training
from tests.factories.certificates import (
    complete_lessons,
    enrol,
    make_certificate_world,
    make_cohort,
    make_published_version,
)


def notifications_of(user) -> list[Notification]:
    db.session.expire_all()
    return list(
        db.session.execute(
            select(Notification).where(Notification.user_id == user.id).order_by(Notification.id)
        ).scalars()
    )


def rendered(notification: Notification) -> tuple[str, str]:
    kind, reader = KINDS[notification.kind], reader_of(notification.user)
    from flask_babel import force_locale

    with force_locale(reader.locale):
        return kind.title(notification.params, reader), kind.body(notification.params, reader)


# --- events ---------------------------------------------------------------------------------------------------------


def test_enrolment_decisions_and_activity_reviews_notify_the_person(app_ctx):
    organization = make_organization("ppni")
    admin = make_user(role=Role.ORG_ADMIN, organization=organization)
    version = make_published_version("PPI-APPROVE")
    cohort = make_cohort(version, needs_approval=True)
    nurse = make_user("nurse@example.test", locale="en")
    enrolment = enrol(nurse, cohort)
    decide_enrolment(admin, enrolment, approve=False, reason="Cohort is full.")
    db.session.commit()
    (declined,) = notifications_of(nurse)
    assert declined.kind == "enrolment_decided" and declined.link == f"/enrolments/{enrolment.id}"
    assert rendered(declined) == (f"Your enrolment in {cohort.name} was declined", "Reason: Cohort is full.")

    activity = ExternalActivity(
        user_id=nurse.id, organization_id=version.course.organization_id, kind="seminar", ranah="pembelajaran",
        title="Webinar PPI", organizer="RSUD", held_on=date.today(), skp_claimed=Decimal("2.5"),
        evidence_key="x", evidence_name="x.pdf", evidence_type="application/pdf",
    )  # fmt: skip
    db.session.add(activity)
    db.session.commit()
    review_activity(admin, activity, approve=True, skp_granted="2.5", now=utcnow())
    db.session.commit()
    reviewed = notifications_of(nurse)[-1]
    assert rendered(reviewed) == ('Your activity "Webinar PPI" was approved', "2.5 SKP were added to your record.")
    # A rollback takes the notification with it: it is written in the same transaction.
    second = make_user("second@example.test")
    decide_enrolment(admin, enrol(second, cohort), approve=True)
    db.session.rollback()
    assert notifications_of(second) == []


def test_a_rolled_back_revoke_leaves_no_notification_and_sends_nothing(app_ctx):
    from lms.certificates.services import revoke_certificate

    world = make_certificate_world()
    learner = make_user("rina@example.test")
    complete_lessons(learner, enrol(learner, world.cohort))
    (issued,) = notifications_of(learner)
    certificate_id = issued.params["number"]
    from lms.certificates.models import Certificate

    certificate = db.session.execute(select(Certificate).where(Certificate.number == certificate_id)).scalar_one()
    outbox_before = db.session.execute(select(func.count()).select_from(OutboxMessage)).scalar_one()
    revoke_certificate(world.admin, certificate, "Mistake.", utcnow())
    db.session.rollback()
    assert [n.kind for n in notifications_of(learner)] == ["certificate_issued"]
    assert db.session.execute(select(func.count()).select_from(OutboxMessage)).scalar_one() == outbox_before


# --- reminders ------------------------------------------------------------------------------------------------------


def test_threshold_reached():
    assert threshold_reached(200, (180, 90, 30)) is None
    assert threshold_reached(180, (180, 90, 30)) == 180
    assert threshold_reached(100, (180, 90, 30)) == 180
    assert threshold_reached(25, (180, 90, 30)) == 30
    assert threshold_reached(-1, (180, 90, 30)) is None


def _sip_start_for_cycle_ending_in(days: int, today: date) -> date:
    ends = today + timedelta(days=days)
    return ends.replace(year=ends.year - 5) + timedelta(days=1)


def test_reminders_go_out_once_with_place_shortfall_per_ranah_and_expiry(app_ctx):
    now = datetime.now(UTC).replace(microsecond=0)
    today = now.date()
    training = make_training(learners=2)
    tomorrow = make_session(
        training.cohort, starts_at=now + timedelta(hours=20), title="Praktik APD", place="Aula RSUD"
    )
    make_session(training.cohort, starts_at=now + timedelta(days=3), title="Later")
    sipped = make_user("sip@example.test", profession_code="perawat", locale="id")
    set_licence(sipped, sip_number="SIP-1", starts_on=_sip_start_for_cycle_ending_in(100, today), area="normal",
                today=today)  # fmt: skip
    complete = make_user("far@example.test")
    set_licence(complete, sip_number="SIP-2", starts_on=_sip_start_for_cycle_ending_in(300, today), area="normal",
                today=today)  # fmt: skip
    world = make_certificate_world("ibi", "BID-1")
    holder = make_user("holder@example.test", locale="en")
    complete_lessons(holder, enrol(holder, world.cohort))
    from lms.certificates.models import Certificate

    certificate = db.session.execute(select(Certificate).where(Certificate.user_id == holder.id)).scalar_one()
    certificate.expires_at = now + timedelta(days=20, hours=1)
    db.session.commit()

    first = send_due_reminders(now)
    assert first == {"session_reminder": 2, "renewal_due": 1, "competency_expiring": 1}
    assert send_due_reminders(now) == {"session_reminder": 0, "renewal_due": 0, "competency_expiring": 0}
    assert send_due_reminders(now + timedelta(hours=1)) == {
        "session_reminder": 0,
        "renewal_due": 0,
        "competency_expiring": 0,
    }

    learner = training.learners[0]
    (session_note,) = [n for n in notifications_of(learner) if n.kind == "session_reminder"]
    title, body = rendered(session_note)
    assert title == "Besok: Praktik APD" and "Aula RSUD" in body
    assert session_note.link == f"/attendance/checkin/{tomorrow.id}"

    (renewal,) = notifications_of(sipped)
    title, body = rendered(renewal)
    assert 98 <= renewal.params["days_left"] <= 100
    assert title == f"Masa SIP Anda berakhir dalam {renewal.params['days_left']} hari"
    assert "kurang 22,5 SKP" in body and "kurang 17,5 SKP" in body and "kurang 2,5 SKP" in body  # 45/35/5 % of 50
    assert renewal.params["missing"] == "50.00"

    (expiring,) = [n for n in notifications_of(holder) if n.kind == "competency_expiring"]
    assert rendered(expiring)[0] == f"Your certificate {certificate.number} expires in 20 days"

    # Ninety days on: the next threshold of the same SIP (30 days) goes out, once; the expiry is past.
    later = now + timedelta(days=75)
    assert send_due_reminders(later)["renewal_due"] == 1
    assert send_due_reminders(later)["renewal_due"] == 0
    markers = db.session.execute(
        select(ReminderMarker.threshold).where(ReminderMarker.user_id == sipped.id).order_by(ReminderMarker.id)
    ).scalars()
    assert list(markers) == ["180", "30"]


# --- in-app list, bell and API ----------------------------------------------------------------------------------------


def _two_notifications():
    world = make_certificate_world()
    learner = make_user("rina@example.test", locale="en")
    complete_lessons(learner, enrol(learner, world.cohort))
    from lms.certificates.models import Certificate
    from lms.certificates.services import revoke_certificate

    certificate = db.session.execute(select(Certificate).where(Certificate.user_id == learner.id)).scalar_one()
    revoke_certificate(world.admin, certificate, "Wrong person.", utcnow())
    db.session.commit()
    return learner, certificate


def test_bell_count_list_and_mark_all_read(client, auth, app_ctx):
    learner, certificate = _two_notifications()
    auth.login(learner.email)
    home = client.get("/").get_data(as_text=True)
    assert 'data-unread="2"' in home
    page = client.get("/notifications").get_data(as_text=True)
    assert page.index(f"Your certificate {certificate.number} was revoked") < page.index("is ready")  # newest first
    assert 'data-testid="whatsapp-share"' in page and "https://wa.me/?text=" in page
    assert client.post("/notifications/read").status_code == 302
    assert "data-unread=" not in client.get("/").get_data(as_text=True)
    assert 'data-read="false"' not in client.get("/notifications").get_data(as_text=True)


def test_api_lists_newest_first_with_read_and_link_and_marks_read(client, app_ctx):
    learner, certificate = _two_notifications()
    other = make_user("other@example.test")
    headers = {"Authorization": f"Bearer {api_token(client, learner.email)}"}
    listed = client.get("/api/v1/me/notifications", headers=headers)
    assert listed.status_code == 200
    items = listed.get_json()
    assert [i["kind"] for i in items] == ["certificate_status", "certificate_issued"]
    assert items[0]["title"] == f"Your certificate {certificate.number} was revoked"
    assert items[0]["read"] is False
    assert items[0]["link"] == f"http://localhost/my/certificates/{certificate.public_id}"
    assert items[0]["params"]["reason"] == "Wrong person."

    marked = client.post("/api/v1/me/notifications/read", json={"ids": [items[1]["id"]]}, headers=headers)
    assert marked.get_json() == {"marked": 1, "unread": 1}
    # Someone else's ids change nothing.
    other_headers = {"Authorization": f"Bearer {api_token(client, other.email)}"}
    assert client.post(
        "/api/v1/me/notifications/read", json={"ids": [items[0]["id"]]}, headers=other_headers
    ).get_json() == {
        "marked": 0,
        "unread": 0,
    }
    assert client.get("/api/v1/me/notifications", headers=other_headers).get_json() == []
    assert client.post("/api/v1/me/notifications/read", json={}, headers=headers).get_json() == {
        "marked": 1,
        "unread": 0,
    }
    assert [i["read"] for i in client.get("/api/v1/me/notifications", headers=headers).get_json()] == [True, True]

    assert client.get("/api/v1/me/notifications").status_code == 401
    bad = client.post("/api/v1/me/notifications/read", json={"ids": "all"}, headers=headers)
    assert bad.status_code == 422 and bad.get_json()["error"]["code"] == "invalid_input"
    unknown = client.put("/api/v1/me/notification-preferences", json={"email": {"nope": True}}, headers=headers)
    assert unknown.status_code == 422 and "nope" in unknown.get_json()["error"]["message"]
    chosen = client.put(
        "/api/v1/me/notification-preferences", json={"email": {"certificate_status": False}}, headers=headers
    )
    assert chosen.get_json()["email"]["certificate_status"] is False
    assert chosen.get_json()["email"]["certificate_issued"] is True

    spec = client.get("/api/v1/openapi.json").get_json()
    assert "/api/v1/me/notifications" in spec["paths"] and "/api/v1/me/notifications/read" in spec["paths"]
    assert "/api/v1/jobs/{run_id}" in spec["paths"]


def test_outbox_page_for_the_platform_admin_only(client, auth, app_ctx):
    learner, certificate = _two_notifications()  # no SMTP server: both mails wait in the outbox
    admin = make_user("root@example.test", is_platform_admin=True)
    auth.login(learner.email)
    assert client.get("/admin/outbox").status_code == 403
    auth.logout()
    auth.login(admin.email)
    page = client.get("/admin/outbox").get_data(as_text=True)
    assert f"Lentera: Your certificate {certificate.number} was revoked" in page
    message = db.session.execute(select(OutboxMessage).order_by(OutboxMessage.id.desc())).scalars().first()
    shown = client.get(f"/admin/outbox/{message.id}").get_data(as_text=True)
    assert "Reason: Wrong person." in shown and "/notifications/unsubscribe/" in shown
