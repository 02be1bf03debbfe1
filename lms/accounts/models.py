"""Users, organizations, memberships (a role in one organization) and API tokens."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from flask_babel import lazy_gettext as _l
from flask_login import UserMixin
from sqlalchemy import ForeignKey, Index, String, Text, UniqueConstraint, true
from sqlalchemy.orm import Mapped, mapped_column, relationship

from lms.core.i18n import TimeZone  # noqa: F401  (re-exported: accounts and forms read it from here)
from lms.core.models import TimestampMixin, UTCDateTime
from lms.extensions import db


class OrganizationKind(StrEnum):
    PROFESSIONAL = "professional"
    HEALTH_OFFICE = "health_office"
    TRAINING_INSTITUTION = "training_institution"
    HEALTH_FACILITY = "health_facility"

    @property
    def label(self):
        return ORGANIZATION_KIND_LABELS[self]


ORGANIZATION_KIND_LABELS = {
    OrganizationKind.PROFESSIONAL: _l("Professional organization"),
    OrganizationKind.HEALTH_OFFICE: _l("Health office (Dinkes)"),
    OrganizationKind.TRAINING_INSTITUTION: _l("Training institution"),
    OrganizationKind.HEALTH_FACILITY: _l("Health facility"),
}


class Role(StrEnum):
    """A user's role inside one organization (platform admin is a flag on the user)."""

    ORG_ADMIN = "org_admin"
    FACILITATOR = "facilitator"
    SUPERVISOR = "supervisor"
    MEMBER = "member"

    @property
    def label(self):
        return ROLE_LABELS[self]


ROLE_LABELS = {
    Role.ORG_ADMIN: _l("Organization admin"),
    Role.FACILITATOR: _l("Facilitator"),
    Role.SUPERVISOR: _l("Supervisor"),
    Role.MEMBER: _l("Member"),
}


