"""Tables of the attendance feature: sessions, marks, webinar codes and their entries, refused tries, weights."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from enum import StrEnum

from flask_babel import lazy_gettext as _l
from sqlalchemy import ForeignKey, Numeric, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from lms.accounts.models import User
from lms.core.models import TimestampMixin, UTCDateTime, utcnow
from lms.courses.models import Cohort
from lms.extensions import db


class SessionMode(StrEnum):
    LURING = "luring"
    """In a room."""
    DARING = "daring"
    """Online (webinar)."""

    @property
    def label(self):
        """The member's words for users (translated)."""
        return {
            SessionMode.LURING: _l("In person (in a room)"),
            SessionMode.DARING: _l("Online (webinar)"),
        }[self]


class AttendanceStatus(StrEnum):
    """The statuses Indonesian training records use: present, late, excused, sick, absent without notice."""

    HADIR = "hadir"
    TERLAMBAT = "terlambat"
    IZIN = "izin"
    SAKIT = "sakit"
    ALFA = "alfa"

    @property
    def label(self):
        return STATUS_LABELS[self]


STATUS_LABELS = {
    AttendanceStatus.HADIR: _l("Hadir (present)"),
    AttendanceStatus.TERLAMBAT: _l("Terlambat (late)"),
    AttendanceStatus.IZIN: _l("Izin (excused)"),
    AttendanceStatus.SAKIT: _l("Sakit (sick)"),
    AttendanceStatus.ALFA: _l("Alfa (absent)"),
}

DEFAULT_STATUS_WEIGHTS = {
    AttendanceStatus.HADIR: Decimal("1"),
    # Late still sat through (most of) the session; organizations that want to count it less set e.g. 0.75.
    AttendanceStatus.TERLAMBAT: Decimal("1"),
    AttendanceStatus.IZIN: Decimal("0"),
    AttendanceStatus.SAKIT: Decimal("0"),
    AttendanceStatus.ALFA: Decimal("0"),
}


session_facilitators = db.Table(
    "attendance_session_facilitators",
    db.Column("session_id", ForeignKey("attendance_sessions.id", ondelete="CASCADE"), primary_key=True),
    db.Column("user_id", ForeignKey("users.id", ondelete="CASCADE"), primary_key=True),
)


class AttendanceSession(TimestampMixin, db.Model):
    """One meeting of a cohort (in a room or online) worth some JPL; learners check in to it."""

    __tablename__ = "attendance_sessions"

    id: Mapped[int] = mapped_column(primary_key=True)
    cohort_id: Mapped[int] = mapped_column(ForeignKey("cohorts.id", ondelete="RESTRICT"), index=True)
    title: Mapped[str] = mapped_column(String(200))
    starts_at: Mapped[datetime] = mapped_column(UTCDateTime())
    ends_at: Mapped[datetime] = mapped_column(UTCDateTime())
    jpl: Mapped[int]
    """Jam pelajaran this session is worth: the weight of the session in the attendance share."""
    mode: Mapped[str] = mapped_column(String(10), default=SessionMode.LURING)
    place: Mapped[str | None] = mapped_column(String(200))
    latitude: Mapped[Decimal | None] = mapped_column(Numeric(9, 6))
    longitude: Mapped[Decimal | None] = mapped_column(Numeric(9, 6))
    radius_m: Mapped[int | None]
    """With the coordinates: check-in only within this many metres (the geofence)."""
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    """When the session was closed after its end (by a facilitator or `lms attendance close-ended`): the moment
    its marks were final and the certificate rules were told."""

    cohort: Mapped[Cohort] = relationship(lazy="joined")
    own_facilitators: Mapped[list[User]] = relationship(secondary=session_facilitators)
    """Chosen among the cohort's facilitators; empty means all of them."""

    @property
    def facilitators(self) -> list[User]:
        return list(self.own_facilitators) or list(self.cohort.facilitators)

    @property
    def organization_id(self) -> int:
        return self.cohort.organization_id

    def has_ended(self, now: datetime) -> bool:
        return now >= self.ends_at

    @property
    def has_geofence(self) -> bool:
        return self.latitude is not None and self.longitude is not None and bool(self.radius_m)


