"""Notification e-mail through a real SMTP server started by the test: multipart in the holder's language, sent by
the job queue after the commit, never failing the request when the server refuses or hangs, retried, preferences
and unsubscribe links respected."""

from __future__ import annotations

import re
import time

import pytest
from sqlalchemy import select

from lms.certificates.models import Certificate
from lms.extensions import db
from lms.jobs.models import FailedJob
from lms.notifications.models import Notification
from tests.factories import make_user
from tests.factories.certificates import complete_lessons, enrol, make_certificate_world
from tests.smtp import SilentServer, SmtpServer


@pytest.fixture
def world(app_ctx):
    return make_certificate_world()


def holder_with_certificate(world, email: str, locale: str) -> tuple:
    """A learner who finished the course (issued automatically) and her certificate."""
    user = make_user(email, full_name=f"Siti {locale}", locale=locale)
    complete_lessons(user, enrol(user, world.cohort))
    certificate = db.session.execute(select(Certificate).where(Certificate.user_id == user.id)).scalar_one()
    return user, certificate


def revoke(client, world, certificate, reason: str = "Forged attendance."):
    url = f"/organizations/{world.organization.id}/certificates/{certificate.public_id}/revoke"
    return client.post(url, data={"reason": reason})


def mails_to(server, email: str) -> list:
    return [m for m in server.messages if m["To"] == email]


def test_revoking_emails_the_holder_text_and_html_in_her_language(app, client, auth, world, monkeypatch):
    with SmtpServer() as server:
        for key, value in server.config().items():
            monkeypatch.setitem(app.config, key, value)
        siti, certificate = holder_with_certificate(world, "siti@example.test", "id")
        rina, other = holder_with_certificate(world, "rina@example.test", "en")
        auth.login(world.admin.email)
        assert revoke(client, world, certificate).status_code == 302
        assert revoke(client, world, other).status_code == 302

    issued, revoked = mails_to(server, "siti@example.test")
    assert "siap" in issued["Subject"]  # "Sertifikat Anda … siap": issued, in Indonesian
    assert revoked["Subject"] == f"Lentera: Sertifikat Anda {certificate.number} dicabut"
    assert revoked.is_multipart()
    text = revoked.get_body(preferencelist=("plain",)).get_content()
    html = revoked.get_body(preferencelist=("html",)).get_content()
    assert "Alasan: Forged attendance." in text and "Forged attendance." in html
    assert f"http://localhost/my/certificates/{certificate.public_id}" in text
    assert '<html lang="id">' in html
    assert re.search(r"http://localhost/notifications/unsubscribe/\S+", text)
    assert revoked["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    english = mails_to(server, "rina@example.test")[-1]
    assert english["Subject"] == f"Lentera: Your certificate {other.number} was revoked"
    assert "Reason: Forged attendance." in english.get_body(preferencelist=("plain",)).get_content()


def test_a_refusing_mail_server_fails_nothing_and_the_job_retries_through_the_worker(
    app, client, auth, world, consumer, monkeypatch
):
    monkeypatch.setitem(app.config, "MAIL_RETRY_DELAY", 1)
    with SmtpServer(refuse=1) as server:
        for key, value in server.config().items():
            monkeypatch.setitem(app.config, key, value)
        monkeypatch.setitem(app.config, "MAIL_SERVER", "127.0.0.1")
        siti, certificate = holder_with_certificate(world, "siti@example.test", "id")
        auth.login(world.admin.email)
        started = time.monotonic()
        response = revoke(client, world, certificate)
        assert response.status_code == 302 and time.monotonic() - started < 2
        db.session.expire_all()
        assert db.session.get(Certificate, certificate.id).status == "revoked"
        # The issue mail was refused once and sent on its retry; the revoke mail went through.
        delivered = server.handler.wait_for(2, timeout=20)
    assert server.handler.refused == 1
    assert sorted(m["Subject"] for m in delivered) == sorted(
        [
            f"Lentera: Sertifikat Anda {certificate.number} siap",
            f"Lentera: Sertifikat Anda {certificate.number} dicabut",
        ]
    )
    # Recovered on its retry: no longer listed for the admin (the worker clears it just after the send).
    deadline = time.monotonic() + 5
    while db.session.execute(select(FailedJob)).first() is not None and time.monotonic() < deadline:
        db.session.rollback()
        time.sleep(0.1)
    assert db.session.execute(select(FailedJob)).first() is None
    assert all(n.emailed_at is not None for n in db.session.execute(select(Notification)).scalars())


def test_a_hanging_mail_server_does_not_fail_the_revoke_and_the_failure_is_listed(
    app, client, auth, world, monkeypatch
):
    siti, certificate = holder_with_certificate(world, "siti@example.test", "id")
    with SilentServer() as silent:
        for key, value in silent.config().items():
            monkeypatch.setitem(app.config, key, value)
        monkeypatch.setitem(app.config, "MAIL_TIMEOUT", 0.3)
        auth.login(world.admin.email)
        assert revoke(client, world, certificate).status_code == 302
    db.session.expire_all()
    assert db.session.get(Certificate, certificate.id).status == "revoked"
    (failure,) = db.session.execute(select(FailedJob)).scalars()
    assert failure.name.endswith("send_notification_mails") and "timed out" in failure.error
    assert failure.retries_left > 0  # the queue tries again later
    notification = db.session.execute(
        select(Notification).where(Notification.kind == "certificate_status")
    ).scalar_one()
    assert notification.emailed_at is None  # still to send: the retry will

    admin = make_user("root@example.test", is_platform_admin=True)
    auth.logout()
    auth.login(admin.email)
    page = client.get("/admin/jobs").get_data(as_text=True)
    assert "send_notification_mails" in page and "timed out" in page


def test_in_app_only_is_respected_and_the_unsubscribe_link_works_without_login(app, client, auth, world, monkeypatch):
    with SmtpServer() as server:
        for key, value in server.config().items():
            monkeypatch.setitem(app.config, key, value)
        siti, first = holder_with_certificate(world, "siti@example.test", "id")
        (issued_mail,) = mails_to(server, "siti@example.test")
        link = re.search(
            r"http://localhost(/notifications/unsubscribe/\S+)", issued_mail.get_body(("plain",)).get_content()
        )
        # Without logging in: GET asks (a mail scanner's prefetch changes nothing), POST stops that kind.
        asked = client.get(link.group(1))
        assert asked.status_code == 200 and 'data-testid="unsubscribed"' not in asked.get_data(as_text=True)
        assert client.post(link.group(1)).status_code == 200
        assert client.post("/notifications/unsubscribe/forged-token").status_code == 404

        # She keeps revocation e-mail but turns it off on her preferences page.
        auth.login(siti.email)
        page = client.get("/me/notifications/preferences").get_data(as_text=True)
        assert 'name="certificate_issued"' in page
        checked = re.search(r'<input[^>]*name="certificate_issued"[^>]*>', page).group(0)
        assert "checked" not in checked  # the unsubscribe link turned it off
        client.post("/me/notifications/preferences", data={"session_reminder": "y"})
        auth.logout()
        auth.login(world.admin.email)
        revoke(client, world, first)
        again_user, second = holder_with_certificate(world, "rina@example.test", "en")

    assert len(mails_to(server, "siti@example.test")) == 1  # only the first issue mail
    assert len(mails_to(server, "rina@example.test")) == 1  # others still get theirs
    # In-app she still sees everything.
    kinds = [n.kind for n in db.session.execute(select(Notification).where(Notification.user_id == siti.id)).scalars()]
    assert sorted(kinds) == ["certificate_issued", "certificate_status"]
