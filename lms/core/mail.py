"""Outgoing e-mail over SMTP, plain text with an optional HTML part; without an SMTP server (development, `make run`)
each message is kept in the outbox table, which the platform admin reads at /admin/outbox."""

from __future__ import annotations

import smtplib
from collections.abc import Mapping
from datetime import datetime
from email.message import EmailMessage

from flask import current_app
from sqlalchemy import JSON, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from lms.core.models import UTCDateTime, utcnow
from lms.extensions import db


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
        return
    message = build_message(to, subject, body, html=html, headers=headers)
    with smtplib.SMTP(config["MAIL_SERVER"], config["MAIL_PORT"], timeout=config["MAIL_TIMEOUT"]) as smtp:
        if config["MAIL_USE_TLS"]:
            smtp.starttls()
        if config["MAIL_USERNAME"]:
            smtp.login(config["MAIL_USERNAME"], config["MAIL_PASSWORD"])
        smtp.send_message(message)
