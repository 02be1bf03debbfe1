"""The competency record's tables: the SKP ledger, self-reported activities, the SIP, share links, and evidence of
practice."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from enum import StrEnum

from flask_babel import lazy_gettext as _l
from sqlalchemy import BigInteger, ForeignKey, Index, Numeric, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from lms.accounts.models import Organization, User
from lms.core.models import TimestampMixin, UTCDateTime
from lms.extensions import db


class EntrySource(StrEnum):
    CERTIFICATE = "certificate"
    ACTIVITY = "activity"

    @property
    def label(self):
        """The member's words for users (translated)."""
        return {EntrySource.CERTIFICATE: _l("Certificate"), EntrySource.ACTIVITY: _l("Self-reported activity")}[self]


class SkpEntry(TimestampMixin, db.Model):
    """One credit in a worker's SKP ledger. Entries are never deleted: revoking the source reverses the entry."""

    __tablename__ = "skp_entries"
    __table_args__ = (UniqueConstraint("source", "source_id", name="uq_skp_entries_source_source_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    source: Mapped[EntrySource] = mapped_column(String(20))
    source_id: Mapped[str] = mapped_column(String(40))
    ranah: Mapped[str] = mapped_column(String(20))
    skp: Mapped[Decimal] = mapped_column(Numeric(7, 2))
    jpl: Mapped[Decimal] = mapped_column(Numeric(7, 2), default=Decimal(0))
    earned_on: Mapped[date]
    title: Mapped[str] = mapped_column(String(200))
    organizer: Mapped[str] = mapped_column(String(200), default="")
    reversed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    reversal_reason: Mapped[str | None] = mapped_column(String(500))

    @property
    def counts(self) -> bool:
        return self.reversed_at is None


class ActivityKind(StrEnum):
    """Outside activities a worker may report for SKP."""

    TRAINING = "training"
    SEMINAR = "seminar"
    SERVICE = "service"
    """Pelayanan: clinical service recorded by the facility."""
    COMMUNITY = "community"
    """Pengabdian masyarakat: community service, disaster response, social work."""
    PUBLICATION = "publication"
    TEACHING = "teaching"

    @property
    def label(self):
        """The member's words for users (translated)."""
        return {
            ActivityKind.TRAINING: _l("Training outside Lentera"),
            ActivityKind.SEMINAR: _l("Seminar, webinar or workshop"),
            ActivityKind.SERVICE: _l("Clinical service"),
            ActivityKind.COMMUNITY: _l("Community service or disaster response"),
            ActivityKind.PUBLICATION: _l("Publication or scientific paper"),
            ActivityKind.TEACHING: _l("Teaching or mentoring"),
        }[self]


class ActivityStatus(StrEnum):
    PENDING = "pending"
    APPROVED = "approved"
    REJECTED = "rejected"


class ExternalActivity(TimestampMixin, db.Model):
    """An activity outside Lentera that the worker reports with evidence; an organization reviews it."""

    __tablename__ = "external_activities"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    organization_id: Mapped[int] = mapped_column(ForeignKey("organizations.id", ondelete="RESTRICT"), index=True)
    """The organization asked to review it."""
    kind: Mapped[ActivityKind] = mapped_column(String(20))
    ranah: Mapped[str] = mapped_column(String(20))
    title: Mapped[str] = mapped_column(String(200))
    organizer: Mapped[str] = mapped_column(String(200))
    held_on: Mapped[date]
    skp_claimed: Mapped[Decimal] = mapped_column(Numeric(7, 2))
    evidence_key: Mapped[str] = mapped_column(String(200))
    evidence_name: Mapped[str] = mapped_column(String(200))
    evidence_type: Mapped[str] = mapped_column(String(120))
    status: Mapped[ActivityStatus] = mapped_column(String(12), default=ActivityStatus.PENDING, index=True)
    skp_granted: Mapped[Decimal | None] = mapped_column(Numeric(7, 2))
    review_reason: Mapped[str | None] = mapped_column(String(500))
    reviewed_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    reviewed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    user: Mapped[User] = relationship(foreign_keys=[user_id], lazy="joined")
    organization: Mapped[Organization] = relationship(lazy="joined")


class PracticeLicence(TimestampMixin, db.Model):
    """The worker's SIP (surat izin praktik): its date starts the 5-year SKP cycle; the area sets the ranah shares."""

    __tablename__ = "practice_licences"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), unique=True)
    sip_number: Mapped[str] = mapped_column(String(80), default="")
    starts_on: Mapped[date]
    area: Mapped[str] = mapped_column(String(20), default="normal")


class RecordShareLink(TimestampMixin, db.Model):
    """A link that shows the record to someone without an account (an employer) until it expires or is revoked.
    Only the SHA-256 digest of its secret is stored."""

    __tablename__ = "record_share_links"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    digest: Mapped[str] = mapped_column(String(64), unique=True)
    label: Mapped[str] = mapped_column(String(120), default="")
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime())
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    last_viewed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    def is_usable(self, now: datetime) -> bool:
        return self.revoked_at is None and now < self.expires_at


