"""Tables of the certificates feature: issued certificates, number sequences, organizations' certificate settings."""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum
from typing import Any

from flask_babel import lazy_gettext as _l
from sqlalchemy import JSON, Date, ForeignKey, Index, String, Text, UniqueConstraint, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from lms.accounts.models import Organization, User
from lms.core.models import TimestampMixin, UTCDateTime, utcnow
from lms.courses.models import CourseVersion, Enrolment
from lms.extensions import db

DEFAULT_NUMBER_PATTERN = "{ORG}/{COURSE}/{YEAR}/{SEQ:06}"
DEFAULT_LAYOUT = "klasik"
DEFAULT_PRIMARY_COLOUR = "#0b6e4f"
DEFAULT_ACCENT_COLOUR = "#c8a24a"


class CertificateStatus(StrEnum):
    """The stored state; "expired" is not stored but computed from `expires_at` at the moment of asking."""

    VALID = "valid"
    REVOKED = "revoked"
    SUSPENDED = "suspended"

    @property
    def label(self):
        return CERTIFICATE_STATUS_LABELS[self]


CERTIFICATE_STATUS_LABELS = {
    CertificateStatus.VALID: _l("Valid"),
    CertificateStatus.REVOKED: _l("Revoked"),
    CertificateStatus.SUSPENDED: _l("Suspended"),
}


class CertificateState(StrEnum):
    """What a certificate is at a moment: its status, or expired (a valid certificate past its expiry)."""

    VALID = "valid"
    REVOKED = "revoked"
    SUSPENDED = "suspended"
    EXPIRED = "expired"

    @property
    def label(self):
        """The member's words for users (translated)."""
        return {
            CertificateState.VALID: _l("Valid"),
            CertificateState.REVOKED: _l("Revoked"),
            CertificateState.SUSPENDED: _l("Suspended"),
            CertificateState.EXPIRED: _l("Expired"),
        }[self]


def state_of(status: str, expires_at: datetime | None, now: datetime) -> str:
    """The state at `now`: "valid", "revoked", "suspended" or "expired" (a valid certificate past its expiry)."""
    if status != CertificateStatus.VALID:
        return str(status)
    return "expired" if expires_at is not None and now >= expires_at else "valid"


class Certificate(TimestampMixin, db.Model):
    """One issued certificate: its number, signed token and a frozen snapshot of everything it prints.

    The snapshot is written once at issue; renaming the holder or editing the course or the organization's template
    later changes nothing here. Only the status (and its reason) ever changes.
    """

    __tablename__ = "certificates"
    __table_args__ = (
        # At most one certificate per enrolment that is not revoked: a re-issue revokes the old one first.
        Index(
            "uq_certificates_enrolment_live",
            "enrolment_id",
            unique=True,
            sqlite_where=text("status != 'revoked'"),
            postgresql_where=text("status != 'revoked'"),
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    public_id: Mapped[str] = mapped_column(String(24), unique=True)
    """Hex of the 12 random bytes signed into the token as the certificate id."""
    number: Mapped[str] = mapped_column(String(120), unique=True)
    """As printed, e.g. PPNI/PPI-DASAR/2026/000123; never reused, even after revocation."""
    verification_code: Mapped[str] = mapped_column(String(9))
    """Short typable code printed beside the number (K7QF-2M9X); the manual check needs both."""
    enrolment_id: Mapped[int] = mapped_column(ForeignKey("enrolments.id", ondelete="RESTRICT"), index=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="RESTRICT"), index=True)
    organization_id: Mapped[int] = mapped_column(ForeignKey("organizations.id", ondelete="RESTRICT"), index=True)
    version_id: Mapped[int] = mapped_column(ForeignKey("course_versions.id", ondelete="RESTRICT"), index=True)
    issued_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    completed_on: Mapped[date] = mapped_column(Date)
    expires_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    """From the course's validity in months; None when the certificate does not expire."""
    status: Mapped[str] = mapped_column(String(12), default=CertificateStatus.VALID)
    status_reason: Mapped[str | None] = mapped_column(String(500))
    status_changed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    replaces_id: Mapped[int | None] = mapped_column(ForeignKey("certificates.id", ondelete="SET NULL"), index=True)
    """The certificate this one corrects (a re-issue); that one is revoked."""
    issued_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    """None: issued automatically when the learner became eligible, or by the command line."""
    signing_key_id: Mapped[str] = mapped_column(String(32))
    token: Mapped[str] = mapped_column(Text)
    """The signed token (Base32) whose URL the QR carries."""
    snapshot: Mapped[dict[str, Any]] = mapped_column(JSON)
    """Everything printed, frozen at issue (see lms.certificates.snapshot)."""

    enrolment: Mapped[Enrolment] = relationship()
    holder: Mapped[User] = relationship(foreign_keys=[user_id])
    organization: Mapped[Organization] = relationship()
    version: Mapped[CourseVersion] = relationship()
    replaces: Mapped[Certificate | None] = relationship(
        remote_side=[id], foreign_keys=[replaces_id], back_populates="replaced_by"
    )
    replaced_by: Mapped[Certificate | None] = relationship(
        foreign_keys=[replaces_id], back_populates="replaces", uselist=False
    )

    @property
    def certificate_id(self) -> bytes:
        return bytes.fromhex(self.public_id)

    def is_expired(self, now: datetime) -> bool:
        return self.expires_at is not None and now >= self.expires_at

    def state_at(self, now: datetime) -> str:
        """ "valid", "revoked", "suspended" or "expired" (a valid certificate past its expiry) at `now`."""
        if self.status != CertificateStatus.VALID:
            return str(self.status)
        return "expired" if self.is_expired(now) else "valid"


class NumberSequence(db.Model):
    """The last sequence number handed out per organization, number scope and year; incremented under a row lock."""

    __tablename__ = "certificate_number_sequences"
    __table_args__ = (
        UniqueConstraint("organization_id", "scope", "year", name="uq_certificate_number_sequences_org_scope_year"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    organization_id: Mapped[int] = mapped_column(ForeignKey("organizations.id", ondelete="CASCADE"))
    scope: Mapped[str] = mapped_column(String(200))
    """The number pattern with every placeholder but {SEQ} filled in, e.g. "PPNI/PPI-DASAR/2026/{SEQ:06}"."""
    year: Mapped[int]
    """The year when the pattern restarts numbering each year ({YEAR}); 0 when it never restarts."""
    last_value: Mapped[int] = mapped_column(default=0)


class CertificateSettings(db.Model):
    """How an organization's certificates look and are numbered; copied into each certificate's snapshot at issue."""

    __tablename__ = "certificate_settings"

    organization_id: Mapped[int] = mapped_column(ForeignKey("organizations.id", ondelete="CASCADE"), primary_key=True)
    number_pattern: Mapped[str] = mapped_column(String(120), default=DEFAULT_NUMBER_PATTERN)
    layout: Mapped[str] = mapped_column(String(20), default=DEFAULT_LAYOUT)
    primary_colour: Mapped[str] = mapped_column(String(7), default=DEFAULT_PRIMARY_COLOUR)
    accent_colour: Mapped[str] = mapped_column(String(7), default=DEFAULT_ACCENT_COLOUR)
    place: Mapped[str | None] = mapped_column(String(80))
    """City printed beside the date, e.g. Tanjung Selor."""
    logo_key: Mapped[str | None] = mapped_column(String(120))
    """Storage key of the cleaned logo PNG. A new upload gets a new key; old files stay for issued certificates."""
    signatories: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    """[{"name", "title", "signature_key"}] in printing order (at most three)."""
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, onupdate=utcnow)

    organization: Mapped[Organization] = relationship()
