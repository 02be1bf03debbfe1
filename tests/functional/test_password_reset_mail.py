"""Password-reset mail with an SMTP server configured: sent by a job once the request's transaction has committed
(never after a rollback), through a real SMTP server; a refusing server fails nothing and the job retries."""

from __future__ import annotations

import re
import time

from sqlalchemy import select

from lms.accounts import services
from lms.core.mail import OutboxMessage
from lms.extensions import db
from tests.factories import make_user
from tests.smtp import SmtpServer


def smtp_config(app, monkeypatch, server) -> None:
    for key, value in server.config().items():
        monkeypatch.setitem(app.config, key, value)


def reset_link(message) -> str:
    return re.search(r"http://localhost(/password/reset/\S+)", message.get_body(("plain",)).get_content()).group(1)


def test_forgot_password_mail_goes_through_the_smtp_server_and_its_link_works(app, client, app_ctx, monkeypatch):
    make_user("a@example.test", locale="en")
    with SmtpServer() as server:
        smtp_config(app, monkeypatch, server)
        assert client.post("/password/forgot", data={"email": "a@example.test"}).status_code == 302
        (mail,) = server.handler.wait_for(1)
    assert (
        mail["To"] == "a@example.test" and mail["Subject"] == "Lentera: atur ulang kata sandi Anda"
    )  # the language of the page asked from
    assert db.session.execute(select(OutboxMessage)).first() is None  # not the outbox: SMTP is configured
    link = reset_link(mail)
    assert client.get(link).status_code == 200
    assert client.post(link, data={"new_password": "lupa-lagi-2026", "confirm": "lupa-lagi-2026"}).status_code == 302


def test_the_reset_mail_waits_for_the_commit_and_a_rollback_sends_nothing(app, app_ctx, monkeypatch):
    make_user("a@example.test")
    with SmtpServer() as server:
        smtp_config(app, monkeypatch, server)
        services.send_password_reset("a@example.test", lambda token: f"http://localhost/password/reset/{token}")
        assert server.handler.wait_for(1, timeout=0.5) == []  # not before the commit
        db.session.rollback()
        db.session.commit()
        assert server.handler.wait_for(1, timeout=0.5) == []  # nor after a rollback
        services.send_password_reset("a@example.test", lambda token: f"http://localhost/password/reset/{token}")
        db.session.commit()
        assert len(server.handler.wait_for(1)) == 1


def test_a_refusing_mail_server_fails_no_request_and_the_job_retries(app, client, auth, consumer, monkeypatch):
    with app.app_context():
        make_user("a@example.test")
        admin = make_user("root@example.test", is_platform_admin=True)
        user_id, admin_email = make_user("b@example.test").id, admin.email
    monkeypatch.setitem(app.config, "MAIL_RETRY_DELAY", 1)
    with SmtpServer(refuse=1) as server:
        smtp_config(app, monkeypatch, server)
        started = time.monotonic()
        assert client.post("/password/forgot", data={"email": "a@example.test"}).status_code == 302
        assert time.monotonic() - started < 2
        # The platform admin's "send a reset link" goes the same way.
        auth.login(admin_email)
        assert client.post(f"/admin/users/{user_id}/reset-link").status_code == 302
        delivered = server.handler.wait_for(2, timeout=20)
    assert server.handler.refused == 1
    assert sorted(m["To"] for m in delivered) == ["a@example.test", "b@example.test"]
