"""Courses and their frozen versions: subjects (mata pelatihan) with JPL, and lessons."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from enum import StrEnum

from flask_babel import lazy_gettext as _l
from sqlalchemy import JSON, ForeignKey, Numeric, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from lms.accounts.models import Organization, User
from lms.core.errors import Conflict
from lms.core.models import TimestampMixin, UTCDateTime, utcnow
from lms.courses.curriculum import SubjectType, jpl_minutes
from lms.extensions import db


class CohortCancelled(Conflict):
    def default_message(self):
        return _l("This cohort is cancelled.")


class CourseStatus(StrEnum):
    DRAFT = "draft"
    PUBLISHED = "published"
    ARCHIVED = "archived"

    @property
    def label(self):
        """The member's words for users (translated)."""
        return {
            CourseStatus.DRAFT: _l("Draft"),
            CourseStatus.PUBLISHED: _l("Published"),
            CourseStatus.ARCHIVED: _l("Archived"),
        }[self]


class VersionFrozen(Conflict):
    def default_message(self):
        return _l("This version is published and frozen; edit the course to make a new draft version.")


class Course(TimestampMixin, db.Model):
    """A course's identity across versions; what learners study is always a CourseVersion."""

    __tablename__ = "courses"

    id: Mapped[int] = mapped_column(primary_key=True)
    organization_id: Mapped[int] = mapped_column(ForeignKey("organizations.id", ondelete="RESTRICT"), index=True)
    code: Mapped[str] = mapped_column(String(40), unique=True)

    organization: Mapped[Organization] = relationship(lazy="joined")
    versions: Mapped[list[CourseVersion]] = relationship(
        back_populates="course", order_by="CourseVersion.number", cascade="all, delete-orphan"
    )

    @property
    def latest_version(self) -> CourseVersion | None:
        return self.versions[-1] if self.versions else None

    @property
    def published_version(self) -> CourseVersion | None:
        published = [v for v in self.versions if v.status == CourseStatus.PUBLISHED]
        return published[-1] if published else None

    @property
    def draft_version(self) -> CourseVersion | None:
        latest = self.latest_version
        return latest if latest is not None and latest.status == CourseStatus.DRAFT else None