class SkpCycleTotal(db.Model):
    """Per worker, the current SIP cycle and the SKP earned in it per ranah (in cents): a copy of the ledger kept
    exact by lms.records.standings, so the organization dashboard can filter 50,000 members by SKP state in SQL.

    No row means no SIP and no ledger entry yet: a cycle starting today with nothing earned."""

    __tablename__ = "skp_cycle_totals"

    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), primary_key=True)
    has_licence: Mapped[bool]
    area: Mapped[str] = mapped_column(String(20))
    state: Mapped[str] = mapped_column(String(12))
    """short / on_track / complete on every day from `fresh_from` to `fresh_until` (the target follows the
    profession: changing it marks the row for recomputation)."""
    cycle_starts_on: Mapped[date]
    cycle_ends_on: Mapped[date]
    fresh_from: Mapped[date | None] = mapped_column(index=True)
    fresh_until: Mapped[date] = mapped_column(index=True)
    """The row holds (cycle and state) on every day from `fresh_from` (None: any earlier day) to `fresh_until`; on
    other days it is recomputed before it is read."""
    cycle_start_day: Mapped[int]
    """`cycle_starts_on` as a day number (date.toordinal()), so SQL counts elapsed days the same on every database."""
    cycle_days: Mapped[int]
    pembelajaran_cents: Mapped[int] = mapped_column(BigInteger)
    pelayanan_cents: Mapped[int] = mapped_column(BigInteger)
    pengabdian_cents: Mapped[int] = mapped_column(BigInteger)


class SkpCountedMember(db.Model):
    """What the organization's summary counts for one confirmed member: her SKP state and profession as last counted
    (lms.records.member_counts keeps it equal to her standing row; one row per confirmed membership)."""

    __tablename__ = "skp_counted_members"

    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), primary_key=True)
    organization_id: Mapped[int] = mapped_column(
        ForeignKey("organizations.id", ondelete="CASCADE"), primary_key=True, index=True
    )
    state: Mapped[str] = mapped_column(String(12))
    profession_code: Mapped[str] = mapped_column(String(60))
    """"" without a profession."""


class OrganizationSkpCount(db.Model):
    """Confirmed members of an organization per SKP state and profession: the dashboard's counts, read instead of
    counting every member per view (the sum over `skp_counted_members`, moved by lms.records.member_counts)."""

    __tablename__ = "organization_skp_counts"

    organization_id: Mapped[int] = mapped_column(ForeignKey("organizations.id", ondelete="CASCADE"), primary_key=True)
    state: Mapped[str] = mapped_column(String(12), primary_key=True)
    profession_code: Mapped[str] = mapped_column(String(60), primary_key=True)
    members: Mapped[int]


class MemberName(db.Model):
    """One confirmed member of an organization with her name and e-mail as the dashboard's name search reads them, so
    that a search reads the organization's members only (not every user) and the names and keys from one index.

    Kept by database triggers (migration 0027) on every write of a membership or of a user's name or e-mail, by any
    statement (ORM, bulk, COPY): one row per confirmed membership, always."""

    __tablename__ = "member_names"
    __table_args__ = (
        # The search's walk in name order from a cursor: the keys come with the index entry (PostgreSQL: INCLUDE), so
        # the walk reads no table row. Trigram indexes on the keys (with the organization where btree_gin is
        # available) are made by 0027 on PostgreSQL only: see migrations/env.py.
        Index(
            "ix_member_names_organization_id_full_name_user_id",
            "organization_id",
            "full_name",
            "user_id",
            postgresql_include=["name_key", "email_key"],
        ),
    )

    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), primary_key=True)
    organization_id: Mapped[int] = mapped_column(ForeignKey("organizations.id", ondelete="CASCADE"), primary_key=True)
    full_name: Mapped[str] = mapped_column(String(120))
    """Her name as `users.full_name`: what the lists sort by."""
    name_key: Mapped[str] = mapped_column(Text)
    """`lower(full_name)` as the database computes it: what a name search matches."""
    email_key: Mapped[str] = mapped_column(Text)
    """`lower(email)`."""


class PracticeRespondent(StrEnum):
    LEARNER = "learner"
    SUPERVISOR = "supervisor"

    @property
    def label(self):
        return {
            PracticeRespondent.LEARNER: _l("self-evaluation"),
            PracticeRespondent.SUPERVISOR: _l("rated by the supervisor"),
        }[self]


class PracticeEvidence(TimestampMixin, db.Model):
    """One post-training evaluation answered at work: evidence that what the course taught is practised."""

    __tablename__ = "practice_evidence"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    response_id: Mapped[int] = mapped_column(ForeignKey("instrument_responses.id", ondelete="CASCADE"), unique=True)
    """The post-training response; unique, so an event delivered twice records one line."""
    course_title: Mapped[str] = mapped_column(String(200))
    respondent: Mapped[PracticeRespondent] = mapped_column(String(20))
    answered_on: Mapped[date]

    @property
    def respondent_label(self):
        return PracticeRespondent(self.respondent).label