class User(UserMixin, TimestampMixin, db.Model):
    __tablename__ = "users"
    # The supervision, member and dashboard lists page by name: the index matches their ORDER BY (full_name, id);
    # on PostgreSQL trigram indexes serve the name search (migration 0019).
    __table_args__ = (Index("ix_users_full_name_id", "full_name", "id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(254), unique=True)
    password_hash: Mapped[str] = mapped_column(String(255))
    full_name: Mapped[str] = mapped_column(String(120))
    """Name exactly as written on the STR; printed on certificates."""
    profession_code: Mapped[str | None] = mapped_column(String(60))
    nik: Mapped[str | None] = mapped_column(String(16))
    """Nomor Induk Kependudukan: personal data (UU PDP); shown masked only, never in a QR."""
    str_number: Mapped[str | None] = mapped_column(String(40))
    facility: Mapped[str | None] = mapped_column(String(160))
    phone: Mapped[str | None] = mapped_column(String(16))
    """WhatsApp number she chose to give, in E.164 (+628…): shown only to those who would contact her (a facilitator
    of her cohort, an admin of her organization) as a wa.me link."""
    timezone: Mapped[TimeZone] = mapped_column(String(40), default=TimeZone.WIB)
    locale: Mapped[str | None] = mapped_column(String(5))
    is_platform_admin: Mapped[bool] = mapped_column(default=False)
    is_active_account: Mapped[bool] = mapped_column(default=True)
    last_login_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    session_version: Mapped[int] = mapped_column(default=1, server_default="1")
    """Part of every login session's id: raising it ends every session opened before (logout, password change or
    reset, a role taken away)."""
    totp_secret_sealed: Mapped[str | None] = mapped_column(String(200))
    """The base32 secret shared with the user's authenticator app, encrypted (lms.core.secret_box; read and written
    by lms.accounts.two_factor only); set while enrolled."""
    totp_enabled_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    totp_last_counter: Mapped[int | None] = mapped_column()
    """Time step of the last code accepted: a code is good once only."""
    erased_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    """When the person deleted the account: the row stays only as the anchor of records kept by law
    (issued certificates, their training record, the audit log), with every personal field emptied."""

    memberships: Mapped[list[Membership]] = relationship(
        back_populates="user", cascade="all, delete-orphan", lazy="selectin"
    )

    @property
    def is_active(self) -> bool:  # Flask-Login refuses inactive users
        return self.is_active_account

    def get_id(self) -> str:
        """The id Flask-Login keeps in the session cookie: user id and session version, so that a cookie copied
        before the version was raised is refused (lms.accounts.login.load_user)."""
        return f"{self.id}.{self.session_version}"

    def end_all_sessions(self) -> None:
        """Every login session of this user, on every device, stops working at its next request."""
        self.session_version = (self.session_version or 1) + 1

    @property
    def masked_nik(self) -> str:
        from lms.accounts.identity import mask_nik

        return mask_nik(self.nik)

    @property
    def timezone_label(self) -> str:
        return TimeZone(self.timezone).label

    @property
    def has_two_factor(self) -> bool:
        return self.totp_enabled_at is not None and bool(self.totp_secret_sealed)

    def roles_in(self, organization_id: int) -> set[Role]:
        return {Role(m.role) for m in self.memberships if m.organization_id == organization_id}

    def has_role(self, *roles: Role) -> bool:
        return any(Role(m.role) in roles for m in self.memberships)

    def __repr__(self) -> str:
        return f"<User {self.id} {self.email}>"


class Organization(TimestampMixin, db.Model):
    __tablename__ = "organizations"

    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(String(40), unique=True)
    name: Mapped[str] = mapped_column(String(160))
    kind: Mapped[OrganizationKind] = mapped_column(String(30))
    province: Mapped[str | None] = mapped_column(String(80))
    regency: Mapped[str | None] = mapped_column(String(80))
    """Kabupaten/kota."""
    admins_require_two_factor: Mapped[bool] = mapped_column(default=True, server_default=true())
    """Its admins, who issue and revoke certificates, must log in with a second factor (when the platform enforces
    REQUIRE_2FA_FOR_ADMINS); set by the platform admin."""

    memberships: Mapped[list[Membership]] = relationship(back_populates="organization", cascade="all, delete-orphan")

    def __repr__(self) -> str:
        return f"<Organization {self.slug}>"


class Membership(TimestampMixin, db.Model):
    __tablename__ = "memberships"
    __table_args__ = (UniqueConstraint("user_id", "organization_id", "role", name="uq_memberships_user_org_role"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    organization_id: Mapped[int] = mapped_column(ForeignKey("organizations.id", ondelete="CASCADE"), index=True)
    role: Mapped[Role] = mapped_column(String(20))

    user: Mapped[User] = relationship(back_populates="memberships")
    organization: Mapped[Organization] = relationship(back_populates="memberships", lazy="joined")


class RoleInvitation(TimestampMixin, db.Model):
    """A role given by e-mail (lms.accounts.role_invitations): it applies when the owner of the address opens the
    link sent to it and accepts, logged in to the account with that e-mail. Open while `accepted_at` is empty."""

    __tablename__ = "role_invitations"

    id: Mapped[int] = mapped_column(primary_key=True)
    organization_id: Mapped[int] = mapped_column(ForeignKey("organizations.id", ondelete="CASCADE"), index=True)
    email: Mapped[str] = mapped_column(String(254))
    role: Mapped[Role] = mapped_column(String(20))
    invited_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    accepted_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    accepted_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    organization: Mapped[Organization] = relationship(lazy="joined")


class ApiToken(TimestampMixin, db.Model):
    """A bearer token for the API; only its SHA-256 digest is stored."""

    __tablename__ = "api_tokens"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(80))
    digest: Mapped[str] = mapped_column(String(64), unique=True)
    prefix: Mapped[str] = mapped_column(String(12))
    last_used_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    user: Mapped[User] = relationship()

    @property
    def is_revoked(self) -> bool:
        return self.revoked_at is not None


class RecoveryCode(db.Model):
    """A one-time code that stands in for the authenticator (a lost phone); only its SHA-256 digest is stored."""

    __tablename__ = "recovery_codes"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    digest: Mapped[str] = mapped_column(String(64))
    used_at: Mapped[datetime | None] = mapped_column(UTCDateTime())


class DataRequestStatus(StrEnum):
    OPEN = "open"
    DONE = "done"

    @property
    def label(self):
        return {DataRequestStatus.OPEN: _l("Open"), DataRequestStatus.DONE: _l("Answered")}[self]


class DataRequest(TimestampMixin, db.Model):
    """A person's request to correct data held about her; the platform admin answers it."""

    __tablename__ = "data_requests"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    message: Mapped[str] = mapped_column(Text)
    status: Mapped[DataRequestStatus] = mapped_column(String(10), default=DataRequestStatus.OPEN, index=True)
    answer: Mapped[str | None] = mapped_column(Text)
    answered_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    answered_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    user: Mapped[User] = relationship(foreign_keys=[user_id], lazy="joined")


class MembershipStatus(StrEnum):
    """Where a worker's membership of an organization (or her place at a facility) stands.

    Only CONFIRMED counts: until then the organization sees nothing of her record beyond her own doings in its
    courses."""

    REQUESTED = "requested"
    """She asked to join; the organization has not decided."""
    INVITED = "invited"
    """The organization asked her (an invitation or an import); she has not accepted."""
    CONFIRMED = "confirmed"
    DECLINED = "declined"
    """The organization declined her request, or she declined its invitation."""
    LEFT = "left"

    @property
    def label(self):
        return MEMBERSHIP_STATUS_LABELS[self]


MEMBERSHIP_STATUS_LABELS = {
    MembershipStatus.REQUESTED: _l("Requested"),
    MembershipStatus.INVITED: _l("Invited"),
    MembershipStatus.CONFIRMED: _l("Confirmed"),
    MembershipStatus.DECLINED: _l("Declined"),
    MembershipStatus.LEFT: _l("Left"),
}


class FacilityKind(StrEnum):
    """Kinds of health facility (fasilitas pelayanan kesehatan); the values are the facility types of the coverage
    rules (lms/data/coverage_rules.yaml)."""

    PUSKESMAS = "puskesmas"
    RUMAH_SAKIT = "rumah_sakit"
    KLINIK = "klinik"
    OTHER = "fasyankes_lain"

    @property
    def label(self):
        return FACILITY_KIND_LABELS[self]


FACILITY_KIND_LABELS = {
    FacilityKind.PUSKESMAS: _l("Community health centre (Puskesmas)"),
    FacilityKind.RUMAH_SAKIT: _l("Hospital"),
    FacilityKind.KLINIK: _l("Clinic"),
    FacilityKind.OTHER: _l("Other health facility"),
}


class Facility(TimestampMixin, db.Model):
    """A health facility (fasyankes) where workers work: data, seeded from lms/data/facilities.yaml or added by the
    platform admin. Its province and regency decide which health office supervises its staff."""

    __tablename__ = "facilities"
    __table_args__ = (Index("ix_facilities_province_regency", "province", "regency"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(40), unique=True)
    """The facility's registry code (e.g. the Kemenkes code of a Puskesmas), or one given by the platform admin."""
    name: Mapped[str] = mapped_column(String(160))
    kind: Mapped[FacilityKind] = mapped_column(String(30))
    province: Mapped[str] = mapped_column(String(80))
    regency: Mapped[str] = mapped_column(String(80))
    """Kabupaten/kota."""

    def __repr__(self) -> str:
        return f"<Facility {self.code} {self.name}>"


class WorkerMembership(TimestampMixin, db.Model):
    """A worker's membership of an organization (e.g. PPNI) with her membership number (nomor KTA): requested by
    her or invited by the organization, counted only once confirmed by the other side."""

    __tablename__ = "worker_memberships"
    __table_args__ = (
        UniqueConstraint("user_id", "organization_id", name="uq_worker_memberships_user_id_organization_id"),
        Index("ix_worker_memberships_organization_id_status", "organization_id", "status"),
        Index("ix_worker_memberships_organization_id_membership_number", "organization_id", "membership_number"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    """None for an invitation sent to an e-mail that has no account yet (she gets it when she registers)."""
    invited_email: Mapped[str | None] = mapped_column(String(254), index=True)
    """The address an invitation went to, as the admin typed it: all the organization sees until she accepts."""
    organization_id: Mapped[int] = mapped_column(ForeignKey("organizations.id", ondelete="CASCADE"))
    membership_number: Mapped[str | None] = mapped_column(String(40))
    """Nomor KTA (kartu tanda anggota) as the organization issued it."""
    status: Mapped[MembershipStatus] = mapped_column(String(12))
    requested_at: Mapped[datetime] = mapped_column(UTCDateTime())
    """When she asked, or when the organization invited her."""
    invited_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    """Who confirmed or declined (the organization's admin, or the worker for an invitation)."""
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    user: Mapped[User | None] = relationship(foreign_keys=[user_id])
    organization: Mapped[Organization] = relationship(lazy="joined")
    decided_by: Mapped[User | None] = relationship(foreign_keys=[decided_by_id])

    @property
    def is_confirmed(self) -> bool:
        return self.status == MembershipStatus.CONFIRMED


class FacilityStaff(TimestampMixin, db.Model):
    """A worker works at a facility: said by her (confirmed at once, with her consent that the area's health office
    sees her SKP standing) or by an import (invited until she accepts)."""

    __tablename__ = "facility_staff"
    __table_args__ = (
        UniqueConstraint("user_id", "facility_id", name="uq_facility_staff_user_id_facility_id"),
        Index("ix_facility_staff_facility_id_status_user_id", "facility_id", "status", "user_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    facility_id: Mapped[int] = mapped_column(ForeignKey("facilities.id", ondelete="CASCADE"))
    status: Mapped[MembershipStatus] = mapped_column(String(12))
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    user: Mapped[User] = relationship()
    facility: Mapped[Facility] = relationship(lazy="joined")


class ConsentPurpose(StrEnum):
    """What a worker agreed to."""

    REGISTRATION = "registration"
    """The platform keeps her account and record (at registration)."""
    ORGANIZATION_RECORD = "organization_record"
    """An organization she is a member of sees her SKP record."""
    FACILITY_SUPERVISION = "facility_supervision"
    """The health office over her facility's area sees her SKP standing and SIP renewal date."""

    @property
    def label(self):
        return CONSENT_PURPOSE_LABELS[self]


CONSENT_PURPOSE_LABELS = {
    ConsentPurpose.REGISTRATION: _l("Registration: processing of my data by Lentera"),
    ConsentPurpose.ORGANIZATION_RECORD: _l("An organization sees your record"),
    ConsentPurpose.FACILITY_SUPERVISION: _l("The health office of your facility's area sees your SKP standing"),
}


class Consent(db.Model):
    """A consent as given (UU 27/2022 PDP): what for, the words she was shown (in her language), when, and when she
    withdrew it; one table for every purpose (registration, an organization's or a health office's view of her
    record). Never edited except to set `withdrawn_at`."""

    __tablename__ = "consents"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    purpose: Mapped[ConsentPurpose] = mapped_column(String(30))
    organization_id: Mapped[int | None] = mapped_column(ForeignKey("organizations.id", ondelete="SET NULL"))
    facility_id: Mapped[int | None] = mapped_column(ForeignKey("facilities.id", ondelete="SET NULL"))
    wording: Mapped[str] = mapped_column(Text)
    locale: Mapped[str] = mapped_column(String(5))
    given_at: Mapped[datetime] = mapped_column(UTCDateTime())
    withdrawn_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    organization: Mapped[Organization | None] = relationship()
    facility: Mapped[Facility | None] = relationship()