class CourseVersion(TimestampMixin, db.Model):
    """One version of a course. Publishing freezes it: cohorts and learners' work point at it for good."""

    __tablename__ = "course_versions"
    __table_args__ = (UniqueConstraint("course_id", "number", name="uq_course_versions_course_number"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    course_id: Mapped[int] = mapped_column(ForeignKey("courses.id", ondelete="CASCADE"), index=True)
    number: Mapped[int]
    status: Mapped[CourseStatus] = mapped_column(String(12), default=CourseStatus.DRAFT)
    title: Mapped[str] = mapped_column(String(200))
    summary: Mapped[str] = mapped_column(Text, default="")
    kind: Mapped[str] = mapped_column(String(20))
    target_professions: Mapped[list[str]] = mapped_column(JSON, default=list)
    skp_ranah: Mapped[str] = mapped_column(String(20))
    skp_value: Mapped[Decimal | None] = mapped_column(Numeric(7, 2))
    """Set explicitly; None means computed from the JPL of the inti subjects."""
    accreditation_number: Mapped[str | None] = mapped_column(String(80))
    pass_mark: Mapped[int] = mapped_column(default=70)
    attendance_threshold: Mapped[int] = mapped_column(default=95)
    validity_months: Mapped[int] = mapped_column(default=36)
    competencies: Mapped[list[dict]] = mapped_column(JSON, default=list)
    sequential: Mapped[bool] = mapped_column(default=False)
    # Certificate rules, each switchable per course: what eligibility checks, and who issues.
    require_lessons: Mapped[bool] = mapped_column(default=True)
    require_post_test: Mapped[bool] = mapped_column(default=True)
    """Checked only when the course has a post-test."""
    require_attendance: Mapped[bool] = mapped_column(default=True)
    """Checked only when the cohort has sessions."""
    certificate_needs_approval: Mapped[bool] = mapped_column(default=False)
    """False: issued automatically once eligible; True: after the organization approves."""
    questions: Mapped[list[list[str]]] = mapped_column(JSON, default=list)
    fingerprint: Mapped[str] = mapped_column(String(64))
    published_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    course: Mapped[Course] = relationship(back_populates="versions")
    subjects: Mapped[list[Subject]] = relationship(
        back_populates="version", order_by="Subject.position", cascade="all, delete-orphan"
    )

    @property
    def is_frozen(self) -> bool:
        return self.status != CourseStatus.DRAFT

    def ensure_editable(self) -> None:
        if self.is_frozen:
            raise VersionFrozen()

    def publish(self) -> None:
        self.ensure_editable()
        self.status = CourseStatus.PUBLISHED
        self.published_at = utcnow()

    @property
    def total_jpl(self) -> int:
        return sum(s.jpl for s in self.subjects)

    @property
    def core_jpl(self) -> int:
        return sum(s.jpl for s in self.subjects if s.type == SubjectType.INTI)

    @property
    def lessons(self) -> list[Lesson]:
        return [lesson for subject in self.subjects for lesson in subject.lessons]


class Subject(db.Model):
    """A mata pelatihan: dasar, inti or penunjang, with its JPL split into T, P and PL."""

    __tablename__ = "subjects"

    id: Mapped[int] = mapped_column(primary_key=True)
    version_id: Mapped[int] = mapped_column(ForeignKey("course_versions.id", ondelete="CASCADE"), index=True)
    position: Mapped[int]
    slug: Mapped[str] = mapped_column(String(80))
    title: Mapped[str] = mapped_column(String(200))
    type: Mapped[str] = mapped_column(String(12))
    jpl_t: Mapped[int] = mapped_column(default=0)
    jpl_p: Mapped[int] = mapped_column(default=0)
    jpl_pl: Mapped[int] = mapped_column(default=0)
    objectives: Mapped[list[str]] = mapped_column(JSON, default=list)

    version: Mapped[CourseVersion] = relationship(back_populates="subjects")
    lessons: Mapped[list[Lesson]] = relationship(
        back_populates="subject", order_by="Lesson.position", cascade="all, delete-orphan"
    )

    @property
    def jpl(self) -> int:
        return self.jpl_t + self.jpl_p + self.jpl_pl

    @property
    def minutes(self) -> int:
        return jpl_minutes(self.jpl_t, self.jpl_p, self.jpl_pl)


class Lesson(db.Model):
    __tablename__ = "lessons"

    id: Mapped[int] = mapped_column(primary_key=True)
    subject_id: Mapped[int] = mapped_column(ForeignKey("subjects.id", ondelete="CASCADE"), index=True)
    position: Mapped[int]
    title: Mapped[str] = mapped_column(String(200))
    minutes: Mapped[int] = mapped_column(default=0)
    body: Mapped[str] = mapped_column(Text, default="")
    """Markdown; rendered through lms.courses.rendering, which sanitizes the HTML."""
    video_url: Mapped[str | None] = mapped_column(String(500))

    subject: Mapped[Subject] = relationship(back_populates="lessons")
    attachments: Mapped[list[LessonAttachment]] = relationship(
        back_populates="lesson", order_by="LessonAttachment.id", cascade="all, delete-orphan"
    )


class LessonAttachment(db.Model):
    """A file handed out with a lesson (a handout, a form, a poster). The bytes live in lms.core.storage under
    `storage_key`; a new draft version copies the row, so several rows may share one stored file."""

    __tablename__ = "lesson_attachments"

    id: Mapped[int] = mapped_column(primary_key=True)
    lesson_id: Mapped[int] = mapped_column(ForeignKey("lessons.id", ondelete="CASCADE"), index=True)
    file_name: Mapped[str] = mapped_column(String(200))
    """As shown to learners and offered on download; never used on disk."""
    content_type: Mapped[str] = mapped_column(String(120))
    """Detected from the file's content, not taken from the browser."""
    size: Mapped[int]
    storage_key: Mapped[str] = mapped_column(String(120), index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    lesson: Mapped[Lesson] = relationship(back_populates="attachments")


class CohortMode(StrEnum):
    DARING = "daring"
    """Online."""
    LURING = "luring"
    """In person."""
    BLENDED = "blended"

    @property
    def label(self):
        """The member's words for users (translated)."""
        return {
            CohortMode.DARING: _l("Online"),
            CohortMode.LURING: _l("In person"),
            CohortMode.BLENDED: _l("Blended"),
        }[self]


class EnrolmentStatus(StrEnum):
    PENDING = "pending"
    """Waiting for the organization's approval."""
    ACTIVE = "active"
    WAITLISTED = "waitlisted"
    DECLINED = "declined"
    WITHDRAWN = "withdrawn"

    @property
    def label(self):
        """The member's words for users (translated)."""
        return {
            EnrolmentStatus.PENDING: _l("Waiting for approval"),
            EnrolmentStatus.WAITLISTED: _l("On the waiting list"),
            EnrolmentStatus.ACTIVE: _l("Active"),
            EnrolmentStatus.DECLINED: _l("Declined"),
            EnrolmentStatus.WITHDRAWN: _l("Withdrawn"),
        }[self]


cohort_facilitators = db.Table(
    "cohort_facilitators",
    db.Column("cohort_id", ForeignKey("cohorts.id", ondelete="CASCADE"), primary_key=True),
    db.Column("user_id", ForeignKey("users.id", ondelete="CASCADE"), primary_key=True),
)


class Cohort(TimestampMixin, db.Model):
    """An angkatan: one run of a course version with its dates, place, capacity and enrolment rules."""

    __tablename__ = "cohorts"

    id: Mapped[int] = mapped_column(primary_key=True)
    version_id: Mapped[int] = mapped_column(ForeignKey("course_versions.id", ondelete="RESTRICT"), index=True)
    name: Mapped[str] = mapped_column(String(120))
    mode: Mapped[str] = mapped_column(String(10), default=CohortMode.DARING)
    place: Mapped[str | None] = mapped_column(String(200))
    starts_on: Mapped[date]
    ends_on: Mapped[date]
    enrol_opens_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    enrol_closes_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    capacity: Mapped[int | None]
    """None: no limit."""
    needs_approval: Mapped[bool] = mapped_column(default=False)
    cancelled_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    cancel_reason: Mapped[str | None] = mapped_column(String(500))
    """What the learners are told when the cohort is cancelled."""

    version: Mapped[CourseVersion] = relationship(lazy="joined")
    facilitators: Mapped[list[User]] = relationship(secondary=cohort_facilitators)
    enrolments: Mapped[list[Enrolment]] = relationship(back_populates="cohort", order_by="Enrolment.id")

    @property
    def organization_id(self) -> int:
        return self.version.course.organization_id

    @property
    def is_cancelled(self) -> bool:
        return self.cancelled_at is not None

    def ensure_running(self) -> None:
        """Refuse changes to a cancelled cohort: it stays as it was, for the record."""
        if self.is_cancelled:
            raise CohortCancelled()


class Enrolment(TimestampMixin, db.Model):
    __tablename__ = "enrolments"
    __table_args__ = (UniqueConstraint("cohort_id", "user_id", name="uq_enrolments_cohort_user"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    cohort_id: Mapped[int] = mapped_column(ForeignKey("cohorts.id", ondelete="RESTRICT"), index=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="RESTRICT"), index=True)
    status: Mapped[str] = mapped_column(String(12))
    decline_reason: Mapped[str | None] = mapped_column(String(500))
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    last_lesson_id: Mapped[int | None] = mapped_column(ForeignKey("lessons.id", ondelete="SET NULL"))
    """Where the learner left off, for resuming."""

    cohort: Mapped[Cohort] = relationship(back_populates="enrolments", lazy="joined")
    user: Mapped[User] = relationship(lazy="joined")
    completions: Mapped[list[LessonCompletion]] = relationship(
        back_populates="enrolment", cascade="all, delete-orphan", lazy="selectin"
    )

    @property
    def completed_lesson_ids(self) -> set[int]:
        return {c.lesson_id for c in self.completions}


class LessonCompletion(db.Model):
    __tablename__ = "lesson_completions"
    __table_args__ = (UniqueConstraint("enrolment_id", "lesson_id", name="uq_lesson_completions_enrolment_lesson"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    enrolment_id: Mapped[int] = mapped_column(ForeignKey("enrolments.id", ondelete="CASCADE"), index=True)
    lesson_id: Mapped[int] = mapped_column(ForeignKey("lessons.id", ondelete="RESTRICT"))
    completed_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    enrolment: Mapped[Enrolment] = relationship(back_populates="completions")
