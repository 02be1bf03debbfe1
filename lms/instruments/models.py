"""Tables of instruments: versioned instruments, a course's instrument settings, responses with their answers, and
supervisors' invitations to the post-training evaluation."""

from __future__ import annotations

from datetime import datetime

from flask_babel import lazy_gettext as _l
from sqlalchemy import JSON, ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from lms.accounts.models import Organization, User
from lms.core.errors import Conflict
from lms.core.models import TimestampMixin, UTCDateTime, utcnow
from lms.courses.models import Course, Enrolment
from lms.extensions import db
from lms.instruments.items import InstrumentPurpose, Item

DEFAULT_POST_TRAINING_MONTHS = 3


class InstrumentFrozen(Conflict):
    def default_message(self):
        return _l("This instrument version already has responses; saving makes a new version.")


class Instrument(TimestampMixin, db.Model):
    """One version of an instrument of an organization: an ordered list of items. Frozen once answered: a change
    after that is a new version with the same key, and old responses keep pointing at the items they answered."""

    __tablename__ = "instruments"
    __table_args__ = (
        UniqueConstraint("organization_id", "key", "version", name="uq_instruments_organization_key_version"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    organization_id: Mapped[int] = mapped_column(ForeignKey("organizations.id", ondelete="CASCADE"), index=True)
    key: Mapped[str] = mapped_column(String(60))
    version: Mapped[int] = mapped_column(default=1)
    purpose: Mapped[InstrumentPurpose] = mapped_column(String(30))
    title: Mapped[str] = mapped_column(String(200))
    description: Mapped[str] = mapped_column(Text, default="")
    items_json: Mapped[list[dict]] = mapped_column("items", JSON, default=list)
    pass_percent: Mapped[int | None]
    """Checklists: at least this share of the points (and every critical step correct) passes."""
    frozen_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    """Set by the first response: from then on the items never change."""

    organization: Mapped[Organization] = relationship()

    @property
    def items(self) -> list[Item]:
        return [Item.from_json(data) for data in self.items_json]

    @property
    def is_frozen(self) -> bool:
        return self.frozen_at is not None

    def ensure_editable(self) -> None:
        if self.is_frozen:
            raise InstrumentFrozen()

    def freeze(self) -> None:
        if self.frozen_at is None:
            self.frozen_at = utcnow()

    @property
    def purpose_label(self):
        return InstrumentPurpose(self.purpose).label


class CourseInstrumentSettings(db.Model):
    """Which instruments a course uses and which of them the certificate waits for (defaults when absent)."""

    __tablename__ = "instrument_course_settings"

    id: Mapped[int] = mapped_column(primary_key=True)
    course_id: Mapped[int] = mapped_column(ForeignKey("courses.id", ondelete="CASCADE"), unique=True)
    checklist_keys: Mapped[list[str]] = mapped_column(JSON, default=list)
    """The skills checklists the course names (instrument keys of its organization)."""
    require_checklists: Mapped[bool] = mapped_column(default=False)
    """The certificate waits until every named checklist is passed."""
    require_evaluations: Mapped[bool] = mapped_column(default=False)
    """The certificate waits until the learner has evaluated the sessions' facilitators and the organizer."""
    post_training_months: Mapped[int] = mapped_column(default=DEFAULT_POST_TRAINING_MONTHS)
    """The post-training evaluation opens this many months after the cohort's end; 0 switches it off."""

    course: Mapped[Course] = relationship()


class InstrumentResponse(db.Model):
    """One filled-in instrument: a learner's evaluation, a facilitator's scoring of a learner at a station, or a
    post-training evaluation by the alumnus or their supervisor. `dedupe_key` is unique per enrolment, so a
    response sent twice (a retry, an offline sync) is recorded once."""

    __tablename__ = "instrument_responses"
    __table_args__ = (
        UniqueConstraint("enrolment_id", "dedupe_key", name="uq_instrument_responses_enrolment_dedupe_key"),
        Index("ix_instrument_responses_instrument_facilitator", "instrument_id", "facilitator_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    instrument_id: Mapped[int] = mapped_column(ForeignKey("instruments.id", ondelete="RESTRICT"), index=True)
    purpose: Mapped[str] = mapped_column(String(30))
    enrolment_id: Mapped[int] = mapped_column(ForeignKey("enrolments.id", ondelete="CASCADE"), index=True)
    """The learner the response is about (and, for evaluations, by)."""
    dedupe_key: Mapped[str] = mapped_column(String(80))
    respondent_role: Mapped[str] = mapped_column(String(20))
    """learner, assessor (a facilitator scoring) or supervisor."""
    assessor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    """Checklists: the facilitator who scored."""
    session_id: Mapped[int | None] = mapped_column(ForeignKey("attendance_sessions.id", ondelete="SET NULL"))
    facilitator_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    """Facilitator evaluations: who was rated."""
    answered_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    """When it was filled in (a checklist scored offline keeps the time of scoring)."""
    received_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    points: Mapped[int | None]
    max_points: Mapped[int | None]
    passed: Mapped[bool | None]
    remarks: Mapped[str] = mapped_column(Text, default="")

    instrument: Mapped[Instrument] = relationship()
    enrolment: Mapped[Enrolment] = relationship()
    assessor: Mapped[User | None] = relationship(foreign_keys=[assessor_id])
    answers: Mapped[list[InstrumentAnswer]] = relationship(back_populates="response", cascade="all, delete-orphan")

    @property
    def percent(self) -> int:
        return round(100 * (self.points or 0) / self.max_points) if self.max_points else 0


class InstrumentAnswer(db.Model):
    """The answer to one item of a response: a number on the item's scale, or a text."""

    __tablename__ = "instrument_answers"

    id: Mapped[int] = mapped_column(primary_key=True)
    response_id: Mapped[int] = mapped_column(ForeignKey("instrument_responses.id", ondelete="CASCADE"), index=True)
    item_id: Mapped[str] = mapped_column(String(40))
    value: Mapped[int | None]
    text: Mapped[str | None] = mapped_column(Text)

    response: Mapped[InstrumentResponse] = relationship(back_populates="answers")


class SupervisorInvitation(db.Model):
    """The alumnus named their supervisor (atasan langsung), who rates them through a signed, single-use link."""

    __tablename__ = "instrument_supervisor_invitations"

    id: Mapped[int] = mapped_column(primary_key=True)
    enrolment_id: Mapped[int] = mapped_column(ForeignKey("enrolments.id", ondelete="CASCADE"), unique=True)
    supervisor_name: Mapped[str] = mapped_column(String(120))
    supervisor_email: Mapped[str | None] = mapped_column(String(254))
    nonce: Mapped[str] = mapped_column(String(32))
    """In the signed link; a new invitation (new nonce) makes older links useless."""
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime())
    used_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    enrolment: Mapped[Enrolment] = relationship()
