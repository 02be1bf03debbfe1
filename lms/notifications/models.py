"""The notifications feature's tables: notifications, each person's e-mail choice per kind, the markers that keep a
reminder from going out twice, and the messages written to a whole cohort."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import JSON, ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from lms.accounts.models import User
from lms.core.models import UTCDateTime, utcnow
from lms.extensions import db


class MailState(StrEnum):
    PENDING = "pending"
    SENT = "sent"
    SKIPPED = "skipped"


class Notification(db.Model):
    """Something a person is told: shown in the in-app list (the bell) and, if she wants it, e-mailed.

    The words are not stored: `kind` and `params` (plain values) are rendered in the reader's language when shown
    or mailed."""

    __tablename__ = "notifications"
    __table_args__ = (Index("ix_notifications_user_id_read_at", "user_id", "read_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(String(40))
    params: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    link: Mapped[str] = mapped_column(String(300), default="")
    """A path on this site (the e-mail prefixes PUBLIC_URL)."""
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    read_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    mail_state: Mapped[MailState] = mapped_column(String(10), default=MailState.PENDING)
    """pending until the mail job decides by her choice at that moment: sent, or skipped (in-app only)."""
    emailed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    """When the e-mail went out (or into the outbox): a retried mail job skips it."""

    user: Mapped[User] = relationship()

    @property
    def is_read(self) -> bool:
        return self.read_at is not None


class NotificationPreference(db.Model):
    """A person's choice for one kind: in-app only (email False) or e-mail too. No row means the kind's default."""

    __tablename__ = "notification_preferences"

    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), primary_key=True)
    kind: Mapped[str] = mapped_column(String(40), primary_key=True)
    email: Mapped[bool]


class ReminderMarker(db.Model):
    """A reminder that went out: (kind, person, subject, threshold) once, so a periodic job run twice, or every
    day, never repeats it."""

    __tablename__ = "reminder_markers"
    __table_args__ = (UniqueConstraint("kind", "user_id", "subject", "threshold", name="uq_reminder_markers_key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(40))
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    subject: Mapped[str] = mapped_column(String(80))
    """What it is about: session:12, sip:2027-01-31, certificate:40."""
    threshold: Mapped[str] = mapped_column(String(10))
    """1d for a session, 180/90/30 days before a SIP's end or a certificate's expiry."""
    sent_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class CohortMessage(db.Model):
    """What an organization admin or a facilitator wrote to everyone in a cohort; a job tells each active learner
    (a notification, e-mailed by her choice), once: its reminder markers (subject message:<id>) see to that."""

    __tablename__ = "cohort_messages"

    id: Mapped[int] = mapped_column(primary_key=True)
    cohort_id: Mapped[int] = mapped_column(ForeignKey("cohorts.id", ondelete="CASCADE"), index=True)
    sender_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    body: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    sender: Mapped[User | None] = relationship()

    @property
    def subject(self) -> str:
        """What its reminder markers are about."""
        return f"message:{self.id}"