class AttendanceMark(db.Model):
    """A learner's attendance at one session (one per learner and session)."""

    __tablename__ = "attendance_marks"
    __table_args__ = (UniqueConstraint("session_id", "user_id", name="uq_attendance_marks_session_user"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    session_id: Mapped[int] = mapped_column(ForeignKey("attendance_sessions.id", ondelete="RESTRICT"), index=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="RESTRICT"), index=True)
    status: Mapped[str] = mapped_column(String(12))
    method: Mapped[str] = mapped_column(String(20))
    """The check-in method that made the mark (a key of CHECKIN_METHODS)."""
    marked_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    marked_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    device_id: Mapped[str | None] = mapped_column(String(64), index=True)
    scan_id: Mapped[str | None] = mapped_column(String(64))
    """The facilitator scanner's id for the scan that made the mark (offline sync)."""
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, onupdate=utcnow)

    session: Mapped[AttendanceSession] = relationship()
    user: Mapped[User] = relationship(foreign_keys=[user_id])
    marked_by: Mapped[User | None] = relationship(foreign_keys=[marked_by_id])


class CheckinCode(TimestampMixin, db.Model):
    """A short code shown during a webinar, accepted inside its own window."""

    __tablename__ = "attendance_checkin_codes"
    __table_args__ = (UniqueConstraint("session_id", "code", name="uq_attendance_checkin_codes_session_code"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    session_id: Mapped[int] = mapped_column(ForeignKey("attendance_sessions.id", ondelete="CASCADE"), index=True)
    code: Mapped[str] = mapped_column(String(12), index=True)
    label: Mapped[str] = mapped_column(String(60), default="")
    opens_at: Mapped[datetime] = mapped_column(UTCDateTime())
    closes_at: Mapped[datetime] = mapped_column(UTCDateTime())
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))

    session: Mapped[AttendanceSession] = relationship()

    def is_open(self, now: datetime) -> bool:
        return self.opens_at <= now < self.closes_at


class CodeEntry(db.Model):
    """A learner entered one webinar code (once); presence is judged by how many of a session's codes they entered."""

    __tablename__ = "attendance_code_entries"
    __table_args__ = (UniqueConstraint("code_id", "user_id", name="uq_attendance_code_entries_code_user"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    code_id: Mapped[int] = mapped_column(ForeignKey("attendance_checkin_codes.id", ondelete="CASCADE"), index=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    entered_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class RefusedCheckin(db.Model):
    """A check-in try that a rule refused, kept for the facilitator to see."""

    __tablename__ = "attendance_refused_checkins"

    id: Mapped[int] = mapped_column(primary_key=True)
    session_id: Mapped[int] = mapped_column(ForeignKey("attendance_sessions.id", ondelete="CASCADE"), index=True)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    """The learner who tried (or whose personal QR was scanned), when known."""
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    method: Mapped[str] = mapped_column(String(20))
    reason: Mapped[str] = mapped_column(String(40))
    """A stable code of the rule that refused (the error's `code`)."""
    message: Mapped[str] = mapped_column(String(300), default="")
    device_id: Mapped[str | None] = mapped_column(String(64))
    fingerprint: Mapped[str | None] = mapped_column(String(64))
    """Short hash of the device id and browser (User-Agent), to tell devices apart without storing either whole."""
    ip: Mapped[str | None] = mapped_column(String(45))

    user: Mapped[User | None] = relationship(foreign_keys=[user_id])


class StatusWeight(db.Model):
    """How much one attendance status counts in an organization's attendance share (defaults when absent)."""

    __tablename__ = "attendance_status_weights"
    __table_args__ = (
        UniqueConstraint("organization_id", "status", name="uq_attendance_status_weights_organization_status"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    organization_id: Mapped[int] = mapped_column(ForeignKey("organizations.id", ondelete="CASCADE"), index=True)
    status: Mapped[str] = mapped_column(String(12))
    weight: Mapped[Decimal] = mapped_column(Numeric(4, 2))
