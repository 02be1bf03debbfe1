"""Outgoing e-mail over SMTP, plain text with an optional HTML part; without an SMTP server (development, `make run`)
each message is kept in the outbox table, which the platform admin reads at /admin/outbox. Mail a request causes
goes through `send_mail_after_commit`: a job sends it once the request's transaction has committed."""

from __future__ import annotations

import logging
import smtplib
from collections.abc import Mapping
from datetime import datetime
from email.message import EmailMessage

from flask import current_app
from sqlalchemy import JSON, String, Text, event
from sqlalchemy.orm import Mapped, Session, mapped_column

from lms.core.models import UTCDateTime, utcnow
from lms.extensions import db
from lms.jobs import huey, job

log = logging.getLogger(__name__)

_PENDING_KEY = "lms_mail_after_commit"


class OutboxMessage(db.Model):
    """A message that would have been sent, had an SMTP server been configured (MAIL_SERVER empty)."""

    __tablename__ = "outbox_messages"

    id: Mapped[int] = mapped_column(primary_key=True)
    recipient: Mapped[str] = mapped_column(String(254), index=True)
    subject: Mapped[str] = mapped_column(String(300))
    text: Mapped[str] = mapped_column(Text)
    html: Mapped[str | None] = mapped_column(Text)
    headers: Mapped[dict[str, str]] = mapped_column(JSON, default=dict)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, index=True)


def build_message(
    to: str, subject: str, body: str, *, html: str | None = None, headers: Mapping[str, str] | None = None
) -> EmailMessage:
    message = EmailMessage()
    message["From"] = current_app.config["MAIL_SENDER"]
    message["To"] = to
    message["Subject"] = subject
    for name, value in (headers or {}).items():
        message[name] = value
    message.set_content(body)
    if html is not None:
        message.add_alternative(html, subtype="html")
    return message


def send_mail(
    to: str, subject: str, body: str, *, html: str | None = None, headers: Mapping[str, str] | None = None
) -> None:
    """Send now over SMTP (an error reaches the caller: a job retries it), or keep the message in the outbox in
    the caller's transaction when no MAIL_SERVER is configured."""
    config = current_app.config
    if not config["MAIL_SERVER"]:
        db.session.add(OutboxMessage(recipient=to, subject=subject, text=body, html=html, headers=dict(headers or {})))
        db.session.flush()
        # Also on the console (WARNING, the level a development server shows), so a password-reset link can be
        # followed at once.
        current_app.logger.warning(
            "E-mail kept in the outbox (no MAIL_SERVER); to=%s subject=%s\n%s", to, subject, body
        )
        return
    message = build_message(to, subject, body, html=html, headers=headers)
    with smtplib.SMTP(config["MAIL_SERVER"], config["MAIL_PORT"], timeout=config["MAIL_TIMEOUT"]) as smtp:
        if config["MAIL_USE_TLS"]:
            smtp.starttls()
        if config["MAIL_USERNAME"]:
            smtp.login(config["MAIL_USERNAME"], config["MAIL_PASSWORD"])
        smtp.send_message(message)


def send_mail_after_commit(
    to: str, subject: str, body: str, *, html: str | None = None, headers: Mapping[str, str] | None = None
) -> None:
    """Mail that a request causes (a password-reset link, ...). With an SMTP server, a job sends it once the
    caller's transaction commits (never after a rollback): a slow or refusing server neither holds nor fails the
    request, and the job retries (MAIL_RETRIES, MAIL_RETRY_DELAY). Without one, it goes into the outbox in the
    caller's transaction, as `send_mail` does."""
    if not current_app.config["MAIL_SERVER"]:
        send_mail(to, subject, body, html=html, headers=headers)
        return
    mail = {"to": to, "subject": subject, "body": body, "html": html, "headers": dict(headers or {})}
    db.session.info.setdefault(_PENDING_KEY, []).append(mail)


@job(retries=8, retry_delay=120)
def deliver_mail(to: str, subject: str, body: str, html: str | None = None, headers: dict | None = None) -> None:
    """Send one message now (the worker); an SMTP error fails the attempt and the queue tries again later."""
    send_mail(to, subject, body, html=html, headers=headers)
    db.session.commit()  # the outbox row, when the SMTP server was configured away meanwhile


@event.listens_for(Session, "after_commit")
def _queue_after_commit(session: Session) -> None:
    pending = session.info.pop(_PENDING_KEY, None)
    for mail in pending or ():
        try:
            task = deliver_mail.s(**mail)
            task.retries, task.retry_delay = current_app.config["MAIL_RETRIES"], current_app.config["MAIL_RETRY_DELAY"]
            huey.enqueue(task)
        except Exception:  # the queue is down: the request succeeded all the same; the log tells the admin
            log.exception("could not queue the e-mail to %s", mail["to"])


@event.listens_for(Session, "after_soft_rollback")
def _forget_after_rollback(session: Session, previous_transaction) -> None:
    if previous_transaction.parent is None:
        session.info.pop(_PENDING_KEY, None)
